//! `tasnif train`, `tune`, `bench` and `inspect`: byte-identical models,
//! summaries, data forms and lists, settings files, the search of settings.

use serde_json::Value;

use crate::common::*;

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
            "format version: 5",
            // the default perceptron skips labels this small
            "refinement: none (the perceptron refines only when every label has at least 150",
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
        "--always-write",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert_contains_all(
        &text,
        &["rank", "macro-F1", "best:", "written to best.json"],
        "tune output",
    );
    let all: Value =
        serde_json::from_str(&std::fs::read_to_string(f.path("all.json")).expect("all"))
            .expect("JSON");
    let all = all.as_array().expect("a list of candidates");
    assert_eq!(
        all.len(),
        3,
        "the quick space has two settings, and the defaults"
    );
    assert!(all.iter().any(|c| c["name"] == "the defaults"));
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
    let kind = best["nb"]["kind"].as_str().expect("nb kind").to_string();
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
        &kind,
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
fn tune_writes_a_config_only_when_it_beats_the_defaults() {
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
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let all = f.json("all.json");
    let all = all.as_array().expect("candidates");
    let f1 = |c: &Value| c["macro_f1_mean"].as_f64().expect("macro-F1");
    let defaults = all
        .iter()
        .find(|c| c["name"] == "the defaults")
        .map(f1)
        .expect("the defaults are cross-validated beside the quick space");
    let beaten = all[0]["name"] != "the defaults" && f1(&all[0]) > defaults;
    let text = stdout(&out);
    if beaten {
        assert!(f.path("best.json").exists(), "{text}");
        assert!(text.contains("train with it"), "{text}");
    } else {
        assert!(
            !f.path("best.json").exists(),
            "written though not better:\n{text}"
        );
        assert_contains_all(
            &text,
            &["no setting beats the defaults", "--always-write"],
            "tune",
        );
        assert!(!text.contains("train with it"), "{text}");
    }
}

/// `tasnif tune corpus --cv 3 --space SPACE`, which must succeed, and every
/// candidate's figures from its `--json` file.
fn tune_space(f: &Fixture, space: &str) -> (std::process::Output, Vec<Value>) {
    let out = f.run(&[
        "tune",
        "corpus",
        "--cv",
        "3",
        "--space",
        space,
        "-o",
        "best.json",
        "--json",
        "all.json",
        "--always-write",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let all: Value =
        serde_json::from_str(&std::fs::read_to_string(f.path("all.json")).expect("all"))
            .expect("JSON");
    let all = all.as_array().expect("a list of candidates").clone();
    (out, all)
}

#[test]
fn tune_options_space_measures_each_option_against_the_defaults() {
    let f = Fixture::new(15);
    let (out, all) = tune_space(&f, "options");
    assert_eq!(all.len(), 28, "the options space has 28 settings");
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
    // the refinement is an option like the others: on by default, off in its row
    assert_eq!(defaults["params"]["refine"]["kind"], "perceptron");
    let off = all
        .iter()
        .find(|c| c["name"] == "no refinement")
        .expect("no-refinement row");
    assert_eq!(off["params"]["refine"]["kind"], "none");
}

#[test]
fn tune_refine_space_sweeps_the_perceptron_and_writes_the_best() {
    let f = Fixture::new(12);
    let (out, all) = tune_space(&f, "refine");
    assert_eq!(all.len(), 28, "none, then 3 × 3 × 3 perceptron settings");
    let mut seen = std::collections::BTreeSet::new();
    for c in &all {
        let r = &c["params"]["refine"];
        seen.insert(format!(
            "{} {} {} {}",
            r["kind"], r["epochs"], r["margin"], r["balance"]
        ));
    }
    assert_eq!(seen.len(), 28, "every candidate differs: {seen:?}");
    assert!(
        all.iter().any(|c| c["params"]["refine"]["kind"] == "none"),
        "no refinement is measured too"
    );
    // the defaults are in the sweep, so the table shows each change from them
    let text = stdout(&out);
    let row = text
        .lines()
        .find(|l| l.ends_with("refine: 3 passes, margin 5, balance 0.25"))
        .expect("a row for the defaults");
    assert!(row.contains("+0.0000"), "{row}");
    // what it writes trains
    let t = f.run(&["train", "corpus", "--config", "best.json", "-o", "m.tasnif"]);
    assert!(t.status.success(), "{}", stderr(&t));
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
        Some(64),
        "clap refuses 0: {}",
        stderr(&zero)
    );
    let err = refused_config(&f, "zero.json", r#"{"chi2_features": 0}"#, "zero.tasnif");
    assert!(
        err.contains("zero.json") && err.contains("chi2_features"),
        "{err}"
    );
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
fn refine_flags_set_the_perceptron_and_its_bytes_do_not_depend_on_threads() {
    let f = Fixture::new(12);
    let flags = [
        "--refine",
        "perceptron",
        "--refine-epochs",
        "2",
        "--refine-margin",
        "5",
        "--refine-step",
        "0.5",
        "--refine-balance",
        "0.5",
        "--refine-seed",
        "7",
        "--refine-min-docs",
        "0",
    ];
    let train = |out: &str, jobs: &str, extra: &[&str]| {
        let mut args = vec!["train", "corpus", "-o", out, "-j", jobs];
        args.extend_from_slice(extra);
        let o = f.run(&args);
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read(f.path(out)).expect("model")
    };
    let one = train("j1.tasnif", "1", &flags);
    let two = train("j2.tasnif", "2", &flags);
    assert_eq!(one, two, "-j 1 and -j 2 give the same bytes");
    let plain = train("plain.tasnif", "2", &["--refine", "none"]);
    assert_ne!(one, plain, "refinement changes the weights");
    let text = stdout(&f.run(&["inspect", "plain.tasnif"]));
    assert!(text.contains("refinement: none\n"), "{text}");
    // by default, labels of 12 articles are too few for the perceptron
    let small = train("default.tasnif", "2", &[]);
    assert_eq!(small[..12], plain[..12], "same format");
    let text = stdout(&f.run(&["inspect", "default.tasnif"]));
    assert!(
        text.contains("refinement: none (the perceptron refines only when every label has at least 150 training documents)"),
        "{text}"
    );
    let lowered = train("lowered.tasnif", "2", &["--refine-min-docs", "12"]);
    assert_ne!(lowered, plain, "12 articles per label are enough for 12");
    let text = stdout(&f.run(&["inspect", "j1.tasnif"]));
    assert!(
        text.contains("refinement: perceptron epochs=2 margin=5 step=0.5 seed=7 balance=0.5"),
        "{text}"
    );
    // complement naive Bayes too, on the command line
    let cnb = train(
        "cnb.tasnif",
        "2",
        &["--nb", "complement", "--refine-min-docs", "0"],
    );
    assert_ne!(
        cnb,
        train(
            "cnb0.tasnif",
            "2",
            &["--nb", "complement", "--refine", "none"]
        )
    );
    // weight normalization asked for alone turns the default refinement off
    train("wn.tasnif", "2", &["--nb", "complement", "--weight-norm"]);
    let text = stdout(&f.run(&["inspect", "wn.tasnif"]));
    assert!(text.contains("refinement: none\n"), "{text}");
    // out of range, and a gate refinement without a gate
    for (args, needle) in [
        (
            vec!["--refine", "perceptron", "--refine-epochs", "0"],
            "refine.epochs",
        ),
        (
            vec!["--refine", "perceptron", "--refine-balance=-1"],
            "refine.balance",
        ),
        (vec!["--gate-refine", "perceptron"], "--none-label"),
        (
            vec![
                "--nb",
                "complement",
                "--weight-norm",
                "--refine",
                "perceptron",
            ],
            "without weight normalization",
        ),
    ] {
        let mut all = vec!["train", "corpus", "-o", "bad.tasnif"];
        all.extend_from_slice(&args);
        f.refused(&all, needle);
    }
    let o = f.run(&[
        "train",
        "corpus",
        "-o",
        "bad.tasnif",
        "--refine",
        "sideways",
    ]);
    assert_eq!(o.status.code(), Some(64), "a usage error");
    assert!(
        stderr(&o).contains("possible values: none, perceptron"),
        "{}",
        stderr(&o)
    );
    assert!(!f.path("bad.tasnif").exists());
}
