//! `tasnif bench`: train and label as whole operations on a corpus and its
//! split, each run in a fresh child process so that its peak memory is its
//! own; prints medians, throughput, peak RSS, model size and the machine.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use clap::{Args, ValueEnum};
use serde::Serialize;
use serde_json::Value;
use tasnif::batch::BatchOptions;
use tasnif::corpus::{load_labeled, Item, ReadOptions, Source};
use tasnif::eval::evaluate_model;
use tasnif::model::{Classifier, PredictOptions};
use tasnif::text::{Analyzer, AnalyzerConfig, AnalyzerScratch, StemmerKind};

use super::output::Format;
use super::{ReadOpts, TrainOpts};

#[derive(Debug, Args)]
pub struct BenchArgs {
    /// The corpus: a directory with one sub-folder per label
    /// (default: $TASNIF_DATA/ant-multisource, else ../shared/data/ant-multisource).
    data: Option<PathBuf>,
    /// Training documents (default: DATA/split/train.txt).
    #[arg(long, value_name = "FILE")]
    train_list: Option<PathBuf>,
    /// Documents to label (default: DATA/split/test.txt).
    #[arg(long, value_name = "FILE")]
    test_list: Option<PathBuf>,
    /// Runs of each operation (the median is reported).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    runs: u64,
    /// Copies of the test documents for the flat-memory check.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    copies: u64,
    /// Also write the figures as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Overwrite the --json file if it exists.
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    opts: TrainOpts,
}

/// What a child process measures.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum OpKind {
    Train,
    Label,
}

/// The hidden child-process command of `bench`.
#[derive(Debug, Args)]
pub struct BenchOpArgs {
    #[arg(value_enum)]
    op: OpKind,
    data: PathBuf,
    #[arg(long)]
    list: PathBuf,
    #[arg(long)]
    model: PathBuf,
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
    #[arg(long, default_value_t = 1)]
    copies: u64,
    #[command(flatten)]
    opts: TrainOpts,
    #[command(flatten)]
    read: ReadOpts,
}

#[derive(Debug, Clone, Serialize, serde::Deserialize)]
struct OpResult {
    seconds: f64,
    /// CPU seconds (user + system, every thread) of the same span.
    #[serde(default)]
    cpu_seconds: f64,
    docs: u64,
    bytes: u64,
    peak_rss_mb: f64,
    /// Label: loading the model; train: saving it. Not in `seconds`.
    load_seconds: f64,
}

/// CPU seconds this process has used so far, user and system, all threads
/// (0 where unknown).
fn cpu_seconds() -> f64 {
    #[cfg(unix)]
    {
        // SAFETY: getrusage only writes the struct it is given.
        let mut u: libc::rusage = unsafe { std::mem::zeroed() };
        if unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) } == 0 {
            let t = |tv: libc::timeval| tv.tv_sec as f64 + tv.tv_usec as f64 / 1e6;
            return t(u.ru_utime) + t(u.ru_stime);
        }
    }
    0.0
}

/// Peak resident memory of this process in MB (Linux: VmHWM), 0 where unknown.
fn peak_rss_mb() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| {
                l.split_whitespace()
                    .nth(1)
                    .and_then(|kb| kb.parse::<f64>().ok())
            })
        })
        .map_or(0.0, |kb| kb * 1024.0 / 1e6)
}

/// Bytes on disk of the documents that are files.
fn file_bytes(items: &[Item]) -> u64 {
    items
        .iter()
        .filter_map(|i| match &i.source {
            Source::File(p) => std::fs::metadata(p).ok().map(|m| m.len()),
            _ => None,
        })
        .sum()
}

/// Runs one operation in this (child) process and prints its figures as JSON.
pub fn run_op(a: BenchOpArgs) -> anyhow::Result<u8> {
    let r = match a.op {
        OpKind::Train => {
            let start = Instant::now();
            let cpu = cpu_seconds();
            let data = load_labeled(&a.data, Some(&a.list), a.read.options().encoding)?;
            let listed = start.elapsed();
            let model = tasnif::train::train(&data, &a.opts.params()?, &a.read.options())?;
            let trained = start.elapsed();
            let cpu = cpu_seconds() - cpu;
            let saving = Instant::now();
            model.save(&a.model, true)?;
            let save_seconds = saving.elapsed().as_secs_f64();
            tracing::debug!(
                "listed {:.1} ms, trained {:.1} ms, saved in {:.1} ms",
                listed.as_secs_f64() * 1e3,
                trained.as_secs_f64() * 1e3,
                save_seconds * 1e3
            );
            // Like the peers' fit time: reading the documents and fitting;
            // writing the model file is reported apart.
            OpResult {
                seconds: trained.as_secs_f64(),
                cpu_seconds: cpu,
                docs: data.len() as u64,
                bytes: file_bytes(&data.items),
                peak_rss_mb: peak_rss_mb(),
                load_seconds: save_seconds,
            }
        }
        OpKind::Label => {
            let items = tasnif::corpus::items_from_list(&a.data, &a.list)?;
            let bytes = file_bytes(&items);
            let n_docs = items.len() as u64 * a.copies;
            // The copies are produced lazily, as a stream would be.
            let stream = (0..a.copies).flat_map(move |_| items.clone());
            let load = Instant::now();
            let model = Classifier::load(&a.model)?;
            let load_seconds = load.elapsed().as_secs_f64();
            let opts = BatchOptions {
                predict: PredictOptions {
                    top_k: 3,
                    ..PredictOptions::default()
                },
                read: a.read.options(),
            };
            let start = Instant::now();
            let cpu = cpu_seconds();
            let mut sink = io::sink();
            let (failed, total) = super::label::write_records(
                &model,
                stream,
                &opts,
                a.jobs,
                super::output::RecordFormat {
                    format: Format::Jsonl,
                    explain: false,
                    tag_threshold: None,
                    model: &model,
                },
                &mut sink,
                false,
                false,
            )?;
            anyhow::ensure!(
                failed == 0 && total as u64 == n_docs,
                "{failed} of {total} documents failed"
            );
            OpResult {
                seconds: start.elapsed().as_secs_f64(),
                cpu_seconds: cpu_seconds() - cpu,
                docs: n_docs,
                bytes: bytes * a.copies,
                peak_rss_mb: peak_rss_mb(),
                load_seconds,
            }
        }
    };
    outln!("{}", serde_json::to_string(&r)?);
    Ok(0)
}

#[derive(Debug, Serialize)]
struct Summary {
    threads: usize,
    median_s: f64,
    runs_s: Vec<f64>,
    /// Median CPU seconds (user + system, all threads) of the runs.
    median_cpu_s: f64,
    /// Median CPU seconds per MB: the figure that holds on a busy machine.
    cpu_s_per_mb: f64,
    mb_per_s: f64,
    docs_per_s: f64,
    peak_rss_mb: f64,
    docs: u64,
    bytes: u64,
}

fn median(v: &[f64]) -> f64 {
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let n = s.len();
    if n == 0 {
        0.0
    } else if n % 2 == 1 {
        s[n / 2]
    } else {
        (s[n / 2 - 1] + s[n / 2]) / 2.0
    }
}

fn summarize(threads: usize, results: &[OpResult]) -> Summary {
    let runs: Vec<f64> = results.iter().map(|r| r.seconds).collect();
    let m = median(&runs);
    let (docs, bytes) = results.first().map_or((0, 0), |r| (r.docs, r.bytes));
    let cpu = median(&results.iter().map(|r| r.cpu_seconds).collect::<Vec<_>>());
    Summary {
        threads,
        median_s: m,
        median_cpu_s: cpu,
        cpu_s_per_mb: cpu / (bytes as f64 / 1e6).max(1e-12),
        mb_per_s: bytes as f64 / 1e6 / m,
        docs_per_s: docs as f64 / m,
        peak_rss_mb: median(&results.iter().map(|r| r.peak_rss_mb).collect::<Vec<_>>()),
        runs_s: runs,
        docs,
        bytes,
    }
}

fn child(args: &[String]) -> anyhow::Result<OpResult> {
    let exe = std::env::current_exe().context("finding the tasnif binary")?;
    let out = Command::new(exe)
        .arg("bench-op")
        .args(args)
        .output()
        .context("running a benchmark child")?;
    anyhow::ensure!(
        out.status.success(),
        "benchmark child failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).context("reading the child's figures")
}

fn default_data() -> PathBuf {
    std::env::var_os("TASNIF_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/data"))
        .join("ant-multisource")
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .map(|l| l.split(':').nth(1).unwrap_or("").trim().to_string())
        })
        .unwrap_or_else(|| "unknown".into())
}

/// The analyzer alone (normalize + tokenize + stopwords + Light10) on one
/// thread over texts already in memory: median MB/s of `runs` passes.
fn analyzer_mb_per_s(texts: &[String], runs: u64) -> (f64, u64) {
    let analyzer = Analyzer::new(AnalyzerConfig {
        stemmer: StemmerKind::Light10,
        ..AnalyzerConfig::default()
    });
    let bytes: usize = texts.iter().map(String::len).sum();
    let mut scratch = AnalyzerScratch::default();
    let mut times = Vec::new();
    let mut terms = 0u64;
    for _ in 0..runs {
        terms = 0;
        let start = Instant::now();
        for t in texts {
            analyzer.for_each_term(t, &mut scratch, |_| terms += 1);
        }
        times.push(start.elapsed().as_secs_f64());
    }
    (bytes as f64 / 1e6 / median(&times), terms)
}

/// Today's date and time in UTC, from the system clock.
fn now_utc() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // civil-from-days (Howard Hinnant's algorithm)
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

pub fn run(a: BenchArgs) -> anyhow::Result<u8> {
    super::check_outputs(a.force, [a.json.as_deref()])?;
    let data = a.data.clone().unwrap_or_else(default_data);
    anyhow::ensure!(
        data.is_dir(),
        "{}: no such corpus directory (set TASNIF_DATA or give DATA)",
        data.display()
    );
    let train_list = a
        .train_list
        .clone()
        .unwrap_or_else(|| data.join("split/train.txt"));
    let test_list = a
        .test_list
        .clone()
        .unwrap_or_else(|| data.join("split/test.txt"));
    let tmp_dir = TempDir::create()?;
    let tmp = &tmp_dir.0;
    let model = tmp.join("bench.tasnif");
    let s = |p: &Path| p.display().to_string();
    // The children read the resolved settings from one file.
    let params = a.opts.params()?;
    let config = tmp.join("train.json");
    std::fs::write(&config, params.to_json())
        .with_context(|| format!("writing {}", config.display()))?;
    let train_opts = ["--config".to_string(), s(&config)];
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    // Progress on stderr only for a person watching.
    let tty = io::IsTerminal::is_terminal(&io::stderr());
    let mut err: Box<dyn Write> = if tty {
        Box::new(io::stderr())
    } else {
        Box::new(io::sink())
    };

    let mut train_runs = Vec::new();
    for i in 0..a.runs {
        let _ = write!(err, "\rtrain run {}/{}", i + 1, a.runs);
        let mut args = vec![
            "train".into(),
            s(&data),
            "--list".into(),
            s(&train_list),
            "--model".into(),
            s(&model),
        ];
        args.extend(train_opts.iter().cloned());
        train_runs.push(child(&args)?);
    }
    let label_args = |jobs: usize, copies: u64| -> Vec<String> {
        vec![
            "label".into(),
            s(&data),
            "--list".into(),
            s(&test_list),
            "--model".into(),
            s(&model),
            "-j".into(),
            jobs.to_string(),
            "--copies".into(),
            copies.to_string(),
        ]
    };
    let mut label_all = Vec::new();
    let mut label_one = Vec::new();
    for i in 0..a.runs {
        let _ = write!(err, "\rlabel runs {}/{}   ", i + 1, a.runs);
        // interleaved, so that both see the same machine load
        label_all.push(child(&label_args(cores, 1))?);
        label_one.push(child(&label_args(1, 1))?);
    }
    let _ = write!(err, "\rlabel ×{} copies        ", a.copies);
    let label_copies = vec![child(&label_args(cores, a.copies))?];
    let _ = writeln!(err, "\r                          ");

    let model_bytes = std::fs::metadata(&model).map_or(0, |m| m.len());
    let classifier = Classifier::load(&model)?;
    let test = load_labeled(&data, Some(&test_list), Default::default())?;
    let eval = evaluate_model(&classifier, &test, &ReadOptions::default())?;
    let texts: Vec<String> = test
        .items
        .iter()
        .filter_map(|i| i.text(&ReadOptions::default()).ok().map(|t| t.into_owned()))
        .collect();
    let (analyzer_mbs, _) = analyzer_mb_per_s(&texts, a.runs.max(3));

    let train = summarize(cores, &train_runs);
    let label = summarize(cores, &label_all);
    let label_j1 = summarize(1, &label_one);
    let label_x = summarize(cores, &label_copies);
    let load_s = median(&label_all.iter().map(|r| r.load_seconds).collect::<Vec<_>>());
    let save_s = median(
        &train_runs
            .iter()
            .map(|r| r.load_seconds)
            .collect::<Vec<_>>(),
    );
    let report = serde_json::json!({
        "date": now_utc(),
        "machine": {"cores": cores, "cpu": cpu_model()},
        "data": s(&data),
        "settings": params.describe(),
        "train": train,
        "label": label,
        "label_j1": label_j1,
        "label_copies": label_x,
        "copies": a.copies,
        "model_bytes": model_bytes,
        "model_load_s": load_s,
        "model_save_s": save_s,
        "analyzer_light10_1core_mb_per_s": analyzer_mbs,
        "accuracy": eval.report.accuracy,
        "macro_f1": eval.report.macro_f1,
    });
    print_report(&report)?;
    if let Some(path) = &a.json {
        let mut bytes = serde_json::to_vec_pretty(&report)?;
        bytes.push(b'\n');
        tasnif::atomic::write_atomic(path, &bytes, a.force)?;
    }
    Ok(0)
}

fn print_report(r: &Value) -> std::io::Result<()> {
    let f = |v: &Value| v.as_f64().unwrap_or(0.0);
    outln!(
        "tasnif bench  {}  {} cores  {}",
        r["date"].as_str().unwrap_or(""),
        r["machine"]["cores"],
        r["machine"]["cpu"].as_str().unwrap_or("")
    );
    outln!(
        "data: {}  settings: {}",
        r["data"].as_str().unwrap_or(""),
        if r["settings"].as_str().unwrap_or("").is_empty() {
            "defaults"
        } else {
            r["settings"].as_str().unwrap_or("")
        }
    );
    outln!();
    outln!(
        "{:<22} {:>9} {:>9} {:>10} {:>11} {:>9} {:>8}  runs (s)",
        "operation",
        "docs",
        "median s",
        "MB/s",
        "docs/s",
        "CPU s/MB",
        "peak MB"
    );
    for (name, key) in [
        ("train", "train"),
        ("label (all cores)", "label"),
        ("label -j 1", "label_j1"),
        ("label × copies", "label_copies"),
    ] {
        let o = &r[key];
        let runs: Vec<String> = o["runs_s"]
            .as_array()
            .map(|a| a.iter().map(|v| format!("{:.3}", f(v))).collect())
            .unwrap_or_default();
        let name = if key == "label_copies" {
            format!("label ×{} copies", r["copies"])
        } else {
            name.to_string()
        };
        outln!(
            "{:<22} {:>9} {:>9.3} {:>10.1} {:>11.0} {:>9.4} {:>8.1}  {}",
            name,
            o["docs"],
            f(&o["median_s"]),
            f(&o["mb_per_s"]),
            f(&o["docs_per_s"]),
            f(&o["cpu_s_per_mb"]),
            f(&o["peak_rss_mb"]),
            runs.join(" ")
        );
    }
    outln!();
    outln!(
        "CPU s/MB: CPU seconds (user + system, all threads) per 10^6 bytes of article files, median of the runs;"
    );
    outln!("  unlike wall time it does not grow when other work shares the machine");
    outln!(
        "model: {:.1} MB, loaded in {:.3} s (not included in label times)",
        f(&r["model_bytes"]) / 1e6,
        f(&r["model_load_s"])
    );
    outln!(
        "label all cores / -j 1: {:.2}×",
        f(&r["label"]["mb_per_s"]) / f(&r["label_j1"]["mb_per_s"]).max(1e-12)
    );
    outln!(
        "analyzer alone (normalize + tokenize + stopwords + light10), 1 core: {:.1} MB/s",
        f(&r["analyzer_light10_1core_mb_per_s"])
    );
    outln!(
        "test split: accuracy {:.4}, macro-F1 {:.4}",
        f(&r["accuracy"]),
        f(&r["macro_f1"])
    );
    Ok(())
}

/// The benchmark's scratch folder, removed when dropped (on errors too).
struct TempDir(PathBuf);

impl TempDir {
    fn create() -> anyhow::Result<TempDir> {
        let dir = std::env::temp_dir().join(format!("tasnif-bench-{}", std::process::id()));
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        Ok(TempDir(dir))
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
