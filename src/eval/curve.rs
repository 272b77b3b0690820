//! Learning curves: how cross-validated accuracy grows with the number of
//! labeled documents per label, with and without unlabeled documents (EM,
//! [`crate::train::em`]).
//!
//! For each fold of a stratified K-fold split and each size n, the model is
//! trained on at most n documents of each label, drawn from the fold's
//! training part (a seeded shuffle per fold and label; the documents of a
//! smaller size are a subset of those of a larger one), and tested on the
//! whole fold. "all" trains on the whole training part. With unlabeled
//! documents, every such training set is also trained with EM, once per
//! weight λ, on the same folds: the rows differ only in what is compared.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use rayon::prelude::*;
use serde::Serialize;

use crate::corpus::{Item, LabeledData};
use crate::error::{Error, Result};
use crate::eval::metrics::mean_f1;
use crate::eval::{mean_std, predict_fold, Report};
use crate::labels::LabelId;
use crate::progress::{Progress, Silent};
use crate::train::em::{count_pooled, train_counted, EmParams, UnlabeledReport};
use crate::train::folds::{stratified_folds, SplitMix64};
use crate::train::{FoldFit, TrainParams, TrainingSet};

/// A training-set size of a learning curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CurveSize {
    /// At most this many labeled documents per label.
    PerLabel(usize),
    /// Every document of the fold's training part.
    All,
}

impl fmt::Display for CurveSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CurveSize::PerLabel(n) => write!(f, "{n}"),
            CurveSize::All => f.write_str("all"),
        }
    }
}

impl FromStr for CurveSize {
    type Err = Error;
    fn from_str(s: &str) -> Result<CurveSize> {
        match s.trim() {
            "all" => Ok(CurveSize::All),
            t => match t.parse::<usize>() {
                Ok(n) if n >= 1 => Ok(CurveSize::PerLabel(n)),
                _ => Err(Error::param(
                    "sizes",
                    format!("'{s}' (expected a number of documents per label ≥ 1, or all)"),
                )),
            },
        }
    }
}

impl Serialize for CurveSize {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

/// What a learning curve measures.
#[derive(Debug, Clone, PartialEq)]
pub struct CurveOptions {
    /// Training sizes, in the order the rows are wanted. Default 5, 10, 20, all.
    pub sizes: Vec<CurveSize>,
    /// Folds (≥ 2). Default 5.
    pub folds: usize,
    /// Seed of the folds and of the subsamples. Default 42.
    pub seed: u64,
    /// Also report the macro-F1 over these labels only (each must be a
    /// label of the data). Default none.
    pub f1_labels: Option<Vec<String>>,
    /// EM settings for the rows with unlabeled documents.
    pub em: EmParams,
    /// One row per weight λ for each size (default: `em`'s own weight).
    pub unlabeled_weights: Vec<f64>,
}

impl Default for CurveOptions {
    fn default() -> Self {
        CurveOptions {
            sizes: vec![
                CurveSize::PerLabel(5),
                CurveSize::PerLabel(10),
                CurveSize::PerLabel(20),
                CurveSize::All,
            ],
            folds: 5,
            seed: 42,
            f1_labels: None,
            em: EmParams::new(),
            unlabeled_weights: Vec::new(),
        }
    }
}

/// A mean and (population) standard deviation over folds.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MeanStd {
    /// Mean over folds.
    pub mean: f64,
    /// Standard deviation over folds.
    pub std: f64,
}

impl MeanStd {
    fn of(values: impl IntoIterator<Item = f64>) -> MeanStd {
        let (mean, std) = mean_std(values);
        MeanStd { mean, std }
    }
}

/// One fold's figures for one row.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurveFold {
    /// Labeled training documents.
    pub train_docs: usize,
    /// Macro-F1 over every label.
    pub macro_f1: f64,
    /// Macro-F1 over the chosen labels.
    pub subset_macro_f1: Option<f64>,
    /// Accuracy.
    pub accuracy: f64,
    /// EM rounds run (0 without EM).
    pub em_iterations: usize,
    /// F1 of each label with a document or a prediction in the fold.
    pub per_label_f1: BTreeMap<String, f64>,
    /// Test documents predicted as each label.
    pub predicted: BTreeMap<String, u64>,
}

/// One row of a learning curve: a size, with or without EM.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CurveRow {
    /// Labeled documents per label (at most).
    pub size: CurveSize,
    /// λ when the row is trained with EM on the unlabeled documents; `None`
    /// for labeled documents only.
    pub unlabeled_weight: Option<f64>,
    /// Labeled training documents, mean over folds.
    pub train_docs: f64,
    /// Macro-F1 over every label.
    pub macro_f1: MeanStd,
    /// Macro-F1 over the chosen labels (`f1_labels`).
    pub subset_macro_f1: Option<MeanStd>,
    /// Accuracy.
    pub accuracy: MeanStd,
    /// EM rounds run, mean over folds.
    pub em_iterations: f64,
    /// Each fold's figures.
    pub folds: Vec<CurveFold>,
}

/// A learning curve: the settings and one row per size and variant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LearningCurve {
    /// Folds.
    pub folds: usize,
    /// Seed.
    pub seed: u64,
    /// Labeled documents.
    pub labeled: usize,
    /// Documents per label, by label name.
    pub labels: Vec<(String, usize)>,
    /// The labels of `subset_macro_f1`.
    pub f1_labels: Option<Vec<String>>,
    /// The training settings, on one line.
    pub params: String,
    /// The EM settings (when unlabeled documents were given).
    pub em: Option<EmParams>,
    /// What became of the unlabeled documents (when given).
    pub unlabeled: Option<UnlabeledReport>,
    /// Rows: for each size in the order given, labeled only, then EM for each λ.
    pub rows: Vec<CurveRow>,
}

/// Measures a learning curve of `params` on `data` by cross-validation (see
/// the module documentation); with `unlabeled`, also with EM. Every
/// document is read and analyzed once.
///
/// Unlike `eval --cv`, a label may have fewer documents than there are
/// folds, as long as every fold's training part keeps the documents per
/// label that training needs (`min_docs_per_label`): such a label is
/// missing from some test folds.
///
/// # Errors
/// Fewer than 2 folds, a size below `min_docs_per_label`, an unknown label
/// in `f1_labels`, a label too small for the folds, invalid parameters, or
/// a labeled document that cannot be read.
pub fn learning_curve(
    data: &LabeledData,
    unlabeled: Option<&[Item]>,
    params: &TrainParams,
    opts: &CurveOptions,
    read: &crate::corpus::ReadOptions,
) -> Result<LearningCurve> {
    learning_curve_with(data, unlabeled, params, opts, read, &Silent)
}

/// [`learning_curve`], telling `progress` of each labeled document read,
/// then of each (size, EM weight, fold) fit done. The curve is the same.
///
/// # Errors
/// As [`learning_curve`].
pub fn learning_curve_with(
    data: &LabeledData,
    unlabeled: Option<&[Item]>,
    params: &TrainParams,
    opts: &CurveOptions,
    read: &crate::corpus::ReadOptions,
    progress: &dyn Progress,
) -> Result<LearningCurve> {
    let params = &params.check()?;
    let weights: Vec<f64> = if opts.unlabeled_weights.is_empty() {
        vec![opts.em.unlabeled_weight]
    } else {
        opts.unlabeled_weights.clone()
    };
    let ems: Vec<EmParams> = weights
        .iter()
        .map(|&w| EmParams {
            unlabeled_weight: w,
            ..opts.em.clone()
        })
        .collect();
    if unlabeled.is_some() {
        crate::train::em::check_no_gate(params)?;
        for e in &ems {
            e.check()?;
        }
    }
    let k = opts.folds;
    if k < 2 {
        return Err(Error::param(
            "cv",
            format!("{k} folds (expected at least 2)"),
        ));
    }
    if opts.sizes.is_empty() {
        return Err(Error::param("sizes", "no sizes given"));
    }
    let min = params.min_docs_per_label.max(1);
    if let Some(CurveSize::PerLabel(n)) = opts.sizes.iter().find(|s| match s {
        CurveSize::PerLabel(n) => *n < min,
        CurveSize::All => false,
    }) {
        return Err(Error::param(
            "sizes",
            format!("{n} documents per label (training needs at least {min})"),
        ));
    }
    if let Some(names) = &opts.f1_labels {
        data.labels.check_names(names, "f1-labels")?;
    }
    let n_labels = data.labels.len();
    let fold_of = stratified_folds(&data.targets, n_labels, k, opts.seed);
    check_curve_folds(data, &fold_of, k, min)?;

    let (counted, unlabeled_docs, report) = match unlabeled {
        Some(items) => {
            let p = count_pooled(data, items, params, read)?;
            let set =
                TrainingSet::from_counted(p.counted, data.targets.clone(), data.labels.clone());
            (set, p.unlabeled, Some(p.report))
        }
        None => (
            TrainingSet::build_with(data, params, read, progress)?,
            Vec::new(),
            None,
        ),
    };

    // Each fold's training documents per label, in a seeded order: a size's
    // subsample is the first n of each.
    let shuffled: Vec<Vec<Vec<usize>>> = (0..k)
        .map(|f| {
            let mut rng = SplitMix64(opts.seed ^ (0x1ea4_c0e5 + f as u64));
            (0..n_labels)
                .map(|l| {
                    let mut idx: Vec<usize> = (0..data.len())
                        .filter(|&i| fold_of[i] != f && data.targets[i].index() == l)
                        .collect();
                    for i in (1..idx.len()).rev() {
                        let j = (rng.next_u64() % (i as u64 + 1)) as usize;
                        idx.swap(i, j);
                    }
                    idx
                })
                .collect()
        })
        .collect();
    let variants: Vec<Option<&EmParams>> = std::iter::once(None)
        .chain(unlabeled.map_or(Vec::new(), |_| ems.iter().map(Some).collect()))
        .collect();
    // One job per (size, variant, fold).
    let jobs: Vec<(usize, usize, usize)> = (0..opts.sizes.len())
        .flat_map(|s| (0..variants.len()).flat_map(move |v| (0..k).map(move |f| (s, v, f))))
        .collect();
    progress.start("fits", jobs.len() as u64);
    let results: Vec<Result<CurveFold>> = jobs
        .par_iter()
        .map(|&(s, v, f)| {
            let mut train: Vec<usize> = shuffled[f]
                .iter()
                .flat_map(|docs| match opts.sizes[s] {
                    CurveSize::PerLabel(n) => &docs[..n.min(docs.len())],
                    CurveSize::All => &docs[..],
                })
                .copied()
                .collect();
            train.sort_unstable();
            let y: Vec<LabelId> = train.iter().map(|&i| data.targets[i]).collect();
            let (fit, iterations) = match variants[v] {
                None => (counted.fit(&train, params)?, 0),
                Some(em) => {
                    let (m, map, trace) = train_counted(
                        counted.counted(),
                        &data.labels,
                        &train,
                        &y,
                        &unlabeled_docs,
                        params,
                        em,
                        |_| {},
                    )?;
                    let fit = FoldFit::flat(m, map, params.vectorizer.clone());
                    (fit, trace.steps.len())
                }
            };
            let outcomes = predict_fold(data, &counted, &fit, &fold_of, f);
            progress.advance(1);
            let r = Report::from_outcomes(&outcomes);
            Ok(CurveFold {
                train_docs: train.len(),
                macro_f1: r.macro_f1,
                subset_macro_f1: opts.f1_labels.as_ref().map(|ls| mean_f1(&r.per_label, ls)),
                accuracy: r.accuracy,
                em_iterations: iterations,
                per_label_f1: r.per_label.iter().map(|(l, m)| (l.clone(), m.f1)).collect(),
                predicted: r
                    .confusion
                    .labels
                    .iter()
                    .enumerate()
                    .map(|(j, l)| (l.clone(), r.confusion.matrix.iter().map(|row| row[j]).sum()))
                    .collect(),
            })
        })
        .collect();
    let mut folds: Vec<CurveFold> = Vec::with_capacity(results.len());
    for r in results {
        folds.push(r?);
    }
    let rows = folds
        .chunks(k)
        .zip(jobs.chunks(k))
        .map(|(fs, js)| {
            let (s, v, _) = js[0];
            CurveRow {
                size: opts.sizes[s],
                unlabeled_weight: variants[v].map(|e| e.unlabeled_weight),
                train_docs: fs.iter().map(|f| f.train_docs as f64).sum::<f64>() / k as f64,
                macro_f1: MeanStd::of(fs.iter().map(|f| f.macro_f1)),
                subset_macro_f1: opts
                    .f1_labels
                    .as_ref()
                    .map(|_| MeanStd::of(fs.iter().filter_map(|f| f.subset_macro_f1))),
                accuracy: MeanStd::of(fs.iter().map(|f| f.accuracy)),
                em_iterations: fs.iter().map(|f| f.em_iterations as f64).sum::<f64>() / k as f64,
                folds: fs.to_vec(),
            }
        })
        .collect();
    let counts = data.counts();
    Ok(LearningCurve {
        folds: k,
        seed: opts.seed,
        labeled: data.len(),
        labels: data.labels.names().iter().cloned().zip(counts).collect(),
        f1_labels: opts.f1_labels.clone(),
        params: params.describe(),
        em: unlabeled.map(|_| opts.em.clone()),
        unlabeled: report,
        rows,
    })
}

/// Checks that every fold's training part keeps at least `min` documents
/// of every label and that every fold has a document to test.
fn check_curve_folds(data: &LabeledData, fold_of: &[usize], k: usize, min: usize) -> Result<()> {
    let counts = data.counts();
    for f in 0..k {
        if !fold_of.contains(&f) {
            return Err(Error::param(
                "cv",
                format!(
                    "{k} folds for {} documents: fold {} would be empty",
                    data.len(),
                    f + 1
                ),
            ));
        }
        for (l, &c) in counts.iter().enumerate() {
            let held_out = (0..data.len())
                .filter(|&i| fold_of[i] == f && data.targets[i].index() == l)
                .count();
            if c - held_out < min {
                return Err(Error::param(
                    "cv",
                    format!(
                        "label '{}' has {c} documents: with {k} folds a training part keeps {}, fewer than the {min} training needs; use fewer folds",
                        data.labels.name(LabelId::from_index(l)),
                        c - held_out
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// The mean F1 of the labels `ids` in `r` (those with neither a document
/// nor a prediction in the fold are left out, as in the macro average).
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_parse() {
        assert_eq!("5".parse::<CurveSize>().ok(), Some(CurveSize::PerLabel(5)));
        assert_eq!(" all".parse::<CurveSize>().ok(), Some(CurveSize::All));
        for bad in ["0", "-1", "x", ""] {
            assert!(bad.parse::<CurveSize>().is_err(), "{bad}");
        }
        assert_eq!(CurveSize::PerLabel(20).to_string(), "20");
    }
}
