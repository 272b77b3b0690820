//! `tasnif annotate` from the command line: a project's life (init, next,
//! add, skip, undo, relabel, export, stats, `train DB`), the errors of a
//! bad project file, `eval --active-learning`, and the replay script that
//! drives only init, next, add and export against an oracle and must give
//! the simulation's model byte for byte.

use std::path::{Path, PathBuf};

use crate::common::*;
use serde_json::Value;

/// A temporary folder with a synthetic corpus (`corpus/<topic>/NNN.txt`).
fn corpus(per_label: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write_corpus(&dir.path().join("corpus"), per_label);
    dir
}

fn run_ok(dir: &Path, args: &[&str]) -> String {
    let out = tasnif_in(dir, args);
    assert!(
        out.status.success(),
        "{args:?} failed ({:?}): {}",
        out.status.code(),
        stderr(&out)
    );
    stdout(&out)
}

fn refused(dir: &Path, args: &[&str], needles: &[&str]) -> String {
    let out = tasnif_in(dir, args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{args:?} should fail: {err}");
    assert_contains_all(&err, needles, "stderr");
    err
}

fn init(dir: &Path) {
    run_ok(
        dir,
        &[
            "annotate",
            "init",
            "p.db",
            "--pool",
            "corpus",
            "--labels",
            "economy,sports,technology",
        ],
    );
}

/// The next `n` suggestions as JSON.
fn next(dir: &Path, n: usize, extra: &[&str]) -> Vec<Value> {
    let n = n.to_string();
    let mut args = vec!["annotate", "next", "p.db", "-n", &n];
    args.extend_from_slice(extra);
    records(&run_ok(dir, &args))
}

/// The topic of a synthetic article, from its path (`corpus/<topic>/…`).
fn truth(id: &str) -> &str {
    id.split('/').nth(1).expect("corpus/<topic>/file")
}

#[test]
fn a_project_lives_through_next_add_skip_undo_relabel_and_export() {
    let dir = corpus(12);
    let d = dir.path();
    init(d);
    // no label yet: a diverse seed set from the clustering
    let first = next(d, 4, &[]);
    assert_eq!(first.len(), 4);
    for r in &first {
        assert_eq!(r["reason"], "cluster seed", "{r}");
        assert!(r["label"].is_null() && r["probability"].is_null(), "{r}");
        assert!(r["score"].is_number() && !r["excerpt"].as_str().expect("excerpt").is_empty());
    }
    let topics: std::collections::BTreeSet<&str> = first[..3]
        .iter()
        .map(|r| truth(r["id"].as_str().expect("id")))
        .collect();
    assert!(
        topics.len() >= 2,
        "the first seeds come from different groups: {first:?}"
    );
    // label them, two from standard input (CSV with a header, JSON lines)
    let ids: Vec<String> = first
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect();
    run_ok(
        d,
        &[
            "annotate",
            "add",
            "p.db",
            "--id",
            &ids[0],
            "--label",
            truth(&ids[0]),
            "--annotator",
            "amal",
        ],
    );
    let input = format!(
        "id,label\n{},{}\n{{\"id\":\"{}\",\"label\":\"{}\"}}\n",
        ids[1],
        truth(&ids[1]),
        ids[2],
        truth(&ids[2])
    );
    let out = tasnif_stdin(
        d,
        &["annotate", "add", "p.db", "-", "--annotator", "amal"],
        &input,
    );
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("2 labels added"), "{}", stdout(&out));
    run_ok(
        d,
        &[
            "annotate",
            "skip",
            "p.db",
            "--id",
            &ids[3],
            "--annotator",
            "amal",
            "--note",
            "unclear",
        ],
    );
    // what is labeled or skipped never comes back
    let rest = next(d, 100, &[]);
    assert_eq!(rest.len(), 36 - 4);
    assert!(rest
        .iter()
        .all(|r| !ids.contains(&r["id"].as_str().expect("id").to_string())));
    // a bad batch goes on past its bad lines and says which
    let out = tasnif_stdin(
        d,
        &["annotate", "add", "p.db", "-", "--annotator", "amal"],
        &format!(
            "{},nonsense\nnot/there.txt,sports\n{},{}\n",
            rest[0]["id"].as_str().unwrap(),
            rest[1]["id"].as_str().unwrap(),
            truth(rest[1]["id"].as_str().unwrap())
        ),
    );
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_contains_all(
        &stderr(&out),
        &[
            "line 1",
            "'nonsense'",
            "line 2",
            "no article 'not/there.txt'",
        ],
        "stderr",
    );
    assert!(stdout(&out).contains("1 labels added"), "{}", stdout(&out));
    // undo the last action of amal: the label of rest[1] goes, the skip stays
    let out = run_ok(d, &["annotate", "undo", "p.db", "--annotator", "amal"]);
    assert!(out.contains(rest[1]["id"].as_str().unwrap()), "{out}");
    // relabel ids[0] (wrongly, then rightly): the history keeps both
    run_ok(
        d,
        &[
            "annotate",
            "add",
            "p.db",
            "--id",
            &ids[0],
            "--label",
            "technology",
            "--annotator",
            "bilal",
        ],
    );
    run_ok(
        d,
        &[
            "annotate",
            "add",
            "p.db",
            "--id",
            &ids[0],
            "--label",
            truth(&ids[0]),
            "--annotator",
            "bilal",
        ],
    );
    // more labels so that a model and an estimate exist
    for r in next(d, 12, &[]) {
        let id = r["id"].as_str().expect("id");
        run_ok(
            d,
            &[
                "annotate",
                "add",
                "p.db",
                "--id",
                id,
                "--label",
                truth(id),
                "--annotator",
                "amal",
            ],
        );
    }
    let after = next(d, 2, &["--strategy", "margin"]);
    assert_eq!(after[0]["reason"], "margin", "{after:?}");
    assert!(after[0]["probability"]
        .as_f64()
        .is_some_and(|p| p > 0.0 && p <= 1.0));
    let json = d.join("stats.json");
    let out = run_ok(
        d,
        &[
            "annotate",
            "stats",
            "p.db",
            "--json",
            json.to_str().unwrap(),
        ],
    );
    assert_contains_all(
        &out,
        &[
            "15 of 36 articles labeled, 1 skipped",
            "macro-F1 of a model",
            "learning curve",
            "amal / bilal",
        ],
        "stats",
    );
    let s: Value =
        serde_json::from_str(&std::fs::read_to_string(&json).expect("json")).expect("JSON");
    assert_eq!(s["labeled"], 15);
    assert_eq!(s["relabels"], 2, "two relabels of ids[0]");
    assert_eq!(s["undone"], 1);
    assert!(s["estimate"]["macro_f1"]["mean"].as_f64().is_some());
    assert_eq!(
        s["kappa"][0]["articles"], 1,
        "amal and bilal both labeled ids[0]"
    );
    // export: path,label rows in pool order, trained as it is, and the
    // same model as `train DB`
    run_ok(d, &["annotate", "export", "p.db", "-o", "labels.csv"]);
    let csv = std::fs::read_to_string(d.join("labels.csv")).expect("export");
    assert!(csv.starts_with("path,label\n"), "{csv}");
    assert_eq!(csv.lines().count(), 16);
    run_ok(d, &["train", "labels.csv", "-o", "a.tasnif"]);
    run_ok(d, &["train", "p.db", "-o", "b.tasnif"]);
    assert_eq!(
        std::fs::read(d.join("a.tasnif")).expect("a"),
        std::fs::read(d.join("b.tasnif")).expect("b"),
        "train DB and train export give the same model"
    );
    let with_text = run_ok(d, &["annotate", "export", "p.db", "--with-text"]);
    assert!(with_text.starts_with("id,text,label\n"), "{with_text}");
}

#[test]
fn seed_terms_find_the_first_articles_of_a_label() {
    let dir = corpus(10);
    let d = dir.path();
    run_ok(
        d,
        &[
            "annotate",
            "init",
            "p.db",
            "--pool",
            "corpus",
            "--labels",
            "economy,sports,technology",
            "--seed-terms",
            "technology=الهاتف الحاسوب",
        ],
    );
    let first = next(d, 2, &[]);
    for r in &first {
        assert_eq!(r["reason"], "keyword seed (technology)", "{r}");
        assert_eq!(r["label"], "technology", "{r}");
        assert_eq!(truth(r["id"].as_str().expect("id")), "technology");
    }
    refused(
        d,
        &["annotate", "next", "p.db", "--seed-terms", "nolabel=x"],
        &["'nolabel' is not a label"],
    );
    refused(
        d,
        &["annotate", "next", "p.db", "--seed-terms", "technology"],
        &["LABEL=WORDS"],
    );
}

#[test]
fn bad_project_files_and_label_sets_get_clear_errors() {
    let dir = corpus(6);
    let d = dir.path();
    init(d);
    // not a database; another application's database; a newer schema; damage
    std::fs::write(d.join("text.db"), "id,label\nx,y\n").expect("write");
    refused(
        d,
        &["annotate", "stats", "text.db"],
        &[
            "text.db",
            "not a tasnif annotation project",
            "not an SQLite database",
        ],
    );
    refused(d, &["train", "text.db", "-o", "m.tasnif"], &["text.db"]);
    {
        let c = rusqlite::Connection::open(d.join("other.db")).expect("sqlite");
        c.execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")
            .expect("sql");
    }
    refused(
        d,
        &["annotate", "next", "other.db"],
        &["other.db", "another application"],
    );
    refused(
        d,
        &["train", "other.db", "-o", "m.tasnif"],
        &["another application"],
    );
    std::fs::copy(d.join("p.db"), d.join("newer.db")).expect("copy");
    {
        let c = rusqlite::Connection::open(d.join("newer.db")).expect("sqlite");
        c.pragma_update(None, "user_version", 2).expect("pragma");
    }
    refused(d, &["annotate", "stats", "newer.db"], &["schema version 2"]);
    let mut bytes = std::fs::read(d.join("p.db")).expect("db");
    let len = bytes.len();
    assert!(len > 8192, "a project of {len} bytes");
    for b in &mut bytes[4096 + 100..len - 100] {
        *b = 0xA5;
    }
    std::fs::write(d.join("broken.db"), &bytes).expect("write");
    refused(
        d,
        &["annotate", "stats", "broken.db"],
        &["broken.db", "corrupted annotation project"],
    );
    std::fs::write(d.join("short.db"), &bytes[..len / 3]).expect("write");
    let out = tasnif_in(d, &["annotate", "export", "short.db"]);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("short.db"), "{}", stderr(&out));
    refused(
        d,
        &["annotate", "stats", "missing.db"],
        &["missing.db", "no such file"],
    );

    // the label set: a label in use cannot go; a new one is a new version
    let id = next(d, 1, &[])[0]["id"].as_str().expect("id").to_string();
    run_ok(
        d,
        &[
            "annotate",
            "add",
            "p.db",
            "--id",
            &id,
            "--label",
            truth(&id),
        ],
    );
    refused(
        d,
        &["annotate", "add", "p.db", "--id", &id, "--label", "weather"],
        &["'weather' is not in the label set (economy, sports, technology)"],
    );
    refused(
        d,
        &[
            "annotate", "add", "p.db", "--id", "nope.txt", "--label", "sports",
        ],
        &["no article 'nope.txt'"],
    );
    let others: Vec<&str> = ["economy", "sports", "technology"]
        .into_iter()
        .filter(|l| *l != truth(&id))
        .collect();
    refused(
        d,
        &[
            "annotate",
            "init",
            "p.db",
            "--pool",
            "corpus",
            "--labels",
            &others.join(","),
        ],
        &[
            "the label set changed",
            &format!("'{}' has labeled articles", truth(&id)),
        ],
    );
    let out = run_ok(
        d,
        &[
            "annotate",
            "init",
            "p.db",
            "--pool",
            "corpus",
            "--labels",
            "economy,sports,technology,weather",
        ],
    );
    assert!(
        out.contains("label set 2 is now economy, sports, technology, weather"),
        "{out}"
    );
    let out = run_ok(
        d,
        &[
            "annotate",
            "init",
            "p.db",
            "--pool",
            "corpus",
            "--labels",
            "economy,sports,technology,weather",
        ],
    );
    assert!(out.contains("nothing changed"), "{out}");
    run_ok(
        d,
        &["annotate", "add", "p.db", "--id", &id, "--label", "weather"],
    );
    refused(
        d,
        &[
            "annotate", "init", "x.db", "--pool", "corpus", "--labels", "a",
        ],
        &["at least 2"],
    );
    refused(
        d,
        &[
            "annotate", "init", "x.db", "--pool", "corpus", "--labels", "a,a",
        ],
        &["twice"],
    );
    refused(
        d,
        &[
            "annotate", "init", "x.db", "--pool", "corpus", "--labels", "a,b c,",
        ],
        &["labels"],
    );
    assert!(!d.join("x.db").exists(), "a refused init leaves no file");
    refused(
        d,
        &[
            "annotate", "init", "x.db", "--pool", "nothere", "--labels", "a,b",
        ],
        &["nothere"],
    );
    assert!(
        std::fs::read_dir(d).expect("dir").all(|e| !e
            .expect("entry")
            .file_name()
            .to_string_lossy()
            .contains(".tmp-")),
        "no temporary file left"
    );
}

#[test]
fn articles_changed_since_init_are_reported_and_not_offered() {
    let dir = corpus(4);
    let d = dir.path();
    init(d);
    let changed = d.join("corpus/sports/000.txt");
    std::fs::write(&changed, "نص آخر تماما عن شيء مختلف").expect("write");
    std::fs::remove_file(d.join("corpus/economy/001.txt")).expect("rm");
    let out = tasnif_in(d, &["annotate", "next", "p.db", "-n", "100"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_contains_all(
        &stderr(&out),
        &[
            "2 of 12 articles are not offered (1 changed since init, 1 unreadable)",
            "corpus/sports/000.txt",
            "corpus/economy/001.txt",
        ],
        "stderr",
    );
    let ids: Vec<String> = records(&stdout(&out))
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(ids.len(), 10);
    assert!(!ids
        .iter()
        .any(|i| i.ends_with("sports/000.txt") || i.ends_with("economy/001.txt")));
}

#[test]
fn a_project_with_stored_text_needs_no_files() {
    let dir = corpus(5);
    let d = dir.path();
    let jsonl: String = (0..9)
        .map(|i| {
            serde_json::json!({"id": format!("a{i}"), "text": article(i % 3, i)}).to_string() + "\n"
        })
        .collect();
    std::fs::write(d.join("pool.jsonl"), jsonl).expect("write");
    run_ok(
        d,
        &[
            "annotate",
            "init",
            "j.db",
            "--pool",
            "pool.jsonl",
            "--labels",
            "economy,sports,technology",
        ],
    );
    run_ok(
        d,
        &[
            "annotate",
            "init",
            "s.db",
            "--pool",
            "pool.jsonl",
            "--labels",
            "economy,sports,technology",
            "--store-text",
        ],
    );
    for db in ["j.db", "s.db"] {
        for i in 0..9 {
            let id = format!("a{i}");
            let label = ["economy", "sports", "technology"][i % 3];
            run_ok(d, &["annotate", "add", db, "--id", &id, "--label", label]);
        }
    }
    std::fs::remove_file(d.join("pool.jsonl")).expect("rm");
    let out = run_ok(d, &["annotate", "export", "s.db"]);
    assert!(
        out.starts_with("id,text,label\n") && out.lines().count() > 9,
        "{out}"
    );
    run_ok(d, &["train", "s.db", "-o", "s.tasnif"]);
    let out = tasnif_in(d, &["annotate", "export", "j.db"]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "the JSONL is gone: {}",
        stdout(&out)
    );
    assert!(stderr(&out).contains("a0"), "{}", stderr(&out));
}

// ------------------------------------------------ the simulation and its replay

/// The replay script on the pool `list` of `data`.
fn replay(
    data: &Path,
    list: &Path,
    strategy: &str,
    seed: u64,
    (start, step, budget): (usize, usize, usize),
    work: &Path,
) -> PathBuf {
    let script = root().join("benches/active_learning/replay.sh");
    let out = std::process::Command::new("bash")
        .arg(&script)
        .arg(env!("CARGO_BIN_EXE_tasnif"))
        .arg(data)
        .arg(list)
        .arg(strategy)
        .arg(seed.to_string())
        .args([start.to_string(), step.to_string(), budget.to_string()])
        .arg(work)
        .output()
        .expect("bash runs the replay script");
    assert!(
        out.status.success(),
        "replay {strategy} seed {seed}: {}\n{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(
        stdout(&out).contains("same model bytes"),
        "{}",
        stdout(&out)
    );
    work.join("replay.tasnif")
}

fn list_of(data: &Path, every: usize) -> String {
    let mut ids = Vec::new();
    for topic in std::fs::read_dir(data).expect("data") {
        let topic = topic.expect("entry").path();
        if !topic.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&topic).expect("topic") {
            let f = f.expect("entry").path();
            if f.extension().is_some_and(|e| e == "txt") {
                ids.push(
                    f.strip_prefix(data)
                        .expect("under data")
                        .to_string_lossy()
                        .into_owned(),
                );
            }
        }
    }
    ids.sort();
    ids.into_iter().step_by(every).map(|i| i + "\n").collect()
}

#[test]
#[cfg(unix)]
fn the_command_line_replay_gives_the_simulated_model_byte_for_byte() {
    let dir = corpus(30);
    let d = dir.path();
    let data = d.join("corpus");
    let list = d.join("list.txt");
    std::fs::write(&list, list_of(&data, 1)).expect("write");
    let mut models = Vec::new();
    for strategy in ["uncertainty", "margin", "entropy", "committee", "random"] {
        let m = replay(&data, &list, strategy, 3, (6, 7, 41), &d.join(strategy));
        models.push(std::fs::read(m).expect("model"));
    }
    // the choice matters: strategies do not all pick the same articles
    models.sort();
    models.dedup();
    assert!(
        models.len() >= 3,
        "only {} distinct models of 5 strategies",
        models.len()
    );
}

#[test]
#[cfg(unix)]
#[cfg_attr(
    tasnif_no_corpus,
    ignore = "needs the corpus at ../shared/data or $TASNIF_DATA (see data/README.md)"
)]
fn the_replay_matches_the_simulation_on_the_corpus() {
    let Some(shared) = shared_data("the_replay_matches_the_simulation_on_the_corpus") else {
        return;
    };
    let data = shared.join("ant-multisource");
    let dir = tempfile::tempdir().expect("tempdir");
    // every 40th article of the training split (417). Not a larger pool
    // under CI: with every 8th (2,084), committee at seed 43 gives culture
    // one article in 108, and `tasnif train` refuses a label of one
    // document, so the export of such a project cannot be trained on (a
    // known gap between the workbench and train, in docs/annotate.md)
    let train = std::fs::read_to_string(data.join("split/train.txt")).expect("split");
    let list: String = train
        .lines()
        .step_by(40)
        .map(|l| format!("{l}\n"))
        .collect();
    let path = dir.path().join("list.txt");
    std::fs::write(&path, list).expect("write");
    for (strategy, seed) in [("uncertainty", 42), ("committee", 43)] {
        replay(
            &data,
            &path,
            strategy,
            seed,
            (12, 24, 108),
            &dir.path().join(strategy),
        );
    }
}

#[test]
fn eval_active_learning_prints_every_strategy_against_random_in_text_json_and_html() {
    let dir = corpus(20);
    let d = dir.path();
    let out = run_ok(
        d,
        &[
            "eval",
            "corpus",
            "--active-learning",
            "--strategy",
            "uncertainty,committee",
            "--start",
            "6",
            "--step",
            "6",
            "--budget",
            "24",
            "--seeds",
            "2",
            "--json",
            "al.json",
            "--report",
            "al.html",
        ],
    );
    assert_contains_all(
        &out,
        &[
            "active learning: pool 48 articles",
            "scored on 12 held-out",
            "uncertainty",
            "committee",
            "random",
            "target 95%",
            "report: al.html",
        ],
        "terminal",
    );
    let j: Value = serde_json::from_str(&std::fs::read_to_string(d.join("al.json")).expect("json"))
        .expect("JSON");
    let curves = j["curves"].as_array().expect("curves");
    let names: Vec<&str> = curves
        .iter()
        .map(|c| c["strategy"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["uncertainty", "committee", "random"]);
    for c in curves {
        let pts = c["points"].as_array().expect("points");
        let labels: Vec<u64> = pts
            .iter()
            .map(|p| p["labels"].as_u64().expect("labels"))
            .collect();
        assert_eq!(labels, [6, 12, 18, 24]);
        for p in pts {
            assert_eq!(p["per_seed"].as_array().expect("per seed").len(), 2);
            let f1 = p["macro_f1"]["mean"].as_f64().expect("f1");
            assert!((0.0..=1.0).contains(&f1));
        }
        // the table shows each mean to 4 places
        let last = pts.last().expect("a point")["macro_f1"]["mean"]
            .as_f64()
            .expect("f1");
        assert!(
            out.contains(&format!("{last:.4}")),
            "{last:.4} not in\n{out}"
        );
    }
    let html = std::fs::read_to_string(d.join("al.html")).expect("html");
    assert_contains_all(
        &html,
        &[
            "<svg",
            "id=\"curve-uncertainty\"",
            "id=\"curve-random\"",
            "id=\"target\"",
        ],
        "report",
    );
    let doc = roxmltree::Document::parse(
        &html[html.find("<svg").expect("svg")..html.find("</svg>").expect("end") + 6],
    );
    assert!(doc.is_ok(), "the SVG is XML: {doc:?}");
    refused(
        d,
        &[
            "eval",
            "corpus",
            "--active-learning",
            "--budget",
            "3",
            "--start",
            "6",
        ],
        &["budget"],
    );
    refused(
        d,
        &["eval", "corpus", "--active-learning", "--report", "x.md"],
        &[".html"],
    );
    let out = tasnif_in(
        d,
        &["eval", "corpus", "--active-learning", "--strategy", "sure"],
    );
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
}

#[test]
fn eval_active_learning_takes_the_em_settings_with_unlabeled_em() {
    let dir = corpus(20);
    let d = dir.path();
    let args = |w: &'static str| {
        vec![
            "eval",
            "corpus",
            "--active-learning",
            "--strategy",
            "margin",
            "--start",
            "6",
            "--step",
            "6",
            "--budget",
            "12",
            "--seeds",
            "1",
            "--unlabeled-em",
            "--em-iterations",
            "2",
            "--unlabeled-weight",
            w,
        ]
    };
    let mut ok = args("0.5");
    ok.extend(["--json", "em.json"]);
    let out = run_ok(d, &ok);
    assert!(out.contains("EM"), "{out}");
    let j: Value = serde_json::from_str(&std::fs::read_to_string(d.join("em.json")).expect("json"))
        .expect("JSON");
    assert_eq!(j["em"]["unlabeled_weight"].as_f64(), Some(0.5), "{j}");
    assert_eq!(j["em"]["iterations"].as_u64(), Some(2), "{j}");
    refused(d, &args("2"), &["unlabeled-weight: 2"]);
    // without --unlabeled-em (or --unlabeled) the EM settings are refused
    let out = tasnif_in(
        d,
        &[
            "eval",
            "corpus",
            "--active-learning",
            "--em-iterations",
            "2",
        ],
    );
    assert_eq!(out.status.code(), Some(64), "{}", stderr(&out));
}
