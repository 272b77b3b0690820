//! Evaluation: a trained model on labeled data, or K-fold cross-validation
//! of training settings (stratified, or holding out whole groups); metrics
//! in [`metrics`], per-group figures in [`groups`].

pub mod curve;
pub mod gate;
pub mod groups;
pub mod metrics;
pub mod report;
pub mod tags;
pub mod tune;

pub use metrics::{Confusion, LabelMetrics, Report};

use std::collections::HashMap;

use rayon::prelude::*;

use crate::corpus::{Groups, LabeledData, ReadOptions};
use crate::error::{Error, Result};
use crate::labels::{LabelId, LabelSet};
use crate::model::{Classifier, PredictOptions, PredictScratch};
use crate::progress::{Progress, Silent};
use crate::train::{FoldBuffers, FoldFit, TrainParams, TrainingSet};

pub use crate::train::folds::{group_folds, stratified_folds, SplitMix64};

/// One evaluated document.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Position of the document in the data.
    pub index: usize,
    /// Its true label.
    pub truth: String,
    /// The predicted label.
    pub predicted: String,
    /// The probability of the predicted label.
    pub probability: f64,
    /// For a gated model: the probability of any of the topics (see
    /// [`crate::model::Prediction::gate`]).
    pub gate: Option<f64>,
}

/// The result of an evaluation.
#[derive(Debug, Clone)]
pub struct Evaluation {
    /// Figures over all documents (pooled over folds for cross-validation).
    pub report: Report,
    /// For cross-validation, the figures of each fold.
    pub folds: Vec<Report>,
    /// Every document's outcome, in data order.
    pub outcomes: Vec<Outcome>,
    /// What a reader of the figures should know about how they were made
    /// (for grouped cross-validation: a label left out of a fold's model
    /// because that fold's training data had too few of its documents).
    pub notes: Vec<String>,
}

/// How cross-validation deals documents to its K folds.
#[derive(Debug, Clone, Copy)]
pub enum Folds<'a> {
    /// Each label's documents shuffled with `seed` and dealt in turn
    /// ([`stratified_folds`]): every fold looks like the whole data.
    Stratified {
        /// K, at least 2.
        k: usize,
        /// Seed of the shuffle.
        seed: u64,
    },
    /// Whole groups held out ([`group_folds`], as scikit-learn's
    /// `GroupKFold`): with one group per outlet, an estimate of how a model
    /// does on an outlet it has never seen. K = the number of groups leaves
    /// one group out per fold.
    Grouped {
        /// K, at least 2 and at most the number of groups.
        k: usize,
        /// Every document's group.
        groups: &'a Groups,
    },
}

impl Folds<'_> {
    /// K.
    pub fn k(&self) -> usize {
        match self {
            Folds::Stratified { k, .. } | Folds::Grouped { k, .. } => *k,
        }
    }

    /// The fold of each document of `data`.
    ///
    /// # Errors
    /// K < 2; stratified: a label with fewer than K documents; grouped:
    /// fewer groups than K, or groups that do not match the data.
    pub fn assign(&self, data: &LabeledData) -> Result<Vec<usize>> {
        match *self {
            Folds::Stratified { k, seed } => {
                check_folds(data, k)?;
                Ok(stratified_folds(&data.targets, data.labels.len(), k, seed))
            }
            Folds::Grouped { k, groups } => {
                if k < 2 {
                    return Err(Error::param(
                        "cv",
                        format!("{k} folds (expected at least 2)"),
                    ));
                }
                if groups.of.len() != data.len() {
                    return Err(Error::param(
                        "groups",
                        format!(
                            "groups for {} documents, but the data has {}",
                            groups.of.len(),
                            data.len()
                        ),
                    ));
                }
                let present = groups.sizes().iter().filter(|&&n| n > 0).count();
                if present < k {
                    return Err(Error::param(
                        "cv",
                        format!("{k} folds, but the documents are in only {present} groups"),
                    ));
                }
                Ok(group_folds(&groups.of, groups.names.len(), k))
            }
        }
    }
}

/// Outcomes of documents 0, 1, … with these (truth, predicted) labels (for tests).
#[cfg(test)]
pub(crate) fn outcomes_of(pairs: &[(&str, &str)]) -> Vec<Outcome> {
    pairs
        .iter()
        .enumerate()
        .map(|(i, (t, p))| Outcome {
            index: i,
            truth: t.to_string(),
            predicted: p.to_string(),
            probability: 0.5,
            gate: None,
        })
        .collect()
}

/// Mean and (population) standard deviation, e.g. of a figure over folds;
/// (0, 0) for no values.
pub fn mean_std(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let v: Vec<f64> = values.into_iter().collect();
    if v.is_empty() {
        return (0.0, 0.0);
    }
    let n = v.len() as f64;
    let m = v.iter().sum::<f64>() / n;
    let var = v.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / n;
    (m, var.sqrt())
}

impl Report {
    /// The report of evaluated documents.
    pub fn from_outcomes(outcomes: &[Outcome]) -> Report {
        Report::from_pairs(
            outcomes
                .iter()
                .map(|o| (o.truth.as_str(), o.predicted.as_str())),
        )
    }
}

/// Evaluates `model` on `data`. Data labels the model does not know count as errors.
///
/// # Errors
/// A document that cannot be read (the error names it).
pub fn evaluate_model(
    model: &Classifier,
    data: &LabeledData,
    read: &ReadOptions,
) -> Result<Evaluation> {
    evaluate_model_with_tags(model, data, read, None, None).map(|(ev, _)| ev)
}

/// As [`evaluate_model`], and with `tags` = (secondary labels by document
/// id, threshold) also scores multi-label tags from the same predictions
/// (see [`tags::score_tags`]). For a gated model, `gate_threshold` replaces
/// the model's own threshold (see [`PredictOptions::gate_threshold`]).
///
/// # Errors
/// As [`evaluate_model`].
pub fn evaluate_model_with_tags(
    model: &Classifier,
    data: &LabeledData,
    read: &ReadOptions,
    tags: Option<(&HashMap<String, String>, f64)>,
    gate_threshold: Option<f64>,
) -> Result<(Evaluation, Option<tags::TagScores>)> {
    let opts = PredictOptions {
        top_k: 1,
        explain: 0,
        gate_threshold,
    };
    type Predicted = (LabelId, f64, Option<f64>, Vec<LabelId>);
    let preds: Vec<Result<Predicted>> = data
        .items
        .par_iter()
        .map_init(PredictScratch::default, |s, item| {
            let text = item.text(read)?;
            let p = model.predict(&text, s, &opts);
            let t = tags.map_or_else(Vec::new, |(_, threshold)| p.tags(threshold));
            Ok((p.label, p.probability, p.gate, t))
        })
        .collect();
    let mut outcomes = Vec::with_capacity(preds.len());
    let mut tagged = Vec::with_capacity(if tags.is_some() { preds.len() } else { 0 });
    for (i, p) in preds.into_iter().enumerate() {
        let (label, probability, gate, t) = p?;
        outcomes.push(Outcome {
            index: i,
            truth: data.labels.name(data.targets[i]).to_string(),
            predicted: model.labels().name(label).to_string(),
            probability,
            gate,
        });
        if tags.is_some() {
            tagged.push(t);
        }
    }
    let scores = tags.map(|(secondary, threshold)| {
        tags::score_tags(model.labels(), data, &tagged, secondary, threshold)
    });
    let report = Report::from_outcomes(&outcomes);
    let ev = Evaluation {
        report,
        folds: Vec::new(),
        outcomes,
        notes: Vec::new(),
    };
    Ok((ev, scores))
}

/// K-fold cross-validation of `params` on `data`, the folds dealt as
/// `folds` says; each fold is predicted by a model trained on the other
/// folds only (vocabulary, idf and weights included). Every document is
/// analyzed once.
///
/// With grouped folds, a label may have too few documents outside a fold
/// to be trained (fewer than `params.min_docs_per_label`); that fold's
/// model is then trained without it, and [`Evaluation::notes`] says so.
///
/// # Errors
/// Folds that cannot be dealt (see [`Folds::assign`]), an unreadable
/// document, or invalid parameters.
pub fn cross_validate(
    data: &LabeledData,
    params: &TrainParams,
    folds: &Folds<'_>,
    read: &ReadOptions,
) -> Result<Evaluation> {
    cross_validate_with(data, params, folds, read, &Silent)
}

/// [`cross_validate`], telling `progress` of each document read, then of
/// each fold done. The figures are the same.
///
/// # Errors
/// As [`cross_validate`].
pub fn cross_validate_with(
    data: &LabeledData,
    params: &TrainParams,
    folds: &Folds<'_>,
    read: &ReadOptions,
    progress: &dyn Progress,
) -> Result<Evaluation> {
    cross_validate_impl(data, params, folds, read, false, progress).map(|(ev, _)| ev)
}

/// As [`cross_validate`], and also trains one model on all of `data` with
/// `params`, from the same analysis of the documents (each is read once):
/// the model behind a report's most indicative terms.
///
/// # Errors
/// As [`cross_validate`].
pub fn cross_validate_and_fit(
    data: &LabeledData,
    params: &TrainParams,
    folds: &Folds<'_>,
    read: &ReadOptions,
) -> Result<(Evaluation, Classifier)> {
    cross_validate_and_fit_with(data, params, folds, read, &Silent)
}

/// [`cross_validate_and_fit`], telling `progress` how far it has got (see
/// [`cross_validate_with`]; the fit on all the data is a last stage).
///
/// # Errors
/// As [`cross_validate`].
pub fn cross_validate_and_fit_with(
    data: &LabeledData,
    params: &TrainParams,
    folds: &Folds<'_>,
    read: &ReadOptions,
    progress: &dyn Progress,
) -> Result<(Evaluation, Classifier)> {
    let (ev, model) = cross_validate_impl(data, params, folds, read, true, progress)?;
    match model {
        Some(m) => Ok((ev, m)),
        None => Err(Error::param("cv", "no model trained on all the data")),
    }
}

fn cross_validate_impl(
    data: &LabeledData,
    params: &TrainParams,
    folds: &Folds<'_>,
    read: &ReadOptions,
    fit_all: bool,
    progress: &dyn Progress,
) -> Result<(Evaluation, Option<Classifier>)> {
    let fold_of = folds.assign(data)?;
    let k = folds.k();
    let set = TrainingSet::build_with(data, params, read, progress)?;
    progress.start("folds", k as u64);
    let (mut ev, _) = cross_validate_counted_timed(data, &set, params, &fold_of, k, progress)?;
    if let Folds::Grouped { groups, .. } = folds {
        let n = groups.never_held_out();
        if n > 0 {
            ev.notes.push(format!(
                "{n} documents of group '{}' are in every fold's training data and are not evaluated",
                crate::corpus::NEVER_HELD_OUT
            ));
        }
    }
    let model = if fit_all {
        progress.start("fitting on all the documents", 0);
        let all: Vec<usize> = (0..data.len()).collect();
        Some(set.fit(&all, &params.check()?)?.into_model())
    } else {
        None
    };
    Ok((ev, model))
}

/// Checks that `k`-fold cross-validation is possible on `data`.
pub(crate) fn check_folds(data: &LabeledData, k: usize) -> Result<()> {
    if k < 2 {
        return Err(Error::param(
            "cv",
            format!("{k} folds (expected at least 2)"),
        ));
    }
    for (l, &c) in data.counts().iter().enumerate() {
        if c < k {
            return Err(Error::param(
                "cv",
                format!(
                    "label '{}' has {c} documents, fewer than the {k} folds; use fewer folds",
                    data.labels.name(LabelId::from_index(l))
                ),
            ));
        }
    }
    Ok(())
}

/// One fold's model and how long it took to train.
pub(crate) struct FoldModel {
    /// The model trained without fold 0.
    pub(crate) model: Classifier,
    /// Mean over folds of each fold's own training time (wall seconds;
    /// folds train in parallel, so this includes sharing the cores).
    pub(crate) train_seconds: f64,
}

/// Cross-validation of `params` over documents already counted (with the
/// same analyzer settings and the same n-grams): fold `f` holds the
/// documents `i` with `fold_of[i] == f`. Also keeps the model trained
/// without fold 0 and the folds' training times (for `tune`); `progress`
/// advances by one for each fold done.
pub(crate) fn cross_validate_counted_timed(
    data: &LabeledData,
    set: &TrainingSet,
    params: &TrainParams,
    fold_of: &[usize],
    k: usize,
    progress: &dyn Progress,
) -> Result<(Evaluation, FoldModel)> {
    type Fold = (Vec<Outcome>, Option<Classifier>, f64, Vec<String>);
    let params = &params.check()?;
    let per_fold: Vec<Result<Fold>> = (0..k)
        .into_par_iter()
        .map(|f| {
            let start = std::time::Instant::now();
            let training = FoldTraining::new(data, fold_of, f, params.min_docs_per_label);
            let fit = set.fit_relabeled(
                training.targets.as_deref().unwrap_or(&data.targets),
                training.labels.as_ref().unwrap_or(&data.labels),
                &training.docs,
                params,
            )?;
            let seconds = start.elapsed().as_secs_f64();
            let outcomes = predict_fold(data, set, &fit, fold_of, f);
            progress.advance(1);
            Ok((
                outcomes,
                (f == 0).then(|| fit.into_model()),
                seconds,
                training.notes,
            ))
        })
        .collect();
    let mut folds = Vec::with_capacity(k);
    let mut outcomes = Vec::with_capacity(data.len());
    let mut first = None;
    let mut seconds = 0.0;
    let mut notes = Vec::new();
    for f in per_fold {
        let (f, model, s, n) = f?;
        // a fold with nothing to predict (fewer groups than folds) adds nothing
        if !f.is_empty() {
            folds.push(Report::from_outcomes(&f));
        }
        outcomes.extend(f);
        first = first.or(model);
        seconds += s;
        notes.extend(n);
    }
    outcomes.sort_by_key(|o| o.index);
    let report = Report::from_outcomes(&outcomes);
    let model = first.ok_or_else(|| Error::param("cv", "no folds"))?;
    Ok((
        Evaluation {
            report,
            folds,
            outcomes,
            notes,
        },
        FoldModel {
            model,
            train_seconds: seconds / k.max(1) as f64,
        },
    ))
}

/// The training documents of one fold, and the labels they can train.
struct FoldTraining {
    /// Documents outside the fold, less those of labels left out.
    docs: Vec<usize>,
    /// When labels are left out: the labels kept, and every document's
    /// label among them (documents of a label left out are not in `docs`).
    labels: Option<LabelSet>,
    targets: Option<Vec<LabelId>>,
    /// One line per label left out.
    notes: Vec<String>,
}

impl FoldTraining {
    /// The documents outside fold `f`; a label with fewer than `min` (at
    /// least 1) of them is left out of the fold's training, when at least
    /// two labels remain (else training reports the error itself).
    fn new(data: &LabeledData, fold_of: &[usize], f: usize, min: usize) -> FoldTraining {
        let docs: Vec<usize> = (0..data.len()).filter(|&i| fold_of[i] != f).collect();
        let mut count = vec![0usize; data.labels.len()];
        for &i in &docs {
            count[data.targets[i].index()] += 1;
        }
        let keep: Vec<bool> = count.iter().map(|&c| c >= min.max(1)).collect();
        let kept = keep.iter().filter(|&&k| k).count();
        if kept == data.labels.len() || kept < 2 {
            return FoldTraining {
                docs,
                labels: None,
                targets: None,
                notes: Vec::new(),
            };
        }
        let notes = (0..data.labels.len())
            .filter(|&l| !keep[l])
            .map(|l| {
                format!(
                    "fold {}: label '{}' has {} training documents outside the fold (fewer than {}), so that fold's model does not know it",
                    f + 1,
                    data.labels.name(LabelId::from_index(l)),
                    count[l],
                    min.max(1)
                )
            })
            .collect();
        let labels = LabelSet::from_names(
            data.labels
                .names()
                .iter()
                .enumerate()
                .filter(|(l, _)| keep[*l])
                .map(|(_, n)| n.as_str()),
        );
        let targets = data
            .targets
            .iter()
            .map(|t| {
                labels
                    .id(data.labels.name(*t))
                    .unwrap_or(LabelId::from_index(0))
            })
            .collect();
        let docs = docs
            .into_iter()
            .filter(|&i| keep[data.targets[i].index()])
            .collect();
        FoldTraining {
            docs,
            labels: Some(labels),
            targets: Some(targets),
            notes,
        }
    }
}

/// The predictions of `fit` (trained without fold `f`) for the documents
/// of fold `f` of `set`.
pub(crate) fn predict_fold(
    data: &LabeledData,
    set: &TrainingSet,
    fit: &FoldFit,
    fold_of: &[usize],
    f: usize,
) -> Vec<Outcome> {
    let opts = PredictOptions {
        top_k: 1,
        explain: 0,
        gate_threshold: None,
    };
    let mut buffers = FoldBuffers::default();
    let labels = fit.model().labels();
    (0..data.len())
        .filter(|&i| fold_of[i] == f)
        .map(|i| {
            let p = fit.predict(set, i, &mut buffers, &opts);
            Outcome {
                index: i,
                truth: data.labels.name(data.targets[i]).to_string(),
                predicted: labels.name(p.label).to_string(),
                probability: p.probability,
                gate: p.gate,
            }
        })
        .collect()
}
