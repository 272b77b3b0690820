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

/// A walked `*.txt` entry as a document file: a regular file, or a
/// symbolic link to one (it names one file, and reading it cannot walk
/// anywhere). A link that is broken, loops, or leads to something else,
/// and any other kind of entry, is an error naming the entry.
fn txt_file(entry: &walkdir::DirEntry) -> Result<PathBuf> {
    let path = entry.path();
    let ft = if entry.path_is_symlink() {
        std::fs::metadata(path)
            .map_err(|e| link_error(path, e))?
            .file_type()
    } else {
        entry.file_type()
    };
    if ft.is_file() {
        Ok(path.to_path_buf())
    } else {
        let kind = super::file_kind(&ft);
        Err(Error::at(path, ErrorKind::NotRegularFile { kind }))
    }
}

/// A walk error (a folder that cannot be read) as the library's error,
/// naming the folder.
fn walk_error(root: &Path, e: walkdir::Error) -> Error {
    let path = e.path().unwrap_or(root).to_path_buf();
    match e.into_io_error() {
        Some(io) => Error::io(path, io),
        None => Error::at(
            path,
            ErrorKind::Invalid {
                message: "cannot be walked".to_string(),
            },
        ),
    }
}

/// A depth-first walk (walkdir) of the `*.txt` files under `root`, in
/// sorted path order (sorting each folder's entries by name gives the order
/// of sorting full paths, since paths compare component by component).
/// Hidden entries are skipped. As in ripgrep, symbolic links to folders are
/// not followed, so a walk can neither loop nor multiply; a link to a
/// `*.txt` file is read as that file. A folder that cannot be read and a bad
/// `*.txt` entry are each an `Err`, and the walk goes on.
fn sorted_walk(root: PathBuf) -> impl Iterator<Item = Result<PathBuf>> + Send {
    walkdir::WalkDir::new(&root)
        .follow_links(false)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_hidden(e.file_name()))
        .filter_map(move |e| match e {
            Err(e) => Some(Err(walk_error(&root, e))),
            Ok(e) if e.file_type().is_dir() || !is_txt(e.path()) => None,
            Ok(e) => Some(txt_file(&e)),
        })
}

/// All `*.txt` files under `root` (recursively, hidden entries skipped,
/// links to folders not followed), as paths relative to `root`, sorted.
///
/// # Errors
/// `root` or a folder below it cannot be read.
pub fn walk_txt(root: &Path) -> Result<Vec<PathBuf>> {
    sorted_walk(root.to_path_buf())
        .map(|p| {
            p.map(|p| {
                p.strip_prefix(root)
                    .map_or_else(|_| p.clone(), Path::to_path_buf)
            })
        })
        .collect()
}

/// Reads a directory with one sub-folder per label; files directly in the
/// root, hidden entries and links to folders are ignored. Ids are paths
/// relative to `root` with `/` separators (as in the reference split lists).
pub(super) fn read_label_dirs(root: &Path) -> Result<Vec<(Item, String)>> {
    let mut labels = Vec::new();
    let top = walkdir::WalkDir::new(root)
        .follow_links(false)
        .min_depth(1)
        .max_depth(1)
        .sort_by_file_name();
    for e in top {
        let e = e.map_err(|e| walk_error(root, e))?;
        if e.file_type().is_dir() && !is_hidden(e.file_name()) {
            labels.push(e.file_name().to_string_lossy().into_owned());
        }
    }
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
    walk: Box<dyn Iterator<Item = Result<PathBuf>> + Send>,
    found: bool,
}

impl TxtWalk {
    fn new(root: PathBuf) -> TxtWalk {
        TxtWalk {
            walk: Box::new(sorted_walk(root.clone())),
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
