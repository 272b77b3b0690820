//! `tasnif eval`.

use std::path::PathBuf;
use std::time::Instant;

use clap::Args;
use tasnif::atomic::write_atomic;
use tasnif::corpus::load_labeled;
use tasnif::eval::{cross_validate, evaluate_model, mean_std, Evaluation, Report};
use tasnif::model::Classifier;

use super::{ReadOpts, TrainOpts};

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Labeled articles (same forms as for train).
    data: PathBuf,
    /// Evaluate this model.
    #[arg(short, long, conflicts_with = "cv", required_unless_present = "cv")]
    model: Option<PathBuf>,
    /// Instead of a model, stratified K-fold cross-validation of the training options.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(2..))]
    cv: Option<u64>,
    /// Seed of the fold assignment.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Keep only the documents listed in FILE (paths relative to DATA, one per line).
    #[arg(long, value_name = "FILE")]
    list: Option<PathBuf>,
    /// Also write the figures as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
    /// Also write every document's outcome to FILE, one JSON object per line
    /// (id, truth, predicted, probability; for --cv, the fold's prediction).
    #[arg(long, value_name = "FILE")]
    predictions: Option<PathBuf>,
    #[command(flatten)]
    opts: TrainOpts,
    #[command(flatten)]
    read: ReadOpts,
}

#[derive(serde::Serialize)]
struct JsonOut<'a> {
    #[serde(flatten)]
    report: &'a Report,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    folds: Vec<&'a Report>,
}

pub fn run(a: EvalArgs) -> anyhow::Result<u8> {
    let start = Instant::now();
    let data = load_labeled(&a.data, a.list.as_deref(), a.read.options().encoding)?;
    let ev: Evaluation = match (&a.model, a.cv) {
        (Some(m), _) => {
            let model = Classifier::load(m)?;
            evaluate_model(&model, &data, &a.read.options())?
        }
        (None, Some(k)) => cross_validate(
            &data,
            &a.opts.params()?,
            k as usize,
            a.seed,
            &a.read.options(),
        )?,
        (None, None) => anyhow::bail!("give a model (-m MODEL) or --cv K"),
    };
    let secs = start.elapsed().as_secs_f64();
    out!("{}", render(&ev));
    outln!("({} documents, {secs:.2} s)", ev.report.documents);
    if let Some(path) = &a.json {
        let out = JsonOut {
            report: &ev.report,
            folds: ev.folds.iter().collect(),
        };
        let mut bytes = serde_json::to_vec_pretty(&out)?;
        bytes.push(b'\n');
        write_atomic(path, &bytes, true)?;
    }
    if let Some(path) = &a.predictions {
        let mut out = Vec::new();
        for o in &ev.outcomes {
            serde_json::to_writer(
                &mut out,
                &serde_json::json!({
                    "id": data.items[o.index].id,
                    "truth": o.truth,
                    "predicted": o.predicted,
                    "probability": o.probability,
                }),
            )?;
            out.push(b'\n');
        }
        write_atomic(path, &out, true)?;
    }
    Ok(0)
}

/// The terminal report: headline figures, per-label table, averages,
/// confusion matrix and the "erroneously classified as" lines.
pub fn render(ev: &Evaluation) -> String {
    use std::fmt::Write;
    let r = &ev.report;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "accuracy {:.4}   macro-F1 {:.4}   weighted-F1 {:.4}",
        r.accuracy, r.macro_f1, r.weighted_f1
    );
    if !ev.folds.is_empty() {
        let (m, sd) = mean_std(ev.folds.iter().map(|f| f.macro_f1));
        let (am, asd) = mean_std(ev.folds.iter().map(|f| f.accuracy));
        let _ = writeln!(
            s,
            "over {} folds: accuracy {am:.4} ± {asd:.4}   macro-F1 {m:.4} ± {sd:.4}",
            ev.folds.len()
        );
    }
    let width = r
        .confusion
        .labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(5)
        .max(12);
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "{:<width$}  {:>9}  {:>6}  {:>6}  {:>7}",
        "label", "precision", "recall", "F1", "support"
    );
    for (name, m) in &r.per_label {
        let _ = writeln!(
            s,
            "{name:<width$}  {:>9.4}  {:>6.4}  {:>6.4}  {:>7}",
            m.precision, m.recall, m.f1, m.support
        );
    }
    let _ = writeln!(s);
    let n = r.documents;
    for (name, p, rc, f) in [
        ("macro avg", r.macro_precision, r.macro_recall, r.macro_f1),
        ("micro avg", r.micro_precision, r.micro_recall, r.micro_f1),
        (
            "weighted avg",
            r.weighted_precision,
            r.weighted_recall,
            r.weighted_f1,
        ),
    ] {
        let _ = writeln!(s, "{name:<width$}  {p:>9.4}  {rc:>6.4}  {f:>6.4}  {n:>7}");
    }
    let _ = writeln!(s);
    let _ = writeln!(s, "confusion matrix (rows: true label, columns: predicted)");
    let labels = &r.confusion.labels;
    let cw = labels
        .iter()
        .map(|l| l.chars().count())
        .max()
        .unwrap_or(5)
        .max(6);
    let _ = write!(s, "{:<width$}", "");
    for l in labels {
        let _ = write!(s, "  {l:>cw$}");
    }
    let _ = writeln!(s);
    for (i, row) in r.confusion.matrix.iter().enumerate() {
        let _ = write!(s, "{:<width$}", labels[i]);
        for c in row {
            let _ = write!(s, "  {c:>cw$}");
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s);
    for (i, row) in r.confusion.matrix.iter().enumerate() {
        let total: u64 = row.iter().sum();
        if total == 0 {
            continue;
        }
        let mut errs: Vec<(usize, u64)> = row
            .iter()
            .enumerate()
            .filter(|&(j, &c)| j != i && c > 0)
            .map(|(j, &c)| (j, c))
            .collect();
        if errs.is_empty() {
            let _ = writeln!(s, "{}: no errors", labels[i]);
            continue;
        }
        errs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let parts: Vec<String> = errs
            .iter()
            .map(|&(j, c)| format!("{} {:.1}%", labels[j], 100.0 * c as f64 / total as f64))
            .collect();
        let _ = writeln!(
            s,
            "{}: erroneously classified as {}",
            labels[i],
            parts.join(", ")
        );
    }
    s
}
