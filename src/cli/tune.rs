//! `tasnif tune`.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use tasnif::atomic::write_atomic;
use tasnif::corpus::load_labeled;
use tasnif::eval::tune::{search_space, tune, Space};

use super::ReadOpts;

#[derive(Debug, Args)]
pub struct TuneArgs {
    /// Labeled training articles (same forms as for train). Never the test set.
    data: PathBuf,
    /// Keep only the documents listed in FILE (paths relative to DATA, one per line).
    #[arg(long, value_name = "FILE")]
    list: Option<PathBuf>,
    /// Folds of the stratified cross-validation.
    #[arg(long, value_name = "K", default_value_t = 5, value_parser = clap::value_parser!(u64).range(2..))]
    cv: u64,
    /// Seed of the fold assignment.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Try only two settings (a smoke test) instead of the standard 36.
    #[arg(long)]
    quick: bool,
    /// Where to write the best settings (read by `tasnif train --config`).
    #[arg(short, long, default_value = "tasnif-tune.json")]
    output: PathBuf,
    /// Overwrite the output file if it exists.
    #[arg(long)]
    force: bool,
    /// Also write every candidate's figures as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    #[command(flatten)]
    read: ReadOpts,
}

pub fn run(a: TuneArgs) -> anyhow::Result<u8> {
    if !a.force && a.output.exists() {
        return Err(tasnif::Error::at(&a.output, tasnif::ErrorKind::OutputExists).into());
    }
    let start = Instant::now();
    let data = load_labeled(&a.data, a.list.as_deref(), a.read.options().encoding)?;
    let space = search_space(if a.quick {
        Space::Quick
    } else {
        Space::Standard
    });
    warn!(
        "tasnif tune: {} settings × {}-fold cross-validation on {} documents",
        space.len(),
        a.cv,
        data.len()
    );
    let ranked = tune(&data, &space, a.cv as usize, a.seed, &a.read.options())?;
    outln!(
        "{:>4}  {:>17}  {:>8}  {:>8}  {:>9}  {:>9}  settings",
        "rank",
        "macro-F1 (± std)",
        "accuracy",
        "train s",
        "label MB/s",
        "terms"
    );
    for (i, s) in ranked.iter().enumerate() {
        outln!(
            "{:>4}  {:>8.4} ± {:.4}  {:>8.4}  {:>8.2}  {:>9.1}  {:>9}  {}",
            i + 1,
            s.macro_f1_mean,
            s.macro_f1_std,
            s.accuracy_mean,
            s.train_seconds,
            s.label_mb_per_s,
            s.vocabulary,
            s.params.describe()
        );
    }
    let Some(best) = ranked.first() else {
        anyhow::bail!("no settings to try");
    };
    let mut bytes = best.params.to_json().into_bytes();
    bytes.push(b'\n');
    write_atomic(&a.output, &bytes, a.force)?;
    if let Some(path) = &a.json {
        let mut j = serde_json::to_vec_pretty(&ranked)?;
        j.push(b'\n');
        write_atomic(path, &j, true)?;
    }
    outln!();
    outln!(
        "best: {} (macro-F1 {:.4} ± {:.4}); written to {} ({:.1} s)",
        best.params.describe(),
        best.macro_f1_mean,
        best.macro_f1_std,
        a.output.display(),
        start.elapsed().as_secs_f64()
    );
    outln!(
        "train with it: tasnif train DATA --config {} -o MODEL",
        a.output.display()
    );
    Ok(0)
}
