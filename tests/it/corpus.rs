//! Tests on the real corpus in ../shared/data (or $TASNIF_DATA): the
//! accuracy floor of the v1 issue on the reference split, and the bundled
//! default model rebuilt byte for byte. Skipped with a reason when the corpus
//! is absent; failed instead under CI=true.

use crate::common::*;
use serde_json::Value;

#[test]
#[cfg_attr(
    tasnif_no_corpus,
    ignore = "needs the corpus at ../shared/data or $TASNIF_DATA (see data/README.md)"
)]
fn reference_split_meets_the_accuracy_floor_with_default_options() {
    let Some(data) = shared_data("reference_split_meets_the_accuracy_floor_with_default_options")
    else {
        return;
    };
    let ant = data.join("ant-multisource");
    let ant = ant.to_str().expect("utf-8 path");
    let dir = tempfile::tempdir().expect("tempdir");
    let model = dir.path().join("a.tasnif");
    let json = dir.path().join("eval.json");
    let out = tasnif(&[
        "train",
        ant,
        "--list",
        &format!("{ant}/split/train.txt"),
        "-o",
        model.to_str().expect("path"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("16672 documents"), "{}", stdout(&out));
    let out = tasnif(&[
        "eval",
        ant,
        "-m",
        model.to_str().expect("path"),
        "--list",
        &format!("{ant}/split/test.txt"),
        "--json",
        json.to_str().expect("path"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let j: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("valid JSON");
    let (acc, f1) = (
        j["accuracy"].as_f64().expect("accuracy"),
        j["macro_f1"].as_f64().expect("macro_f1"),
    );
    eprintln!("reference split, default options: accuracy {acc:.4}, macro-F1 {f1:.4}");
    assert_eq!(
        j["confusion"]["matrix"].as_array().expect("matrix").len(),
        6
    );
    // Floors a little under what the defaults reach (0.8681 / 0.8678 on
    // 2026-11-22). The accuracy issue's target of 0.89 is not met; the
    // docs/accuracy.md says why.
    assert!(f1 >= 0.86, "macro-F1 {f1:.4} < 0.86");
    assert!(acc >= 0.86, "accuracy {acc:.4} < 0.86");
    assert!(
        acc < 0.95,
        "accuracy {acc:.4} is implausibly high for this split: leakage?"
    );
}

#[test]
#[cfg_attr(
    tasnif_no_corpus,
    ignore = "needs the corpus at ../shared/data or $TASNIF_DATA (see data/README.md)"
)]
fn default_model_rebuilds_byte_for_byte() {
    let Some(data) = shared_data("default_model_rebuilds_byte_for_byte") else {
        return;
    };
    // The manifest names corpus files relative to itself, as ../../shared/data/...;
    // build a copy that points at wherever the corpus is.
    let dir = tempfile::tempdir().expect("tempdir");
    let manifest =
        std::fs::read_to_string(root().join("data/default-model.csv")).expect("manifest");
    let ant = data.join("ant-multisource");
    let seeds = root().join("seeds");
    let rewritten: String = manifest
        .lines()
        .map(|l| {
            l.replace(
                "../../shared/data/ant-multisource",
                ant.to_str().expect("path"),
            )
            .replace("../seeds", seeds.to_str().expect("path"))
                + "\n"
        })
        .collect();
    let m = dir.path().join("default.csv");
    std::fs::write(&m, rewritten).expect("write");
    let model = dir.path().join("default.tasnif");
    let config = root().join("data/default-model.json");
    let out = tasnif(&[
        "train",
        m.to_str().expect("path"),
        "--config",
        config.to_str().expect("path"),
        "-o",
        model.to_str().expect("path"),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let rebuilt = std::fs::read(&model).expect("model");
    let shipped = std::fs::read(root().join("models/default.tasnif")).expect("shipped model");
    assert!(rebuilt == shipped, "models/default.tasnif differs from a rebuild with `tasnif train data/default-model.csv` (rebuild it as models/README.md says)");
    assert_eq!(
        shipped,
        tasnif::DEFAULT_MODEL,
        "the binary embeds models/default.tasnif"
    );
}

/// Every article of both halves of the reference split, in list order.
fn corpus_paths(ant: &std::path::Path) -> Vec<String> {
    ["split/train.txt", "split/test.txt"]
        .iter()
        .flat_map(|list| {
            std::fs::read_to_string(ant.join(list))
                .expect("split list")
                .lines()
                .map(str::to_string)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The sweeps over every article take most of `cargo test`'s time: by
/// default they take every 10th article, and every one under `CI=true` or
/// `TASNIF_FULL_SWEEP=1`.
fn sweep_step() -> usize {
    let full = std::env::var("CI").is_ok_and(|v| v == "true")
        || std::env::var("TASNIF_FULL_SWEEP").is_ok_and(|v| v == "1");
    if full {
        1
    } else {
        eprintln!("the corpus sweep reads every 10th article (TASNIF_FULL_SWEEP=1: all of them)");
        10
    }
}

#[test]
#[cfg_attr(
    tasnif_no_corpus,
    ignore = "needs the corpus at ../shared/data or $TASNIF_DATA (see data/README.md)"
)]
fn one_pass_analysis_equals_normalize_then_tokenize_on_the_corpus() {
    use tasnif::text::{
        normalize, tokens, Analyzer, AnalyzerConfig, NormalizeOptions, StemmerKind,
    };
    let Some(data) = shared_data("one_pass_analysis_equals_normalize_then_tokenize_on_the_corpus")
    else {
        return;
    };
    let ant = data.join("ant-multisource");
    let analyzer = Analyzer::new(AnalyzerConfig {
        stemmer: StemmerKind::None,
        remove_stopwords: false,
        min_token_chars: 1,
        ..AnalyzerConfig::default()
    });
    let mut n = 0;
    let every = sweep_step();
    for p in corpus_paths(&ant).iter().step_by(every) {
        let text = std::fs::read_to_string(ant.join(p)).expect("article");
        let expected: Vec<String> = tokens(&normalize(&text, NormalizeOptions::default()))
            .map(str::to_string)
            .collect();
        assert_eq!(analyzer.terms(&text), expected, "{p}");
        n += 1;
    }
    assert_eq!(n, 20_839usize.div_ceil(every));
}

/// `--encoding auto` on every article of the corpus saved in Windows-1256:
/// each is recognized and decoded to its text (characters the code page
/// lacks, such as Arabic-Indic digits, replaced by spaces first), and each
/// scores well above the Arabic share that decides it.
#[test]
#[cfg_attr(
    tasnif_no_corpus,
    ignore = "needs the corpus at ../shared/data or $TASNIF_DATA (see data/README.md)"
)]
fn corpus_articles_in_windows_1256_are_recognized_by_auto() {
    use tasnif::corpus::{
        arabic_profile, arabic_share, decode_text, Encoding, TextEncoding, MIN_ARABIC_PROFILE,
        MIN_ARABIC_SHARE,
    };
    let Some(data) = shared_data("corpus_articles_in_windows_1256_are_recognized_by_auto") else {
        return;
    };
    let ant = data.join("ant-multisource");
    let mut shares = Vec::new();
    let mut profiles = Vec::new();
    let every = sweep_step();
    {
        for p in corpus_paths(&ant).iter().step_by(every) {
            let text = std::fs::read_to_string(ant.join(p)).expect("article");
            let safe: String = text
                .chars()
                .map(|c| {
                    let mut b = [0u8; 4];
                    let s: &str = c.encode_utf8(&mut b);
                    if encoding_rs::WINDOWS_1256.encode(s).2 {
                        ' '
                    } else {
                        c
                    }
                })
                .collect();
            let (bytes, _, _) = encoding_rs::WINDOWS_1256.encode(&safe);
            let t = decode_text(bytes.into_owned(), Encoding::Auto)
                .unwrap_or_else(|e| panic!("{p}: {e}"));
            assert_eq!(t.encoding, TextEncoding::Windows1256, "{p}");
            assert_eq!(t.text, safe, "{p}");
            shares.push(arabic_share(&safe));
            profiles.extend(arabic_profile(&safe));
        }
    }
    assert_eq!(shares.len(), 20_839usize.div_ceil(every));
    shares.sort_by(f64::total_cmp);
    let (min, median) = (shares[0], shares[shares.len() / 2]);
    eprintln!("Arabic share of the corpus articles: min {min:.3}, median {median:.3}");
    assert!(min >= MIN_ARABIC_SHARE + 0.15, "min {min}");
    // the proportions of letters: far above the least that decides too
    profiles.sort_by(f64::total_cmp);
    let (min, median) = (profiles[0], profiles[profiles.len() / 2]);
    eprintln!("Arabic letter profile of the corpus articles: min {min:.3}, median {median:.3}");
    assert!(min >= MIN_ARABIC_PROFILE + 0.4, "min {min}");
}

/// The bundled model's training manifest, against the shared data: no
/// reserved article anywhere (not even as `none`), every label from
/// `train.csv` or `decisions.csv` (else `none`), every ant-multisource
/// article's group its outlet, and the manifest is what
/// `data/build-default-model-csv.py` writes.
#[test]
#[cfg_attr(
    tasnif_no_corpus,
    ignore = "needs the corpus at ../shared/data or $TASNIF_DATA (see data/README.md)"
)]
fn the_default_model_manifest_leaves_out_the_reserved_articles_and_groups_by_outlet() {
    let Some(data) = shared_data(
        "the_default_model_manifest_leaves_out_the_reserved_articles_and_groups_by_outlet",
    ) else {
        return;
    };
    let read = |p: std::path::PathBuf| std::fs::read_to_string(&p).expect("a data file");
    let reserved: std::collections::HashSet<String> = read(data.join("cyber-topics/reserved.txt"))
        .lines()
        .map(|l| l.trim().to_string())
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(reserved.len(), 167);
    let mut outlet = std::collections::HashMap::new();
    for line in read(data.join("ant-multisource/MANIFEST.tsv"))
        .lines()
        .skip(1)
    {
        let f: Vec<&str> = line.split('\t').collect();
        outlet.insert(format!("{}/{}.txt", f[1], f[0]), f[2].to_string());
    }
    let mut labels = std::collections::HashMap::new();
    for (file, topic_col) in [
        ("data/cyber-topics/train.csv", 2),
        ("data/cyber-topics/decisions.csv", 2),
    ] {
        for line in read(root().join(file)).lines().skip(1) {
            let f: Vec<&str> = line.split(',').collect();
            let rel = format!("{}/{}.txt", f[1], f[0]);
            assert!(
                !reserved.contains(&rel),
                "{file} names the reserved article {rel}"
            );
            assert!(
                labels
                    .insert(rel.clone(), f[topic_col].to_string())
                    .is_none(),
                "{rel} is labeled twice"
            );
        }
    }
    let manifest = read(root().join("data/default-model.csv"));
    let mut lines = manifest.lines();
    assert_eq!(lines.next(), Some("path,label,secondary,group"));
    let (mut ant, mut seeds) = (0, 0);
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        if let Some(rel) = f[0].strip_prefix("../../shared/data/ant-multisource/") {
            ant += 1;
            assert!(
                !reserved.contains(rel),
                "the manifest trains on reserved {rel}"
            );
            assert_eq!(Some(&f[3].to_string()), outlet.get(rel), "{line}");
            let want = labels.get(rel).map_or("none", String::as_str);
            assert_eq!(f[1], want, "{line}");
        } else {
            assert!(f[0].starts_with("../seeds/") && f[3] == "-", "{line}");
            seeds += 1;
        }
    }
    assert_eq!((ant, seeds), (20_839 - 167, 5));
}
