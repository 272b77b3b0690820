//! The record of one labeled article, as `tasnif label` writes it: one JSON
//! object per article with the fields `id`, `label`, `probability`, `top`,
//! `explain` (only when asked for) and `error`.
//!
//! The command line and the Python package both build their records here, so
//! a record means the same thing, field for field and bit for bit, whichever
//! way it was made.
//!
//! ```
//! use tasnif::model::{Classifier, PredictOptions, PredictScratch};
//! use tasnif::record::Record;
//! let model = Classifier::from_bytes(tasnif::DEFAULT_MODEL)?;
//! let p = model.predict("تسريب بيانات ملايين المستخدمين بعد اختراق", &mut PredictScratch::default(), &PredictOptions::default());
//! let result = Ok(p);
//! let json = Record::new(model.labels(), "a1", &result, false).to_json();
//! assert!(json.starts_with(r#"{"id":"a1","label":"#));
//! assert!(json.ends_with(r#","error":null}"#));
//! # Ok::<(), tasnif::Error>(())
//! ```

use serde::Serialize;

use crate::error::Error;
use crate::labels::LabelSet;
use crate::model::Prediction;

/// One entry of `top`: a label and its probability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scored<'a> {
    /// The label's name.
    pub label: &'a str,
    /// Its probability.
    pub probability: f64,
}

/// One entry of `explain`: a term and how much it added to the decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Term<'a> {
    /// The term (normalized, as the model's vocabulary holds it).
    pub term: &'a str,
    /// Its contribution to the chosen label's score over the runner-up's.
    pub weight: f64,
}

/// One output record. The field names and their order are part of the
/// command line's contract (JSON lines, CSV and TSV columns).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Record<'a> {
    /// What identifies the article: the path as given, or the id supplied with its text.
    pub id: &'a str,
    /// The chosen label; `None` when the article could not be read.
    pub label: Option<&'a str>,
    /// The chosen label's probability; `None` when the article could not be read.
    pub probability: Option<f64>,
    /// The most probable labels, most probable first (empty on error).
    pub top: Vec<Scored<'a>>,
    /// The terms that drove the decision; present only when asked for
    /// (then empty on error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<Vec<Term<'a>>>,
    /// Why the article could not be labeled; `None` on success.
    pub error: Option<String>,
}

impl<'a> Record<'a> {
    /// The record of the article `id` whose result is `result`, from a
    /// model whose labels are `labels`. With `explain`, the record carries
    /// the `explain` field (the terms of the prediction, as many as it holds).
    pub fn new(
        labels: &'a LabelSet,
        id: &'a str,
        result: &'a Result<Prediction, Error>,
        explain: bool,
    ) -> Record<'a> {
        match result {
            Ok(p) => Record {
                id,
                label: Some(labels.name(p.label)),
                probability: Some(p.probability),
                top: p
                    .top
                    .iter()
                    .map(|&(l, pr)| Scored {
                        label: labels.name(l),
                        probability: pr,
                    })
                    .collect(),
                explain: explain.then(|| {
                    p.explain
                        .iter()
                        .map(|(t, w)| Term {
                            term: t,
                            weight: *w,
                        })
                        .collect()
                }),
                error: None,
            },
            Err(e) => Record {
                id,
                label: None,
                probability: None,
                top: Vec::new(),
                explain: explain.then(Vec::new),
                error: Some(e.to_string()),
            },
        }
    }

    /// Appends the record as one line of JSON, without the line ending.
    /// Numbers are written as the shortest decimal that reads back as the
    /// same `f64`.
    pub fn write_json(&self, out: &mut Vec<u8>) {
        // Serializing these plain fields into a Vec cannot fail.
        let _ = serde_json::to_writer(out, self);
    }

    /// The record as one line of JSON, without the line ending.
    pub fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(256);
        self.write_json(&mut out);
        // serde_json writes UTF-8.
        String::from_utf8(out).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorKind;
    use crate::labels::LabelId;

    fn labels() -> LabelSet {
        LabelSet::from_names(["a", "b"])
    }

    #[test]
    fn success_has_every_field_and_no_explain_unless_asked() {
        let l = labels();
        let r = Ok(Prediction {
            label: LabelId(1),
            probability: 0.75,
            probabilities: vec![0.25, 0.75],
            top: vec![(LabelId(1), 0.75), (LabelId(0), 0.25)],
            explain: vec![("x".into(), 0.5)],
        });
        assert_eq!(
            Record::new(&l, "d1", &r, false).to_json(),
            r#"{"id":"d1","label":"b","probability":0.75,"top":[{"label":"b","probability":0.75},{"label":"a","probability":0.25}],"error":null}"#
        );
        assert_eq!(
            Record::new(&l, "d1", &r, true).to_json(),
            r#"{"id":"d1","label":"b","probability":0.75,"top":[{"label":"b","probability":0.75},{"label":"a","probability":0.25}],"explain":[{"term":"x","weight":0.5}],"error":null}"#
        );
    }

    #[test]
    fn failure_names_the_error_and_has_no_label() {
        let l = labels();
        let r = Err(Error::at("d2", ErrorKind::Empty));
        assert_eq!(
            Record::new(&l, "d2", &r, true).to_json(),
            r#"{"id":"d2","label":null,"probability":null,"top":[],"explain":[],"error":"d2: empty document (no text)"}"#
        );
    }

    #[test]
    fn floats_are_written_to_read_back_exactly() {
        let l = labels();
        let p = 0.1f64 + 0.2;
        let r = Ok(Prediction {
            label: LabelId(0),
            probability: p,
            probabilities: vec![p, 1.0 - p],
            top: vec![(LabelId(0), p)],
            explain: Vec::new(),
        });
        let json = Record::new(&l, "d", &r, false).to_json();
        let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(
            v["probability"].as_f64().map(f64::to_bits),
            Some(p.to_bits())
        );
    }
}
