//! The classifier a user trains, saves, loads and labels with: analyzer
//! settings + fitted vectorizer + naive Bayes + label names, in one versioned file.
//!
//! # File format (version 1)
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

use std::path::Path;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::corpus::{LabeledData, ReadOptions};
use crate::error::{Error, ErrorKind, Result};
use crate::features::{
    CountedCorpus, FeatureScratch, FittedRows, FittedVocabulary, SparseVec, TermId, Vectorizer,
    VectorizerParams, Vocabulary,
};
use crate::labels::{LabelId, LabelSet};
use crate::nb::{argmax, softmax_into, NaiveBayes, NbCounts, NbParams, NbValidParams};
use crate::text::{Analyzer, AnalyzerConfig};
use linfa::ParamGuard;
use rayon::prelude::*;

/// Magic bytes at the start of every model file.
pub const MAGIC: [u8; 8] = *b"\x89TSNF\r\n\x1a";
/// The model format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 1;
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
    /// Keep only this many terms, those with the largest χ² statistic
    /// between term weight and label (see
    /// [`CountedCorpus::select_chi2`]), after the vectorizer's own pruning.
    /// Default: keep all.
    pub chi2_features: Option<usize>,
    /// Fewest documents a label may have. Default 2.
    pub min_docs_per_label: usize,
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
        let p: TrainParams = serde_json::from_str(&text)
            .map_err(|e| Error::record(path, e.line() as u64, e.to_string()))?;
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
        self.nb.clone().check()
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
        format!(
            "stemmer={} fold_teh_marbuta={} ngrams=1..{} min_df={} max_df={} max_features={} chi2_features={} weighting={} sublinear_tf={} l2_norm={} {nb}",
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
            chi2_features: Some(20_000),
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
}

impl Default for PredictOptions {
    fn default() -> Self {
        PredictOptions {
            top_k: 3,
            explain: 0,
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
    /// The `top_k` most probable labels, most probable first.
    pub top: Vec<(LabelId, f64)>,
    /// The terms that added most to the chosen label's score over the
    /// runner-up's, with that contribution (in probability log-odds units).
    pub explain: Vec<(String, f64)>,
}

/// Reusable buffers for [`Classifier::predict`]; one per worker thread.
#[derive(Default)]
pub struct PredictScratch {
    features: FeatureScratch,
    vector: SparseVec,
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
}

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
    ) -> Result<(Classifier, Vec<u32>)> {
        let nb_params = params.check()?;
        if counted.analyzer_config() != &params.analyzer
            || counted.ngram_max() < params.vectorizer.ngram_max
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
        let model = Classifier::fit_rows(&rows, &y, labels, params, &nb_params, fitted, summary)?;
        Ok((model, map))
    }

    /// Fits naive Bayes and the probability scale on weighted rows.
    fn fit_rows(
        rows: &FittedRows,
        y: &[LabelId],
        labels: &LabelSet,
        params: &TrainParams,
        nb_params: &NbValidParams,
        fitted: FittedVocabulary,
        summary: TrainingSummary,
    ) -> Result<Classifier> {
        let vp = &params.vectorizer;
        let mut counts = NbCounts::new(fitted.vocab.len(), labels.len())?;
        let mut v = SparseVec::new();
        for (i, &c) in y.iter().enumerate() {
            rows.vector(i, vp, &fitted.idf, &mut v);
            counts.add(&v.indices, &v.values, c, 1.0)?;
        }
        let trace = Trace::start();
        let scale = calibrate(nb_params, rows, vp, &fitted.idf, y, &counts)?;
        trace.mark("probabilities calibrated (from NB sums)");
        let nb = nb_params.fit_counts_into(counts)?;
        trace.mark("naive Bayes fitted");
        let vectorizer = Vectorizer::from_parts(
            Analyzer::new(params.analyzer.clone()),
            vp.clone(),
            fitted.vocab,
            fitted.idf,
        )?;
        Ok(Classifier {
            vectorizer,
            nb,
            labels: labels.clone(),
            scale,
            summary,
        })
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

    /// What the model was trained on.
    pub fn summary(&self) -> &TrainingSummary {
        &self.summary
    }

    /// Labels one article. Depends on `text` alone (never on other articles).
    pub fn predict(
        &self,
        text: &str,
        scratch: &mut PredictScratch,
        opts: &PredictOptions,
    ) -> Prediction {
        self.vectorizer
            .transform(text, &mut scratch.features, &mut scratch.vector);
        self.predict_vector(&scratch.vector, &mut scratch.scores, opts)
    }

    /// Labels a feature vector made by this model's vectorizer.
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
            .map(|&i| (LabelId(i as u32), probabilities[i]))
            .collect();
        let explain = if opts.explain > 0 && k > 1 {
            self.explain(x, best, order[1], opts.explain)
        } else {
            Vec::new()
        };
        Prediction {
            label: LabelId(best as u32),
            probability: probabilities[best],
            probabilities,
            top,
            explain,
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
            summary: &self.summary,
        };
        // Serializing plain data into a Vec cannot fail.
        postcard::to_stdvec(&body).unwrap_or_default()
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
        let body: ModelBody =
            postcard::from_bytes(body).map_err(|e| corrupt(format!("cannot decode body: {e}")))?;
        body.into_classifier()
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

struct Header<'a> {
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
    if version != FORMAT_VERSION {
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
        crc,
        version: &bytes[FIXED_HEADER..FIXED_HEADER + vlen],
    })
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
        })
    }
}

/// Documents per label of `y`; checks there are two labels or more and
/// that each has at least `min` documents.
fn check_labels(y: &[LabelId], labels: &LabelSet, min: usize) -> Result<Vec<u64>> {
    let mut per_label = vec![0u64; labels.len()];
    for l in y {
        per_label[l.index()] += 1;
    }
    let present: Vec<usize> = (0..labels.len()).filter(|&l| per_label[l] > 0).collect();
    if present.len() < 2 {
        let label = present
            .first()
            .map_or("", |&l| labels.name(LabelId(l as u32)))
            .to_string();
        return Err(Error::new(ErrorKind::SingleLabel { label }));
    }
    let min = min.max(1);
    if let Some(l) = (0..labels.len()).find(|&l| (per_label[l] as usize) < min) {
        return Err(Error::new(ErrorKind::TooFewDocuments {
            label: labels.name(LabelId(l as u32)).to_string(),
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
/// document there is nothing to hold out: the scale is 1.
fn calibrate(
    params: &NbValidParams,
    rows: &FittedRows,
    vp: &VectorizerParams,
    idf: &[f64],
    y: &[LabelId],
    total: &NbCounts,
) -> Result<f64> {
    let n_classes = total.n_classes();
    let mut per_class = vec![0usize; n_classes];
    for l in y {
        per_class[l.index()] += 1;
    }
    let smallest = per_class.iter().copied().min().unwrap_or(0);
    if smallest < 2 {
        return Ok(1.0);
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
        let nb = params.fit_counts_into(sums)?;
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
    Ok(fit_temperature(&scores, n_classes, y))
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
