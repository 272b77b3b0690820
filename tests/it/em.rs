//! Semi-supervised training (EM) and the learning curve: what `train
//! --unlabeled` and `eval --learning-curve` promise, on synthetic data.

use std::path::Path;

use crate::common::*;
use serde_json::Value;
use tasnif::corpus::{load_labeled, load_unlabeled, Item, Source};
use tasnif::train::em::{train_semi_supervised, EmParams};
use tasnif::train::TrainParams;

/// Synthetic topics with large vocabularies: `TOPIC_WORDS` words of their
/// own and `COMMON_WORDS` words shared by all. A document is `DOC_LEN`
/// tokens, half from its topic's words and half common words, all drawn
/// uniformly. Two labeled documents per topic see only a few percent of
/// a topic's words, so a test document often shares none of them with
/// its topic's labeled documents; unlabeled documents of the same topics
/// link the words through co-occurrence, which is what EM can learn from.
const TOPIC_WORDS: usize = 600;
const COMMON_WORDS: usize = 200;
const DOC_LEN: usize = 30;
const N_TOPICS: usize = 3;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

/// Distinct made-up Arabic words (letters that normalization leaves alone).
fn words() -> Vec<String> {
    let letters: Vec<char> = "بتثجحخدذرزسشصضطظعغفقكلمنوي".chars().collect();
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    while out.len() < N_TOPICS * TOPIC_WORDS + COMMON_WORDS {
        let len = 4 + rng.below(3);
        let w: String = (0..len)
            .map(|_| letters[rng.below(letters.len())])
            .collect();
        if seen.insert(w.clone()) {
            out.push(w);
        }
    }
    out
}

fn document(words: &[String], topic: usize, rng: &mut Rng) -> String {
    let common = &words[N_TOPICS * TOPIC_WORDS..];
    let own = &words[topic * TOPIC_WORDS..(topic + 1) * TOPIC_WORDS];
    let mut s = String::new();
    for i in 0..DOC_LEN {
        let w = if i % 2 == 0 {
            &own[rng.below(own.len())]
        } else {
            &common[rng.below(common.len())]
        };
        s.push_str(w);
        s.push(if i % 10 == 9 { '\n' } else { ' ' });
    }
    s
}

/// Writes `per_topic` documents of each topic under `dir/<topic>/`
/// (`labeled`) or flat into `dir/` (unlabeled), from seed `seed`.
fn write_docs(dir: &Path, per_topic: usize, seed: u64, labeled: bool) {
    let words = words();
    let mut rng = Rng(seed);
    for t in 0..N_TOPICS {
        let d = if labeled {
            dir.join(format!("topic{t}"))
        } else {
            dir.to_path_buf()
        };
        std::fs::create_dir_all(&d).expect("mkdir");
        for n in 0..per_topic {
            std::fs::write(
                d.join(format!("t{t}_{n:04}.txt")),
                document(&words, t, &mut rng),
            )
            .expect("write");
        }
    }
}

/// A folder with `labeled/` (few labeled), `unlabeled/` (many, no labels)
/// and `test/` (labeled, for evaluation), all from the same topics.
fn semi_supervised_setup(labeled: usize, unlabeled: usize, test: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write_docs(&dir.path().join("labeled"), labeled, 1, true);
    write_docs(&dir.path().join("unlabeled"), unlabeled, 2, false);
    write_docs(&dir.path().join("test"), test, 3, true);
    dir
}

fn run_ok(dir: &Path, args: &[&str]) -> std::process::Output {
    let out = tasnif_in(dir, args);
    assert!(
        out.status.success(),
        "tasnif {args:?} failed: {}",
        stderr(&out)
    );
    out
}

fn accuracy(dir: &Path, model: &str) -> f64 {
    let json = format!("{model}.json");
    run_ok(dir, &["eval", "test", "-m", model, "--json", &json]);
    let v: Value =
        serde_json::from_slice(&std::fs::read(dir.join(&json)).expect("json")).expect("valid JSON");
    v["accuracy"].as_f64().expect("accuracy")
}

#[test]
fn em_improves_accuracy_when_unlabeled_data_fits_the_topics() {
    let setup = semi_supervised_setup(2, 150, 60);
    let d = setup.path();
    run_ok(d, &["train", "labeled", "-o", "plain.tasnif"]);
    let em_args = |out: &'static str, vocabulary: &'static str| {
        [
            "train",
            "labeled",
            "-o",
            out,
            "--unlabeled",
            "unlabeled",
            "--unlabeled-weight",
            "1",
            "--em-vocabulary",
            vocabulary,
        ]
    };
    run_ok(d, &em_args("em-labeled.tasnif", "labeled"));
    let out = run_ok(d, &em_args("em.tasnif", "all"));
    let err = stderr(&out);
    assert_contains_all(
        &err,
        &[
            "450 of 450 articles kept",
            "EM iteration 1/10",
            "log-likelihood",
        ],
        "train --unlabeled stderr",
    );
    let plain = accuracy(d, "plain.tasnif");
    let em = accuracy(d, "em.tasnif");
    let em_labeled = accuracy(d, "em-labeled.tasnif");
    eprintln!(
        "accuracy: labeled only {plain:.3}, EM {em:.3}, EM with the labeled vocabulary {em_labeled:.3}"
    );
    // with the vocabulary of all articles EM learns the words no labeled
    // article has
    assert!(
        em >= plain + 0.15 && em >= 0.9,
        "EM should help a lot here: labeled only {plain:.3}, EM {em:.3}\n{err}"
    );
    // with the labeled articles' vocabulary it can only reweight their words
    assert!(
        em_labeled >= plain + 0.1,
        "EM should help here too: labeled only {plain:.3}, EM {em_labeled:.3}"
    );
}

#[test]
fn em_changes_the_model_only_when_unlabeled_data_is_used() {
    let f = Fixture::new(8);
    let more = f.path("more");
    std::fs::create_dir_all(&more).expect("mkdir");
    for t in 0..3 {
        for n in 0..20 {
            std::fs::write(
                more.join(format!("{t}_{n}.txt")),
                article(t, 5000 + 100 * t + n),
            )
            .expect("write");
        }
    }
    let plain = std::fs::read(f.path("model.tasnif")).expect("model");
    // unlabeled articles that are all copies of labeled ones: left out, same model
    let out = f.run(&[
        "train",
        "corpus",
        "-o",
        "copies.tasnif",
        "--unlabeled",
        "corpus",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("0 of 24 articles kept; 24 left out as copies of labeled articles"),
        "{}",
        stderr(&out)
    );
    assert!(
        same_bytes(
            &std::fs::read(f.path("copies.tasnif")).expect("model"),
            &plain
        ),
        "no usable unlabeled article: the supervised model, byte for byte"
    );
    // new unlabeled articles change it
    let out = f.run(&["train", "corpus", "-o", "em.tasnif", "--unlabeled", "more"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("with 60 unlabeled articles, λ = 0.01"),
        "{}",
        stderr(&out)
    );
    assert!(!same_bytes(
        &std::fs::read(f.path("em.tasnif")).expect("model"),
        &plain
    ));
    // no iteration, vocabulary of the labeled articles: the supervised model again
    let out = f.run(&[
        "train",
        "corpus",
        "-o",
        "zero.tasnif",
        "--unlabeled",
        "more",
        "--em-iterations",
        "0",
        "--em-vocabulary",
        "labeled",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        same_bytes(
            &std::fs::read(f.path("zero.tasnif")).expect("model"),
            &plain
        ),
        "no EM iteration and the labeled vocabulary: the supervised model"
    );
}

#[test]
fn em_training_is_deterministic_across_runs_and_threads() {
    let setup = semi_supervised_setup(3, 40, 0);
    let d = setup.path();
    let args = |out: &'static str| {
        vec![
            "train",
            "labeled",
            "-o",
            out,
            "--unlabeled",
            "unlabeled",
            "--em-iterations",
            "4",
            "--em-tolerance",
            "0",
        ]
    };
    run_ok(d, &args("a.tasnif"));
    run_ok(d, &args("b.tasnif"));
    let one = std::process::Command::new(env!("CARGO_BIN_EXE_tasnif"))
        .args(args("c.tasnif"))
        .current_dir(d)
        .env("RAYON_NUM_THREADS", "1")
        .output()
        .expect("runs");
    assert!(one.status.success(), "{}", stderr(&one));
    let a = std::fs::read(d.join("a.tasnif")).expect("a");
    assert!(
        same_bytes(&a, &std::fs::read(d.join("b.tasnif")).expect("b")),
        "same bytes twice"
    );
    assert!(
        same_bytes(&a, &std::fs::read(d.join("c.tasnif")).expect("c")),
        "same bytes on one thread"
    );
}

/// Asserts two model files are (or are not) byte-identical without
/// printing megabytes of bytes.
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a == b
}

fn text_items(dir: &Path) -> Vec<Item> {
    load_unlabeled(dir, None).expect("unlabeled")
}

#[test]
fn the_objective_never_decreases_and_no_unlabeled_data_gives_the_supervised_model() {
    let setup = semi_supervised_setup(2, 60, 0);
    let d = setup.path();
    let data =
        load_labeled(&d.join("labeled"), None, tasnif::corpus::Encoding::Auto).expect("labeled");
    let params = TrainParams::new();
    let em = EmParams {
        iterations: 8,
        tolerance: 0.0,
        unlabeled_weight: 0.5,
        ..EmParams::new()
    };
    let mut seen = Vec::new();
    let (model, report, trace) = train_semi_supervised(
        &data,
        &text_items(&d.join("unlabeled")),
        &params,
        &em,
        &tasnif::corpus::ReadOptions::default(),
        |s| seen.push(s.clone()),
    )
    .expect("trained");
    assert_eq!(report.kept, 180);
    assert_eq!(trace.unlabeled_used, 180);
    assert_eq!(trace.steps.len(), 8, "tolerance 0 runs every iteration");
    assert_eq!(seen.len(), 9, "iteration 0, then one call per iteration");
    let mut last = trace
        .initial_log_likelihood
        .expect("multinomial NB has one");
    for s in &trace.steps {
        let l = s.log_likelihood.expect("log-likelihood");
        assert!(
            l >= last - 1e-9 * last.abs(),
            "EM lowered the objective at iteration {}: {last} → {l}",
            s.iteration
        );
        last = l;
    }
    assert!(
        last > trace.initial_log_likelihood.unwrap_or(f64::INFINITY),
        "EM should raise the objective here"
    );
    let supervised = tasnif::train::train(&data, &params, &tasnif::corpus::ReadOptions::default())
        .expect("supervised")
        .to_bytes();
    assert!(!same_bytes(&model.to_bytes(), &supervised));

    // nothing usable: an unreadable article and a copy of a labeled one
    let copy = std::fs::read_to_string(d.join("labeled/topic0/t0_0000.txt")).expect("labeled");
    let items = vec![
        Item {
            id: "copy".into(),
            source: Source::Text(copy),
        },
        Item {
            id: "gone".into(),
            source: Source::File(d.join("no-such-file.txt")),
        },
    ];
    let (model, report, trace) = train_semi_supervised(
        &data,
        &items,
        &params,
        &em,
        &tasnif::corpus::ReadOptions::default(),
        |_| {},
    )
    .expect("trained");
    assert_eq!((report.kept, report.duplicates), (0, 1));
    assert_eq!(report.unreadable.len(), 1);
    assert!(report.unreadable[0].1.contains("no-such-file.txt"));
    assert!(trace.steps.is_empty());
    assert!(
        same_bytes(&model.to_bytes(), &supervised),
        "nothing usable: the supervised model"
    );
}

#[test]
fn unreadable_unlabeled_articles_are_reported_and_skipped() {
    let setup = semi_supervised_setup(2, 5, 0);
    let d = setup.path();
    std::fs::write(d.join("unlabeled/bad.txt"), b"\xc3\x28 not text at all").expect("write");
    std::fs::write(d.join("unlabeled/empty.txt"), b"  \n").expect("write");
    let out = run_ok(
        d,
        &[
            "train",
            "labeled",
            "-o",
            "m.tasnif",
            "--unlabeled",
            "unlabeled",
        ],
    );
    let err = stderr(&out);
    assert_contains_all(
        &err,
        &[
            "skipped unlabeled article bad.txt",
            "bad.txt: not valid UTF-8",
            "skipped unlabeled article empty.txt",
            "15 of 17 articles kept",
            "2 unreadable",
        ],
        "stderr",
    );
}

#[test]
fn a_bad_unlabeled_path_or_weight_is_refused_before_training() {
    let f = Fixture::new(4);
    let out = f.run(&[
        "train",
        "corpus",
        "-o",
        "x.tasnif",
        "--unlabeled",
        "no-such-dir",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_contains_all(
        &stderr(&out),
        &["--unlabeled", "no-such-dir", "no such file or directory"],
        "stderr",
    );
    assert!(!f.path("x.tasnif").exists(), "no model written");
    // a file that is neither a folder nor JSONL
    std::fs::write(f.path("notes.csv"), "a,b\n").expect("write");
    let out = f.run(&[
        "train",
        "corpus",
        "-o",
        "x.tasnif",
        "--unlabeled",
        "notes.csv",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_contains_all(&stderr(&out), &["notes.csv", "expected a folder"], "stderr");
    for w in ["0", "1.5", "-1", "nan"] {
        let out = f.run(&[
            "train",
            "corpus",
            "-o",
            "x.tasnif",
            "--unlabeled",
            "corpus",
            "--unlabeled-weight",
            w,
        ]);
        assert_eq!(out.status.code(), Some(1), "λ = {w}: {}", stderr(&out));
        assert_contains_all(
            &stderr(&out),
            &["invalid unlabeled-weight", "(0, 1]"],
            "stderr",
        );
    }
    // a "none of the topics" label (two-stage model) is not supported with EM
    std::fs::write(f.path("gated.json"), r#"{"none_label": "sports"}"#).expect("write");
    let out = f.run(&[
        "train",
        "corpus",
        "-o",
        "x.tasnif",
        "--config",
        "gated.json",
        "--unlabeled",
        "corpus",
    ]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_contains_all(&stderr(&out), &["none_label", "'sports'", "EM"], "stderr");
    // EM flags without --unlabeled are refused by the argument parser
    let out = f.run(&["train", "corpus", "-o", "x.tasnif", "--em-iterations", "3"]);
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert!(!f.path("x.tasnif").exists());
}

#[test]
fn learning_curve_has_a_row_per_size_with_and_without_em() {
    let setup = semi_supervised_setup(8, 20, 0);
    let d = setup.path();
    let out = run_ok(
        d,
        &[
            "eval",
            "labeled",
            "--cv",
            "3",
            "--learning-curve",
            "--sizes",
            "2,4,all",
            "--unlabeled",
            "unlabeled",
            "--unlabeled-weight",
            "0.1,1",
            "--em-iterations",
            "3",
            "--f1-labels",
            "topic0,topic1",
            "--json",
            "curve.json",
        ],
    );
    let text = stdout(&out);
    assert_contains_all(
        &text,
        &[
            "learning curve: 3-fold cross-validation, seed 42, 24 labeled articles",
            "unlabeled: 60 of 60 articles kept",
            "macro-F1 (topic0, topic1)",
            "EM iterations",
        ],
        "curve table",
    );
    // one table row per size × (none, λ 0.1, λ 1)
    for size in ["2", "4", "all"] {
        for variant in ["none", "EM λ=0.1", "EM λ=1"] {
            let found = text.lines().any(|l| {
                let cells: Vec<&str> = l
                    .split("  ")
                    .map(str::trim)
                    .filter(|c| !c.is_empty())
                    .collect();
                cells.first() == Some(&size) && cells.get(2) == Some(&variant)
            });
            assert!(found, "no row for size {size}, {variant}:\n{text}");
        }
    }
    let v: Value =
        serde_json::from_slice(&std::fs::read(d.join("curve.json")).expect("json")).expect("JSON");
    let rows = v["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 9);
    let sizes: Vec<&str> = rows
        .iter()
        .map(|r| r["size"].as_str().expect("size"))
        .collect();
    assert_eq!(sizes, ["2", "2", "2", "4", "4", "4", "all", "all", "all"]);
    for r in rows {
        let folds = r["folds"].as_array().expect("folds");
        assert_eq!(folds.len(), 3);
        for f in folds {
            let predicted: u64 = f["predicted"]
                .as_object()
                .expect("predicted")
                .values()
                .map(|v| v.as_u64().expect("count"))
                .sum();
            assert_eq!(predicted, 8, "each fold tests a third of 24 articles");
            assert_eq!(f["per_label_f1"].as_object().expect("per label").len(), 3);
        }
        let f1 = r["macro_f1"]["mean"].as_f64().expect("macro-F1");
        assert!((0.0..=1.0).contains(&f1));
        assert!(r["subset_macro_f1"]["mean"].is_f64());
    }
    assert_eq!(rows[0]["train_docs"], 6.0, "2 per label × 3 labels");
    assert_eq!(rows[6]["train_docs"], 16.0, "all: two thirds of 24");
    assert!(rows[0]["unlabeled_weight"].is_null());
    assert_eq!(rows[2]["unlabeled_weight"], 1.0);

    // without unlabeled articles: one row per size
    let out = run_ok(
        d,
        &[
            "eval",
            "labeled",
            "--cv",
            "3",
            "--learning-curve",
            "--sizes",
            "2,all",
        ],
    );
    let rows = stdout(&out)
        .lines()
        .filter(|l| l.contains(" none "))
        .count();
    assert_eq!(rows, 2, "{}", stdout(&out));
}

#[test]
fn learning_curve_refuses_what_it_cannot_measure() {
    let setup = semi_supervised_setup(4, 2, 0);
    let d = setup.path();
    let cases: [(&[&str], &str); 3] = [
        (&["--f1-labels", "topic0,nope"], "'nope' is not a label"),
        (&["--sizes", "1"], "training needs at least 2"),
        (&["--unlabeled", "missing"], "missing"),
    ];
    for (extra, want) in cases {
        let mut args = vec!["eval", "labeled", "--learning-curve", "--cv", "2"];
        args.extend_from_slice(extra);
        let out = tasnif_in(d, &args);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(stderr(&out).contains(want), "{args:?}: {}", stderr(&out));
    }
    // 4 documents per label and 3 folds: every training part keeps 2 or 3, enough
    let out = tasnif_in(
        d,
        &[
            "eval",
            "labeled",
            "--learning-curve",
            "--cv",
            "3",
            "--sizes",
            "2",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    // a label of 2 documents with 3 folds: a training part would keep 1
    std::fs::remove_file(d.join("labeled/topic2/t2_0000.txt")).expect("rm");
    std::fs::remove_file(d.join("labeled/topic2/t2_0001.txt")).expect("rm");
    let out = tasnif_in(d, &["eval", "labeled", "--learning-curve", "--cv", "3"]);
    assert_eq!(out.status.code(), Some(1));
    assert_contains_all(
        &stderr(&out),
        &["label 'topic2' has 2 documents", "use fewer folds"],
        "stderr",
    );
    // --unlabeled without --learning-curve
    let out = tasnif_in(
        d,
        &["eval", "labeled", "--cv", "2", "--unlabeled", "unlabeled"],
    );
    assert_eq!(out.status.code(), Some(64), "a usage error");
    assert!(
        stderr(&out).contains("--learning-curve"),
        "{}",
        stderr(&out)
    );
}
