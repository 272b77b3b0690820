//! `tasnif label`.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use tasnif::atomic::AtomicFile;
use tasnif::batch::{label_stream, label_stream_live, BatchOptions, Labeled};
use tasnif::corpus::{inputs, items_from_list, Item, LineFormat};
use tasnif::model::{Classifier, PredictOptions};

use super::output::{Format, RecordFormat};
use super::ReadOpts;

#[derive(Debug, Args)]
pub struct LabelArgs {
    /// Articles: files; directories (every *.txt below, sorted); lists of
    /// documents, read as train reads them, labels ignored: .jsonl (one JSON
    /// object per line with "text" and an optional "id") and .csv/.tsv
    /// manifests (a "path" or a "text" column, an optional "id"); or - for
    /// standard input (the default when it is not a terminal), read as
    /// --input-format says. With --list: the one folder the listed paths
    /// are relative to [default: .].
    paths: Vec<PathBuf>,
    /// Label the files listed in FILE (one path per line, relative to the
    /// folder given, as for train; blank lines and # comments skipped).
    /// Their ids are the paths as listed.
    #[arg(long, value_name = "FILE")]
    list: Option<PathBuf>,
    /// What standard input holds: JSON lines with "text" and an optional
    /// "id", or plain text, one article per line (ids stdin:LINE).
    #[arg(long, value_enum, value_name = "FORMAT", default_value_t = LineFormat::Jsonl)]
    input_format: LineFormat,
    /// Model file [default: the bundled cyber-topics model].
    #[arg(short, long, env = "TASNIF_MODEL")]
    model: Option<PathBuf>,
    /// Output format [default: from the extension of -o FILE (.csv, .tsv),
    /// else jsonl]. In CSV and TSV, top, tags, explain and evidence are
    /// NAME:VALUE pairs (or names) joined by ';', a '\', ':' or ';' in a
    /// name escaped by a backslash.
    #[arg(long, value_enum)]
    format: Option<Format>,
    /// Write to FILE (atomically; - is standard output) instead of
    /// standard output, and say on stderr how many records were written.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Overwrite the -o file if it exists.
    #[arg(long)]
    force: bool,
    /// How many labels to list in "top".
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    top_k: u64,
    /// Multi-label tags: add "tags", the chosen label and every other label
    /// whose probability reaches --threshold.
    #[arg(long)]
    multi: bool,
    /// With --multi: the probability a label needs to be a tag, 0 < P <= 1.
    #[arg(long, value_name = "P", default_value_t = 0.3, requires = "multi", value_parser = parse_threshold)]
    threshold: f64,
    /// Add the N terms that most drove each decision ("explain"); for a
    /// gated model also the N terms that most raised the odds of any topic
    /// ("evidence": what opened the gate).
    #[arg(long, value_name = "N", default_value_t = 0)]
    explain: usize,
    /// For a gated model (the bundled one is): the probability of any topic
    /// (the record's "cyber" for the bundled model) an article needs to get
    /// a topic, 0 < P <= 1. Lower finds more and raises more false alarms
    /// [default: the model's own, chosen at training].
    #[arg(long, value_name = "P", value_parser = parse_threshold)]
    gate_threshold: Option<f64>,
    /// Worker threads (default: all cores).
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
    #[command(flatten)]
    read: ReadOpts,
}

fn parse_threshold(s: &str) -> Result<f64, String> {
    match s.parse::<f64>() {
        Ok(p) if p > 0.0 && p <= 1.0 => Ok(p),
        _ => Err(format!("expected a probability in (0, 1], got `{s}`")),
    }
}

pub fn run(a: LabelArgs) -> anyhow::Result<u8> {
    let model = super::load_model(a.model.as_deref())?;
    let output = a.output.as_ref().filter(|p| p.as_os_str() != "-");
    let format = a
        .format
        .or_else(|| output.and_then(|p| Format::from_extension(p)))
        .unwrap_or(Format::Jsonl);
    // A pipe or a terminal on standard input may be another program that
    // waits for each record before it writes the next article.
    let mut live = false;
    let items: Box<dyn Iterator<Item = Item> + Send> = match &a.list {
        Some(list) => {
            let root = match a.paths.as_slice() {
                [] => PathBuf::from("."),
                [root] => root.clone(),
                _ => usage!(
                    "--list names files relative to one folder, and {} paths are given",
                    a.paths.len()
                ),
            };
            Box::new(items_from_list(&root, list)?.into_iter())
        }
        None => {
            let mut paths = a.paths.clone();
            if paths.is_empty() {
                if io::stdin().is_terminal() {
                    usage!(
                        "no input: give files, directories, a --list, or - to read standard input"
                    );
                }
                paths.push(PathBuf::from("-"));
            }
            live = paths.iter().any(|p| p.as_os_str() == "-") && !stdin_is_a_file();
            Box::new(inputs(paths, &a.read.options()).stdin_format(a.input_format))
        }
    };
    if a.gate_threshold.is_some() && model.gate().is_none() {
        anyhow::bail!("--gate-threshold applies to a model with a none label (a gate), and this model has none");
    }
    let opts = BatchOptions {
        predict: PredictOptions {
            top_k: a.top_k as usize,
            explain: a.explain,
            gate_threshold: a.gate_threshold,
        },
        read: a.read.options(),
    };
    let show_progress = io::stderr().is_terminal() && !super::quiet();
    let run = |out: &mut (dyn Write + Send)| -> anyhow::Result<(usize, usize)> {
        let fmt = RecordFormat {
            format,
            explain: a.explain > 0,
            tag_threshold: a.multi.then_some(a.threshold),
            model: &model,
        };
        write_records(&model, items, &opts, a.jobs, fmt, out, show_progress, live)
    };
    let (failed, total);
    match output {
        Some(path) => {
            let start = std::time::Instant::now();
            let mut f = AtomicFile::create(path, a.force)?;
            (failed, total) = run(&mut f).with_context(|| format!("writing {}", path.display()))?;
            f.commit()?;
            let failures = if failed > 0 {
                format!(" ({failed} of {total} inputs failed)")
            } else {
                String::new()
            };
            if !super::quiet() {
                warn!(
                    "tasnif: {total} records written to {}{failures} in {:.2} s",
                    path.display(),
                    start.elapsed().as_secs_f64()
                );
            } else if failed > 0 {
                warn!("tasnif: {failed} of {total} inputs failed");
            }
        }
        None => {
            let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout());
            (failed, total) = run(&mut out)?;
            out.flush()?;
            if failed > 0 {
                warn!("tasnif: {failed} of {total} inputs failed");
            }
        }
    }
    if failed > 0 {
        Ok(super::exit::PARTIAL)
    } else {
        Ok(super::exit::SUCCESS)
    }
}

/// True when standard input is a regular file (`< articles.jsonl`), which
/// can be read in whole chunks; false for a pipe, a terminal or a socket.
fn stdin_is_a_file() -> bool {
    #[cfg(unix)]
    {
        use std::os::fd::AsFd;
        io::stdin()
            .as_fd()
            .try_clone_to_owned()
            .ok()
            .and_then(|fd| std::fs::File::from(fd).metadata().ok())
            .is_some_and(|m| m.is_file())
    }
    #[cfg(not(unix))]
    {
        false
    }
}

/// Labels `items` with `model` on `jobs` threads (all cores when `None`),
/// streaming: one record per item is written to `out` in input order while
/// later items are still being read and scored; each failed input is reported
/// on stderr. With `live` (input that arrives while it is labeled), each
/// record is written and `out` flushed as soon as its article is scored and
/// nothing else is ready. Returns (failed inputs, all inputs).
#[allow(clippy::too_many_arguments)]
pub fn write_records<I>(
    model: &Classifier,
    items: I,
    opts: &BatchOptions,
    jobs: Option<usize>,
    fmt: RecordFormat<'_>,
    out: &mut (dyn Write + Send),
    show_progress: bool,
    live: bool,
) -> anyhow::Result<(usize, usize)>
where
    I: IntoIterator<Item = Item>,
    I::IntoIter: Send,
{
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(j) = jobs {
        anyhow::ensure!(j >= 1, "-j must be at least 1");
        pool = pool.num_threads(j);
    }
    let pool = pool.build().context("starting worker threads")?;
    let progress = if show_progress {
        let pb = ProgressBar::new_spinner();
        pb.set_style(
            ProgressStyle::with_template("{spinner} {pos} articles labeled, {per_sec}, {elapsed}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        pb
    } else {
        ProgressBar::hidden()
    };
    let items = items.into_iter();
    let (mut failed, mut total) = (0usize, 0usize);
    out.write_all(&fmt.header())?;
    let render = |item: &Item, r: Result<Labeled, tasnif::Error>| {
        let line = fmt.render(&item.id, &r);
        (line, r.err().map(|e| super::with_hint(&e)))
    };
    // Some(record) is written; None asks for the output to be flushed.
    let mut sink = |r: Option<(Vec<u8>, Option<String>)>| -> io::Result<()> {
        let Some((line, err)) = r else {
            return out.flush();
        };
        total += 1;
        if let Some(e) = err {
            failed += 1;
            progress.suspend(|| warn!("tasnif: {e}"));
        }
        progress.inc(1);
        out.write_all(&line)
    };
    pool.install(|| {
        if live {
            label_stream_live(model, items, opts, render, |r| sink(r.map(|(_, x)| x)))
        } else {
            label_stream(model, items, opts, render, |_, x| sink(Some(x)))
        }
    })?;
    progress.finish_and_clear();
    Ok((failed, total))
}
