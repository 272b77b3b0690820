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
