//! Bad and unusual inputs through the real binary: article files in every
//! encoding, limits, folders with every kind of bad entry, manifests and
//! lists. `label` reports a bad article on stderr and as a record and goes
//! on; `train` and `eval` stop, naming it. See TESTING.md.

use std::os::unix::fs::PermissionsExt;
use std::process::Stdio;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;

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

#[test]
fn label_reads_real_arabic_in_every_encoding_like_utf8() {
    let dir = tempfile::tempdir().expect("tempdir");
    let texts: Vec<String> = seeds().iter().map(|t| cp1256_safe(t)).collect();
    let mut args = vec!["label".to_string()];
    let mut expected_encodings = Vec::new();
    for (i, t) in texts.iter().enumerate() {
        let forms: [(&str, Vec<u8>, Option<&str>); 6] = [
            ("utf8", t.as_bytes().to_vec(), None),
            (
                "utf8-bom",
                [&[0xEF, 0xBB, 0xBF][..], t.as_bytes()].concat(),
                None,
            ),
            ("cp1256", cp1256(t), Some("windows-1256")),
            ("utf16le", utf16(t, false, true), Some("utf-16le")),
            ("utf16be", utf16(t, true, true), Some("utf-16be")),
            ("utf8-again", t.as_bytes().to_vec(), None),
        ];
        for (name, bytes, enc) in forms {
            let file = format!("{i}-{name}.txt");
            write(&dir.path().join(&file), &bytes);
            args.push(file);
            expected_encodings.push(enc);
        }
    }
    args.extend(["--top-k", "5", "--explain", "5"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = tasnif_in(dir.path(), &args);
    no_panic(&out);
    assert!(out.status.success(), "{}", stderr(&out));
    let recs = records(&stdout(&out));
    assert_eq!(recs.len(), 30);
    for (rec, enc) in recs.iter().zip(&expected_encodings) {
        assert_eq!(
            rec["encoding"].as_str(),
            *enc,
            "encoding field of {}",
            rec["id"]
        );
        assert!(rec["error"].is_null());
    }
    for doc in recs.chunks(6) {
        for r in &doc[1..] {
            assert_eq!(
                content(r),
                content(&doc[0]),
                "{} vs {}",
                r["id"],
                doc[0]["id"]
            );
        }
    }
    // CSV: the encoding column is always there, empty for UTF-8
    let out = tasnif_in(
        dir.path(),
        &["label", "0-utf8.txt", "0-cp1256.txt", "--format", "csv"],
    );
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], "id,label,probability,cyber,top,encoding,error");
    assert!(lines[1].ends_with(",,"), "{}", lines[1]);
    assert!(lines[2].ends_with(",windows-1256,"), "{}", lines[2]);
}

#[test]
fn explicit_encodings_and_the_errors_of_auto() {
    let dir = tempfile::tempdir().expect("tempdir");
    let t = cp1256_safe(&seeds()[2]);
    write(&dir.path().join("nobom16.txt"), &utf16(&t, false, false));
    write(&dir.path().join("nobom16be.txt"), &utf16(&t, true, false));
    write(&dir.path().join("cp.txt"), &cp1256(&t));
    write(&dir.path().join("utf8.txt"), t.as_bytes());
    write(
        &dir.path().join("french.txt"),
        b"Le caf\xe9 cr\xe8me \xe0 Paris",
    );
    let label = |args: &[&str]| {
        let out = tasnif_in(dir.path(), &[&["label"][..], args].concat());
        no_panic(&out);
        (out.status.code(), records(&stdout(&out)))
    };
    let (code, reference) = label(&["utf8.txt"]);
    assert_eq!(code, Some(0));
    // auto refuses UTF-16 without a byte-order mark, and says what to do
    for (file, what) in [("nobom16.txt", "UTF-16LE"), ("nobom16be.txt", "UTF-16BE")] {
        let (code, recs) = label(&[file]);
        assert_eq!(code, Some(2));
        let e = recs[0]["error"].as_str().expect("error");
        assert_contains_all(e, &[file, what, "without a byte-order mark"], "error");
        // the record holds the library's message; stderr adds the option
        assert!(!e.contains("--"), "{e}");
        let out = tasnif_in(dir.path(), &["label", file]);
        assert!(
            stderr(&out).contains(&format!("{e} (--encoding utf-16 reads it)")),
            "{}",
            stderr(&out)
        );
    }
    // --encoding utf-16 reads them (little-endian by default, the NULs tell big-endian)
    let (code, recs) = label(&["nobom16.txt", "nobom16be.txt", "--encoding", "utf-16"]);
    assert_eq!(code, Some(0));
    assert_eq!(recs[0]["encoding"], "utf-16le");
    assert_eq!(recs[1]["encoding"], "utf-16be");
    assert_eq!(content(&recs[0]), content(&reference[0]));
    assert_eq!(content(&recs[1]), content(&reference[0]));
    // --encoding utf-8 refuses Windows-1256, naming the offset
    let (code, recs) = label(&["cp.txt", "--encoding", "utf-8"]);
    assert_eq!(code, Some(2));
    assert_contains_all(
        recs[0]["error"].as_str().expect("error"),
        &["cp.txt", "not valid UTF-8 (first bad byte at offset 0)"],
        "error",
    );
    // auto refuses Latin-1 French, saying how Arabic it would be
    let (code, recs) = label(&["french.txt"]);
    assert_eq!(code, Some(2));
    assert_contains_all(
        recs[0]["error"].as_str().expect("error"),
        &[
            "french.txt",
            "not Arabic Windows-1256 either",
            "only 0%",
            "name its encoding",
        ],
        "error",
    );
    let out = tasnif_in(dir.path(), &["label", "french.txt"]);
    assert!(
        stderr(&out).contains("(--encoding windows-1256 or --encoding utf-16 reads it as one)"),
        "{}",
        stderr(&out)
    );
    // ... and --encoding windows-1256 takes it as asked
    let (code, recs) = label(&["french.txt", "--encoding", "windows-1256"]);
    assert_eq!(code, Some(0));
    assert_eq!(recs[0]["encoding"], "windows-1256");
    let out = tasnif_in(dir.path(), &["label", "utf8.txt", "--encoding", "ebcdic"]);
    assert_eq!(out.status.code(), Some(64), "clap usage error");
    assert!(stderr(&out).contains("windows-1256"), "{}", stderr(&out));
}

/// The fixture corpus rewritten with one label's files in Windows-1256 and
/// another's in UTF-16 trains the very same model, and evaluates the same.
#[test]
fn train_and_eval_read_encoded_corpora_like_utf8() {
    let f = Fixture::new(6);
    let src = f.path("corpus");
    let dst = f.path("encoded");
    for (t, (label, _)) in TOPICS.iter().enumerate() {
        for e in std::fs::read_dir(src.join(label)).expect("dir") {
            let p = e.expect("entry").path();
            let text = std::fs::read_to_string(&p).expect("text");
            let bytes = match t {
                0 => cp1256(&text),
                1 => utf16(&text, false, true),
                _ => text.into_bytes(),
            };
            write(&dst.join(label).join(p.file_name().expect("name")), &bytes);
        }
    }
    let out = f.run(&["train", "encoded", "-o", "encoded.tasnif"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let a = std::fs::read(f.path("model.tasnif")).expect("model");
    let b = std::fs::read(f.path("encoded.tasnif")).expect("model");
    assert!(a == b, "the encoded corpus gave another model");
    let report = |data: &str| {
        let out = f.run(&["eval", data, "-m", "model.tasnif"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let s = stdout(&out);
        s[..s.rfind("documents,").expect("summary line")].to_string()
    };
    assert_eq!(report("encoded"), report("corpus"));
    // with the wrong encoding forced, training fails naming a file
    let out = f.run(&["train", "encoded", "-o", "x.tasnif", "--encoding", "utf-8"]);
    assert_eq!(out.status.code(), Some(1));
    assert_contains_all(
        &stderr(&out),
        &["encoded/", "not valid UTF-8"],
        "train error",
    );
    assert!(!f.path("x.tasnif").exists());
}

#[test]
fn csv_manifests_in_windows_1256_and_utf16_train_like_utf8() {
    let f = Fixture::new(4);
    let mut csv = String::from("text,label\n");
    for (t, (label, _)) in TOPICS.iter().enumerate() {
        for n in 0..4 {
            let text = article(t, n).replace('\n', " ");
            csv.push_str(&format!("\"{text}\",{label}\n"));
        }
    }
    write(&f.path("utf8.csv"), csv.as_bytes());
    write(&f.path("cp1256.csv"), &cp1256(&csv));
    write(&f.path("utf16.csv"), &utf16(&csv, false, true));
    let mut models = Vec::new();
    for m in ["utf8", "cp1256", "utf16"] {
        let out = f.run(&["train", &format!("{m}.csv"), "-o", &format!("{m}.tasnif")]);
        assert!(out.status.success(), "{m}: {}", stderr(&out));
        models.push(std::fs::read(f.path(&format!("{m}.tasnif"))).expect("model"));
    }
    assert!(models[0] == models[1] && models[0] == models[2]);
}

#[test]
fn max_bytes_is_a_clear_per_article_error() {
    let f = Fixture::new(4);
    let text = article(0, 7);
    let n = text.len();
    write(&f.path("a.txt"), text.as_bytes());
    let limit = |l: usize| {
        let out = f.run(&[
            "label",
            "a.txt",
            "corpus/sports/000.txt",
            "-m",
            "model.tasnif",
            "--max-bytes",
            &l.to_string(),
        ]);
        no_panic(&out);
        out
    };
    let out = limit(n);
    assert_eq!(out.status.code(), Some(0), "exactly at the limit is fine");
    let out = limit(n - 1);
    assert_eq!(out.status.code(), Some(2));
    let recs = records(&stdout(&out));
    assert_eq!(recs.len(), 2);
    let e = format!(
        "a.txt: document is {n} bytes, over the limit of {} bytes",
        n - 1
    );
    assert_eq!(recs[0]["error"].as_str().expect("error"), e);
    assert!(
        stderr(&out).contains(&format!("{e} (--max-bytes raises the limit)")),
        "{}",
        stderr(&out)
    );
    assert!(recs[1]["error"].is_null(), "the other article is labeled");
    // training stops at the first article over the limit, naming it
    let out = f.run(&["train", "corpus", "-o", "x.tasnif", "--max-bytes", "100"]);
    assert_eq!(out.status.code(), Some(1));
    assert_contains_all(
        &stderr(&out),
        &["corpus/", "over the limit of 100 bytes"],
        "train",
    );
    // JSON lines on stdin: the text is held to the limit, a line far over
    // it is skipped without being stored, and the next line is labeled
    let small = serde_json::json!({"id": "small", "text": article(1, 1)}).to_string();
    let big = serde_json::json!({"id": "big", "text": article(1, 2).repeat(40)}).to_string();
    let input = format!("{big}\n{small}\n");
    let out = tasnif_stdin(
        f.dir.path(),
        &["label", "-", "-m", "model.tasnif", "--max-bytes", "3000"],
        &input,
    );
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let recs = records(&stdout(&out));
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["id"], "big");
    assert!(recs[0]["error"]
        .as_str()
        .expect("error")
        .contains("over the limit of 3000 bytes"));
    assert!(recs[1]["error"].is_null());
    let huge = format!("{{\"text\": \"{}\"}}\n{small}\n", "ا".repeat(100_000));
    let huge_len = huge.lines().next().map_or(0, str::len);
    let out = tasnif_stdin(
        f.dir.path(),
        &["label", "-", "-m", "model.tasnif", "--max-bytes", "1000"],
        &huge,
    );
    let recs = records(&stdout(&out));
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["id"], "stdin:1");
    assert!(recs[0]["error"].as_str().expect("error").contains(&format!(
        "stdin: line 1: line is {huge_len} bytes, over the limit"
    )));
    assert_eq!(recs[1]["id"], "small");
}

#[test]
fn links_to_folders_are_not_followed_and_bad_file_links_are_reported() {
    let f = Fixture::new(4);
    let d = f.path("walk");
    write(&d.join("a.txt"), article(0, 1).as_bytes());
    write(&d.join("sub/b.txt"), article(1, 2).as_bytes());
    std::os::unix::fs::symlink("..", d.join("sub/up")).expect("symlink");
    std::os::unix::fs::symlink(".", d.join("sub/here")).expect("symlink");
    std::os::unix::fs::symlink("self.txt", d.join("self.txt")).expect("symlink");
    std::os::unix::fs::symlink("gone.txt", d.join("broken.txt")).expect("symlink");
    std::os::unix::fs::symlink("a.txt", d.join("c-link.txt")).expect("symlink");
    let out = f.run(&["label", "walk", "-m", "model.tasnif"]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let recs = records(&stdout(&out));
    let got = ids_and_errors(&recs);
    assert_eq!(
        got,
        [
            ("walk/a.txt", ""),
            (
                "walk/broken.txt",
                "walk/broken.txt: broken symbolic link (its target gone.txt does not exist)"
            ),
            ("walk/c-link.txt", ""),
            (
                "walk/self.txt",
                "walk/self.txt: symbolic link loop (leads back to self.txt); not followed"
            ),
            ("walk/sub/b.txt", ""),
        ]
    );
    assert_eq!(
        content(&recs[0]),
        content(&recs[2]),
        "a link reads its target"
    );
    // links to folders neither loop nor multiply the articles: ten links
    // to the folder itself, each walked, would give 2 × 11^depth records
    let chain = f.path("chain");
    write(&chain.join("a.txt"), article(0, 1).as_bytes());
    write(&chain.join("b.txt"), article(1, 2).as_bytes());
    for i in 0..10 {
        std::os::unix::fs::symlink(".", chain.join(format!("l{i}"))).expect("symlink");
    }
    let out = f.run(&["label", "chain", "-m", "model.tasnif"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(records(&stdout(&out)).len(), 2);
    // a folder named on the command line is walked even through a link
    std::os::unix::fs::symlink("chain", f.path("chain-link")).expect("symlink");
    let out = f.run(&["label", "chain-link", "-m", "model.tasnif"]);
    assert_eq!(records(&stdout(&out)).len(), 2, "{}", stderr(&out));
    // training on a folder with a link back up reads the same articles
    std::os::unix::fs::symlink("..", f.path("corpus/sports/up")).expect("symlink");
    let out = f.run(&["train", "corpus", "-o", "x.tasnif"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(f.path("x.tasnif")).expect("x"),
        std::fs::read(f.path("model.tasnif")).expect("model"),
        "the link was not followed"
    );
}

#[test]
fn non_regular_files_are_refused_without_blocking() {
    let f = Fixture::new(4);
    let d = f.path("odd");
    write(&d.join("a.txt"), article(0, 1).as_bytes());
    mkfifo(&d.join("fifo.txt"));
    let _socket = std::os::unix::net::UnixListener::bind(d.join("socket.txt")).expect("socket");
    mkfifo(&d.join("not-an-article")); // not *.txt: ignored like any other file
    let start = Instant::now();
    let out = f.run(&[
        "label",
        "odd",
        "odd/fifo.txt",
        "/dev/zero",
        "-m",
        "model.tasnif",
    ]);
    no_panic(&out);
    assert!(start.elapsed() < Duration::from_secs(20), "blocked");
    assert_eq!(out.status.code(), Some(2));
    let recs = records(&stdout(&out));
    let got = ids_and_errors(&recs);
    assert_eq!(
        got,
        [
            ("odd/a.txt", ""),
            ("odd/fifo.txt", "odd/fifo.txt: not a regular file (a FIFO)"),
            (
                "odd/socket.txt",
                "odd/socket.txt: not a regular file (a socket)"
            ),
            ("odd/fifo.txt", "odd/fifo.txt: not a regular file (a FIFO)"),
            (
                "/dev/zero",
                "/dev/zero: not a regular file (a character device)"
            ),
        ]
    );
    // a device as the model, the data or a list is refused, not read forever
    for args in [
        vec!["label", "odd/a.txt", "-m", "/dev/zero"],
        vec!["inspect", "/dev/zero"],
        vec!["train", "corpus", "--list", "/dev/zero", "-o", "x.tasnif"],
    ] {
        let out = f.run(&args);
        no_panic(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("/dev/zero: not a regular file (a character device)"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn permission_denied_files_and_folders_are_reported_and_skipped() {
    let f = Fixture::new(4);
    let d = f.path("perm");
    write(&d.join("a.txt"), article(0, 1).as_bytes());
    write(&d.join("b-locked.txt"), article(1, 2).as_bytes());
    write(&d.join("c-closed/inside.txt"), article(2, 3).as_bytes());
    write(&d.join("d.txt"), article(2, 4).as_bytes());
    std::fs::set_permissions(d.join("b-locked.txt"), PermissionsExt::from_mode(0o000))
        .expect("chmod");
    std::fs::set_permissions(d.join("c-closed"), PermissionsExt::from_mode(0o000)).expect("chmod");
    let mut c = unprivileged(f.dir.path());
    c.args(["label", "perm", "-m", "model.tasnif"]);
    let out = run(c);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let recs = records(&stdout(&out));
    let got = ids_and_errors(&recs);
    assert_eq!(
        got,
        [
            ("perm/a.txt", ""),
            (
                "perm/b-locked.txt",
                "perm/b-locked.txt: permission denied (os error 13)"
            ),
            (
                "perm/c-closed",
                "perm/c-closed: permission denied (os error 13)"
            ),
            ("perm/d.txt", ""),
        ]
    );
    assert_contains_all(
        &stderr(&out),
        &[
            "tasnif: perm/b-locked.txt: permission denied",
            "tasnif: perm/c-closed: permission denied",
            "2 of 4 inputs failed",
        ],
        "stderr",
    );
}

/// The done-when of the issue: `label` over a directory mixing good files
/// with every bad kind gives a record for every file, exits with 2, and the
/// good files' records are those of labeling each alone.
#[test]
fn label_a_directory_mixing_good_files_with_every_bad_kind() {
    let dir = tempfile::tempdir().expect("tempdir");
    let m = dir.path().join("mixed");
    let s = seeds();
    let safe = cp1256_safe(&s[3]);
    // good files, in UTF-8, Windows-1256 and UTF-16
    write(&m.join("good-1.txt"), s[0].as_bytes());
    write(&m.join("good-2-cp1256.txt"), &cp1256(&safe));
    write(&m.join("good-3-utf16.txt"), &utf16(&s[1], false, true));
    write(&m.join("sub/good-4.txt"), s[2].as_bytes());
    let html = format!(
        "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>خبر</title></head>\n\
         <body><h1>{}</h1><p>{}</p></body></html>\n",
        s[4].lines().next().unwrap_or(""),
        s[4]
    );
    write(&m.join("good-5-html.txt"), html.as_bytes());
    // bad ones
    let mut expected: Vec<(&str, &str)> = vec![
        ("bad-binary.txt", "binary file"),
        ("bad-latin1.txt", "not Arabic Windows-1256 either"),
        ("bad-utf16-nobom.txt", "without a byte-order mark"),
        ("bad-big.txt", "over the limit of 30000 bytes"),
        ("bad-fifo.txt", "not a regular file (a FIFO)"),
        ("bad-dangling.txt", "broken symbolic link"),
        ("bad-self-link.txt", "symbolic link loop"),
        ("bad-locked.txt", "permission denied"),
        ("sub/bad-closed", "permission denied"),
    ];
    write(
        &m.join("bad-binary.txt"),
        &[0x89, b'P', b'N', b'G', 0, 0, 0, 13, 0xFF, 0],
    );
    const NOTHING: [&str; 2] = ["bad-empty.txt", "bad-blank.txt"];
    write(&m.join("bad-empty.txt"), b"");
    write(&m.join("bad-blank.txt"), " \n\t\u{200B}\n".as_bytes());
    write(&m.join("bad-latin1.txt"), b"Le caf\xe9 cr\xe8me \xe0 Paris");
    write(&m.join("bad-utf16-nobom.txt"), &utf16(&s[2], false, false));
    write(&m.join("bad-big.txt"), "خبر ".repeat(8000).as_bytes());
    mkfifo(&m.join("bad-fifo.txt"));
    std::os::unix::fs::symlink("nowhere.txt", m.join("bad-dangling.txt")).expect("symlink");
    std::os::unix::fs::symlink("bad-self-link.txt", m.join("bad-self-link.txt")).expect("symlink");
    write(&m.join("bad-locked.txt"), s[0].as_bytes());
    std::fs::set_permissions(m.join("bad-locked.txt"), PermissionsExt::from_mode(0o000))
        .expect("chmod");
    write(&m.join("sub/bad-closed/x.txt"), s[0].as_bytes());
    std::fs::set_permissions(m.join("sub/bad-closed"), PermissionsExt::from_mode(0o000))
        .expect("chmod");
    // a link to a folder is not followed (as in ripgrep): no record at all
    std::os::unix::fs::symlink("..", m.join("sub/bad-loop")).expect("symlink");
    expected.sort();

    let label = |args: &[&str]| {
        let mut c = unprivileged(dir.path());
        c.arg("label").args(args).args(["--max-bytes", "30000"]);
        run(c)
    };
    let out = label(&["mixed"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let recs = records(&stdout(&out));
    let mut ids: Vec<&str> = recs.iter().map(|r| r["id"].as_str().expect("id")).collect();
    let mut want: Vec<String> = [
        "good-1.txt",
        "good-2-cp1256.txt",
        "good-3-utf16.txt",
        "good-5-html.txt",
        "sub/good-4.txt",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(expected.iter().map(|(n, _)| n.to_string()))
    .chain(NOTHING.iter().map(|n| n.to_string()))
    .map(|n| format!("mixed/{n}"))
    .collect();
    want.sort();
    assert_eq!(ids, want, "a record for every file, in sorted order");
    // for the bundled (gated) model, text with no letter or digit is not
    // an error but "about none of the topics"
    for name in NOTHING {
        let id = format!("mixed/{name}");
        let r = recs
            .iter()
            .find(|r| r["id"] == id.as_str())
            .expect("record");
        assert!(
            r["error"].is_null() && r["label"] == "none" && r["cyber"] == 0.0,
            "{r}"
        );
    }
    ids.sort();
    for (name, problem) in &expected {
        let id = format!("mixed/{name}");
        let r = recs
            .iter()
            .find(|r| r["id"] == id.as_str())
            .expect("record");
        let e = r["error"]
            .as_str()
            .unwrap_or_else(|| panic!("{id} has no error: {r}"));
        assert!(e.starts_with(&id) && e.contains(problem), "{id}: {e}");
        assert!(stderr(&out).contains(e), "stderr lacks {e}");
    }
    assert!(
        stderr(&out).contains(&format!(
            "{} of {} inputs failed",
            expected.len(),
            want.len()
        )),
        "{}",
        stderr(&out)
    );
    let good: Vec<&Value> = recs.iter().filter(|r| r["error"].is_null()).collect();
    assert_eq!(good.len(), 5 + NOTHING.len());
    for r in good {
        let id = r["id"].as_str().expect("id");
        let alone = label(&[id]);
        assert_eq!(alone.status.code(), Some(0), "{}", stderr(&alone));
        assert_eq!(&records(&stdout(&alone))[0], r, "{id} alone");
    }
    let enc = |id: &str| recs.iter().find(|r| r["id"] == id).expect("record")["encoding"].clone();
    assert_eq!(enc("mixed/good-2-cp1256.txt"), "windows-1256");
    assert_eq!(enc("mixed/good-3-utf16.txt"), "utf-16le");
    assert_eq!(enc("mixed/good-1.txt"), Value::Null);
}

#[test]
fn an_article_over_the_default_limit_is_refused_before_it_is_read() {
    let f = Fixture::new(4);
    // a sparse file: 16 MiB + 1 byte that take no disk space
    let big = std::fs::File::create(f.path("dump.txt")).expect("create");
    big.set_len(16 * 1024 * 1024 + 1).expect("set_len");
    let out = f.run(&[
        "label",
        "dump.txt",
        "corpus/sports/000.txt",
        "-m",
        "model.tasnif",
    ]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let recs = records(&stdout(&out));
    assert_eq!(
        recs[0]["error"],
        "dump.txt: document is 16777217 bytes, over the limit of 16777216 bytes"
    );
    assert!(
        stderr(&out).contains("over the limit of 16777216 bytes (--max-bytes raises the limit)"),
        "{}",
        stderr(&out)
    );
    assert!(recs[1]["error"].is_null());
    // raising the limit reads it, and finds what it holds: NUL bytes
    let out = f.run(&[
        "label",
        "dump.txt",
        "-m",
        "model.tasnif",
        "--max-bytes",
        "20000000",
    ]);
    assert_eq!(
        records(&stdout(&out))[0]["error"],
        "dump.txt: binary file (contains NUL bytes), not text"
    );
}

#[test]
fn json_lines_that_are_not_utf8_are_named_by_line() {
    let f = Fixture::new(4);
    let good = serde_json::json!({"text": article(0, 1), "label": "economy"}).to_string();
    let mut bytes = format!("{good}\n").into_bytes();
    bytes.extend_from_slice(b"{\"text\": \"caf\xe9\", \"label\": \"sports\"}\n");
    write(&f.path("d.jsonl"), &bytes);
    let out = f.run(&["train", "d.jsonl", "-o", "x.tasnif"]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("d.jsonl: line 2: not valid UTF-8"),
        "{}",
        stderr(&out)
    );
    let mut child = tasnif_cmd(f.dir.path(), &["label", "-", "-m", "model.tasnif"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    {
        use std::io::Write;
        let mut stdin = child.stdin.take().expect("stdin");
        stdin
            .write_all(b"{\"id\": \"x\", \"text\": \"caf\xe9\"}\n")
            .expect("write");
        writeln!(
            stdin,
            "{}",
            serde_json::json!({"id": "ok", "text": article(1, 1)})
        )
        .expect("write");
        // a blank id is no id: the line's place names the record
        let blank = serde_json::json!({"id": " ", "text": article(1, 2)});
        writeln!(stdin, "{blank}").expect("write");
    }
    let out = child.wait_with_output().expect("ends");
    no_panic(&out);
    assert_eq!(out.status.code(), Some(2));
    let recs = records(&stdout(&out));
    assert_eq!(recs[0]["error"], "stdin: line 1: not valid UTF-8");
    assert_eq!(recs[1]["id"], "ok");
    assert!(recs[1]["error"].is_null());
    assert_eq!(recs[2]["id"], "stdin:3");
}
