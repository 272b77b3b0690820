//! One naive Bayes stage: a fitted vectorizer, naive Bayes over its
//! vectors, the label names and the probability scale. A one-stage model is
//! a stage; a gated model is two (see [`super::gated`]). A stage never holds
//! another.

use serde::{Deserialize, Serialize};

use super::predict::{PredictOptions, Prediction};
use crate::features::{SparseVec, TermId, Vectorizer};
use crate::labels::{LabelId, LabelSet};
use crate::nb::{argmax, softmax_into, NaiveBayes, RefineParams};

/// What a stage was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// Documents per label, in label order.
    pub docs_per_label: Vec<u64>,
    /// Terms in the vocabulary.
    pub vocabulary_size: u64,
    /// Distinct terms seen before pruning.
    pub terms_seen: u64,
}

/// A fitted naive Bayes stage; predicts through `&self`.
#[derive(Debug)]
pub struct Stage {
    vectorizer: Vectorizer,
    nb: NaiveBayes,
    labels: LabelSet,
    /// Scores are multiplied by this before the softmax (temperature
    /// scaling fitted on the training documents).
    scale: f64,
    summary: TrainingSummary,
    /// How the naive Bayes weights were refined after fitting.
    refine: RefineParams,
}

impl Stage {
    /// Assembles a stage from its fitted parts (training, or a model file).
    pub fn new(
        vectorizer: Vectorizer,
        nb: NaiveBayes,
        labels: LabelSet,
        scale: f64,
        summary: TrainingSummary,
        refine: RefineParams,
    ) -> Stage {
        Stage {
            vectorizer,
            nb,
            labels,
            scale,
            summary,
            refine,
        }
    }

    /// The label names.
    pub fn labels(&self) -> &LabelSet {
        &self.labels
    }

    /// The fitted vectorizer (analyzer, vocabulary, idf).
    pub fn vectorizer(&self) -> &Vectorizer {
        &self.vectorizer
    }

    /// The fitted naive Bayes.
    pub fn nb(&self) -> &NaiveBayes {
        &self.nb
    }

    /// The temperature scale applied to scores before the softmax.
    pub fn scale(&self) -> f64 {
        self.scale
    }

    /// What it was trained on.
    pub fn summary(&self) -> &TrainingSummary {
        &self.summary
    }

    /// How its naive Bayes weights were refined after fitting.
    pub fn refinement(&self) -> &RefineParams {
        &self.refine
    }

    /// Labels a feature vector made by this stage's vectorizer; `scores` is
    /// a reusable buffer.
    pub fn predict_vector(
        &self,
        x: &SparseVec,
        scores: &mut Vec<f64>,
        opts: &PredictOptions,
    ) -> Prediction {
        let k = self.labels.len();
        scores.clear();
        scores.resize(k, 0.0);
        self.nb.joint_log_likelihood(x, scores);
        let mut probabilities = vec![0.0; k];
        softmax_into(scores, self.scale, &mut probabilities);
        let best = argmax(scores);
        let mut order: Vec<usize> = (0..k).collect();
        order.sort_by(|&a, &b| scores[b].total_cmp(&scores[a]).then(a.cmp(&b)));
        let top = order
            .iter()
            .take(opts.top_k.max(1))
            .map(|&i| (LabelId::from_index(i), probabilities[i]))
            .collect();
        let explain = if opts.explain > 0 && k > 1 {
            self.explain(x, best, order[1], opts.explain)
        } else {
            Vec::new()
        };
        Prediction {
            label: LabelId::from_index(best),
            probability: probabilities[best],
            probabilities,
            top,
            explain,
            gate: None,
            evidence: Vec::new(),
        }
    }

    /// The `n` terms of `x` that add most to label `best`'s score over
    /// label `second`'s, with that contribution (probability log-odds).
    pub fn explain(
        &self,
        x: &SparseVec,
        best: usize,
        second: usize,
        n: usize,
    ) -> Vec<(String, f64)> {
        let mut contrib: Vec<(TermId, f64)> = x
            .iter()
            .map(|(t, v)| {
                let w = self.nb.term_weights(t);
                (t, self.scale * v * (w[best] - w[second]))
            })
            .filter(|(_, c)| *c > 0.0)
            .collect();
        contrib.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        contrib
            .into_iter()
            .take(n)
            .map(|(t, c)| (self.vectorizer.vocabulary().term(t).to_string(), c))
            .collect()
    }

    /// The `n` terms with the largest weight for each label relative to the
    /// mean over labels: what the stage finds most indicative of it.
    pub fn top_terms(&self, n: usize) -> Vec<Vec<(String, f64)>> {
        let w = self.nb.weights();
        let k = self.labels.len();
        (0..k)
            .map(|c| {
                let mut v: Vec<(usize, f64)> = w
                    .rows()
                    .into_iter()
                    .enumerate()
                    .map(|(t, row)| {
                        let mean = row.sum() / k as f64;
                        (t, row[c] - mean)
                    })
                    .collect();
                v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                v.into_iter()
                    .take(n)
                    .map(|(t, s)| {
                        (
                            self.vectorizer
                                .vocabulary()
                                .term(TermId(t as u32))
                                .to_string(),
                            s,
                        )
                    })
                    .collect()
            })
            .collect()
    }
}
