//! Searching training settings by cross-validation on training data only.
//!
//! [`search_space`] lists the candidates (documented in docs/guide.md, "Tuning");
//! [`tune`] scores each by stratified K-fold cross-validation, reusing one
//! analysis of the corpus for every candidate with the same analyzer
//! settings, and ranks them by mean macro-F1 over the folds.

use std::time::Instant;

use serde::Serialize;

use super::{cross_validate_counted_timed, Folds};
use crate::corpus::{LabeledData, ReadOptions};
use crate::error::Result;
use crate::features::Weighting;
use crate::model::{PredictOptions, PredictScratch};
use crate::nb::{NbKind, NbParams, Priors, RefineParams};
use crate::progress::{Progress, Silent};
use crate::text::StemmerKind;
use crate::train::{TrainParams, TrainingSet};

/// Which settings to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Space {
    /// Term frequency (1 + ln tf, or raw) × stemmer (none, Light10,
    /// Snowball) × terms (word unigrams, all or the 20,000 of largest χ²;
    /// unigrams and bigrams with min_df 2, all or the 50,000 of largest χ²)
    /// × naive Bayes (complement with α 0.1 or 0.3; complement with weight
    /// normalization, α 0.1; multinomial with α 0.01 or 0.03): 120 settings,
    /// all with idf and l2 norm.
    Standard,
    /// Each option of the option table of docs/accuracy.md changed alone from the
    /// defaults of `tasnif train` (28 settings, the first being the defaults):
    /// the measured effect of every option.
    Options,
    /// No stemming, word unigrams, complement NB with α 0.1 and 1: 2 settings
    /// (a smoke test).
    Quick,
    /// The perceptron's refinement of the default settings: none, then
    /// passes (2, 3, 5) × margin (2, 5, 10) × class balance (0, 0.25, 0.5),
    /// every other setting as in `tasnif train`: 28 settings.
    Refine,
}

/// One setting to try, with a short name for tables.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// A short name: the settings that differ from the defaults.
    pub name: String,
    /// The settings.
    pub params: TrainParams,
}

/// The candidate settings of `space`, in a fixed order.
pub fn search_space(space: Space) -> Vec<Candidate> {
    match space {
        Space::Standard => grid(
            &[true, false],
            &[
                StemmerKind::None,
                StemmerKind::Light10,
                StemmerKind::Snowball,
            ],
            &[(1, None), (1, Some(20_000)), (2, None), (2, Some(50_000))],
            &[
                (NbKind::Complement, 0.1, false),
                (NbKind::Complement, 0.3, false),
                (NbKind::Complement, 0.1, true),
                (NbKind::Multinomial, 0.01, false),
                (NbKind::Multinomial, 0.03, false),
            ],
        ),
        Space::Quick => grid(
            &[TrainParams::new().vectorizer.sublinear_tf],
            &[StemmerKind::None],
            &[(1, None)],
            &[
                (NbKind::Complement, 0.1, false),
                (NbKind::Complement, 1.0, false),
            ],
        ),
        Space::Options => option_space(),
        Space::Refine => refine_space(),
    }
}

/// No refinement, then the perceptron's passes × margin × class balance
/// on the defaults.
fn refine_space() -> Vec<Candidate> {
    let mut out = vec![Candidate {
        name: "no refinement".to_string(),
        params: TrainParams {
            refine: RefineParams::default(),
            ..TrainParams::new()
        },
    }];
    for epochs in [2, 3, 5] {
        for margin in [2.0, 5.0, 10.0] {
            for balance in [0.0, 0.25, 0.5] {
                let mut p = TrainParams::new();
                p.refine = RefineParams {
                    epochs,
                    margin,
                    balance,
                    ..RefineParams::perceptron()
                };
                out.push(Candidate {
                    name: format!("refine: {epochs} passes, margin {margin}, balance {balance}"),
                    params: p,
                });
            }
        }
    }
    out
}

/// sublinear tf × stemmers × (n-gram length, χ² terms) × (NB kind, α,
/// weight normalization); every other setting as in [`TrainParams::new`].
fn grid(
    sublinear: &[bool],
    stemmers: &[StemmerKind],
    terms: &[(u8, Option<usize>)],
    nbs: &[(NbKind, f64, bool)],
) -> Vec<Candidate> {
    let mut out = Vec::new();
    for &sub in sublinear {
        for &stemmer in stemmers {
            for &(n, chi2) in terms {
                for &(kind, alpha, wn) in nbs {
                    let mut p = TrainParams::new();
                    p.vectorizer.sublinear_tf = sub;
                    p.analyzer.stemmer = stemmer;
                    p.vectorizer.ngram_max = n;
                    p.vectorizer.min_df = if n == 2 { 2 } else { 1 };
                    p.chi2_features = chi2;
                    p.nb = NbParams::new().kind(kind).alpha(alpha).weight_norm(wn);
                    if wn {
                        // the perceptron does not refine normalized weights
                        p.refine = RefineParams::default();
                    }
                    let mut name = format!(
                        "{}, {stemmer}, {}",
                        if sub { "1 + ln tf" } else { "raw tf" },
                        if n == 2 { "1–2-grams" } else { "unigrams" }
                    );
                    if let Some(k) = chi2 {
                        name.push_str(&format!(", χ² {k}"));
                    }
                    name.push_str(&format!(", {kind} α {alpha}"));
                    if wn {
                        name.push_str(", weight norm");
                    }
                    out.push(Candidate { name, params: p });
                }
            }
        }
    }
    out
}

/// The defaults, then each option changed alone.
fn option_space() -> Vec<Candidate> {
    type Edit = fn(&mut TrainParams);
    let edits: [(&str, Edit); 28] = [
        ("defaults", |_| {}),
        ("1 + ln tf", |p| p.vectorizer.sublinear_tf = true),
        ("no idf", |p| p.vectorizer.weighting = Weighting::Counts),
        ("no length normalization", |p| p.vectorizer.l2_norm = false),
        ("no idf, no length normalization", |p| {
            p.vectorizer.weighting = Weighting::Counts;
            p.vectorizer.l2_norm = false;
        }),
        ("α 0.003", |p| p.nb = p.nb.clone().alpha(0.003)),
        ("α 0.01", |p| p.nb = p.nb.clone().alpha(0.01)),
        ("α 0.1", |p| p.nb = p.nb.clone().alpha(0.1)),
        ("uniform priors", |p| {
            p.nb = p.nb.clone().priors(Priors::Uniform)
        }),
        ("complement α 0.1", |p| {
            p.nb = p.nb.clone().kind(NbKind::Complement).alpha(0.1);
        }),
        ("complement α 0.3", |p| {
            p.nb = p.nb.clone().kind(NbKind::Complement).alpha(0.3);
        }),
        (
            "complement α 0.1, weight normalization (no refinement)",
            |p| {
                p.nb =
                    p.nb.clone()
                        .kind(NbKind::Complement)
                        .alpha(0.1)
                        .weight_norm(true);
                p.refine = RefineParams::default();
            },
        ),
        ("Light10 stemmer", |p| {
            p.analyzer.stemmer = StemmerKind::Light10
        }),
        ("Snowball stemmer", |p| {
            p.analyzer.stemmer = StemmerKind::Snowball
        }),
        ("keep ة (no ة → ه)", |p| {
            p.analyzer.normalize.fold_teh_marbuta = false
        }),
        ("keep stopwords", |p| p.analyzer.remove_stopwords = false),
        ("min_df 2", |p| p.vectorizer.min_df = 2),
        ("min_df 5", |p| p.vectorizer.min_df = 5),
        ("all terms (no χ² selection)", |p| p.chi2_features = None),
        ("max_features 20000 instead of χ²", |p| {
            p.chi2_features = None;
            p.vectorizer.max_features = Some(20_000);
        }),
        ("χ² 50000", |p| p.chi2_features = Some(50_000)),
        ("1–2-grams, min_df 2, all terms", |p| {
            p.vectorizer.ngram_max = 2;
            p.vectorizer.min_df = 2;
            p.chi2_features = None;
        }),
        ("1–2-grams, min_df 2, χ² 50000", |p| {
            p.vectorizer.ngram_max = 2;
            p.vectorizer.min_df = 2;
            p.chi2_features = Some(50_000);
        }),
        ("1–2-grams, min_df 2, max_features 50000", |p| {
            p.vectorizer.ngram_max = 2;
            p.vectorizer.min_df = 2;
            p.chi2_features = None;
            p.vectorizer.max_features = Some(50_000);
        }),
        ("no refinement", |p| p.refine = RefineParams::default()),
        ("refinement margin 2", |p| p.refine.margin = 2.0),
        ("refinement without class balance", |p| {
            p.refine.balance = 0.0
        }),
        ("refinement 5 passes", |p| p.refine.epochs = 5),
    ];
    edits
        .iter()
        .map(|(name, edit)| {
            let mut p = TrainParams::new();
            edit(&mut p);
            Candidate {
                name: (*name).to_string(),
                params: p,
            }
        })
        .collect()
}

/// The cross-validated figures of one candidate.
#[derive(Debug, Clone, Serialize)]
pub struct Scored {
    /// The candidate's position in the search space.
    pub index: usize,
    /// The candidate's short name.
    pub name: String,
    /// The settings.
    pub params: TrainParams,
    /// Mean macro-F1 over the folds.
    pub macro_f1_mean: f64,
    /// Standard deviation of macro-F1 over the folds.
    pub macro_f1_std: f64,
    /// Mean accuracy over the folds.
    pub accuracy_mean: f64,
    /// Wall seconds of one fold's training, mean over folds (folds run in parallel).
    pub train_seconds: f64,
    /// Labeling speed of one fold's model on the first 300 documents, one thread, MB/s (median of 5 passes).
    pub label_mb_per_s: f64,
    /// Terms in the first fold's vocabulary.
    pub vocabulary: u64,
}

/// Cross-validates every candidate of `space` on `data` (the same `folds`
/// for every candidate: stratified, or holding out whole groups) and
/// returns them best first (mean macro-F1, then accuracy, then order).
///
/// # Errors
/// Folds that cannot be dealt (see [`Folds::assign`]), an unreadable
/// document, or an invalid candidate.
pub fn tune(
    data: &LabeledData,
    space: &[Candidate],
    folds: &Folds<'_>,
    read: &ReadOptions,
) -> Result<Vec<Scored>> {
    tune_with(data, space, folds, read, &Silent)
}

/// [`tune`], telling `progress` of each fold of each candidate done (one
/// stage of `space.len()` × K steps). The ranking is the same.
///
/// # Errors
/// As [`tune`].
pub fn tune_with(
    data: &LabeledData,
    space: &[Candidate],
    folds: &Folds<'_>,
    read: &ReadOptions,
    progress: &dyn Progress,
) -> Result<Vec<Scored>> {
    let fold_of = folds.assign(data)?;
    let k = folds.k();
    progress.start("folds of the settings", (space.len() * k) as u64);
    // A sample of texts for the labeling speed, the same for every candidate.
    let sample: Vec<String> = data
        .items
        .iter()
        .take(300)
        .filter_map(|i| i.text(read).ok().map(|t| t.into_owned()))
        .collect();
    let sample_bytes: usize = sample.iter().map(String::len).sum();
    let mut scored = Vec::with_capacity(space.len());
    // Candidates with the same analysis share one count of the corpus.
    let mut order: Vec<usize> = (0..space.len()).collect();
    order.sort_by_cached_key(|&i| {
        (
            format!("{:?}", space[i].params.analyzer),
            space[i].params.vectorizer.ngram_max,
        )
    });
    let mut counted: Option<TrainingSet> = None;
    for i in order {
        let p = &space[i].params;
        p.check()?;
        let reuse = matches!(&counted, Some(s) if s.counted().analyzer_config() == &p.analyzer
            && s.counted().ngram_max() == p.vectorizer.ngram_max);
        if !reuse {
            drop(counted.take()); // free the previous counts first
            counted = Some(TrainingSet::build(data, p, read)?);
        }
        let Some(set) = &counted else { continue };
        let (ev, fold) = cross_validate_counted_timed(data, set, p, &fold_of, k, progress)?;
        let (mean, std) = super::mean_std(ev.folds.iter().map(|f| f.macro_f1));
        let (accuracy_mean, _) = super::mean_std(ev.folds.iter().map(|f| f.accuracy));
        // Fold 0's model for the labeling speed and vocabulary size.
        let model = fold.model;
        let opts = PredictOptions {
            top_k: 3,
            explain: 0,
            gate_threshold: None,
        };
        let mut scratch = PredictScratch::default();
        // Median of five passes over the sample (the machine may be busy).
        let mut passes: Vec<f64> = (0..5)
            .map(|_| {
                let t = Instant::now();
                for text in &sample {
                    std::hint::black_box(model.predict(text, &mut scratch, &opts));
                }
                t.elapsed().as_secs_f64()
            })
            .collect();
        passes.sort_by(f64::total_cmp);
        let label_s = passes[2].max(1e-9);
        scored.push((
            i,
            Scored {
                index: i,
                name: space[i].name.clone(),
                params: p.clone(),
                macro_f1_mean: mean,
                macro_f1_std: std,
                accuracy_mean,
                train_seconds: fold.train_seconds,
                label_mb_per_s: sample_bytes as f64 / 1e6 / label_s,
                vocabulary: model.summary().vocabulary_size,
            },
        ));
    }
    scored.sort_by(|(ia, a), (ib, b)| {
        b.macro_f1_mean
            .total_cmp(&a.macro_f1_mean)
            .then(b.accuracy_mean.total_cmp(&a.accuracy_mean))
            .then(ia.cmp(ib))
    });
    Ok(scored.into_iter().map(|(_, s)| s).collect())
}
