//! `tasnif train`.

use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use tasnif::corpus::load_labeled;
use tasnif::error::ErrorKind;

use super::em::EmOpts;
use super::{ReadOpts, TrainOpts};

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
    if !a.force && a.output.exists() {
        return Err(tasnif::Error::at(&a.output, ErrorKind::OutputExists).into());
    }
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
    let model = pool.install(|| -> anyhow::Result<_> {
        Ok(match super::em::train(&a.em, &data, &params, &read)? {
            Some(m) => m,
            None => tasnif::train::train(&data, &params, &read)?,
        })
    })?;
    model
        .save(&a.output, a.force)
        .with_context(|| format!("writing the model to {}", a.output.display()))?;
    let secs = start.elapsed().as_secs_f64();
    let counts = data.counts();
    outln!(
        "trained on {} documents, {} labels:",
        data.len(),
        data.labels.len()
    );
    let width = data
        .labels
        .names()
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(5);
    for (name, c) in data.labels.names().iter().zip(counts) {
        outln!("  {name:<width$}  {c:>7}");
    }
    outln!("vocabulary: {} terms", model.summary().vocabulary_size);
    outln!(
        "model: {} ({} bytes)",
        a.output.display(),
        std::fs::metadata(&a.output).map(|m| m.len()).unwrap_or(0)
    );
    outln!("wall time: {secs:.2} s");
    Ok(0)
}
