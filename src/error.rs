//! The library's error type: a struct around a `#[non_exhaustive]` kind, with
//! lowercase messages that name the file, line or field that is wrong.

use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Everything that can go wrong in the library.
///
/// An `Error` names the input it is about (a file, a manifest line, a
/// parameter) so that a user can find and fix it; `Display` prints
/// `PATH: what is wrong`.
#[derive(Debug, Clone)]
pub struct Error {
    kind: ErrorKind,
    path: Option<PathBuf>,
}

/// What went wrong. New kinds may be added in later versions. Its
/// `Display` (thiserror) is the message, lowercase, without the path.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The file or directory does not exist.
    #[error("no such file or directory")]
    NotFound,
    /// Reading or writing failed for another reason (shared, so that an
    /// error can be cloned: a failed input item keeps it until it is read).
    #[error("{}", lower_first(&.0.to_string()))]
    Io(#[source] Arc<io::Error>),
    /// The file's bytes are not valid UTF-8 (offset of the first bad byte).
    #[error("not valid UTF-8 (first bad byte at offset {offset}); convert the file to UTF-8")]
    InvalidUtf8 { offset: usize },
    /// The file's bytes are not valid UTF-16 in the given byte order
    /// (offset of the first bad code unit).
    /// (`encoding`: the name of a `corpus::TextEncoding`, e.g. `utf-16le`).
    #[error("not valid {} (bad code unit at byte offset {offset})", encoding.to_uppercase())]
    InvalidUtf16 {
        encoding: &'static str,
        offset: usize,
    },
    /// Under automatic detection: UTF-16 text without a byte-order mark
    /// (`endian`: `utf-16le` or `utf-16be`).
    #[error(
        "looks like {} text without a byte-order mark; read it as UTF-16 or convert it to UTF-8",
        endian.to_uppercase()
    )]
    Utf16WithoutBom { endian: &'static str },
    /// Under automatic detection: neither UTF-8 nor mostly Arabic as
    /// Windows-1256 (offset of the first byte that is not UTF-8, and the
    /// share of Arabic letters as Windows-1256, in percent, rounded down).
    #[error(
        "not valid UTF-8 (first bad byte at offset {utf8_offset}), and not Arabic Windows-1256 either \
         (only {arabic_percent}% of its characters would be Arabic letters); \
         convert the file to UTF-8 or name its encoding"
    )]
    UnknownEncoding {
        utf8_offset: usize,
        arabic_percent: u8,
    },
    /// The file contains NUL bytes: it is binary, not text.
    #[error("binary file (contains NUL bytes), not text")]
    Binary,
    /// The path is not a regular file (a FIFO, socket or device), which
    /// could block or never end when read.
    #[error("not a regular file ({kind})")]
    NotRegularFile { kind: &'static str },
    /// A symbolic link that leads, through links, back to itself
    /// (`target`: the link's own target). Following it would never end.
    #[error("symbolic link loop (leads back to {}); not followed", target.display())]
    SymlinkLoop { target: PathBuf },
    /// A symbolic link whose target does not exist.
    #[error("broken symbolic link (its target {} does not exist)", target.display())]
    BrokenLink { target: PathBuf },
    /// The document holds no text: no letter or digit (empty, or only white
    /// space, punctuation or invisible marks).
    #[error("empty document (no letters or digits)")]
    Empty,
    /// The document is larger than the configured limit.
    #[error("document is {bytes} bytes, over the limit of {limit} bytes")]
    TooLarge { bytes: u64, limit: u64 },
    /// A directory or list held no documents.
    #[error("no documents found (looked for *.txt files)")]
    NoDocuments,
    /// Training needs at least two labels.
    #[error("only one label ('{label}') in the data; training needs at least two")]
    SingleLabel { label: String },
    /// A label has too few documents to train on.
    #[error("label '{label}' has {count} document(s); training needs at least {min} per label")]
    TooFewDocuments {
        label: String,
        count: usize,
        min: usize,
    },
    /// A manifest (CSV, TSV, JSONL) or list line is malformed.
    #[error("line {line}: {message}")]
    Record { line: u64, message: String },
    /// A parameter is outside its valid range.
    #[error("invalid {name}: {message}")]
    InvalidParam { name: &'static str, message: String },
    /// The file is not a tasnif model (wrong magic bytes).
    #[error("not a tasnif model file (wrong magic bytes)")]
    NotAModel,
    /// The model file ends before its header or body does.
    #[error("truncated model file: expected {expected} bytes, found {found}")]
    Truncated { expected: u64, found: u64 },
    /// The model body does not match its checksum.
    #[error("corrupted model file: body checksum is {found:08x}, header says {expected:08x}")]
    ChecksumMismatch { expected: u32, found: u32 },
    /// The model file was written in a format this build cannot read.
    #[error(
        "model format version {found} is not supported (this build reads version {supported}); retrain the model with this version of tasnif"
    )]
    UnsupportedVersion { found: u32, supported: u32 },
    /// The model body passed its checksum but could not be decoded or is inconsistent.
    #[error("corrupted model file: {message}")]
    CorruptModel { message: String },
    /// The output file exists and overwriting was not allowed.
    #[error("file exists")]
    OutputExists,
    /// The process is being interrupted (Ctrl-C): the file was not written.
    #[error("interrupted; not written (a previous file is left as it was)")]
    Interrupted,
    /// An input that could not be used, described in full by the message.
    #[error("{message}")]
    Invalid { message: String },
    /// A setting of a gate was given for a model without one (no none label).
    #[error("{setting} sets a gate, and there is none: a gate needs a none label (none_label)")]
    NoGate { setting: &'static str },
    /// An annotation project file that is not one: another kind of file,
    /// or an SQLite database of another application or of a newer tasnif.
    #[error("not a tasnif annotation project: {message}")]
    NotAProject { message: String },
    /// An annotation project whose database is damaged.
    #[error("corrupted annotation project: {message}")]
    CorruptProject { message: String },
    /// The label set of an annotation project changed since it was read
    /// (by another process), or a change that would drop labels in use.
    #[error("the label set changed: {message}")]
    LabelSetChanged { message: String },
    /// The annotation project's database failed (locked, full disk, …).
    #[error("annotation database: {message}")]
    Database { message: String },
}

impl Error {
    /// An error of `kind` about no particular file.
    pub fn new(kind: ErrorKind) -> Error {
        Error { kind, path: None }
    }

    /// An error of `kind` about the file or directory at `path`.
    pub fn at(path: impl Into<PathBuf>, kind: ErrorKind) -> Error {
        Error {
            kind,
            path: Some(path.into()),
        }
    }

    /// An I/O error about `path`; `NotFound` is kept apart so it reads plainly.
    pub fn io(path: impl Into<PathBuf>, err: io::Error) -> Error {
        let kind = if err.kind() == io::ErrorKind::NotFound {
            ErrorKind::NotFound
        } else {
            ErrorKind::Io(Arc::new(err))
        };
        Error::at(path, kind)
    }

    /// A parameter error.
    pub fn param(name: &'static str, message: impl Into<String>) -> Error {
        Error::new(ErrorKind::InvalidParam {
            name,
            message: message.into(),
        })
    }

    /// A model that passed its checksum (or was assembled from parts) but
    /// cannot be used: `message` says what does not fit.
    pub fn corrupt_model(message: impl Into<String>) -> Error {
        Error::new(ErrorKind::CorruptModel {
            message: message.into(),
        })
    }

    /// A malformed record at `line` of the file at `path`.
    pub fn record(path: impl Into<PathBuf>, line: u64, message: impl Into<String>) -> Error {
        Error::at(
            path,
            ErrorKind::Record {
                line,
                message: message.into(),
            },
        )
    }

    /// Sets the path this error is about, when it has none yet.
    pub fn with_path(mut self, path: impl Into<PathBuf>) -> Error {
        if self.path.is_none() {
            self.path = Some(path.into());
        }
        self
    }

    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.kind
    }

    /// The file or directory the error is about, if any.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }
}

fn lower_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(p) => write!(f, "{}: {}", p.display(), self.kind),
            None => write!(f, "{}", self.kind),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        // the kind's own source (an I/O error's), not the kind: its
        // message is already this error's
        std::error::Error::source(&self.kind)
    }
}

impl From<linfa::Error> for Error {
    fn from(e: linfa::Error) -> Error {
        Error::param("parameters", e.to_string())
    }
}

/// Shorthand for results of this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;
