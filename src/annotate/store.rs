//! An annotation project: one SQLite file (WAL) holding the pool's ids,
//! sources and content hashes, the label set and its versions, every
//! labeling action with its annotator, time, label-set version and note,
//! and the leases that keep two annotators off the same article.
//!
//! Nothing is ever deleted: a relabel is a new action, an undo marks an
//! action undone. An article's state is its latest action not undone.
//!
//! Durability: every action is its own transaction, and the call returns
//! only once SQLite has committed it with `synchronous = FULL`, so that
//! the write-ahead log is synced to disk at every commit: an acknowledged
//! label survives a `kill -9` of the process (for which `NORMAL` would be
//! enough) and a power cut (for which it is not). A person labels a few
//! articles a minute; one fsync per label costs nothing they can notice.

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::corpus::{inputs, Encoding, Item, LabeledData, ReadOptions, Source};
use crate::error::{Error, ErrorKind, Result};

/// `PRAGMA application_id` of a project file: "tsnf".
pub const APPLICATION_ID: i32 = 0x7473_6e66;
/// The schema version this build writes and reads (`PRAGMA user_version`).
pub const SCHEMA_VERSION: i32 = 1;
/// How long a lease keeps an article for its annotator.
pub const LEASE: Duration = Duration::from_secs(30 * 60);

const SCHEMA: &str = "
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE label_sets (
    version INTEGER PRIMARY KEY,
    labels TEXT NOT NULL,
    created TEXT NOT NULL
) STRICT;
CREATE TABLE docs (
    doc INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    source TEXT NOT NULL,
    line INTEGER,
    sha256 TEXT,
    bytes INTEGER,
    error TEXT,
    text TEXT
) STRICT;
CREATE TABLE actions (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    doc INTEGER NOT NULL REFERENCES docs(doc),
    kind TEXT NOT NULL CHECK (kind IN ('label', 'skip')),
    label TEXT,
    annotator TEXT NOT NULL,
    at TEXT NOT NULL,
    label_set INTEGER NOT NULL REFERENCES label_sets(version),
    note TEXT,
    undone_at TEXT,
    CHECK ((kind = 'label') = (label IS NOT NULL))
) STRICT;
CREATE INDEX actions_doc ON actions(doc);
CREATE INDEX actions_annotator ON actions(annotator, seq);
CREATE TABLE leases (
    doc INTEGER PRIMARY KEY REFERENCES docs(doc),
    annotator TEXT NOT NULL,
    expires REAL NOT NULL
) STRICT;
";

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";

/// How to create a project.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    /// Folders, files or JSONL files, read as `tasnif label` reads them.
    pub pool: Vec<PathBuf>,
    /// The label set.
    pub labels: Vec<String>,
    /// The label of articles about none of the topics, one of `labels`
    /// (added to them when missing).
    pub none_label: Option<String>,
    /// Keep each article's text in the project.
    pub store_text: bool,
    /// How articles are read.
    pub read: ReadOptions,
    /// Seed terms: (label, words), for the first articles offered.
    pub seed_terms: Vec<(String, String)>,
}

/// What `init` did.
#[derive(Debug, Clone, Serialize)]
pub struct InitReport {
    /// True when the file was created; false when an existing project was
    /// given a new label set (or found unchanged).
    pub created: bool,
    /// Articles in the pool.
    pub articles: usize,
    /// Articles that could not be read: (id, message). They stay in the
    /// project and are never offered.
    pub unreadable: Vec<(String, String)>,
    /// The label set's version.
    pub label_set_version: i64,
    /// The labels.
    pub labels: Vec<String>,
    /// True when an existing project's label set changed.
    pub labels_changed: bool,
}

/// One article of the pool as the project records it.
#[derive(Debug, Clone)]
pub struct Doc {
    /// Its id (as `tasnif label` would give it).
    pub id: String,
    /// Where it is read from (with the project's id).
    pub item: Item,
    /// The SHA-256 of its text at `init` (`None` when it could not be read).
    pub sha256: Option<String>,
}

/// An action of an annotator.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Action {
    /// Its number, in the order the actions were committed.
    pub seq: i64,
    /// The article (position in the pool).
    pub doc: usize,
    /// Its id.
    pub id: String,
    /// The label given; `None` for a skip.
    pub label: Option<String>,
    /// Who.
    pub annotator: String,
    /// When (UTC, ISO 8601).
    pub at: String,
    /// The label-set version in force.
    pub label_set: i64,
    /// A free-text note.
    pub note: Option<String>,
    /// When it was undone, if it was.
    pub undone_at: Option<String>,
}

/// The state of every article: its latest action not undone, and each
/// annotator's latest label (for agreement).
#[derive(Debug, Clone, Default)]
pub struct State {
    /// Article → its latest action not undone.
    pub latest: BTreeMap<usize, Action>,
    /// (article, annotator) → that annotator's latest label not undone.
    pub by_annotator: BTreeMap<(usize, String), String>,
    /// Actions not undone that replaced an earlier label of the same article.
    pub relabels: usize,
    /// Actions undone.
    pub undone: usize,
}

impl State {
    /// The labeled articles and their labels, in pool order.
    pub fn labeled(&self) -> Vec<(usize, String)> {
        self.latest
            .iter()
            .filter_map(|(&d, a)| a.label.clone().map(|l| (d, l)))
            .collect()
    }

    /// Articles labeled or skipped: never offered again.
    pub fn taken(&self, n: usize) -> Vec<bool> {
        let mut t = vec![false; n];
        for &d in self.latest.keys() {
            if let Some(x) = t.get_mut(d) {
                *x = true;
            }
        }
        t
    }
}

/// An annotation project, open.
pub struct Project {
    conn: Connection,
    path: PathBuf,
    labels: Vec<String>,
    version: i64,
    none_label: Option<String>,
    store_text: bool,
    read: ReadOptions,
    seed_terms: Vec<(String, String)>,
}

/// An SQLite error as the library's, naming the project file.
fn db(path: &Path, e: rusqlite::Error) -> Error {
    use rusqlite::ffi::ErrorCode as C;
    let kind = match &e {
        rusqlite::Error::SqliteFailure(f, _) => match f.code {
            C::NotADatabase => ErrorKind::NotAProject {
                message: "not an SQLite database".into(),
            },
            C::DatabaseCorrupt => ErrorKind::CorruptProject {
                message: e.to_string(),
            },
            _ => ErrorKind::Database {
                message: e.to_string(),
            },
        },
        _ => ErrorKind::Database {
            message: e.to_string(),
        },
    };
    Error::at(path, kind)
}

/// A temporary name beside `path` (`.NAME.tmp-PID-init`).
fn temp_path(path: &Path) -> PathBuf {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!(".{name}.tmp-{}-init", std::process::id()))
}

/// The SHA-256 of a text, in hex.
pub fn sha256_hex(text: &str) -> String {
    let d = Sha256::digest(text.as_bytes());
    d.iter().map(|b| format!("{b:02x}")).collect()
}

fn encoding_name(e: Encoding) -> &'static str {
    match e {
        Encoding::Auto => "auto",
        Encoding::Utf8 => "utf-8",
        Encoding::Windows1256 => "windows-1256",
        Encoding::Utf16 => "utf-16",
        Encoding::Utf8Lossy => "utf-8-lossy",
    }
}

fn encoding_from(name: &str) -> Option<Encoding> {
    [
        Encoding::Auto,
        Encoding::Utf8,
        Encoding::Windows1256,
        Encoding::Utf16,
        Encoding::Utf8Lossy,
    ]
    .into_iter()
    .find(|&e| encoding_name(e) == name)
}

/// Checks a label name: not blank, no line break, no comma (an export's
/// CSV and `add -`'s input would need quoting), at most 100 bytes.
fn check_label(l: &str) -> Result<()> {
    if l.trim().is_empty() || l.trim() != l {
        return Err(Error::param(
            "labels",
            format!("'{l}' (a label must not be blank or start or end with spaces)"),
        ));
    }
    if l.contains([',', '\n', '\r']) || l.len() > 100 {
        return Err(Error::param(
            "labels",
            format!("'{l}' (a label must hold no comma or line break, and at most 100 bytes)"),
        ));
    }
    Ok(())
}

/// Reads the pool's items as `tasnif label` does, with JSONL files (which
/// `label` reads only on standard input) read line by line.
fn pool_items(pool: &[PathBuf], read: &ReadOptions) -> Result<Vec<(Item, PathBuf, Option<u64>)>> {
    let mut out = Vec::new();
    for p in pool {
        if p.as_os_str() == "-" {
            return Err(Error::param(
                "pool",
                "standard input cannot be read again: save it to a .jsonl file",
            ));
        }
        let is_jsonl = p.is_file()
            && p.extension().is_some_and(|e| {
                e.eq_ignore_ascii_case("jsonl") || e.eq_ignore_ascii_case("ndjson")
            });
        if is_jsonl {
            let abs = std::path::absolute(p).map_err(|e| Error::io(p, e))?;
            for (k, item) in crate::corpus::load_unlabeled(p, None)?
                .into_iter()
                .enumerate()
            {
                out.push((item, abs.clone(), Some(k as u64)));
            }
        } else {
            for item in inputs(vec![p.clone()], read) {
                let src = match &item.source {
                    Source::File(f) => std::path::absolute(f).map_err(|e| Error::io(f, e))?,
                    Source::Failed(e) => return Err((**e).clone()),
                    Source::Text(_) => p.clone(),
                };
                out.push((item, src, None));
            }
        }
    }
    Ok(out)
}

impl Project {
    /// Creates the project `path` for `opts.pool` and `opts.labels`. On an
    /// existing project of the same pool, records a new label set instead
    /// when the labels differ (refused when a label in use would go), and
    /// changes nothing when they are the same.
    ///
    /// # Errors
    /// Bad labels, a pool that cannot be listed, a duplicate id, an
    /// existing file that is not a project of this pool, or SQLite.
    pub fn init(path: &Path, opts: &InitOptions) -> Result<(Project, InitReport)> {
        let mut labels = opts.labels.clone();
        if let Some(n) = &opts.none_label {
            if !labels.contains(n) {
                labels.push(n.clone());
            }
        }
        for l in &labels {
            check_label(l)?;
        }
        {
            let mut s = labels.clone();
            s.sort();
            s.dedup();
            if s.len() != labels.len() {
                return Err(Error::param("labels", "a label is given twice"));
            }
        }
        if labels.len() < 2 {
            return Err(Error::param(
                "labels",
                format!("{} label(s) (expected at least 2)", labels.len()),
            ));
        }
        if labels.len() > 50 {
            return Err(Error::param("labels", "more than 50 labels"));
        }
        for (l, _) in &opts.seed_terms {
            if !labels.contains(l) {
                return Err(Error::param(
                    "seed-terms",
                    format!("'{l}' is not one of the labels ({})", labels.join(", ")),
                ));
            }
        }
        if path.exists() {
            let mut p = Project::open(path)?;
            let report = p.relabel_set(&labels)?;
            return Ok((p, report));
        }
        if opts.pool.is_empty() {
            return Err(Error::param("pool", "no pool given"));
        }
        let items = pool_items(&opts.pool, &opts.read)?;
        if items.is_empty() {
            return Err(Error::at(&opts.pool[0], ErrorKind::NoDocuments));
        }
        let mut seen = std::collections::HashSet::new();
        for (item, _, _) in &items {
            if !seen.insert(item.id.as_str()) {
                return Err(Error::param(
                    "pool",
                    format!("the article '{}' is given twice", item.id),
                ));
            }
        }
        // read and hash every article in parallel, in pool order
        use rayon::prelude::*;
        let read = opts.read;
        /// An article's hash, size and (with `store_text`) text, or why it could not be read.
        type Read = std::result::Result<(String, u64, Option<String>), String>;
        let texts: Vec<Read> = items
            .par_iter()
            .map(|(item, _, _)| match item.text(&read) {
                Ok(t) => Ok((
                    sha256_hex(&t),
                    t.len() as u64,
                    opts.store_text.then(|| t.into_owned()),
                )),
                Err(e) => Err(e.to_string()),
            })
            .collect();
        // written to a temporary file and renamed, so a failed init leaves nothing
        let tmp = temp_path(path);
        let result = (|| -> Result<()> {
            let mut conn = open_conn(&tmp, true)?;
            let tx = conn.transaction().map_err(|e| db(path, e))?;
            tx.execute_batch(SCHEMA).map_err(|e| db(path, e))?;
            {
                let mut meta = tx
                    .prepare("INSERT INTO meta (key, value) VALUES (?1, ?2)")
                    .map_err(|e| db(path, e))?;
                let pool: Vec<String> = opts.pool.iter().map(|p| p.display().to_string()).collect();
                let entries = [
                    ("pool", serde_json::to_string(&pool).unwrap_or_default()),
                    (
                        "cwd",
                        std::env::current_dir()
                            .map(|d| d.display().to_string())
                            .unwrap_or_default(),
                    ),
                    ("none_label", opts.none_label.clone().unwrap_or_default()),
                    ("store_text", opts.store_text.to_string()),
                    ("max_bytes", opts.read.max_bytes.to_string()),
                    ("encoding", encoding_name(opts.read.encoding).to_string()),
                    (
                        "seed_terms",
                        serde_json::to_string(&opts.seed_terms).unwrap_or_default(),
                    ),
                    ("tasnif", env!("CARGO_PKG_VERSION").to_string()),
                ];
                for (k, v) in entries {
                    meta.execute(params![k, v]).map_err(|e| db(path, e))?;
                }
                tx.execute(
                    &format!(
                        "INSERT INTO label_sets (version, labels, created) VALUES (1, ?1, {NOW})"
                    ),
                    params![serde_json::to_string(&labels).unwrap_or_default()],
                )
                .map_err(|e| db(path, e))?;
                let mut ins = tx
                    .prepare(
                        "INSERT INTO docs (doc, id, source, line, sha256, bytes, error, text)
                         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    )
                    .map_err(|e| db(path, e))?;
                for (i, ((item, src, line), t)) in items.iter().zip(&texts).enumerate() {
                    let (sha, bytes, error, text) = match t {
                        Ok((h, b, text)) => {
                            (Some(h.as_str()), Some(*b as i64), None, text.as_deref())
                        }
                        Err(m) => (None, None, Some(m.as_str()), None),
                    };
                    ins.execute(params![
                        i as i64,
                        item.id,
                        src.display().to_string(),
                        line.map(|l| l as i64),
                        sha,
                        bytes,
                        error,
                        text
                    ])
                    .map_err(|e| db(path, e))?;
                }
            }
            tx.pragma_update(None, "application_id", APPLICATION_ID)
                .map_err(|e| db(path, e))?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)
                .map_err(|e| db(path, e))?;
            tx.commit().map_err(|e| db(path, e))?;
            // fold the log into the file before it is renamed
            conn.pragma_update(None, "journal_mode", "DELETE")
                .map_err(|e| db(path, e))?;
            drop(conn);
            // a link fails if the target exists: no project is ever replaced
            std::fs::hard_link(&tmp, path).map_err(|e| match e.kind() {
                std::io::ErrorKind::AlreadyExists => Error::at(path, ErrorKind::OutputExists),
                _ => Error::io(path, e),
            })?;
            let _ = std::fs::remove_file(&tmp);
            Ok(())
        })();
        if let Err(e) = result {
            for suffix in ["", "-wal", "-shm", "-journal"] {
                let mut p = tmp.clone().into_os_string();
                p.push(suffix);
                let _ = std::fs::remove_file(p);
            }
            return Err(e);
        }
        let project = Project::open(path)?;
        let unreadable = items
            .iter()
            .zip(&texts)
            .filter_map(|((item, _, _), t)| t.as_ref().err().map(|m| (item.id.clone(), m.clone())))
            .collect();
        let report = InitReport {
            created: true,
            articles: items.len(),
            unreadable,
            label_set_version: 1,
            labels,
            labels_changed: false,
        };
        Ok((project, report))
    }

    /// Opens an existing project.
    ///
    /// # Errors
    /// The file does not exist, is not an SQLite database, is one of
    /// another application or of a newer schema, fails SQLite's quick
    /// integrity check, or lacks what a project holds.
    pub fn open(path: &Path) -> Result<Project> {
        let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
        if !meta.is_file() {
            return Err(not_a_project(path, "not a regular file"));
        }
        let mut head = [0u8; 16];
        {
            use std::io::Read;
            let mut f = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
            let n = f.read(&mut head).map_err(|e| Error::io(path, e))?;
            if n < 16 || &head != b"SQLite format 3\0" {
                return Err(not_a_project(path, "not an SQLite database"));
            }
        }
        let conn = open_conn(path, false)?;
        let app: i32 = pragma(&conn, path, "application_id")?;
        if app != APPLICATION_ID {
            return Err(not_a_project(
                path,
                format!("an SQLite database of another application (application_id {app:#x})"),
            ));
        }
        let version: i32 = pragma(&conn, path, "user_version")?;
        if version != SCHEMA_VERSION {
            return Err(not_a_project(
                path,
                format!("schema version {version}; this tasnif reads version {SCHEMA_VERSION}"),
            ));
        }
        let check: String = pragma(&conn, path, "quick_check")?;
        if check != "ok" {
            return Err(Error::at(
                path,
                ErrorKind::CorruptProject { message: check },
            ));
        }
        let get = |k: &str| -> Result<String> {
            conn.query_row("SELECT value FROM meta WHERE key = ?1", [k], |r| r.get(0))
                .optional()
                .map_err(|e| db(path, e))?
                .ok_or_else(|| {
                    Error::at(
                        path,
                        ErrorKind::CorruptProject {
                            message: format!("the setting '{k}' is missing"),
                        },
                    )
                })
        };
        let none_label = Some(get("none_label")?).filter(|s| !s.is_empty());
        let store_text = get("store_text")? == "true";
        let read = ReadOptions {
            max_bytes: get("max_bytes")?
                .parse()
                .unwrap_or(crate::corpus::DEFAULT_MAX_BYTES),
            encoding: encoding_from(&get("encoding")?).unwrap_or(Encoding::Auto),
        };
        let seed_terms: Vec<(String, String)> =
            serde_json::from_str(&get("seed_terms")?).unwrap_or_default();
        let mut p = Project {
            conn,
            path: path.to_path_buf(),
            labels: Vec::new(),
            version: 0,
            none_label,
            store_text,
            read,
            seed_terms,
        };
        let (version, labels) = p.current_label_set()?;
        p.version = version;
        p.labels = labels;
        Ok(p)
    }

    /// The latest label set: (version, labels).
    fn current_label_set(&self) -> Result<(i64, Vec<String>)> {
        let (v, text): (i64, String) = self
            .conn
            .query_row(
                "SELECT version, labels FROM label_sets ORDER BY version DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .map_err(|e| self.err(e))?;
        let labels: Vec<String> = serde_json::from_str(&text).map_err(|e| {
            Error::at(
                &self.path,
                ErrorKind::CorruptProject {
                    message: format!("label set {v}: {e}"),
                },
            )
        })?;
        Ok((v, labels))
    }

    fn err(&self, e: rusqlite::Error) -> Error {
        db(&self.path, e)
    }

    /// Records a new label set if `labels` differ from the current one.
    fn relabel_set(&mut self, labels: &[String]) -> Result<InitReport> {
        let articles: i64 = self
            .conn
            .query_row("SELECT count(*) FROM docs", [], |r| r.get(0))
            .map_err(|e| self.err(e))?;
        let mut report = InitReport {
            created: false,
            articles: articles as usize,
            unreadable: Vec::new(),
            label_set_version: self.version,
            labels: labels.to_vec(),
            labels_changed: false,
        };
        if labels == self.labels.as_slice() {
            return Ok(report);
        }
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| db(&self.path, e))?;
        let used: Vec<String> = {
            let mut st = tx
                .prepare(
                    "SELECT DISTINCT label FROM actions WHERE kind = 'label' AND undone_at IS NULL",
                )
                .map_err(|e| db(&self.path, e))?;
            let rows = st
                .query_map([], |r| r.get::<_, String>(0))
                .map_err(|e| db(&self.path, e))?;
            rows.collect::<rusqlite::Result<_>>()
                .map_err(|e| db(&self.path, e))?
        };
        if let Some(gone) = used.iter().find(|l| !labels.contains(l)) {
            return Err(Error::at(
                &self.path,
                ErrorKind::LabelSetChanged {
                    message: format!(
                        "'{gone}' has labeled articles and is not in the new label set ({}); keep it, or relabel its articles first",
                        labels.join(", ")
                    ),
                },
            ));
        }
        let v = self.version + 1;
        tx.execute(
            &format!("INSERT INTO label_sets (version, labels, created) VALUES (?1, ?2, {NOW})"),
            params![v, serde_json::to_string(labels).unwrap_or_default()],
        )
        .map_err(|e| db(&self.path, e))?;
        tx.commit().map_err(|e| db(&self.path, e))?;
        self.version = v;
        self.labels = labels.to_vec();
        report.label_set_version = v;
        report.labels_changed = true;
        Ok(report)
    }

    /// The project file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The label set.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The label set's version.
    pub fn label_set_version(&self) -> i64 {
        self.version
    }

    /// The none label, if the project has one.
    pub fn none_label(&self) -> Option<&str> {
        self.none_label.as_deref()
    }

    /// How articles are read (as at `init`).
    pub fn read_options(&self) -> ReadOptions {
        self.read
    }

    /// Seed terms given at `init`: (label, words).
    pub fn seed_terms(&self) -> &[(String, String)] {
        &self.seed_terms
    }

    /// Fails when another process recorded a new label set since this one
    /// was read.
    ///
    /// # Errors
    /// [`ErrorKind::LabelSetChanged`], or SQLite.
    pub fn check_label_set(&self) -> Result<()> {
        let (v, labels) = self.current_label_set()?;
        if v != self.version {
            return Err(Error::at(
                &self.path,
                ErrorKind::LabelSetChanged {
                    message: format!(
                        "version {} ({}) was read, and the project now has version {v} ({}); start again to use it",
                        self.version,
                        self.labels.join(", "),
                        labels.join(", ")
                    ),
                },
            ));
        }
        Ok(())
    }

    /// The error of a label set changed by another process.
    fn label_set_changed(&self) -> Error {
        match self.check_label_set() {
            Err(e) => e,
            Ok(()) => Error::at(
                &self.path,
                ErrorKind::LabelSetChanged {
                    message: "it changed while this action was written".into(),
                },
            ),
        }
    }

    /// Every article of the pool, in pool order, with where to read it.
    ///
    /// # Errors
    /// SQLite, or a JSONL file of the pool that can no longer be read.
    pub fn docs(&self) -> Result<Vec<Doc>> {
        let mut st = self
            .conn
            .prepare("SELECT doc, id, source, line, sha256, error, text FROM docs ORDER BY doc")
            .map_err(|e| self.err(e))?;
        type Row = (
            i64,
            String,
            String,
            Option<i64>,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let rows: Vec<Row> = st
            .query_map([], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                    r.get(6)?,
                ))
            })
            .map_err(|e| self.err(e))?
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))?;
        // JSONL files are read once each, their items found again by
        // position (a changed file shows in the content hashes)
        let mut jsonl: HashMap<String, Vec<Item>> = HashMap::new();
        let mut out = Vec::with_capacity(rows.len());
        for (i, (doc, id, source, line, sha, error, text)) in rows.into_iter().enumerate() {
            if doc != i as i64 {
                return Err(Error::at(
                    &self.path,
                    ErrorKind::CorruptProject {
                        message: format!("article numbers are not 0, 1, …: {doc} at {i}"),
                    },
                ));
            }
            let source = match (text, &error, line) {
                (Some(t), _, _) => Source::Text(t),
                (None, Some(m), _) => Source::Failed(Box::new(Error::new(ErrorKind::Invalid {
                    message: format!("{id}: {m}"),
                }))),
                (None, None, None) => Source::File(PathBuf::from(&source)),
                (None, None, Some(k)) => {
                    if !jsonl.contains_key(&source) {
                        let items = crate::corpus::load_unlabeled(Path::new(&source), None)
                            .unwrap_or_default();
                        jsonl.insert(source.clone(), items);
                    }
                    match jsonl.get(&source).and_then(|v| v.get(k as usize)) {
                        Some(it) => it.source.clone(),
                        None => Source::Failed(Box::new(Error::new(ErrorKind::Invalid {
                            message: format!("{id}: no longer in {source}"),
                        }))),
                    }
                }
            };
            out.push(Doc {
                item: Item {
                    id: id.clone(),
                    source,
                },
                id,
                sha256: sha,
            });
        }
        Ok(out)
    }

    /// Every action, in commit order.
    ///
    /// # Errors
    /// SQLite.
    pub fn actions(&self) -> Result<Vec<Action>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT a.seq, a.doc, d.id, a.label, a.annotator, a.at, a.label_set, a.note, a.undone_at
                 FROM actions a JOIN docs d ON d.doc = a.doc ORDER BY a.seq",
            )
            .map_err(|e| self.err(e))?;
        let rows = st.query_map([], action_row).map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// The state of every article (see [`State`]).
    ///
    /// # Errors
    /// SQLite.
    pub fn state(&self) -> Result<State> {
        let mut s = State::default();
        for a in self.actions()? {
            if a.undone_at.is_some() {
                s.undone += 1;
                continue;
            }
            if let Some(l) = &a.label {
                if s.latest.get(&a.doc).is_some_and(|p| p.label.is_some()) {
                    s.relabels += 1;
                }
                s.by_annotator
                    .insert((a.doc, a.annotator.clone()), l.clone());
            }
            s.latest.insert(a.doc, a);
        }
        Ok(s)
    }

    /// The position of the article `id`.
    ///
    /// # Errors
    /// No such article, or SQLite.
    pub fn doc_of(&self, id: &str) -> Result<usize> {
        self.conn
            .query_row("SELECT doc FROM docs WHERE id = ?1", [id], |r| {
                r.get::<_, i64>(0)
            })
            .optional()
            .map_err(|e| self.err(e))?
            .map(|d| d as usize)
            .ok_or_else(|| {
                Error::at(
                    &self.path,
                    ErrorKind::Invalid {
                        message: format!("no article '{id}' in the project"),
                    },
                )
            })
    }

    /// Labels (`Some(label)`) or skips (`None`) the article `doc` for
    /// `annotator`, with an optional note, and releases its lease. Returns
    /// once the action is committed and synced.
    ///
    /// # Errors
    /// A label not in the label set, a label set changed by another
    /// process, an unknown article, a blank annotator, or SQLite.
    pub fn act(
        &mut self,
        doc: usize,
        label: Option<&str>,
        annotator: &str,
        note: Option<&str>,
    ) -> Result<Action> {
        let annotator = annotator.trim();
        if annotator.is_empty() || annotator.len() > 100 {
            return Err(Error::param(
                "annotator",
                "a name of 1 to 100 bytes is needed",
            ));
        }
        if let Some(l) = label {
            if !self.labels.iter().any(|x| x == l) {
                return Err(Error::param(
                    "label",
                    format!("'{l}' is not in the label set ({})", self.labels.join(", ")),
                ));
            }
        }
        let note = note.map(str::trim).filter(|n| !n.is_empty());
        if note.is_some_and(|n| n.len() > 10_000) {
            return Err(Error::param("note", "over 10,000 bytes"));
        }
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| db(&path, e))?;
        let latest: i64 = tx
            .query_row("SELECT max(version) FROM label_sets", [], |r| r.get(0))
            .map_err(|e| db(&path, e))?;
        if latest != self.version {
            drop(tx);
            return Err(self.label_set_changed());
        }
        let exists: bool = tx
            .query_row(
                "SELECT EXISTS(SELECT 1 FROM docs WHERE doc = ?1)",
                [doc as i64],
                |r| r.get(0),
            )
            .map_err(|e| db(&path, e))?;
        if !exists {
            return Err(Error::at(
                &path,
                ErrorKind::Invalid {
                    message: format!("no article number {doc} in the project"),
                },
            ));
        }
        tx.execute(
            &format!(
                "INSERT INTO actions (doc, kind, label, annotator, at, label_set, note)
                 VALUES (?1, ?2, ?3, ?4, {NOW}, ?5, ?6)"
            ),
            params![
                doc as i64,
                if label.is_some() { "label" } else { "skip" },
                label,
                annotator,
                self.version,
                note
            ],
        )
        .map_err(|e| db(&path, e))?;
        let seq = tx.last_insert_rowid();
        tx.execute("DELETE FROM leases WHERE doc = ?1", [doc as i64])
            .map_err(|e| db(&path, e))?;
        tx.commit().map_err(|e| db(&path, e))?;
        self.action(seq)
    }

    /// The action `seq`.
    fn action(&self, seq: i64) -> Result<Action> {
        self.conn
            .query_row(
                "SELECT a.seq, a.doc, d.id, a.label, a.annotator, a.at, a.label_set, a.note, a.undone_at
                 FROM actions a JOIN docs d ON d.doc = a.doc WHERE a.seq = ?1",
                [seq],
                action_row,
            )
            .map_err(|e| self.err(e))
    }

    /// Many labels in one transaction (`add -`): all or none.
    ///
    /// # Errors
    /// As [`Project::act`] for any of them; then none is recorded.
    pub fn act_many(&mut self, rows: &[(usize, Option<String>)], annotator: &str) -> Result<usize> {
        let annotator = annotator.trim();
        if annotator.is_empty() || annotator.len() > 100 {
            return Err(Error::param(
                "annotator",
                "a name of 1 to 100 bytes is needed",
            ));
        }
        for (_, l) in rows {
            if let Some(l) = l {
                if !self.labels.iter().any(|x| x == l) {
                    return Err(Error::param(
                        "label",
                        format!("'{l}' is not in the label set ({})", self.labels.join(", ")),
                    ));
                }
            }
        }
        let path = self.path.clone();
        let version = self.version;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| db(&path, e))?;
        let latest: i64 = tx
            .query_row("SELECT max(version) FROM label_sets", [], |r| r.get(0))
            .map_err(|e| db(&path, e))?;
        if latest != version {
            drop(tx);
            return Err(self.label_set_changed());
        }
        {
            let mut ins = tx
                .prepare(&format!(
                    "INSERT INTO actions (doc, kind, label, annotator, at, label_set)
                     VALUES (?1, ?2, ?3, ?4, {NOW}, ?5)"
                ))
                .map_err(|e| db(&path, e))?;
            let mut free = tx
                .prepare("DELETE FROM leases WHERE doc = ?1")
                .map_err(|e| db(&path, e))?;
            for (doc, label) in rows {
                ins.execute(params![
                    *doc as i64,
                    if label.is_some() { "label" } else { "skip" },
                    label,
                    annotator,
                    version
                ])
                .map_err(|e| db(&path, e))?;
                free.execute([*doc as i64]).map_err(|e| db(&path, e))?;
            }
        }
        tx.commit().map_err(|e| db(&path, e))?;
        Ok(rows.len())
    }

    /// Undoes the latest action of `annotator` not yet undone (the article
    /// goes back to that annotator's lease). `None` when there is nothing
    /// to undo.
    ///
    /// # Errors
    /// SQLite.
    pub fn undo(&mut self, annotator: &str) -> Result<Option<Action>> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| db(&path, e))?;
        let seq: Option<(i64, i64)> = tx
            .query_row(
                "SELECT seq, doc FROM actions WHERE annotator = ?1 AND undone_at IS NULL
                 ORDER BY seq DESC LIMIT 1",
                [annotator.trim()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(|e| db(&path, e))?;
        let Some((seq, doc)) = seq else {
            return Ok(None);
        };
        tx.execute(
            &format!("UPDATE actions SET undone_at = {NOW} WHERE seq = ?1"),
            [seq],
        )
        .map_err(|e| db(&path, e))?;
        tx.execute(
            "INSERT OR REPLACE INTO leases (doc, annotator, expires)
             VALUES (?1, ?2, julianday('now') + ?3)",
            params![doc, annotator.trim(), LEASE.as_secs_f64() / 86_400.0],
        )
        .map_err(|e| db(&path, e))?;
        tx.commit().map_err(|e| db(&path, e))?;
        self.action(seq).map(Some)
    }

    /// Articles leased to anyone but `annotator` and not expired.
    ///
    /// # Errors
    /// SQLite.
    pub fn leased_by_others(&self, annotator: &str) -> Result<Vec<usize>> {
        let mut st = self
            .conn
            .prepare("SELECT doc FROM leases WHERE annotator <> ?1 AND expires > julianday('now')")
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([annotator], |r| r.get::<_, i64>(0))
            .map_err(|e| self.err(e))?;
        rows.map(|r| r.map(|d| d as usize))
            .collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// The article to show `annotator`: the one leased to them, if it is
    /// still free; else the first of `ranking` that is neither labeled,
    /// skipped nor leased to someone else, leased to them for
    /// [`LEASE`]. One transaction, so two processes never lease the same
    /// article. `None` when nothing is left.
    ///
    /// # Errors
    /// SQLite.
    pub fn lease(&mut self, annotator: &str, ranking: &[usize]) -> Result<Option<usize>> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| db(&path, e))?;
        let mine: Option<i64> = tx
            .query_row(
                "SELECT l.doc FROM leases l WHERE l.annotator = ?1 AND l.expires > julianday('now')
                 AND NOT EXISTS (SELECT 1 FROM actions a WHERE a.doc = l.doc AND a.undone_at IS NULL)
                 ORDER BY l.expires DESC LIMIT 1",
                [annotator],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| db(&path, e))?;
        let chosen = match mine {
            Some(d) => Some(d),
            None => {
                let mut busy = tx
                    .prepare(
                        "SELECT EXISTS(SELECT 1 FROM actions WHERE doc = ?1 AND undone_at IS NULL)
                             OR EXISTS(SELECT 1 FROM leases WHERE doc = ?1 AND annotator <> ?2
                                       AND expires > julianday('now'))",
                    )
                    .map_err(|e| db(&path, e))?;
                let mut found = None;
                for &d in ranking {
                    let taken: bool = busy
                        .query_row(params![d as i64, annotator], |r| r.get(0))
                        .map_err(|e| db(&path, e))?;
                    if !taken {
                        found = Some(d as i64);
                        break;
                    }
                }
                found
            }
        };
        if let Some(d) = chosen {
            tx.execute(
                "DELETE FROM leases WHERE annotator = ?1 AND doc <> ?2",
                params![annotator, d],
            )
            .map_err(|e| db(&path, e))?;
            tx.execute(
                "INSERT OR REPLACE INTO leases (doc, annotator, expires)
                 VALUES (?1, ?2, julianday('now') + ?3)",
                params![d, annotator, LEASE.as_secs_f64() / 86_400.0],
            )
            .map_err(|e| db(&path, e))?;
        }
        tx.commit().map_err(|e| db(&path, e))?;
        Ok(chosen.map(|d| d as usize))
    }

    /// Leases of every annotator: (article, annotator), not expired.
    ///
    /// # Errors
    /// SQLite.
    pub fn leases(&self) -> Result<Vec<(usize, String)>> {
        let mut st = self
            .conn
            .prepare(
                "SELECT doc, annotator FROM leases WHERE expires > julianday('now') ORDER BY doc",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map([], |r| Ok((r.get::<_, i64>(0)? as usize, r.get(1)?)))
            .map_err(|e| self.err(e))?;
        rows.collect::<rusqlite::Result<_>>()
            .map_err(|e| self.err(e))
    }

    /// A number that changes whenever another connection commits to the
    /// file (SQLite's `data_version`): cheap polling for new labels.
    ///
    /// # Errors
    /// SQLite.
    pub fn data_version(&self) -> Result<i64> {
        self.conn
            .pragma_query_value(None, "data_version", |r| r.get(0))
            .map_err(|e| self.err(e))
    }

    /// The labeled articles and their current labels, in pool order, as
    /// training data (what `tasnif train DB` trains on).
    ///
    /// # Errors
    /// SQLite, or no article is labeled.
    pub fn labeled_data(&self) -> Result<LabeledData> {
        let docs = self.docs()?;
        let pairs: Vec<(Item, String)> = self
            .state()?
            .labeled()
            .into_iter()
            .map(|(d, l)| (docs[d].item.clone(), l))
            .collect();
        if pairs.is_empty() {
            return Err(Error::at(&self.path, ErrorKind::NoDocuments));
        }
        Ok(LabeledData::from_pairs(pairs))
    }

    /// The labels as a manifest that `tasnif train` reads as it is: a
    /// `path,label` CSV (absolute paths) when every labeled article is a
    /// file and `with_text` is false, else `id,text,label`. Returns the
    /// bytes and the number of rows.
    ///
    /// # Errors
    /// SQLite, or an article whose text is needed and cannot be read.
    pub fn export(&self, with_text: bool) -> Result<(Vec<u8>, usize)> {
        let docs = self.docs()?;
        let labeled = self.state()?.labeled();
        let files = !with_text
            && labeled
                .iter()
                .all(|(d, _)| matches!(docs[*d].item.source, Source::File(_)));
        let mut w = csv::Writer::from_writer(Vec::new());
        let csv_err = |e: csv::Error| {
            Error::at(
                &self.path,
                ErrorKind::Invalid {
                    message: e.to_string(),
                },
            )
        };
        if files {
            w.write_record(["path", "label"]).map_err(csv_err)?;
        } else {
            w.write_record(["id", "text", "label"]).map_err(csv_err)?;
        }
        for (d, l) in &labeled {
            let item = &docs[*d].item;
            match (&item.source, files) {
                (Source::File(p), true) => {
                    w.write_record([p.display().to_string().as_str(), l.as_str()])
                        .map_err(csv_err)?;
                }
                _ => {
                    let text = item.text(&self.read)?;
                    w.write_record([item.id.as_str(), &text, l.as_str()])
                        .map_err(csv_err)?;
                }
            }
        }
        let bytes = w.into_inner().map_err(|e| {
            Error::at(
                &self.path,
                ErrorKind::Invalid {
                    message: e.to_string(),
                },
            )
        })?;
        Ok((bytes, labeled.len()))
    }

    /// Whether the project keeps the articles' texts.
    pub fn stores_text(&self) -> bool {
        self.store_text
    }
}

/// Opens the SQLite file `path`: WAL, `synchronous = FULL`, foreign keys
/// on, waiting up to 10 s for another writer.
fn open_conn(path: &Path, create: bool) -> Result<Connection> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
    }
    let conn = Connection::open_with_flags(path, flags).map_err(|e| db(path, e))?;
    conn.busy_timeout(Duration::from_secs(10))
        .map_err(|e| db(path, e))?;
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(|e| db(path, e))?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(Error::at(
            path,
            ErrorKind::Database {
                message: format!("cannot use write-ahead logging here (journal mode {mode})"),
            },
        ));
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(|e| db(path, e))?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(|e| db(path, e))?;
    Ok(conn)
}

/// Cohen's κ of two annotators over the articles both labeled: (κ,
/// articles). κ is 1 when they always agree, 0 at chance; `None` when
/// chance agreement is 1 (both always gave the same single label).
pub fn cohen_kappa(pairs: &[(&str, &str)]) -> Option<f64> {
    if pairs.is_empty() {
        return None;
    }
    let n = pairs.len() as f64;
    let agree = pairs.iter().filter(|(a, b)| a == b).count() as f64 / n;
    let mut ca: HashMap<&str, f64> = HashMap::new();
    let mut cb: HashMap<&str, f64> = HashMap::new();
    for (a, b) in pairs {
        *ca.entry(a).or_default() += 1.0;
        *cb.entry(b).or_default() += 1.0;
    }
    let chance: f64 = ca
        .iter()
        .map(|(l, x)| x / n * cb.get(l).copied().unwrap_or(0.0) / n)
        .sum();
    if (1.0 - chance).abs() < 1e-12 {
        return None;
    }
    Some((agree - chance) / (1.0 - chance))
}

/// An [`Action`] from a row of `SELECT a.seq, a.doc, d.id, a.label,
/// a.annotator, a.at, a.label_set, a.note, a.undone_at`.
fn action_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Action> {
    Ok(Action {
        seq: r.get(0)?,
        doc: r.get::<_, i64>(1)? as usize,
        id: r.get(2)?,
        label: r.get(3)?,
        annotator: r.get(4)?,
        at: r.get(5)?,
        label_set: r.get(6)?,
        note: r.get(7)?,
        undone_at: r.get(8)?,
    })
}

/// The error of a file that is not a tasnif annotation project.
fn not_a_project(path: &Path, message: impl Into<String>) -> Error {
    Error::at(
        path,
        ErrorKind::NotAProject {
            message: message.into(),
        },
    )
}

/// The value of SQLite's `PRAGMA name` on `conn` (the project at `path`).
fn pragma<T: rusqlite::types::FromSql>(conn: &Connection, path: &Path, name: &str) -> Result<T> {
    conn.pragma_query_value(None, name, |r| r.get(0))
        .map_err(|e| db(path, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kappa_is_one_for_agreement_and_zero_at_chance() {
        let same = [("a", "a"), ("b", "b"), ("a", "a"), ("b", "b")];
        assert!((cohen_kappa(&same).expect("κ") - 1.0).abs() < 1e-12);
        // independent: A says a,a,b,b; B says a,b,a,b → agreement 1/2 = chance
        let chance = [("a", "a"), ("a", "b"), ("b", "a"), ("b", "b")];
        assert!(cohen_kappa(&chance).expect("κ").abs() < 1e-12);
        // a textbook case: 50 items, 20 yes/yes, 15 no/no, 5 yes/no, 10 no/yes → κ = 0.4
        let mut v = Vec::new();
        v.extend(std::iter::repeat_n(("y", "y"), 20));
        v.extend(std::iter::repeat_n(("n", "n"), 15));
        v.extend(std::iter::repeat_n(("y", "n"), 5));
        v.extend(std::iter::repeat_n(("n", "y"), 10));
        assert!((cohen_kappa(&v).expect("κ") - 0.4).abs() < 1e-12);
        assert_eq!(cohen_kappa(&[("a", "a")]), None);
        assert_eq!(cohen_kappa(&[]), None);
    }

    #[test]
    fn labels_are_checked() {
        assert!(check_label("sports").is_ok());
        assert!(check_label("رياضة").is_ok());
        for bad in ["", " x", "a,b", "a\nb"] {
            assert!(check_label(bad).is_err(), "{bad:?}");
        }
    }
}
