//! Arabic text analysis: from raw article text to the terms that get counted.
//!
//! One small type or function per step, each in its own file with its own
//! tests, chained in one place, [`Analyzer::for_each_term`]:
//!
//! ```text
//! text ─► normalize ─► tokens ─► drop stopwords ─► stem ─► drop short terms ─► terms
//!         normalize.rs  tokenize.rs  stopwords.rs    stem.rs
//! ```
//!
//! * [`normalize`](normalize()) folds spelling variants (NFKC where needed,
//!   tashkeel and tatweel removed, hamza seats and alef maksura folded,
//!   optionally ة → ه, digits to ASCII, invisible marks to spaces, lowercase).
//! * [`tokens`] cuts the normalized text into runs of letters and digits.
//! * [`Stopwords`] holds the built-in function-word list, normalized the same way.
//! * [`Stemmer`] applies Light10 (default), Snowball Arabic, or nothing.
//!
//! This module depends on nothing else in the crate; models store its
//! [`AnalyzerConfig`] so that labeling analyzes text exactly as training did.

mod fused;
mod normalize;
mod stem;
mod stopwords;
pub(crate) mod strtab;
mod tokenize;

pub use normalize::{normalize, normalize_into, NormalizeOptions};
pub use stem::{light10, ParseStemmerError, Stemmer, StemmerKind};
pub use stopwords::{Stopwords, BUILTIN_STOPWORDS};
pub use tokenize::{tokens, Tokens};

use serde::{Deserialize, Serialize};

/// How an [`Analyzer`] turns text into terms.
///
/// Part of every trained model: the same configuration must be used to
/// analyze the text being labeled. Fields missing from a serialized
/// configuration take their default.
///
/// ```
/// # use tasnif::text::{AnalyzerConfig, StemmerKind};
/// let config = AnalyzerConfig { stemmer: StemmerKind::Snowball, ..AnalyzerConfig::default() };
/// assert!(config.remove_stopwords);
/// assert_eq!(config.min_token_chars, 2);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalyzerConfig {
    /// Stemming algorithm. Default: [`StemmerKind::Light10`].
    pub stemmer: StemmerKind,
    /// Orthographic normalization options. Default: fold ة → ه.
    pub normalize: NormalizeOptions,
    /// Drop tokens found in the built-in stopword list (checked on the
    /// normalized token, before stemming). Default: `true`.
    pub remove_stopwords: bool,
    /// Drop terms shorter than this many characters after stemming.
    /// Default: 2 (drops one-letter leftovers such as و or single digits);
    /// any value is valid, 0 and 1 keep everything.
    pub min_token_chars: usize,
}

impl Default for AnalyzerConfig {
    fn default() -> Self {
        AnalyzerConfig {
            stemmer: StemmerKind::Light10,
            normalize: NormalizeOptions::default(),
            remove_stopwords: true,
            min_token_chars: 2,
        }
    }
}

/// Turns Arabic text into terms: normalize, tokenize, drop stopwords, stem,
/// drop short terms.
///
/// Built once from an [`AnalyzerConfig`] (this builds the stopword set) and
/// then shared: it is `Send + Sync` and analyzes through `&self`, with the
/// per-call buffers kept in an [`AnalyzerScratch`] owned by each worker.
///
/// Tokens made only of digits are kept as terms (years, counts and scores
/// carry some topic signal, e.g. in sports and economy news); one-digit
/// numbers fall under the default `min_token_chars` of 2.
///
/// ```
/// # use tasnif::text::{Analyzer, AnalyzerConfig};
/// let analyzer = Analyzer::new(AnalyzerConfig::default());
/// let terms = analyzer.terms("تسعى إلى الاستثمار في المغرب سنة ٢٠٢١");
/// assert_eq!(terms, ["تسع", "استثمار", "مغرب", "سن", "2021"]);
/// ```
#[derive(Debug, Clone)]
pub struct Analyzer {
    config: AnalyzerConfig,
    stopwords: Stopwords,
    stemmer: Stemmer,
    fast: fused::FastTable,
}

/// Reusable buffers for [`Analyzer::for_each_term`].
///
/// Keep one per thread (e.g. rayon's `map_init`) and pass it to every call:
/// after the first few documents the buffers stop growing and analysis no
/// longer allocates (except on the rare chunks that need NFKC, and per term
/// for the Snowball stemmer's internal state).
#[derive(Debug, Default)]
pub struct AnalyzerScratch {
    fused: fused::FusedScratch,
    stem: String,
}

impl Analyzer {
    /// Builds an analyzer for `config`, normalizing the built-in stopword
    /// list with `config.normalize`.
    pub fn new(config: AnalyzerConfig) -> Analyzer {
        let stopwords = Stopwords::builtin(config.normalize);
        let stemmer = Stemmer::new(config.stemmer);
        let fast = fused::FastTable::new(config.normalize);
        Analyzer {
            config,
            stopwords,
            stemmer,
            fast,
        }
    }

    /// The configuration this analyzer was built from (to store in a model).
    pub fn config(&self) -> &AnalyzerConfig {
        &self.config
    }

    /// The stopword set in use (normalized with this analyzer's options).
    pub fn stopwords(&self) -> &Stopwords {
        &self.stopwords
    }

    /// Calls `f` with each term of `text`, in order.
    ///
    /// This is the one place the steps are chained: normalize the whole text
    /// into `scratch`, then for each token: skip it if it is a stopword
    /// (when enabled), stem it, skip it if the stem is shorter than
    /// `min_token_chars` characters, else pass it to `f`. The `&str` given to
    /// `f` is only valid during the call. No allocation per token in steady
    /// state for Light10 and None. Never panics on any input.
    pub fn for_each_term<F: FnMut(&str)>(&self, text: &str, scratch: &mut AnalyzerScratch, f: F) {
        self.terms_into(text, scratch, self.config.remove_stopwords, f);
    }

    /// As [`Analyzer::for_each_term`], but stopwords are passed on like any
    /// other token (stemmed and length-checked). For a caller that drops
    /// them anyway: a lookup in a vocabulary that holds no stopword, which
    /// then costs one probe per token instead of two.
    pub fn for_each_term_and_stopword<F: FnMut(&str)>(
        &self,
        text: &str,
        scratch: &mut AnalyzerScratch,
        f: F,
    ) {
        self.terms_into(text, scratch, false, f);
    }

    fn terms_into<F: FnMut(&str)>(
        &self,
        text: &str,
        scratch: &mut AnalyzerScratch,
        drop_stopwords: bool,
        mut f: F,
    ) {
        let AnalyzerScratch { fused, stem, .. } = scratch;
        let min_chars = self.config.min_token_chars;
        // Same tokens as `tokens(&normalize(text))`, in one pass (see fused.rs).
        fused::for_each_token(text, &self.fast, self.config.normalize, fused, |token| {
            if drop_stopwords && self.stopwords.contains(token) {
                return;
            }
            let term = self.stemmer.stem(token, stem);
            if shorter_than(term, min_chars) {
                return;
            }
            f(term);
        });
    }

    /// The terms of `text` as owned strings.
    ///
    /// Convenience for tests and tools; allocates a scratch and one `String`
    /// per term, so hot paths should use [`for_each_term`](Self::for_each_term).
    pub fn terms(&self, text: &str) -> Vec<String> {
        let mut scratch = AnalyzerScratch::default();
        let mut out = Vec::new();
        self.for_each_term(text, &mut scratch, |t| out.push(t.to_string()));
        out
    }
}

/// Whether `s` has fewer than `min` chars, counting only when the byte length
/// leaves a doubt (a char is 1 to 4 bytes).
#[inline]
fn shorter_than(s: &str, min: usize) -> bool {
    if s.len() < min {
        return true;
    }
    if s.len() >= min.saturating_mul(4) {
        return false;
    }
    s.chars().count() < min
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    /// The title of seed article 000.
    const SEED_TITLE: &str = "شركة روسية مختصة في “الأمن السيبراني” تسعى إلى الاستثمار في المغرب";

    fn analyzer(stemmer: StemmerKind, remove_stopwords: bool, min_token_chars: usize) -> Analyzer {
        Analyzer::new(AnalyzerConfig {
            stemmer,
            normalize: NormalizeOptions::default(),
            remove_stopwords,
            min_token_chars,
        })
    }

    /// The seed articles: `seeds/*.txt` at the crate root.
    fn seed_articles() -> Vec<(String, String)> {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let mut out = Vec::new();
        let entries = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()));
        for entry in entries.flatten() {
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) == Some("txt") {
                let text = std::fs::read_to_string(&path)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
                out.push((path.display().to_string(), text));
            }
        }
        out.sort();
        assert_eq!(
            out.len(),
            5,
            "expected the five seed articles in {}",
            dir.display()
        );
        out
    }

    #[test]
    fn seed_sentence_gives_expected_terms() {
        let cases: &[(&str, Analyzer, &[&str])] = &[
            (
                "default (light10, stopwords, min 2)",
                Analyzer::new(AnalyzerConfig::default()),
                &[
                    "شرك",
                    "روس",
                    "مختص",
                    "امن",
                    "سيبران",
                    "تسع",
                    "استثمار",
                    "مغرب",
                ],
            ),
            (
                "stopwords kept",
                analyzer(StemmerKind::Light10, false, 2),
                &[
                    "شرك",
                    "روس",
                    "مختص",
                    "في",
                    "امن",
                    "سيبران",
                    "تسع",
                    "ال",
                    "استثمار",
                    "في",
                    "مغرب",
                ],
            ),
            (
                "min 4 chars",
                analyzer(StemmerKind::Light10, true, 4),
                &["مختص", "سيبران", "استثمار", "مغرب"],
            ),
            (
                "no stemming",
                analyzer(StemmerKind::None, true, 2),
                &[
                    "شركه",
                    "روسيه",
                    "مختصه",
                    "الامن",
                    "السيبراني",
                    "تسعي",
                    "الاستثمار",
                    "المغرب",
                ],
            ),
        ];
        for (name, analyzer, expected) in cases {
            assert_eq!(&analyzer.terms(SEED_TITLE), expected, "case {name}");
        }
    }

    #[test]
    fn stopwords_are_removed_before_stemming() {
        let a = Analyzer::new(AnalyzerConfig::default());
        let cases: &[(&str, &str, &[&str])] = &[
            ("particles only", "في من إلى على عن أن إن", &[]),
            ("proclitic forms", "وفي والتي وأن فإن بأن ولا وهو وهي", &[]),
            ("news verbs", "وقال وأضاف قالت", &[]),
            (
                "content survives",
                "قال الرئيس إن الحكومة",
                &["رئيس", "حكوم"],
            ),
            ("digits kept", "في عام ٢٠٢١ و 3", &["عام", "2021"]),
            (
                "latin kept lowercased",
                "شركة Kaspersky",
                &["شرك", "kaspersky"],
            ),
            ("empty", "", &[]),
            ("marks only", "\u{200F}\u{00A0}\u{FEFF}", &[]),
        ];
        for (name, input, expected) in cases {
            assert_eq!(&a.terms(input), expected, "case {name}");
        }
    }

    #[test]
    fn seed_articles_analyze_to_plausible_term_counts() {
        for kind in StemmerKind::ALL {
            let a = analyzer(kind, true, 2);
            let mut scratch = AnalyzerScratch::default();
            for (path, text) in seed_articles() {
                let words = text.split_whitespace().count();
                let mut n = 0usize;
                a.for_each_term(&text, &mut scratch, |t| {
                    assert!(!t.is_empty());
                    n += 1;
                });
                // Stopwords and one-letter tokens remove roughly a quarter to
                // a half of the words; punctuation splits add a few.
                assert!(
                    n * 10 >= words * 4 && n <= words + words / 5,
                    "{kind}: {path}: {n} terms for {words} words"
                );
            }
        }
    }

    #[test]
    fn for_each_term_and_terms_agree() {
        for kind in StemmerKind::ALL {
            let a = analyzer(kind, true, 2);
            let mut scratch = AnalyzerScratch::default();
            for (path, text) in seed_articles() {
                let mut streamed = Vec::new();
                a.for_each_term(&text, &mut scratch, |t| streamed.push(t.to_string()));
                assert_eq!(streamed, a.terms(&text), "{kind}: {path}");
            }
        }
    }

    #[test]
    fn no_panic_on_random_strings() {
        use normalize::tests::{random_tricky_string, XorShift};
        let analyzers: Vec<Analyzer> = StemmerKind::ALL
            .into_iter()
            .map(|k| analyzer(k, true, 1))
            .collect();
        let mut scratch = AnalyzerScratch::default();
        let mut rng = XorShift(0xBEEF);
        for _ in 0..5_000 {
            let s = random_tricky_string(&mut rng);
            for a in &analyzers {
                a.for_each_term(&s, &mut scratch, |t| assert!(!t.is_empty()));
            }
        }
    }

    #[test]
    fn config_defaults_and_serde_shape() {
        let c = AnalyzerConfig::default();
        assert_eq!(c.stemmer, StemmerKind::Light10);
        assert!(c.normalize.fold_teh_marbuta);
        assert!(c.remove_stopwords);
        assert_eq!(c.min_token_chars, 2);
        let a = Analyzer::new(c.clone());
        assert_eq!(a.config(), &c);
        assert!(a.stopwords().len() >= 150);
    }

    #[test]
    fn shorter_than_counts_chars() {
        let cases = [
            ("empty vs 1", "", 1, true),
            ("empty vs 0", "", 0, false),
            ("one arabic letter", "و", 2, true),
            ("two arabic letters", "في", 2, false),
            ("two ascii", "ab", 2, false),
            ("one 4-byte char", "\u{1F600}", 2, true),
            ("long", "استثمار", 2, false),
        ];
        for (name, s, min, expected) in cases {
            assert_eq!(shorter_than(s, min), expected, "case {name}");
        }
    }

    #[test]
    fn analyzer_is_send_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Analyzer>();
        assert_send_sync::<AnalyzerScratch>();
    }

    /// Throughput of the default analyzer on one core, printed (not asserted).
    ///
    /// Run in release: `cargo test --release -- --ignored --nocapture throughput`.
    /// With `TASNIF_CORPUS_DIR` set to a directory of `<label>/<id>.txt`
    /// files, also analyzes that corpus with every stemmer.
    #[test]
    #[ignore]
    fn throughput() {
        use std::time::Instant;
        let seeds: String = seed_articles()
            .into_iter()
            .map(|(_, t)| t)
            .collect::<Vec<_>>()
            .join("\n");
        let reps = (64 << 20) / seeds.len().max(1);
        let bytes = (seeds.len() * reps) as f64;
        let a = Analyzer::new(AnalyzerConfig::default());
        let mut scratch = AnalyzerScratch::default();
        let mut sink = 0usize;

        let mut buf = String::new();
        let t = Instant::now();
        for _ in 0..reps {
            normalize_into(&seeds, NormalizeOptions::default(), &mut buf);
            sink += buf.len();
        }
        let norm = bytes / t.elapsed().as_secs_f64() / 1e6;

        let normalized = normalize(&seeds, NormalizeOptions::default());
        let t = Instant::now();
        for _ in 0..reps {
            sink += tokens(&normalized).count();
        }
        let tok = bytes / t.elapsed().as_secs_f64() / 1e6;

        let toks: Vec<&str> = tokens(&normalized).collect();
        let t = Instant::now();
        for _ in 0..reps {
            for tok in &toks {
                sink += light10(std::hint::black_box(tok)).len();
            }
        }
        let ns = t.elapsed().as_secs_f64() * 1e9 / (toks.len() * reps) as f64;
        println!("light10 alone: {ns:.1} ns per token");

        for kind in StemmerKind::ALL {
            let a = analyzer(kind, true, 2);
            let t = Instant::now();
            let mut terms = 0usize;
            for _ in 0..reps {
                a.for_each_term(&seeds, &mut scratch, |_| terms += 1);
            }
            let full = bytes / t.elapsed().as_secs_f64() / 1e6;
            println!(
                "analyzer ({kind}): {full:.1} MB/s, {} terms per pass",
                terms / reps
            );
        }
        a.for_each_term(&seeds, &mut scratch, |t| sink += t.len());
        println!(
            "normalize: {norm:.1} MB/s, tokenize: {tok:.1} MB/s over {:.1} MB (sink {sink})",
            bytes / 1e6
        );

        let Ok(dir) = std::env::var("TASNIF_CORPUS_DIR") else {
            return;
        };
        let mut docs = Vec::new();
        for label in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            if !label.path().is_dir() || label.file_name() == "split" {
                continue;
            }
            for f in std::fs::read_dir(label.path())
                .into_iter()
                .flatten()
                .flatten()
            {
                if let Ok(text) = std::fs::read_to_string(f.path()) {
                    docs.push(text);
                }
            }
        }
        let total: usize = docs.iter().map(|d| d.len()).sum();
        for kind in StemmerKind::ALL {
            let a = analyzer(kind, true, 2);
            let mut terms = 0usize;
            let mut vocab = std::collections::HashSet::new();
            let t = Instant::now();
            for d in &docs {
                a.for_each_term(d, &mut scratch, |_| terms += 1);
            }
            let mbs = total as f64 / t.elapsed().as_secs_f64() / 1e6;
            for d in &docs {
                a.for_each_term(d, &mut scratch, |t| {
                    if !vocab.contains(t) {
                        vocab.insert(t.to_string());
                    }
                });
            }
            println!(
                "corpus ({kind}): {} docs, {:.1} MB, {mbs:.1} MB/s, {terms} terms, {} distinct",
                docs.len(),
                total as f64 / 1e6,
                vocab.len()
            );
        }
    }
}
