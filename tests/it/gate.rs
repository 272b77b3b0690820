//! Gated models (a none label) as an analyst uses them: the probability of
//! any topic in every record, `top` sorted, the gate threshold at label
//! time, the evidence that opened the gate, too little Arabic is none; and
//! grouped cross-validation, which holds out whole groups (outlets).

use crate::common::*;
use serde_json::Value;

/// Trains `g.tasnif` on the fixture's corpus with economy as the none
/// label and the gate named `topicness`; `extra` adds training flags.
fn gated(f: &Fixture, extra: &[&str]) {
    let mut args = vec![
        "train",
        "corpus",
        "--none-label",
        "economy",
        "--gate-name",
        "topicness",
        "-o",
        "g.tasnif",
        "--force",
    ];
    args.extend_from_slice(extra);
    let out = f.run(&args);
    assert!(out.status.success(), "{}", stderr(&out));
}

fn label(f: &Fixture, args: &[&str]) -> Vec<Value> {
    let out = f.run(args);
    assert!(out.status.success(), "{args:?}: {}", stderr(&out));
    records(&stdout(&out))
}

fn probabilities(r: &Value) -> Vec<f64> {
    r["top"]
        .as_array()
        .expect("top")
        .iter()
        .map(|s| s["probability"].as_f64().expect("p"))
        .collect()
}

#[test]
fn records_of_a_gated_model_carry_the_gate_probability_and_a_sorted_top() {
    let f = Fixture::new(12);
    gated(&f, &[]);
    let recs = label(&f, &["label", "corpus", "-m", "g.tasnif", "--top-k", "3"]);
    assert_eq!(recs.len(), 36);
    for r in &recs {
        let keys: Vec<&str> = r
            .as_object()
            .expect("object")
            .keys()
            .map(String::as_str)
            .collect();
        let mut want = vec!["error", "id", "label", "probability", "top", "topicness"];
        want.sort_unstable();
        let mut keys = keys.clone();
        keys.sort_unstable();
        assert_eq!(keys, want, "{r}");
        let gate = r["topicness"].as_f64().expect("the gate's probability");
        let p = probabilities(r);
        assert!(p.windows(2).all(|w| w[0] >= w[1]), "top is sorted: {r}");
        // P(none) = 1 − P(any topic)
        let none = r["top"]
            .as_array()
            .expect("top")
            .iter()
            .find(|s| s["label"] == "economy")
            .and_then(|s| s["probability"].as_f64())
            .expect("none listed among 3 of 3 labels");
        assert!((none + gate - 1.0).abs() < 1e-12, "{r}");
    }
    // the field order of the contract: id, label, probability, the gate, top
    let out = f.run(&["label", "corpus/sports/000.txt", "-m", "g.tasnif"]);
    let line = stdout(&out);
    let order: Vec<usize> = [
        "\"id\"",
        "\"label\"",
        "\"probability\"",
        "\"topicness\"",
        "\"top\"",
    ]
    .iter()
    .map(|k| line.find(k).unwrap_or_else(|| panic!("{k} in {line}")))
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{line}");
    // CSV has the gate's column after probability
    let out = f.run(&[
        "label",
        "corpus/sports/000.txt",
        "-m",
        "g.tasnif",
        "--format",
        "csv",
    ]);
    assert!(
        stdout(&out).starts_with("id,label,probability,topicness,top,encoding,error\n"),
        "{}",
        stdout(&out)
    );
    // a one-stage model's records have no such field
    let plain = label(
        &f,
        &["label", "corpus/sports/000.txt", "-m", "model.tasnif"],
    );
    assert!(plain[0].get("topicness").is_none() && plain[0].get("cyber").is_none());
}

#[test]
fn the_gate_threshold_decides_at_label_time() {
    let f = Fixture::new(12);
    gated(&f, &[]);
    // unseen articles, each part sports and part economy words: their
    // probabilities of any topic spread between 0 and 1
    let probes: String = (0..40)
        .map(|n| {
            let words = |t: usize, k: usize| {
                article(t, 9000 + n)
                    .split_whitespace()
                    .take(k)
                    .collect::<Vec<_>>()
                    .join(" ")
            };
            let text = format!("{} {}", words(1, n + 2), words(0, 44 - n));
            format!(
                "{}\n",
                serde_json::json!({"id": n.to_string(), "text": text})
            )
        })
        .collect();
    let at = |t: &str| {
        let out = tasnif_stdin(
            f.dir.path(),
            &["label", "-", "-m", "g.tasnif", "--gate-threshold", t],
            &probes,
        );
        assert!(out.status.success(), "{}", stderr(&out));
        records(&stdout(&out))
    };
    let flagged = |recs: &[Value]| recs.iter().filter(|r| r["label"] != "economy").count();
    let (low, mid, high) = (at("0.000001"), at("0.5"), at("1"));
    for (recs, t) in [(&low, 0.000001), (&mid, 0.5), (&high, 1.0)] {
        for r in recs.iter() {
            let p = r["topicness"].as_f64().expect("p");
            assert_eq!(r["label"] != "economy", p >= t, "at {t}: {r}");
        }
    }
    assert!(
        flagged(&high) < flagged(&mid) && flagged(&mid) < flagged(&low),
        "{} {} {}",
        flagged(&high),
        flagged(&mid),
        flagged(&low)
    );
    for (lo, hi) in low.iter().zip(&mid) {
        // the probabilities do not depend on the threshold, the label does
        assert_eq!(lo["top"], hi["top"]);
        assert_eq!(lo["topicness"], hi["topicness"]);
        // a flagged article gets the topic model's label, even when none
        // is more probable; its probability is that label's
        if lo["label"] != "economy" {
            let topic = lo["top"]
                .as_array()
                .expect("top")
                .iter()
                .find(|s| s["label"] == lo["label"])
                .expect("its label is listed");
            assert_eq!(topic["probability"], lo["probability"]);
        }
    }
    assert!(
        low.iter()
            .any(|r| r["label"] != "economy" && r["top"][0]["label"] == "economy"),
        "some article is flagged although none is its most probable label"
    );
    // the model's own threshold is chosen at training; inspect says what it is
    let i = f.run(&["inspect", "g.tasnif"]);
    let text = stdout(&i);
    assert!(text.contains("gate threshold: an article gets a topic when its probability of any topic (the record's \"topicness\") is at least"), "{text}");
    // a fixed threshold at training is kept
    gated(&f, &["--gate-threshold", "0.7"]);
    let text = stdout(&f.run(&["inspect", "g.tasnif"]));
    assert!(text.contains("is at least 0.7000"), "{text}");
    let own = label(&f, &["label", "corpus", "-m", "g.tasnif"]);
    let given = label(
        &f,
        &[
            "label",
            "corpus",
            "-m",
            "g.tasnif",
            "--gate-threshold",
            "0.7",
        ],
    );
    assert_eq!(own, given);
    // bad values and a model without a gate are refused
    for bad in ["0", "1.5", "x"] {
        let out = f.run(&["label", "corpus", "-m", "g.tasnif", "--gate-threshold", bad]);
        assert_eq!(out.status.code(), Some(64), "{bad}");
    }
    f.refused(
        &[
            "label",
            "corpus",
            "-m",
            "model.tasnif",
            "--gate-threshold",
            "0.5",
        ],
        "none label",
    );
    for bad in ["1", "0", "auto2"] {
        let out = f.run(&[
            "train",
            "corpus",
            "--none-label",
            "economy",
            "--gate-threshold",
            bad,
            "-o",
            "x.tasnif",
        ]);
        assert_eq!(out.status.code(), Some(64), "{bad}: {}", stderr(&out));
    }
    f.refused(
        &[
            "train",
            "corpus",
            "--gate-threshold",
            "0.5",
            "-o",
            "x.tasnif",
        ],
        "--none-label",
    );
    f.refused(
        &[
            "train",
            "corpus",
            "--none-label",
            "economy",
            "--gate-name",
            "label",
            "-o",
            "x.tasnif",
        ],
        "already a field",
    );
    assert!(!f.path("x.tasnif").exists());
}

#[test]
fn explain_gives_the_evidence_that_opened_the_gate() {
    let f = Fixture::new(12);
    gated(&f, &[]);
    let recs = label(
        &f,
        &[
            "label",
            "corpus/sports",
            "corpus/economy",
            "-m",
            "g.tasnif",
            "--explain",
            "3",
            "--gate-threshold",
            "0.5",
        ],
    );
    let sports: &[&str] = TOPICS[1].1;
    for r in &recs {
        let evidence = r["evidence"].as_array().expect("evidence with --explain");
        assert!(evidence.len() <= 3, "{r}");
        let weights: Vec<f64> = evidence
            .iter()
            .map(|t| t["weight"].as_f64().expect("weight"))
            .collect();
        assert!(
            weights.iter().all(|w| *w > 0.0),
            "evidence raises the odds: {r}"
        );
        assert!(weights.windows(2).all(|w| w[0] >= w[1]), "{r}");
        if r["label"] == "sports" {
            // the evidence of a flagged sports article is sports vocabulary
            let t = evidence[0]["term"].as_str().expect("term");
            assert!(
                sports.iter().any(|w| w.replace('أ', "ا") == t),
                "{t} in {r}"
            );
        }
    }
    // without --explain there is no evidence field
    let plain = label(&f, &["label", "corpus/sports/000.txt", "-m", "g.tasnif"]);
    assert!(plain[0].get("evidence").is_none());
}

#[test]
fn too_little_arabic_is_none_for_a_gated_model() {
    let f = Fixture::new(12);
    gated(&f, &["--gate-threshold", "0.000001"]);
    let sports = article(1, 77);
    let few: String = sports
        .split_whitespace()
        .take(4)
        .collect::<Vec<_>>()
        .join(" ");
    let lines = [
        (
            "fr",
            "Le match de football a été gagné par l'équipe nationale hier soir.".to_string(),
        ),
        (
            "en",
            "The national team won the football match last night.".to_string(),
        ),
        ("digits", "2018 12 345 6789".to_string()),
        ("blank", "   ".to_string()),
        ("one-word", "المباراة".to_string()),
        (
            "mixed",
            format!(
                "{few} {}",
                "the match was won by the national team ".repeat(3)
            ),
        ),
        ("arabic", sports),
    ];
    let input: String = lines
        .iter()
        .map(|(id, text)| format!("{}\n", serde_json::json!({"id": id, "text": text})))
        .collect();
    let out = tasnif_stdin(
        f.dir.path(),
        &["label", "-", "-m", "g.tasnif", "--explain", "2"],
        &input,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let recs = records(&stdout(&out));
    for r in &recs[..6] {
        assert_eq!(r["label"], "economy", "{r}");
        assert_eq!(r["topicness"], 0.0, "{r}");
        assert_eq!(r["probability"], 1.0, "{r}");
        assert!(r["error"].is_null(), "{r}");
        assert_eq!(r["evidence"], serde_json::json!([]), "{r}");
    }
    assert_eq!(recs[6]["label"], "sports", "{}", recs[6]);
    // with a rule of 0 terms, the gate weighs even French
    gated(
        &f,
        &["--gate-threshold", "0.000001", "--gate-min-terms", "0"],
    );
    let out = tasnif_stdin(f.dir.path(), &["label", "-", "-m", "g.tasnif"], &input);
    let recs = records(&stdout(&out));
    assert_ne!(recs[0]["label"], "economy", "{}", recs[0]);
    // a one-stage model still refuses a blank text
    let out = tasnif_stdin(
        f.dir.path(),
        &["label", "-", "-m", "model.tasnif"],
        "{\"id\":\"b\",\"text\":\" \"}\n",
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(records(&stdout(&out))[0]["error"]
        .as_str()
        .is_some_and(|e| e.contains("empty document")));
}

#[test]
fn the_bundled_model_says_none_to_what_is_not_arabic_news_and_keeps_the_seeds() {
    let input = [
        r#"{"id":"fr","text":"Des pirates informatiques ont attaqué le site du ministère et volé les données de milliers d'usagers."}"#,
        r#"{"id":"en","text":"Hackers breached the ministry's network and leaked the personal data of millions of users."}"#,
        r#"{"id":"digits","text":"2018 443 8080 192 168 0 1"}"#,
        r#"{"id":"empty","text":""}"#,
    ]
    .join("\n");
    let out = tasnif_stdin(
        &crate::common::root(),
        &["label", "-"],
        &format!("{input}\n"),
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    for r in records(&stdout(&out)) {
        assert_eq!(r["label"], "none", "{r}");
        assert_eq!(r["cyber"], 0.0, "{r}");
    }
    let seeds =
        std::fs::read_to_string(crate::common::root().join("seeds/labels.csv")).expect("labels");
    let out = tasnif(&["label", "seeds/"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let recs = records(&stdout(&out));
    for line in seeds.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let (file, topic) = line.split_once(',').expect("file,topic");
        let r = recs
            .iter()
            .find(|r| r["id"] == format!("seeds/{file}").as_str())
            .expect("a record per seed");
        assert_eq!(r["label"], topic.trim(), "{r}");
        assert!(r["cyber"].as_f64().is_some_and(|p| p > 0.5), "{r}");
    }
}

/// Writes `groups.csv`: each article of the fixture's corpus in group
/// `g{n % 3}`, except the articles `except` says (path → group).
fn write_groups(f: &Fixture, per_label: usize, except: &[(&str, &str)]) {
    let mut csv = String::from("path,group\n");
    for (name, _) in TOPICS.iter() {
        for n in 0..per_label {
            let path = format!("{name}/{n:03}.txt");
            let group = except
                .iter()
                .find(|(p, _)| *p == path)
                .map_or(format!("g{}", n % 3), |(_, g)| g.to_string());
            csv.push_str(&format!("{path},{group}\n"));
        }
    }
    std::fs::write(f.path("groups.csv"), csv).expect("write");
}

#[test]
fn grouped_cross_validation_holds_out_whole_groups() {
    let f = Fixture::new(12);
    write_groups(&f, 12, &[("sports/011.txt", "-")]);
    let out = f.run(&[
        "eval",
        "corpus",
        "--cv",
        "3",
        "--groups",
        "groups.csv",
        "--none-label",
        "economy",
        "--json",
        "cv.json",
        "--predictions",
        "p.jsonl",
        "--report",
        "r.md",
        "--color",
        "never",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("1 documents of group '-' are in every fold's training data"),
        "{}",
        stderr(&out)
    );
    let j = f.json("cv.json");
    assert_eq!(j["origin"]["groups"], "groups.csv");
    assert_eq!(
        j["documents"], 35,
        "the never-held-out article is not evaluated"
    );
    // each group's figures, recomputed from the predictions
    let preds = records(&std::fs::read_to_string(f.path("p.jsonl")).expect("predictions"));
    assert_eq!(preds.len(), 35);
    assert!(preds.iter().all(|p| p["id"] != "corpus/sports/011.txt"));
    let groups = j["groups"]["groups"].as_array().expect("groups");
    assert_eq!(groups.len(), 3);
    let mut precisions = Vec::new();
    for g in groups {
        let name = g["group"].as_str().expect("name");
        let n: usize = name[1..].parse().expect("g0..g2");
        let mine: Vec<&Value> = preds
            .iter()
            .filter(|p| {
                let id = p["id"].as_str().expect("id");
                let k: usize = id[id.len() - 7..id.len() - 4].parse().expect("number");
                k % 3 == n
            })
            .collect();
        assert_eq!(g["documents"], mine.len());
        let flags = mine.iter().filter(|p| p["predicted"] != "economy").count();
        let right = mine
            .iter()
            .filter(|p| p["predicted"] != "economy" && p["truth"] != "economy")
            .count();
        let topics = mine.iter().filter(|p| p["truth"] != "economy").count();
        let gate = &g["gate"];
        let expect = |x: usize, y: usize| if y == 0 { 0.0 } else { x as f64 / y as f64 };
        assert_eq!(gate["topic_precision"].as_f64(), Some(expect(right, flags)));
        assert_eq!(gate["topic_recall"].as_f64(), Some(expect(right, topics)));
        assert_eq!(
            gate["flags_per_1000"].as_f64(),
            Some(1000.0 * expect(flags, mine.len()))
        );
        precisions.push(expect(right, flags));
    }
    let mean = precisions.iter().sum::<f64>() / 3.0;
    let m = j["groups"]["mean_gate"]["topic_precision"]
        .as_f64()
        .expect("mean");
    assert!((m - mean).abs() < 1e-12, "{m} vs {mean}");
    assert_eq!(
        j["groups"]["mean_gate"]["at_thresholds"]
            .as_array()
            .map(Vec::len),
        Some(13)
    );
    // the terminal and Markdown reports show the table
    assert_contains_all(
        &stdout(&out),
        &[
            "per held-out group",
            "mean over 3 groups",
            "flags per 1000",
            "at other gate thresholds",
        ],
        "terminal report",
    );
    let md = std::fs::read_to_string(f.path("r.md")).expect("report");
    assert!(md.contains("## Per held-out group"), "{md}");
}

#[test]
fn a_label_whose_documents_are_all_in_one_group_is_unknown_when_it_is_held_out() {
    // every sports article in group "s": the fold that holds it out has no
    // sports article to train on, so it predicts none of them right; the
    // stratified folds do
    let f = Fixture::new(9);
    let except: Vec<(String, &str)> = (0..9)
        .map(|n| (format!("sports/{n:03}.txt"), "s"))
        .collect();
    let except: Vec<(&str, &str)> = except.iter().map(|(p, g)| (p.as_str(), *g)).collect();
    write_groups(&f, 9, &except);
    let grouped = f.run(&[
        "eval",
        "corpus",
        "--cv",
        "4",
        "--groups",
        "groups.csv",
        "--json",
        "g.json",
    ]);
    assert!(grouped.status.success(), "{}", stderr(&grouped));
    assert!(
        stderr(&grouped).contains("label 'sports' has 0 training documents outside the fold"),
        "{}",
        stderr(&grouped)
    );
    let stratified = f.run(&["eval", "corpus", "--cv", "4", "--json", "s.json"]);
    assert!(stratified.status.success(), "{}", stderr(&stratified));
    let recall = |file: &str| f.json(file)["per_label"]["sports"]["recall"].as_f64();
    assert_eq!(recall("g.json"), Some(0.0));
    assert!(recall("s.json") > Some(0.5), "{:?}", recall("s.json"));
}

#[test]
fn groups_files_that_do_not_fit_are_refused_with_a_reason() {
    let f = Fixture::new(6);
    write_groups(&f, 6, &[]);
    // one article without a group
    let text = std::fs::read_to_string(f.path("groups.csv")).expect("read");
    let short: String = text
        .lines()
        .filter(|l| !l.starts_with("sports/003"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(f.path("short.csv"), short).expect("write");
    f.refused(
        &["eval", "corpus", "--cv", "3", "--groups", "short.csv"],
        "no group for 1 of the 18 documents (the first is 'sports/003.txt')",
    );
    f.refused(
        &["eval", "corpus", "--cv", "4", "--groups", "groups.csv"],
        "4 folds, but the documents are in only 3 groups",
    );
    f.refused(
        &[
            "eval",
            "corpus",
            "--cv",
            "3",
            "--groups",
            "groups.csv",
            "--group-column",
            "outlet",
        ],
        "no 'outlet' column",
    );
    std::fs::write(f.path("g.txt"), "path,group\n").expect("write");
    f.refused(
        &["eval", "corpus", "--cv", "3", "--groups", "g.txt"],
        "must be .csv or .tsv",
    );
    // --groups needs --cv: a usage error
    let out = f.run(&[
        "eval",
        "corpus",
        "-m",
        "model.tasnif",
        "--groups",
        "groups.csv",
    ]);
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
    assert!(stderr(&out).contains("no --cv"), "{}", stderr(&out));
    // a manifest of another shape serves with --group-column: ids and sources
    let mut tsv = String::from("id\tlabel\tsource\n");
    for (name, _) in TOPICS.iter() {
        for n in 0..6 {
            tsv.push_str(&format!("{n:03}\t{name}\tS{}\n", n % 2));
        }
    }
    std::fs::write(f.path("manifest.tsv"), tsv).expect("write");
    let out = f.run(&[
        "eval",
        "corpus",
        "--cv",
        "2",
        "--groups",
        "manifest.tsv",
        "--group-column",
        "source",
        "--json",
        "m.json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let names: Vec<Value> = f.json("m.json")["groups"]["groups"]
        .as_array()
        .expect("groups")
        .iter()
        .map(|g| g["group"].clone())
        .collect();
    assert_eq!(names, [Value::from("S0"), Value::from("S1")]);
    // tune takes the same groups
    let out = f.run(&[
        "tune",
        "corpus",
        "--quick",
        "--cv",
        "3",
        "--groups",
        "groups.csv",
        "-o",
        "t.json",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("holding out whole groups"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_refined_gate_is_deterministic_and_says_so() {
    let f = Fixture::new(12);
    std::fs::write(
        f.path("refined.json"),
        r#"{"none_label": "economy", "gate_refine": {"kind": "perceptron", "margin": 3, "min_docs": 0}}"#,
    )
    .expect("write");
    let train = |out: &str, threads: &str| {
        let o = std::process::Command::new(env!("CARGO_BIN_EXE_tasnif"))
            .args(["train", "corpus", "--config", "refined.json", "-o", out])
            .env("RAYON_NUM_THREADS", threads)
            .current_dir(f.dir.path())
            .output()
            .expect("runs");
        assert!(o.status.success(), "{}", stderr(&o));
        std::fs::read(f.path(out)).expect("model")
    };
    let (a, b) = (train("a.tasnif", "1"), train("b.tasnif", "2"));
    assert_eq!(
        a, b,
        "the same data and settings give the same bytes on 1 and 2 threads"
    );
    let text = stdout(&f.run(&["inspect", "a.tasnif"]));
    assert!(
        text.contains("refinement: perceptron epochs=3 margin=3 step=1 seed=0 balance=0.25\n"),
        "{text}"
    );
    // it is not the unrefined gate
    gated(&f, &[]);
    assert_ne!(std::fs::read(f.path("g.tasnif")).expect("model"), a);
    // complement naive Bayes is refined too, but not with weight
    // normalization, whose weights a document does not move term by term
    std::fs::write(
        f.path("cnb.json"),
        r#"{"none_label": "economy", "nb": {"kind": "complement"}, "gate_refine": {"kind": "perceptron"}}"#,
    )
    .expect("write");
    let out = f.run(&["train", "corpus", "--config", "cnb.json", "-o", "c.tasnif"]);
    assert!(out.status.success(), "{}", stderr(&out));
    std::fs::write(
        f.path("cnb-norm.json"),
        r#"{"none_label": "economy", "nb": {"kind": "complement", "weight_norm": true}, "gate_refine": {"kind": "perceptron"}}"#,
    )
    .expect("write");
    f.refused(
        &[
            "train",
            "corpus",
            "--config",
            "cnb-norm.json",
            "-o",
            "x.tasnif",
        ],
        "gate_refine",
    );
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
