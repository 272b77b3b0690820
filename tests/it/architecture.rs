//! The module map of ARCHITECTURE.md against the code: every `use crate::`
//! (and every `crate::` path) outside comments and tests in `src/` points to
//! a module of a lower layer.

use std::collections::HashMap;
use std::path::Path;

use crate::common::root;

/// Module → layer, from the table of ARCHITECTURE.md (`| layer | module | … |`).
fn layers() -> HashMap<String, u32> {
    let text = std::fs::read_to_string(root().join("ARCHITECTURE.md")).expect("ARCHITECTURE.md");
    let mut map = HashMap::new();
    for line in text.lines() {
        let cells: Vec<&str> = line.split('|').map(str::trim).collect();
        if cells.len() > 3 {
            if let Ok(layer) = cells[1].parse::<u32>() {
                map.insert(cells[2].to_string(), layer);
            }
        }
    }
    map
}

/// The code of a source file without comments and without its test module.
fn code(path: &Path) -> String {
    let text = std::fs::read_to_string(path).expect("a source file");
    let text = match text.find("#[cfg(test)]") {
        Some(i) => &text[..i],
        None => &text[..],
    };
    text.lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Every `crate::MODULE` a piece of code names.
fn used(code: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = code;
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        let name: String = rest
            .chars()
            .take_while(|c| c.is_ascii_lowercase() || *c == '_')
            .collect();
        if !name.is_empty() {
            out.push(name);
        }
    }
    out
}

fn walk(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for e in std::fs::read_dir(dir).expect("a folder").flatten() {
        let p = e.path();
        if p.is_dir() {
            walk(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

#[test]
fn every_import_in_src_points_down_the_module_map() {
    let layers = layers();
    for m in [
        "error", "text", "features", "nb", "model", "train", "eval", "record",
    ] {
        assert!(layers.contains_key(m), "ARCHITECTURE.md has no row for {m}");
    }
    let src = root().join("src");
    let mut files = Vec::new();
    walk(&src, &mut files);
    let mut checked = 0;
    let mut up = Vec::new();
    for f in files {
        let rel = f.strip_prefix(&src).expect("under src").to_path_buf();
        let first = rel
            .components()
            .next()
            .map(|c| {
                c.as_os_str()
                    .to_string_lossy()
                    .trim_end_matches(".rs")
                    .to_string()
            })
            .unwrap_or_default();
        // the binary and the crate root are above every module
        if matches!(first.as_str(), "cli" | "main" | "lib") {
            continue;
        }
        if rel.file_name().is_some_and(|n| n == "tests.rs") {
            continue;
        }
        let Some(&own) = layers.get(&first) else {
            panic!("{} is in no layer of ARCHITECTURE.md", rel.display());
        };
        for m in used(&code(&f)) {
            if m == first {
                continue;
            }
            let layer = layers
                .get(&m)
                .unwrap_or_else(|| panic!("{}: crate::{m} is in no layer", rel.display()));
            checked += 1;
            if *layer >= own {
                up.push(format!(
                    "{} (layer {own}) uses crate::{m} (layer {layer})",
                    rel.display()
                ));
            }
        }
    }
    assert!(
        checked > 50,
        "only {checked} imports found: is the parser broken?"
    );
    up.sort();
    up.dedup();
    assert!(
        up.is_empty(),
        "arrows that point up or sideways:\n{}",
        up.join("\n")
    );
}

#[test]
fn the_checker_sees_an_arrow_that_points_up() {
    let code = "use crate::model::Classifier;\n// crate::eval in a comment\nlet x = crate::train::train(d, p, r);";
    let stripped: String = code
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    assert_eq!(used(&stripped), ["model", "train"]);
}
