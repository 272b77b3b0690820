//! Tells the integration tests, at build time, what this machine lacks, so
//! that a test needing the corpus or Chromium is reported by the test runner
//! itself as ignored, with the reason, instead of passing without having
//! run. Under `CI=true` nothing is ignored: such a test runs and fails.

use std::path::{Path, PathBuf};

fn main() {
    println!("cargo::rustc-check-cfg=cfg(tasnif_no_corpus)");
    println!("cargo::rustc-check-cfg=cfg(tasnif_no_chromium)");
    for v in ["CI", "TASNIF_DATA", "TASNIF_CHROMIUM", "PATH"] {
        println!("cargo::rerun-if-env-changed={v}");
    }
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");
    let root = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default());
    let data = std::env::var_os("TASNIF_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/data"));
    let split = data.join("ant-multisource/split/train.txt");
    println!("cargo::rerun-if-changed={}", split.display());
    if !ci && !split.is_file() {
        println!("cargo::rustc-cfg=tasnif_no_corpus");
    }
    if !ci && chromium().is_none() {
        println!("cargo::rustc-cfg=tasnif_no_chromium");
    }
}

fn chromium() -> Option<PathBuf> {
    let name = std::env::var("TASNIF_CHROMIUM").unwrap_or_else(|_| "chromium".to_string());
    if name.contains('/') {
        return Some(PathBuf::from(&name)).filter(|p| p.is_file());
    }
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|d: PathBuf| d.join(Path::new(&name)))
            .find(|p| p.is_file())
    })
}
