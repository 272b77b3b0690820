//! The record of one labeled article, as `tasnif label` writes it: one JSON
//! object per article with the fields `id`, `label`, `probability`, for a
//! gated model the probability of any of its topics (under the gate's name:
//! `cyber` for the bundled model), `top`, `tags` and `explain` (only when
//! asked for), `evidence` (a gated model's, with `explain`), `encoding`
//! (only when the file was not UTF-8) and `error`.
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
//! let json = Record::new(&model, "a1", &result, RecordOptions::default()).to_json();
//! assert!(json.starts_with(r#"{"id":"a1","label":"#));
//! assert!(json.contains(r#","cyber":"#));
//! assert!(json.ends_with(r#","error":null}"#));
//! # Ok::<(), tasnif::Error>(())
//! ```

use serde::ser::{Serialize, SerializeMap, Serializer};

use crate::batch::Labeled;
use crate::corpus::TextEncoding;
use crate::error::Error;
use crate::model::Classifier;

/// One entry of `top`: a label and its probability.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Scored<'a> {
    /// The label's name.
    pub label: &'a str,
    /// Its probability.
    pub probability: f64,
}

/// One entry of `explain`: a term and how much it added to the decision.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Term<'a> {
    /// The term (normalized, as the model's vocabulary holds it).
    pub term: &'a str,
    /// Its contribution to the chosen label's score over the runner-up's.
    pub weight: f64,
}

/// One output record. The field names and their order are part of the
/// command line's contract (JSON lines, CSV and TSV columns).
#[derive(Debug, Clone, PartialEq)]
pub struct Record<'a> {
    /// What identifies the article: the path as given, or the id supplied with its text.
    pub id: &'a str,
    /// The chosen label; `None` when the article could not be read.
    pub label: Option<&'a str>,
    /// The chosen label's probability; `None` when the article could not be read.
    pub probability: Option<f64>,
    /// For a gated model: the gate's name (the field's key) and the
    /// probability that the article is about any of the topics (`None`
    /// when it could not be read). Absent for a one-stage model.
    pub gate: Option<(&'a str, Option<f64>)>,
    /// The most probable labels, most probable first (empty on error).
    pub top: Vec<Scored<'a>>,
    /// Multi-label tags (see [`Prediction::tags`](crate::model::Prediction::tags));
    /// present only when asked for (then empty on error).
    pub tags: Option<Vec<&'a str>>,
    /// The terms that drove the decision; present only when asked for
    /// (then empty on error).
    pub explain: Option<Vec<Term<'a>>>,
    /// A gated model's evidence for any of the topics (the terms that most
    /// raised its odds); present when explanations are asked for.
    pub evidence: Option<Vec<Term<'a>>>,
    /// The file's encoding, only when it was not UTF-8.
    pub encoding: Option<&'static str>,
    /// Why the article could not be labeled; `None` on success.
    pub error: Option<String>,
}

impl Serialize for Record<'_> {
    /// The fields in contract order; the optional ones only when present.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(None)?;
        m.serialize_entry("id", self.id)?;
        m.serialize_entry("label", &self.label)?;
        m.serialize_entry("probability", &self.probability)?;
        if let Some((name, p)) = &self.gate {
            m.serialize_entry(name, p)?;
        }
        m.serialize_entry("top", &self.top)?;
        if let Some(t) = &self.tags {
            m.serialize_entry("tags", t)?;
        }
        if let Some(e) = &self.explain {
            m.serialize_entry("explain", e)?;
        }
        if let Some(e) = &self.evidence {
            m.serialize_entry("evidence", e)?;
        }
        if let Some(e) = &self.encoding {
            m.serialize_entry("encoding", e)?;
        }
        m.serialize_entry("error", &self.error)?;
        m.end()
    }
}

fn terms(t: &[(String, f64)]) -> Vec<Term<'_>> {
    t.iter()
        .map(|(t, w)| Term {
            term: t,
            weight: *w,
        })
        .collect()
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
    /// The record of the article `id` whose result is `result`, from
    /// `model`, with the optional fields `opts` asks for.
    pub fn new(
        model: &'a Classifier,
        id: &'a str,
        result: &'a Result<Labeled, Error>,
        opts: RecordOptions,
    ) -> Record<'a> {
        let labels = model.labels();
        let gate_name = model.gate_settings().map(|(_, _, name)| name);
        match result {
            Ok(Labeled {
                prediction: p,
                encoding,
            }) => Record {
                id,
                label: Some(labels.name(p.label)),
                probability: Some(p.probability),
                gate: gate_name.map(|n| (n, p.gate)),
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
                explain: opts.explain.then(|| terms(&p.explain)),
                evidence: (opts.explain && gate_name.is_some()).then(|| terms(&p.evidence)),
                encoding: (*encoding != TextEncoding::Utf8).then(|| encoding.name()),
                error: None,
            },
            Err(e) => Record {
                id,
                label: None,
                probability: None,
                gate: gate_name.map(|n| (n, None)),
                top: Vec::new(),
                tags: opts.tag_threshold.map(|_| Vec::new()),
                explain: opts.explain.then(Vec::new),
                evidence: (opts.explain && gate_name.is_some()).then(Vec::new),
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
    use crate::corpus::{Item, LabeledData, ReadOptions, Source};
    use crate::error::ErrorKind;
    use crate::labels::LabelId;
    use crate::model::Prediction;
    use crate::train::TrainParams;

    /// A model of labels a and b, or (gated) a, b and none, named `g`.
    fn model(gated: bool) -> Classifier {
        let texts = [
            ("a", "اختراق حسابات البنك وسرقة بيانات العملاء"),
            ("a", "قراصنة يخترقون خوادم الشركة ويسرقون كلمات المرور"),
            ("b", "تسريب وثائق سرية عن صفقة الاسلحة"),
            ("b", "نشر رسائل مسربة من بريد الوزير"),
            ("none", "فاز الفريق بالمباراة النهائية في الدوري"),
            ("none", "ارتفعت اسعار النفط في الاسواق العالمية"),
        ];
        let pairs = texts
            .iter()
            .filter(|(l, _)| gated || *l != "none")
            .enumerate()
            .map(|(i, (l, t))| {
                let item = Item {
                    id: format!("d{i}"),
                    source: Source::Text(t.to_string()),
                };
                (item, l.to_string())
            })
            .collect();
        let mut params = TrainParams::new();
        params.chi2_features = None;
        params.min_docs_per_label = 1;
        if gated {
            params.none_label = Some("none".into());
            params.gate_name = "g".into();
        }
        let data = LabeledData::from_pairs(pairs);
        crate::train::train(&data, &params, &ReadOptions::default()).expect("model")
    }

    fn labeled(p: f64, encoding: TextEncoding, gate: Option<f64>) -> Result<Labeled, Error> {
        Ok(Labeled {
            prediction: Prediction {
                label: LabelId::from_index(1),
                probability: p,
                probabilities: vec![1.0 - p, p],
                top: vec![
                    (LabelId::from_index(1), p),
                    (LabelId::from_index(0), 1.0 - p),
                ],
                explain: vec![("x".into(), 0.5)],
                gate,
                evidence: vec![("y".into(), 0.25)],
            },
            encoding,
        })
    }

    #[test]
    fn success_has_every_field_and_optional_ones_only_when_asked() {
        let m = model(false);
        let r = labeled(0.75, TextEncoding::Utf8, None);
        let base = r#"{"id":"d1","label":"b","probability":0.75,"top":[{"label":"b","probability":0.75},{"label":"a","probability":0.25}]"#;
        assert_eq!(
            Record::new(&m, "d1", &r, RecordOptions::default()).to_json(),
            format!(r#"{base},"error":null}}"#)
        );
        let all = RecordOptions {
            explain: true,
            tag_threshold: Some(0.2),
        };
        assert_eq!(
            Record::new(&m, "d1", &r, all).to_json(),
            format!(
                r#"{base},"tags":["b","a"],"explain":[{{"term":"x","weight":0.5}}],"error":null}}"#
            )
        );
        let r = labeled(0.75, TextEncoding::Windows1256, None);
        assert_eq!(
            Record::new(&m, "d1", &r, RecordOptions::default()).to_json(),
            format!(r#"{base},"encoding":"windows-1256","error":null}}"#)
        );
    }

    #[test]
    fn a_gated_model_gives_its_gate_probability_and_evidence() {
        let m = model(true);
        let r = labeled(0.75, TextEncoding::Utf8, Some(0.875));
        let base = r#"{"id":"d1","label":"b","probability":0.75,"g":0.875,"top":[{"label":"b","probability":0.75},{"label":"a","probability":0.25}]"#;
        assert_eq!(
            Record::new(&m, "d1", &r, RecordOptions::default()).to_json(),
            format!(r#"{base},"error":null}}"#)
        );
        let explain = RecordOptions {
            explain: true,
            tag_threshold: None,
        };
        assert_eq!(
            Record::new(&m, "d1", &r, explain).to_json(),
            format!(
                r#"{base},"explain":[{{"term":"x","weight":0.5}}],"evidence":[{{"term":"y","weight":0.25}}],"error":null}}"#
            )
        );
        let e = Err(Error::at("d2", ErrorKind::NotFound));
        let json = Record::new(&m, "d2", &e, explain).to_json();
        assert!(
            json.starts_with(
                r#"{"id":"d2","label":null,"probability":null,"g":null,"top":[],"explain":[],"evidence":[],"error":"d2: "#
            ),
            "{json}"
        );
    }

    #[test]
    fn failure_names_the_error_and_has_no_label() {
        let m = model(false);
        let r = Err(Error::at("d2", ErrorKind::Empty));
        let all = RecordOptions {
            explain: true,
            tag_threshold: Some(0.3),
        };
        let json = Record::new(&m, "d2", &r, all).to_json();
        assert!(
            json.starts_with(
                r#"{"id":"d2","label":null,"probability":null,"top":[],"tags":[],"explain":[],"error":"d2: "#
            ),
            "{json}"
        );
    }

    #[test]
    fn floats_are_written_to_read_back_exactly() {
        let m = model(false);
        let p = 0.1f64 + 0.2;
        let r = labeled(p, TextEncoding::Utf8, None);
        let json = Record::new(&m, "d", &r, RecordOptions::default()).to_json();
        let v: serde_json::Value = serde_json::from_str(&json).expect("JSON");
        assert_eq!(
            v["probability"].as_f64().map(f64::to_bits),
            Some(p.to_bits())
        );
    }
}
