//! The record of one labeled article, as `tasnif label` writes it: one JSON
//! object per article with the fields `id`, `label`, `probability`, `top`,
//! `tags` and `explain` (only when asked for), `encoding` (only when the
//! file was not UTF-8) and `error`.
//!
//! The command line and the Python package both build their records here, so
//! a record means the same thing, field for field and bit for bit, whichever
//! way it was made.
//!
//! ```
//! use tasnif::batch::Labeled;
//! use tasnif::corpus::TextEncoding;
//! use tasnif::model::{Classifier, PredictOptions, PredictScratch};
//! use tasnif::record::{Record, RecordOptions};
//! let model = Classifier::from_bytes(tasnif::DEFAULT_MODEL)?;
//! let p = model.predict("تسريب بيانات ملايين المستخدمين بعد اختراق", &mut PredictScratch::default(), &PredictOptions::default());
//! let result = Ok(Labeled { prediction: p, encoding: TextEncoding::Utf8 });
//! let json = Record::new(model.labels(), "a1", &result, RecordOptions::default()).to_json();
//! assert!(json.starts_with(r#"{"id":"a1","label":"#));
//! assert!(json.ends_with(r#","error":null}"#));
//! # Ok::<(), tasnif::Error>(())
//! ```

use serde::Serialize;

use crate::batch::Labeled;
use crate::corpus::TextEncoding;
use crate::error::Error;
use crate::labels::LabelSet;

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
    /// Multi-label tags (see [`Prediction::tags`](crate::model::Prediction::tags));
    /// present only when asked for (then empty on error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<&'a str>>,
    /// The terms that drove the decision; present only when asked for
    /// (then empty on error).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub explain: Option<Vec<Term<'a>>>,
    /// The file's encoding, only when it was not UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encoding: Option<&'static str>,
    /// Why the article could not be labeled; `None` on success.
    pub error: Option<String>,
}

/// Which optional fields a record carries.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct RecordOptions {
    /// Carry `explain` (the terms the prediction holds).
    pub explain: bool,
    /// Carry `tags`: the chosen label and every other label with at least
    /// this probability.
    pub tag_threshold: Option<f64>,
}

impl<'a> Record<'a> {
    /// The record of the article `id` whose result is `result`, from a
    /// model whose labels are `labels`, with the optional fields `opts` asks for.
    pub fn new(
        labels: &'a LabelSet,
        id: &'a str,
        result: &'a Result<Labeled, Error>,
        opts: RecordOptions,
    ) -> Record<'a> {
        match result {
            Ok(Labeled {
                prediction: p,
                encoding,
            }) => Record {
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
                tags: opts
                    .tag_threshold
                    .map(|t| p.tags(t).into_iter().map(|l| labels.name(l)).collect()),
                explain: opts.explain.then(|| {
                    p.explain
                        .iter()
                        .map(|(t, w)| Term {
                            term: t,
                            weight: *w,
                        })
                        .collect()
                }),
                encoding: (*encoding != TextEncoding::Utf8).then(|| encoding.name()),
                error: None,
            },
            Err(e) => Record {
                id,
                label: None,
                probability: None,
                top: Vec::new(),
                tags: opts.tag_threshold.map(|_| Vec::new()),
                explain: opts.explain.then(Vec::new),
                encoding: None,
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
    use crate::model::Prediction;

    fn labels() -> LabelSet {
        LabelSet::from_names(["a", "b"])
    }

    fn labeled(p: f64, encoding: TextEncoding) -> Result<Labeled, Error> {
        Ok(Labeled {
            prediction: Prediction {
                label: LabelId(1),
                probability: p,
                probabilities: vec![1.0 - p, p],
                top: vec![(LabelId(1), p), (LabelId(0), 1.0 - p)],
                explain: vec![("x".into(), 0.5)],
            },
            encoding,
        })
    }

    #[test]
    fn success_has_every_field_and_optional_ones_only_when_asked() {
        let l = labels();
        let r = labeled(0.75, TextEncoding::Utf8);
        let base = r#"{"id":"d1","label":"b","probability":0.75,"top":[{"label":"b","probability":0.75},{"label":"a","probability":0.25}]"#;
        assert_eq!(
            Record::new(&l, "d1", &r, RecordOptions::default()).to_json(),
            format!(r#"{base},"error":null}}"#)
        );
        let all = RecordOptions {
            explain: true,
            tag_threshold: Some(0.2),
        };
        assert_eq!(
            Record::new(&l, "d1", &r, all).to_json(),
            format!(
                r#"{base},"tags":["b","a"],"explain":[{{"term":"x","weight":0.5}}],"error":null}}"#
            )
        );
        let r = labeled(0.75, TextEncoding::Windows1256);
        assert_eq!(
            Record::new(&l, "d1", &r, RecordOptions::default()).to_json(),
            format!(r#"{base},"encoding":"windows-1256","error":null}}"#)
        );
    }

    #[test]
    fn failure_names_the_error_and_has_no_label() {
        let l = labels();
        let r = Err(Error::at("d2", ErrorKind::Empty));
        let all = RecordOptions {
            explain: true,
            tag_threshold: Some(0.3),
        };
        let json = Record::new(&l, "d2", &r, all).to_json();
        assert!(
            json.starts_with(
                r#"{"id":"d2","label":null,"probability":null,"top":[],"tags":[],"explain":[],"error":"d2: "#
            ),
            "{json}"
        );
    }

    #[test]
    fn floats_are_written_to_read_back_exactly() {
        let l = labels();
        let p = 0.1f64 + 0.2;
        let r = labeled(p, TextEncoding::Utf8);
        let json = Record::new(&l, "d", &r, RecordOptions::default()).to_json();
        let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(
            v["probability"].as_f64().map(f64::to_bits),
            Some(p.to_bits())
        );
    }
}
