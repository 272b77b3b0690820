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
