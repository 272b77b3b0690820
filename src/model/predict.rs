//! What one prediction asks for and what it gives back.

use crate::features::{FeatureScratch, SparseVec};
use crate::labels::LabelId;

/// Options for one prediction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PredictOptions {
    /// How many labels to list in `top` (at least 1).
    pub top_k: usize,
    /// How many terms to give as the explanation (0 for none).
    pub explain: usize,
    /// For a gated model: the probability of any topic an article needs to
    /// get one, in (0, 1]; `None` takes the model's own (see
    /// [`super::Classifier::gate_settings`]).
    pub gate_threshold: Option<f64>,
}

impl Default for PredictOptions {
    fn default() -> Self {
        PredictOptions {
            top_k: 3,
            explain: 0,
            gate_threshold: None,
        }
    }
}

/// One article's result.
#[derive(Debug, Clone, PartialEq)]
pub struct Prediction {
    /// The chosen label.
    pub label: LabelId,
    /// Its probability.
    pub probability: f64,
    /// The probability of every label, in label order; sums to 1.
    pub probabilities: Vec<f64>,
    /// The `top_k` most probable labels, most probable first (ties in
    /// label order). A topic label is never less probable than the none
    /// label; with a gate threshold above 1/2, the none label can be chosen
    /// while a topic is more probable, so the chosen label need not be the
    /// first.
    pub top: Vec<(LabelId, f64)>,
    /// The terms that added most to the chosen label's score over the
    /// runner-up's, with that contribution (in probability log-odds units).
    pub explain: Vec<(String, f64)>,
    /// For a gated model: the probability that the article is about any of
    /// the topics (1 − P(none)); `None` for a one-stage model.
    pub gate: Option<f64>,
    /// For a gated model, when explanations were asked for: the terms that
    /// most raised the gate's odds of "any topic" over the none label (the
    /// evidence that opens the gate), with that contribution.
    pub evidence: Vec<(String, f64)>,
}

impl Prediction {
    /// The labels to tag the article with: the chosen label, then every
    /// other label whose probability is at least `threshold`, most probable
    /// first (ties in label order).
    pub fn tags(&self, threshold: f64) -> Vec<LabelId> {
        let mut others: Vec<usize> = (0..self.probabilities.len())
            .filter(|&i| i != self.label.index() && self.probabilities[i] >= threshold)
            .collect();
        others.sort_by(|&a, &b| {
            self.probabilities[b]
                .total_cmp(&self.probabilities[a])
                .then(a.cmp(&b))
        });
        std::iter::once(self.label)
            .chain(others.into_iter().map(LabelId::from_index))
            .collect()
    }
}

/// Reusable buffers for [`super::Classifier::predict`]; one per worker thread.
#[derive(Default)]
pub struct PredictScratch {
    pub(super) features: FeatureScratch,
    pub(super) vector: SparseVec,
    pub(super) gate_vector: SparseVec,
    pub(super) scores: Vec<f64>,
}

/// The labels in order of probability, most probable first (ties in label
/// order), the first `top_k` (at least 1) of them with their probabilities.
pub(super) fn top_of(probabilities: &[f64], top_k: usize) -> Vec<(LabelId, f64)> {
    let mut order: Vec<usize> = (0..probabilities.len()).collect();
    order.sort_by(|&a, &b| {
        probabilities[b]
            .total_cmp(&probabilities[a])
            .then(a.cmp(&b))
    });
    order
        .into_iter()
        .take(top_k.max(1))
        .map(|i| (LabelId::from_index(i), probabilities[i]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn top_is_by_probability_then_label_order() {
        let top = top_of(&[0.2, 0.5, 0.3, 0.0], 3);
        let ids: Vec<usize> = top.iter().map(|(l, _)| l.index()).collect();
        assert_eq!(ids, [1, 2, 0]);
        let tied = top_of(&[0.25, 0.5, 0.25], 5);
        let ids: Vec<usize> = tied.iter().map(|(l, _)| l.index()).collect();
        assert_eq!(
            ids,
            [1, 0, 2],
            "ties in label order; top_k above the labels lists all"
        );
        assert_eq!(top_of(&[0.4, 0.6], 0).len(), 1, "at least one");
    }

    #[test]
    fn tags_are_the_label_then_the_others_that_reach_the_threshold() {
        let p = Prediction {
            label: LabelId::from_index(2),
            probability: 0.2,
            probabilities: vec![0.5, 0.3, 0.2],
            top: Vec::new(),
            explain: Vec::new(),
            gate: None,
            evidence: Vec::new(),
        };
        let ids = |t: f64| -> Vec<usize> { p.tags(t).iter().map(|l| l.index()).collect() };
        assert_eq!(ids(0.25), [2, 0, 1]);
        assert_eq!(ids(0.4), [2, 0]);
        assert_eq!(ids(0.9), [2]);
    }
}
