//! End-to-end tests of the tasnif command: the seeds with the bundled model,
//! the contract of each command, determinism, and the probabilities.

mod common;

use common::*;
use serde_json::Value;

#[test]
fn label_seeds_with_the_default_model_gives_their_topics() {
    let out = tasnif(&["label", "seeds/", "--top-k", "6"]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    let recs = records(&stdout(&out));
    let expected: Vec<(String, String)> =
        std::fs::read_to_string(root().join("data/seed-labels.csv"))
            .expect("seed labels")
            .lines()
            .skip(1)
            .map(|l| {
                let (f, t) = l.split_once(',').expect("file,topic");
                (format!("seeds/{f}"), t.to_string())
            })
            .collect();
    assert_eq!(recs.len(), 5, "one record per seed article");
    for (rec, (id, topic)) in recs.iter().zip(&expected) {
        assert_eq!(
            rec["id"],
            Value::from(id.as_str()),
            "records in sorted path order"
        );
        assert_eq!(rec["label"], Value::from(topic.as_str()), "{rec}");
        assert_eq!(rec["error"], Value::Null);
        assert_probabilities(rec, 6);
        assert_eq!(rec["probability"], rec["top"][0]["probability"]);
    }
}

#[test]
fn help_shows_an_example_for_every_command() {
    for cmd in ["train", "label", "eval", "inspect"] {
        let out = tasnif(&[cmd, "--help"]);
        assert!(out.status.success());
        let text = stdout(&out);
        assert!(
            text.contains("Example"),
            "{cmd} --help has no example:\n{text}"
        );
        assert!(
            text.contains(&format!("tasnif {cmd}")),
            "{cmd} --help example does not run {cmd}"
        );
    }
}

#[test]
fn training_twice_gives_byte_identical_models() {
    let f = Fixture::new(12);
    let out = f.run(&["train", "corpus", "-o", "again.tasnif"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let a = std::fs::read(f.path("model.tasnif")).expect("model");
    let b = std::fs::read(f.path("again.tasnif")).expect("model");
    assert!(!a.is_empty());
    assert_eq!(a, b, "same data and settings must give the same bytes");
}

#[test]
fn train_refuses_to_overwrite_without_force() {
    let f = Fixture::new(5);
    let before = std::fs::read(f.path("model.tasnif")).expect("model");
    let out = f.run(&["train", "corpus", "-o", "model.tasnif", "--ngrams", "2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("model.tasnif") && stderr(&out).contains("--force"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(f.path("model.tasnif")).expect("model"),
        before,
        "untouched"
    );
    let out = f.run(&[
        "train",
        "corpus",
        "-o",
        "model.tasnif",
        "--ngrams",
        "2",
        "--force",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_ne!(
        std::fs::read(f.path("model.tasnif")).expect("model"),
        before,
        "overwritten"
    );
}

#[test]
fn train_prints_a_summary() {
    let f = Fixture::new(6);
    let out = f.run(&["train", "corpus", "-o", "m2.tasnif"]);
    let text = stdout(&out);
    assert_contains_all(
        &text,
        &[
            "18 documents",
            "economy",
            "sports",
            "technology",
            "vocabulary:",
            "wall time:",
        ],
        "train summary",
    );
}

#[test]
fn output_does_not_depend_on_threads_or_batch() {
    let f = Fixture::new(20);
    let run = |args: &[&str]| {
        let out = f.run(args);
        assert!(out.status.success(), "{}", stderr(&out));
        stdout(&out)
    };
    let base = [
        "label",
        "corpus",
        "-m",
        "model.tasnif",
        "--explain",
        "5",
        "--top-k",
        "3",
    ];
    let j1 = run(&[&base[..], &["-j", "1"]].concat());
    let j2 = run(&[&base[..], &["-j", "2"]].concat());
    assert_eq!(j1, j2, "-j 1 and -j 2 differ");
    let batch = records(&j1);
    assert_eq!(batch.len(), 60);
    for rec in batch.iter().step_by(7) {
        let id = rec["id"].as_str().expect("id");
        let alone = records(&run(&[
            "label",
            id,
            "-m",
            "model.tasnif",
            "--explain",
            "5",
            "--top-k",
            "3",
        ]));
        assert_eq!(&alone[0], rec, "alone vs in a batch");
    }
    // each record carries the contract's fields
    let r = &batch[0];
    for key in ["id", "label", "probability", "top", "explain", "error"] {
        assert!(r.get(key).is_some(), "missing {key}: {r}");
    }
    assert!(!r["explain"].as_array().expect("explain list").is_empty());
}

#[test]
fn articles_are_labeled_mostly_right_on_synthetic_topics() {
    let f = Fixture::new(30);
    let out = f.run(&["label", "corpus", "-m", "model.tasnif"]);
    let recs = records(&stdout(&out));
    let right = recs
        .iter()
        .filter(|r| {
            r["id"]
                .as_str()
                .unwrap_or("")
                .starts_with(&format!("corpus/{}/", r["label"].as_str().unwrap_or("?")))
        })
        .count();
    assert!(
        right >= 85,
        "{right}/90 training articles labeled with their own topic"
    );
}

#[test]
fn a_one_megabyte_article_gets_finite_probabilities_that_sum_to_one() {
    let f = Fixture::new(8);
    let mut big = String::new();
    let mut n = 0;
    while big.len() < 1_000_000 {
        big.push_str(&article(n % 3, n));
        n += 1;
    }
    std::fs::write(f.path("big.txt"), &big).expect("write");
    let one_topic: String = (0..400).map(|i| article(1, i)).collect();
    std::fs::write(f.path("sports-big.txt"), one_topic).expect("write");
    let out = f.run(&[
        "label",
        "big.txt",
        "sports-big.txt",
        "-m",
        "model.tasnif",
        "--top-k",
        "3",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    for rec in records(&stdout(&out)) {
        assert_probabilities(&rec, 3);
    }
}

#[test]
fn csv_and_tsv_output_have_a_header_and_a_row_per_article() {
    let f = Fixture::new(5);
    for (fmt, sep) in [("csv", ','), ("tsv", '\t')] {
        let out = f.run(&[
            "label",
            "corpus/sports",
            "-m",
            "model.tasnif",
            "--format",
            fmt,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let text = stdout(&out);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            ["id", "label", "probability", "top", "encoding", "error"].join(&sep.to_string())
        );
        assert_eq!(lines.len(), 6);
        assert!(lines[1].starts_with("corpus/sports/000.txt"));
    }
}

#[test]
fn label_writes_output_files_atomically_and_refuses_to_clobber() {
    let f = Fixture::new(5);
    let out = f.run(&["label", "corpus", "-m", "model.tasnif", "-o", "out.jsonl"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
    let text = std::fs::read_to_string(f.path("out.jsonl")).expect("output");
    assert_eq!(records(&text).len(), 15);
    let out = f.run(&["label", "corpus", "-m", "model.tasnif", "-o", "out.jsonl"]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(f.path("out.jsonl")).expect("output"),
        text
    );
    let leftovers: Vec<_> = std::fs::read_dir(f.dir.path())
        .expect("dir")
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().contains(".tmp"))
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

#[test]
fn stdin_jsonl_is_labeled_with_its_ids() {
    let f = Fixture::new(5);
    let input = format!(
        "{}\n{}\n",
        serde_json::json!({"id": "a1", "text": article(0, 77)}),
        serde_json::json!({"id": 7, "text": article(1, 78)})
    );
    let out = tasnif_stdin(f.dir.path(), &["label", "-", "-m", "model.tasnif"], &input);
    assert!(out.status.success());
    let recs = records(&stdout(&out));
    assert_eq!(recs[0]["id"], "a1");
    assert_eq!(recs[0]["label"], "economy");
    assert_eq!(recs[1]["id"], "7");
    assert_eq!(recs[1]["label"], "sports");
}

#[test]
fn manifests_in_csv_tsv_and_jsonl_train_like_the_folder() {
    let f = Fixture::new(10);
    let mut csv = String::from("path,label\n");
    let mut tsv = String::from("label\ttext\tid\n");
    let mut jsonl = String::new();
    for (t, (name, _)) in TOPICS.iter().enumerate() {
        for n in 0..10 {
            csv.push_str(&format!("corpus/{name}/{n:03}.txt,{name}\n"));
            let text = article(t, n + 1000 * t);
            tsv.push_str(&format!(
                "{name}\t{}\t{name}-{n}\n",
                text.replace('\n', " ")
            ));
            jsonl.push_str(&format!(
                "{}\n",
                serde_json::json!({"text": text, "label": name})
            ));
        }
    }
    std::fs::write(f.path("m.csv"), csv).expect("write");
    std::fs::write(f.path("m.tsv"), tsv).expect("write");
    std::fs::write(f.path("m.jsonl"), jsonl).expect("write");
    let folder = std::fs::read(f.path("model.tasnif")).expect("model");
    for m in ["m.csv", "m.jsonl"] {
        let out = f.run(&["train", m, "-o", &format!("{m}.tasnif")]);
        assert!(out.status.success(), "{m}: {}", stderr(&out));
        assert_eq!(
            std::fs::read(f.path(&format!("{m}.tasnif"))).expect("model"),
            folder,
            "{m} gives another model than the folder"
        );
    }
    let out = f.run(&["train", "m.tsv", "-o", "tsv.tasnif"]);
    assert!(out.status.success(), "tsv: {}", stderr(&out));
}

#[test]
fn list_keeps_only_the_listed_documents() {
    let f = Fixture::new(10);
    let list: String = TOPICS
        .iter()
        .flat_map(|(n, _)| (0..4).map(move |i| format!("{n}/{i:03}.txt\n")))
        .collect();
    std::fs::write(f.path("list.txt"), list).expect("write");
    let out = f.run(&[
        "train",
        "corpus",
        "--list",
        "list.txt",
        "-o",
        "small.tasnif",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("12 documents"), "{}", stdout(&out));
    std::fs::write(f.path("bad-list.txt"), "economy/000.txt\neconomy/999.txt\n").expect("write");
    let out = f.run(&[
        "train",
        "corpus",
        "--list",
        "bad-list.txt",
        "-o",
        "x.tasnif",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("bad-list.txt") && err.contains("line 2") && err.contains("economy/999.txt"),
        "{err}"
    );
}

#[test]
fn eval_reports_and_writes_json_with_the_contract_keys() {
    let f = Fixture::new(15);
    for args in [
        vec!["eval", "corpus", "-m", "model.tasnif", "--json", "e.json"],
        vec![
            "eval",
            "corpus",
            "--cv",
            "3",
            "--seed",
            "1",
            "--json",
            "e.json",
            "--predictions",
            "p.jsonl",
        ],
    ] {
        let out = f.run(&args);
        assert!(out.status.success(), "{args:?}: {}", stderr(&out));
        let text = stdout(&out);
        assert_contains_all(
            &text,
            &[
                "accuracy",
                "macro avg",
                "weighted avg",
                "confusion matrix",
                "economy",
            ],
            &format!("eval report of {args:?}"),
        );
        let j: Value =
            serde_json::from_str(&std::fs::read_to_string(f.path("e.json")).expect("json"))
                .expect("valid JSON");
        for key in [
            "accuracy",
            "macro_precision",
            "macro_recall",
            "macro_f1",
            "weighted_f1",
            "per_label",
            "confusion",
        ] {
            assert!(j.get(key).is_some(), "{args:?}: json lacks {key}");
        }
        for label in ["economy", "sports", "technology"] {
            for k in ["precision", "recall", "f1", "support"] {
                assert!(j["per_label"][label][k].is_number(), "{label}.{k}");
            }
        }
        let total: u64 = j["confusion"]["matrix"]
            .as_array()
            .expect("matrix")
            .iter()
            .flat_map(|r| {
                r.as_array()
                    .expect("row")
                    .iter()
                    .map(|c| c.as_u64().expect("count"))
            })
            .sum();
        assert_eq!(total, 45);
        assert_eq!(
            j["confusion"]["labels"],
            serde_json::json!(["economy", "sports", "technology"])
        );
        assert!(j["accuracy"].as_f64().expect("accuracy") > 0.8);
    }
    // --predictions (written by the --cv run, the last one): one line per
    // document, agreeing with that run's report
    let preds = records(&std::fs::read_to_string(f.path("p.jsonl")).expect("predictions"));
    assert_eq!(preds.len(), 45);
    let right = preds
        .iter()
        .filter(|p| p["truth"] == p["predicted"])
        .count() as f64;
    let j: Value = serde_json::from_str(&std::fs::read_to_string(f.path("e.json")).expect("json"))
        .expect("JSON");
    assert!((right / 45.0 - j["accuracy"].as_f64().expect("accuracy")).abs() < 1e-12);
    assert!(preds.iter().all(|p| p["id"]
        .as_str()
        .is_some_and(|id| id.starts_with(p["truth"].as_str().unwrap_or("?")))));
}

#[test]
fn cross_validation_is_deterministic_for_a_seed() {
    let f = Fixture::new(15);
    let a = f.run(&[
        "eval", "corpus", "--cv", "3", "--seed", "5", "--json", "a.json",
    ]);
    let b = f.run(&[
        "eval", "corpus", "--cv", "3", "--seed", "5", "--json", "b.json",
    ]);
    assert!(a.status.success() && b.status.success());
    assert_eq!(
        std::fs::read(f.path("a.json")).expect("a"),
        std::fs::read(f.path("b.json")).expect("b")
    );
}

#[test]
fn inspect_shows_settings_labels_and_terms() {
    let f = Fixture::new(8);
    let out = f.run(&["inspect", "model.tasnif", "--top-terms", "3"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_contains_all(
        &text,
        &[
            "stemmer=none",
            "vocabulary:",
            "economy",
            "sports",
            "technology",
            "most indicative terms",
            "format version: 3",
            "refinement: none",
        ],
        "inspect",
    );
}

#[test]
fn bench_measures_train_and_label_and_writes_json() {
    let f = Fixture::new(20);
    let mut train = String::new();
    let mut test = String::new();
    for (name, _) in TOPICS.iter() {
        for n in 0..20 {
            let line = format!("{name}/{n:03}.txt\n");
            if n % 4 == 0 {
                test.push_str(&line);
            } else {
                train.push_str(&line);
            }
        }
    }
    std::fs::write(f.path("train.txt"), train).expect("write");
    std::fs::write(f.path("test.txt"), test).expect("write");
    let out = f.run(&[
        "bench",
        "corpus",
        "--train-list",
        "train.txt",
        "--test-list",
        "test.txt",
        "--runs",
        "2",
        "--copies",
        "3",
        "--json",
        "bench.json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_contains_all(
        &text,
        &[
            "train",
            "label (all cores)",
            "label -j 1",
            "label ×3 copies",
            "peak MB",
            "analyzer alone",
        ],
        "bench output",
    );
    let j: Value =
        serde_json::from_str(&std::fs::read_to_string(f.path("bench.json")).expect("json"))
            .expect("valid JSON");
    assert_eq!(j["train"]["docs"], 45);
    assert_eq!(j["label"]["docs"], 15);
    assert_eq!(j["label_j1"]["threads"], 1);
    assert_eq!(
        j["label_copies"]["docs"], 45,
        "three copies of the 15 test documents"
    );
    assert_eq!(j["train"]["runs_s"].as_array().expect("runs").len(), 2);
    for key in ["train", "label", "label_j1", "label_copies"] {
        let o = &j[key];
        assert!(o["median_s"].as_f64().expect("median") > 0.0, "{key}");
        assert!(o["mb_per_s"].as_f64().expect("MB/s") > 0.0, "{key}");
        assert!(
            o["peak_rss_mb"].as_f64().expect("RSS") > 1.0,
            "{key}: peak RSS must be read from the OS"
        );
    }
    assert!(j["model_bytes"].as_u64().expect("model bytes") > 0);
    assert!(j["machine"]["cores"].as_u64().expect("cores") >= 1);
    assert!(j["accuracy"].as_f64().expect("accuracy") > 0.8);
}

#[test]
fn tune_writes_the_best_settings_that_train_config_reads() {
    let f = Fixture::new(15);
    let out = f.run(&[
        "tune",
        "corpus",
        "--cv",
        "3",
        "--quick",
        "-o",
        "best.json",
        "--json",
        "all.json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_contains_all(
        &text,
        &["rank", "macro-F1", "best:", "--config best.json"],
        "tune output",
    );
    let all: Value =
        serde_json::from_str(&std::fs::read_to_string(f.path("all.json")).expect("all"))
            .expect("JSON");
    let all = all.as_array().expect("a list of candidates");
    assert_eq!(all.len(), 2, "the quick space has two settings");
    let f1: Vec<f64> = all
        .iter()
        .map(|c| c["macro_f1_mean"].as_f64().expect("macro-F1"))
        .collect();
    assert!(f1[0] >= f1[1], "ranked best first: {f1:?}");
    let best: Value =
        serde_json::from_str(&std::fs::read_to_string(f.path("best.json")).expect("best"))
            .expect("JSON");
    assert_eq!(
        best, all[0]["params"],
        "the file holds the top-ranked settings"
    );

    // train --config gives the same model as the same settings as flags
    let alpha = best["nb"]["alpha"].as_f64().expect("alpha").to_string();
    let a = f.run(&[
        "train",
        "corpus",
        "--config",
        "best.json",
        "-o",
        "from-config.tasnif",
    ]);
    let b = f.run(&[
        "train",
        "corpus",
        "--nb",
        "complement",
        "--alpha",
        &alpha,
        "-o",
        "from-flags.tasnif",
    ]);
    assert!(
        a.status.success() && b.status.success(),
        "{} {}",
        stderr(&a),
        stderr(&b)
    );
    assert_eq!(
        std::fs::read(f.path("from-config.tasnif")).expect("model"),
        std::fs::read(f.path("from-flags.tasnif")).expect("model")
    );
    // a flag overrides the file
    let c = f.run(&[
        "train",
        "corpus",
        "--config",
        "best.json",
        "--ngrams",
        "2",
        "-o",
        "override.tasnif",
    ]);
    assert!(c.status.success());
    let i = f.run(&["inspect", "override.tasnif", "--top-terms", "0"]);
    assert!(stdout(&i).contains("ngrams=1..2"), "{}", stdout(&i));
    // tune refuses to overwrite its output without --force
    let again = f.run(&["tune", "corpus", "--cv", "3", "--quick", "-o", "best.json"]);
    assert_eq!(again.status.code(), Some(1));
}

#[test]
fn tune_options_space_measures_each_option_against_the_defaults() {
    let f = Fixture::new(15);
    let out = f.run(&[
        "tune",
        "corpus",
        "--cv",
        "3",
        "--space",
        "options",
        "-o",
        "best.json",
        "--json",
        "all.json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let all: Value =
        serde_json::from_str(&std::fs::read_to_string(f.path("all.json")).expect("all"))
            .expect("JSON");
    let all = all.as_array().expect("a list of candidates");
    assert_eq!(all.len(), 24, "the options space has 24 settings");
    let defaults = all
        .iter()
        .find(|c| c["name"] == "defaults")
        .expect("the defaults are measured");
    assert_eq!(defaults["index"], 0);
    // the defaults row of the table shows a zero change, every option is listed by name
    let text = stdout(&out);
    let row = text
        .lines()
        .find(|l| l.ends_with("  defaults"))
        .expect("a row for the defaults");
    assert!(row.contains("+0.0000"), "{row}");
    assert_contains_all(
        &text,
        &[
            "1 + ln tf",
            "no idf",
            "weight normalization",
            "χ² 50000",
            "keep ة",
            "Light10 stemmer",
        ],
        "options table",
    );
    // each option really changed the settings it names
    let chi2 = all
        .iter()
        .find(|c| c["name"] == "χ² 50000")
        .expect("χ² row");
    assert_eq!(chi2["params"]["chi2_features"], 50000);
    assert_eq!(defaults["params"]["chi2_features"], 20000);
    let no_chi2 = all
        .iter()
        .find(|c| c["name"] == "all terms (no χ² selection)")
        .expect("no-χ² row");
    assert_eq!(no_chi2["params"]["chi2_features"], Value::Null);
}

#[test]
fn chi2_flag_keeps_that_many_terms_and_zero_is_refused() {
    let f = Fixture::new(10);
    let all = f.run(&["train", "corpus", "--chi2", "all", "-o", "all.tasnif"]);
    let few = f.run(&["train", "corpus", "--chi2", "5", "-o", "few.tasnif"]);
    assert!(
        all.status.success() && few.status.success(),
        "{}",
        stderr(&few)
    );
    let terms = |m: &str| -> u64 {
        let i = f.run(&["inspect", m, "--top-terms", "0"]);
        let text = stdout(&i);
        let line = text
            .lines()
            .find(|l| l.starts_with("vocabulary"))
            .unwrap_or_else(|| panic!("no vocabulary line in {text}"));
        line.split_whitespace()
            .find_map(|w| w.parse().ok())
            .unwrap_or_else(|| panic!("no number in {line}"))
    };
    assert!(terms("all.tasnif") > 5);
    assert_eq!(terms("few.tasnif"), 5);
    let zero = f.run(&["train", "corpus", "--chi2", "0", "-o", "zero.tasnif"]);
    assert_eq!(
        zero.status.code(),
        Some(2),
        "clap refuses 0: {}",
        stderr(&zero)
    );
    let err = refused_config(&f, "zero.json", r#"{"chi2_features": 0}"#, "zero.tasnif");
    assert!(
        err.contains("zero.json") && err.contains("chi2_features"),
        "{err}"
    );
}

/// Trains with the settings file `name` holding `json`, checks that train
/// refuses it (exit code 1) and returns its stderr.
fn refused_config(f: &Fixture, name: &str, json: &str, model: &str) -> String {
    std::fs::write(f.path(name), json).expect("write");
    let out = f.run(&["train", "corpus", "--config", name, "-o", model]);
    assert_eq!(out.status.code(), Some(1), "{name}");
    stderr(&out)
}

#[test]
fn a_config_with_an_unknown_or_invalid_field_is_refused_with_its_name() {
    let f = Fixture::new(4);
    let err = refused_config(
        &f,
        "typo.json",
        r#"{"nb": {"alpha": 0.2}, "vectoriser": {}}"#,
        "x.tasnif",
    );
    assert!(
        err.contains("typo.json") && err.contains("unknown field `vectoriser`"),
        "{err}"
    );
    let err = refused_config(&f, "bad-alpha.json", r#"{"nb": {"alpha": -1}}"#, "x.tasnif");
    assert!(
        err.contains("bad-alpha.json") && err.contains("alpha"),
        "{err}"
    );
    assert!(!f.path("x.tasnif").exists());
}

#[test]
fn text_output_into_a_closed_pipe_ends_quietly() {
    let f = Fixture::new(8);
    let train = f.run(&["train", "corpus", "-o", "m.tasnif"]);
    assert!(train.status.success(), "{}", stderr(&train));
    let bin = env!("CARGO_BIN_EXE_tasnif");
    for cmd in [
        "eval corpus -m m.tasnif",
        "eval corpus --cv 3",
        "inspect m.tasnif",
        "label corpus -m m.tasnif",
        "tune corpus --cv 3 --quick -o t.json --force",
    ] {
        // `head -c 1` closes the pipe after one byte, before tasnif is done;
        // `true` reads nothing at all.
        for reader in ["head -c 1 >/dev/null", "true"] {
            let out = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!(
                    "'{bin}' {cmd} 2>err.txt | {reader}; echo ${{PIPESTATUS:-}}"
                ))
                .current_dir(f.path(""))
                .output()
                .expect("sh");
            assert!(out.status.success());
            let err = std::fs::read_to_string(f.path("err.txt")).expect("stderr file");
            assert!(
                !err.contains("panicked") && !err.contains("Broken pipe"),
                "{cmd} | {reader}: {err}"
            );
        }
    }
}

#[test]
fn a_none_label_trains_a_gate_and_multi_gives_tags() {
    // Three synthetic topics; "economy" plays the part of "none of the topics".
    let f = Fixture::new(12);
    let out = f.run(&[
        "train",
        "corpus",
        "--none-label",
        "economy",
        "-o",
        "g.tasnif",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_contains_all(
        &text,
        &["economy", "3 labels"],
        "train summary of a gated model",
    );
    // every label of the data is a label of the model, each file of a label gets it
    for (t, (name, _)) in TOPICS.iter().enumerate() {
        let doc = format!("corpus/{name}/00{t}.txt");
        let out = f.run(&[
            "label",
            &doc,
            "-m",
            "g.tasnif",
            "--top-k",
            "3",
            "--multi",
            "--threshold",
            "0.2",
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let recs = records(&stdout(&out));
        assert_eq!(recs.len(), 1);
        let r = &recs[0];
        assert_eq!(r["label"], *name, "{r}");
        let top = r["top"].as_array().expect("top");
        assert_eq!(top.len(), 3, "all three labels are listed: {r}");
        assert_eq!(top[0]["label"], r["label"], "the chosen label comes first");
        let sum: f64 = top
            .iter()
            .map(|s| s["probability"].as_f64().expect("p"))
            .sum();
        assert!((sum - 1.0).abs() < 1e-9, "probabilities sum to 1: {sum}");
        let tags = r["tags"].as_array().expect("tags with --multi");
        assert_eq!(tags[0], r["label"], "the primary label is the first tag");
        for s in top {
            let p = s["probability"].as_f64().expect("p");
            let tagged = tags.contains(&s["label"]);
            assert_eq!(tagged, p >= 0.2 || s["label"] == r["label"], "{r}");
        }
    }
    // the gated model survives save → load: inspect names the gate; the
    // bytes decode to the same records twice
    let i = f.run(&["inspect", "g.tasnif", "--top-terms", "2"]);
    assert!(i.status.success(), "{}", stderr(&i));
    assert!(stdout(&i).contains("gate"), "{}", stdout(&i));
    // without --multi there is no tags field
    let plain = f.run(&["label", "corpus/sports/000.txt", "-m", "g.tasnif"]);
    assert!(records(&stdout(&plain))[0].get("tags").is_none());
    // a none label the data lacks is refused with its name
    f.refused(
        &[
            "train",
            "corpus",
            "--none-label",
            "weather",
            "-o",
            "x.tasnif",
        ],
        "'weather'",
    );
    // cross-validation of gated settings runs and scores every document
    let cv = f.run(&[
        "eval",
        "corpus",
        "--cv",
        "3",
        "--none-label",
        "economy",
        "--json",
        "cv.json",
    ]);
    assert!(cv.status.success(), "{}", stderr(&cv));
    let j = f.json("cv.json");
    assert_eq!(j["documents"], 36);
}

#[test]
fn eval_multi_scores_tags_against_the_secondary_column() {
    let f = Fixture::new(8);
    // a manifest of texts: each topic's articles, and four that mix economy
    // and sports, labeled economy with the secondary label sports
    let mut csv = String::from("text,label,secondary\n");
    for (t, (name, _)) in TOPICS.iter().enumerate() {
        for n in 0..6 {
            csv.push_str(&format!(
                "{},{name},\n",
                article(t, 500 + n).replace(['\n', ','], " ")
            ));
        }
    }
    let economy = TOPICS
        .iter()
        .position(|(n, _)| *n == "economy")
        .expect("economy");
    let sports = TOPICS
        .iter()
        .position(|(n, _)| *n == "sports")
        .expect("sports");
    for n in 0..4 {
        let mixed = format!("{} {}", article(economy, 700 + n), article(sports, 800 + n));
        csv.push_str(&format!(
            "{},economy,sports\n",
            mixed.replace(['\n', ','], " ")
        ));
    }
    std::fs::write(f.path("m.csv"), csv).expect("write");
    let low = f.run(&[
        "eval",
        "m.csv",
        "-m",
        "model.tasnif",
        "--multi",
        "--threshold",
        "0.000001",
    ]);
    let high = f.run(&[
        "eval",
        "m.csv",
        "-m",
        "model.tasnif",
        "--multi",
        "--threshold",
        "1",
    ]);
    assert!(
        low.status.success() && high.status.success(),
        "{}",
        stderr(&low)
    );
    let line = |o: &std::process::Output| {
        stdout(o)
            .lines()
            .find(|l| l.starts_with("tags"))
            .unwrap_or_else(|| panic!("no tags line: {}", stdout(o)))
            .to_string()
    };
    let (low, high) = (line(&low), line(&high));
    // a tiny threshold tags some mixed articles with both topics: more tags,
    // more of the true tags found than with the primary label alone
    let given = |l: &str| -> u64 {
        l.split(" tags given")
            .next()
            .and_then(|h| h.rsplit(['(', ' ']).next())
            .and_then(|n| n.parse().ok())
            .unwrap_or_else(|| panic!("no count in {l}"))
    };
    assert!(given(&low) > given(&high), "{low} | {high}");
    assert!(
        low.contains("precision 1.0000"),
        "the extra tags are the secondary labels: {low}"
    );
    assert!(
        low.contains("4 of 22 documents have a secondary label"),
        "{low}"
    );
    // only the primary at threshold 1: 24 tags, 25 true tags
    assert!(high.contains("22 tags given, 26 true"), "{high}");
}

/// A CSV manifest of texts (`text,label`), one article per row.
fn text_manifest(rows: &[(String, &str)]) -> String {
    let mut csv = String::from("text,label\n");
    for (text, label) in rows {
        csv.push_str(&format!("\"{}\",{label}\n", text.replace('\n', " ")));
    }
    csv
}

#[test]
fn uniform_gate_priors_lower_the_none_probability_of_a_rare_topic() {
    // Many "none" articles (economy) and few of each topic: with fitted
    // priors the gate starts at 40:8 odds for none, with uniform at 1:1.
    let f = Fixture::new(2);
    let mut rows: Vec<(String, &str)> = (0..40).map(|n| (article(0, 2000 + n), "none")).collect();
    for n in 0..4 {
        rows.push((article(1, 3000 + n), "sports"));
        rows.push((article(2, 4000 + n), "technology"));
    }
    std::fs::write(f.path("gated.csv"), text_manifest(&rows)).expect("write");
    // unseen articles: half technology, half economy words
    let probes: Vec<String> = (0..6)
        .map(|n| {
            let (t, e) = (article(2, 5000 + n), article(0, 6000 + n));
            let half = |s: &str| s.split(' ').take(30).collect::<Vec<_>>().join(" ");
            format!("{} {}", half(&t), half(&e))
        })
        .collect();
    let mut p_none = Vec::new();
    for priors in ["fitted", "uniform"] {
        let model = format!("{priors}.tasnif");
        let out = f.run(&[
            "train",
            "gated.csv",
            "--none-label",
            "none",
            "--gate-priors",
            priors,
            "-o",
            &model,
        ]);
        assert!(out.status.success(), "{}", stderr(&out));
        let ps: Vec<f64> = probes
            .iter()
            .map(|text| {
                let line = serde_json::json!({ "id": "probe", "text": text }).to_string();
                let out = tasnif_stdin(
                    f.dir.path(),
                    &["label", "-", "-m", &model, "--top-k", "3"],
                    &line,
                );
                assert!(out.status.success(), "{}", stderr(&out));
                let r = &records(&stdout(&out))[0];
                r["top"]
                    .as_array()
                    .expect("top")
                    .iter()
                    .find(|s| s["label"] == "none")
                    .and_then(|s| s["probability"].as_f64())
                    .unwrap_or(0.0)
            })
            .collect();
        p_none.push(ps);
    }
    for (fitted, uniform) in p_none[0].iter().zip(&p_none[1]) {
        assert!(
            uniform < fitted,
            "uniform gate priors must lower P(none): {:?}",
            p_none
        );
    }
    // the same settings from a configuration file give the same model
    std::fs::write(
        f.path("gate.json"),
        r#"{"none_label": "none", "gate_priors": "uniform"}"#,
    )
    .expect("write");
    let out = f.run(&[
        "train",
        "gated.csv",
        "--config",
        "gate.json",
        "-o",
        "c.tasnif",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(f.path("c.tasnif")).expect("read"),
        std::fs::read(f.path("uniform.tasnif")).expect("read")
    );
    // a value that is not a kind of priors is refused with the field's name
    let err = refused_config(&f, "even.json", r#"{"gate_priors": "even"}"#, "x.tasnif");
    assert!(err.contains("even.json") && err.contains("even"), "{err}");
    // the flag without a gate is refused, not ignored
    f.refused(
        &[
            "train",
            "corpus",
            "--gate-priors",
            "uniform",
            "-o",
            "y.tasnif",
        ],
        "--none-label",
    );
    assert!(!f.path("x.tasnif").exists() && !f.path("y.tasnif").exists());
}

#[test]
fn eval_of_a_gated_model_gives_the_gate_and_the_topics_on_their_own_documents() {
    let f = Fixture::new(12);
    // the three topics, and mislabeled articles the gate must get wrong:
    // economy texts labeled sports (kept out as none) and sports texts
    // labeled economy (let through as sports)
    let mut rows = Vec::new();
    for (t, (name, _)) in TOPICS.iter().enumerate() {
        for n in 0..12 {
            rows.push((article(t, 7000 + 100 * t + n), *name));
        }
    }
    for n in 0..4 {
        rows.push((article(0, 8000 + n), "sports"));
        rows.push((article(1, 8100 + n), "economy"));
    }
    std::fs::write(f.path("mixed.csv"), text_manifest(&rows)).expect("write");
    let cv = f.run(&[
        "eval",
        "mixed.csv",
        "--cv",
        "3",
        "--none-label",
        "economy",
        "--f1-labels",
        "sports",
        "--json",
        "cv.json",
        "--predictions",
        "p.jsonl",
        "--report",
        "r.md",
        "--color",
        "never",
    ]);
    assert!(cv.status.success(), "{}", stderr(&cv));
    // the figures, recomputed here from every document's outcome
    let outcomes = records(&std::fs::read_to_string(f.path("p.jsonl")).expect("predictions"));
    let pairs: Vec<(String, String)> = outcomes
        .iter()
        .map(|o| {
            let s = |k: &str| o[k].as_str().expect("a label").to_string();
            (s("truth"), s("predicted"))
        })
        .collect();
    let topic: Vec<&(String, String)> = pairs.iter().filter(|(t, _)| t != "economy").collect();
    let kept = topic.iter().filter(|(_, p)| p != "economy").count();
    let (tp, fp, fn_) = (
        topic
            .iter()
            .filter(|(t, p)| t == "sports" && p == "sports")
            .count() as f64,
        topic
            .iter()
            .filter(|(t, p)| t != "sports" && p == "sports")
            .count() as f64,
        topic
            .iter()
            .filter(|(t, p)| t == "sports" && p != "sports")
            .count() as f64,
    );
    let sports_f1 = if tp > 0.0 {
        2.0 * tp / (2.0 * tp + fp + fn_)
    } else {
        0.0
    };
    let j = f.json("cv.json");
    let g = &j["gate"];
    assert_eq!(g["none_label"], "economy");
    assert_eq!(g["topic_documents"], topic.len());
    assert_eq!(g["topic_kept"], kept);
    assert_eq!(g["none_documents"], pairs.len() - topic.len());
    assert_eq!(g["macro_labels"], serde_json::json!(["sports"]));
    let macro_f1 = g["macro_f1"].as_f64().expect("macro_f1");
    assert!(
        (macro_f1 - sports_f1).abs() < 1e-12,
        "{macro_f1} vs {sports_f1}"
    );
    // the none label is no topic of the per-topic table
    assert!(g["per_topic"].get("economy").is_none(), "{g}");
    // the mislabeled articles make these figures differ from the pooled ones
    assert!(
        kept < topic.len(),
        "the gate kept every topic document: {g}"
    );
    assert!(g["false_alarms"].as_u64() > Some(0), "{g}");
    let pooled = j["per_label"]["sports"]["f1"].as_f64().expect("pooled F1");
    assert!((pooled - macro_f1).abs() > 1e-6, "{pooled} {macro_f1}");
    // the terminal and Markdown reports show the same figure
    let line = format!(
        "macro-F1 over sports (topic documents alone): {:.4}",
        macro_f1
    );
    assert!(stdout(&cv).contains(&line), "{}", stdout(&cv));
    let md = std::fs::read_to_string(f.path("r.md")).expect("report");
    assert!(
        md.contains("## Gate") && md.contains(&format!("**{macro_f1:.4}**")),
        "{md}"
    );
    // a model without a gate has no such section, and --f1-labels is refused
    let plain = f.run(&[
        "eval",
        "corpus",
        "-m",
        "model.tasnif",
        "--json",
        "plain.json",
    ]);
    assert!(plain.status.success(), "{}", stderr(&plain));
    assert!(f.json("plain.json").get("gate").is_none());
    f.refused(
        &[
            "eval",
            "corpus",
            "-m",
            "model.tasnif",
            "--f1-labels",
            "sports",
        ],
        "--none-label",
    );
    // the none label is not a topic
    f.refused(
        &[
            "eval",
            "corpus",
            "--cv",
            "3",
            "--none-label",
            "economy",
            "--f1-labels",
            "economy",
        ],
        "'economy' is the none label",
    );
}
