//! Fitting naive Bayes: per-class sums of feature values ([`NbCounts`]),
//! filled one document at a time, turned into weights.

use linfa::dataset::{AsSingleTargets, DatasetBase};
use linfa::traits::Fit;
use ndarray::Array2;
use rayon::prelude::*;

use super::{NaiveBayes, NbKind, NbValidParams, Priors};
use crate::error::{Error, Result};
use crate::features::{CsrMatrix, TermId};
use crate::labels::LabelId;

impl NbValidParams {
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
        let alpha = self.alpha();
        let mut class_total = vec![0.0f64; n_classes];
        for row in m.rows() {
            for (c, x) in row.iter().enumerate() {
                class_total[c] += x;
            }
        }
        let total_docs: f64 = docs.iter().sum();
        let mut log_prior = vec![0.0f64; n_classes];
        match self.kind() {
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
                    log_prior[c] = match self.priors() {
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
                        *w = if self.weight_norm() && sums[c] != 0.0 {
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
    pub(super) counts: Array2<f64>,
    /// Sum of document weights per class.
    pub(super) docs: Vec<f64>,
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

    /// Number of terms.
    pub fn n_terms(&self) -> usize {
        self.counts.nrows()
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
