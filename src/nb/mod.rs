//! Naive Bayes over sparse vectors: multinomial and complement (Rennie et al. 2003).
//!
//! The classifier never sees text: it fits on a [`CsrMatrix`] of feature
//! vectors and labels, and scores a [`SparseVec`]. It follows linfa's
//! conventions: unchecked [`NbParams`] → [`ParamGuard::check`] →
//! [`NbValidParams`] → [`Fit`] → an immutable [`NaiveBayes`] that predicts
//! through `&self`, and it composes with `linfa::Dataset`.
//!
//! ```
//! use linfa::prelude::*;
//! use ndarray::array;
//! use tasnif::features::CsrMatrix;
//! use tasnif::labels::LabelId;
//! use tasnif::nb::{NbKind, NbParams};
//!
//! let x = CsrMatrix::from_dense(&[vec![3.0, 0.0], vec![0.0, 2.0], vec![2.0, 1.0]]);
//! let y = array![LabelId::from_index(0), LabelId::from_index(1), LabelId::from_index(0)];
//! let ds = linfa::DatasetBase::new(x, y);
//! let model = NbParams::new().kind(NbKind::Multinomial).alpha(1.0).fit(&ds)?;
//! let pred: ndarray::Array1<LabelId> = model.predict(&ds);
//! assert_eq!(pred[1], LabelId::from_index(1));
//! # Ok::<(), tasnif::Error>(())
//! ```

mod fit;
mod params;

pub use fit::NbCounts;
pub use params::{NbKind, NbParams, NbValidParams, Priors, RefineKind, RefineParams};

use linfa::traits::PredictInplace;
use ndarray::{Array1, Array2};

use crate::error::{Error, Result};
use crate::features::{CsrMatrix, SparseVec, TermId};
use crate::labels::LabelId;

/// A fitted naive Bayes classifier: one weight per term and class, and a
/// log prior per class (zero for complement NB).
#[derive(Debug, Clone, PartialEq)]
pub struct NaiveBayes {
    params: NbValidParams,
    log_prior: Vec<f64>,
    /// term × class, so the weights of one term are contiguous.
    weights: Array2<f64>,
}

impl NaiveBayes {
    /// Assembles a classifier from stored parts (a loaded model).
    ///
    /// # Errors
    /// When the shapes disagree or a value is not finite.
    pub fn from_parts(
        params: NbValidParams,
        log_prior: Vec<f64>,
        weights: Array2<f64>,
    ) -> Result<NaiveBayes> {
        if weights.ncols() != log_prior.len() {
            return Err(Error::param(
                "weights",
                format!(
                    "{} classes in weights, {} priors",
                    weights.ncols(),
                    log_prior.len()
                ),
            ));
        }
        if log_prior
            .iter()
            .chain(weights.iter())
            .any(|v| !v.is_finite())
        {
            return Err(Error::param("weights", "a weight or prior is not finite"));
        }
        Ok(NaiveBayes {
            params,
            log_prior,
            weights,
        })
    }

    /// The hyper-parameters it was fitted with.
    pub fn params(&self) -> &NbValidParams {
        &self.params
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.log_prior.len()
    }

    /// Number of features (terms).
    pub fn n_features(&self) -> usize {
        self.weights.nrows()
    }

    /// The log prior of each class (zeros for complement NB).
    pub fn log_prior(&self) -> &[f64] {
        &self.log_prior
    }

    /// Gives back the weight matrix as zeroed sums, to fit again without a
    /// new allocation.
    pub fn into_counts(self) -> NbCounts {
        let mut counts = self.weights;
        counts.fill(0.0);
        let docs = vec![0.0; counts.ncols()];
        NbCounts { counts, docs }
    }

    /// The term × class weight matrix.
    pub fn weights(&self) -> &Array2<f64> {
        &self.weights
    }

    /// The weights, to refine them ([`crate::train::refine`]).
    pub(crate) fn weights_mut(&mut self) -> &mut Array2<f64> {
        &mut self.weights
    }

    /// The weight of `term` for each class.
    pub fn term_weights(&self, term: TermId) -> &[f64] {
        let row = self.weights.row(term.index());
        row.to_slice().unwrap_or(&[])
    }

    /// Writes each class's score for `x` into `out` (length = classes):
    /// the joint log-likelihood for multinomial NB, Σ x_t w_ct for complement NB.
    /// Terms outside the model's range are ignored.
    pub fn joint_log_likelihood(&self, x: &SparseVec, out: &mut [f64]) {
        self.scores(&x.indices, &x.values, out);
    }

    /// As [`NaiveBayes::joint_log_likelihood`], for a vector given as parallel
    /// slices (a row of a [`CsrMatrix`]).
    pub fn scores(&self, terms: &[TermId], values: &[f64], out: &mut [f64]) {
        out.copy_from_slice(&self.log_prior);
        let v = self.weights.nrows();
        let ws = self.weights.as_slice().unwrap_or(&[]);
        let k = self.log_prior.len();
        for (t, val) in terms.iter().zip(values) {
            let t = t.index();
            if t >= v {
                continue;
            }
            let row = &ws[t * k..(t + 1) * k];
            for (o, w) in out.iter_mut().zip(row) {
                *o += val * w;
            }
        }
    }
}

/// Probabilities from scores: softmax of `scale · score` with the maximum
/// subtracted first, so every value is finite and they sum to 1. Should a
/// score not be finite (a model that loaded cannot produce one), NaN counts
/// as the lowest score, and when the highest is infinite the probability
/// goes evenly to the highest ones.
pub fn softmax_into(scores: &[f64], scale: f64, out: &mut [f64]) {
    // `f64::max` ignores NaN
    let m = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if !(m.is_finite() && scale.is_finite()) {
        let top = scores.iter().filter(|&&s| s == m).count();
        for (o, &s) in out.iter_mut().zip(scores) {
            *o = match top {
                0 => 1.0 / scores.len() as f64,
                _ if s == m => 1.0 / top as f64,
                _ => 0.0,
            };
        }
        return;
    }
    let mut sum = 0.0;
    for (o, s) in out.iter_mut().zip(scores) {
        *o = if s.is_nan() {
            0.0
        } else {
            (scale * (s - m)).exp()
        };
        sum += *o;
    }
    for o in out.iter_mut() {
        *o /= sum;
    }
}

impl PredictInplace<CsrMatrix, Array1<LabelId>> for NaiveBayes {
    fn predict_inplace(&self, x: &CsrMatrix, y: &mut Array1<LabelId>) {
        let mut scores = vec![0.0; self.n_classes()];
        for (i, out) in y.iter_mut().enumerate().take(x.nrows()) {
            let (t, vals) = x.row(i);
            self.scores(t, vals, &mut scores);
            *out = LabelId::from_index(argmax(&scores));
        }
    }

    fn default_target(&self, x: &CsrMatrix) -> Array1<LabelId> {
        Array1::from_elem(x.nrows(), LabelId::from_index(0))
    }
}

/// Index of the largest value (the first one on ties).
pub fn argmax(v: &[f64]) -> usize {
    let mut best = 0;
    for (i, &x) in v.iter().enumerate() {
        if x > v[best] {
            best = i;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn softmax_is_finite_and_sums_to_one_even_on_non_finite_scores() {
        let inf = f64::INFINITY;
        let cases: [(&[f64], &[f64]); 6] = [
            (&[1.0, 2.0, 3.0], &[]),
            (&[0.0, f64::NAN, 0.0], &[0.5, 0.0, 0.5]),
            (&[inf, 1.0, inf], &[0.5, 0.0, 0.5]),
            (&[-inf, -inf], &[0.5, 0.5]),
            (&[f64::NAN, f64::NAN], &[0.5, 0.5]),
            (&[-inf, 0.0], &[0.0, 1.0]),
        ];
        for (scores, expected) in cases {
            let mut out = vec![0.0; scores.len()];
            softmax_into(scores, 1.5, &mut out);
            assert!(out.iter().all(|p| p.is_finite()), "{scores:?}: {out:?}");
            assert!(
                (out.iter().sum::<f64>() - 1.0).abs() < 1e-12,
                "{scores:?}: {out:?}"
            );
            if !expected.is_empty() {
                assert_eq!(out, expected, "{scores:?}");
            }
        }
    }
}
