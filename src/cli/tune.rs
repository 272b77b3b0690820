//! `tasnif tune`.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use tasnif::atomic::write_atomic;
use tasnif::corpus::{load_labeled, read_groups};
use tasnif::eval::tune::{search_space, tune_with, Candidate, Scored, Space};
use tasnif::eval::Folds;

use super::progress::Bar;
use super::ReadOpts;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum SpaceArg {
    Standard,
    Options,
    Quick,
    Refine,
}

#[derive(Debug, Args)]
pub struct TuneArgs {
    /// Labeled training articles (same forms as for train). Never the test set.
    data: PathBuf,
    /// Keep only the documents listed in FILE (paths relative to DATA, one per line).
    #[arg(long, value_name = "FILE")]
    list: Option<PathBuf>,
    /// Folds of the cross-validation.
    #[arg(long, value_name = "K", default_value_t = 5, value_parser = clap::value_parser!(u64).range(2..))]
    cv: u64,
    /// Seed of the fold assignment (stratified folds).
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Hold out whole groups instead of stratifying (as scikit-learn's
    /// GroupKFold): FILE is a CSV or TSV with a header, a `path` (or `id`)
    /// column and a group column (one group per outlet, say), so that the
    /// settings are chosen by how they do on groups never seen.
    #[arg(long, value_name = "FILE")]
    groups: Option<PathBuf>,
    /// The column of --groups that names each document's group [default: group].
    #[arg(long, value_name = "NAME", requires = "groups")]
    group_column: Option<String>,
    /// Which settings to try: `standard` (120 settings, ranked), `options`
    /// (each option alone from the defaults, shown in a fixed order with its
    /// change from the defaults), `refine` (the perceptron's passes, margin
    /// and class balance on the defaults, and no refinement: 28 settings)
    /// or `quick` (2 settings, a smoke test).
    #[arg(long, value_enum, default_value_t = SpaceArg::Standard)]
    space: SpaceArg,
    /// Same as `--space quick`.
    #[arg(long, conflicts_with = "space")]
    quick: bool,
    /// Where to write the best settings (read by `tasnif train --config`),
    /// when they beat the defaults in this cross-validation.
    #[arg(short, long, default_value = "tasnif-tune.json")]
    output: PathBuf,
    /// Write the best settings even when they do not beat the defaults
    /// (the defaults are always cross-validated beside the candidates).
    #[arg(long)]
    always_write: bool,
    /// Overwrite output files that exist (-o and --json).
    #[arg(long)]
    force: bool,
    /// Also write every candidate's figures as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    #[command(flatten)]
    read: ReadOpts,
}

pub fn run(a: TuneArgs) -> anyhow::Result<u8> {
    super::check_outputs(a.force, [Some(a.output.as_path()), a.json.as_deref()])?;
    let start = Instant::now();
    let data = load_labeled(&a.data, a.list.as_deref(), a.read.options().encoding)?;
    let groups = match &a.groups {
        Some(p) => Some(read_groups(
            p,
            a.group_column.as_deref(),
            &data,
            a.read.options().encoding,
        )?),
        None => None,
    };
    let k = a.cv as usize;
    let folds = match &groups {
        Some(g) => Folds::Grouped { k, groups: g },
        None => Folds::Stratified { k, seed: a.seed },
    };
    let kind = match (a.quick, a.space) {
        (true, _) | (_, SpaceArg::Quick) => Space::Quick,
        (_, SpaceArg::Standard) => Space::Standard,
        (_, SpaceArg::Options) => Space::Options,
        (_, SpaceArg::Refine) => Space::Refine,
    };
    let mut space = search_space(kind);
    // the defaults are the baseline a written config must beat
    let default_params = tasnif::train::TrainParams::new();
    if !space.iter().any(|c| c.params == default_params) {
        space.push(Candidate {
            name: "the defaults".to_string(),
            params: default_params.clone(),
        });
    }
    note!(
        "tasnif tune: {} settings × {}-fold cross-validation{} on {} documents",
        space.len(),
        a.cv,
        if groups.is_some() {
            " holding out whole groups"
        } else {
            ""
        },
        data.len()
    );
    let bar = Bar::on_terminal();
    let ranked = tune_with(&data, &space, &folds, &a.read.options(), &bar)?;
    drop(bar);
    let defaults = ranked
        .iter()
        .find(|s| s.params == default_params)
        .map(|s| s.macro_f1_mean);
    let mut shown: Vec<(usize, &Scored)> = ranked.iter().enumerate().collect();
    if matches!(kind, Space::Options | Space::Refine) {
        shown.sort_by_key(|(_, s)| s.index);
    }
    outln!(
        "{:>4}  {:>17}  {:>8}  {:>8}  {:>8}  {:>10}  {:>9}  settings",
        "rank",
        "macro-F1 (± std)",
        "Δ",
        "accuracy",
        "train s",
        "label MB/s",
        "terms"
    );
    for (rank, s) in shown {
        let delta = defaults.map_or(String::new(), |d| format!("{:+.4}", s.macro_f1_mean - d));
        outln!(
            "{:>4}  {:>8.4} ± {:.4}  {:>8}  {:>8.4}  {:>8.2}  {:>10.1}  {:>9}  {}",
            rank + 1,
            s.macro_f1_mean,
            s.macro_f1_std,
            delta,
            s.accuracy_mean,
            s.train_seconds,
            s.label_mb_per_s,
            s.vocabulary,
            s.name
        );
    }
    if defaults.is_some() {
        outln!("Δ: mean macro-F1 minus that of the default settings (same folds)");
    }
    let Some(best) = ranked.first() else {
        anyhow::bail!("no settings to try");
    };
    if let Some(path) = &a.json {
        let mut j = serde_json::to_vec_pretty(&ranked)?;
        j.push(b'\n');
        write_atomic(path, &j, a.force)?;
    }
    outln!();
    let secs = start.elapsed().as_secs_f64();
    let baseline = defaults.unwrap_or(f64::NEG_INFINITY);
    let beats = beats_defaults(best, defaults, &default_params);
    if !beats && !a.always_write {
        outln!(
            "no setting beats the defaults (macro-F1 {baseline:.4}) in this cross-validation; {} not written ({secs:.1} s)",
            a.output.display()
        );
        outln!("train without --config, or pass --always-write to write the best anyway");
        return Ok(super::exit::SUCCESS);
    }
    let mut bytes = best.params.to_json().into_bytes();
    bytes.push(b'\n');
    write_atomic(&a.output, &bytes, a.force)?;
    outln!(
        "best: {} (macro-F1 {:.4} ± {:.4}, the defaults {baseline:.4}); written to {} ({secs:.1} s)",
        best.params.describe(),
        best.macro_f1_mean,
        best.macro_f1_std,
        a.output.display(),
    );
    if beats {
        outln!(
            "train with it: tasnif train DATA --config {} -o MODEL",
            a.output.display()
        );
    } else {
        outln!("(written as asked by --always-write: it does not beat the defaults)");
    }
    Ok(super::exit::SUCCESS)
}

/// Whether `best` beats the defaults, whose mean macro-F1 over the same
/// folds is `defaults`: other settings, with a strictly higher mean. A
/// tie keeps the defaults (fewer settings to carry).
fn beats_defaults(
    best: &Scored,
    defaults: Option<f64>,
    default_params: &tasnif::train::TrainParams,
) -> bool {
    best.params != *default_params && defaults.is_none_or(|d| best.macro_f1_mean > d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tasnif::train::TrainParams;

    fn scored(params: TrainParams, f1: f64) -> Scored {
        Scored {
            index: 0,
            name: String::new(),
            params,
            macro_f1_mean: f1,
            macro_f1_std: 0.0,
            accuracy_mean: 0.0,
            train_seconds: 0.0,
            label_mb_per_s: 0.0,
            vocabulary: 0,
        }
    }

    #[test]
    fn only_settings_better_than_the_defaults_are_written() {
        let defaults = TrainParams::new();
        let mut other = TrainParams::new();
        other.vectorizer.sublinear_tf = !other.vectorizer.sublinear_tf;
        assert!(beats_defaults(
            &scored(other.clone(), 0.75),
            Some(0.732),
            &defaults
        ));
        // worse (tune --quick on a new corpus: 0.696 against 0.732), or a tie
        assert!(!beats_defaults(
            &scored(other.clone(), 0.696),
            Some(0.732),
            &defaults
        ));
        assert!(!beats_defaults(
            &scored(other, 0.732),
            Some(0.732),
            &defaults
        ));
        // the defaults themselves are never "better than the defaults"
        assert!(!beats_defaults(
            &scored(defaults.clone(), 0.9),
            Some(0.9),
            &defaults
        ));
    }
}
