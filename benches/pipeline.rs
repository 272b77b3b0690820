//! Micro-benchmarks of the pipeline, one criterion group per step:
//! `normalize`, `tokenize`, `stem`, `analyzer`, `vectorize`, `score`, `predict`.
//!
//! Every group runs on the same inputs and reports bytes of input text per
//! second: `seeds` (the five seed articles repeated to about 1 MB, always
//! available) and, when the corpus is found (`$TASNIF_DATA`, else
//! `../shared/data`, holding `ant-multisource/`), `ant-test200` (the first 200
//! articles of `ant-multisource/split/test.txt`).
//!
//! Each benchmark checks what it computed: before timing, against a value
//! obtained another way where there is one; inside the timed loop, with a
//! cheap comparison of the result against that value. See `benches/README.md`.

use std::collections::HashSet;
use std::hint::black_box;
use std::path::PathBuf;
use std::time::Duration;

use criterion::measurement::WallTime;
use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode,
    Throughput,
};
use tasnif::features::{for_each_feature_term, FeatureScratch, SparseVec};
use tasnif::model::{Classifier, PredictOptions, PredictScratch};
use tasnif::text::{
    normalize, normalize_into, tokens, Analyzer, AnalyzerConfig, AnalyzerScratch, NormalizeOptions,
    Stemmer, StemmerKind,
};

/// The seed articles are repeated until the input is at least this long.
const SEEDS_MIN_BYTES: usize = 1_000_000;
/// How many articles of the reference test split make the corpus sample.
const CORPUS_SAMPLE: usize = 200;

/// One benchmark input: a list of articles, and the same articles as one text.
struct Input {
    name: &'static str,
    /// Each article ends with a newline.
    articles: Vec<String>,
    /// The articles concatenated, so `text.len()` is the sum of their lengths.
    text: String,
}

impl Input {
    fn new(name: &'static str, mut articles: Vec<String>) -> Input {
        assert!(!articles.is_empty(), "{name}: no articles");
        for a in &mut articles {
            if !a.ends_with('\n') {
                a.push('\n');
            }
        }
        let text = articles.concat();
        Input {
            name,
            articles,
            text,
        }
    }

    fn bytes(&self) -> Throughput {
        Throughput::Bytes(self.text.len() as u64)
    }

    /// `seeds/*.txt` in name order, repeated to at least [`SEEDS_MIN_BYTES`].
    fn seeds() -> Input {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let mut paths: Vec<PathBuf> = std::fs::read_dir(&dir)
            .unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
            .map(|entry| entry.expect("seeds entry").path())
            .filter(|p| p.extension().is_some_and(|e| e == "txt"))
            .collect();
        paths.sort();
        assert_eq!(
            paths.len(),
            5,
            "expected five seed articles in {}",
            dir.display()
        );
        let seeds: Vec<String> = paths
            .iter()
            .map(|p| {
                std::fs::read_to_string(p)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
            })
            .collect();
        let one_pass = Input::new("seeds", seeds);
        let reps = SEEDS_MIN_BYTES.div_ceil(one_pass.text.len());
        let n = one_pass.articles.len() * reps;
        Input::new(
            "seeds",
            one_pass.articles.into_iter().cycle().take(n).collect(),
        )
    }

    /// The first [`CORPUS_SAMPLE`] articles of the reference test split, or
    /// `None` (with a note on stderr) when the corpus is not there.
    fn corpus_sample() -> Option<Input> {
        let data = std::env::var_os("TASNIF_DATA")
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/data"));
        let root = data.join("ant-multisource");
        let split = root.join("split/test.txt");
        let Ok(list) = std::fs::read_to_string(&split) else {
            eprintln!(
                "note: {} not found, benchmarking the seeds only \
                 (set TASNIF_DATA to the folder holding ant-multisource/)",
                split.display()
            );
            return None;
        };
        let articles: Vec<String> = list
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(CORPUS_SAMPLE)
            .map(|rel| {
                let p = root.join(rel.trim());
                std::fs::read_to_string(&p)
                    .unwrap_or_else(|e| panic!("cannot read {}: {e}", p.display()))
            })
            .collect();
        assert_eq!(
            articles.len(),
            CORPUS_SAMPLE,
            "{} lists fewer than {CORPUS_SAMPLE} articles",
            split.display()
        );
        Some(Input::new("ant-test200", articles))
    }
}

fn inputs() -> Vec<Input> {
    let mut v = vec![Input::seeds()];
    v.extend(Input::corpus_sample());
    for input in &v {
        eprintln!(
            "input {}: {} articles, {} bytes",
            input.name,
            input.articles.len(),
            input.text.len()
        );
    }
    v
}

fn model() -> Classifier {
    Classifier::from_bytes(tasnif::DEFAULT_MODEL).expect("the bundled model loads")
}

/// A group with flat sampling: every iteration handles a whole input (from
/// about 0.1 ms for `score` to tens of ms for Snowball), so the default linear
/// sampling would need far more than the measurement time for 20 samples.
fn group<'a>(c: &'a mut Criterion, name: &str) -> BenchmarkGroup<'a, WallTime> {
    let mut g = c.benchmark_group(name);
    g.sampling_mode(SamplingMode::Flat);
    g
}

/// Tokens counted a different way from [`tokens`]: split on every character
/// that is not alphanumeric. The two agree unless a combining mark is left
/// inside a word after normalization (which removes tashkeel but keeps, for
/// instance, Quranic marks); they agree on both inputs here.
fn naive_token_count(normalized: &str) -> usize {
    normalized
        .split(|c: char| !c.is_alphanumeric())
        .filter(|s| !s.is_empty())
        .count()
}

fn bench_normalize(c: &mut Criterion, inputs: &[Input]) {
    let opts = NormalizeOptions::default();
    let mut g = group(c, "normalize");
    for input in inputs {
        let once = normalize(&input.text, opts);
        assert_eq!(
            normalize(&once, opts),
            once,
            "{}: normalize is not idempotent",
            input.name
        );
        // The input has spellings to fold, and none survives.
        let folded = |c: char| {
            matches!(
                c,
                '\u{064B}'..='\u{0652}' | '\u{0640}' | 'أ' | 'إ' | 'آ' | 'ى' | 'ة'
            )
        };
        assert!(
            input.text.chars().any(folded),
            "{}: nothing to fold",
            input.name
        );
        assert!(!once.chars().any(folded), "{}: left unfolded", input.name);

        let mut out = String::new();
        normalize_into(&input.text, opts, &mut out);
        assert_eq!(
            out, once,
            "{}: normalize_into differs from normalize",
            input.name
        );

        g.throughput(input.bytes());
        g.bench_function(BenchmarkId::from_parameter(input.name), |b| {
            b.iter(|| {
                normalize_into(black_box(&input.text), opts, &mut out);
                assert_eq!(out.len(), once.len());
            })
        });
    }
    g.finish();
}

fn bench_tokenize(c: &mut Criterion, inputs: &[Input]) {
    let mut g = group(c, "tokenize");
    for input in inputs {
        let normalized = normalize(&input.text, NormalizeOptions::default());
        let expected = naive_token_count(&normalized);
        assert!(expected > 0, "{}: no tokens", input.name);
        assert_eq!(tokens(&normalized).count(), expected, "{}", input.name);

        g.throughput(input.bytes());
        g.bench_function(BenchmarkId::from_parameter(input.name), |b| {
            b.iter(|| {
                let n = tokens(black_box(&normalized)).count();
                assert_eq!(n, expected);
                n
            })
        });
    }
    g.finish();
}

fn bench_stem(c: &mut Criterion, inputs: &[Input]) {
    let snowball = rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::Arabic);
    let mut g = group(c, "stem");
    for input in inputs {
        let normalized = normalize(&input.text, NormalizeOptions::default());
        let toks: Vec<&str> = tokens(&normalized).collect();
        let token_bytes: usize = toks.iter().map(|t| t.len()).sum();
        for kind in [
            StemmerKind::Light10,
            StemmerKind::Snowball,
            StemmerKind::None,
        ] {
            let stemmer = Stemmer::new(kind);
            let mut buf = String::new();
            // Checked token by token against what the stemmer is meant to be.
            let mut expected = 0usize;
            let mut changed = 0usize;
            for &t in &toks {
                let s = stemmer.stem(t, &mut buf);
                match kind {
                    StemmerKind::Light10 => assert!(t.contains(s), "light10({t}) = {s}"),
                    StemmerKind::Snowball => assert_eq!(s, snowball.stem(t), "snowball({t})"),
                    StemmerKind::None => assert_eq!(s, t),
                }
                expected += s.len();
                changed += usize::from(s != t);
            }
            match kind {
                StemmerKind::None => assert_eq!(expected, token_bytes),
                _ => assert!(
                    changed > 0 && expected < token_bytes,
                    "{kind}: nothing stemmed"
                ),
            }

            g.throughput(input.bytes());
            g.bench_function(BenchmarkId::new(kind.as_str(), input.name), |b| {
                b.iter(|| {
                    let mut n = 0usize;
                    for &t in &toks {
                        n += stemmer.stem(black_box(t), &mut buf).len();
                    }
                    assert_eq!(n, expected);
                    n
                })
            });
        }
    }
    g.finish();
}

/// Terms and their total length, from `analyzer` over `text`.
fn analyze(analyzer: &Analyzer, text: &str, scratch: &mut AnalyzerScratch) -> (usize, usize) {
    let (mut n, mut bytes) = (0usize, 0usize);
    analyzer.for_each_term(text, scratch, |t| {
        n += 1;
        bytes += t.len();
    });
    (n, bytes)
}

fn bench_analyzer(c: &mut Criterion, inputs: &[Input]) {
    let mut g = group(c, "analyzer");
    for input in inputs {
        let normalized = normalize(&input.text, NormalizeOptions::default());
        let n_tokens = naive_token_count(&normalized);
        for kind in [
            StemmerKind::Light10,
            StemmerKind::None,
            StemmerKind::Snowball,
        ] {
            let config = AnalyzerConfig {
                stemmer: kind,
                ..AnalyzerConfig::default()
            };
            let analyzer = Analyzer::new(config.clone());
            // The same chain rebuilt from the public steps.
            let stemmer = Stemmer::new(kind);
            let mut buf = String::new();
            let (mut n, mut bytes) = (0usize, 0usize);
            for t in tokens(&normalized) {
                if config.remove_stopwords && analyzer.stopwords().contains(t) {
                    continue;
                }
                let s = stemmer.stem(t, &mut buf);
                if s.chars().count() >= config.min_token_chars {
                    n += 1;
                    bytes += s.len();
                }
            }
            let expected = (n, bytes);
            assert!(
                n > 0 && n < n_tokens,
                "{kind}: {n} terms of {n_tokens} tokens"
            );
            let mut scratch = AnalyzerScratch::default();
            assert_eq!(analyze(&analyzer, &input.text, &mut scratch), expected);
            assert_eq!(analyze(&analyzer, &input.text, &mut scratch), expected);

            g.throughput(input.bytes());
            g.bench_function(BenchmarkId::new(kind.as_str(), input.name), |b| {
                b.iter(|| {
                    let got = analyze(&analyzer, black_box(&input.text), &mut scratch);
                    assert_eq!(got, expected);
                    got
                })
            });
        }
    }
    g.finish();
}

/// The feature vector of each article, checked against a count of the
/// distinct vocabulary terms among its feature terms.
fn vectors(model: &Classifier, input: &Input) -> Vec<SparseVec> {
    let vz = model.vectorizer();
    let mut scratch = FeatureScratch::default();
    input
        .articles
        .iter()
        .map(|a| {
            let mut v = SparseVec::new();
            vz.transform(a, &mut scratch, &mut v);
            let mut distinct = HashSet::new();
            for_each_feature_term(vz.analyzer(), vz.params().ngram_max, a, &mut scratch, |t| {
                if let Some(id) = vz.vocabulary().get(t) {
                    distinct.insert(id);
                }
            });
            assert!(
                v.nnz() > 0,
                "{}: an article has an empty vector",
                input.name
            );
            assert_eq!(v.nnz(), distinct.len(), "{}", input.name);
            assert!(v.indices.windows(2).all(|w| w[0] < w[1]));
            assert!(v.values.iter().all(|x| x.is_finite() && *x > 0.0));
            if vz.params().l2_norm {
                assert!((v.l2_norm() - 1.0).abs() < 1e-9);
            }
            v
        })
        .collect()
}

fn bench_vectorize(c: &mut Criterion, inputs: &[Input]) {
    let model = model();
    let vz = model.vectorizer();
    let mut g = group(c, "vectorize");
    for input in inputs {
        let expected: usize = vectors(&model, input).iter().map(SparseVec::nnz).sum();

        g.throughput(input.bytes());
        let mut scratch = FeatureScratch::default();
        let mut v = SparseVec::new();
        g.bench_function(BenchmarkId::from_parameter(input.name), |b| {
            b.iter(|| {
                let mut nnz = 0usize;
                for a in &input.articles {
                    vz.transform(black_box(a), &mut scratch, &mut v);
                    nnz += v.nnz();
                }
                assert_eq!(nnz, expected);
                nnz
            })
        });
    }
    g.finish();
}

fn bench_score(c: &mut Criterion, inputs: &[Input]) {
    let model = model();
    let nb = model.nb();
    let k = nb.n_classes();
    let mut g = group(c, "score");
    for input in inputs {
        let vs = vectors(&model, input);
        // Scores recomputed densely from the weight matrix and the priors.
        let mut scores = vec![0.0; k];
        let mut expected = 0usize;
        for v in &vs {
            nb.joint_log_likelihood(v, &mut scores);
            for (c, s) in scores.iter().enumerate() {
                let dense = nb.log_prior()[c]
                    + v.iter()
                        .map(|(t, x)| x * nb.weights()[[t.index(), c]])
                        .sum::<f64>();
                assert!(s.is_finite(), "{}: score not finite", input.name);
                assert!((s - dense).abs() <= 1e-9 * dense.abs().max(1.0));
            }
            expected += tasnif::nb::argmax(&scores);
        }

        g.throughput(input.bytes());
        g.bench_function(BenchmarkId::from_parameter(input.name), |b| {
            b.iter(|| {
                let mut sum = 0usize;
                for v in &vs {
                    nb.joint_log_likelihood(black_box(v), &mut scores);
                    sum += tasnif::nb::argmax(&scores);
                }
                assert!(scores.iter().all(|s| s.is_finite()));
                assert_eq!(sum, expected);
                sum
            })
        });
    }
    g.finish();
}

fn bench_predict(c: &mut Criterion, inputs: &[Input]) {
    let model = model();
    let opts = PredictOptions::default();
    let mut g = group(c, "predict");
    for input in inputs {
        // The label of each article, from the `score` path.
        let mut scores = vec![0.0; model.nb().n_classes()];
        let labels_by_score: Vec<usize> = vectors(&model, input)
            .iter()
            .map(|v| {
                model.nb().joint_log_likelihood(v, &mut scores);
                tasnif::nb::argmax(&scores)
            })
            .collect();
        let mut scratch = PredictScratch::default();
        for (a, &want) in input.articles.iter().zip(&labels_by_score) {
            let p = model.predict(a, &mut scratch, &opts);
            let sum: f64 = p.probabilities.iter().sum();
            assert!(
                (sum - 1.0).abs() < 1e-9,
                "{}: probabilities sum to {sum}",
                input.name
            );
            assert!(p.probabilities.iter().all(|x| x.is_finite() && *x >= 0.0));
            assert_eq!(p.label.index(), want, "{}", input.name);
            assert_eq!(p.probability, p.probabilities[want]);
            assert_eq!(p.top.len(), opts.top_k.min(p.probabilities.len()));
        }
        let expected: usize = labels_by_score.iter().sum();

        g.throughput(input.bytes());
        g.bench_function(BenchmarkId::from_parameter(input.name), |b| {
            b.iter(|| {
                let mut sum = 0usize;
                for a in &input.articles {
                    let p = model.predict(black_box(a), &mut scratch, &opts);
                    assert!((p.probabilities.iter().sum::<f64>() - 1.0).abs() < 1e-9);
                    sum += p.label.index();
                }
                assert_eq!(sum, expected);
                sum
            })
        });
    }
    g.finish();
}

fn benches(c: &mut Criterion) {
    let inputs = inputs();
    bench_normalize(c, &inputs);
    bench_tokenize(c, &inputs);
    bench_stem(c, &inputs);
    bench_analyzer(c, &inputs);
    bench_vectorize(c, &inputs);
    bench_score(c, &inputs);
    bench_predict(c, &inputs);
}

criterion_group! {
    name = pipeline;
    // Short runs: the machine is small and shared. Command-line options
    // (`--measurement-time`, `--sample-size`, ...) override these.
    config = Criterion::default()
        .sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3));
    targets = benches
}
criterion_main!(pipeline);
