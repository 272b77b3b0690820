//! Everything that makes a model: settings ([`TrainParams`]), the documents
//! analyzed once ([`TrainingSet`]), the fit of one stage or of a gated pair,
//! calibration, refinement, semi-supervised training ([`em`]) and
//! cross-validation folds ([`folds`]).
//!
//! ```
//! use tasnif::corpus::{Item, LabeledData, ReadOptions, Source};
//! use tasnif::train::{train, TrainParams};
//! let text = |t: &str| Item { id: t.into(), source: Source::Text(t.into()) };
//! let data = LabeledData::from_pairs(vec![
//!     (text("فاز الفريق بالمباراة"), "sports".into()),
//!     (text("سجل اللاعب هدفين في المباراة"), "sports".into()),
//!     (text("ارتفعت اسعار النفط"), "economy".into()),
//!     (text("تراجع الدولار امام اليورو"), "economy".into()),
//! ]);
//! let model = train(&data, &TrainParams::new(), &ReadOptions::default())?;
//! assert_eq!(model.labels().names(), ["economy", "sports"]);
//! # Ok::<(), tasnif::Error>(())
//! ```

mod calibrate;
pub mod em;
pub mod folds;
mod params;
pub mod refine;
mod set;

pub use params::{TrainOverrides, TrainParams, ValidTrainParams};
pub use set::{FoldBuffers, FoldFit, TrainingSet};

use crate::corpus::{LabeledData, ReadOptions};
use crate::error::{Error, ErrorKind, Result};
use crate::features::{
    CountedCorpus, FittedRows, FittedVocabulary, RowVectors, SparseVec, Vectorizer, VocabMap,
};
use crate::labels::{LabelId, LabelSet};
use crate::model::{Classifier, GateSettings, Gated, Stage, TrainingSummary};
use crate::nb::{softmax_into, NaiveBayes, NbCounts};
use crate::progress::{Progress, Silent};
use crate::text::Analyzer;
use calibrate::{best_f1_threshold, calibrate};
use set::FoldMaps;

/// The gate's name for "one of the topics" (never a user's label: it
/// starts with a control character).
const GATE_TOPIC: &str = "\u{1}topic";

/// How long each training stage took, as `tracing` events at debug level
/// (for profiling: `tasnif -v train` shows them; a library user installs
/// any subscriber).
struct Trace(Option<std::time::Instant>);

impl Trace {
    fn start() -> Trace {
        Trace(tracing::enabled!(tracing::Level::DEBUG).then(std::time::Instant::now))
    }

    fn mark(&self, stage: &str) {
        if let Some(t) = self.0 {
            tracing::debug!(
                ms = t.elapsed().as_secs_f64() * 1e3,
                "{stage} after {:.1} ms",
                t.elapsed().as_secs_f64() * 1e3
            );
        }
    }
}

/// Trains on every document of `data`, reading each once, in parallel. For
/// a one-stage model the per-document term counts are dropped once the
/// vocabulary is fitted, so memory peaks at about the size of the counts.
///
/// # Errors
/// Invalid parameters, an unreadable document (the error names it), fewer
/// than two labels, or a label with too few documents.
pub fn train(data: &LabeledData, params: &TrainParams, read: &ReadOptions) -> Result<Classifier> {
    train_with(data, params, read, &Silent)
}

/// [`train`], telling `progress` of each document read, then of the
/// fitting (a stage of unknown length). The model is the same.
///
/// # Errors
/// As [`train`].
pub fn train_with(
    data: &LabeledData,
    params: &TrainParams,
    read: &ReadOptions,
    progress: &dyn Progress,
) -> Result<Classifier> {
    let params = &params.check()?;
    if params.none_label.is_some() {
        let set = TrainingSet::build_with(data, params, read, progress)?;
        progress.start("fitting", 0);
        let all: Vec<usize> = (0..data.len()).collect();
        return set.fit(&all, params).map(FoldFit::into_model);
    }
    let per_label = check_labels(&data.targets, &data.labels, params.min_docs_per_label)?;
    let trace = Trace::start();
    let analyzer = Analyzer::new(params.analyzer.clone());
    progress.start("documents read", data.len() as u64);
    let counted = CountedCorpus::build(&analyzer, params.vectorizer.ngram_max, data.len(), |i| {
        progress.advance(1);
        data.items[i].text(read)
    })?;
    trace.mark("documents read and counted");
    progress.start("fitting", 0);
    let all: Vec<usize> = (0..data.len()).collect();
    let fitted = counted.fit_vocabulary_selected(
        &params.vectorizer,
        &all,
        &data.targets,
        data.labels.len(),
        params.chi2_features,
    );
    trace.mark("vocabulary fitted");
    let terms_seen = counted.n_terms() as u64;
    let rows = counted.into_rows(&fitted);
    trace.mark("rows built");
    let summary = TrainingSummary {
        docs_per_label: per_label,
        vocabulary_size: fitted.vocab.len() as u64,
        terms_seen,
    };
    let (stage, _) = fit_rows(&rows, &data.targets, &data.labels, params, fitted, summary)?;
    Ok(stage.into())
}

/// A model on the documents `subset` of `counted` (whose labels are
/// `targets`, one per document of `counted`, named by `labels`), and the
/// maps from `counted`'s provisional term numbers to its vocabularies.
fn fit_counted(
    counted: &CountedCorpus,
    targets: &[LabelId],
    labels: &LabelSet,
    subset: &[usize],
    params: &ValidTrainParams,
) -> Result<(Classifier, FoldMaps)> {
    if let Some(none) = &params.none_label {
        return fit_gated(counted, targets, labels, subset, params, none);
    }
    let (stage, map, _) = fit_stage(counted, targets, labels, subset, params)?;
    Ok((
        stage.into(),
        FoldMaps {
            topic: map,
            gate: None,
        },
    ))
}

/// One naive Bayes stage on `subset`, the map of its vocabulary, and the
/// out-of-fold probabilities of its calibration (one row of label
/// probabilities per document of `subset`, in its order; empty when the
/// calibration had no folds).
fn fit_stage(
    counted: &CountedCorpus,
    targets: &[LabelId],
    labels: &LabelSet,
    subset: &[usize],
    params: &ValidTrainParams,
) -> Result<(Stage, VocabMap, Vec<f64>)> {
    if counted.analyzer_config() != &params.analyzer
        || counted.ngram_max() != params.vectorizer.ngram_max
    {
        return Err(Error::param(
            "analyzer",
            "the documents were analyzed with other settings",
        ));
    }
    let y: Vec<LabelId> = subset.iter().map(|&d| targets[d]).collect();
    let per_label = check_labels(&y, labels, params.min_docs_per_label)?;
    let mut fitted = counted.fit_vocabulary_selected(
        &params.vectorizer,
        subset,
        &y,
        labels.len(),
        params.chi2_features,
    );
    let rows = counted.rows(&fitted, subset);
    let map = fitted.take_map();
    let summary = TrainingSummary {
        docs_per_label: per_label,
        vocabulary_size: fitted.vocab.len() as u64,
        terms_seen: counted.n_terms() as u64,
    };
    let (stage, oof) = fit_rows(&rows, &y, labels, params, fitted, summary)?;
    Ok((stage, map, oof))
}

/// The two-stage model of [`TrainParams::none_label`].
fn fit_gated(
    counted: &CountedCorpus,
    targets: &[LabelId],
    labels: &LabelSet,
    subset: &[usize],
    params: &ValidTrainParams,
    none_name: &str,
) -> Result<(Classifier, FoldMaps)> {
    let none = labels.id(none_name).ok_or_else(|| {
        Error::param(
            "none_label",
            format!("'{none_name}' is not a label of the training data"),
        )
    })?;
    let plain = params.with(|p| p.none_label = None)?;
    // The gate's priors and refinement are its own settings, whatever
    // the topic model's.
    let gate_params = plain.with(|p| {
        p.nb = p.nb.clone().priors(params.gate_priors);
        p.refine = params.gate_refine;
    })?;
    // The gate: the none label against every other label pooled.
    let gate_labels = LabelSet::from_names([none_name, GATE_TOPIC]);
    let (gate_none, gate_topic) = match (gate_labels.id(none_name), gate_labels.id(GATE_TOPIC)) {
        (Some(n), Some(t)) => (n, t),
        _ => return Err(Error::param("none_label", "an empty label name")),
    };
    let gate_targets: Vec<LabelId> = targets
        .iter()
        .map(|&t| if t == none { gate_none } else { gate_topic })
        .collect();
    let (gate, gate_map, oof) =
        fit_stage(counted, &gate_targets, &gate_labels, subset, &gate_params)?;
    let threshold = match params.gate_threshold {
        Some(t) => t,
        None => {
            let p_topic: Vec<f64> = oof.chunks_exact(2).map(|r| r[gate_topic.index()]).collect();
            let is_topic: Vec<bool> = subset.iter().map(|&d| targets[d] != none).collect();
            best_f1_threshold(&p_topic, &is_topic)
        }
    };
    let settings = GateSettings {
        threshold,
        min_terms: u32::try_from(params.gate_min_terms).unwrap_or(u32::MAX),
        name: params.gate_name.clone(),
    };
    // The topics, on the documents of the other labels.
    let topic_labels =
        LabelSet::from_names(labels.names().iter().filter(|n| n.as_str() != none_name));
    let to_topic: Vec<Option<LabelId>> =
        labels.names().iter().map(|n| topic_labels.id(n)).collect();
    let topic_targets: Vec<LabelId> = targets
        .iter()
        .map(|t| to_topic[t.index()].unwrap_or(LabelId::from_index(0)))
        .collect();
    let topic_docs: Vec<usize> = subset
        .iter()
        .copied()
        .filter(|&d| targets[d] != none)
        .collect();
    let (topics, topic_map, _) =
        fit_stage(counted, &topic_targets, &topic_labels, &topic_docs, &plain)?;
    let gated = Gated::new(gate, topics, none_name, settings)?;
    Ok((
        gated.into(),
        FoldMaps {
            topic: topic_map,
            gate: Some(gate_map),
        },
    ))
}

/// Fits naive Bayes and the probability scale on weighted rows; also
/// returns the calibration's out-of-fold probabilities.
fn fit_rows(
    rows: &FittedRows,
    y: &[LabelId],
    labels: &LabelSet,
    params: &ValidTrainParams,
    fitted: FittedVocabulary,
    summary: TrainingSummary,
) -> Result<(Stage, Vec<f64>)> {
    let vp = &params.vectorizer;
    let mut counts = NbCounts::new(fitted.vocab.len(), labels.len())?;
    let mut v = SparseVec::new();
    for (i, &c) in y.iter().enumerate() {
        rows.vector(i, vp, &fitted.idf, &mut v);
        counts.add(&v.indices, &v.values, c, 1.0)?;
    }
    let trace = Trace::start();
    let stage = from_sums(rows, y, labels, params, fitted, summary, counts);
    trace.mark("probabilities calibrated and naive Bayes fitted");
    stage
}

/// A stage from naive Bayes sums accumulated elsewhere (semi-supervised
/// training, [`em`]): `sums` are fitted as they are, then refined if the
/// settings say so, and the probability scale is calibrated on the labeled
/// rows `rows`, `y` only (each calibration fold's sums are `sums` minus that
/// fold's labeled documents). Also returns the out-of-fold probabilities of
/// the calibration, `labels.len()` per row of `rows` (empty when it had no
/// folds).
pub(crate) fn from_sums(
    rows: &FittedRows,
    y: &[LabelId],
    labels: &LabelSet,
    params: &ValidTrainParams,
    fitted: FittedVocabulary,
    summary: TrainingSummary,
    sums: NbCounts,
) -> Result<(Stage, Vec<f64>)> {
    let vp = &params.vectorizer;
    // The refinement as this training applies it: skipped when a label has
    // fewer documents than its least (see RefineParams::min_docs).
    let mut per_label = vec![0u64; labels.len()];
    for c in y {
        if let Some(n) = per_label.get_mut(c.index()) {
            *n += 1;
        }
    }
    let smallest = per_label.iter().copied().min().unwrap_or(0);
    let applied = params.refine.as_applied(smallest);
    let refinement = &applied;
    let nb_params = params.nb();
    let idf = &fitted.idf;
    let (calibrated, nb) = if refinement.is_on() {
        // The perceptron reads every row many times: weigh them once.
        let weighted = rows.weighted(vp, idf);
        let x = RowVectors::Weighted(&weighted);
        // The refinement of the whole and the calibration's own refined
        // folds are independent runs: side by side, with the same result.
        let (calibrated, nb) = rayon::join(
            || calibrate(nb_params, refinement, &x, y, &sums),
            || -> Result<NaiveBayes> {
                let mut nb = nb_params.fit_counts(&sums)?;
                let all: Vec<usize> = (0..rows.len()).collect();
                refine::refine(&mut nb, &sums, &x, &all, y, refinement)?;
                Ok(nb)
            },
        );
        (calibrated?, nb?)
    } else {
        let x = RowVectors::OnTheFly {
            rows,
            params: vp,
            idf,
        };
        let calibrated = calibrate(nb_params, refinement, &x, y, &sums)?;
        (calibrated, nb_params.fit_counts_into(sums)?)
    };
    let (scale, scores) = calibrated;
    let k = labels.len();
    let mut oof = vec![0.0; scores.len()];
    for (row, out) in scores.chunks_exact(k).zip(oof.chunks_exact_mut(k)) {
        softmax_into(row, scale, out);
    }
    let vectorizer = Vectorizer::from_parts(
        Analyzer::new(params.analyzer.clone()),
        vp.clone(),
        fitted.vocab,
        fitted.idf,
    )?;
    let refine = applied;
    let stage = Stage::new(vectorizer, nb, labels.clone(), scale, summary, refine);
    Ok((stage, oof))
}

/// Documents per label of `y`; checks there are two labels or more and
/// that each has at least `min` documents.
pub(crate) fn check_labels(y: &[LabelId], labels: &LabelSet, min: usize) -> Result<Vec<u64>> {
    let mut per_label = vec![0u64; labels.len()];
    for l in y {
        per_label[l.index()] += 1;
    }
    let present: Vec<usize> = (0..labels.len()).filter(|&l| per_label[l] > 0).collect();
    if present.len() < 2 {
        let label = present
            .first()
            .map_or("", |&l| labels.name(LabelId::from_index(l)))
            .to_string();
        return Err(Error::new(ErrorKind::SingleLabel { label }));
    }
    let min = min.max(1);
    if let Some(l) = (0..labels.len()).find(|&l| (per_label[l] as usize) < min) {
        return Err(Error::new(ErrorKind::TooFewDocuments {
            label: labels.name(LabelId::from_index(l)).to_string(),
            count: per_label[l] as usize,
            min,
        }));
    }
    Ok(per_label)
}
