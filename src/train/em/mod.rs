//! Semi-supervised training: expectation-maximization with naive Bayes over
//! labeled and unlabeled documents, after Nigam, McCallum, Thrun and
//! Mitchell, "Text Classification from Labeled and Unlabeled Documents
//! using EM", *Machine Learning* 39(2/3), 2000.
//!
//! Labeled articles are scarce and costly; unlabeled ones are plentiful.
//! EM treats the topic of an unlabeled article as a hidden variable:
//!
//! 1. fit naive Bayes on the labeled documents alone (θ₀);
//! 2. **E-step**: for each unlabeled document u, the posterior P(c | u; θ)
//!    of every label c under the current model (softmax of its naive Bayes
//!    scores);
//! 3. **M-step**: refit naive Bayes on the labeled documents (weight 1) and
//!    every unlabeled document counted once per label with weight
//!    λ · P(c | u) — the per-label sums of feature values become
//!    N_ct = Σ_{labeled i of c} x_it + λ Σ_u P(c | u) x_ut, the document
//!    counts behind the priors D_c = n_c + λ Σ_u P(c | u), and
//!    θ_ct = (N_ct + α) / (N_c + α V) as in supervised training;
//! 4. repeat 2–3 for a fixed number of iterations, or until no posterior
//!    moves by more than a tolerance.
//!
//! λ ≤ 1 (Nigam et al.'s EM-λ) keeps many unlabeled documents from
//! swamping the few labeled ones. For multinomial naive Bayes each round
//! cannot lower the objective
//!
//! ```text
//! L(θ) = α Σ_{c,t} log θ_ct + Σ_{labeled i} log P(y_i) P(x_i | y_i)
//!        + λ Σ_u log Σ_c P(c) P(x_u | c)
//! ```
//!
//! (the log posterior of the model under the Dirichlet prior that α
//! smoothing stands for); it is reported at every iteration. (Complement naive Bayes
//! is not a generative model: EM runs the same steps with its scores, but
//! there is no likelihood to report.)
//!
//! Everything is deterministic: the E-step scores documents in parallel,
//! each on its own, and every sum runs in document order.

use std::borrow::Cow;
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use crate::corpus::{Item, LabeledData};
use crate::error::{Error, Result};
use crate::features::{CountedCorpus, CsrMatrix, SparseVec, VocabMap};
use crate::labels::{LabelId, LabelSet};
use crate::model::{Classifier, TrainingSummary};
use crate::nb::NbCounts;
use crate::text::Analyzer;
use run::Run;

mod run;
use crate::train::{check_labels, from_sums, TrainParams};

/// Which documents the vocabulary and idf are fitted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum EmVocabulary {
    /// The labeled documents only, as in supervised training: unlabeled
    /// documents count only through the terms the labeled ones have. The
    /// default: on the cyber-topic labels it scored as well as or better
    /// than `All` in most measured settings (see docs/guide.md, "Semi-supervised training").
    #[default]
    Labeled,
    /// Labeled and unlabeled documents together (unsupervised use of the
    /// unlabeled texts): terms only unlabeled documents have enter the
    /// model, and idf is estimated on more documents. χ² selection still
    /// scores the labeled documents only, so when the union has more terms
    /// than `chi2_features` keeps, terms no labeled document has (χ² = 0)
    /// fill the remaining places in term order.
    All,
}

impl std::fmt::Display for EmVocabulary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            EmVocabulary::Labeled => "labeled",
            EmVocabulary::All => "all",
        })
    }
}

/// Settings of semi-supervised training. In a configuration file, missing
/// fields take the defaults of [`EmParams::new`]; unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct EmParams {
    /// Most EM rounds (E-step then M-step) after the labeled-only model.
    /// Default 10; 0 gives the labeled-only model (with the vocabulary of
    /// [`EmParams::vocabulary`]).
    pub iterations: usize,
    /// λ, the weight of an unlabeled document relative to a labeled one in
    /// the M-step. Default 0.01 (the best of 0.01–1 on the cyber-topic
    /// labels; see docs/guide.md); in (0, 1]. What matters is λ times the
    /// number of unlabeled documents against the number of labeled ones.
    pub unlabeled_weight: f64,
    /// Stop early when no unlabeled document's posterior of any label
    /// changed by more than this in the last round. Default 0.001; ≥ 0
    /// (0 always runs [`EmParams::iterations`] rounds).
    pub tolerance: f64,
    /// Which documents the vocabulary and idf are fitted on. Default:
    /// the labeled ones.
    pub vocabulary: EmVocabulary,
}

impl Default for EmParams {
    fn default() -> Self {
        EmParams::new()
    }
}

impl EmParams {
    /// The defaults: 10 iterations, λ = 0.01, tolerance 0.001, vocabulary
    /// and idf fitted on the labeled documents.
    pub fn new() -> EmParams {
        EmParams {
            iterations: 10,
            unlabeled_weight: 0.01,
            tolerance: 1e-3,
            vocabulary: EmVocabulary::Labeled,
        }
    }

    /// Checks every setting's range.
    ///
    /// # Errors
    /// An [`ErrorKind::InvalidParam`](crate::ErrorKind::InvalidParam) naming the setting.
    pub fn check(&self) -> Result<()> {
        let w = self.unlabeled_weight;
        if !(w.is_finite() && w > 0.0 && w <= 1.0) {
            return Err(Error::param(
                "unlabeled-weight",
                format!("{w} (expected a number in (0, 1])"),
            ));
        }
        let t = self.tolerance;
        if !(t.is_finite() && t >= 0.0) {
            return Err(Error::param(
                "em-tolerance",
                format!("{t} (expected a finite number ≥ 0)"),
            ));
        }
        Ok(())
    }
}

/// One EM round, as reported to the progress callback.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EmStep {
    /// The round, from 1; 0 for the labeled-only model the rounds start from.
    pub iteration: usize,
    /// Unlabeled documents in use.
    pub unlabeled: usize,
    /// The objective L(θ) of the model after this round (see the module
    /// documentation); for the labeled-only model, see
    /// [`EmTrace::initial_log_likelihood`]. `None` for complement NB.
    pub log_likelihood: Option<f64>,
    /// Unlabeled documents whose most probable label differs from the one
    /// the previous model gave them.
    pub changed: usize,
    /// The largest change of a posterior P(c | u) from the previous model.
    pub max_change: f64,
}

/// What an EM run did.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct EmTrace {
    /// Unlabeled documents used (those with at least one vocabulary term).
    pub unlabeled_used: usize,
    /// The objective of the labeled-only model (`None` for complement NB
    /// or when there was nothing to iterate on).
    pub initial_log_likelihood: Option<f64>,
    /// One entry per round run.
    pub steps: Vec<EmStep>,
    /// True when the run stopped because the posteriors moved less than
    /// the tolerance.
    pub converged: bool,
}

/// What became of the unlabeled documents given.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct UnlabeledReport {
    /// Documents given.
    pub given: usize,
    /// Left out because their text is exactly that of a labeled document
    /// (an article both labeled and in the unlabeled folder).
    pub duplicates: usize,
    /// Left out because they could not be read: (id, error message).
    pub unreadable: Vec<(String, String)>,
    /// Left for training (before dropping those with no vocabulary term).
    pub kept: usize,
}

/// Labeled and unlabeled documents counted in one analysis pass.
#[derive(Debug)]
pub struct PooledCorpus {
    /// Term counts: the labeled documents first, in data order, then the
    /// unlabeled ones in the order given.
    pub counted: CountedCorpus,
    /// Number of labeled documents (positions `0..labeled`).
    pub labeled: usize,
    /// Positions of the unlabeled documents kept.
    pub unlabeled: Vec<usize>,
    /// What became of the unlabeled documents.
    pub report: UnlabeledReport,
}

/// A 64-bit hash of a text, to recognize copies of labeled documents.
fn text_hash(text: &str) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    text.hash(&mut h);
    h.finish()
}

/// Reads and counts the labeled documents of `data` and the documents
/// `unlabeled` in one parallel pass with the analyzer of `params`.
/// Unlabeled documents that cannot be read, and those whose text equals a
/// labeled document's, are left out and listed in the report.
///
/// # Errors
/// A labeled document cannot be read (the error names it).
pub fn count_pooled(
    data: &LabeledData,
    unlabeled: &[Item],
    params: &TrainParams,
    read: &crate::corpus::ReadOptions,
) -> Result<PooledCorpus> {
    params.vectorizer.check()?;
    let n_l = data.len();
    let n = n_l + unlabeled.len();
    let hashes: Vec<AtomicU64> = (0..n).map(|_| AtomicU64::new(0)).collect();
    let failed: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::new());
    let analyzer = Analyzer::new(params.analyzer.clone());
    let counted = CountedCorpus::build(&analyzer, params.vectorizer.ngram_max, n, |i| {
        let text = if i < n_l {
            data.items[i].text(read)?
        } else {
            match unlabeled[i - n_l].text(read) {
                Ok(t) => t,
                Err(e) => {
                    let mut f = failed.lock().unwrap_or_else(|e| e.into_inner());
                    f.push((i - n_l, e.to_string()));
                    return Ok(Cow::Borrowed(""));
                }
            }
        };
        hashes[i].store(text_hash(&text), Ordering::Relaxed);
        Ok(text)
    })?;
    let mut failed = failed.into_inner().unwrap_or_else(|e| e.into_inner());
    failed.sort_unstable();
    let labeled_hashes: std::collections::HashSet<u64> = hashes[..n_l]
        .iter()
        .map(|h| h.load(Ordering::Relaxed))
        .collect();
    let mut is_failed = vec![false; unlabeled.len()];
    for (j, _) in &failed {
        is_failed[*j] = true;
    }
    let mut kept = Vec::new();
    let mut duplicates = 0;
    for j in 0..unlabeled.len() {
        if is_failed[j] {
            continue;
        }
        if labeled_hashes.contains(&hashes[n_l + j].load(Ordering::Relaxed)) {
            duplicates += 1;
        } else {
            kept.push(n_l + j);
        }
    }
    let report = UnlabeledReport {
        given: unlabeled.len(),
        duplicates,
        unreadable: failed
            .into_iter()
            .map(|(j, m)| (unlabeled[j].id.clone(), m))
            .collect(),
        kept: kept.len(),
    };
    Ok(PooledCorpus {
        counted,
        labeled: n_l,
        unlabeled: kept,
        report,
    })
}

/// Trains a classifier on every document of `data` and the documents
/// `unlabeled` with EM (see the module documentation), reading each
/// document once. `progress` is called with the labeled-only model
/// (iteration 0), then after each EM round.
///
/// Without usable unlabeled documents (none given, all unreadable or
/// copies of labeled ones) the result is the model [`crate::train::train`]
/// gives, byte for byte, whatever the EM settings.
///
/// # Errors
/// Invalid parameters, a labeled document that cannot be read, or see
/// [`crate::train::train`]. Unreadable unlabeled documents are not errors:
/// they are listed in the [`UnlabeledReport`].
///
/// ```no_run
/// use std::path::Path;
/// use tasnif::train::em::{train_semi_supervised, EmParams};
/// use tasnif::train::TrainParams;
/// let data = tasnif::corpus::load_labeled(Path::new("labels.csv"), None, Default::default())?;
/// let unlabeled = tasnif::corpus::load_unlabeled(Path::new("archive/"), None)?;
/// let (model, report, trace) = train_semi_supervised(
///     &data, &unlabeled, &TrainParams::new(), &EmParams::new(),
///     &tasnif::corpus::ReadOptions::default(), |step| eprintln!("{step:?}"),
/// )?;
/// println!("{} unlabeled used, {} rounds", trace.unlabeled_used, trace.steps.len());
/// # Ok::<(), tasnif::Error>(())
/// ```
pub fn train_semi_supervised<F: FnMut(&EmStep)>(
    data: &LabeledData,
    unlabeled: &[Item],
    params: &TrainParams,
    em: &EmParams,
    read: &crate::corpus::ReadOptions,
    progress: F,
) -> Result<(Classifier, UnlabeledReport, EmTrace)> {
    check_inputs(data, params, em)?;
    let pooled = count_pooled(data, unlabeled, params, read)?;
    let (model, trace) = train_pooled(&pooled, data, params, em, progress)?;
    Ok((model, pooled.report, trace))
}

/// The training half of [`train_semi_supervised`], on documents counted
/// by [`count_pooled`] (with the same `data` and analyzer settings), so a
/// caller can look at the [`UnlabeledReport`] before EM runs.
///
/// # Errors
/// See [`train_semi_supervised`].
pub fn train_pooled<F: FnMut(&EmStep)>(
    pooled: &PooledCorpus,
    data: &LabeledData,
    params: &TrainParams,
    em: &EmParams,
    progress: F,
) -> Result<(Classifier, EmTrace)> {
    if pooled.labeled != data.len() {
        return Err(Error::param(
            "unlabeled",
            "the pooled counts were made from other labeled data",
        ));
    }
    let train: Vec<usize> = (0..pooled.labeled).collect();
    let (model, _, trace) = train_counted(
        &pooled.counted,
        &data.labels,
        &train,
        &data.targets,
        &pooled.unlabeled,
        params,
        em,
        progress,
    )?;
    Ok((model, trace))
}

/// Trains with EM on documents already counted: the labeled documents
/// `train` of `counted` with labels `y` (one per entry of `train`) and the
/// unlabeled documents `unlabeled`. Also returns the map from `counted`'s
/// provisional term numbers to the model's vocabulary (to vectorize other
/// documents of `counted`, as cross-validation does).
///
/// # Errors
/// Invalid parameters, too few labels or documents per label, or counts
/// made with other analyzer settings.
#[allow(clippy::too_many_arguments)]
pub(crate) fn train_counted<F: FnMut(&EmStep)>(
    counted: &CountedCorpus,
    labels: &LabelSet,
    train: &[usize],
    y: &[LabelId],
    unlabeled: &[usize],
    params: &TrainParams,
    em: &EmParams,
    mut progress: F,
) -> Result<(Classifier, VocabMap, EmTrace)> {
    let params = &params.check()?;
    em.check()?;
    check_no_gate(params)?;
    if counted.analyzer_config() != &params.analyzer
        || counted.ngram_max() != params.vectorizer.ngram_max
    {
        return Err(Error::param(
            "analyzer",
            "the documents were analyzed with other settings",
        ));
    }
    if y.len() != train.len() {
        return Err(Error::param(
            "targets",
            format!("{} labels for {} documents", y.len(), train.len()),
        ));
    }
    let per_label = check_labels(y, labels, params.min_docs_per_label)?;
    let vp = &params.vectorizer;
    let vocab_docs: Cow<'_, [usize]> = match em.vocabulary {
        EmVocabulary::Labeled => Cow::Borrowed(train),
        EmVocabulary::All => Cow::Owned(train.iter().chain(unlabeled).copied().collect()),
    };
    let mut fitted = counted.fit_vocabulary_split(
        vp,
        &vocab_docs,
        train,
        y,
        labels.len(),
        params.chi2_features,
    );
    let rows = counted.rows(&fitted, train);
    let n_terms = fitted.vocab.len();
    let mut v = SparseVec::new();
    let mut x_u = CsrMatrix::new(n_terms);
    for &d in unlabeled {
        counted.vector(&fitted, vp, d, &mut v);
        if v.nnz() > 0 {
            x_u.push_row(&v);
        }
    }
    let mut labeled = NbCounts::new(n_terms, labels.len())?;
    for (i, &c) in y.iter().enumerate() {
        rows.vector(i, vp, &fitted.idf, &mut v);
        labeled.add(&v.indices, &v.values, c, 1.0)?;
    }
    let mut trace = EmTrace {
        unlabeled_used: x_u.nrows(),
        ..EmTrace::default()
    };
    let sums = if x_u.nrows() > 0 && em.iterations > 0 {
        let run = Run {
            nb_params: params.nb(),
            rows: &rows,
            y,
            vp,
            idf: &fitted.idf,
            x_u: &x_u,
            lambda: em.unlabeled_weight,
        };
        run.iterate(labeled, em, &mut trace, &mut progress)?
    } else {
        labeled
    };
    let map = fitted.take_map();
    let summary = TrainingSummary {
        docs_per_label: per_label,
        vocabulary_size: n_terms as u64,
        // distinct terms of the documents the vocabulary was fitted on
        terms_seen: counted.n_terms_in(&vocab_docs) as u64,
    };
    let (stage, _) = from_sums(&rows, y, labels, params, fitted, summary, sums)?;
    Ok((stage.into(), map, trace))
}

/// Checks everything about a semi-supervised run that does not need the
/// unlabeled documents: the settings, the EM settings (including no none
/// label) and the labeled data. Call it before reading an unlabeled archive.
///
/// # Errors
/// The first problem found, as training would report it.
pub fn check_inputs(data: &LabeledData, params: &TrainParams, em: &EmParams) -> Result<()> {
    params.check()?;
    em.check()?;
    check_no_gate(params)?;
    check_labels(&data.targets, &data.labels, params.min_docs_per_label)?;
    Ok(())
}

/// Refuses settings with a "none of the topics" label: EM trains one naive
/// Bayes over the labels, not the two-stage model such a label asks for.
pub(crate) fn check_no_gate(params: &TrainParams) -> Result<()> {
    match &params.none_label {
        Some(none) => Err(Error::param(
            "none_label",
            format!(
                "'{none}': semi-supervised training (EM) does not support a none label yet; train without unlabeled articles"
            ),
        )),
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests;
