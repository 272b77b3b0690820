//! The figures of a model with a "none of the topics" label (see
//! [`TrainParams::none_label`](crate::model::TrainParams::none_label)) that
//! the pooled metrics hide: how well it keeps the topic documents and drops
//! the others, and how well it tells the topics apart on the topic documents
//! alone, which is what a held-out set of topic-labeled documents measures.

use std::collections::BTreeMap;

use serde::Serialize;

use super::metrics::{mean_f1, ratio, LabelMetrics, Report};
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
    GateSummary {
        none_label: none.to_string(),
        topic_documents: topic.len() as u64,
        topic_kept,
        topic_recall: ratio(topic_kept, topic.len() as u64),
        none_documents,
        false_alarms,
        none_precision: ratio(right_none, called_none),
        none_recall: ratio(right_none, none_documents),
        per_topic,
        macro_labels,
        macro_f1,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes(pairs: &[(&str, &str)]) -> Vec<Outcome> {
        pairs
            .iter()
            .enumerate()
            .map(|(i, (t, p))| Outcome {
                index: i,
                truth: t.to_string(),
                predicted: p.to_string(),
                probability: 0.5,
            })
            .collect()
    }

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
    fn no_topic_documents_gives_zeros_not_nan() {
        let g = gate_summary(&outcomes(&[("none", "none"), ("none", "a")]), "none", None);
        assert_eq!(
            (g.topic_documents, g.topic_recall, g.macro_f1),
            (0, 0.0, 0.0)
        );
        assert_eq!(g.none_precision, 1.0);
        assert_eq!(g.none_recall, 0.5);
    }
}
