//! The figures of a model with a "none of the topics" label (see
//! [`TrainParams::none_label`](crate::train::TrainParams::none_label)) that
//! the pooled metrics hide: how well it keeps the topic documents and drops
//! the others, and how well it tells the topics apart on the topic documents
//! alone, which is what a held-out set of topic-labeled documents measures.

use std::collections::BTreeMap;

use serde::Serialize;

use super::metrics::{f1, mean_f1, ratio, LabelMetrics, Report};
use super::Outcome;

/// A gated model seen as a gate, and on its topic documents alone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct GateSummary {
    /// The none label.
    pub none_label: String,
    /// Documents whose true label is a topic (not the none label).
    pub topic_documents: u64,
    /// Of those, the documents given a topic, right or wrong: what the gate
    /// let through.
    pub topic_kept: u64,
    /// `topic_kept / topic_documents`.
    pub topic_recall: f64,
    /// Of the documents given a topic (flagged), the share whose true
    /// label is a topic: `topic_kept / (topic_kept + false_alarms)`.
    pub topic_precision: f64,
    /// Documents given a topic per 1,000 documents: how many flags a reader
    /// of this data would see.
    pub flags_per_1000: f64,
    /// Documents whose true label is the none label.
    pub none_documents: u64,
    /// Of those, the documents given a topic.
    pub false_alarms: u64,
    /// Of the documents given the none label, the share that have it.
    pub none_precision: f64,
    /// Of the documents that have the none label, the share given it.
    pub none_recall: f64,
    /// Precision, recall and F1 of each topic over the topic documents only:
    /// an answer of the none label is a miss of the topic, and the none
    /// documents do not count.
    pub per_topic: BTreeMap<String, LabelMetrics>,
    /// The topics that `macro_f1` averages.
    pub macro_labels: Vec<String>,
    /// The mean F1 of `per_topic` over `macro_labels` (a topic without
    /// documents is left out).
    pub macro_f1: f64,
    /// Flags, precision and recall of the topic documents had the gate
    /// threshold been each of [`SWEEP`] (from each document's probability
    /// of any topic, for the documents whose most probable topic beats the
    /// none label: no threshold flags the others; empty when the outcomes
    /// do not have it).
    pub at_thresholds: Vec<GateAt>,
}

/// The thresholds of [`GateSummary::at_thresholds`].
pub const SWEEP: [f64; 13] = [
    0.02, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.98,
];

/// The gate's figures at one threshold on the probability of any topic.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GateAt {
    /// The threshold.
    pub threshold: f64,
    /// Documents whose probability of any topic reaches it, per 1,000.
    pub flags_per_1000: f64,
    /// Of those, the share of topic documents.
    pub precision: f64,
    /// Of the topic documents, the share among those.
    pub recall: f64,
    /// The harmonic mean of precision and recall.
    pub f1: f64,
}

/// [`GateAt`] for each threshold of [`SWEEP`], from `(is topic document,
/// probability of any topic)` pairs.
pub fn sweep(docs: &[(bool, f64)]) -> Vec<GateAt> {
    let topics = docs.iter().filter(|(t, _)| *t).count() as u64;
    SWEEP
        .iter()
        .map(|&threshold| {
            let flagged = docs.iter().filter(|(_, p)| *p >= threshold);
            let flags = flagged.clone().count() as u64;
            let right = flagged.filter(|(t, _)| *t).count() as u64;
            let (precision, recall) = (ratio(right, flags), ratio(right, topics));
            GateAt {
                threshold,
                flags_per_1000: 1000.0 * ratio(flags, docs.len() as u64),
                precision,
                recall,
                f1: f1(precision, recall),
            }
        })
        .collect()
}

/// The gate figures of `outcomes`, whose none label is `none`. `macro_labels`
/// chooses the topics of the macro-F1 (default: every topic with documents).
pub fn gate_summary(
    outcomes: &[Outcome],
    none: &str,
    macro_labels: Option<&[String]>,
) -> GateSummary {
    let topic: Vec<(&str, &str)> = outcomes
        .iter()
        .filter(|o| o.truth != none)
        .map(|o| (o.truth.as_str(), o.predicted.as_str()))
        .collect();
    let topic_kept = topic.iter().filter(|(_, p)| *p != none).count() as u64;
    let none_documents = (outcomes.len() - topic.len()) as u64;
    let false_alarms = outcomes
        .iter()
        .filter(|o| o.truth == none && o.predicted != none)
        .count() as u64;
    let called_none = outcomes.iter().filter(|o| o.predicted == none).count() as u64;
    let right_none = none_documents - false_alarms;
    let per_topic: BTreeMap<String, LabelMetrics> = Report::from_pairs(topic.iter().copied())
        .per_label
        .into_iter()
        .filter(|(l, m)| l != none && m.support > 0)
        .collect();
    let macro_labels: Vec<String> = match macro_labels {
        Some(ls) => ls.to_vec(),
        None => per_topic.keys().cloned().collect(),
    };
    let macro_f1 = mean_f1(&per_topic, &macro_labels);
    // a document whose topic does not beat none is flagged at no threshold
    let scored: Option<Vec<(bool, f64)>> = outcomes
        .iter()
        .map(|o| {
            o.gate.map(|p| {
                let p = if o.topic_beats_none {
                    p
                } else {
                    f64::NEG_INFINITY
                };
                (o.truth != none, p)
            })
        })
        .collect();
    let at_thresholds = match scored {
        Some(docs) if !docs.is_empty() => sweep(&docs),
        _ => Vec::new(),
    };
    GateSummary {
        none_label: none.to_string(),
        topic_documents: topic.len() as u64,
        topic_kept,
        topic_recall: ratio(topic_kept, topic.len() as u64),
        topic_precision: ratio(topic_kept, topic_kept + false_alarms),
        flags_per_1000: 1000.0 * ratio(topic_kept + false_alarms, outcomes.len() as u64),
        none_documents,
        false_alarms,
        none_precision: ratio(right_none, called_none),
        none_recall: ratio(right_none, none_documents),
        per_topic,
        macro_labels,
        macro_f1,
        at_thresholds,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval::outcomes_of as outcomes;

    #[test]
    fn figures_by_hand() {
        // 4 topic documents: a→a, a→none, b→b, b→a; 4 none: three right, one → b
        let o = outcomes(&[
            ("a", "a"),
            ("a", "none"),
            ("b", "b"),
            ("b", "a"),
            ("none", "none"),
            ("none", "none"),
            ("none", "none"),
            ("none", "b"),
        ]);
        let g = gate_summary(&o, "none", None);
        assert_eq!((g.topic_documents, g.topic_kept), (4, 3));
        assert_eq!(g.topic_recall, 0.75);
        assert_eq!((g.none_documents, g.false_alarms), (4, 1));
        // 4 flags (a, b, a, b), 3 of them topic documents; 4 flags in 8 documents
        assert_eq!(g.topic_precision, 0.75);
        assert_eq!(g.flags_per_1000, 500.0);
        // four answers of none, three of them right
        assert_eq!(g.none_precision, 0.75);
        assert_eq!(g.none_recall, 0.75);
        // among the topic documents: a is predicted twice (once right), b once
        let a = g.per_topic["a"];
        assert_eq!((a.precision, a.recall, a.support), (0.5, 0.5, 2));
        let b = g.per_topic["b"];
        assert_eq!((b.precision, b.recall), (1.0, 0.5));
        assert!(!g.per_topic.contains_key("none"));
        assert_eq!(g.macro_labels, ["a", "b"]);
        assert!((g.macro_f1 - (0.5 + 2.0 / 3.0) / 2.0).abs() < 1e-12);
        // the macro over one chosen topic
        let only_b = gate_summary(&o, "none", Some(&["b".to_string()]));
        assert!((only_b.macro_f1 - 2.0 / 3.0).abs() < 1e-12);
    }

    #[test]
    fn sweep_by_hand() {
        // topic documents at 0.9 and 0.4; none documents at 0.6 and 0.01
        let s = sweep(&[(true, 0.9), (true, 0.4), (false, 0.6), (false, 0.01)]);
        let at = |t: f64| s.iter().find(|g| g.threshold == t).copied().unwrap();
        let a = at(0.5); // flags 0.9 and 0.6
        assert_eq!((a.precision, a.recall, a.flags_per_1000), (0.5, 0.5, 500.0));
        let b = at(0.3); // 0.9, 0.6, 0.4
        assert!((b.precision - 2.0 / 3.0).abs() < 1e-12 && b.recall == 1.0);
        let c = at(0.95); // nothing
        assert_eq!((c.precision, c.recall, c.f1), (0.0, 0.0, 0.0));
        assert_eq!(s.len(), SWEEP.len());
    }

    #[test]
    fn no_topic_documents_gives_zeros_not_nan() {
        let g = gate_summary(&outcomes(&[("none", "none"), ("none", "a")]), "none", None);
        assert_eq!(
            (g.topic_documents, g.topic_recall, g.macro_f1),
            (0, 0.0, 0.0)
        );
        assert_eq!((g.topic_precision, g.flags_per_1000), (0.0, 500.0));
        assert_eq!(g.none_precision, 1.0);
        assert_eq!(g.none_recall, 0.5);
    }
}
