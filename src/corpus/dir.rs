//! Directories: one sub-folder per label for training data; recursive
//! `*.txt` walks for the inputs of `label`.

use std::path::{Path, PathBuf};

use super::{Item, Source};
use crate::error::{Error, ErrorKind, Result};

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with('.')
}

fn is_txt(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("txt"))
}

/// All `*.txt` files under `root` (recursively, hidden entries skipped),
/// as paths relative to `root`, sorted.
///
/// # Errors
/// `root` or a folder below it cannot be read.
pub fn walk_txt(root: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let dir = root.join(&rel);
        let entries = std::fs::read_dir(&dir).map_err(|e| Error::io(&dir, e))?;
        for entry in entries {
            let entry = entry.map_err(|e| Error::io(&dir, e))?;
            let name = entry.file_name();
            if is_hidden(&name) {
                continue;
            }
            let path = entry.path();
            let ft = std::fs::metadata(&path).map(|m| m.file_type());
            match ft {
                Ok(ft) if ft.is_dir() => stack.push(rel.join(&name)),
                Ok(ft) if ft.is_file() && is_txt(&path) => out.push(rel.join(&name)),
                _ => {}
            }
        }
    }
    out.sort();
    Ok(out)
}

/// Reads a directory with one sub-folder per label; files directly in the
/// root and hidden entries are ignored. Ids are paths relative to `root`
/// with `/` separators (as in the reference split lists).
pub(super) fn read_label_dirs(root: &Path) -> Result<Vec<(Item, String)>> {
    let entries = std::fs::read_dir(root).map_err(|e| Error::io(root, e))?;
    let mut labels = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| Error::io(root, e))?;
        let name = entry.file_name();
        if is_hidden(&name) || !entry.path().is_dir() {
            continue;
        }
        labels.push(name.to_string_lossy().into_owned());
    }
    labels.sort();
    let mut pairs = Vec::new();
    for label in labels {
        let dir = root.join(&label);
        let files = walk_txt(&dir)?;
        if files.is_empty() {
            continue;
        }
        for rel in files {
            let rel_str = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect::<Vec<_>>()
                .join("/");
            pairs.push((
                Item {
                    id: format!("{label}/{rel_str}"),
                    source: Source::File(dir.join(&rel)),
                },
                label.clone(),
            ));
        }
    }
    if pairs.is_empty() {
        return Err(Error::at(root, ErrorKind::NoDocuments));
    }
    Ok(pairs)
}

/// The documents `label` reads for its arguments: files as given, the
/// `*.txt` files under directories (sorted), and for `-` the JSONL lines of
/// standard input. A path that cannot be used becomes a failed item that
/// names the problem, so a batch goes on past it.
pub fn collect_inputs(args: &[PathBuf]) -> Vec<Item> {
    let mut items = Vec::new();
    for arg in args {
        if arg.as_os_str() == "-" {
            let stdin = std::io::stdin();
            items.extend(super::read_jsonl_inputs(stdin.lock(), "stdin"));
            continue;
        }
        let id = arg.display().to_string();
        match std::fs::metadata(arg) {
            Err(e) => items.push(Item {
                id: id.clone(),
                source: Source::Failed(Error::io(arg, e).to_string()),
            }),
            Ok(m) if m.is_dir() => match walk_txt(arg) {
                Ok(files) if files.is_empty() => items.push(Item {
                    id,
                    source: Source::Failed(Error::at(arg, ErrorKind::NoDocuments).to_string()),
                }),
                Ok(files) => items.extend(files.into_iter().map(|rel| {
                    let p = arg.join(rel);
                    Item {
                        id: p.display().to_string(),
                        source: Source::File(p),
                    }
                })),
                Err(e) => items.push(Item {
                    id,
                    source: Source::Failed(e.to_string()),
                }),
            },
            Ok(_) => items.push(Item {
                id,
                source: Source::File(arg.clone()),
            }),
        }
    }
    items
}
