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
    /// mean over labels: what the stage finds most indicative of it (ties
    /// in term order).
    ///
    /// Linear in the size of the weight matrix: the means are worked out
    /// once, and each label's `n` best are selected, not sorted out of all
    /// terms (with K labels and V terms, K·V steps, not K²·V; 1,000 labels
    /// took 8.3 s before, see TESTING.md).
    pub fn top_terms(&self, n: usize) -> Vec<Vec<(String, f64)>> {
        let w = self.nb.weights();
        let k = self.labels.len();
        let means: Vec<f64> = w
            .rows()
            .into_iter()
            .map(|row| row.sum() / k as f64)
            .collect();
        let better = |a: &(usize, f64), b: &(usize, f64)| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0));
        let mut v: Vec<(usize, f64)> = Vec::with_capacity(means.len());
        (0..k)
            .map(|c| {
                v.clear();
                v.extend(
                    w.column(c)
                        .iter()
                        .zip(&means)
                        .enumerate()
                        .map(|(t, (x, m))| (t, x - m)),
                );
                let n = n.min(v.len());
                if n > 0 && n < v.len() {
                    v.select_nth_unstable_by(n - 1, better);
                }
                v.truncate(n);
                v.sort_by(better);
                v.iter()
                    .map(|&(t, s)| {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::{VectorizerParams, Vocabulary};
    use crate::nb::{NbCounts, NbParams};
    use crate::text::{Analyzer, AnalyzerConfig};
    use linfa::ParamGuard;

    /// A stage of `k` labels over `v` terms with pseudo-random counts.
    fn stage(k: usize, v: usize) -> Stage {
        let terms: Vec<String> = (0..v).map(|t| format!("t{t:05}")).collect();
        let vocab = Vocabulary::from_terms(terms);
        let mut sums = NbCounts::new(v, k).expect("counts");
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        for l in 0..k {
            for t in 0..v {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // a few equal counts, so that ties are there to be broken
                let c = (x % 5) as f64;
                if c > 0.0 {
                    sums.add(&[TermId(t as u32)], &[c], LabelId::from_index(l), 1.0)
                        .expect("add");
                }
            }
        }
        let vectorizer = Vectorizer::from_parts(
            Analyzer::new(AnalyzerConfig::default()),
            VectorizerParams::default(),
            vocab,
            vec![1.0; v],
        )
        .expect("vectorizer");
        let nb = NbParams::new()
            .check()
            .expect("params")
            .fit_counts_into(sums)
            .expect("fit");
        let summary = TrainingSummary {
            docs_per_label: vec![1; k],
            vocabulary_size: v as u64,
            terms_seen: v as u64,
        };
        let names = (0..k).map(|l| format!("label{l:03}"));
        Stage::new(
            vectorizer,
            nb,
            LabelSet::from_names(names),
            1.0,
            summary,
            RefineParams::default(),
        )
    }

    /// The selection gives what sorting every term by its weight above the
    /// mean gives, ties in term order, for any n.
    #[test]
    fn top_terms_are_the_sorted_best_terms_of_each_label() {
        let s = stage(7, 300);
        let w = s.nb().weights();
        for n in [0, 1, 5, 299, 300, 1000] {
            let got = s.top_terms(n);
            assert_eq!(got.len(), 7);
            for (c, terms) in got.iter().enumerate() {
                let mut all: Vec<(usize, f64)> = (0..300)
                    .map(|t| {
                        let row = w.row(t);
                        (t, row[c] - row.sum() / 7.0)
                    })
                    .collect();
                all.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
                let want: Vec<(String, f64)> = all
                    .into_iter()
                    .take(n)
                    .map(|(t, x)| (format!("t{t:05}"), x))
                    .collect();
                assert_eq!(terms, &want, "label {c}, n {n}");
            }
        }
    }
}
