//! Evaluation: a trained model on labeled data, or stratified K-fold
//! cross-validation of training settings; metrics in [`metrics`].

pub mod curve;
pub mod gate;
pub mod metrics;
pub mod report;
pub mod tags;
pub mod tune;

pub use metrics::{Confusion, LabelMetrics, Report};

use std::collections::HashMap;

use rayon::prelude::*;

use crate::corpus::{LabeledData, ReadOptions};
use crate::error::{Error, Result};
use crate::features::CountedCorpus;
use crate::labels::LabelId;
use crate::model::{Classifier, FoldMaps, PredictOptions, PredictScratch, TrainParams};
use crate::text::Analyzer;

pub use crate::folds::{stratified_folds, SplitMix64};

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
    evaluate_model_with_tags(model, data, read, None).map(|(ev, _)| ev)
}

/// As [`evaluate_model`], and with `tags` = (secondary labels by document
/// id, threshold) also scores multi-label tags from the same predictions
/// (see [`tags::score_tags`]).
///
/// # Errors
/// As [`evaluate_model`].
pub fn evaluate_model_with_tags(
    model: &Classifier,
    data: &LabeledData,
    read: &ReadOptions,
    tags: Option<(&HashMap<String, String>, f64)>,
) -> Result<(Evaluation, Option<tags::TagScores>)> {
    let opts = PredictOptions {
        top_k: 1,
        explain: 0,
    };
    type Predicted = (LabelId, f64, Vec<LabelId>);
    let preds: Vec<Result<Predicted>> = data
        .items
        .par_iter()
        .map_init(PredictScratch::default, |s, item| {
            let text = item.text(read)?;
            let p = model.predict(&text, s, &opts);
            let t = tags.map_or_else(Vec::new, |(_, threshold)| p.tags(threshold));
            Ok((p.label, p.probability, t))
        })
        .collect();
    let mut outcomes = Vec::with_capacity(preds.len());
    let mut tagged = Vec::with_capacity(if tags.is_some() { preds.len() } else { 0 });
    for (i, p) in preds.into_iter().enumerate() {
        let (label, probability, t) = p?;
        outcomes.push(Outcome {
            index: i,
            truth: data.labels.name(data.targets[i]).to_string(),
            predicted: model.labels().name(label).to_string(),
            probability,
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
    };
    Ok((ev, scores))
}

/// Stratified K-fold cross-validation of `params` on `data`: documents of
/// each label are shuffled with `seed` and dealt to the folds in turn; each
/// fold is predicted by a model trained on the other folds only (vocabulary,
/// idf and weights included). Every document is analyzed once.
///
/// # Errors
/// `k` < 2, a label with fewer than `k` documents, an unreadable document, or
/// invalid parameters.
pub fn cross_validate(
    data: &LabeledData,
    params: &TrainParams,
    k: usize,
    seed: u64,
    read: &ReadOptions,
) -> Result<Evaluation> {
    cross_validate_impl(data, params, k, seed, read, false).map(|(ev, _)| ev)
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
    k: usize,
    seed: u64,
    read: &ReadOptions,
) -> Result<(Evaluation, Classifier)> {
    let (ev, model) = cross_validate_impl(data, params, k, seed, read, true)?;
    match model {
        Some(m) => Ok((ev, m)),
        None => Err(Error::param("cv", "no model trained on all the data")),
    }
}

fn cross_validate_impl(
    data: &LabeledData,
    params: &TrainParams,
    k: usize,
    seed: u64,
    read: &ReadOptions,
    fit_all: bool,
) -> Result<(Evaluation, Option<Classifier>)> {
    check_folds(data, k)?;
    params.vectorizer.check()?;
    let analyzer = Analyzer::new(params.analyzer.clone());
    let counted = CountedCorpus::build(&analyzer, params.vectorizer.ngram_max, data.len(), |i| {
        data.items[i].text(read)
    })?;
    let fold_of = stratified_folds(&data.targets, data.labels.len(), k, seed);
    let ev = cross_validate_counted(data, &counted, params, &fold_of, k)?;
    let model = if fit_all {
        let all: Vec<usize> = (0..data.len()).collect();
        Some(Classifier::train(
            &counted,
            &data.targets,
            &data.labels,
            &all,
            params,
        )?)
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
                    "label '{}' has {c} documents, fewer than the {k} folds; use a smaller --cv",
                    data.labels.name(LabelId(l as u32))
                ),
            ));
        }
    }
    Ok(())
}

/// Cross-validation of `params` over counts already made (with the same
/// analyzer settings and the same n-grams): fold `f` holds the
/// documents `i` with `fold_of[i] == f`.
pub(crate) fn cross_validate_counted(
    data: &LabeledData,
    counted: &CountedCorpus,
    params: &TrainParams,
    fold_of: &[usize],
    k: usize,
) -> Result<Evaluation> {
    cross_validate_counted_timed(data, counted, params, fold_of, k).map(|(ev, _)| ev)
}

/// One fold's model and how long it took to train.
pub(crate) struct FoldModel {
    /// The model trained without fold 0.
    pub(crate) model: Classifier,
    /// Mean over folds of each fold's own training time (wall seconds;
    /// folds train in parallel, so this includes sharing the cores).
    pub(crate) train_seconds: f64,
}

/// As [`cross_validate_counted`], also keeping the model trained without
/// fold 0 and the folds' training times (for `tune`).
pub(crate) fn cross_validate_counted_timed(
    data: &LabeledData,
    counted: &CountedCorpus,
    params: &TrainParams,
    fold_of: &[usize],
    k: usize,
) -> Result<(Evaluation, FoldModel)> {
    type Fold = (Vec<Outcome>, Option<Classifier>, f64);
    let per_fold: Vec<Result<Fold>> = (0..k)
        .into_par_iter()
        .map(|f| {
            let train: Vec<usize> = (0..data.len()).filter(|&i| fold_of[i] != f).collect();
            let start = std::time::Instant::now();
            let (model, maps) =
                Classifier::train_fitted(counted, &data.targets, &data.labels, &train, params)?;
            let seconds = start.elapsed().as_secs_f64();
            let outcomes = predict_fold(data, counted, &model, &maps, params, fold_of, f);
            Ok((outcomes, (f == 0).then_some(model), seconds))
        })
        .collect();
    let mut folds = Vec::with_capacity(k);
    let mut outcomes = Vec::with_capacity(data.len());
    let mut first = None;
    let mut seconds = 0.0;
    for f in per_fold {
        let (f, model, s) = f?;
        folds.push(Report::from_outcomes(&f));
        outcomes.extend(f);
        first = first.or(model);
        seconds += s;
    }
    outcomes.sort_by_key(|o| o.index);
    let report = Report::from_outcomes(&outcomes);
    let model = first.ok_or_else(|| Error::param("cv", "no folds"))?;
    Ok((
        Evaluation {
            report,
            folds,
            outcomes,
        },
        FoldModel {
            model,
            train_seconds: seconds / k.max(1) as f64,
        },
    ))
}

/// The predictions of `model` (trained without fold `f`) for the documents
/// of fold `f`, vectorized from `counted` with the maps training returned.
pub(crate) fn predict_fold(
    data: &LabeledData,
    counted: &CountedCorpus,
    model: &Classifier,
    maps: &FoldMaps,
    params: &TrainParams,
    fold_of: &[usize],
    f: usize,
) -> Vec<Outcome> {
    let opts = PredictOptions {
        top_k: 1,
        explain: 0,
    };
    let mut scratch = PredictScratch::default();
    (0..data.len())
        .filter(|&i| fold_of[i] == f)
        .map(|i| {
            let p =
                model.predict_counted(counted, i, maps, &params.vectorizer, &mut scratch, &opts);
            Outcome {
                index: i,
                truth: data.labels.name(data.targets[i]).to_string(),
                predicted: model.labels().name(p.label).to_string(),
                probability: p.probability,
            }
        })
        .collect()
}
