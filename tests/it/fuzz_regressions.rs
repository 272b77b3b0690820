//! Replays through the fuzz targets' checks (tests/fuzz_checks) every input
//! that once crashed a fuzzer (tests/data/fuzz/TARGET/) and the fuzzers'
//! seed inputs (fuzz/seeds/TARGET/), so a fixed crash stays fixed without
//! a fuzzer installed.

use std::path::Path;

fn replay(target: &str, check: fn(&[u8])) {
    let mut n = 0;
    for dir in ["tests/data/fuzz", "fuzz/seeds"] {
        let dir = crate::common::root().join(dir).join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        let mut paths: Vec<_> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
        paths.sort();
        for p in paths {
            let bytes = std::fs::read(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
            eprintln!(
                "replaying {}",
                p.strip_prefix(crate::common::root())
                    .unwrap_or(Path::new(""))
                    .display()
            );
            check(&bytes);
            n += 1;
        }
    }
    assert!(n > 0, "no inputs found for the {target} fuzz target");
}

#[test]
fn analyzer_inputs() {
    replay("analyzer", crate::fuzz_checks::analyzer);
}

#[test]
fn model_inputs() {
    replay("model", crate::fuzz_checks::model);
}

#[test]
fn decode_inputs() {
    replay("decode", crate::fuzz_checks::decode);
}

#[test]
fn manifest_inputs() {
    replay("manifest", crate::fuzz_checks::manifest);
}

#[test]
fn jsonl_inputs() {
    replay("jsonl", crate::fuzz_checks::jsonl);
}
