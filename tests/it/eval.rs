//! `tasnif eval`: the JSON contract, deterministic cross-validation, and
//! multi-label tags against a manifest's secondary column.

use serde_json::Value;

use crate::common::*;

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
            "--force",
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

/// Counts what the library reports through `tasnif::progress::Progress`.
#[derive(Default)]
struct Counted {
    stages: std::sync::Mutex<Vec<(String, u64)>>,
    steps: std::sync::atomic::AtomicU64,
}

impl tasnif::progress::Progress for Counted {
    fn start(&self, what: &str, total: u64) {
        self.stages
            .lock()
            .expect("stages")
            .push((what.to_string(), total));
    }
    fn advance(&self, n: u64) {
        self.steps
            .fetch_add(n, std::sync::atomic::Ordering::Relaxed);
    }
}

#[test]
fn progress_is_reported_and_changes_no_result() {
    use tasnif::corpus::{load_labeled, ReadOptions};
    use tasnif::eval::{cross_validate, cross_validate_with, Folds};
    use tasnif::train::TrainParams;
    let dir = tempfile::tempdir().expect("tempdir");
    write_corpus(dir.path(), 10);
    let data = load_labeled(dir.path(), None, Default::default()).expect("corpus");
    let (params, read) = (TrainParams::new(), ReadOptions::default());
    let folds = Folds::Stratified { k: 3, seed: 7 };
    let plain = cross_validate(&data, &params, &folds, &read).expect("cv");
    let counted = Counted::default();
    let watched = cross_validate_with(&data, &params, &folds, &read, &counted).expect("cv");
    assert_eq!(format!("{plain:?}"), format!("{watched:?}"));
    assert_eq!(
        *counted.stages.lock().expect("stages"),
        [("documents read".to_string(), 30), ("folds".to_string(), 3)]
    );
    assert_eq!(
        counted.steps.load(std::sync::atomic::Ordering::Relaxed),
        30 + 3
    );
    // training: the documents, then the fit; the same model bytes
    let counted = Counted::default();
    let a = tasnif::train::train(&data, &params, &read).expect("train");
    let b = tasnif::train::train_with(&data, &params, &read, &counted).expect("train");
    assert_eq!(a.to_bytes(), b.to_bytes());
    assert_eq!(
        counted.stages.lock().expect("stages")[0],
        ("documents read".to_string(), 30)
    );
}
