//! Searching training settings by cross-validation on training data only.
//!
//! [`search_space`] lists the candidates (documented in the README);
//! [`tune`] scores each by stratified K-fold cross-validation, reusing one
//! analysis of the corpus for every candidate with the same analyzer
//! settings, and ranks them by mean macro-F1 over the folds.

use std::time::Instant;

use serde::Serialize;

use super::{check_folds, cross_validate_counted, stratified_folds};
use crate::corpus::{LabeledData, ReadOptions};
use crate::error::Result;
use crate::features::CountedCorpus;
use crate::model::{Classifier, PredictOptions, PredictScratch, TrainParams};
use crate::nb::{NbKind, NbParams};
use crate::text::{Analyzer, StemmerKind};

/// How many settings to try.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Space {
    /// Stemmer (none, Light10, Snowball) × word n-grams (1; 1–2 with
    /// min_df 2) × naive Bayes (complement with α 0.03, 0.1, 0.3;
    /// multinomial with α 0.01, 0.03, 0.1): 36 settings, all with sublinear
    /// TF-IDF and l2 norm.
    Standard,
    /// No stemming, word unigrams, complement NB with α 0.1 and 1: 2 settings
    /// (a smoke test).
    Quick,
}

/// The candidate settings of `space`, in a fixed order.
pub fn search_space(space: Space) -> Vec<TrainParams> {
    let (stemmers, ngrams, nbs): (Vec<StemmerKind>, Vec<u8>, Vec<(NbKind, f64)>) = match space {
        Space::Standard => (
            vec![
                StemmerKind::None,
                StemmerKind::Light10,
                StemmerKind::Snowball,
            ],
            vec![1, 2],
            vec![
                (NbKind::Complement, 0.03),
                (NbKind::Complement, 0.1),
                (NbKind::Complement, 0.3),
                (NbKind::Multinomial, 0.01),
                (NbKind::Multinomial, 0.03),
                (NbKind::Multinomial, 0.1),
            ],
        ),
        Space::Quick => (
            vec![StemmerKind::None],
            vec![1],
            vec![(NbKind::Complement, 0.1), (NbKind::Complement, 1.0)],
        ),
    };
    let mut out = Vec::new();
    for &stemmer in &stemmers {
        for &n in &ngrams {
            for &(kind, alpha) in &nbs {
                let mut p = TrainParams::new();
                p.analyzer.stemmer = stemmer;
                p.vectorizer.ngram_max = n;
                p.vectorizer.min_df = if n == 2 { 2 } else { 1 };
                p.nb = NbParams::new().kind(kind).alpha(alpha);
                out.push(p);
            }
        }
    }
    out
}

/// The cross-validated figures of one candidate.
#[derive(Debug, Clone, Serialize)]
pub struct Scored {
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
    /// Labeling speed of one fold's model on the first documents, one thread, MB/s.
    pub label_mb_per_s: f64,
    /// Terms in the first fold's vocabulary.
    pub vocabulary: u64,
}

/// Cross-validates every candidate of `space` on `data` (K folds, `seed`)
/// and returns them best first (mean macro-F1, then accuracy, then order).
///
/// # Errors
/// A label with fewer than `k` documents, an unreadable document, or an
/// invalid candidate.
pub fn tune(
    data: &LabeledData,
    space: &[TrainParams],
    k: usize,
    seed: u64,
    read: &ReadOptions,
) -> Result<Vec<Scored>> {
    check_folds(data, k)?;
    let fold_of = stratified_folds(&data.targets, data.labels.len(), k, seed);
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
    order.sort_by_key(|&i| {
        (
            format!("{:?}", space[i].analyzer),
            space[i].vectorizer.ngram_max,
        )
    });
    let mut counted: Option<(String, u8, CountedCorpus)> = None;
    for i in order {
        let p = &space[i];
        p.vectorizer.check()?;
        let key = format!("{:?}", p.analyzer);
        let reuse =
            matches!(&counted, Some((k2, n, _)) if *k2 == key && *n == p.vectorizer.ngram_max);
        if !reuse {
            drop(counted.take()); // free the previous counts first
            let analyzer = Analyzer::new(p.analyzer.clone());
            let c = CountedCorpus::build(&analyzer, p.vectorizer.ngram_max, data.len(), |j| {
                data.items[j].text(read)
            })?;
            counted = Some((key, p.vectorizer.ngram_max, c));
        }
        let Some((_, _, c)) = &counted else { continue };
        let start = Instant::now();
        let ev = cross_validate_counted(data, c, p, &fold_of, k)?;
        let cv_seconds = start.elapsed().as_secs_f64();
        let (mean, std) = super::mean_std(ev.folds.iter().map(|f| f.macro_f1));
        let (accuracy_mean, _) = super::mean_std(ev.folds.iter().map(|f| f.accuracy));
        // One fold's model for the labeling speed and vocabulary size.
        let train: Vec<usize> = (0..data.len()).filter(|&j| fold_of[j] != 0).collect();
        let model = Classifier::train(c, &data.targets, &data.labels, &train, p)?;
        let opts = PredictOptions {
            top_k: 3,
            explain: 0,
        };
        let mut scratch = PredictScratch::default();
        let t = Instant::now();
        for text in &sample {
            std::hint::black_box(model.predict(text, &mut scratch, &opts));
        }
        let label_s = t.elapsed().as_secs_f64().max(1e-9);
        scored.push((
            i,
            Scored {
                params: p.clone(),
                macro_f1_mean: mean,
                macro_f1_std: std,
                accuracy_mean,
                train_seconds: cv_seconds / k as f64,
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
