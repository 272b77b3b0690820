//! Helpers shared by the integration tests: the binary, the shared corpus
//! (skipped with a reason when absent, failed under CI=true), and small
//! synthetic Arabic corpora written to temporary folders.
#![allow(dead_code)]

#[cfg(unix)]
use std::os::unix::fs::PermissionsExt;
#[cfg(unix)]
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// The project root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the tasnif binary with `args` in the project root.
pub fn tasnif(args: &[&str]) -> Output {
    tasnif_in(&root(), args)
}

/// Runs the tasnif binary with `args` in `dir`.
pub fn tasnif_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tasnif"))
        .args(args)
        .current_dir(dir)
        .env_remove("TASNIF_MODEL")
        // the terminal report fits $COLUMNS: tests read it unlimited
        .env_remove("COLUMNS")
        .output()
        .expect("the tasnif binary runs")
}

/// Runs the tasnif binary with `args` in `dir`, `input` on standard input.
pub fn tasnif_stdin(dir: &Path, args: &[&str], input: &str) -> Output {
    use std::io::Write;
    use std::process::Stdio;
    let mut child = Command::new(env!("CARGO_BIN_EXE_tasnif"))
        .args(args)
        .current_dir(dir)
        .env_remove("TASNIF_MODEL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the tasnif binary starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(input.as_bytes())
        .expect("write to stdin");
    child.wait_with_output().expect("the tasnif binary ends")
}

/// Asserts that `text` (the output of `what`) contains every one of `needles`.
pub fn assert_contains_all(text: &str, needles: &[&str], what: &str) {
    for needle in needles {
        assert!(text.contains(needle), "{what} lacks {needle:?}:\n{text}");
    }
}

pub fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// The shared data folder (`TASNIF_DATA`, else `../shared/data` beside the
/// project). `None` when it is missing: the test then prints that it is
/// skipped and why — except under `CI=true`, where it fails instead.
pub fn shared_data(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("TASNIF_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root().join("../shared/data"));
    if dir.join("ant-multisource/split/train.txt").is_file() {
        return Some(dir);
    }
    let why = format!(
        "{test}: the corpus is not at {} (set TASNIF_DATA to the folder holding ant-multisource/)",
        dir.display()
    );
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("{why}; CI=true, so this fails instead of skipping");
    }
    eprintln!("SKIPPED {why}");
    None
}

/// Chromium, or `None` with a printed reason (a failure under `CI=true`).
pub fn chromium(test: &str) -> Option<PathBuf> {
    let name = std::env::var("TASNIF_CHROMIUM").unwrap_or_else(|_| "chromium".to_string());
    let found = if name.contains('/') {
        Some(PathBuf::from(&name)).filter(|p| p.is_file())
    } else {
        std::env::var_os("PATH").and_then(|paths| {
            std::env::split_paths(&paths)
                .map(|d| d.join(&name))
                .find(|p| p.is_file())
        })
    };
    if found.is_none() {
        let why = format!(
            "{test}: {name} is not installed (apt-get install chromium, or set TASNIF_CHROMIUM)"
        );
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("{why}; CI=true, so this fails instead of skipping");
        }
        eprintln!("SKIPPED {why}");
    }
    found
}

/// Per-topic vocabularies for synthetic articles.
pub const TOPICS: [(&str, &[&str]); 3] = [
    (
        "economy",
        &[
            "الاقتصاد",
            "البنك",
            "الأسعار",
            "التضخم",
            "النفط",
            "الاستثمار",
            "الأسواق",
            "الدولار",
            "الميزانية",
            "الصادرات",
        ],
    ),
    (
        "sports",
        &[
            "المباراة",
            "الفريق",
            "الهدف",
            "الدوري",
            "اللاعب",
            "المدرب",
            "البطولة",
            "الملعب",
            "الكأس",
            "المنتخب",
        ],
    ),
    (
        "technology",
        &[
            "التقنية",
            "الهاتف",
            "الإنترنت",
            "البرمجيات",
            "الشركة",
            "التطبيق",
            "الحاسوب",
            "البيانات",
            "الذكاء",
            "الشبكة",
        ],
    ),
];

const COMMON: &[&str] = &[
    "في",
    "من",
    "على",
    "قال",
    "اليوم",
    "العام",
    "الجديد",
    "وفي",
    "التي",
    "الدولة",
    "الأخبار",
    "المصادر",
];

/// A deterministic synthetic article of `topic` (index into [`TOPICS`]).
pub fn article(topic: usize, n: usize) -> String {
    let mut s = String::from("عنوان الخبر\n\n");
    let mut x = (n as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ topic as u64;
    for i in 0..60 {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        let w = if i % 3 == 0 {
            COMMON[(x % COMMON.len() as u64) as usize]
        } else if x.is_multiple_of(7) {
            // some overlap between topics
            let other = TOPICS[((topic as u64 + 1 + x % 2) % 3) as usize].1;
            other[(x / 7 % other.len() as u64) as usize]
        } else {
            let v = TOPICS[topic].1;
            v[(x / 3 % v.len() as u64) as usize]
        };
        s.push_str(w);
        s.push(if i % 12 == 11 { '\n' } else { ' ' });
    }
    s.push('\n');
    s
}

/// Writes a corpus with one folder per topic and `per_label` articles each.
pub fn write_corpus(dir: &Path, per_label: usize) {
    for (t, (name, _)) in TOPICS.iter().enumerate() {
        let d = dir.join(name);
        std::fs::create_dir_all(&d).expect("mkdir");
        for n in 0..per_label {
            std::fs::write(d.join(format!("{n:03}.txt")), article(t, n + 1000 * t)).expect("write");
        }
    }
}

/// A temporary folder with a synthetic corpus and a model trained on it.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

impl Fixture {
    pub fn new(per_label: usize) -> Fixture {
        let dir = tempfile::tempdir().expect("tempdir");
        write_corpus(&dir.path().join("corpus"), per_label);
        let out = tasnif_in(dir.path(), &["train", "corpus", "-o", "model.tasnif"]);
        assert!(out.status.success(), "train failed: {}", stderr(&out));
        Fixture { dir }
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn run(&self, args: &[&str]) -> Output {
        tasnif_in(self.dir.path(), args)
    }

    /// Runs tasnif with `args`, asserts that it exits with 1 and that its
    /// stderr contains `needle`; returns stderr.
    pub fn refused(&self, args: &[&str], needle: &str) -> String {
        let out = self.run(args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
        assert!(err.contains(needle), "{args:?}: {err}");
        err
    }

    /// The JSON file `rel` of the fixture's folder.
    pub fn json(&self, rel: &str) -> serde_json::Value {
        let text = std::fs::read_to_string(self.path(rel)).expect("a JSON file");
        serde_json::from_str(&text).expect("JSON")
    }
}

/// Parses JSON lines.
pub fn records(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

/// Asserts a record's probabilities are finite and its `top` list (all
/// labels) sums to 1 within 1e-9.
pub fn assert_probabilities(rec: &serde_json::Value, n_labels: usize) {
    let top = rec["top"].as_array().expect("top is a list");
    assert_eq!(
        top.len(),
        n_labels,
        "top-k must list every label here: {rec}"
    );
    let sum: f64 = top
        .iter()
        .map(|t| {
            let p = t["probability"].as_f64().expect("probability is a number");
            assert!(
                p.is_finite() && (0.0..=1.0).contains(&p),
                "bad probability {p}"
            );
            p
        })
        .sum();
    assert!(
        (sum - 1.0).abs() <= 1e-9,
        "probabilities sum to {sum}: {rec}"
    );
}

/// The synthetic corpus of [`write_corpus`] in memory: `per_label`
/// articles of each topic, ids `topic/n`.
pub fn labeled_texts(per_label: usize) -> tasnif::corpus::LabeledData {
    use tasnif::corpus::{Item, LabeledData, Source};
    let mut pairs = Vec::new();
    for (t, (name, _)) in TOPICS.iter().enumerate() {
        for n in 0..per_label {
            pairs.push((
                Item {
                    id: format!("{name}/{n}"),
                    source: Source::Text(article(t, n)),
                },
                name.to_string(),
            ));
        }
    }
    LabeledData::from_pairs(pairs)
}

// ------------------------------------------------ helpers of the behaviour modules

pub fn write(path: &Path, bytes: &[u8]) {
    if let Some(p) = path.parent() {
        std::fs::create_dir_all(p).expect("mkdir");
    }
    std::fs::write(path, bytes).expect("write");
}

pub fn no_panic(out: &Output) {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "panic: {err}");
    assert_ne!(out.status.code(), Some(101), "panic exit code: {err}");
}

/// The seed articles (real Arabic news), sorted by name.
pub fn seeds() -> Vec<String> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(root().join("seeds"))
        .expect("seeds")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 5);
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("seed"))
        .collect()
}

/// `text` with the characters Windows-1256 lacks (Arabic-Indic digits,
/// some punctuation) replaced by spaces, so that every encoding holds the
/// same text.
pub fn cp1256_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            let mut buf = [0u8; 4];
            let (_, _, unmappable) = encoding_rs::WINDOWS_1256.encode(c.encode_utf8(&mut buf));
            if unmappable {
                ' '
            } else {
                c
            }
        })
        .collect()
}

pub fn cp1256(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::WINDOWS_1256.encode(text);
    assert!(!unmappable);
    bytes.into_owned()
}

pub fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    bom.then_some(0xFEFF)
        .into_iter()
        .chain(text.encode_utf16())
        .flat_map(|u| {
            if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            }
        })
        .collect()
}

/// A record without the fields that name the file or its encoding.
pub fn content(rec: &Value) -> Value {
    let mut r = rec.clone();
    let o = r.as_object_mut().expect("record is an object");
    o.remove("id");
    o.remove("encoding");
    r
}

/// The names in `dir`, sorted.
/// Each record's id and error ("" when it has none), in order.
pub fn ids_and_errors(recs: &[serde_json::Value]) -> Vec<(&str, &str)> {
    recs.iter()
        .map(|r| {
            (
                r["id"].as_str().expect("id"),
                r["error"].as_str().unwrap_or(""),
            )
        })
        .collect()
}

pub fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

pub fn mkfifo(path: &Path) {
    let c = std::ffi::CString::new(path.as_os_str().as_encoded_bytes()).expect("path");
    // SAFETY: a valid NUL-terminated path.
    let r = unsafe { libc::mkfifo(c.as_ptr(), 0o644) };
    assert_eq!(r, 0, "mkfifo {}", path.display());
}

pub fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

/// The tasnif binary, set up so that file permissions apply to it: root
/// ignores them, so when the tests run as root the binary runs as
/// `nobody` (uid and gid 65534). `dir` (a temporary folder, 0700) is
/// opened to everyone for that. The tests then check that the permission
/// errors really happened, so this cannot pass silently.
pub fn unprivileged(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tasnif"));
    c.current_dir(dir);
    if is_root() {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        c.uid(65534).gid(65534);
    }
    c
}

pub fn run(mut c: Command) -> Output {
    let out = c.output().unwrap_or_else(|e| {
        panic!("cannot run tasnif (as nobody when root, which needs setuid): {e}")
    });
    no_panic(&out);
    out
}

/// Trains with the settings file `name` holding `json`, checks that train
/// refuses it (exit code 1) and returns its stderr.
pub fn refused_config(f: &Fixture, name: &str, json: &str, model: &str) -> String {
    std::fs::write(f.path(name), json).expect("write");
    let out = f.run(&["train", "corpus", "--config", name, "-o", model]);
    assert_eq!(out.status.code(), Some(1), "{name}");
    stderr(&out)
}

/// A CSV manifest of texts (`text,label`), one article per row.
pub fn text_manifest(rows: &[(String, &str)]) -> String {
    let mut csv = String::from("text,label\n");
    for (text, label) in rows {
        csv.push_str(&format!("\"{}\",{label}\n", text.replace('\n', " ")));
    }
    csv
}

pub fn tasnif_cmd(dir: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_tasnif"));
    c.current_dir(dir).args(args);
    c
}
