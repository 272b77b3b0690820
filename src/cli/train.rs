//! `tasnif train`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use tasnif::corpus::load_labeled;

use super::em::EmOpts;
use super::progress::Bar;
use super::{OutputFormat, ReadOpts, TrainOpts};

/// Training on at least this many documents shows a progress bar (on a terminal).
const LARGE: usize = 1000;

#[derive(Debug, Args)]
pub struct TrainArgs {
    /// Labeled articles: a directory with one sub-folder per label (*.txt),
    /// a .csv/.tsv manifest (path,label or text,label; optional id), a .jsonl file (text, label, optional id),
    /// or an annotation project (tasnif annotate): its current labels.
    data: PathBuf,
    /// Where to write the model.
    #[arg(short, long)]
    output: PathBuf,
    /// Keep only the documents listed in FILE (paths relative to DATA, one per line).
    #[arg(long, value_name = "FILE")]
    list: Option<PathBuf>,
    /// Overwrite the model file if it exists.
    #[arg(long)]
    force: bool,
    /// Worker threads (default: all cores). The model's bytes do not
    /// depend on it.
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
    /// Output format of the summary: text, or one JSON object.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    #[command(flatten)]
    opts: TrainOpts,
    #[command(flatten)]
    read: ReadOpts,
    #[command(flatten)]
    em: EmOpts,
}

impl TrainArgs {
    /// The training options (for tests of the defaults).
    #[cfg(test)]
    pub fn opts(&self) -> &TrainOpts {
        &self.opts
    }
}

pub fn run(a: TrainArgs) -> anyhow::Result<u8> {
    super::check_outputs(a.force, [Some(a.output.as_path())])?;
    let params = a.opts.params()?;
    let start = Instant::now();
    let read = a.read.options();
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(j) = a.jobs {
        anyhow::ensure!(j >= 1, "-j must be at least 1");
        pool = pool.num_threads(j);
    }
    let pool = pool.build().context("starting worker threads")?;
    // an annotation project (`tasnif annotate`): its current labels
    let data = if super::annotate::is_project_file(&a.data) {
        anyhow::ensure!(
            a.list.is_none(),
            "--list selects files of a folder or manifest, not articles of an annotation project"
        );
        tasnif::annotate::store::Project::open(&a.data)?.labeled_data()?
    } else {
        load_labeled(&a.data, a.list.as_deref(), read.encoding)?
    };
    // a bar only for data large enough to take a while
    let bar = Bar::new(data.len() >= LARGE && Bar::on_terminal_shown());
    let model = pool.install(|| -> anyhow::Result<_> {
        Ok(match super::em::train(&a.em, &data, &params, &read)? {
            Some(m) => m,
            None => tasnif::train::train_with(&data, &params, &read, &bar)?,
        })
    })?;
    drop(bar);
    model
        .save(&a.output, a.force)
        .with_context(|| format!("writing the model to {}", a.output.display()))?;
    let secs = start.elapsed().as_secs_f64();
    let counts = data.counts();
    let bytes = std::fs::metadata(&a.output).map(|m| m.len()).unwrap_or(0);
    let names = data.labels.names();
    if a.format == OutputFormat::Json {
        let labels: Vec<_> = names
            .iter()
            .zip(&counts)
            .map(|(name, c)| serde_json::json!({"name": name, "documents": c}))
            .collect();
        let summary = serde_json::json!({
            "documents": data.len(),
            "labels": labels,
            "vocabulary": model.summary().vocabulary_size,
            "model": a.output.display().to_string(),
            "model_bytes": bytes,
            "seconds": secs,
        });
        outln!("{}", serde_json::to_string_pretty(&summary)?);
        return Ok(super::exit::SUCCESS);
    }
    outln!(
        "trained on {} documents, {} labels:",
        data.len(),
        data.labels.len()
    );
    let width = super::max_width(names.iter().map(|n| n.as_str()));
    for (name, c) in names.iter().zip(counts) {
        outln!("  {}  {c:>7}", super::pad_right(name, width));
    }
    outln!("vocabulary: {} terms", model.summary().vocabulary_size);
    outln!("model: {} ({bytes} bytes)", a.output.display());
    outln!("wall time: {secs:.2} s");
    Ok(super::exit::SUCCESS)
}
