//! From text to sparse feature vectors: word n-grams over the analyzer's
//! terms, a vocabulary fitted on training documents, and TF-IDF weighting
//! frozen in the model.
//!
//! Training and labeling go through the same two functions,
//! [`for_each_feature_term`] (which terms a text has) and [`Weighting::apply`]
//! via [`VectorizerParams::weigh`] (how counts become values), so an article
//! gets the same vector alone, in a batch, at training time or at labeling time.

mod counts;
mod rows;
mod sparse;
mod vocab;

pub use counts::{CountedCorpus, FittedVocabulary};
pub use rows::{FittedRows, RowVectors, WeightedRows};
pub use sparse::{CsrMatrix, SparseVec};
pub(crate) use vocab::VocabMap;
pub use vocab::{TermId, Vocabulary};

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::error::{Error, Result};
use crate::text::{Analyzer, AnalyzerScratch};

/// How term counts become feature values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Weighting {
    /// Term frequency × smooth inverse document frequency,
    /// idf(t) = ln((1 + n) / (1 + df(t))) + 1 (scikit-learn's `smooth_idf`).
    #[default]
    #[cfg_attr(feature = "cli", value(name = "tfidf", help = "TF-IDF (smooth idf)"))]
    TfIdf,
    /// Raw term counts (optionally sublinear and normalized).
    #[cfg_attr(feature = "cli", value(help = "Raw counts"))]
    Counts,
}

impl fmt::Display for Weighting {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Weighting::TfIdf => "tfidf",
            Weighting::Counts => "counts",
        })
    }
}

impl FromStr for Weighting {
    type Err = Error;
    fn from_str(s: &str) -> Result<Weighting> {
        match s {
            "tfidf" => Ok(Weighting::TfIdf),
            "counts" => Ok(Weighting::Counts),
            _ => Err(Error::param(
                "weighting",
                format!("'{s}' (expected tfidf or counts)"),
            )),
        }
    }
}

/// Settings of the vectorizer, fixed at training and stored in the model.
/// In a configuration file, missing fields take their defaults.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct VectorizerParams {
    /// Longest word n-gram: 1 (words) or 2 (words and word pairs). Default 1.
    pub ngram_max: u8,
    /// Keep terms found in at least this many training documents. Default 1; at least 1.
    pub min_df: u32,
    /// Drop terms found in more than this fraction of training documents. Default 1.0; in (0, 1].
    pub max_df: f64,
    /// Keep only the this many most frequent terms (all when `None`). Default `None`.
    pub max_features: Option<usize>,
    /// TF-IDF or raw counts. Default TF-IDF.
    pub weighting: Weighting,
    /// Replace a count c by 1 + ln(c). Default true.
    pub sublinear_tf: bool,
    /// Scale each vector to unit Euclidean length. Default true.
    pub l2_norm: bool,
}

impl Default for VectorizerParams {
    fn default() -> Self {
        VectorizerParams {
            ngram_max: 1,
            min_df: 1,
            max_df: 1.0,
            max_features: None,
            weighting: Weighting::TfIdf,
            sublinear_tf: true,
            l2_norm: true,
        }
    }
}

impl VectorizerParams {
    /// Checks every field's range.
    ///
    /// # Errors
    /// An [`ErrorKind::InvalidParam`](crate::error::ErrorKind::InvalidParam) naming the field.
    pub fn check(&self) -> Result<()> {
        if !(1..=2).contains(&self.ngram_max) {
            return Err(Error::param(
                "ngrams",
                format!("{} (expected 1 or 2)", self.ngram_max),
            ));
        }
        if self.min_df < 1 {
            return Err(Error::param("min-df", "must be at least 1"));
        }
        if !(self.max_df > 0.0 && self.max_df <= 1.0) {
            return Err(Error::param(
                "max-df",
                format!("{} (expected a fraction in (0, 1])", self.max_df),
            ));
        }
        if self.max_features == Some(0) {
            return Err(Error::param("max-features", "must be at least 1"));
        }
        Ok(())
    }

    /// Turns counts in `v.values` into feature values: optional sublinear tf,
    /// idf (for TF-IDF), optional l2 normalization.
    pub fn weigh(&self, v: &mut SparseVec, idf: &[f64]) {
        for (t, x) in v.indices.iter().zip(v.values.iter_mut()) {
            let tf = if self.sublinear_tf { sublinear(*x) } else { *x };
            *x = match self.weighting {
                Weighting::TfIdf => tf * idf[t.index()],
                Weighting::Counts => tf,
            };
        }
        if self.l2_norm {
            let n = v.l2_norm();
            if n > 0.0 {
                v.values.iter_mut().for_each(|x| *x /= n);
            }
        }
    }
}

/// 1 + ln(c) for the small counts that make up most of every document,
/// computed once (the same values `ln` gives).
static SUBLINEAR: std::sync::LazyLock<[f64; 64]> = std::sync::LazyLock::new(|| {
    let mut t = [0.0; 64];
    for (c, v) in t.iter_mut().enumerate().skip(1) {
        *v = 1.0 + (c as f64).ln();
    }
    t
});

/// 1 + ln(x) for a term count x ≥ 1 (from a table for small whole counts).
#[inline]
fn sublinear(x: f64) -> f64 {
    if (1.0..64.0).contains(&x) && x.fract() == 0.0 {
        SUBLINEAR[x as usize]
    } else {
        1.0 + x.ln()
    }
}

/// Smooth inverse document frequency: ln((1 + n) / (1 + df)) + 1.
pub fn smooth_idf(n_docs: usize, df: u32) -> f64 {
    ((1.0 + n_docs as f64) / (1.0 + df as f64)).ln() + 1.0
}

/// Reusable buffers for [`for_each_feature_term`] and [`Vectorizer::transform`].
#[derive(Default)]
pub struct FeatureScratch {
    analyzer: AnalyzerScratch,
    prev: String,
    pair: String,
    ids: Vec<TermId>,
    other_ids: Vec<TermId>,
    script: ScriptCounts,
}

impl FeatureScratch {
    /// The [`ScriptCounts`] of the text last analyzed by
    /// [`Vectorizer::transform_with`] with this scratch (a gated model
    /// needs them; [`Vectorizer::transform`] does not count).
    pub fn script(&self) -> ScriptCounts {
        self.script
    }
}

/// How much of a text's analysis is Arabic: its word terms (word pairs
/// are not counted), and those of them written in Arabic letters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ScriptCounts {
    /// Word terms, one per occurrence.
    pub terms: usize,
    /// Of those, the terms that start with an Arabic letter.
    pub arabic: usize,
}

impl ScriptCounts {
    /// Counts one feature term (a word pair, holding a space, is skipped).
    #[inline]
    pub fn add(&mut self, term: &str, count: usize) {
        if term.as_bytes().contains(&b' ') {
            return;
        }
        self.add_word(term, count);
    }

    /// Counts one word term (never a word pair).
    #[inline]
    fn add_word(&mut self, term: &str, count: usize) {
        let b = term.as_bytes();
        self.terms += count;
        // U+0600–U+06FF (the Arabic block) start with a byte D8–DB in UTF-8;
        // normalization has folded presentation forms into it.
        if matches!(b.first(), Some(0xD8..=0xDB)) {
            self.arabic += count;
        }
    }

    /// True when at least `min` terms are Arabic and they are at least half
    /// of all the terms: enough Arabic for an Arabic model to weigh.
    pub fn enough_arabic(&self, min: usize) -> bool {
        self.arabic >= min && 2 * self.arabic >= self.terms
    }
}

/// Calls `f` with every feature term of `text` in order: each analyzed term,
/// and when `ngram_max` is 2, each pair of consecutive terms joined by a space
/// (pairs are formed after stopword removal and stemming).
pub fn for_each_feature_term<F: FnMut(&str)>(
    analyzer: &Analyzer,
    ngram_max: u8,
    text: &str,
    scratch: &mut FeatureScratch,
    mut f: F,
) {
    let FeatureScratch {
        analyzer: a,
        prev,
        pair,
        ..
    } = scratch;
    prev.clear();
    analyzer.for_each_term(text, a, |term| {
        f(term);
        if ngram_max >= 2 {
            if !prev.is_empty() {
                pair.clear();
                pair.push_str(prev);
                pair.push(' ');
                pair.push_str(term);
                f(pair);
            }
            prev.clear();
            prev.push_str(term);
        }
    });
}

/// The fitted vectorizer: analyzer, vocabulary and idf, frozen at training.
#[derive(Debug)]
pub struct Vectorizer {
    analyzer: Analyzer,
    params: VectorizerParams,
    vocab: Vocabulary,
    idf: Vec<f64>,
    /// Whether a stopword can never be a term of the vocabulary (word
    /// unigrams, no stemming, no stopword in the vocabulary): labeling
    /// then skips the stopword probe, since the vocabulary's own misses
    /// drop stopwords just as well.
    stopwords_miss: bool,
}

impl Vectorizer {
    /// Assembles a vectorizer from its fitted parts.
    ///
    /// # Errors
    /// When `idf` and the vocabulary differ in length or the params are invalid.
    pub fn from_parts(
        analyzer: Analyzer,
        params: VectorizerParams,
        vocab: Vocabulary,
        idf: Vec<f64>,
    ) -> Result<Vectorizer> {
        params.check()?;
        if idf.len() != vocab.len() {
            return Err(Error::param(
                "idf",
                format!("{} values for {} terms", idf.len(), vocab.len()),
            ));
        }
        let config = analyzer.config();
        let stopwords_miss = params.ngram_max == 1
            && config.remove_stopwords
            && config.stemmer == crate::text::StemmerKind::None
            && !analyzer.stopwords().iter().any(|w| vocab.get(w).is_some());
        Ok(Vectorizer {
            analyzer,
            params,
            vocab,
            idf,
            stopwords_miss,
        })
    }

    /// The analyzer.
    pub fn analyzer(&self) -> &Analyzer {
        &self.analyzer
    }

    /// The vectorizer settings.
    pub fn params(&self) -> &VectorizerParams {
        &self.params
    }

    /// The frozen vocabulary.
    pub fn vocabulary(&self) -> &Vocabulary {
        &self.vocab
    }

    /// The frozen idf, one value per term.
    pub fn idf(&self) -> &[f64] {
        &self.idf
    }

    /// Writes the feature vector of `text` into `out`. Terms not in the
    /// vocabulary are ignored. The result depends on `text` alone.
    pub fn transform(&self, text: &str, scratch: &mut FeatureScratch, out: &mut SparseVec) {
        let mut ids = std::mem::take(&mut scratch.ids);
        ids.clear();
        let add = |t: &str| {
            if let Some(id) = self.vocab.get(t) {
                ids.push(id);
            }
        };
        if self.stopwords_miss {
            // one probe per token: a stopword misses the vocabulary
            self.analyzer
                .for_each_term_and_stopword(text, &mut scratch.analyzer, add);
        } else {
            for_each_feature_term(&self.analyzer, self.params.ngram_max, text, scratch, add);
        }
        self.finish(&mut ids, out);
        scratch.ids = ids;
    }

    /// As [`Vectorizer::transform`] with `self` into `out` and with `other`
    /// into `other_out`, analyzing `text` once when both vectorizers analyze
    /// alike (same analyzer settings and n-grams), as the two parts of a
    /// gated model do.
    pub fn transform_with(
        &self,
        other: &Vectorizer,
        text: &str,
        scratch: &mut FeatureScratch,
        out: &mut SparseVec,
        other_out: &mut SparseVec,
    ) {
        if self.analyzer.config() != other.analyzer.config()
            || self.params.ngram_max != other.params.ngram_max
        {
            self.transform(text, scratch, out);
            other.transform(text, scratch, other_out);
            let mut script = ScriptCounts::default();
            for_each_feature_term(&self.analyzer, self.params.ngram_max, text, scratch, |t| {
                script.add(t, 1)
            });
            scratch.script = script;
            return;
        }
        let mut ids = std::mem::take(&mut scratch.ids);
        let mut other_ids = std::mem::take(&mut scratch.other_ids);
        ids.clear();
        other_ids.clear();
        let mut script = ScriptCounts::default();
        let pairs = self.params.ngram_max > 1;
        for_each_feature_term(&self.analyzer, self.params.ngram_max, text, scratch, |t| {
            if pairs {
                script.add(t, 1);
            } else {
                script.add_word(t, 1);
            }
            if let Some(id) = self.vocab.get(t) {
                ids.push(id);
            }
            if let Some(id) = other.vocab.get(t) {
                other_ids.push(id);
            }
        });
        self.finish(&mut ids, out);
        other.finish(&mut other_ids, other_out);
        scratch.ids = ids;
        scratch.other_ids = other_ids;
        scratch.script = script;
    }

    /// The weighted vector of the vocabulary ids `ids` (one per occurrence).
    fn finish(&self, ids: &mut [TermId], out: &mut SparseVec) {
        out.clear();
        ids.sort_unstable();
        let mut i = 0;
        while i < ids.len() {
            let mut j = i + 1;
            while j < ids.len() && ids[j] == ids[i] {
                j += 1;
            }
            out.indices.push(ids[i]);
            out.values.push((j - i) as f64);
            i = j;
        }
        self.params.weigh(out, &self.idf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn script_counts_word_terms_and_their_arabic_share() {
        let mut s = ScriptCounts::default();
        for t in ["اختراق", "hackers", "بيانات", "2018", "اختراق بيانات"] {
            s.add(t, 1);
        }
        // the pair is not counted; 2 of the 4 words are Arabic
        assert_eq!((s.terms, s.arabic), (4, 2));
        assert!(s.enough_arabic(2) && !s.enough_arabic(3));
        s.add("news", 1);
        assert!(!s.enough_arabic(2), "Arabic is less than half the terms");
        assert!(ScriptCounts::default().enough_arabic(0));
        assert!(!ScriptCounts::default().enough_arabic(1));
        // the counts see analyzed terms, in which normalization has folded
        // presentation forms into U+0600–U+06FF; a term counts as often as
        // it occurs
        let mut c = ScriptCounts::default();
        c.add("ﻻ", 3);
        assert_eq!(
            (c.terms, c.arabic),
            (3, 0),
            "ﻻ (U+FEFB) is not in U+0600–U+06FF"
        );
    }

    #[test]
    fn skipping_the_stopword_probe_gives_the_same_vectors() {
        use crate::text::{AnalyzerConfig, StemmerKind};
        let text = "في يوم من الأيام هاجم القراصنة شبكة البنك، وقال الخبراء إن الهجوم كان على الشبكة من قبل";
        let config = AnalyzerConfig {
            stemmer: StemmerKind::None,
            ..AnalyzerConfig::default()
        };
        let a = Analyzer::new(config.clone());
        let terms = a.terms(text);
        assert!(a.stopwords().contains("في"), "the text holds stopwords");
        let vocab = Vocabulary::from_terms(terms.clone());
        let idf = vec![1.5; vocab.len()];
        let v = Vectorizer::from_parts(a, VectorizerParams::default(), vocab, idf.clone())
            .expect("vectorizer");
        assert!(
            v.stopwords_miss,
            "unigrams, no stemming, no stopword in the vocabulary"
        );
        // the same vocabulary, with the stopword check as before
        let mut slow = Vectorizer::from_parts(
            Analyzer::new(config.clone()),
            VectorizerParams::default(),
            Vocabulary::from_terms(terms.clone()),
            idf,
        )
        .expect("vectorizer");
        slow.stopwords_miss = false;
        let mut scratch = FeatureScratch::default();
        let (mut fast_v, mut slow_v) = (SparseVec::new(), SparseVec::new());
        for t in [text, "", "في من على", "hackers في 2018 الهجوم"] {
            v.transform(t, &mut scratch, &mut fast_v);
            slow.transform(t, &mut scratch, &mut slow_v);
            assert_eq!(fast_v, slow_v, "{t}");
        }
        // a stopword in the vocabulary (or stemming, or pairs) keeps the probe
        let mut with_stop = terms;
        with_stop.push("في".to_string());
        let vocab = Vocabulary::from_terms(with_stop);
        let n = vocab.len();
        let w = Vectorizer::from_parts(
            Analyzer::new(config),
            VectorizerParams::default(),
            vocab,
            vec![1.0; n],
        )
        .expect("vectorizer");
        assert!(!w.stopwords_miss);
    }
}
