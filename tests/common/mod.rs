//! Helpers shared by the integration tests: the binary, the shared corpus
//! (skipped with a reason when absent, failed under CI=true), and small
//! synthetic Arabic corpora written to temporary folders.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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
        } else if x % 7 == 0 {
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
