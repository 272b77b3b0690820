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

/// The visible entries of `dir` that matter here, sorted by path:
/// sub-directories (`true`) and `*.txt` files (`false`).
fn list_dir(dir: &Path) -> Result<Vec<(PathBuf, bool)>> {
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
    Ok(v)
}

/// Depth-first walk of the `*.txt` files under a directory, in sorted path
/// order (sorting each directory's entries gives the order of sorting full
/// paths, since paths compare component by component), holding one listing
/// per level. A directory that cannot be read is an `Err` and the walk goes on.
struct SortedWalk {
    root: Option<PathBuf>,
    stack: Vec<std::vec::IntoIter<(PathBuf, bool)>>,
}

impl SortedWalk {
    fn new(root: PathBuf) -> SortedWalk {
        SortedWalk {
            root: Some(root),
            stack: Vec::new(),
        }
    }

    fn enter(&mut self, dir: &Path) -> Result<()> {
        self.stack.push(list_dir(dir)?.into_iter());
        Ok(())
    }
}

impl Iterator for SortedWalk {
    type Item = Result<PathBuf>;

    fn next(&mut self) -> Option<Result<PathBuf>> {
        if let Some(root) = self.root.take() {
            if let Err(e) = self.enter(&root) {
                return Some(Err(e));
            }
        }
        loop {
            match self.stack.last_mut()?.next() {
                None => {
                    self.stack.pop();
                }
                Some((dir, true)) => {
                    if let Err(e) = self.enter(&dir) {
                        return Some(Err(e));
                    }
                }
                Some((file, false)) => return Some(Ok(file)),
            }
        }
    }
}

/// All `*.txt` files under `root` (recursively, hidden entries skipped),
/// as paths relative to `root`, sorted.
///
/// # Errors
/// `root` or a folder below it cannot be read.
pub fn walk_txt(root: &Path) -> Result<Vec<PathBuf>> {
    SortedWalk::new(root.to_path_buf())
        .map(|p| {
            p.map(|p| {
                p.strip_prefix(root)
                    .map_or_else(|_| p.clone(), Path::to_path_buf)
            })
        })
        .collect()
}

/// Reads a directory with one sub-folder per label; files directly in the
/// root and hidden entries are ignored. Ids are paths relative to `root`
/// with `/` separators (as in the reference split lists).
pub(super) fn read_label_dirs(root: &Path) -> Result<Vec<(Item, String)>> {
    let labels: Vec<String> = list_dir(root)?
        .into_iter()
        .filter(|(_, is_dir)| *is_dir)
        .filter_map(|(p, _)| p.file_name().map(|n| n.to_string_lossy().into_owned()))
        .collect();
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

/// The items of a directory argument of `label`: its `*.txt` files in
/// sorted order; a folder that cannot be read becomes a failed item, and a
/// directory with no `*.txt` file at all one failed item that says so.
struct TxtWalk {
    root: PathBuf,
    walk: SortedWalk,
    found: bool,
}

impl TxtWalk {
    fn new(root: PathBuf) -> TxtWalk {
        TxtWalk {
            walk: SortedWalk::new(root.clone()),
            root,
            found: false,
        }
    }
}

impl Iterator for TxtWalk {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        let item = match self.walk.next() {
            Some(Ok(path)) => Item {
                id: path.display().to_string(),
                source: Source::File(path),
            },
            Some(Err(e)) => Item {
                id: e.path().unwrap_or(&self.root).display().to_string(),
                source: Source::Failed(e.to_string()),
            },
            None if !self.found => Item {
                id: self.root.display().to_string(),
                source: Source::Failed(Error::at(&self.root, ErrorKind::NoDocuments).to_string()),
            },
            None => return None,
        };
        self.found = true;
        Some(item)
    }
}
