//! Every bad input named in the v1 issue gets an error that names the input
//! and the problem; `label` goes on past bad inputs, reports each on stderr
//! and as a record with `error` set, and exits with code 2. Nothing panics.

mod common;

use common::*;
use std::path::Path;

fn write(path: &Path, bytes: &[u8]) {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).expect("mkdir");
    }
    std::fs::write(path, bytes).expect("write");
}

fn no_panic(out: &std::process::Output) {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "panic: {err}");
    assert_ne!(out.status.code(), Some(101), "panic exit code: {err}");
}

/// Labels `bad` next to a good article and checks: exit 2, a record per
/// input, the bad one with an error mentioning `id_part` and `problem`, the
/// message also on stderr, and the good record identical to labeling it alone.
fn label_reports(f: &Fixture, bad: &str, problem: &str) {
    let out = f.run(&["label", "corpus/sports/000.txt", bad, "-m", "model.tasnif"]);
    no_panic(&out);
    assert_eq!(
        out.status.code(),
        Some(2),
        "exit code for {bad}: {}",
        stderr(&out)
    );
    let recs = records(&stdout(&out));
    assert_eq!(recs.len(), 2, "a record for every input");
    let msg = recs[1]["error"]
        .as_str()
        .unwrap_or_else(|| panic!("no error for {bad}: {}", recs[1]));
    assert!(
        msg.contains(bad) && msg.contains(problem),
        "error for {bad} should name it and say '{problem}': {msg}"
    );
    assert_eq!(recs[1]["label"], serde_json::Value::Null);
    assert!(stderr(&out).contains(msg), "stderr lacks the message");
    let alone = f.run(&["label", "corpus/sports/000.txt", "-m", "model.tasnif"]);
    assert_eq!(
        records(&stdout(&alone))[0],
        recs[0],
        "the good article's record changed"
    );
    assert_eq!(alone.status.code(), Some(0));
}

/// Trains on `data` and expects failure naming `what` and `problem`.
fn train_fails(f: &Fixture, data: &str, what: &str, problem: &str) {
    let out = f.run(&["train", data, "-o", "never.tasnif"]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1), "train {data} should fail");
    let err = stderr(&out);
    assert!(
        err.contains(what) && err.contains(problem),
        "train {data}: expected '{what}' and '{problem}' in: {err}"
    );
    assert!(!f.path("never.tasnif").exists(), "no model written");
}

#[test]
fn non_utf8_file() {
    let f = Fixture::new(4);
    // Latin-1 French: neither UTF-8 nor mostly Arabic as Windows-1256
    write(&f.path("latin1.txt"), b"caf\xe9 cr\xe8me \xe0 Paris\n");
    label_reports(&f, "latin1.txt", "not valid UTF-8");
    label_reports(&f, "latin1.txt", "not Arabic Windows-1256 either");
    write(&f.path("bad/economy/x.txt"), b"\xe9t\xe9");
    for n in 0..3 {
        write(
            &f.path(&format!("bad/economy/{n}.txt")),
            article(0, n).as_bytes(),
        );
        write(
            &f.path(&format!("bad/sports/{n}.txt")),
            article(1, n).as_bytes(),
        );
    }
    train_fails(&f, "bad", "x.txt", "not valid UTF-8");
}

#[test]
fn empty_file() {
    let f = Fixture::new(4);
    write(&f.path("empty.txt"), b"");
    label_reports(&f, "empty.txt", "empty document");
    write(&f.path("blank.txt"), b" \n\t\n");
    label_reports(&f, "blank.txt", "empty document");
}

#[test]
fn binary_file() {
    let f = Fixture::new(4);
    write(
        &f.path("image.txt"),
        &[0x89, b'P', b'N', b'G', 0, 0, 0, 13, 0xff, 0],
    );
    label_reports(&f, "image.txt", "binary");
}

#[test]
fn directory_without_txt_files() {
    let f = Fixture::new(4);
    write(&f.path("notxt/readme.md"), b"# nothing here");
    label_reports(&f, "notxt", "no documents found");
    train_fails(&f, "notxt", "notxt", "no documents found");
}

#[test]
fn path_that_does_not_exist() {
    let f = Fixture::new(4);
    label_reports(&f, "missing.txt", "no such file");
    train_fails(&f, "nowhere", "nowhere", "no such file");
    let out = f.run(&["label", "corpus", "-m", "nomodel.tasnif"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("nomodel.tasnif") && stderr(&out).contains("no such file"));
}

#[test]
fn label_folder_with_a_single_document() {
    let f = Fixture::new(4);
    for n in 0..3 {
        write(
            &f.path(&format!("one/economy/{n}.txt")),
            article(0, n).as_bytes(),
        );
    }
    write(&f.path("one/sports/0.txt"), article(1, 0).as_bytes());
    train_fails(&f, "one", "'sports'", "has 1 document");
}

#[test]
fn data_with_a_single_label() {
    let f = Fixture::new(4);
    for n in 0..3 {
        write(
            &f.path(&format!("single/economy/{n}.txt")),
            article(0, n).as_bytes(),
        );
    }
    train_fails(&f, "single", "'economy'", "at least two");
}

#[test]
fn csv_row_with_a_missing_field() {
    let f = Fixture::new(4);
    write(
        &f.path("m.csv"),
        b"path,label\ncorpus/economy/000.txt,economy\ncorpus/sports/000.txt\ncorpus/sports/001.txt,sports\n",
    );
    train_fails(&f, "m.csv", "m.csv", "line 3: missing field 'label'");
    write(
        &f.path("nolabel.csv"),
        b"path,topic\ncorpus/economy/000.txt,economy\n",
    );
    train_fails(&f, "nolabel.csv", "nolabel.csv", "no 'label' column");
}

#[test]
fn jsonl_line_that_is_not_json() {
    let f = Fixture::new(4);
    let good = serde_json::json!({"text": article(0, 1), "label": "economy"}).to_string();
    write(
        &f.path("d.jsonl"),
        format!("{good}\n{{\"text\": \"unterminated\n").as_bytes(),
    );
    train_fails(&f, "d.jsonl", "d.jsonl", "line 2: not valid JSON");
    // on standard input, label reports the line and goes on
    let input = format!(
        "not json\n{}\n{{\"id\":\"x\"}}\n",
        serde_json::json!({"id": "ok", "text": article(1, 3)})
    );
    let out = tasnif_stdin(f.dir.path(), &["label", "-", "-m", "model.tasnif"], &input);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let recs = records(&stdout(&out));
    assert_eq!(recs.len(), 3);
    assert!(recs[0]["error"]
        .as_str()
        .expect("error")
        .contains("stdin: line 1: not valid JSON"));
    assert_eq!(recs[1]["label"], "sports");
    assert!(recs[2]["error"]
        .as_str()
        .expect("error")
        .contains("missing field 'text'"));
    assert_eq!(recs[2]["id"], "x");
}

#[test]
fn model_files_that_are_truncated_corrupted_or_of_another_version() {
    let f = Fixture::new(4);
    let good = std::fs::read(f.path("model.tasnif")).expect("model");
    let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.tasnif",
            good[..good.len() / 2].to_vec(),
            "truncated model file",
        ),
        (
            "header-only.tasnif",
            good[..10].to_vec(),
            "truncated model file",
        ),
        (
            "text.tasnif",
            b"this is not a model\n".to_vec(),
            "not a tasnif model file",
        ),
        ("empty.tasnif", Vec::new(), "not a tasnif model file"),
    ];
    let mut flipped = good.clone();
    let last = flipped.len() - 3;
    flipped[last] ^= 0x40;
    cases.push(("corrupted.tasnif", flipped, "corrupted model file"));
    let mut future = good.clone();
    future[8] = 4;
    cases.push(("future.tasnif", future, "format version 4 is not supported"));
    for (name, bytes, problem) in cases {
        write(&f.path(name), &bytes);
        for cmd in [
            vec!["label", "corpus/sports/000.txt", "-m", name],
            vec!["inspect", name],
        ] {
            let out = f.run(&cmd);
            no_panic(&out);
            assert_eq!(out.status.code(), Some(1), "{cmd:?}");
            let err = stderr(&out);
            assert!(
                err.contains(name) && err.contains(problem),
                "{cmd:?}: expected '{problem}' in {err}"
            );
            assert!(stdout(&out).is_empty(), "no records from a bad model");
        }
    }
}

#[test]
fn label_goes_on_past_every_kind_of_bad_input_in_one_directory() {
    let f = Fixture::new(4);
    let mixed = f.path("mixed");
    write(&mixed.join("a-good.txt"), article(0, 500).as_bytes());
    write(&mixed.join("b-empty.txt"), b"");
    write(&mixed.join("c-binary.txt"), &[0, 1, 2, 3]);
    write(&mixed.join("d-latin1.txt"), b"\xe9\xe9\xe9");
    write(&mixed.join("e-good.txt"), article(2, 501).as_bytes());
    write(&mixed.join("sub/f-good.txt"), article(1, 502).as_bytes());
    let out = f.run(&["label", "mixed", "-m", "model.tasnif"]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let recs = records(&stdout(&out));
    let ids: Vec<&str> = recs.iter().map(|r| r["id"].as_str().expect("id")).collect();
    assert_eq!(
        ids,
        [
            "mixed/a-good.txt",
            "mixed/b-empty.txt",
            "mixed/c-binary.txt",
            "mixed/d-latin1.txt",
            "mixed/e-good.txt",
            "mixed/sub/f-good.txt"
        ]
    );
    let failed: Vec<bool> = recs.iter().map(|r| !r["error"].is_null()).collect();
    assert_eq!(failed, [false, true, true, true, false, false]);
    assert!(stderr(&out).contains("3 of 6 inputs failed"));
    for r in recs.iter().filter(|r| r["error"].is_null()) {
        let alone = f.run(&["label", r["id"].as_str().expect("id"), "-m", "model.tasnif"]);
        assert_eq!(&records(&stdout(&alone))[0], r);
    }
}

#[test]
fn bad_parameters_are_refused_with_their_name() {
    let f = Fixture::new(4);
    for (args, needle) in [
        (vec!["--alpha", "0"], "alpha"),
        (vec!["--alpha", "nan"], "alpha"),
        (vec!["--max-df", "1.5"], "max-df"),
        (vec!["--max-features", "0"], "max-features"),
        (vec!["--ngrams", "3"], "ngrams"),
        (vec!["--stemmer", "porter"], "stemmer"),
    ] {
        let out = f.run(&[&["train", "corpus", "-o", "p.tasnif"][..], &args[..]].concat());
        no_panic(&out);
        assert!(!out.status.success(), "{args:?} accepted");
        assert!(stderr(&out).contains(needle), "{args:?}: {}", stderr(&out));
    }
}
