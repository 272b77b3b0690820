//! The command line's conventions: exit codes, help text.

use crate::common::*;

/// Every command of `tasnif --help` (the hidden one left out).
const COMMANDS: [&str; 6] = ["train", "label", "eval", "tune", "bench", "inspect"];

#[test]
fn exit_codes_keep_usage_errors_apart_from_failed_inputs() {
    let f = Fixture::new(5);
    let code = |args: &[&str]| {
        let out = f.run(args);
        (out.status.code(), stderr(&out))
    };
    // success
    let (c, err) = code(&["label", "corpus/sports/000.txt", "-m", "model.tasnif"]);
    assert_eq!(c, Some(0), "{err}");
    // some inputs failed: the others are labeled, exit 2
    let (c, err) = code(&[
        "label",
        "corpus/sports",
        "missing.txt",
        "-m",
        "model.tasnif",
    ]);
    assert_eq!(c, Some(2), "{err}");
    assert!(err.contains("1 of 6 inputs failed"), "{err}");
    // an error: nothing done, exit 1
    let (c, err) = code(&["label", "corpus", "-m", "missing.tasnif"]);
    assert_eq!(c, Some(1), "{err}");
    assert!(err.contains("missing.tasnif"), "{err}");
    // usage errors, from clap and after parsing: exit 64
    for args in [
        &["label", "corpus", "--no-such-option"][..],
        &["label", "corpus", "--top-k", "0"],
        &["label", "corpus", "--format", "xml"],
        &["train", "corpus"],
        &["frobnicate"],
        &[],
        &["eval", "corpus"],
        &["eval", "corpus", "--cv", "2", "--multi"],
        &["eval", "corpus", "-m", "model.tasnif", "--report", "r.pdf"],
    ] {
        let (c, err) = code(args);
        assert_eq!(c, Some(64), "{args:?}: {err}");
        assert!(!err.is_empty(), "{args:?}: no message");
    }
    // help and version are not errors
    for args in [&["--help"][..], &["--version"], &["label", "-h"]] {
        assert_eq!(code(args).0, Some(0), "{args:?}");
    }
}

#[test]
fn every_help_lists_the_exit_codes() {
    for cmd in COMMANDS
        .iter()
        .map(|c| vec![*c, "--help"])
        .chain([vec!["--help"]])
    {
        let text = stdout(&tasnif(&cmd));
        assert_contains_all(
            &text,
            &["Exit status:", "  0 ", "  1 ", "  2 ", "  64 ", "  130 "],
            &format!("{cmd:?}"),
        );
    }
}

/// `tasnif ARGS --help` as clap prints it for a terminal `columns` wide.
fn help_at(args: &[&str], columns: usize) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_tasnif"))
        .args(args)
        .arg("--help")
        .env("COLUMNS", columns.to_string())
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0), "{args:?}");
    stdout(&out)
}

#[test]
fn help_fits_80_columns_and_no_example_is_broken() {
    for cmd in COMMANDS.iter().map(|c| vec![*c]).chain([vec![]]) {
        let text = help_at(&cmd, 80);
        for line in text.lines() {
            assert!(
                line.chars().count() <= 80,
                "{cmd:?}: a line of {} columns:\n{line}",
                line.chars().count()
            );
        }
        // The examples: comments, commands, and the indented lines that
        // follow a `\`. A command wrapped by clap would leave a line of
        // another kind (a fragment of arguments).
        let examples = text
            .split("Examples:\n")
            .nth(1)
            .and_then(|s| s.split("\n\n").next())
            .unwrap_or_else(|| panic!("{cmd:?}: no examples:\n{text}"));
        let mut continued = false;
        for line in examples.lines() {
            let ok = if continued {
                line.starts_with("      ")
            } else {
                ["  # ", "  tasnif ", "  echo ", "  printf ", "  D="]
                    .iter()
                    .any(|p| line.starts_with(p))
            };
            assert!(
                ok,
                "{cmd:?}: a broken example line:\n{line}\nin\n{examples}"
            );
            continued = line.ends_with('\\');
        }
        assert!(!continued, "{cmd:?}: the last example ends with a \\");
    }
}
