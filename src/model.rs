//! The classifier a user trains, saves, loads and labels with: analyzer
//! settings + fitted vectorizer + naive Bayes + label names, in one versioned file.
//!
//! # File format (version 3; versions 1 and 2 are read too)
//!
//! | offset | size | content |
//! |---:|---:|---|
//! | 0 | 8 | magic `89 54 53 4E 46 0D 0A 1A` (`\x89TSNF\r\n\x1a`) |
//! | 8 | 4 | format version, u32 little-endian (1) |
//! | 12 | 8 | body length in bytes, u64 little-endian |
//! | 20 | 4 | CRC-32 (IEEE) of the body, u32 little-endian |
//! | 24 | 1 | length n of the tasnif version string |
//! | 25 | n | tasnif version that wrote the file (UTF-8) |
//! | 25+n | body length | body: [`postcard`] encoding of the model |
//!
//! Version 2 appends to version 1's body an optional gate: the name of the
//! "none of the topics" label and the gate model's own file bytes (see
//! [`TrainParams::none_label`]). Version 3's gate also holds its threshold,
//! its least Arabic evidence and its name (see [`TrainParams::gate_threshold`],
//! [`TrainParams::gate_min_terms`], [`TrainParams::gate_name`]); a version 2
//! gate reads as threshold 1/2, no least evidence, name `topic`. Version 3
//! also stores, between the model and the gate, how the naive Bayes
//! weights were refined (see [`TrainParams::refine`]).

use std::path::Path;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::corpus::{LabeledData, ReadOptions};
use crate::error::{Error, ErrorKind, Result};
use crate::features::{
    CountedCorpus, FeatureScratch, FittedRows, FittedVocabulary, ScriptCounts, SparseVec, TermId,
    Vectorizer, VectorizerParams, Vocabulary,
};
use crate::labels::{LabelId, LabelSet};
use crate::nb::{
    argmax, softmax_into, NaiveBayes, NbCounts, NbKind, NbParams, NbValidParams, Priors,
};
use crate::refine::{refine, RefineParams};
use crate::text::{Analyzer, AnalyzerConfig};
use linfa::ParamGuard;
use rayon::prelude::*;

/// Magic bytes at the start of every model file.
pub const MAGIC: [u8; 8] = *b"\x89TSNF\r\n\x1a";
/// The model format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 3;
/// The oldest model format version this build reads.
pub const OLDEST_FORMAT_VERSION: u32 = 1;
const FIXED_HEADER: usize = 25;

/// The largest magnitude of a stored idf value, weight or log prior that a
/// model file may hold. Trained values are logarithms of probabilities and
/// smoothed document ratios (at most a few hundred in magnitude); with
/// this bound, scoring even a document of 2^32 occurrences of one term
/// stays far from overflowing.
const MAX_STORED: f64 = 1e9;

/// The probability scale a model file may hold: the range `fit_temperature` keeps it in.
const SCALE_RANGE: std::ops::RangeInclusive<f64> = 1e-6..=1e6;

/// Everything that decides what a model learns. Written and read as JSON by
/// `tasnif tune` and `tasnif train --config`; missing fields take the
/// defaults of [`TrainParams::new`], unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainParams {
    /// Normalization, stopwords and stemming.
    pub analyzer: AnalyzerConfig,
    /// N-grams, pruning and weighting.
    pub vectorizer: VectorizerParams,
    /// Naive Bayes kind and smoothing.
    pub nb: NbParams,
    /// Refinement of the naive Bayes weights after fitting (of a one-stage
    /// model, or of a gated model's topic model). Default none.
    pub refine: RefineParams,
    /// With `none_label`: refinement of the gate's weights. Default none.
    pub gate_refine: RefineParams,
    /// Keep only this many terms, those with the largest χ² statistic
    /// between term weight and label (see
    /// [`CountedCorpus::select_chi2`]), after the vectorizer's own pruning.
    /// Default: keep all.
    pub chi2_features: Option<usize>,
    /// The label of documents about none of the topics (e.g. `none`), if
    /// the data has one. The model is then two naive Bayes models: a gate,
    /// trained on every document to tell this label from all the others
    /// pooled, and a topic model trained on the other documents. An article
    /// gets this label when the gate gives it probability above 1/2, else
    /// the topic model's label. Default: no such label (one model).
    pub none_label: Option<String>,
    /// The gate's class priors, with `none_label`. `Fitted`: the share of
    /// none documents in the training data, which is only as meaningful as
    /// the number of negatives someone chose to include; `Uniform`: even
    /// odds, so that the text alone decides (more topic articles found,
    /// more false alarms). Default fitted.
    pub gate_priors: Priors,
    /// With `none_label`: the probability of being about any of the topics
    /// (1 − P(none)) an article needs to get a topic, in (0, 1). `None`
    /// (default, `null` in JSON): chosen at training, the threshold that
    /// maximizes F1 of telling the topic documents from the none documents
    /// on out-of-fold probabilities of the training documents (the folds of
    /// the probability calibration), so that it suits the gate's own scale.
    pub gate_threshold: Option<f64>,
    /// With `none_label`: the fewest Arabic terms (after stopwords) an
    /// article needs for the gate to weigh it, and Arabic must be at least
    /// half of its terms; otherwise it is the none label. French or English
    /// text, digits or a handful of words are no evidence. Default 3.
    pub gate_min_terms: usize,
    /// With `none_label`: the name under which records give the probability
    /// of being about any of the topics (e.g. `cyber`). Default `topic`.
    pub gate_name: String,
    /// Fewest documents a label may have. Default 2.
    pub min_docs_per_label: usize,
}

/// Names a record already uses, which a gate's name may not take.
const RECORD_FIELDS: [&str; 9] = [
    "id",
    "label",
    "probability",
    "top",
    "tags",
    "explain",
    "evidence",
    "encoding",
    "error",
];

/// Overlays `given` on `base`: objects field by field, anything else replaced.
fn merge_json(base: &mut serde_json::Value, given: serde_json::Value) {
    match (base, given) {
        (serde_json::Value::Object(b), serde_json::Value::Object(g)) => {
            for (k, v) in g {
                match b.get_mut(&k) {
                    Some(slot) => merge_json(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

/// Prints how long each training stage took, on stderr, when the
/// environment variable `TASNIF_TRACE` is set (for profiling).
struct Trace(Option<std::time::Instant>);

impl Trace {
    fn start() -> Trace {
        Trace(std::env::var_os("TASNIF_TRACE").map(|_| std::time::Instant::now()))
    }

    fn mark(&self, stage: &str) {
        if let Some(t) = self.0 {
            use std::io::Write;
            // a trace that cannot be written is not worth failing for
            let _ = writeln!(
                std::io::stderr(),
                "tasnif trace: {:>8.1} ms  {stage}",
                t.elapsed().as_secs_f64() * 1e3
            );
        }
    }
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams::new()
    }
}

impl TrainParams {
    /// Reads training parameters from a JSON file (as `tasnif tune` writes).
    ///
    /// # Errors
    /// The file cannot be read, is not JSON of this shape (the error names
    /// the line and column), or holds invalid values.
    pub fn from_json_file(path: &Path) -> Result<TrainParams> {
        let text = String::from_utf8(crate::corpus::read_whole(path)?)
            .map_err(|_| Error::record(path, 1, "not valid UTF-8"))?;
        let given: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::record(path, e.line() as u64, e.to_string()))?;
        // Fields left out, at any depth, keep the defaults of `tasnif train`.
        let mut merged = serde_json::to_value(TrainParams::new())
            .map_err(|e| Error::param("config", e.to_string()))?;
        merge_json(&mut merged, given);
        let p: TrainParams =
            serde_json::from_value(merged).map_err(|e| Error::record(path, 1, e.to_string()))?;
        p.check().map_err(|e| e.with_path(path))?;
        Ok(p)
    }

    /// Checks every setting's range and returns the checked NB settings.
    ///
    /// # Errors
    /// An [`ErrorKind::InvalidParam`] naming the setting.
    pub fn check(&self) -> Result<NbValidParams> {
        self.vectorizer.check()?;
        if self.chi2_features == Some(0) {
            return Err(Error::param("chi2_features", "0 (expected at least 1)"));
        }
        if let Some(t) = self.gate_threshold {
            if !(t > 0.0 && t < 1.0) {
                return Err(Error::param(
                    "gate_threshold",
                    format!("{t} (expected a probability strictly between 0 and 1)"),
                ));
            }
        }
        let name = self.gate_name.as_str();
        if name.trim().is_empty() || name.chars().any(char::is_control) {
            return Err(Error::param(
                "gate_name",
                format!("{name:?} (expected a name without control characters)"),
            ));
        }
        if RECORD_FIELDS.contains(&name) {
            return Err(Error::param(
                "gate_name",
                format!("'{name}' is already a field of every record"),
            ));
        }
        let nb = self.nb.clone().check()?;
        for (r, name) in [(&self.refine, "refine"), (&self.gate_refine, "gate_refine")] {
            r.check()?;
            if r.is_on() && nb.kind() != NbKind::Multinomial {
                return Err(Error::param(
                    name,
                    "the perceptron refines multinomial naive Bayes only",
                ));
            }
        }
        Ok(nb)
    }

    /// The settings on one line, `name=value` pairs (for reports).
    pub fn describe(&self) -> String {
        let (a, v, nb) = (&self.analyzer, &self.vectorizer, self.nb.clone().check());
        let nb = match nb {
            Ok(nb) => format!(
                "nb={} alpha={} priors={:?} weight_norm={}",
                nb.kind(),
                nb.alpha(),
                nb.priors(),
                nb.weight_norm()
            ),
            Err(e) => format!("nb=invalid ({e})"),
        };
        let gate = match &self.none_label {
            Some(n) => format!(
                " none_label={n} gate_priors={} gate_threshold={} gate_min_terms={} gate_name={}",
                self.gate_priors,
                self.gate_threshold
                    .map_or("auto".to_string(), |t| t.to_string()),
                self.gate_min_terms,
                self.gate_name
            ),
            None => String::new(),
        };
        let gate = if self.none_label.is_some() && self.gate_refine.is_on() {
            format!("{gate} gate_refine={}", self.gate_refine.describe())
        } else {
            gate
        };
        let nb = if self.refine.is_on() {
            format!("{nb} refine={}", self.refine.describe())
        } else {
            nb
        };
        format!(
            "stemmer={} fold_teh_marbuta={} ngrams=1..{} min_df={} max_df={} max_features={} chi2_features={} weighting={} sublinear_tf={} l2_norm={} {nb}{gate}",
            a.stemmer,
            a.normalize.fold_teh_marbuta,
            v.ngram_max,
            v.min_df,
            v.max_df,
            v.max_features.map_or("all".to_string(), |n| n.to_string()),
            self.chi2_features
                .map_or("all".to_string(), |n| n.to_string()),
            v.weighting,
            v.sublinear_tf,
            v.l2_norm,
        )
    }

    /// The parameters as pretty JSON (what [`TrainParams::from_json_file`] reads).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The default settings of `tasnif train`: no stemming, word unigrams
    /// cut to the 20,000 of largest χ², raw term frequency × idf with l2
    /// norm, multinomial NB with α = 0.03 and fitted priors.
    ///
    /// Chosen by `tasnif tune` (5-fold cross-validation, seed 42) on the
    /// reference training split only, never the test split: the best of the
    /// search's word-unigram settings (see the README, "Tuning"). Settings
    /// with word bigrams scored higher but break the training speed and
    /// memory targets; they are options.
    pub fn new() -> TrainParams {
        TrainParams {
            analyzer: AnalyzerConfig {
                stemmer: crate::text::StemmerKind::None,
                ..AnalyzerConfig::default()
            },
            vectorizer: VectorizerParams {
                sublinear_tf: false,
                ..VectorizerParams::default()
            },
            nb: NbParams::new()
                .kind(crate::nb::NbKind::Multinomial)
                .alpha(0.03),
            refine: RefineParams::default(),
            gate_refine: RefineParams::default(),
            chi2_features: Some(20_000),
            none_label: None,
            gate_priors: Priors::Fitted,
            gate_threshold: None,
            gate_min_terms: 3,
            gate_name: "topic".to_string(),
            min_docs_per_label: 2,
        }
    }
}

/// What the model was trained on.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    /// Documents per label, in label order.
    pub docs_per_label: Vec<u64>,
    /// Terms in the vocabulary.
    pub vocabulary_size: u64,
    /// Distinct terms seen before pruning.
    pub terms_seen: u64,
}

/// Options for one prediction.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PredictOptions {
    /// How many labels to list in `top` (at least 1).
    pub top_k: usize,
    /// How many terms to give as the explanation (0 for none).
    pub explain: usize,
    /// For a gated model: the probability of any topic an article needs to
    /// get one, in (0, 1]; `None` takes the model's own (see
    /// [`TrainParams::gate_threshold`]).
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
    /// label order). With a gate threshold below 1/2, the chosen label
    /// need not be the first.
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

/// Reusable buffers for [`Classifier::predict`]; one per worker thread.
#[derive(Default)]
pub struct PredictScratch {
    features: FeatureScratch,
    vector: SparseVec,
    gate_vector: SparseVec,
    scores: Vec<f64>,
}

/// A trained classifier.
#[derive(Debug)]
pub struct Classifier {
    vectorizer: Vectorizer,
    nb: NaiveBayes,
    labels: LabelSet,
    /// Scores are multiplied by this before the softmax (temperature
    /// scaling fitted on the training documents).
    scale: f64,
    summary: TrainingSummary,
    /// How the naive Bayes weights were refined after fitting.
    refine: RefineParams,
    /// The gate of a model with a "none of the topics" label.
    gate: Option<Box<Gate>>,
}

/// The gate of a two-stage model (see [`TrainParams::none_label`]).
#[derive(Debug)]
struct Gate {
    /// Two labels: the none label and [`GATE_TOPIC`].
    model: Classifier,
    /// The none label's id in `model`.
    gate_none: LabelId,
    /// Every label: the topics and the none label, sorted.
    all: LabelSet,
    /// The none label's id in `all`.
    none: LabelId,
    /// Topic id → id in `all`.
    topic_to_all: Vec<LabelId>,
    /// The topic model's own summary (what the file stores).
    topic_summary: TrainingSummary,
    /// The probability of any topic an article needs to get one.
    threshold: f64,
    /// The fewest Arabic terms for the gate to weigh an article (0: no rule).
    min_terms: u32,
    /// The name of "any of the topics" in records.
    name: String,
}

/// What a gate is made of besides its model: the settings a version 3
/// file stores with it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct GateSettings {
    threshold: f64,
    min_terms: u32,
    name: String,
}

impl GateSettings {
    /// A version 2 gate: threshold 1/2, no least evidence, name `topic`.
    fn version_2() -> GateSettings {
        GateSettings {
            threshold: 0.5,
            min_terms: 0,
            name: "topic".to_string(),
        }
    }

    fn check(&self) -> Result<()> {
        if !(self.threshold > 0.0 && self.threshold <= 1.0)
            || self.name.trim().is_empty()
            || RECORD_FIELDS.contains(&self.name.as_str())
        {
            return Err(corrupt(format!(
                "gate settings out of range: threshold {}, name {:?}",
                self.threshold, self.name
            )));
        }
        Ok(())
    }
}

/// The gate's name for "one of the topics" (never a user's label: it
/// starts with a control character).
const GATE_TOPIC: &str = "\u{1}topic";

impl Classifier {
    /// Trains on the documents `subset` of `counted`, whose labels are `targets`
    /// (one per document of `counted`), named by `labels`.
    ///
    /// # Errors
    /// Invalid parameters, fewer than two labels, a label with too few
    /// documents, or counts made with other analyzer settings.
    pub fn train(
        counted: &CountedCorpus,
        targets: &[LabelId],
        labels: &LabelSet,
        subset: &[usize],
        params: &TrainParams,
    ) -> Result<Classifier> {
        Classifier::train_fitted(counted, targets, labels, subset, params).map(|(m, _)| m)
    }

    /// Trains on every document of `data`, reading each once, in parallel.
    /// The per-document term counts are dropped once the vocabulary is
    /// fitted, so memory peaks at about the size of the counts.
    ///
    /// # Errors
    /// An unreadable document (the error names it), or see [`Classifier::train`].
    pub fn train_on(
        data: &LabeledData,
        params: &TrainParams,
        read: &ReadOptions,
    ) -> Result<Classifier> {
        let nb_params = params.check()?;
        if params.none_label.is_some() {
            let analyzer = Analyzer::new(params.analyzer.clone());
            let counted =
                CountedCorpus::build(&analyzer, params.vectorizer.ngram_max, data.len(), |i| {
                    data.items[i].text(read)
                })?;
            let all: Vec<usize> = (0..data.len()).collect();
            return Classifier::train(&counted, &data.targets, &data.labels, &all, params);
        }
        let per_label = check_labels(&data.targets, &data.labels, params.min_docs_per_label)?;
        let trace = Trace::start();
        let analyzer = Analyzer::new(params.analyzer.clone());
        let counted =
            CountedCorpus::build(&analyzer, params.vectorizer.ngram_max, data.len(), |i| {
                data.items[i].text(read)
            })?;
        trace.mark("documents read and counted");
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
        Classifier::fit_rows(
            &rows,
            &data.targets,
            &data.labels,
            params,
            &nb_params,
            fitted,
            summary,
        )
        .map(|(m, _)| m)
    }

    /// As [`Classifier::train`], also returning the map from `counted`'s
    /// provisional term numbers to the model's vocabulary, so that other
    /// documents of `counted` can be vectorized without re-reading them.
    pub(crate) fn train_fitted(
        counted: &CountedCorpus,
        targets: &[LabelId],
        labels: &LabelSet,
        subset: &[usize],
        params: &TrainParams,
    ) -> Result<(Classifier, FoldMaps)> {
        if let Some(none) = &params.none_label {
            return Classifier::train_gated(counted, targets, labels, subset, params, none);
        }
        Classifier::train_plain(counted, targets, labels, subset, params).map(|(m, f, _)| (m, f))
    }

    /// One naive Bayes model on `subset`, and the out-of-fold probabilities
    /// of its calibration (one row of label probabilities per document of
    /// `subset`, in its order; empty when the calibration had no folds).
    fn train_plain(
        counted: &CountedCorpus,
        targets: &[LabelId],
        labels: &LabelSet,
        subset: &[usize],
        params: &TrainParams,
    ) -> Result<(Classifier, FoldMaps, Vec<f64>)> {
        let nb_params = params.check()?;
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
        let (model, oof) =
            Classifier::fit_rows(&rows, &y, labels, params, &nb_params, fitted, summary)?;
        Ok((
            model,
            FoldMaps {
                topic: map,
                gate: None,
            },
            oof,
        ))
    }

    /// The two-stage model of [`TrainParams::none_label`].
    fn train_gated(
        counted: &CountedCorpus,
        targets: &[LabelId],
        labels: &LabelSet,
        subset: &[usize],
        params: &TrainParams,
        none_name: &str,
    ) -> Result<(Classifier, FoldMaps)> {
        let none = labels.id(none_name).ok_or_else(|| {
            Error::param(
                "none_label",
                format!("'{none_name}' is not a label of the training data"),
            )
        })?;
        let plain = TrainParams {
            none_label: None,
            ..params.clone()
        };
        // The gate's priors and refinement are its own settings, whatever
        // the topic model's.
        let gate_params = TrainParams {
            nb: plain.nb.clone().priors(params.gate_priors),
            refine: params.gate_refine,
            ..plain.clone()
        };
        // The gate: the none label against every other label pooled.
        let gate_labels = LabelSet::from_names([none_name, GATE_TOPIC]);
        let (gate_none, gate_topic) = match (gate_labels.id(none_name), gate_labels.id(GATE_TOPIC))
        {
            (Some(n), Some(t)) => (n, t),
            _ => return Err(Error::param("none_label", "an empty label name")),
        };
        let gate_targets: Vec<LabelId> = targets
            .iter()
            .map(|&t| if t == none { gate_none } else { gate_topic })
            .collect();
        let (gate, gate_map, oof) =
            Classifier::train_plain(counted, &gate_targets, &gate_labels, subset, &gate_params)?;
        let threshold = match params.gate_threshold {
            Some(t) => t,
            None => {
                let p_topic: Vec<f64> =
                    oof.chunks_exact(2).map(|r| r[gate_topic.index()]).collect();
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
        let (mut model, maps, _) =
            Classifier::train_plain(counted, &topic_targets, &topic_labels, &topic_docs, &plain)?;
        model.attach_gate(gate, gate_none, none_name, settings)?;
        Ok((
            model,
            FoldMaps {
                topic: maps.topic,
                gate: Some(gate_map.topic),
            },
        ))
    }

    /// Makes this topic model the second stage of a gated model.
    fn attach_gate(
        &mut self,
        gate: Classifier,
        gate_none: LabelId,
        none_name: &str,
        settings: GateSettings,
    ) -> Result<()> {
        settings.check()?;
        if gate.labels.len() != 2 || gate.gate.is_some() || self.labels.id(none_name).is_some() {
            return Err(corrupt("a gate must have two labels and no gate".into()));
        }
        let all = LabelSet::from_names(
            self.labels
                .names()
                .iter()
                .map(String::as_str)
                .chain([none_name]),
        );
        let none = all
            .id(none_name)
            .ok_or_else(|| corrupt("the none label is missing".into()))?;
        let topic_to_all: Vec<LabelId> = self
            .labels
            .names()
            .iter()
            .map(|n| all.id(n).unwrap_or(none))
            .collect();
        let topic_summary = self.summary.clone();
        let mut docs = vec![0u64; all.len()];
        for (i, &c) in topic_summary.docs_per_label.iter().enumerate() {
            docs[topic_to_all[i].index()] = c;
        }
        docs[none.index()] = gate
            .summary
            .docs_per_label
            .get(gate_none.index())
            .copied()
            .unwrap_or(0);
        self.summary = TrainingSummary {
            docs_per_label: docs,
            vocabulary_size: topic_summary.vocabulary_size,
            terms_seen: topic_summary.terms_seen,
        };
        self.gate = Some(Box::new(Gate {
            model: gate,
            gate_none,
            all,
            none,
            topic_to_all,
            topic_summary,
            threshold: settings.threshold,
            min_terms: settings.min_terms,
            name: settings.name,
        }));
        Ok(())
    }

    /// The gate model of a two-stage model, and the name of its none label.
    pub fn gate(&self) -> Option<(&Classifier, &str)> {
        self.gate.as_ref().map(|g| (&g.model, g.all.name(g.none)))
    }

    /// A gated model's probability threshold, least Arabic terms and name
    /// of "any of the topics" (see [`TrainParams::gate_threshold`],
    /// [`TrainParams::gate_min_terms`] and [`TrainParams::gate_name`]).
    pub fn gate_settings(&self) -> Option<(f64, u32, &str)> {
        self.gate
            .as_ref()
            .map(|g| (g.threshold, g.min_terms, g.name.as_str()))
    }

    /// Labels document `doc` of `counted` (as [`Classifier::predict`] would
    /// label its text), with the maps [`Classifier::train_fitted`] returned.
    pub(crate) fn predict_counted(
        &self,
        counted: &CountedCorpus,
        doc: usize,
        maps: &FoldMaps,
        vp: &VectorizerParams,
        scratch: &mut PredictScratch,
        opts: &PredictOptions,
    ) -> Prediction {
        counted.vector_mapped(
            &maps.topic,
            self.vectorizer.idf(),
            vp,
            doc,
            &mut scratch.vector,
        );
        match (&self.gate, &maps.gate) {
            (Some(g), Some(gmap)) => {
                counted.vector_mapped(
                    gmap,
                    g.model.vectorizer.idf(),
                    vp,
                    doc,
                    &mut scratch.gate_vector,
                );
                let script = counted.script_counts(doc);
                self.predict_gated(g, script, scratch, opts)
            }
            _ => self.predict_vector_plain(&scratch.vector, &mut scratch.scores, opts),
        }
    }

    /// The prediction of a gated model from the topic and gate vectors in
    /// `scratch` (see [`Gate::combine`]).
    fn predict_gated(
        &self,
        g: &Gate,
        script: ScriptCounts,
        scratch: &mut PredictScratch,
        opts: &PredictOptions,
    ) -> Prediction {
        let enough = g.min_terms == 0 || script.enough_arabic(g.min_terms as usize);
        let topic = self.predict_vector_plain(&scratch.vector, &mut scratch.scores, opts);
        let quiet = PredictOptions {
            explain: 0,
            ..*opts
        };
        let gate = g
            .model
            .predict_vector_plain(&scratch.gate_vector, &mut scratch.scores, &quiet);
        g.combine(gate, topic, &scratch.gate_vector, enough, opts)
    }

    /// Fits naive Bayes and the probability scale on weighted rows; also
    /// returns the calibration's out-of-fold probabilities (see
    /// [`Classifier::train_plain`]).
    fn fit_rows(
        rows: &FittedRows,
        y: &[LabelId],
        labels: &LabelSet,
        params: &TrainParams,
        nb_params: &NbValidParams,
        fitted: FittedVocabulary,
        summary: TrainingSummary,
    ) -> Result<(Classifier, Vec<f64>)> {
        let vp = &params.vectorizer;
        let mut counts = NbCounts::new(fitted.vocab.len(), labels.len())?;
        let mut v = SparseVec::new();
        for (i, &c) in y.iter().enumerate() {
            rows.vector(i, vp, &fitted.idf, &mut v);
            counts.add(&v.indices, &v.values, c, 1.0)?;
        }
        let trace = Trace::start();
        let model =
            Classifier::from_sums(rows, y, labels, params, nb_params, fitted, summary, counts);
        trace.mark("probabilities calibrated and naive Bayes fitted");
        model
    }

    /// Builds a classifier from naive Bayes sums accumulated elsewhere
    /// (semi-supervised training, [`crate::em`]): `sums` are fitted as they
    /// are, and the probability scale is calibrated on the labeled rows
    /// `rows`, `y` only (each calibration fold's sums are `sums` minus that
    /// fold's labeled documents). Also returns the out-of-fold probabilities
    /// of the calibration, `labels.len()` per row of `rows` (empty when it
    /// had no folds).
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn from_sums(
        rows: &FittedRows,
        y: &[LabelId],
        labels: &LabelSet,
        params: &TrainParams,
        nb_params: &NbValidParams,
        fitted: FittedVocabulary,
        summary: TrainingSummary,
        sums: NbCounts,
    ) -> Result<(Classifier, Vec<f64>)> {
        let vp = &params.vectorizer;
        let refinement = &params.refine;
        let (scale, scores) = calibrate(nb_params, refinement, rows, vp, &fitted.idf, y, &sums)?;
        let k = labels.len();
        let mut oof = vec![0.0; scores.len()];
        for (row, out) in scores.chunks_exact(k).zip(oof.chunks_exact_mut(k)) {
            softmax_into(row, scale, out);
        }
        let nb = if refinement.is_on() {
            let mut nb = nb_params.fit_counts(&sums)?;
            let all: Vec<usize> = (0..rows.len()).collect();
            refine(&mut nb, &sums, rows, &all, y, vp, &fitted.idf, refinement)?;
            nb
        } else {
            nb_params.fit_counts_into(sums)?
        };
        let vectorizer = Vectorizer::from_parts(
            Analyzer::new(params.analyzer.clone()),
            vp.clone(),
            fitted.vocab,
            fitted.idf,
        )?;
        Ok((
            Classifier {
                vectorizer,
                nb,
                labels: labels.clone(),
                scale,
                summary,
                refine: if refinement.is_on() {
                    *refinement
                } else {
                    RefineParams::default()
                },
                gate: None,
            },
            oof,
        ))
    }

    /// The label names.
    pub fn labels(&self) -> &LabelSet {
        match &self.gate {
            Some(g) => &g.all,
            None => &self.labels,
        }
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

    /// How the naive Bayes weights were refined after fitting (for a gated
    /// model, the topic model's; [`Classifier::gate`] gives the gate's).
    pub fn refinement(&self) -> &RefineParams {
        &self.refine
    }

    /// What the model was trained on.
    pub fn summary(&self) -> &TrainingSummary {
        &self.summary
    }

    /// Labels one article. Depends on `text` alone (never on other articles).
    ///
    /// A gated model gives the topic model's label when the probability of
    /// any topic, [`Prediction::gate`], reaches its threshold (or
    /// [`PredictOptions::gate_threshold`]), else the none label; an article
    /// with too little Arabic (see [`TrainParams::gate_min_terms`]) is the
    /// none label with probability 1.
    pub fn predict(
        &self,
        text: &str,
        scratch: &mut PredictScratch,
        opts: &PredictOptions,
    ) -> Prediction {
        match &self.gate {
            Some(g) => {
                // one analysis of the text for both models
                self.vectorizer.transform_with(
                    &g.model.vectorizer,
                    text,
                    &mut scratch.features,
                    &mut scratch.vector,
                    &mut scratch.gate_vector,
                );
                let script = scratch.features.script();
                self.predict_gated(g, script, scratch, opts)
            }
            None => {
                self.vectorizer
                    .transform(text, &mut scratch.features, &mut scratch.vector);
                self.predict_vector_plain(&scratch.vector, &mut scratch.scores, opts)
            }
        }
    }

    /// Labels a feature vector made by this model's vectorizer. For a gated
    /// model this is the topic model's answer alone (use
    /// [`Classifier::predict`]).
    pub fn predict_vector(
        &self,
        x: &SparseVec,
        scores: &mut Vec<f64>,
        opts: &PredictOptions,
    ) -> Prediction {
        self.predict_vector_plain(x, scores, opts)
    }

    fn predict_vector_plain(
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

    fn explain(&self, x: &SparseVec, best: usize, second: usize, n: usize) -> Vec<(String, f64)> {
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
    /// mean over labels: what the model finds most indicative of it.
    pub fn top_terms(&self, n: usize) -> Vec<Vec<(String, f64)>> {
        let own = self.top_terms_plain(n);
        match &self.gate {
            // In `labels()` order: each topic's terms, and the gate's terms
            // for the none label.
            Some(g) => {
                let mut out = vec![Vec::new(); g.all.len()];
                for (i, terms) in own.into_iter().enumerate() {
                    out[g.topic_to_all[i].index()] = terms;
                }
                let gate_terms = g.model.top_terms_plain(n);
                out[g.none.index()] = gate_terms
                    .into_iter()
                    .nth(g.gate_none.index())
                    .unwrap_or_default();
                out
            }
            None => own,
        }
    }

    fn top_terms_plain(&self, n: usize) -> Vec<Vec<(String, f64)>> {
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

    /// The model file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        let body = self.body();
        let mut out = self.header(&body);
        out.extend_from_slice(&body);
        out
    }

    /// The body: postcard encoding of the model, serialized from borrowed
    /// parts (no copy of the vocabulary or weights).
    fn body(&self) -> Vec<u8> {
        let body = ModelBodyRef {
            analyzer: self.vectorizer.analyzer().config(),
            vectorizer: self.vectorizer.params(),
            vocabulary: self.vectorizer.vocabulary(),
            idf: self.vectorizer.idf(),
            labels: self.labels.names(),
            nb: self.nb.params(),
            log_prior: self.nb.log_prior(),
            weights: self.nb.weights().as_slice().unwrap_or(&[]),
            scale: self.scale,
            summary: match &self.gate {
                Some(g) => &g.topic_summary,
                None => &self.summary,
            },
        };
        let gate = self.gate.as_ref().map(|g| GateBodyRef {
            none_label: g.all.name(g.none),
            model: g.model.to_bytes(),
            settings: GateSettings {
                threshold: g.threshold,
                min_terms: g.min_terms,
                name: g.name.clone(),
            },
        });
        // Serializing plain data into a Vec cannot fail.
        postcard::to_stdvec(&(body, &self.refine, gate)).unwrap_or_default()
    }

    fn header(&self, body: &[u8]) -> Vec<u8> {
        let version = env!("CARGO_PKG_VERSION").as_bytes();
        let mut out = Vec::with_capacity(FIXED_HEADER + version.len());
        out.extend_from_slice(&MAGIC);
        out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
        out.extend_from_slice(&(body.len() as u64).to_le_bytes());
        out.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
        out.push(version.len() as u8);
        out.extend_from_slice(version);
        out
    }

    /// Reads a model from its file's bytes.
    ///
    /// # Errors
    /// Says which of these it is: not a model file, another format version,
    /// truncated, checksum mismatch (corrupted), or an undecodable or
    /// inconsistent body.
    pub fn from_bytes(bytes: &[u8]) -> Result<Classifier> {
        Classifier::decode(bytes, true)
    }

    /// [`Classifier::from_bytes`]; a gate's own bytes are decoded with
    /// `gate_allowed` false, so that a file of gates nested in gates is
    /// refused at the second level instead of recursing as deep as the
    /// file is long.
    fn decode(bytes: &[u8], gate_allowed: bool) -> Result<Classifier> {
        let header = read_header(bytes)?;
        let body_start = FIXED_HEADER + header.version.len();
        let body = &bytes[body_start..];
        let found = crc32fast::hash(body);
        if found != header.crc {
            return Err(Error::new(ErrorKind::ChecksumMismatch {
                expected: header.crc,
                found,
            }));
        }
        if header.format == 1 {
            let body: ModelBody = decode_all(body)?;
            return body.into_classifier();
        }
        let (body, refinement, gate): (ModelBody, RefineParams, Option<GateBody>) =
            if header.format == 2 {
                let (body, gate): (ModelBody, Option<GateBodyV2>) = decode_all(body)?;
                let gate = gate.map(|g| GateBody {
                    none_label: g.none_label,
                    model: g.model,
                    settings: GateSettings::version_2(),
                });
                (body, RefineParams::default(), gate)
            } else {
                decode_all(body)?
            };
        refinement
            .check()
            .map_err(|e| corrupt(format!("refinement settings: {e}")))?;
        let mut model = body.into_classifier()?;
        model.refine = refinement;
        if let Some(g) = gate {
            if !gate_allowed {
                return Err(corrupt("a gate inside a gate".into()));
            }
            let gate = Classifier::decode(&g.model, false)?;
            let gate_none = gate
                .labels
                .id(&g.none_label)
                .ok_or_else(|| corrupt("the gate lacks the none label".into()))?;
            model.attach_gate(gate, gate_none, &g.none_label, g.settings)?;
        }
        Ok(model)
    }

    /// Loads a model file.
    ///
    /// # Errors
    /// The file cannot be read, or see [`Classifier::from_bytes`]; the error names the file.
    pub fn load(path: &Path) -> Result<Classifier> {
        let bytes = crate::corpus::read_whole(path)?;
        Classifier::from_bytes(&bytes).map_err(|e| e.with_path(path))
    }

    /// Writes the model to `path` atomically: to a temporary file in the same
    /// folder, then renamed, so a failure never leaves a half-written model.
    ///
    /// # Errors
    /// The file exists and `overwrite` is false, or writing fails.
    pub fn save(&self, path: &Path, overwrite: bool) -> Result<()> {
        use std::io::Write;
        let body = self.body();
        let mut f = crate::atomic::AtomicFile::create(path, overwrite)?;
        f.write_all(&self.header(&body))
            .and_then(|_| f.write_all(&body))
            .map_err(|e| Error::io(path, e))?;
        f.commit()
    }
}

/// Maps from a [`CountedCorpus`]'s provisional term numbers to a model's
/// vocabularies (the topic model's, and the gate's for a gated model).
pub(crate) struct FoldMaps {
    pub(crate) topic: Vec<u32>,
    pub(crate) gate: Option<Vec<u32>>,
}

impl Gate {
    /// One prediction over every label from the gate's and the topic
    /// model's: P(none) from the gate, P(topic) = (1 − P(none)) ·
    /// P(topic | not none). The article gets the topic model's label when
    /// P(any topic) = 1 − P(none) reaches the threshold (the model's, or the
    /// one `opts` gives), else the none label. Without `enough` Arabic the
    /// gate does not weigh the article: it is the none label with
    /// probability 1, with no explanation. `gate_x` is the gate's feature
    /// vector (for the explanations).
    fn combine(
        &self,
        gate: Prediction,
        topic: Prediction,
        gate_x: &SparseVec,
        enough: bool,
        opts: &PredictOptions,
    ) -> Prediction {
        let gate_topic = LabelId::from_index(1 - self.gate_none.index().min(1));
        let p_none = if enough {
            gate.probabilities
                .get(self.gate_none.index())
                .copied()
                .unwrap_or(0.0)
        } else {
            1.0
        };
        let p_any = 1.0 - p_none;
        let mut probabilities = vec![0.0; self.all.len()];
        for (i, p) in topic.probabilities.iter().enumerate() {
            probabilities[self.topic_to_all[i].index()] = p_any * p;
        }
        probabilities[self.none.index()] = p_none;
        let threshold = opts.gate_threshold.unwrap_or(self.threshold);
        let flagged = enough && p_any >= threshold;
        let n = if enough { opts.explain } else { 0 };
        let (label, explain) = if flagged {
            (self.topic_to_all[topic.label.index()], topic.explain)
        } else {
            let why = if n > 0 {
                self.model
                    .explain(gate_x, self.gate_none.index(), gate_topic.index(), n)
            } else {
                Vec::new()
            };
            (self.none, why)
        };
        let evidence = if n > 0 {
            self.model
                .explain(gate_x, gate_topic.index(), self.gate_none.index(), n)
        } else {
            Vec::new()
        };
        let mut order: Vec<usize> = (0..probabilities.len()).collect();
        order.sort_by(|&a, &b| {
            probabilities[b]
                .total_cmp(&probabilities[a])
                .then(a.cmp(&b))
        });
        let top = order
            .into_iter()
            .take(opts.top_k.max(1))
            .map(|i| (LabelId::from_index(i), probabilities[i]))
            .collect();
        Prediction {
            label,
            probability: probabilities[label.index()],
            probabilities,
            top,
            explain,
            gate: Some(p_any),
            evidence,
        }
    }
}

struct Header<'a> {
    format: u32,
    crc: u32,
    version: &'a [u8],
}

fn read_header(bytes: &[u8]) -> Result<Header<'_>> {
    let n = bytes.len().min(MAGIC.len());
    if bytes[..n] != MAGIC[..n] || bytes.is_empty() {
        return Err(Error::new(ErrorKind::NotAModel));
    }
    let truncated = |expected: usize| {
        Error::new(ErrorKind::Truncated {
            expected: expected as u64,
            found: bytes.len() as u64,
        })
    };
    if bytes.len() < 12 {
        return Err(truncated(FIXED_HEADER));
    }
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(Error::new(ErrorKind::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        }));
    }
    if bytes.len() < FIXED_HEADER {
        return Err(truncated(FIXED_HEADER));
    }
    let mut len8 = [0u8; 8];
    len8.copy_from_slice(&bytes[12..20]);
    let body_len = u64::from_le_bytes(len8);
    let crc = u32::from_le_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    let vlen = bytes[24] as usize;
    // a damaged length field can hold any value: saturate, never wrap
    let expected = ((FIXED_HEADER + vlen) as u64).saturating_add(body_len);
    if (bytes.len() as u64) < expected {
        return Err(Error::new(ErrorKind::Truncated {
            expected,
            found: bytes.len() as u64,
        }));
    }
    if bytes.len() as u64 > expected {
        return Err(corrupt(format!(
            "{} bytes after the end of the body",
            bytes.len() as u64 - expected
        )));
    }
    Ok(Header {
        format: version,
        crc,
        version: &bytes[FIXED_HEADER..FIXED_HEADER + vlen],
    })
}

/// Decodes a whole body: bytes left over mean it is not a body of this
/// format version (the version field is outside the checksum).
fn decode_all<'de, T: Deserialize<'de>>(body: &'de [u8]) -> Result<T> {
    let (value, rest) =
        postcard::take_from_bytes(body).map_err(|e| corrupt(format!("cannot decode body: {e}")))?;
    if !rest.is_empty() {
        return Err(corrupt(format!(
            "{} bytes after the end of the model in its body",
            rest.len()
        )));
    }
    Ok(value)
}

fn corrupt(message: String) -> Error {
    Error::new(ErrorKind::CorruptModel { message })
}

/// What the body holds, borrowed for writing; must match [`ModelBody`] field for field.
#[derive(Serialize)]
struct ModelBodyRef<'a> {
    analyzer: &'a AnalyzerConfig,
    vectorizer: &'a VectorizerParams,
    vocabulary: &'a Vocabulary,
    idf: &'a [f64],
    labels: &'a [String],
    nb: &'a NbValidParams,
    log_prior: &'a [f64],
    weights: &'a [f64],
    scale: f64,
    summary: &'a TrainingSummary,
}

#[derive(Serialize)]
struct GateBodyRef<'a> {
    none_label: &'a str,
    model: Vec<u8>,
    settings: GateSettings,
}

/// A version 2 gate.
#[derive(Deserialize)]
struct GateBodyV2 {
    none_label: String,
    model: Vec<u8>,
}

/// A version 3 gate: version 2's, and its settings.
#[derive(Deserialize)]
struct GateBody {
    none_label: String,
    model: Vec<u8>,
    settings: GateSettings,
}

#[derive(Deserialize)]
struct ModelBody {
    analyzer: AnalyzerConfig,
    vectorizer: VectorizerParams,
    vocabulary: Vocabulary,
    idf: Vec<f64>,
    labels: Vec<String>,
    nb: NbValidParams,
    log_prior: Vec<f64>,
    weights: Vec<f64>,
    scale: f64,
    summary: TrainingSummary,
}

impl ModelBody {
    fn into_classifier(self) -> Result<Classifier> {
        let k = self.labels.len();
        let v = self.vocabulary.len();
        if k < 2 || self.log_prior.len() != k || self.summary.docs_per_label.len() != k {
            return Err(corrupt(format!(
                "{k} labels, {} priors",
                self.log_prior.len()
            )));
        }
        if self.weights.len() != v.saturating_mul(k) || self.idf.len() != v {
            return Err(corrupt(format!(
                "{} weights and {} idf values for {v} terms × {k} labels",
                self.weights.len(),
                self.idf.len()
            )));
        }
        if !self.scale.is_finite() || self.scale <= 0.0 || self.idf.iter().any(|x| !x.is_finite()) {
            return Err(corrupt("a stored number is not finite".into()));
        }
        // Finite is not enough: products of huge idf values and weights
        // overflow to infinities, and the probabilities to NaN (found by
        // the model fuzzer). A trained model is far inside these bounds.
        let in_range = |x: &f64| x.abs() <= MAX_STORED;
        if !(SCALE_RANGE.contains(&self.scale)
            && self.idf.iter().all(in_range)
            && self.weights.iter().all(in_range)
            && self.log_prior.iter().all(in_range))
        {
            return Err(corrupt("a stored number is out of range".into()));
        }
        let sorted = |v: &[String]| v.windows(2).all(|w| w[0] < w[1]);
        if !sorted(&self.labels) {
            return Err(corrupt("labels out of order".into()));
        }
        let weights =
            Array2::from_shape_vec((v, k), self.weights).map_err(|e| corrupt(e.to_string()))?;
        let nb = NaiveBayes::from_parts(self.nb, self.log_prior, weights)
            .map_err(|e| corrupt(e.to_string()))?;
        let vectorizer = Vectorizer::from_parts(
            Analyzer::new(self.analyzer),
            self.vectorizer,
            self.vocabulary,
            self.idf,
        )
        .map_err(|e| corrupt(e.to_string()))?;
        Ok(Classifier {
            vectorizer,
            nb,
            labels: LabelSet::from(self.labels),
            scale: self.scale,
            summary: self.summary,
            refine: RefineParams::default(),
            gate: None,
        })
    }
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

/// Folds of the calibration (at most).
const CALIBRATION_FOLDS: usize = 3;

/// Seed of the calibration folds (fixed: the same data gives the same model).
const CALIBRATION_SEED: u64 = 0x7a5_41f;

/// The temperature scale of a model fitted on `rows`, `y` (whose sums are
/// `total`): scores of each training document by a model fitted without it
/// (stratified K-fold, K = the smallest class size up to 3; each fold's
/// training sums are `total` minus the fold's own), then the scale that makes
/// the softmax of those out-of-fold scores most likely. With a class of one
/// document there is nothing to hold out: the scale is 1. Returns the
/// scale and the out-of-fold scores (`n_classes` per document of `y`;
/// empty when there were no folds). With `refinement` on, each fold's model
/// is refined on that fold's training documents before it scores, so the
/// scale fits the refined scores.
fn calibrate(
    params: &NbValidParams,
    refinement: &RefineParams,
    rows: &FittedRows,
    vp: &VectorizerParams,
    idf: &[f64],
    y: &[LabelId],
    total: &NbCounts,
) -> Result<(f64, Vec<f64>)> {
    let n_classes = total.n_classes();
    let mut per_class = vec![0usize; n_classes];
    for l in y {
        per_class[l.index()] += 1;
    }
    let smallest = per_class.iter().copied().min().unwrap_or(0);
    if smallest < 2 {
        return Ok((1.0, Vec::new()));
    }
    let k = smallest.min(CALIBRATION_FOLDS);
    let fold_of = crate::folds::stratified_folds(y, n_classes, k, CALIBRATION_SEED);
    let mut scores = vec![0.0; y.len() * n_classes];
    let mut sums = NbCounts::new(idf.len(), n_classes)?;
    let mut v = SparseVec::new();
    for f in 0..k {
        for (i, &c) in y.iter().enumerate() {
            if fold_of[i] == f {
                rows.vector(i, vp, idf, &mut v);
                sums.add(&v.indices, &v.values, c, 1.0)?;
            }
        }
        sums.complement_in(total)?;
        let nb = if refinement.is_on() {
            let mut nb = params.fit_counts(&sums)?;
            let train: Vec<usize> = (0..y.len()).filter(|&i| fold_of[i] != f).collect();
            refine(&mut nb, &sums, rows, &train, y, vp, idf, refinement)?;
            nb
        } else {
            params.fit_counts_into(sums)?
        };
        // Each held-out row's scores on its own: in parallel, same result.
        scores
            .par_chunks_mut(n_classes)
            .enumerate()
            .filter(|(i, _)| fold_of[*i] == f)
            .for_each_init(SparseVec::new, |v, (i, out)| {
                rows.vector(i, vp, idf, v);
                nb.joint_log_likelihood(v, out);
            });
        sums = nb.into_counts();
    }
    Ok((fit_temperature(&scores, n_classes, y), scores))
}

/// The threshold on P(topic) that maximizes F1 of flagging the documents
/// with `is_topic`, given their out-of-fold probabilities `p_topic`: the
/// midpoint between the lowest probability flagged and the highest not
/// flagged at the best cut (cuts only between distinct probabilities;
/// the first best cut from the top wins). 1/2 when there is nothing to
/// learn from (no probabilities, or no topic document).
fn best_f1_threshold(p_topic: &[f64], is_topic: &[bool]) -> f64 {
    let positives = is_topic.iter().filter(|&&t| t).count();
    if p_topic.is_empty() || p_topic.len() != is_topic.len() || positives == 0 {
        return 0.5;
    }
    let mut order: Vec<usize> = (0..p_topic.len()).collect();
    order.sort_by(|&a, &b| p_topic[b].total_cmp(&p_topic[a]).then(a.cmp(&b)));
    let (mut best, mut best_f1, mut tp) = (None, -1.0, 0usize);
    for (n, &i) in order.iter().enumerate() {
        tp += usize::from(is_topic[i]);
        let next = order.get(n + 1).map(|&j| p_topic[j]);
        if next == Some(p_topic[i]) {
            continue; // no cut between equal probabilities
        }
        let f1 = 2.0 * tp as f64 / (n + 1 + positives) as f64;
        if f1 > best_f1 {
            best_f1 = f1;
            best = Some((p_topic[i], next));
        }
    }
    let t = match best {
        Some((low, Some(high))) => (low + high) / 2.0,
        Some((low, None)) => low / 2.0,
        None => 0.5,
    };
    t.clamp(1e-9, 1.0)
}

/// Temperature scaling: the factor s > 0 that minimizes the negative
/// log-likelihood of softmax(s · scores) (`scores`: one row of `k` per
/// document). The loss is convex in s (its second derivative is a sum of
/// variances), so Newton's method from s = 1, kept positive, converges in a
/// few steps.
fn fit_temperature(scores: &[f64], k: usize, y: &[LabelId]) -> f64 {
    let mut all = Vec::with_capacity(scores.len());
    for row in scores.chunks_exact(k) {
        let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        all.extend(row.iter().map(|z| z - m));
    }
    // First and second derivative of the loss at s, summed over fixed
    // chunks in parallel and then in chunk order (same result on any pool).
    const PART: usize = 1024;
    let derivatives = |s: f64| -> (f64, f64) {
        let parts: Vec<(f64, f64)> = all
            .par_chunks(PART * k)
            .enumerate()
            .map(|(p, rows)| {
                let (mut g, mut h) = (0.0, 0.0);
                for (j, row) in rows.chunks_exact(k).enumerate() {
                    let (mut z0, mut z1, mut z2) = (0.0, 0.0, 0.0);
                    for z in row {
                        let e = (s * z).exp();
                        z0 += e;
                        z1 += e * z;
                        z2 += e * z * z;
                    }
                    let mean = z1 / z0;
                    g += mean - row[y[p * PART + j].index()];
                    h += (z2 / z0 - mean * mean).max(0.0);
                }
                (g, h)
            })
            .collect();
        parts.iter().fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1))
    };
    let mut s = 1.0f64;
    for _ in 0..50 {
        let (g, h) = derivatives(s);
        if !(g.is_finite() && h.is_finite()) || h <= 0.0 {
            break;
        }
        let mut next = s - g / h;
        if next <= 0.0 {
            next = s / 4.0;
        }
        let done = (next - s).abs() <= 1e-10 * s;
        s = next.clamp(1e-6, 1e6);
        if done {
            break;
        }
    }
    if s.is_finite() && s > 0.0 {
        s
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_threshold_is_the_cut_of_best_f1() {
        // topic documents at 0.9, 0.8 and 0.3; none at 0.6, 0.2, 0.1
        let p = [0.9, 0.6, 0.8, 0.3, 0.2, 0.1];
        let t = [true, false, true, true, false, false];
        // cuts: {0.9} F1 0.5; {0.9, 0.8} 0.8; {+0.6} 0.667; {+0.3} 0.857; ...
        let cut = best_f1_threshold(&p, &t);
        assert!((cut - 0.25).abs() < 1e-12, "{cut}");
        // ties are not split: equal probabilities fall on the same side
        let cut = best_f1_threshold(&[0.7, 0.7, 0.2], &[true, false, false]);
        assert!((cut - 0.45).abs() < 1e-12, "{cut}");
        // flagging everything is best: half the lowest probability
        let cut = best_f1_threshold(&[0.9, 0.4], &[true, true]);
        assert!((cut - 0.2).abs() < 1e-12, "{cut}");
        // nothing to learn from: 1/2
        assert_eq!(best_f1_threshold(&[], &[]), 0.5);
        assert_eq!(best_f1_threshold(&[0.3, 0.2], &[false, false]), 0.5);
    }

    #[test]
    fn a_gate_name_must_not_be_a_record_field() {
        let mut p = TrainParams::new();
        for bad in ["label", "error", "", " ", "a\u{1}b"] {
            p.gate_name = bad.to_string();
            let e = p.check().expect_err(bad).to_string();
            assert!(e.contains("gate_name"), "{e}");
        }
        p.gate_name = "cyber".into();
        assert!(p.check().is_ok());
        p.gate_threshold = Some(1.0);
        assert!(p
            .check()
            .expect_err("1")
            .to_string()
            .contains("gate_threshold"));
        p.gate_threshold = Some(0.25);
        assert!(p.check().is_ok());
    }
}
