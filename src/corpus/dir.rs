//! Directories: one sub-folder per label for training data; recursive
//! `*.txt` walks for the inputs of `label`.

use std::path::{Path, PathBuf};

use super::{Item, LineFormat, ReadOptions, Source};
use crate::error::{Error, ErrorKind, Result};

fn is_hidden(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with('.')
}

fn is_txt(p: &Path) -> bool {
    p.extension().is_some_and(|e| e.eq_ignore_ascii_case("txt"))
}

/// An entry of a directory listing that matters here.
enum Entry {
    /// A sub-directory (or a link to one).
    Dir(PathBuf),
    /// A `*.txt` regular file (or a link to one).
    File(PathBuf),
    /// A `*.txt` entry that cannot be read as a file: not a regular file,
    /// a broken link, a link loop, or one whose kind cannot be known.
    Bad(PathBuf, Error),
}

impl Entry {
    fn path(&self) -> &Path {
        match self {
            Entry::Dir(p) | Entry::File(p) | Entry::Bad(p, _) => p,
        }
    }
}

/// Why a symbolic link at `path` could not be followed.
fn link_error(path: &Path, e: std::io::Error) -> Error {
    let target = std::fs::read_link(path).unwrap_or_default();
    #[cfg(unix)]
    if e.raw_os_error() == Some(libc::ELOOP) {
        return Error::at(path, ErrorKind::SymlinkLoop { target });
    }
    if e.kind() == std::io::ErrorKind::NotFound {
        return Error::at(path, ErrorKind::BrokenLink { target });
    }
    Error::io(path, e)
}

/// Classifies one entry, following symbolic links. Entries that are
/// neither directories nor `*.txt` files are of no interest (`None`),
/// whatever their state; only `*.txt` ones are reported when bad.
fn classify(entry: &std::fs::DirEntry) -> Option<Entry> {
    let path = entry.path();
    let txt = is_txt(&path);
    // The kind from the directory listing itself where the file system
    // says (no `stat` per file); links are followed.
    let ft = match entry.file_type() {
        Ok(ft) if ft.is_symlink() => match std::fs::metadata(&path) {
            Ok(m) => m.file_type(),
            Err(e) => return txt.then(|| Entry::Bad(path.clone(), link_error(&path, e))),
        },
        Ok(ft) => ft,
        Err(e) => return txt.then(|| Entry::Bad(path.clone(), Error::io(&path, e))),
    };
    if ft.is_dir() {
        Some(Entry::Dir(path))
    } else if !txt {
        None
    } else if ft.is_file() {
        Some(Entry::File(path))
    } else {
        let kind = super::file_kind(&ft);
        Some(Entry::Bad(
            path.clone(),
            Error::at(path, ErrorKind::NotRegularFile { kind }),
        ))
    }
}

/// The visible entries of `dir` that matter here, sorted by path:
/// sub-directories, `*.txt` files, and `*.txt` entries that are bad.
fn list_dir(dir: &Path) -> Result<Vec<Entry>> {
    let mut v = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))? {
        let entry = entry.map_err(|e| Error::io(dir, e))?;
        if is_hidden(&entry.file_name()) {
            continue;
        }
        v.extend(classify(&entry));
    }
    v.sort_by(|a, b| a.path().cmp(b.path()));
    Ok(v)
}

/// The identity of a directory (device and inode), to recognize a folder
/// reached again through a symbolic link.
#[cfg(unix)]
fn dir_id(dir: &Path) -> Option<(u64, u64)> {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(dir).ok().map(|m| (m.dev(), m.ino()))
}

#[cfg(not(unix))]
fn dir_id(_dir: &Path) -> Option<(u64, u64)> {
    None
}

/// Depth-first walk of the `*.txt` files under a directory, in sorted path
/// order (sorting each directory's entries gives the order of sorting full
/// paths, since paths compare component by component), holding one listing
/// per level. Symbolic links are followed, except one that leads back to a
/// folder the walk is inside (a loop). A directory that cannot be read, a
/// loop and a bad `*.txt` entry are each an `Err`, and the walk goes on.
struct SortedWalk {
    root: Option<PathBuf>,
    stack: Vec<std::vec::IntoIter<Entry>>,
    /// The folders being walked, outermost first, with their identities.
    open: Vec<(Option<(u64, u64)>, PathBuf)>,
}

impl SortedWalk {
    fn new(root: PathBuf) -> SortedWalk {
        SortedWalk {
            root: Some(root),
            stack: Vec::new(),
            open: Vec::new(),
        }
    }

    fn enter(&mut self, dir: PathBuf) -> Result<()> {
        let id = dir_id(&dir);
        if let Some((_, ancestor)) = self.open.iter().find(|(a, _)| id.is_some() && *a == id) {
            return Err(Error::at(
                &dir,
                ErrorKind::SymlinkLoop {
                    target: ancestor.clone(),
                },
            ));
        }
        let listing = list_dir(&dir)?;
        self.stack.push(listing.into_iter());
        self.open.push((id, dir));
        Ok(())
    }
}

impl Iterator for SortedWalk {
    type Item = Result<PathBuf>;

    fn next(&mut self) -> Option<Result<PathBuf>> {
        if let Some(root) = self.root.take() {
            if let Err(e) = self.enter(root) {
                return Some(Err(e));
            }
        }
        loop {
            match self.stack.last_mut()?.next() {
                None => {
                    self.stack.pop();
                    self.open.pop();
                }
                Some(Entry::Dir(dir)) => {
                    if let Err(e) = self.enter(dir) {
                        return Some(Err(e));
                    }
                }
                Some(Entry::File(file)) => return Some(Ok(file)),
                Some(Entry::Bad(_, e)) => return Some(Err(e)),
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
        .filter_map(|e| match e {
            Entry::Dir(p) => p.file_name().map(|n| n.to_string_lossy().into_owned()),
            _ => None,
        })
        .collect();
    let mut pairs = Vec::new();
    for label in labels {
        let dir = root.join(&label);
        for rel in walk_txt(&dir)? {
            pairs.push((
                Item {
                    id: format!("{label}/{}", rel_id(&rel)),
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

/// The documents `label` reads for its arguments, produced lazily:
///
/// * files as given;
/// * `.jsonl`/`.ndjson` files as lists of documents, one JSON object per
///   line with `text` and an optional `id` (default `FILE:LINE`), read as
///   they are needed; `.csv`/`.tsv` files as manifests with a `path` or a
///   `text` column and an optional `id` (see [`read_manifest_unlabeled`]):
///   the forms `train` reads, a `label` field being ignored;
/// * the `*.txt` files under directories (in sorted path order, walked
///   depth first so only one directory listing per level is held);
/// * for `-`, the lines of standard input, read as they are needed: JSON
///   lines, or plain text with [`Inputs::stdin_format`].
///
/// A path that cannot be used becomes a failed item that names the
/// problem, so a batch goes on past it; so does a bad line or row of a list.
///
/// [`read_manifest_unlabeled`]: super::read_manifest_unlabeled
pub fn inputs(args: Vec<PathBuf>, opts: &ReadOptions) -> Inputs {
    Inputs {
        args: args.into_iter(),
        current: None,
        opts: *opts,
        stdin_format: LineFormat::Jsonl,
    }
}

/// Iterator returned by [`inputs`].
pub struct Inputs {
    args: std::vec::IntoIter<PathBuf>,
    current: Option<Box<dyn Iterator<Item = Item> + Send>>,
    opts: ReadOptions,
    stdin_format: LineFormat,
}

impl Inputs {
    /// How the lines of standard input (`-`) hold documents (default: JSON lines).
    pub fn stdin_format(mut self, format: LineFormat) -> Inputs {
        self.stdin_format = format;
        self
    }

    /// The items of a document list (`.jsonl`, `.csv`, `.tsv`) at `path`.
    fn list(&self, path: &Path, ext: &str) -> Result<Box<dyn Iterator<Item = Item> + Send>> {
        Ok(match ext {
            "csv" | "tsv" => {
                let sep = if ext == "csv" { b',' } else { b'\t' };
                Box::new(super::read_manifest_unlabeled(path, sep, self.opts.encoding)?.into_iter())
            }
            _ => {
                let file = super::open_stream(path)?;
                let name = path.display().to_string();
                Box::new(
                    super::manifest::JsonlInputs::new(std::io::BufReader::new(file), &name)
                        .max_line(self.opts.max_bytes),
                )
            }
        })
    }
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
                self.current = Some(Box::new(
                    super::manifest::JsonlInputs::new(stdin, "stdin")
                        .format(self.stdin_format)
                        .max_line(self.opts.max_bytes),
                ));
                continue;
            }
            let id = arg.display().to_string();
            let list = super::extension(&arg)
                .filter(|e| matches!(e.as_str(), "jsonl" | "ndjson" | "csv" | "tsv"));
            match (std::fs::metadata(&arg), list) {
                (Err(e), _) => {
                    return Some(Item {
                        id,
                        source: Source::Failed(Box::new(Error::io(&arg, e))),
                    })
                }
                (Ok(m), _) if m.is_dir() => self.current = Some(Box::new(TxtWalk::new(arg))),
                (Ok(_), Some(ext)) => match self.list(&arg, &ext) {
                    Ok(items) => self.current = Some(items),
                    Err(e) => {
                        return Some(Item {
                            id,
                            source: Source::Failed(Box::new(e)),
                        })
                    }
                },
                (Ok(_), None) => {
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
                source: Source::Failed(Box::new(e)),
            },
            None if !self.found => Item {
                id: self.root.display().to_string(),
                source: Source::Failed(Box::new(Error::at(&self.root, ErrorKind::NoDocuments))),
            },
            None => return None,
        };
        self.found = true;
        Some(item)
    }
}

/// The id of a document at the relative path `rel`: its components joined
/// by `/` on every platform.
pub(crate) fn rel_id(rel: &Path) -> String {
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A path that cannot be used stays an item, and its error keeps its
    /// kind until the item is read, so the record and the CLI's hint see it.
    #[test]
    fn failed_inputs_keep_their_error_kind() {
        let dir = tempfile::tempdir().expect("tempdir");
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).expect("mkdir");
        let missing = dir.path().join("missing.txt");
        let items: Vec<Item> = inputs(
            vec![missing.clone(), empty.clone()],
            &ReadOptions::default(),
        )
        .collect();
        assert_eq!(items.len(), 2);
        let kinds: Vec<String> = items
            .iter()
            .map(|i| match i.read(&ReadOptions::default()) {
                Err(e) => {
                    assert_eq!(
                        e.path(),
                        Some(if i.id.ends_with("missing.txt") {
                            missing.as_path()
                        } else {
                            empty.as_path()
                        })
                    );
                    format!("{:?}", e.kind())
                }
                Ok(t) => panic!("{} read as {:?}", i.id, t.text),
            })
            .collect();
        assert_eq!(kinds, ["NotFound", "NoDocuments"]);
    }
}
