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

use std::fmt;
use std::str::FromStr;

use linfa::dataset::{AsSingleTargets, DatasetBase};
use linfa::traits::{Fit, PredictInplace};
use linfa::ParamGuard;
use ndarray::{Array1, Array2};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::{CsrMatrix, SparseVec, TermId};
use crate::labels::LabelId;

/// Which naive Bayes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum NbKind {
    /// Multinomial NB: score(c) = log P(c) + Σ_t x_t log θ_ct,
    /// θ_ct = (N_ct + α) / (N_c + α V).
    Multinomial,
    /// Complement NB (Rennie et al. 2003): weights estimated from the counts of
    /// every *other* class, θ̃_ct = (Ñ_ct + α) / (Ñ_c + α V); score(c) =
    /// Σ_t x_t w_ct with w_ct = −log θ̃_ct, or with weight normalization
    /// w_ct = log θ̃_ct / Σ_k log θ̃_ck. Priors are not used (as in Rennie et
    /// al. and scikit-learn's ComplementNB).
    #[default]
    Complement,
}

impl fmt::Display for NbKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NbKind::Multinomial => "multinomial",
            NbKind::Complement => "complement",
        })
    }
}

impl FromStr for NbKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<NbKind> {
        match s {
            "multinomial" => Ok(NbKind::Multinomial),
            "complement" => Ok(NbKind::Complement),
            _ => Err(Error::param(
                "nb",
                format!("'{s}' (expected multinomial or complement)"),
            )),
        }
    }
}

/// Class priors of the multinomial model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Priors {
    /// log P(c) = log(documents of c / documents).
    #[default]
    Fitted,
    /// log P(c) = log(1 / classes).
    Uniform,
}

impl fmt::Display for Priors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Priors::Fitted => "fitted",
            Priors::Uniform => "uniform",
        })
    }
}

impl FromStr for Priors {
    type Err = Error;
    fn from_str(s: &str) -> Result<Priors> {
        match s {
            "fitted" => Ok(Priors::Fitted),
            "uniform" => Ok(Priors::Uniform),
            _ => Err(Error::param(
                "priors",
                format!("'{s}' (expected fitted or uniform)"),
            )),
        }
    }
}

/// Unchecked hyper-parameters; [`ParamGuard::check`] turns them into [`NbValidParams`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NbParams(NbValidParams);

/// Checked hyper-parameters: the only kind that can fit. In a configuration
/// file, missing fields take the defaults of [`NbParams::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NbValidParams {
    kind: NbKind,
    alpha: f64,
    priors: Priors,
    weight_norm: bool,
}

impl Default for NbValidParams {
    fn default() -> Self {
        NbParams::new().0
    }
}

impl Default for NbParams {
    fn default() -> Self {
        NbParams::new()
    }
}

impl NbParams {
    /// Defaults: complement NB, α = 1, fitted priors, no weight normalization.
    pub fn new() -> NbParams {
        NbParams(NbValidParams {
            kind: NbKind::Complement,
            alpha: 1.0,
            priors: Priors::Fitted,
            weight_norm: false,
        })
    }

    /// Which naive Bayes. Default complement.
    pub fn kind(mut self, kind: NbKind) -> Self {
        self.0.kind = kind;
        self
    }

    /// Additive (Lidstone) smoothing α. Default 1.0; finite and > 0.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.0.alpha = alpha;
        self
    }

    /// Fitted or uniform class priors (multinomial only). Default fitted.
    pub fn priors(mut self, priors: Priors) -> Self {
        self.0.priors = priors;
        self
    }

    /// Rennie's weight normalization (complement only). Default false.
    pub fn weight_norm(mut self, on: bool) -> Self {
        self.0.weight_norm = on;
        self
    }
}

impl NbValidParams {
    /// Which naive Bayes.
    pub fn kind(&self) -> NbKind {
        self.kind
    }
    /// Smoothing α.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// Class priors (multinomial).
    pub fn priors(&self) -> Priors {
        self.priors
    }
    /// Weight normalization (complement).
    pub fn weight_norm(&self) -> bool {
        self.weight_norm
    }

    /// Fits on rows of `x` with labels `y` (`n_classes` labels in all) and
    /// optional per-document weights.
    ///
    /// # Errors
    /// When `x` and `y` differ in length, a label is out of range, a weight is
    /// negative or not finite, or a class has no document.
    pub fn fit_weighted(
        &self,
        x: &CsrMatrix,
        y: &[LabelId],
        n_classes: usize,
        sample_weight: Option<&[f64]>,
    ) -> Result<NaiveBayes> {
        if x.nrows() != y.len() {
            return Err(Error::param(
                "targets",
                format!("{} labels for {} documents", y.len(), x.nrows()),
            ));
        }
        if let Some(w) = sample_weight {
            if w.len() != y.len() {
                return Err(Error::param("weights", "one weight per document"));
            }
        }
        let mut counts = NbCounts::new(x.ncols(), n_classes)?;
        for (i, &c) in y.iter().enumerate() {
            let (terms, vals) = x.row(i);
            counts.add(terms, vals, c, sample_weight.map_or(1.0, |w| w[i]))?;
        }
        self.fit_counts_into(counts)
    }

    /// Fits from accumulated per-class counts.
    ///
    /// # Errors
    /// When a class has no document (of positive weight).
    pub fn fit_counts(&self, acc: &NbCounts) -> Result<NaiveBayes> {
        self.fit_counts_into(acc.clone())
    }

    /// Fits from accumulated per-class counts, turning their matrix into the
    /// weight matrix in place (no second term × class matrix is allocated).
    ///
    /// # Errors
    /// When a class has no document (of positive weight).
    pub fn fit_counts_into(&self, acc: NbCounts) -> Result<NaiveBayes> {
        let NbCounts {
            counts: mut m,
            docs,
        } = acc;
        let (v, n_classes) = m.dim();
        if let Some(c) = docs.iter().position(|&d| d <= 0.0) {
            return Err(Error::param(
                "targets",
                format!("class {c} has no document"),
            ));
        }
        let alpha = self.alpha;
        let mut class_total = vec![0.0f64; n_classes];
        for row in m.rows() {
            for (c, x) in row.iter().enumerate() {
                class_total[c] += x;
            }
        }
        let total_docs: f64 = docs.iter().sum();
        let mut log_prior = vec![0.0f64; n_classes];
        match self.kind {
            NbKind::Multinomial => {
                let denom: Vec<f64> = class_total
                    .iter()
                    .map(|t| (t + alpha * v as f64).ln())
                    .collect();
                // Every entry on its own: parallel by rows, same result.
                rows_par(&mut m, |row| {
                    for (n, d) in row.iter_mut().zip(&denom) {
                        *n = (*n + alpha).ln() - d;
                    }
                });
                for c in 0..n_classes {
                    log_prior[c] = match self.priors {
                        Priors::Fitted => (docs[c] / total_docs).ln(),
                        Priors::Uniform => -(n_classes as f64).ln(),
                    };
                }
            }
            NbKind::Complement => {
                let all: f64 = class_total.iter().sum();
                let denom: Vec<f64> = class_total
                    .iter()
                    .map(|t| (all - t + alpha * v as f64).ln())
                    .collect();
                rows_par(&mut m, |row| {
                    let row_total: f64 = row.iter().sum();
                    for (c, n) in row.iter_mut().enumerate() {
                        let comp = (row_total - *n).max(0.0);
                        *n = (comp + alpha).ln() - denom[c];
                    }
                });
                // Column sums in row order (deterministic).
                let mut sums = vec![0.0f64; n_classes];
                for row in m.rows() {
                    for (s, w) in sums.iter_mut().zip(row) {
                        *s += w;
                    }
                }
                for mut row in m.rows_mut() {
                    for (c, w) in row.iter_mut().enumerate() {
                        *w = if self.weight_norm && sums[c] != 0.0 {
                            *w / sums[c]
                        } else {
                            -*w
                        };
                    }
                }
            }
        }
        NaiveBayes::from_parts(self.clone(), log_prior, m)
    }
}

/// Applies `f` to every row of a term × class matrix, rows in parallel.
fn rows_par<F: Fn(&mut [f64]) + Sync + Send>(m: &mut Array2<f64>, f: F) {
    let k = m.ncols().max(1);
    match m.as_slice_mut() {
        Some(flat) => flat.par_chunks_mut(k).for_each(f),
        None => {
            for mut row in m.rows_mut() {
                if let Some(r) = row.as_slice_mut() {
                    f(r);
                }
            }
        }
    }
}

/// Per-class sums of feature values and of document weights: all that
/// naive Bayes needs from the training documents, filled one row at a time
/// so the rows never have to be held together.
#[derive(Debug, Clone)]
pub struct NbCounts {
    /// term × class sums of feature values.
    counts: Array2<f64>,
    /// Sum of document weights per class.
    docs: Vec<f64>,
}

impl NbCounts {
    /// Empty sums for `n_terms` terms and `n_classes` classes.
    ///
    /// # Errors
    /// When there are no classes.
    pub fn new(n_terms: usize, n_classes: usize) -> Result<NbCounts> {
        if n_classes < 1 {
            return Err(Error::param("targets", "no classes"));
        }
        Ok(NbCounts {
            counts: Array2::zeros((n_terms, n_classes)),
            docs: vec![0.0; n_classes],
        })
    }

    /// Number of classes.
    pub fn n_classes(&self) -> usize {
        self.docs.len()
    }

    /// The term × class sums of feature values and the per-class document weights.
    pub(crate) fn sums(&self) -> (&Array2<f64>, &[f64]) {
        (&self.counts, &self.docs)
    }

    /// Replaces these sums by `total` minus them: the sums of the documents
    /// of `total` that were not added here (a cross-validation training part).
    ///
    /// # Errors
    /// When the shapes differ.
    pub fn complement_in(&mut self, total: &NbCounts) -> Result<()> {
        if self.counts.dim() != total.counts.dim() {
            return Err(Error::param("counts", "shapes differ"));
        }
        self.counts
            .zip_mut_with(&total.counts, |x, t| *x = (t - *x).max(0.0));
        for (d, t) in self.docs.iter_mut().zip(&total.docs) {
            *d = (t - *d).max(0.0);
        }
        Ok(())
    }

    /// Adds one document of class `label` with weight `weight`.
    ///
    /// # Errors
    /// A label or term out of range, or a negative or non-finite weight.
    pub fn add(
        &mut self,
        terms: &[TermId],
        values: &[f64],
        label: LabelId,
        weight: f64,
    ) -> Result<()> {
        let (v, k) = self.counts.dim();
        let c = label.index();
        if c >= k {
            return Err(Error::param(
                "targets",
                format!("label {c} out of range ({k} classes)"),
            ));
        }
        if !(weight.is_finite() && weight >= 0.0) {
            return Err(Error::param(
                "weights",
                "one finite, non-negative weight per document",
            ));
        }
        if weight == 0.0 {
            return Ok(());
        }
        self.docs[c] += weight;
        let flat = self.counts.as_slice_mut().unwrap_or(&mut []);
        for (t, val) in terms.iter().zip(values) {
            let t = t.index();
            if t >= v {
                return Err(Error::param(
                    "features",
                    format!("term {t} out of range ({v} terms)"),
                ));
            }
            flat[t * k + c] += weight * val;
        }
        Ok(())
    }
}

impl ParamGuard for NbParams {
    type Checked = NbValidParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&NbValidParams> {
        let a = self.0.alpha;
        if !(a.is_finite() && a > 0.0) {
            return Err(Error::param(
                "alpha",
                format!("{a} (expected a finite number > 0)"),
            ));
        }
        Ok(&self.0)
    }

    fn check(self) -> Result<NbValidParams> {
        self.check_ref()?;
        Ok(self.0)
    }
}

impl<T> Fit<CsrMatrix, T, Error> for NbValidParams
where
    T: AsSingleTargets<Elem = LabelId>,
{
    type Object = NaiveBayes;

    fn fit(&self, dataset: &DatasetBase<CsrMatrix, T>) -> Result<NaiveBayes> {
        let y: Vec<LabelId> = dataset
            .targets()
            .as_single_targets()
            .iter()
            .copied()
            .collect();
        let n_classes = y.iter().map(|l| l.index() + 1).max().unwrap_or(0);
        let weights = dataset
            .weights()
            .filter(|w| w.len() == y.len())
            .map(|w| w.iter().map(|&v| f64::from(v)).collect::<Vec<_>>());
        self.fit_weighted(dataset.records(), &y, n_classes, weights.as_deref())
    }
}

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

    /// The weights, to refine them ([`crate::refine`]).
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
