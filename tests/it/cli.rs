//! The command line's conventions: exit codes, help text.

use crate::common::*;

/// Every command of `tasnif --help` (the hidden one left out).
const COMMANDS: [&str; 8] = [
    "train",
    "label",
    "eval",
    "tune",
    "bench",
    "inspect",
    "completions",
    "man",
];

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

/// Runs tasnif in the fixture's folder with `env` set.
fn run_env(f: &Fixture, args: &[&str], env: &[(&str, &str)]) -> std::process::Output {
    let mut c = std::process::Command::new(env!("CARGO_BIN_EXE_tasnif"));
    c.args(args)
        .current_dir(f.dir.path())
        .env_remove("TASNIF_MODEL");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().expect("runs")
}

#[test]
fn tasnif_model_names_the_default_model_and_inspect_defaults_to_the_bundled_one() {
    let f = Fixture::new(5);
    let labels = |out: &std::process::Output| -> Vec<String> {
        records(&stdout(out))
            .iter()
            .map(|r| r["label"].as_str().unwrap_or("?").to_string())
            .collect()
    };
    let own = run_env(&f, &["label", "corpus", "-m", "model.tasnif"], &[]);
    let env = run_env(
        &f,
        &["label", "corpus"],
        &[("TASNIF_MODEL", "model.tasnif")],
    );
    assert_eq!(stdout(&own), stdout(&env), "{}", stderr(&env));
    // without it, the bundled (gated) model, whose records have "cyber"
    let bundled = run_env(&f, &["label", "corpus"], &[]);
    assert!(records(&stdout(&bundled))
        .iter()
        .all(|r| r.get("cyber").is_some()));
    assert!(records(&stdout(&env))
        .iter()
        .all(|r| r.get("cyber").is_none()));
    assert!(labels(&env).iter().any(|l| l == "sports"));
    // -m wins over TASNIF_MODEL
    let out = run_env(
        &f,
        &["label", "corpus", "-m", "model.tasnif"],
        &[("TASNIF_MODEL", "missing.tasnif")],
    );
    assert_eq!(stdout(&out), stdout(&own));
    // eval without -m or --cv evaluates TASNIF_MODEL
    let out = run_env(&f, &["eval", "corpus"], &[("TASNIF_MODEL", "model.tasnif")]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // inspect: no path is TASNIF_MODEL, else the bundled model
    let out = run_env(&f, &["inspect"], &[]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_contains_all(
        &stdout(&out),
        &[
            "model: (bundled cyber-topics model)",
            "gate threshold:",
            "  none ",
        ],
        "inspect",
    );
    let out = run_env(&f, &["inspect"], &[("TASNIF_MODEL", "model.tasnif")]);
    assert_contains_all(
        &stdout(&out),
        &["model: model.tasnif", "  sports "],
        "inspect",
    );
}

#[test]
fn format_json_prints_one_object_for_inspect_train_and_eval() {
    let f = Fixture::new(5);
    let json = |args: &[&str]| -> serde_json::Value {
        let out = f.run(args);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {}", stderr(&out));
        serde_json::from_slice(&out.stdout)
            .unwrap_or_else(|e| panic!("{args:?}: not one JSON object ({e}):\n{}", stdout(&out)))
    };
    let v = json(&[
        "inspect",
        "model.tasnif",
        "--format",
        "json",
        "--top-terms",
        "2",
    ]);
    assert_eq!(v["model"], "model.tasnif");
    let labels = v["labels"].as_array().expect("labels");
    assert_eq!(labels.len(), 3);
    assert_eq!(labels[1]["name"], "sports");
    assert_eq!(labels[1]["documents"], 5);
    assert_eq!(labels[1]["top_terms"].as_array().map(Vec::len), Some(2));
    assert!(v["gate"].is_null());
    let v = json(&["inspect", "--format", "json"]);
    assert_eq!(v["gate"]["name"], "cyber");

    let v = json(&["train", "corpus", "-o", "m2.tasnif", "--format", "json"]);
    assert_eq!(v["documents"], 15);
    assert_eq!(
        v["labels"][0],
        serde_json::json!({"name": "economy", "documents": 5})
    );
    assert_eq!(
        v["model_bytes"].as_u64(),
        std::fs::metadata(f.path("m2.tasnif")).ok().map(|m| m.len())
    );

    // eval: the figures of --json
    let v = json(&[
        "eval",
        "corpus",
        "-m",
        "model.tasnif",
        "--format",
        "json",
        "--json",
        "e.json",
    ]);
    assert_eq!(v, f.json("e.json"));
    assert_eq!(v["documents"], 15);
    let v = json(&["eval", "corpus", "--cv", "2", "--format", "json"]);
    assert!(v["folds"].as_array().is_some_and(|f| f.len() == 2), "{v}");
}

#[test]
fn quiet_leaves_only_errors_and_verbose_shows_training_stages() {
    let f = Fixture::new(5);
    let out = f.run(&["label", "corpus", "-m", "model.tasnif", "-o", "a.jsonl"]);
    assert!(
        stderr(&out).contains("15 records written to a.jsonl"),
        "{}",
        stderr(&out)
    );
    let out = f.run(&[
        "-q",
        "label",
        "corpus",
        "-m",
        "model.tasnif",
        "-o",
        "b.jsonl",
    ]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stderr(&out), "", "-q: nothing but errors");
    // an error still shows under -q
    let out = f.run(&["label", "missing.txt", "-m", "model.tasnif", "-q"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("missing.txt"), "{}", stderr(&out));
    // -v: the time of each stage of training
    let out = f.run(&["train", "corpus", "-o", "v.tasnif", "-v"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_contains_all(
        &stderr(&out),
        &["DEBUG", "documents read and counted", "vocabulary fitted"],
        "train -v",
    );
    let out = f.run(&["train", "corpus", "-o", "w.tasnif"]);
    assert_eq!(stderr(&out), "", "no trace without -v");
    assert_eq!(
        std::fs::read(f.path("v.tasnif")).expect("v"),
        std::fs::read(f.path("w.tasnif")).expect("w"),
        "the same model"
    );
}

#[test]
fn completions_and_manual_pages_are_generated() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = tasnif(&["completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}: {}", stderr(&out));
        let script = stdout(&out);
        assert_contains_all(&script, &["tasnif", "label", "input-format"], shell);
    }
    // bash reads the bash script without a syntax error
    if let Ok(o) = std::process::Command::new("bash")
        .args(["-n", "-c"])
        .arg(stdout(&tasnif(&["completions", "bash"])))
        .output()
    {
        assert!(o.status.success(), "bash -n: {}", stderr(&o));
    }
    assert_eq!(tasnif(&["completions", "tcsh"]).status.code(), Some(64));

    let page = stdout(&tasnif(&["man"]));
    assert_contains_all(
        &page,
        &[".TH tasnif 1", "Exit status:", "label"],
        "tasnif(1)",
    );
    let page = stdout(&tasnif(&["man", "label"]));
    assert_contains_all(
        &page,
        &[".TH tasnif-label 1", "input\\-format", "Examples:"],
        "tasnif-label(1)",
    );
    assert_eq!(tasnif(&["man", "nope"]).status.code(), Some(64));

    let dir = tempfile::tempdir().expect("tempdir");
    let d = dir.path().to_str().expect("utf-8 path");
    let out = tasnif(&["man", "--dir", d]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut files: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect();
    files.sort();
    assert_eq!(
        files,
        [
            "tasnif-annotate.1",
            "tasnif-bench.1",
            "tasnif-completions.1",
            "tasnif-eval.1",
            "tasnif-inspect.1",
            "tasnif-label.1",
            "tasnif-man.1",
            "tasnif-serve.1",
            "tasnif-train.1",
            "tasnif-tune.1",
            "tasnif.1",
        ]
    );
    // the overwrite rule holds here too
    assert_eq!(tasnif(&["man", "--dir", d]).status.code(), Some(1));
    assert_eq!(
        tasnif(&["man", "--dir", d, "--force"]).status.code(),
        Some(0)
    );
}
