//! Reading documents: labeled training or evaluation data (a directory per
//! label, a CSV/TSV manifest, a JSONL file) and the inputs of `label`
//! (files, directories, standard input).

mod dir;
mod encoding;
mod groups;
mod jsonline;
mod manifest;
mod unlabeled;

pub use dir::{inputs, walk_txt, Inputs};
pub use encoding::{
    arabic_profile, arabic_share, looks_arabic, Encoding, TextEncoding, MAX_MIXED_WORDS,
    MIN_ARABIC_PROFILE, MIN_ARABIC_SHARE, PROFILE_MIN_LETTERS,
};
pub use groups::{read_groups, Groups, NEVER_HELD_OUT};
pub use manifest::{
    json_item, parse_jsonl_labeled, parse_manifest, read_jsonl_labeled, read_manifest,
    read_manifest_unlabeled, read_secondary, JsonlInputs, LineFormat,
};
pub use unlabeled::load_unlabeled;

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::error::{Error, ErrorKind, Result};
use crate::labels::{LabelId, LabelSet};

/// Default largest article, in bytes (16 MiB).
pub const DEFAULT_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// How documents are read: the largest accepted and the encoding of files.
///
/// ```
/// use tasnif::corpus::{Encoding, ReadOptions, DEFAULT_MAX_BYTES};
/// let opts = ReadOptions::default();
/// assert_eq!((opts.max_bytes, opts.encoding), (DEFAULT_MAX_BYTES, Encoding::Auto));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReadOptions {
    /// Largest document, in bytes of its file (or of its text when given
    /// inline). Default: [`DEFAULT_MAX_BYTES`].
    pub max_bytes: u64,
    /// Encoding of document files. Default: [`Encoding::Auto`].
    pub encoding: Encoding,
}

impl Default for ReadOptions {
    fn default() -> Self {
        ReadOptions {
            max_bytes: DEFAULT_MAX_BYTES,
            encoding: Encoding::Auto,
        }
    }
}

/// A document's text and the encoding it was read with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Text<'a> {
    /// The text.
    pub text: Cow<'a, str>,
    /// The encoding of its file ([`TextEncoding::Utf8`] for text given inline).
    pub encoding: TextEncoding,
}

/// Where a document's text is.
#[derive(Debug, Clone)]
pub enum Source {
    /// In a file, read when needed.
    File(PathBuf),
    /// Given inline (a manifest's `text` column, a JSONL line).
    Text(String),
    /// Could not be read or parsed: the error, with its kind, that the
    /// document's record will carry.
    Failed(Box<Error>),
}

/// A document and its id (the path as given, or the manifest's id).
#[derive(Debug, Clone)]
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
    pub fn text(&self, opts: &ReadOptions) -> Result<Cow<'_, str>> {
        self.read(opts).map(|t| t.text)
    }

    /// The document's text and the encoding it was read with.
    ///
    /// # Errors
    /// See [`read_text`]; text given inline fails only when it has no letter
    /// or digit or is larger than `opts.max_bytes`; a failed item gives its
    /// error.
    pub fn read(&self, opts: &ReadOptions) -> Result<Text<'_>> {
        match &self.source {
            Source::File(p) => read_text(p, opts),
            Source::Text(t) => inline_text(&self.id, t, opts),
            Source::Failed(e) => Err((**e).clone()),
        }
    }
}

/// A text given inline (not read from a file), checked as [`Item::read`]
/// checks an item whose source is [`Source::Text`]: at most
/// `opts.max_bytes` bytes, at least one letter or digit. Borrows the text,
/// so text held elsewhere (an Arrow buffer, say) is not copied.
///
/// ```
/// use tasnif::corpus::{inline_text, ReadOptions};
/// let opts = ReadOptions::default();
/// assert_eq!(inline_text("a1", "الخبر", &opts)?.text, "الخبر");
/// let e = inline_text("a2", " ... ", &opts).unwrap_err();
/// assert!(e.to_string().starts_with("a2: "));
/// # Ok::<(), tasnif::Error>(())
/// ```
///
/// # Errors
/// [`ErrorKind::TooLarge`] or [`ErrorKind::Empty`], at `id`.
pub fn inline_text<'a>(id: &str, text: &'a str, opts: &ReadOptions) -> Result<Text<'a>> {
    let check = if text.len() as u64 > opts.max_bytes {
        Err(ErrorKind::TooLarge {
            bytes: text.len() as u64,
            limit: opts.max_bytes,
        })
    } else {
        check_text(text)
    };
    check.map_err(|k| Error::at(id, k))?;
    Ok(Text {
        text: Cow::Borrowed(text),
        encoding: TextEncoding::Utf8,
    })
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
/// A CSV/TSV manifest is read in `encoding` (the documents are read later,
/// by [`Item::read`]).
///
/// # Errors
/// `data` missing or unreadable, malformed records, a listed document that
/// is not in the data, or no documents at all.
pub fn load_labeled(data: &Path, list: Option<&Path>, encoding: Encoding) -> Result<LabeledData> {
    let meta = std::fs::metadata(data).map_err(|e| Error::io(data, e))?;
    let pairs = if meta.is_dir() {
        dir::read_label_dirs(data)?
    } else {
        match extension(data).as_deref() {
            Some("csv") => read_manifest(data, b',', encoding)?,
            Some("tsv") => read_manifest(data, b'\t', encoding)?,
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
    // two documents with one id would be one in a list, a groups file and
    // the predictions: refused, as a UNIQUE column refuses them
    let mut seen = std::collections::HashSet::with_capacity(pairs.len());
    if let Some((item, _)) = pairs
        .iter()
        .find(|(item, _)| !seen.insert(item.id.as_str()))
    {
        return Err(Error::at(
            data,
            ErrorKind::Invalid {
                message: format!(
                    "the id '{}' is given to two documents; ids must be unique",
                    item.id
                ),
            },
        ));
    }
    drop(seen);
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

/// The line (from 1) of the first byte that is not UTF-8.
pub(crate) fn utf8_error_line(e: &std::string::FromUtf8Error) -> u64 {
    1 + e.as_bytes()[..e.utf8_error().valid_up_to()]
        .iter()
        .filter(|&&b| b == b'\n')
        .count() as u64
}

/// The entries of a list file (one path per line; blank lines and `#`
/// comments skipped), each with its line number. An entry listed twice is
/// an error naming both lines.
fn read_list(list: &Path) -> Result<Vec<(String, u64)>> {
    let text = String::from_utf8(read_whole(list, FileKind::List)?)
        .map_err(|e| Error::record(list, utf8_error_line(&e), "not valid UTF-8"))?;
    let entries: Vec<(String, u64)> = text
        .lines()
        .enumerate()
        .map(|(i, line)| (line.trim(), i as u64 + 1))
        .filter(|(l, _)| !l.is_empty() && !l.starts_with('#'))
        .map(|(l, n)| (l.to_string(), n))
        .collect();
    let mut first = HashMap::with_capacity(entries.len());
    for (entry, n) in &entries {
        if let Some(m) = first.insert(entry.as_str(), *n) {
            return Err(Error::record(
                list,
                *n,
                format!("'{entry}' is listed twice (also on line {m})"),
            ));
        }
    }
    Ok(entries)
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
                    format!("'{id}' is not in the data"),
                ))
            }
        }
    }
    out.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    Ok(out)
}

/// Reads a document file as text in `opts.encoding`.
///
/// The file is opened without blocking and must be a regular file, so a
/// FIFO or a device (which could block or never end) is refused before
/// anything is read from it.
///
/// # Errors
/// The file is missing, unreadable, not a regular file, larger than
/// `opts.max_bytes`, binary (NUL bytes), not in the encoding (see
/// [`Encoding`]), or holds no text. The error names the file.
pub fn read_text(path: &Path, opts: &ReadOptions) -> Result<Text<'static>> {
    let max_bytes = opts.max_bytes;
    // One open and one fstat on the handle (no second lookup of the path).
    let file = open_nonblocking(path).map_err(|e| Error::io(path, e))?;
    let meta = file.metadata().map_err(|e| Error::io(path, e))?;
    if meta.is_dir() {
        return Err(Error::param(
            "input",
            format!("{}: is a directory", path.display()),
        ));
    }
    if !meta.is_file() {
        return Err(Error::at(
            path,
            ErrorKind::NotRegularFile {
                kind: file_kind(&meta.file_type()),
            },
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
    let bytes = read_sized(file, meta.len(), max_bytes).map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > max_bytes {
        return Err(Error::at(
            path,
            ErrorKind::TooLarge {
                bytes: bytes.len() as u64,
                limit: max_bytes,
            },
        ));
    }
    decode_text(bytes, opts.encoding).map_err(|k| Error::at(path, k))
}

/// The bytes of a regular file whose size `fstat` gave as `size` (at most
/// `max_bytes` + 1 of them). One read of `size` + 1 bytes that returns
/// exactly `size` has met the end of the file, so the usual second read
/// that returns 0 is saved; anything else (the file grew or shrank, a
/// short read) is read on to the end, as before.
fn read_sized(mut file: std::fs::File, size: u64, max_bytes: u64) -> std::io::Result<Vec<u8>> {
    use std::io::Read;
    let want = usize::try_from(size.min(max_bytes)).unwrap_or(usize::MAX - 1);
    let mut bytes = vec![0u8; want + 1];
    let n = loop {
        match file.read(&mut bytes) {
            Ok(n) => break n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    };
    bytes.truncate(n);
    if n as u64 == size {
        return Ok(bytes);
    }
    // `take` bounds what is read even if the file grows meanwhile.
    file.take(max_bytes.saturating_add(1).saturating_sub(n as u64))
        .read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// Opens a file for reading without blocking on a FIFO that has no writer
/// (`O_NONBLOCK`, which changes nothing for regular files).
fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.custom_flags(libc::O_NONBLOCK);
    }
    o.open(path)
}

/// The kinds of input file read whole, each with a byte cap: a larger file
/// is refused from its size before it is read, and a stream (a FIFO) is
/// read up to the cap and no further. Articles have their own limit,
/// `--max-bytes` ([`ReadOptions::max_bytes`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// A model file: [`FileKind::MODEL_CAP`].
    Model,
    /// Training data held in memory whole: a CSV/TSV manifest (which may
    /// hold the texts) or a JSON-lines file: [`FileKind::DATA_CAP`].
    Data,
    /// A list of paths, a groups file or a training config:
    /// [`FileKind::LIST_CAP`].
    List,
}

impl FileKind {
    /// 1 GiB: the bundled model is about 1.2 MB, a model of a million
    /// terms and 1,000 labels about 100 MB per stage.
    pub const MODEL_CAP: u64 = 1 << 30;
    /// 4 GiB: the ANT corpus (20,839 articles) is about 100 MB as JSON lines.
    pub const DATA_CAP: u64 = 4 << 30;
    /// 256 MiB: about five million paths.
    pub const LIST_CAP: u64 = 256 << 20;

    /// The cap in bytes.
    #[must_use]
    pub fn cap(self) -> u64 {
        match self {
            FileKind::Model => FileKind::MODEL_CAP,
            FileKind::Data => FileKind::DATA_CAP,
            FileKind::List => FileKind::LIST_CAP,
        }
    }

    fn what(self) -> &'static str {
        match self {
            FileKind::Model => "model file",
            FileKind::Data => "data file",
            FileKind::List => "list, groups or config file",
        }
    }
}

/// Reads a whole input file of kind `kind`: a regular file or a FIFO (a
/// device is refused: reading `/dev/zero` would never end), held to the
/// kind's cap ([`FileKind::cap`]). A FIFO is read like a file
/// (`<(command)` works).
///
/// # Errors
/// The file cannot be read, is a directory, a device or a socket, or is
/// over the cap.
pub(crate) fn read_whole(path: &Path, kind: FileKind) -> Result<Vec<u8>> {
    read_capped(path, kind, kind.cap())
}

/// [`read_whole`] with the cap given.
pub(crate) fn read_capped(path: &Path, kind: FileKind, cap: u64) -> Result<Vec<u8>> {
    let meta = check_readable(path)?;
    read_checked(path, &meta, kind, cap)
}

/// Opens a file named by the user to be read as a stream (a JSON lines
/// list of documents), with the checks of [`read_whole`]: a FIFO is read
/// like a file; a directory, a device or a socket is refused.
///
/// # Errors
/// As [`read_whole`].
pub(crate) fn open_stream(path: &Path) -> Result<std::fs::File> {
    check_readable(path)?;
    std::fs::File::open(path).map_err(|e| Error::io(path, e))
}

/// The checks of [`read_whole`]: a regular file or a FIFO (its metadata).
fn check_readable(path: &Path) -> Result<std::fs::Metadata> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    let ft = meta.file_type();
    #[cfg(unix)]
    let stream = std::os::unix::fs::FileTypeExt::is_fifo(&ft);
    #[cfg(not(unix))]
    let stream = false;
    if ft.is_dir() {
        return Err(Error::param(
            "input",
            format!("{}: is a directory", path.display()),
        ));
    }
    if !ft.is_file() && !stream {
        return Err(Error::at(
            path,
            ErrorKind::NotRegularFile {
                kind: file_kind(&ft),
            },
        ));
    }
    Ok(meta)
}

/// Reads [`check_readable`]'s file whole, held to `cap`.
fn read_checked(
    path: &Path,
    meta: &std::fs::Metadata,
    kind: FileKind,
    cap: u64,
) -> Result<Vec<u8>> {
    use std::io::Read;
    let too_large = |bytes| {
        Error::at(
            path,
            ErrorKind::FileTooLarge {
                what: kind.what(),
                bytes,
                limit: cap,
            },
        )
    };
    if meta.len() > cap {
        return Err(too_large(Some(meta.len())));
    }
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut bytes = Vec::with_capacity(usize::try_from(meta.len()).unwrap_or(0));
    file.take(cap.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| Error::io(path, e))?;
    if bytes.len() as u64 > cap {
        // a stream, or a file that grew while it was read
        return Err(too_large(None));
    }
    Ok(bytes)
}

/// What kind of file system entry a non-regular, non-directory file is.
pub(crate) fn file_kind(ft: &std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return "a FIFO";
        }
        if ft.is_socket() {
            return "a socket";
        }
        if ft.is_char_device() {
            return "a character device";
        }
        if ft.is_block_device() {
            return "a block device";
        }
    }
    if ft.is_symlink() {
        return "a symbolic link";
    }
    "not a file or a directory"
}

/// Checks and decodes a document's bytes: in `encoding` (see [`Encoding`]),
/// no NUL characters, at least one letter or digit.
///
/// ```
/// use tasnif::corpus::{decode_text, Encoding, TextEncoding};
/// let cp1256 = vec![0xC7, 0xE1, 0xCE, 0xC8, 0xD1]; // الخبر in Windows-1256
/// let text = decode_text(cp1256, Encoding::Auto)?;
/// assert_eq!((text.text.as_ref(), text.encoding), ("الخبر", TextEncoding::Windows1256));
/// # Ok::<(), tasnif::ErrorKind>(())
/// ```
///
/// # Errors
/// [`ErrorKind::Binary`], [`ErrorKind::Empty`], or an encoding error:
/// [`ErrorKind::InvalidUtf8`], [`ErrorKind::InvalidUtf16`],
/// [`ErrorKind::Utf16WithoutBom`], [`ErrorKind::DamagedUtf8`],
/// [`ErrorKind::UnknownEncoding`].
pub fn decode_text(
    bytes: Vec<u8>,
    encoding: Encoding,
) -> std::result::Result<Text<'static>, ErrorKind> {
    let (text, used) = encoding::decode(bytes, encoding)?;
    if text.contains('\0') {
        return Err(ErrorKind::Binary);
    }
    check_text(&text)?;
    Ok(Text {
        text: Cow::Owned(text),
        encoding: used,
    })
}

/// A document needs at least one letter or digit: one made only of white
/// space, punctuation or invisible marks has no terms to label it by.
fn check_text(s: &str) -> std::result::Result<(), ErrorKind> {
    if !s.chars().any(char::is_alphanumeric) {
        Err(ErrorKind::Empty)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod read_tests {
    use super::{read_capped, read_sized, FileKind};

    #[cfg(unix)]
    #[test]
    fn a_whole_read_stops_at_its_cap_on_a_file_and_on_an_endless_fifo() {
        use std::io::Write;
        let dir = tempfile::tempdir().expect("temp");
        let path = dir.path().join("list.txt");
        std::fs::write(&path, b"0123456789").expect("write");
        assert_eq!(
            read_capped(&path, FileKind::List, 10).expect("read"),
            b"0123456789"
        );
        let e = read_capped(&path, FileKind::List, 9).expect_err("over");
        assert!(
            e.to_string().contains(
                "list.txt: list, groups or config file is 10 bytes, over the limit of 9 bytes"
            ),
            "{e}"
        );
        // a FIFO fed without end (as `<(yes)` or /dev/zero would be)
        let fifo = dir.path().join("fifo");
        let c = std::ffi::CString::new(fifo.as_os_str().as_encoded_bytes()).expect("c path");
        // SAFETY: a valid C string
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let writer_path = fifo.clone();
        let writer = std::thread::spawn(move || {
            let mut w = std::fs::OpenOptions::new()
                .write(true)
                .open(writer_path)
                .expect("open");
            let block = [b'x'; 4096];
            // stops when the reader closes the FIFO (EPIPE), bounded anyway
            for _ in 0..100_000 {
                if w.write_all(&block).is_err() {
                    break;
                }
            }
        });
        let e = read_capped(&fifo, FileKind::Model, 64 * 1024).expect_err("endless");
        assert!(
            e.to_string()
                .contains("model file goes on past the limit of 65536 bytes"),
            "{e}"
        );
        writer.join().expect("writer");
    }

    #[test]
    fn a_sized_read_gets_the_whole_file_whatever_the_size_said() {
        let dir = tempfile::tempdir().expect("temp");
        let path = dir.path().join("a.txt");
        std::fs::write(&path, b"0123456789").expect("write");
        let open = || std::fs::File::open(&path).expect("open");
        // as fstat said: one read
        assert_eq!(read_sized(open(), 10, 100).expect("read"), b"0123456789");
        // the file grew after fstat, or shrank: read on to the end
        assert_eq!(read_sized(open(), 4, 100).expect("read"), b"0123456789");
        assert_eq!(read_sized(open(), 30, 100).expect("read"), b"0123456789");
        // never more than the limit + 1 (the caller then reports it too large)
        assert_eq!(read_sized(open(), 4, 6).expect("read"), b"0123456");
        // empty
        std::fs::write(&path, b"").expect("write");
        assert!(read_sized(open(), 0, 100).expect("read").is_empty());
    }
}
