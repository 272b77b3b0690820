//! A gated model: a gate stage that tells "none of the topics" from the
//! topics pooled, and a topic stage trained on the topic documents alone,
//! combined into one prediction over every label.

use serde::{Deserialize, Serialize};

use super::predict::{top_of, PredictOptions, Prediction};
use super::stage::{Stage, TrainingSummary};
use crate::error::{Error, Result};
use crate::features::{ScriptCounts, SparseVec};
use crate::labels::{LabelId, LabelSet};

/// Names a record already uses, which a gate's name may not take.
pub const RECORD_FIELDS: [&str; 9] = [
    "id",
    "label",
    "probability",
    "top",
    "tags",
    "explain",
    "evidence",
    "encoding",
    "error",
];

/// What a gate decides with besides its stage; a version 3 model file
/// stores them with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GateSettings {
    /// The probability of any topic an article needs to get one, in (0, 1].
    pub threshold: f64,
    /// The fewest Arabic terms for the gate to weigh an article (0: no rule).
    pub min_terms: u32,
    /// The name of "any of the topics" in records.
    pub name: String,
}

impl GateSettings {
    /// A version 2 gate: threshold 1/2, no least evidence, name `topic`.
    pub(super) fn version_2() -> GateSettings {
        GateSettings {
            threshold: 0.5,
            min_terms: 0,
            name: "topic".to_string(),
        }
    }

    fn check(&self) -> Result<()> {
        if !(self.threshold > 0.0 && self.threshold <= 1.0)
            || self.name.trim().is_empty()
            || RECORD_FIELDS.contains(&self.name.as_str())
        {
            return Err(Error::corrupt_model(format!(
                "gate settings out of range: threshold {}, name {:?}",
                self.threshold, self.name
            )));
        }
        Ok(())
    }
}

/// The two stages of a model with a "none of the topics" label.
#[derive(Debug)]
pub struct Gated {
    /// Two labels: the none label and the topics pooled.
    gate: Stage,
    /// The topics.
    topics: Stage,
    /// The none label's id in `gate`.
    gate_none: LabelId,
    /// Every label: the topics and the none label, sorted.
    all: LabelSet,
    /// The none label's id in `all`.
    none: LabelId,
    /// Topic id → id in `all`.
    topic_to_all: Vec<LabelId>,
    /// Documents per label of `all`.
    summary: TrainingSummary,
    settings: GateSettings,
}

impl Gated {
    /// Puts a gate (whose labels are `none_name` and one other) before a
    /// topic stage (which has no label `none_name`).
    ///
    /// # Errors
    /// The stages do not fit together, or the settings are out of range.
    pub fn new(
        gate: Stage,
        topics: Stage,
        none_name: &str,
        settings: GateSettings,
    ) -> Result<Gated> {
        settings.check()?;
        let gate_none = gate
            .labels()
            .id(none_name)
            .ok_or_else(|| Error::corrupt_model("the gate lacks the none label"))?;
        if gate.labels().len() != 2 || topics.labels().id(none_name).is_some() {
            return Err(Error::corrupt_model(
                "a gate must have two labels and no gate",
            ));
        }
        let all = LabelSet::from_names(
            topics
                .labels()
                .names()
                .iter()
                .map(String::as_str)
                .chain([none_name]),
        );
        let none = all
            .id(none_name)
            .ok_or_else(|| Error::corrupt_model("the none label is missing"))?;
        let topic_to_all: Vec<LabelId> = topics
            .labels()
            .names()
            .iter()
            .map(|n| all.id(n).unwrap_or(none))
            .collect();
        let own = topics.summary();
        let mut docs = vec![0u64; all.len()];
        for (i, &c) in own.docs_per_label.iter().enumerate() {
            docs[topic_to_all[i].index()] = c;
        }
        docs[none.index()] = gate
            .summary()
            .docs_per_label
            .get(gate_none.index())
            .copied()
            .unwrap_or(0);
        let summary = TrainingSummary {
            docs_per_label: docs,
            vocabulary_size: own.vocabulary_size,
            terms_seen: own.terms_seen,
        };
        Ok(Gated {
            gate,
            topics,
            gate_none,
            all,
            none,
            topic_to_all,
            summary,
            settings,
        })
    }

    /// The gate stage.
    pub fn gate(&self) -> &Stage {
        &self.gate
    }

    /// The topic stage.
    pub fn topics(&self) -> &Stage {
        &self.topics
    }

    /// Every label: the topics and the none label.
    pub fn labels(&self) -> &LabelSet {
        &self.all
    }

    /// The none label's name.
    pub fn none_label(&self) -> &str {
        self.all.name(self.none)
    }

    /// Documents per label of [`Gated::labels`].
    pub fn summary(&self) -> &TrainingSummary {
        &self.summary
    }

    /// Threshold, least Arabic terms and name.
    pub fn settings(&self) -> &GateSettings {
        &self.settings
    }

    /// Whether the most probable topic of `probabilities` (in
    /// [`Gated::labels`] order) is more probable than the none label: an
    /// article can get a topic only then, whatever the threshold.
    pub fn topic_beats_none(&self, probabilities: &[f64]) -> bool {
        let p_none = probabilities.get(self.none.index()).copied().unwrap_or(1.0);
        self.topic_to_all
            .iter()
            .any(|t| probabilities.get(t.index()).is_some_and(|&p| p > p_none))
    }

    /// The prediction from the topic stage's vector `topic_x` and the gate
    /// stage's vector `gate_x` of one text, whose analysis counted `script`.
    ///
    /// P(none) comes from the gate, P(topic) = (1 − P(none)) · P(topic |
    /// not none). The article gets the topic stage's label when P(any
    /// topic) = 1 − P(none) reaches the threshold (the model's, or the one
    /// `opts` gives) and that topic is more probable than none (a tie is
    /// none), else the none label. So a topic label is never less probable
    /// than none: below a threshold of 1/2, the second rule decides. Without enough Arabic (see
    /// [`GateSettings::min_terms`]) the gate does not weigh the article: it
    /// is the none label with probability 1, with no explanation.
    pub fn predict_vectors(
        &self,
        topic_x: &SparseVec,
        gate_x: &SparseVec,
        script: ScriptCounts,
        scores: &mut Vec<f64>,
        opts: &PredictOptions,
    ) -> Prediction {
        let min = self.settings.min_terms as usize;
        let enough = min == 0 || script.enough_arabic(min);
        let topic = self.topics.predict_vector(topic_x, scores, opts);
        let quiet = PredictOptions {
            explain: 0,
            ..*opts
        };
        let gate = self.gate.predict_vector(gate_x, scores, &quiet);
        self.combine(gate, topic, gate_x, enough, opts)
    }

    fn combine(
        &self,
        gate: Prediction,
        topic: Prediction,
        gate_x: &SparseVec,
        enough: bool,
        opts: &PredictOptions,
    ) -> Prediction {
        let gate_topic = LabelId::from_index(1 - self.gate_none.index().min(1));
        let p_none = if enough {
            gate.probabilities
                .get(self.gate_none.index())
                .copied()
                .unwrap_or(0.0)
        } else {
            1.0
        };
        let p_any = 1.0 - p_none;
        let mut probabilities = vec![0.0; self.all.len()];
        for (i, p) in topic.probabilities.iter().enumerate() {
            probabilities[self.topic_to_all[i].index()] = p_any * p;
        }
        probabilities[self.none.index()] = p_none;
        let threshold = opts.gate_threshold.unwrap_or(self.settings.threshold);
        // A topic needs the threshold, and more probability than none: no
        // record's label is less probable than the none label it beat (a
        // tie, as for a text the gate knows nothing of, is none).
        let beats_none = p_any * topic.probability > p_none;
        let flagged = enough && p_any >= threshold && beats_none;
        let n = if enough { opts.explain } else { 0 };
        let (label, explain) = if flagged {
            (self.topic_to_all[topic.label.index()], topic.explain)
        } else {
            let why = if n > 0 {
                self.gate
                    .explain(gate_x, self.gate_none.index(), gate_topic.index(), n)
            } else {
                Vec::new()
            };
            (self.none, why)
        };
        let evidence = if n > 0 {
            self.gate
                .explain(gate_x, gate_topic.index(), self.gate_none.index(), n)
        } else {
            Vec::new()
        };
        let top = top_of(&probabilities, opts.top_k);
        Prediction {
            label,
            probability: probabilities[label.index()],
            probabilities,
            top,
            explain,
            gate: Some(p_any),
            evidence,
        }
    }

    /// Each label's most indicative terms, in [`Gated::labels`] order: each
    /// topic's from the topic stage, the none label's from the gate.
    pub fn top_terms(&self, n: usize) -> Vec<Vec<(String, f64)>> {
        let mut out = vec![Vec::new(); self.all.len()];
        for (i, terms) in self.topics.top_terms(n).into_iter().enumerate() {
            out[self.topic_to_all[i].index()] = terms;
        }
        out[self.none.index()] = self
            .gate
            .top_terms(n)
            .into_iter()
            .nth(self.gate_none.index())
            .unwrap_or_default();
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{Vectorizer, VectorizerParams, Vocabulary};
    use crate::model::{Classifier, PredictScratch};
    use crate::nb::{NbCounts, NbParams, RefineParams};
    use crate::text::{Analyzer, AnalyzerConfig};
    use linfa::ParamGuard;

    /// A stage over `words` (analyzed as the model will) whose label `l`
    /// has seen word `w` `counts[l][w]` times.
    fn stage(labels: &[&str], words: &[&str], counts: &[&[f64]]) -> Stage {
        let analyzer = Analyzer::new(AnalyzerConfig::default());
        let terms: Vec<String> = words.iter().map(|w| analyzer.terms(w).remove(0)).collect();
        let vocab = Vocabulary::from_terms(terms.clone());
        let mut sums = NbCounts::new(vocab.len(), labels.len()).expect("counts");
        for (l, row) in counts.iter().enumerate() {
            for (t, &c) in terms.iter().zip(row.iter()) {
                let id = vocab.get(t).expect("a term of the vocabulary");
                sums.add(&[id], &[c], LabelId::from_index(l), 1.0)
                    .expect("add");
            }
        }
        let n = vocab.len();
        let vectorizer =
            Vectorizer::from_parts(analyzer, VectorizerParams::default(), vocab, vec![1.0; n])
                .expect("vectorizer");
        let nb = NbParams::new()
            .check()
            .expect("params")
            .fit_counts_into(sums)
            .expect("fit");
        let summary = TrainingSummary {
            docs_per_label: vec![1; labels.len()],
            vocabulary_size: n as u64,
            terms_seen: n as u64,
        };
        let labels = LabelSet::from_names(labels.iter().copied());
        Stage::new(
            vectorizer,
            nb,
            labels,
            1.0,
            summary,
            RefineParams::default(),
        )
    }

    const WORDS: [&str; 4] = ["اختراق", "قراصنة", "مباراة", "تسريب"];

    /// A gate that finds "اختراق" and "قراصنة" cyber, "مباراة" not, and a
    /// topic stage that tells attack ("اختراق") from leak ("تسريب").
    fn model(threshold: f64, min_terms: u32) -> Classifier {
        let gate = stage(
            &["none", "topic"],
            &WORDS,
            &[&[1.0, 1.0, 40.0, 5.0], &[30.0, 30.0, 1.0, 10.0]],
        );
        let topics = stage(
            &["attack", "leak"],
            &WORDS,
            &[&[30.0, 10.0, 1.0, 1.0], &[1.0, 5.0, 1.0, 30.0]],
        );
        let settings = GateSettings {
            threshold,
            min_terms,
            name: "cyber".into(),
        };
        Gated::new(gate, topics, "none", settings)
            .expect("a gated pair")
            .into()
    }

    fn predict(m: &Classifier, text: &str, opts: &PredictOptions) -> (String, Prediction) {
        let p = m.predict(text, &mut PredictScratch::default(), opts);
        (m.labels().name(p.label).to_string(), p)
    }

    #[test]
    fn the_combine_step_spreads_the_gate_over_the_topics() {
        let m = model(0.5, 0);
        let opts = PredictOptions {
            explain: 2,
            ..PredictOptions::default()
        };
        let (label, p) = predict(&m, "اختراق قراصنة اختراق", &opts);
        assert_eq!(label, "attack");
        let any = p.gate.expect("a gated model gives P(any topic)");
        assert!(any > 0.9, "{any}");
        let none = m.labels().id("none").expect("none");
        assert!((p.probabilities[none.index()] - (1.0 - any)).abs() < 1e-12);
        let sum: f64 = p.probabilities.iter().sum();
        assert!((sum - 1.0).abs() < 1e-9, "{sum}");
        // each topic's probability is P(any) · P(topic | not none)
        let attack = m.labels().id("attack").expect("attack");
        assert!(p.probabilities[attack.index()] <= any);
        assert_eq!(p.probability, p.probabilities[attack.index()]);
        assert!(!p.explain.is_empty() && !p.evidence.is_empty());

        let (label, p) = predict(&m, "مباراة مباراة مباراة", &opts);
        assert_eq!(label, "none");
        assert!(p.gate.expect("gate") < 0.5);
        assert_eq!(p.probability, 1.0 - p.gate.expect("gate"));
    }

    /// A text the gate knows nothing of, with even gate priors, is a tie:
    /// P(none) = P(any topic) = 1/2, spread over two topics at 1/4 each. It
    /// is none, whatever the threshold: no topic label below none's probability.
    #[test]
    fn no_topic_label_is_less_probable_than_none() {
        for threshold in [0.5, 0.2, 0.01] {
            let m = model(threshold, 0);
            let (label, p) = predict(&m, "كلمة مجهولة تماما", &PredictOptions::default());
            assert_eq!(p.gate, Some(0.5), "a tie at the gate");
            assert_eq!(label, "none", "threshold {threshold}: {p:?}");
            assert_eq!(p.probability, 0.5);
            assert!(!m.gated().expect("gated").topic_beats_none(&p.probabilities));
        }
        // on any text and threshold, a topic label beats none
        let none = |m: &Classifier| m.labels().id("none").expect("none").index();
        for text in [
            "اختراق",
            "تسريب مباراة",
            "قراصنة تسريب تسريب",
            "مباراة اختراق",
            "اختراق قراصنة",
        ] {
            for threshold in [0.01, 0.3, 0.5, 0.9] {
                let m = model(threshold, 0);
                let (label, p) = predict(&m, text, &PredictOptions::default());
                if label != "none" {
                    assert!(
                        p.probability > p.probabilities[none(&m)],
                        "{text} at {threshold}: {p:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn the_threshold_and_the_least_evidence_decide_the_none_label() {
        let text = "اختراق قراصنة تسريب";
        let m = model(0.5, 0);
        let (label, p) = predict(&m, text, &PredictOptions::default());
        let any = p.gate.expect("gate");
        assert_ne!(label, "none");
        // a threshold above P(any topic), given at prediction, makes it none
        let strict = PredictOptions {
            gate_threshold: Some((any + 1.0) / 2.0),
            ..PredictOptions::default()
        };
        let (label, q) = predict(&m, text, &strict);
        assert_eq!(label, "none");
        assert_eq!(q.gate, Some(any), "the gate's probability does not change");
        // the model's own threshold does the same
        let (label, _) = predict(
            &model((any + 1.0) / 2.0, 0),
            text,
            &PredictOptions::default(),
        );
        assert_eq!(label, "none");
        // too few Arabic terms: none for certain, and nothing to explain
        let opts = PredictOptions {
            explain: 3,
            ..PredictOptions::default()
        };
        let (label, p) = predict(&model(0.5, 4), text, &opts);
        assert_eq!(label, "none");
        assert_eq!((p.probability, p.gate), (1.0, Some(0.0)));
        assert!(p.explain.is_empty() && p.evidence.is_empty());
        let (label, _) = predict(&model(0.5, 3), text, &opts);
        assert_ne!(
            label, "none",
            "three Arabic terms are enough for min_terms 3"
        );
    }
}
