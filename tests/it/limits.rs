//! The limits of issue 20 through the real binary: threads, memory of
//! `label -`, byte caps of input files, folders reached through many
//! links, and ids that must stay unambiguous. See TESTING.md ("Limits").

use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::process::{Command, Stdio};

use crate::common::*;

#[test]
fn thread_counts_above_the_maximum_are_refused() {
    let f = Fixture::new(4);
    for j in ["0", "257", "10000000"] {
        for args in [
            vec![
                "label",
                "corpus/sports/000.txt",
                "-m",
                "model.tasnif",
                "-j",
                j,
            ],
            vec!["train", "corpus", "-o", "j.tasnif", "-j", j],
        ] {
            let out = f.run(&args);
            no_panic(&out);
            assert!(!out.status.success(), "{args:?} accepted");
            assert_contains_all(
                &stderr(&out),
                &["thread count from 1 to 256", j],
                &format!("{args:?}"),
            );
        }
    }
    assert!(!f.path("j.tasnif").exists());
    let out = f.run(&[
        "label",
        "corpus/sports/000.txt",
        "-m",
        "model.tasnif",
        "-j",
        "256",
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
}

/// Runs tasnif with `input` on standard input and returns its exit code
/// and its own peak resident memory in KiB (from `wait4`, which reports
/// on that child alone).
#[allow(clippy::zombie_processes)] // reaped by wait4, which also gives its rusage
fn peak_rss_kib(dir: &std::path::Path, args: &[&str], input: Vec<u8>) -> (i32, i64) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_tasnif"))
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the tasnif binary starts");
    let mut stdin = child.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: an all-zero rusage is valid; wait4 fills it for our own child
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(r, pid, "wait4");
    writer.join().expect("writer");
    (libc::WEXITSTATUS(status), usage.ru_maxrss)
}

/// F8: `label -` moved chunks of 256 documents whatever their size, with
/// up to 7 chunks alive. 150 lines of 1 MiB texts then sat in memory at
/// once (a peak of about 170 MB); chunks now also close at 4 MiB of text.
/// The texts are mostly spaces, so the run is quick.
#[test]
fn label_stdin_stays_under_its_memory_bound() {
    let f = Fixture::new(4);
    let text = format!("{}{}", " ".repeat(1 << 20), article(0, 1));
    let line = serde_json::json!({ "text": text }).to_string();
    let mut input = Vec::new();
    for _ in 0..150 {
        input.extend_from_slice(line.as_bytes());
        input.push(b'\n');
    }
    let args = ["label", "-", "-m", "model.tasnif", "-j", "2"];
    // the same binary on 2 lines: its memory without the batch
    let (code, base) = peak_rss_kib(f.dir.path(), &args, input[..2 * (line.len() + 1)].to_vec());
    assert_eq!(code, 0);
    let (code, peak) = peak_rss_kib(f.dir.path(), &args, input);
    assert_eq!(code, 0);
    // the stated bound: 7 chunks of at most 4 MiB + one text, with room
    // for the line being parsed and the allocator
    let bound = base + 7 * (4 * 1024 + 1024) + 16 * 1024;
    assert!(
        peak <= bound,
        "peak RSS {peak} KiB over {bound} KiB (base {base} KiB)"
    );
}

#[test]
fn input_files_over_their_cap_are_refused_before_they_are_read() {
    let f = Fixture::new(4);
    // sparse files: their size is what counts, nothing is read
    let big = |name: &str, len: u64| {
        let file = std::fs::File::create(f.path(name)).expect("create");
        file.set_len(len).expect("set_len");
    };
    big("huge.tasnif", (1 << 30) + 1);
    f.refused(
        &["label", "corpus/sports/000.txt", "-m", "huge.tasnif"],
        "huge.tasnif: model file is 1073741825 bytes, over the limit of 1073741824 bytes",
    );
    big("huge.list", (256 << 20) + 1);
    f.refused(
        &["train", "corpus", "--list", "huge.list", "-o", "x.tasnif"],
        "huge.list: list, groups or config file is 268435457 bytes, over the limit of 268435456 bytes",
    );
    big("huge.json", (256 << 20) + 1);
    f.refused(
        &["train", "corpus", "--config", "huge.json", "-o", "x.tasnif"],
        "over the limit of 268435456 bytes",
    );
    big("huge.jsonl", (4 << 30) + 1);
    f.refused(
        &["train", "huge.jsonl", "-o", "x.tasnif"],
        "huge.jsonl: data file is 4294967297 bytes, over the limit of 4294967296 bytes",
    );
    assert!(!f.path("x.tasnif").exists());
}

/// F13 on the walkdir walker: folders d1..d12, each with two links to the
/// one before. Links to folders met in a walk are not followed (as in
/// ripgrep), so the chain is one record (no documents), not 2^12 copies of
/// the file. A folder named again on the command line, directly, through a
/// link, or inside a folder named before, is read once: each later naming
/// is one error record.
#[test]
fn a_chain_of_links_reads_each_folder_once() {
    let f = Fixture::new(4);
    let d = f.path("chain");
    write(&d.join("d0/a.txt"), article(0, 1).as_bytes());
    for i in 1..=12 {
        std::fs::create_dir_all(d.join(format!("d{i}"))).expect("mkdir");
        for link in ["x", "y"] {
            std::os::unix::fs::symlink(format!("../d{}", i - 1), d.join(format!("d{i}/{link}")))
                .expect("symlink");
        }
    }
    let again = |recs: &[serde_json::Value]| {
        recs.iter()
            .filter(|r| {
                r["error"]
                    .as_str()
                    .is_some_and(|e| e.contains("a folder already read as"))
            })
            .count()
    };
    let out = f.run(&["label", "chain/d12", "-m", "model.tasnif"]);
    no_panic(&out);
    let recs = records(&stdout(&out));
    assert_eq!(recs.len(), 1, "{}", stdout(&out));
    assert!(
        recs[0]["error"]
            .as_str()
            .is_some_and(|e| e.contains("no documents found")),
        "{}",
        stdout(&out)
    );
    assert_eq!(out.status.code(), Some(2));
    // d0 named three times: as itself, through d1's link, and again; then
    // the whole chain, which holds d0
    let out = f.run(&[
        "label",
        "chain/d0",
        "chain/d1/x",
        "chain/d0",
        "chain",
        "-m",
        "model.tasnif",
    ]);
    no_panic(&out);
    let recs = records(&stdout(&out));
    assert_eq!(recs.len(), 1 + 3, "{}", stdout(&out));
    let good: Vec<_> = recs.iter().filter(|r| r["error"].is_null()).collect();
    assert_eq!(good.len(), 1);
    assert_eq!(good[0]["id"], "chain/d0/a.txt");
    assert_eq!(again(&recs), 3, "{}", stdout(&out));
    assert_eq!(out.status.code(), Some(2));
    // the other way round: the chain first, then d0 inside it
    let out = f.run(&["label", "chain", "chain/d0", "-m", "model.tasnif"]);
    let recs = records(&stdout(&out));
    assert_eq!(recs.len(), 2, "{}", stdout(&out));
    assert_eq!(recs[0]["id"], "chain/d0/a.txt");
    assert_eq!(again(&recs), 1);
}

#[test]
fn json_lines_may_start_with_a_byte_order_mark() {
    let f = Fixture::new(4);
    let mut data = b"\xEF\xBB\xBF".to_vec();
    for (i, label) in ["sports", "economy"].iter().enumerate() {
        for n in 0..4 {
            data.extend_from_slice(
                serde_json::json!({"text": article(i, n), "label": label})
                    .to_string()
                    .as_bytes(),
            );
            data.push(b'\n');
        }
    }
    write(&f.path("bom.jsonl"), &data);
    let out = f.run(&["train", "bom.jsonl", "-o", "bom.tasnif"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let input = format!(
        "\u{FEFF}{}\n",
        serde_json::json!({"id": "first", "text": article(1, 2)})
    );
    let out = tasnif_stdin(f.dir.path(), &["label", "-", "-m", "model.tasnif"], &input);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let recs = records(&stdout(&out));
    assert_eq!(recs[0]["id"], "first");
    assert!(recs[0]["error"].is_null());
}

#[test]
fn ids_stay_unambiguous() {
    let f = Fixture::new(4);
    // two names that differ only in bytes that are not UTF-8
    let d = f.path("names");
    std::fs::create_dir_all(&d).expect("mkdir");
    for b in [0xFFu8, 0xFE] {
        let name = [b'a', b, b'.', b't', b'x', b't'];
        std::fs::write(d.join(std::ffi::OsStr::from_bytes(&name)), article(0, 1)).expect("write");
    }
    let out = f.run(&["label", "names", "-m", "model.tasnif"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let ids: Vec<String> = records(&stdout(&out))
        .iter()
        .map(|r| r["id"].as_str().expect("id").to_string())
        .collect();
    assert_eq!(ids, ["names/a\\xFE.txt", "names/a\\xFF.txt"]);

    // an integer id beyond 64 bits is refused, not rounded
    let text = |n| serde_json::to_string(&article(0, n)).expect("json");
    let input = format!(
        "{{\"id\": 18446744073709551617, \"text\": {}}}\n{{\"id\": 18446744073709551615, \"text\": {}}}\n",
        text(1),
        text(2)
    );
    let out = tasnif_stdin(f.dir.path(), &["label", "-", "-m", "model.tasnif"], &input);
    assert_eq!(out.status.code(), Some(2));
    let recs = records(&stdout(&out));
    assert!(recs[0]["error"]
        .as_str()
        .expect("error")
        .contains("not a 64-bit integer"));
    assert_eq!(recs[1]["id"], "18446744073709551615");

    // an id given twice: a warning for label, an error for training data
    let line = serde_json::json!({"id": "same", "text": article(0, 1)}).to_string();
    let out = tasnif_stdin(
        f.dir.path(),
        &["label", "-", "-m", "model.tasnif"],
        &format!("{line}\n{line}\n{line}\n"),
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stderr(&out)
            .matches("the id 'same' is given to more than one input")
            .count(),
        1,
        "{}",
        stderr(&out)
    );
    let mut jsonl = String::new();
    for (i, label) in ["sports", "economy"].iter().enumerate() {
        for n in 0..4 {
            let id = if n == 3 {
                "dup".to_string()
            } else {
                format!("{label}{n}")
            };
            jsonl.push_str(
                &serde_json::json!({"id": id, "text": article(i, n), "label": label}).to_string(),
            );
            jsonl.push('\n');
        }
    }
    write(&f.path("dup.jsonl"), jsonl.as_bytes());
    f.refused(
        &["train", "dup.jsonl", "-o", "dup.tasnif"],
        "the id 'dup' is given to two documents",
    );
    // a list that names a file twice
    write(
        &f.path("twice.list"),
        b"sports/000.txt\neconomy/000.txt\nsports/000.txt\n",
    );
    f.refused(
        &[
            "train",
            "corpus",
            "--list",
            "twice.list",
            "-o",
            "dup.tasnif",
        ],
        "twice.list: line 3: 'sports/000.txt' is listed twice (also on line 1)",
    );
}

/// The CSV `top` column of labels holding `:` or `;` splits back.
#[test]
fn csv_list_cells_escape_their_separators() {
    let f = Fixture::new(4);
    let mut rows = Vec::new();
    for (i, label) in ["a:b", "c;d"].iter().enumerate() {
        for n in 0..4 {
            rows.push((article(i, n), *label));
        }
    }
    write(&f.path("odd.csv"), text_manifest(&rows).as_bytes());
    let out = f.run(&["train", "odd.csv", "-o", "odd.tasnif"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let out = f.run(&[
        "label",
        "corpus/sports/000.txt",
        "-m",
        "odd.tasnif",
        "--format",
        "csv",
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let csv = stdout(&out);
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("a header").split(',').collect();
    let col = header
        .iter()
        .position(|c| *c == "top")
        .expect("a top column");
    let row = lines.next().expect("a row");
    let top = row.split(',').nth(col).expect("top");
    assert!(
        top.contains("a\\:b:") && top.contains("c\\;d:"),
        "top cell {top}"
    );
}

/// `--help` states the limits, and they are the library's.
#[test]
fn help_states_the_limits() {
    use tasnif::corpus::FileKind;
    assert_eq!(FileKind::MODEL_CAP, 1 << 30);
    assert_eq!(FileKind::DATA_CAP, 4 << 30);
    assert_eq!(FileKind::LIST_CAP, 256 << 20);
    assert_eq!(tasnif::batch::MAX_THREADS, 256);
    assert_eq!(tasnif::batch::CHUNK_BYTES, 4 << 20);
    for cmd in ["label", "train"] {
        let out = tasnif(&[cmd, "--help"]);
        let help = stdout(&out)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert_contains_all(
            &help,
            &["1 to 256", "a model 1 GiB", "4 GiB", "256 MiB"],
            cmd,
        );
    }
}
