//! Reading documents: labeled training or evaluation data (a directory per
//! label, a CSV/TSV manifest, a JSONL file) and the inputs of `label`
//! (files, directories, standard input).

mod dir;
mod manifest;
mod unlabeled;

pub use dir::{inputs, walk_txt, Inputs};
pub use manifest::{read_jsonl_labeled, read_manifest, read_secondary, JsonlInputs};
pub use unlabeled::load_unlabeled;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};
use crate::labels::{LabelId, LabelSet};

/// Default largest article, in bytes (16 MiB).
pub const DEFAULT_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Where a document's text is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// In a file, read when needed.
    File(PathBuf),
    /// Given inline (a manifest's `text` column, a JSONL line).
    Text(String),
    /// Could not be read or parsed; the message says why.
    Failed(String),
}

/// A document and its id (the path as given, or the manifest's id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// What identifies the document in output records.
    pub id: String,
    /// Where its text is.
    pub source: Source,
}

impl Item {
    /// The document's text, read from its file when needed.
    ///
    /// # Errors
    /// See [`read_text`]; for a failed item, its message.
    pub fn text(&self, max_bytes: u64) -> Result<Cow<'_, str>> {
        match &self.source {
            Source::File(p) => read_text(p, max_bytes).map(Cow::Owned),
            Source::Text(t) => check_text(t)
                .map(|_| Cow::Borrowed(t.as_str()))
                .map_err(|k| Error::at(&self.id, k)),
            Source::Failed(m) => Err(Error::new(ErrorKind::Invalid { message: m.clone() })),
        }
    }
}

/// Labeled documents: one [`Item`] and one label per document.
#[derive(Debug, Clone)]
pub struct LabeledData {
    /// The documents, in a deterministic order.
    pub items: Vec<Item>,
    /// The label names.
    pub labels: LabelSet,
    /// One label per item.
    pub targets: Vec<LabelId>,
}

impl LabeledData {
    /// Builds from `(item, label name)` pairs.
    pub fn from_pairs(pairs: Vec<(Item, String)>) -> LabeledData {
        let labels = LabelSet::from_names(pairs.iter().map(|(_, l)| l.as_str()));
        let mut items = Vec::with_capacity(pairs.len());
        let mut targets = Vec::with_capacity(pairs.len());
        for (item, l) in pairs {
            // every name was just added to the set
            targets.push(labels.id(&l).unwrap_or_default());
            items.push(item);
        }
        LabeledData {
            items,
            labels,
            targets,
        }
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// True when there are no documents.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// Documents per label, in label order.
    pub fn counts(&self) -> Vec<usize> {
        let mut c = vec![0; self.labels.len()];
        for t in &self.targets {
            c[t.index()] += 1;
        }
        c
    }
}

/// Reads labeled data from `data`: a directory with one sub-folder per label,
/// a `.csv`/`.tsv` manifest, or a `.jsonl` file. With `list`, keeps only the
/// documents whose ids (paths relative to `data`) are listed there.
///
/// # Errors
/// `data` missing or unreadable, malformed records, a listed document that
/// is not in the data, or no documents at all.
pub fn load_labeled(data: &Path, list: Option<&Path>) -> Result<LabeledData> {
    let meta = std::fs::metadata(data).map_err(|e| Error::io(data, e))?;
    let pairs = if meta.is_dir() {
        dir::read_label_dirs(data)?
    } else {
        match extension(data).as_deref() {
            Some("csv") => read_manifest(data, b',')?,
            Some("tsv") => read_manifest(data, b'\t')?,
            Some("jsonl") | Some("ndjson") => read_jsonl_labeled(data)?,
            _ => {
                return Err(Error::param(
                    "DATA",
                    format!(
                        "{}: expected a directory, a .csv/.tsv manifest or a .jsonl file",
                        data.display()
                    ),
                ))
            }
        }
    };
    let pairs = match list {
        Some(list) => filter_by_list(pairs, list)?,
        None => pairs,
    };
    if pairs.is_empty() {
        return Err(Error::at(data, ErrorKind::NoDocuments));
    }
    Ok(LabeledData::from_pairs(pairs))
}

fn extension(p: &Path) -> Option<String> {
    p.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
}

/// The entries of a list file (one path per line; blank lines and `#`
/// comments skipped), each with its line number.
fn read_list(list: &Path) -> Result<Vec<(String, u64)>> {
    let text = std::fs::read_to_string(list).map_err(|e| Error::io(list, e))?;
    Ok(text
        .lines()
        .enumerate()
        .map(|(i, line)| (line.trim(), i as u64 + 1))
        .filter(|(l, _)| !l.is_empty() && !l.starts_with('#'))
        .map(|(l, n)| (l.to_string(), n))
        .collect())
}

/// The documents named in a list file, as files under `data` (paths
/// relative to it, ids as listed), in list order, without reading the
/// directory: for labeling or measuring a fixed set of files.
///
/// # Errors
/// The list cannot be read. A listed file that is missing fails when read.
pub fn items_from_list(data: &Path, list: &Path) -> Result<Vec<Item>> {
    Ok(read_list(list)?
        .into_iter()
        .map(|(id, _)| Item {
            source: Source::File(data.join(&id)),
            id,
        })
        .collect())
}

fn filter_by_list(pairs: Vec<(Item, String)>, list: &Path) -> Result<Vec<(Item, String)>> {
    let wanted = read_list(list)?;
    let mut by_id: HashMap<String, (Item, String)> =
        pairs.into_iter().map(|p| (p.0.id.clone(), p)).collect();
    let mut out = Vec::with_capacity(wanted.len());
    for (id, line) in wanted {
        match by_id.remove(&id) {
            Some(p) => out.push(p),
            None => {
                return Err(Error::record(
                    list,
                    line,
                    format!("'{id}' is not in the data (or is listed twice)"),
                ))
            }
        }
    }
    out.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    Ok(out)
}

/// Reads a document file as UTF-8 text (a leading byte-order mark is dropped).
///
/// # Errors
/// The file is missing, unreadable, larger than `max_bytes`, binary (NUL
/// bytes), not UTF-8, or holds no text. The error names the file.
pub fn read_text(path: &Path, max_bytes: u64) -> Result<String> {
    use std::io::Read;
    // One open and one fstat on the handle (no second lookup of the path).
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(Error::param(
            "input",
            format!("{}: is a directory", path.display()),
        ));
    }
    if meta.len() > max_bytes {
        return Err(Error::at(
            path,
            ErrorKind::TooLarge {
                bytes: meta.len(),
                limit: max_bytes,
            },
        ));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize + 1);
    // `take` bounds what is read even if the file grows meanwhile.
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > max_bytes {
        return Err(Error::at(
            path,
            ErrorKind::TooLarge {
                bytes: bytes.len() as u64,
                limit: max_bytes,
            },
        ));
    }
    decode_text(bytes).map_err(|k| Error::at(path, k))
}

/// Checks and decodes a document's bytes: no NUL bytes, valid UTF-8
/// (a leading BOM is dropped), not blank.
///
/// # Errors
/// [`ErrorKind::Binary`], [`ErrorKind::InvalidUtf8`] or [`ErrorKind::Empty`].
pub fn decode_text(mut bytes: Vec<u8>) -> std::result::Result<String, ErrorKind> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        bytes.drain(..3);
    }
    if bytes.contains(&0) {
        return Err(ErrorKind::Binary);
    }
    // SIMD validation first (most files are valid); std finds the offset of a bad byte.
    if simdutf8::basic::from_utf8(&bytes).is_err() {
        let offset = std::str::from_utf8(&bytes)
            .err()
            .map_or(0, |e| e.valid_up_to());
        return Err(ErrorKind::InvalidUtf8 { offset });
    }
    // SAFETY: `simdutf8::basic::from_utf8` has just validated these exact
    // bytes as UTF-8 (std's own check would cost ~20 instructions per byte
    // of Arabic text, the largest single cost of labeling).
    let s = unsafe { String::from_utf8_unchecked(bytes) };
    check_text(&s)?;
    Ok(s)
}

fn check_text(s: &str) -> std::result::Result<(), ErrorKind> {
    if s.trim().is_empty() {
        Err(ErrorKind::Empty)
    } else {
        Ok(())
    }
}
