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

/// The kind of a directory entry, from the directory listing itself where
/// the file system says (no `stat` per file); links are followed.
fn entry_kind(entry: &std::fs::DirEntry) -> Option<std::fs::FileType> {
    match entry.file_type() {
        Ok(ft) if !ft.is_symlink() => Some(ft),
        _ => std::fs::metadata(entry.path()).ok().map(|m| m.file_type()),
    }
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
            match entry_kind(&entry) {
                Some(ft) if ft.is_dir() => stack.push(rel.join(&name)),
                Some(ft) if ft.is_file() && is_txt(&path) => out.push(rel.join(&name)),
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
        if is_hidden(&name) || !entry_kind(&entry).is_some_and(|ft| ft.is_dir()) {
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

/// The documents `label` reads for its arguments, produced lazily: files
/// as given, the `*.txt` files under directories (in sorted path order,
/// walked depth first so only one directory listing per level is held), and
/// for `-` the JSON lines of standard input, read as they are needed. A path
/// that cannot be used becomes a failed item that names the problem, so a
/// batch goes on past it.
pub fn inputs(args: Vec<PathBuf>) -> Inputs {
    Inputs {
        args: args.into_iter(),
        current: None,
    }
}

/// Iterator returned by [`inputs`].
pub struct Inputs {
    args: std::vec::IntoIter<PathBuf>,
    current: Option<Box<dyn Iterator<Item = Item> + Send>>,
}

impl Iterator for Inputs {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        loop {
            if let Some(it) = self.current.as_mut() {
                if let Some(item) = it.next() {
                    return Some(item);
                }
                self.current = None;
            }
            let arg = self.args.next()?;
            if arg.as_os_str() == "-" {
                let stdin = std::io::BufReader::new(std::io::stdin());
                self.current = Some(Box::new(super::manifest::JsonlInputs::new(stdin, "stdin")));
                continue;
            }
            let id = arg.display().to_string();
            match std::fs::metadata(&arg) {
                Err(e) => {
                    return Some(Item {
                        id,
                        source: Source::Failed(Error::io(&arg, e).to_string()),
                    })
                }
                Ok(m) if m.is_dir() => self.current = Some(Box::new(TxtWalk::new(arg))),
                Ok(_) => {
                    return Some(Item {
                        id,
                        source: Source::File(arg),
                    })
                }
            }
        }
    }
}

/// Depth-first walk of the `*.txt` files under a directory in sorted path
/// order (sorting each directory's entries gives the order of sorting full
/// paths, since paths compare component by component).
struct TxtWalk {
    root: PathBuf,
    stack: Vec<std::vec::IntoIter<(PathBuf, bool)>>,
    found: usize,
    started: bool,
}

impl TxtWalk {
    fn new(root: PathBuf) -> TxtWalk {
        TxtWalk {
            root,
            stack: Vec::new(),
            found: 0,
            started: false,
        }
    }

    /// The sorted visible entries of `dir` (path, is directory).
    fn list(dir: &Path) -> Result<std::vec::IntoIter<(PathBuf, bool)>> {
        let mut v = Vec::new();
        for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
            let entry = entry.map_err(|e| Error::io(dir, e))?;
            if is_hidden(&entry.file_name()) {
                continue;
            }
            let path = entry.path();
            match entry_kind(&entry) {
                Some(ft) if ft.is_dir() => v.push((path, true)),
                Some(ft) if ft.is_file() && is_txt(&path) => v.push((path, false)),
                _ => {}
            }
        }
        v.sort();
        Ok(v.into_iter())
    }
}

impl Iterator for TxtWalk {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        if !self.started {
            self.started = true;
            match TxtWalk::list(&self.root) {
                Ok(it) => self.stack.push(it),
                Err(e) => {
                    self.found = 1;
                    return Some(Item {
                        id: self.root.display().to_string(),
                        source: Source::Failed(e.to_string()),
                    });
                }
            }
        }
        loop {
            let Some(top) = self.stack.last_mut() else {
                if self.found == 0 {
                    self.found = 1;
                    return Some(Item {
                        id: self.root.display().to_string(),
                        source: Source::Failed(
                            Error::at(&self.root, ErrorKind::NoDocuments).to_string(),
                        ),
                    });
                }
                return None;
            };
            match top.next() {
                None => {
                    self.stack.pop();
                }
                Some((path, true)) => match TxtWalk::list(&path) {
                    Ok(it) => self.stack.push(it),
                    Err(e) => {
                        self.found += 1;
                        return Some(Item {
                            id: path.display().to_string(),
                            source: Source::Failed(e.to_string()),
                        });
                    }
                },
                Some((path, false)) => {
                    self.found += 1;
                    return Some(Item {
                        id: path.display().to_string(),
                        source: Source::File(path),
                    });
                }
            }
        }
    }
}
