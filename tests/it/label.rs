//! `tasnif label`: the seeds with the bundled model, determinism across
//! threads and batches, output formats, standard input, help.

use serde_json::Value;

use crate::common::*;

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

/// A record without its id, to compare the same article labeled two ways.
fn without_id(rec: &Value) -> Value {
    let mut r = rec.clone();
    r.as_object_mut()
        .expect("a record is an object")
        .remove("id");
    r
}

#[test]
fn label_reads_lists_manifests_plain_text_and_writes_to_dash() {
    let f = Fixture::new(5);
    let label = |args: &[&str], input: Option<&str>| {
        let mut all = vec!["label", "-m", "model.tasnif"];
        all.extend_from_slice(args);
        let out = match input {
            Some(i) => tasnif_stdin(f.dir.path(), &all, i),
            None => f.run(&all),
        };
        (out.status.code(), records(&stdout(&out)), stderr(&out))
    };
    // the same articles labeled as files, the reference
    let (code, files, err) = label(&["corpus"], None);
    assert_eq!(code, Some(0), "{err}");
    let by_id = |id: &str| {
        files
            .iter()
            .find(|r| r["id"] == id)
            .map(without_id)
            .unwrap_or_else(|| panic!("no record of {id}"))
    };
    let read = |rel: &str| std::fs::read_to_string(f.path(rel)).expect("article");

    // a .jsonl list: text and optional id per line, the label ignored, a
    // bad line an error record
    let jsonl = format!(
        "{}\n{}\n\nnot json\n",
        serde_json::json!({"id": "e0", "text": read("corpus/economy/000.txt"), "label": "x"}),
        serde_json::json!({"text": read("corpus/sports/001.txt")}),
    );
    std::fs::write(f.path("docs.jsonl"), jsonl).expect("write");
    let (code, recs, err) = label(&["docs.jsonl"], None);
    assert_eq!(code, Some(2), "the bad line fails: {err}");
    let ids: Vec<&str> = recs
        .iter()
        .map(|r| r["id"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(ids, ["e0", "docs.jsonl:2", "docs.jsonl:4"]);
    assert_eq!(without_id(&recs[0]), by_id("corpus/economy/000.txt"));
    assert_eq!(without_id(&recs[1]), by_id("corpus/sports/001.txt"));
    assert!(recs[2]["label"].is_null(), "{}", recs[2]);
    assert!(
        recs[2]["error"].as_str().unwrap_or("").contains("line 4"),
        "{}",
        recs[2]
    );

    // a CSV manifest: paths relative to it, no label column needed
    std::fs::write(
        f.path("docs.csv"),
        "path\ncorpus/technology/002.txt\ncorpus/economy/004.txt\n",
    )
    .expect("write");
    let (code, recs, err) = label(&["docs.csv"], None);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(recs.len(), 2);
    for (rec, id) in recs
        .iter()
        .zip(["corpus/technology/002.txt", "corpus/economy/004.txt"])
    {
        assert_eq!(rec["id"], id);
        assert_eq!(without_id(rec), by_id(id));
    }

    // --list: paths relative to the folder given, ids as listed
    std::fs::write(
        f.path("list.txt"),
        "# two articles\nsports/003.txt\n\neconomy/001.txt\n",
    )
    .expect("write");
    let (code, recs, err) = label(&["corpus", "--list", "list.txt"], None);
    assert_eq!(code, Some(0), "{err}");
    let ids: Vec<&str> = recs
        .iter()
        .map(|r| r["id"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(ids, ["sports/003.txt", "economy/001.txt"]);
    assert_eq!(without_id(&recs[0]), by_id("corpus/sports/003.txt"));
    assert_eq!(without_id(&recs[1]), by_id("corpus/economy/001.txt"));

    // plain text on standard input, one article per line, -o - is standard output
    let one_line = |rel: &str| read(rel).replace('\n', " ");
    let text = format!(
        "{}\n\n{}\r\n",
        one_line("corpus/technology/000.txt"),
        one_line("corpus/economy/003.txt")
    );
    let (code, recs, err) = label(&["--input-format", "text", "-o", "-"], Some(&text));
    assert_eq!(code, Some(0), "{err}");
    assert!(!f.path("-").exists(), "-o - made a file named -");
    let ids: Vec<&str> = recs
        .iter()
        .map(|r| r["id"].as_str().unwrap_or("?"))
        .collect();
    assert_eq!(ids, ["stdin:1", "stdin:3"], "ids are line numbers");
    // each the record of the same line given as JSON
    let as_json = format!(
        "{}\n{}\n",
        serde_json::json!({"text": one_line("corpus/technology/000.txt")}),
        serde_json::json!({"text": one_line("corpus/economy/003.txt")})
    );
    let (_, json_recs, _) = label(&["-"], Some(&as_json));
    assert_eq!(json_recs.len(), 2);
    for (a, b) in recs.iter().zip(&json_recs) {
        assert_eq!(without_id(a), without_id(b));
    }
    assert_eq!(recs[0]["label"], "technology");
    assert_eq!(recs[1]["label"], "economy");
}

#[test]
fn the_format_follows_the_output_extension_and_a_summary_ends_on_stderr() {
    let f = Fixture::new(5);
    let out = f.run(&["label", "corpus", "-m", "model.tasnif", "-o", "out.csv"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let csv = std::fs::read_to_string(f.path("out.csv")).expect("out.csv");
    assert!(csv.starts_with("id,label,probability,top,"), "{csv}");
    assert_eq!(csv.lines().count(), 16);
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("15 records written to out.csv"), "{err}");
    // --format wins over the extension
    let out = f.run(&[
        "label",
        "corpus",
        "-m",
        "model.tasnif",
        "-o",
        "out.tsv",
        "--format",
        "jsonl",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(f.path("out.tsv")).expect("out.tsv");
    assert_eq!(records(&text).len(), 15);
}

/// Splits `s` on `sep` where it is not escaped by a backslash, and
/// removes the escapes.
fn split_escaped(s: &str, sep: char) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.last_mut().expect("a part").extend(chars.next()),
            c if c == sep => out.push(String::new()),
            c => out.last_mut().expect("a part").push(c),
        }
    }
    out
}

#[test]
fn csv_list_columns_stay_unambiguous_for_labels_with_separators() {
    let dir = tempfile::tempdir().expect("tempdir");
    write_corpus(&dir.path().join("corpus"), 6);
    let c = dir.path().join("corpus");
    std::fs::rename(c.join("economy"), c.join("eco:nomy")).expect("rename");
    std::fs::rename(c.join("sports"), c.join(r"sp;or\ts")).expect("rename");
    let out = tasnif_in(dir.path(), &["train", "corpus", "-o", "m.tasnif"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = tasnif_in(
        dir.path(),
        &[
            "label",
            "corpus",
            "-m",
            "m.tasnif",
            "--format",
            "csv",
            "--top-k",
            "3",
            "--multi",
            "--threshold",
            "0.01",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let mut rdr = csv::Reader::from_reader(out.stdout.as_slice());
    let headers = rdr.headers().expect("header").clone();
    let col = |name: &str| headers.iter().position(|h| h == name).expect(name);
    let (label, top, tags) = (col("label"), col("top"), col("tags"));
    let names = ["eco:nomy", r"sp;or\ts", "technology"];
    let mut rows = 0;
    for rec in rdr.records() {
        let rec = rec.expect("a row");
        let pairs = split_escaped(&rec[top], ';');
        assert_eq!(pairs.len(), 3, "{}", &rec[top]);
        // the first pair is the chosen label, its name whole
        let first = pairs[0].rsplit_once(':').map(|(n, _)| n);
        assert_eq!(first, Some(&rec[label]), "{}", &rec[top]);
        for p in &pairs {
            let (name, value) = p.rsplit_once(':').expect("NAME:VALUE");
            assert!(names.contains(&name), "{name} from {}", &rec[top]);
            assert!(value.parse::<f64>().is_ok(), "{value}");
        }
        for t in split_escaped(&rec[tags], ';') {
            assert!(names.contains(&t.as_str()), "{t} from {}", &rec[tags]);
        }
        rows += 1;
    }
    assert_eq!(rows, 18);
}

/// `label -` as a co-process: another program writes one article, waits for
/// its record, then writes the next, without ever closing the pipe. Each
/// record must come back while the input is still open, byte for byte what
/// labeling the same lines in one batch gives.
#[test]
fn label_stdin_answers_each_line_before_the_next_is_written() {
    use std::io::{BufRead, BufReader, Write};
    use std::process::{Command, Stdio};
    use std::sync::mpsc;
    use std::time::Duration;

    let seeds = seeds();
    let lines: Vec<String> = (0..100)
        .map(|i| {
            serde_json::json!({"id": format!("a{i}"), "text": seeds[i % seeds.len()]}).to_string()
        })
        .collect();
    let batch = tasnif_stdin(&root(), &["label", "-"], &(lines.join("\n") + "\n"));
    assert_eq!(batch.status.code(), Some(0), "{}", stderr(&batch));
    let expected: Vec<String> = stdout(&batch).lines().map(str::to_string).collect();
    assert_eq!(expected.len(), 100);

    let mut child = Command::new(env!("CARGO_BIN_EXE_tasnif"))
        .args(["label", "-"])
        .current_dir(root())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the tasnif binary starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            if tx.send(line.expect("a line of output")).is_err() {
                break;
            }
        }
    });
    for (i, line) in lines.iter().enumerate() {
        writeln!(stdin, "{line}").expect("write a line");
        stdin.flush().expect("flush");
        let got = match rx.recv_timeout(Duration::from_secs(20)) {
            Ok(r) => r,
            Err(e) => {
                let _ = child.kill();
                panic!("no record for line {i} within 20 s while standard input stays open ({e})");
            }
        };
        assert_eq!(got, expected[i], "record {i}");
    }
    drop(stdin);
    let status = child.wait().expect("tasnif ends");
    reader.join().expect("reader");
    assert_eq!(status.code(), Some(0));
    assert!(rx.try_recv().is_err(), "no record beyond the 100 lines");
}
