//! Outputs: written whole or not at all, never over an existing file
//! without --force, intact after a write failure or an interruption; closed
//! pipes and full streams end quietly or as errors, never as panics.

use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;

/// Limits the size of files the child may write (RLIMIT_FSIZE) and ignores
/// SIGXFSZ in it, so that a write past `bytes` fails with EFBIG ("file too
/// large") as a full disk fails with ENOSPC. Works as root, needs no mount.
fn limit_file_size(c: &mut Command, bytes: u64) {
    // SAFETY: only async-signal-safe calls between fork and exec.
    unsafe {
        c.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let lim = libc::rlimit {
                rlim_cur: bytes,
                rlim_max: bytes,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &lim) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Runs tasnif in `dir` with `args` and files limited to `limit` bytes;
/// asserts that it exits with 1 and that its stderr (lower case) holds
/// each of `needles`.
fn fails_over_size_limit(dir: &Path, args: &[&str], limit: u64, needles: &[&str]) {
    let mut c = tasnif_cmd(dir, args);
    limit_file_size(&mut c, limit);
    let out = run(c);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_contains_all(&stderr(&out).to_lowercase(), needles, args[0]);
}

#[test]
fn a_write_failure_leaves_no_partial_file_and_the_old_one_intact() {
    let f = Fixture::new(8);
    let old_model = std::fs::read(f.path("model.tasnif")).expect("model");
    // a bigger model than the limit lets through
    fails_over_size_limit(
        f.dir.path(),
        &[
            "train",
            "corpus",
            "-o",
            "model.tasnif",
            "--force",
            "--ngrams",
            "2",
        ],
        4096,
        &["model.tasnif", "file too large"],
    );
    assert_eq!(
        std::fs::read(f.path("model.tasnif")).expect("model"),
        old_model,
        "the old model is intact"
    );
    assert_eq!(
        names(f.dir.path()),
        ["corpus", "model.tasnif"],
        "no leftovers"
    );

    // label -o, old output intact
    write(&f.path("out.jsonl"), b"old output\n");
    fails_over_size_limit(
        f.dir.path(),
        &[
            "label",
            "corpus",
            "-m",
            "model.tasnif",
            "-o",
            "out.jsonl",
            "--force",
        ],
        2048,
        &["out.jsonl", "file too large"],
    );
    assert_eq!(
        std::fs::read(f.path("out.jsonl")).expect("out"),
        b"old output\n"
    );
    assert_eq!(names(f.dir.path()), ["corpus", "model.tasnif", "out.jsonl"]);

    // eval --json and --predictions
    fails_over_size_limit(
        f.dir.path(),
        &[
            "eval",
            "corpus",
            "-m",
            "model.tasnif",
            "--predictions",
            "p.jsonl",
        ],
        512,
        &["p.jsonl: file too large"],
    );
    assert_eq!(names(f.dir.path()), ["corpus", "model.tasnif", "out.jsonl"]);

    // the rename itself fails: the target is a folder that is not empty
    write(&f.path("taken/x"), b"x");
    let out = f.run(&["train", "corpus", "-o", "taken", "--force"]);
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("taken"), "{}", stderr(&out));
    assert_eq!(
        names(f.dir.path()),
        ["corpus", "model.tasnif", "out.jsonl", "taken"]
    );

    // standard output on a full device
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let out = tasnif_cmd(f.dir.path(), &["label", "corpus", "-m", "model.tasnif"])
        .stdout(full)
        .output()
        .expect("runs");
    no_panic(&out);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out)
            .to_lowercase()
            .contains("no space left on device"),
        "{}",
        stderr(&out)
    );
}

/// Waits until `dir` holds a temporary file of tasnif (`.NAME.tmp-…`).
fn wait_for_temporary(dir: &Path) -> String {
    let start = Instant::now();
    loop {
        if let Some(n) = names(dir).into_iter().find(|n| n.contains(".tmp-")) {
            return n;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no temporary file appeared"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
}

fn signal(child: &std::process::Child, sig: i32) {
    // SAFETY: sends a signal to our own child.
    let r = unsafe { libc::kill(child.id() as i32, sig) };
    assert_eq!(r, 0);
}

#[test]
fn ctrl_c_during_label_o_removes_the_temporary_file_and_keeps_the_old_output() {
    use std::io::Write;
    let f = Fixture::new(4);
    write(&f.path("out.jsonl"), b"old output\n");
    for (sig, code) in [(libc::SIGINT, 130), (libc::SIGTERM, 143)] {
        let mut child = tasnif_cmd(
            f.dir.path(),
            &[
                "label",
                "-",
                "-m",
                "model.tasnif",
                "-o",
                "out.jsonl",
                "--force",
            ],
        )
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
        let mut stdin = child.stdin.take().expect("stdin");
        // some records written, the input still open: tasnif is mid-run
        for n in 0..300 {
            let line = serde_json::json!({"id": n, "text": article(n % 3, n)});
            writeln!(stdin, "{line}").expect("write");
        }
        stdin.flush().expect("flush");
        let tmp = wait_for_temporary(f.dir.path());
        assert!(tmp.starts_with(".out.jsonl.tmp-"), "{tmp}");
        std::thread::sleep(Duration::from_millis(200));
        signal(&child, sig);
        let out = child.wait_with_output().expect("ends");
        drop(stdin);
        no_panic(&out);
        assert_eq!(out.status.code(), Some(code), "{}", stderr(&out));
        assert!(
            stderr(&out).contains("interrupted; out.jsonl not written"),
            "{}",
            stderr(&out)
        );
        assert_eq!(
            std::fs::read(f.path("out.jsonl")).expect("out"),
            b"old output\n"
        );
        assert_eq!(names(f.dir.path()), ["corpus", "model.tasnif", "out.jsonl"]);
    }
}

#[test]
fn ctrl_c_during_train_keeps_the_old_model() {
    let f = Fixture::new(4);
    let old = std::fs::read(f.path("model.tasnif")).expect("model");
    // the training data is a FIFO nobody writes to yet: train waits on it
    mkfifo(&f.path("data.jsonl"));
    let child = tasnif_cmd(
        f.dir.path(),
        &["train", "data.jsonl", "-o", "model.tasnif", "--force"],
    )
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .expect("starts");
    std::thread::sleep(Duration::from_millis(300));
    signal(&child, libc::SIGINT);
    let out = child.wait_with_output().expect("ends");
    no_panic(&out);
    assert_eq!(out.status.code(), Some(130), "{}", stderr(&out));
    assert!(stderr(&out).contains("tasnif: interrupted"));
    assert_eq!(std::fs::read(f.path("model.tasnif")).expect("model"), old);
    assert_eq!(
        names(f.dir.path()),
        ["corpus", "data.jsonl", "model.tasnif"]
    );
}

#[test]
fn output_into_a_missing_folder_is_an_error_that_names_it() {
    let f = Fixture::new(4);
    for args in [
        vec![
            "label",
            "corpus",
            "-m",
            "model.tasnif",
            "-o",
            "nodir/out.jsonl",
        ],
        vec!["train", "corpus", "-o", "nodir/m.tasnif"],
        vec![
            "eval",
            "corpus",
            "-m",
            "model.tasnif",
            "--json",
            "nodir/e.json",
        ],
    ] {
        let out = f.run(&args);
        no_panic(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(
            stderr(&out).contains("nodir/") && stderr(&out).contains("no such file or directory"),
            "{args:?}: {}",
            stderr(&out)
        );
        assert_eq!(names(f.dir.path()), ["corpus", "model.tasnif"]);
    }
}

#[test]
fn label_into_a_closed_pipe_stops_quietly() {
    use std::io::BufRead;
    let f = Fixture::new(4);
    let mut args = vec!["label", "-m", "model.tasnif"];
    args.extend(std::iter::repeat_n("corpus", 300)); // 3,600 records, far more than a pipe holds
    let mut child = tasnif_cmd(f.dir.path(), &args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut first = String::new();
    std::io::BufReader::new(child.stdout.take().expect("stdout"))
        .read_line(&mut first)
        .expect("a line");
    // the reader is dropped here: the pipe is closed
    assert!(first.contains("corpus/economy/000.txt"), "{first}");
    let out = child.wait_with_output().expect("ends");
    no_panic(&out);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "", "a closed pipe is not an error");
}

/// Standard output or standard error on a full device: an error (or, for
/// standard error, nothing), never a panic. Every command's printing goes
/// through writes that return their error.
#[test]
fn full_standard_streams_are_errors_not_panics() {
    let f = Fixture::new(4);
    write(&f.path("empty.txt"), b"");
    let full = || {
        std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .expect("/dev/full")
    };
    for args in [
        vec!["inspect", "model.tasnif"],
        vec!["train", "corpus", "-o", "m2.tasnif"],
        vec!["eval", "corpus", "-m", "model.tasnif"],
        vec!["label", "empty.txt", "-m", "model.tasnif"],
    ] {
        let out = tasnif_cmd(f.dir.path(), &args)
            .stdout(full())
            .output()
            .expect("runs");
        no_panic(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", stderr(&out));
        assert!(
            stderr(&out).contains("No space left on device"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    // stderr full: the bad article's message is lost, the record and exit code are not
    let out = tasnif_cmd(f.dir.path(), &["label", "empty.txt", "-m", "model.tasnif"])
        .stderr(full())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        records(&stdout(&out))[0]["error"],
        "empty.txt: empty document (no letters or digits)"
    );
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
fn every_output_file_needs_force_and_is_refused_before_any_work() {
    let f = Fixture::new(5);
    std::fs::write(f.path("taken"), "mine").expect("write");
    let m = ["-m", "model.tasnif"];
    let runs: Vec<Vec<&str>> = vec![
        vec!["train", "corpus", "-o", "taken"],
        [&["label", "corpus", "-o", "taken"][..], &m].concat(),
        [&["eval", "corpus", "--json", "taken"][..], &m].concat(),
        [&["eval", "corpus", "--predictions", "taken"][..], &m].concat(),
        vec!["eval", "corpus", "--cv", "2", "--json", "taken"],
        vec![
            "eval",
            "corpus",
            "--cv",
            "2",
            "--learning-curve",
            "--json",
            "taken",
        ],
        vec!["tune", "corpus", "--quick", "--cv", "2", "-o", "taken"],
        vec![
            "tune", "corpus", "--quick", "--cv", "2", "-o", "t.json", "--json", "taken",
        ],
        vec!["bench", "corpus", "--json", "taken"],
    ];
    for args in &runs {
        let out = f.run(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert_eq!(
            err.trim_end(),
            "tasnif: error: taken: file exists (pass --force to overwrite it)",
            "{args:?}: one rule, one message"
        );
        assert!(stdout(&out).is_empty(), "{args:?}: refused before any work");
        assert_eq!(
            std::fs::read_to_string(f.path("taken")).expect("taken"),
            "mine"
        );
    }
    assert!(
        !f.path("t.json").exists(),
        "nothing written when one output is refused"
    );
    // with --force, each is replaced
    for args in [
        [&["eval", "corpus", "--json", "taken", "--force"][..], &m].concat(),
        [
            &["eval", "corpus", "--predictions", "taken", "--force"][..],
            &m,
        ]
        .concat(),
    ] {
        let out = f.run(&args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        assert_ne!(
            std::fs::read_to_string(f.path("taken")).expect("taken"),
            "mine"
        );
        std::fs::write(f.path("taken"), "mine").expect("write");
    }
}
