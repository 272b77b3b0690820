//! Semi-supervised options (`train --unlabeled`) and the learning curve
//! (`eval --cv K --learning-curve`).

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};
use tasnif::atomic::write_atomic;
use tasnif::corpus::{load_unlabeled, Item, LabeledData};
use tasnif::eval::curve::{learning_curve_with, CurveOptions, CurveSize, LearningCurve};
use tasnif::train::em::{EmParams, EmStep, EmVocabulary, UnlabeledReport};
use tasnif::train::TrainParams;
use unicode_width::UnicodeWidthStr;

/// Which documents the vocabulary and idf are fitted on (EM).
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum EmVocabularyArg {
    /// Labeled documents only.
    Labeled,
    /// Labeled and unlabeled documents.
    All,
}

/// Options of semi-supervised training, shared by `train` and `eval --learning-curve`.
#[derive(Debug, Clone, Default, Args)]
pub struct EmOpts {
    /// Unlabeled articles for semi-supervised training with EM: a folder
    /// (every *.txt below it) or a .jsonl file (text, optional id). Copies
    /// of labeled articles are left out; unreadable files are reported and skipped.
    #[arg(long, value_name = "DIR|FILE", group = "em_input")]
    pub unlabeled: Option<PathBuf>,
    /// Keep only the unlabeled articles listed in FILE (paths relative to the --unlabeled folder).
    #[arg(long, value_name = "FILE", requires = "unlabeled")]
    unlabeled_list: Option<PathBuf>,
    /// Most EM iterations after the labeled-only model [default: 10].
    #[arg(long, value_name = "N", requires = "em_input")]
    em_iterations: Option<usize>,
    /// Weight λ of an unlabeled article relative to a labeled one, 0 < λ ≤ 1
    /// [default: 0.01]. eval --learning-curve takes a comma-separated list (one row each).
    #[arg(
        long,
        value_name = "W",
        requires = "em_input",
        value_delimiter = ',',
        num_args = 1,
        allow_negative_numbers = true
    )]
    unlabeled_weight: Vec<f64>,
    /// Stop EM when no posterior changed by more than this; 0 runs every iteration [default: 0.001].
    #[arg(long, value_name = "T", requires = "em_input")]
    em_tolerance: Option<f64>,
    /// Fit the vocabulary and idf on the labeled articles only, or on all
    /// (labeled and unlabeled) [default: labeled].
    #[arg(long, value_enum, requires = "em_input")]
    em_vocabulary: Option<EmVocabularyArg>,
}

impl EmOpts {
    /// The EM settings (defaults with the flags given on top) and the
    /// weights λ listed (empty when none was given).
    pub fn params(&self) -> anyhow::Result<(EmParams, Vec<f64>)> {
        let mut p = EmParams::new();
        if let Some(n) = self.em_iterations {
            p.iterations = n;
        }
        if let Some(&w) = self.unlabeled_weight.first() {
            p.unlabeled_weight = w;
        }
        if let Some(t) = self.em_tolerance {
            p.tolerance = t;
        }
        if let Some(v) = self.em_vocabulary {
            p.vocabulary = match v {
                EmVocabularyArg::Labeled => EmVocabulary::Labeled,
                EmVocabularyArg::All => EmVocabulary::All,
            };
        }
        for &w in &self.unlabeled_weight {
            EmParams {
                unlabeled_weight: w,
                ..p.clone()
            }
            .check()?;
        }
        p.check()?;
        Ok((p, self.unlabeled_weight.clone()))
    }

    /// The unlabeled articles, when `--unlabeled` is given.
    ///
    /// # Errors
    /// The path is missing or of the wrong kind (the error names it).
    pub fn items(&self) -> anyhow::Result<Option<Vec<Item>>> {
        match &self.unlabeled {
            None => Ok(None),
            Some(p) => Ok(Some(
                load_unlabeled(p, self.unlabeled_list.as_deref())
                    .map_err(|e| anyhow::anyhow!("--unlabeled: {e}"))?,
            )),
        }
    }
}

/// Prints one EM round on stderr.
pub fn print_step(step: &EmStep, iterations: usize) {
    let used = step.unlabeled;
    if step.iteration == 0 {
        if let Some(l) = step.log_likelihood {
            note!("EM iteration 0/{iterations} (labeled articles only): log-likelihood {l:.3}");
        }
        return;
    }
    let ll = match step.log_likelihood {
        Some(l) => format!("log-likelihood {l:.3}, "),
        None => String::new(),
    };
    note!(
        "EM iteration {}/{iterations}: {ll}label changed for {} of {used} unlabeled articles ({:.1}%), largest posterior change {:.4}",
        step.iteration,
        step.changed,
        100.0 * step.changed as f64 / used.max(1) as f64,
        step.max_change
    );
}

/// Reports unreadable unlabeled articles on stderr, one line each.
pub fn print_unreadable(report: &UnlabeledReport) {
    for (id, e) in &report.unreadable {
        warn!("tasnif: skipped unlabeled article {id}: {e}");
    }
}

/// One line on what became of the unlabeled articles.
pub fn describe_unlabeled(report: &UnlabeledReport) -> String {
    format!(
        "{} of {} articles kept; {} left out as copies of labeled articles, {} unreadable",
        report.kept,
        report.given,
        report.duplicates,
        report.unreadable.len()
    )
}

/// Arguments of `eval --learning-curve`.
pub struct CurveArgs<'a> {
    pub data: &'a LabeledData,
    pub params: &'a TrainParams,
    pub em: &'a EmOpts,
    pub folds: usize,
    pub seed: u64,
    pub sizes: &'a [CurveSize],
    pub f1_labels: &'a [String],
    pub json: Option<&'a Path>,
    /// Overwrite the --json file if it exists.
    pub force: bool,
    /// The table on standard output, or the figures as JSON.
    pub format: super::OutputFormat,
    pub read: &'a tasnif::corpus::ReadOptions,
}

/// `eval --cv K --learning-curve`: the table on stdout, the figures as JSON.
pub fn run_curve(a: CurveArgs<'_>) -> anyhow::Result<()> {
    let (em, weights) = a.em.params()?;
    let items = a.em.items()?;
    let opts = CurveOptions {
        sizes: if a.sizes.is_empty() {
            CurveOptions::default().sizes
        } else {
            a.sizes.to_vec()
        },
        folds: a.folds,
        seed: a.seed,
        f1_labels: (!a.f1_labels.is_empty()).then(|| a.f1_labels.to_vec()),
        em,
        unlabeled_weights: weights,
    };
    let bar = super::progress::Bar::on_terminal();
    let curve = learning_curve_with(a.data, items.as_deref(), a.params, &opts, a.read, &bar)?;
    drop(bar);
    if let Some(r) = &curve.unlabeled {
        print_unreadable(r);
    }
    match a.format {
        super::OutputFormat::Text => out!("{}", render_curve(&curve)),
        super::OutputFormat::Json => outln!("{}", serde_json::to_string_pretty(&curve)?),
    }
    if let Some(path) = a.json {
        let mut bytes = serde_json::to_vec_pretty(&curve)?;
        bytes.push(b'\n');
        write_atomic(path, &bytes, a.force)?;
    }
    Ok(())
}

/// The learning curve as text: what was measured, then an aligned table.
pub fn render_curve(c: &LearningCurve) -> String {
    let mut s = String::new();
    let labels = c
        .labels
        .iter()
        .map(|(n, k)| format!("{n} {k}"))
        .collect::<Vec<_>>()
        .join(", ");
    s.push_str(&format!(
        "learning curve: {}-fold cross-validation, seed {}, {} labeled articles ({labels})\n",
        c.folds, c.seed, c.labeled
    ));
    s.push_str(&format!("training: {}\n", c.params));
    if let (Some(r), Some(em)) = (&c.unlabeled, &c.em) {
        s.push_str(&format!("unlabeled: {}\n", describe_unlabeled(r)));
        s.push_str(&format!(
            "EM: at most {} iterations, tolerance {}, vocabulary and idf on {} articles\n",
            em.iterations,
            em.tolerance,
            match em.vocabulary {
                EmVocabulary::Labeled => "the labeled",
                EmVocabulary::All => "labeled and unlabeled",
            }
        ));
    }
    s.push('\n');
    let subset = c
        .f1_labels
        .as_ref()
        .map(|l| format!("macro-F1 ({})", l.join(", ")));
    let mut header = vec![
        "per label".to_string(),
        "train docs".to_string(),
        "unlabeled".to_string(),
        "macro-F1 (all labels)".to_string(),
    ];
    header.extend(subset.clone());
    header.push("accuracy".to_string());
    if c.em.is_some() {
        header.push("EM iterations".to_string());
    }
    let pm = |m: &tasnif::eval::curve::MeanStd| format!("{:.4} ± {:.4}", m.mean, m.std);
    let mut table = vec![header];
    for r in &c.rows {
        let mut row = vec![
            r.size.to_string(),
            format!("{:.1}", r.train_docs),
            r.unlabeled_weight
                .map_or("none".to_string(), |w| format!("EM λ={w}")),
            pm(&r.macro_f1),
        ];
        if let Some(m) = &r.subset_macro_f1 {
            row.push(pm(m));
        }
        row.push(pm(&r.accuracy));
        if c.em.is_some() {
            row.push(if r.unlabeled_weight.is_some() {
                format!("{:.1}", r.em_iterations)
            } else {
                "-".to_string()
            });
        }
        table.push(row);
    }
    let n_cols = table[0].len();
    let widths: Vec<usize> = (0..n_cols)
        .map(|j| table.iter().map(|r| r[j].width()).max().unwrap_or(0))
        .collect();
    for row in &table {
        let cells: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(j, cell)| {
                let pad = widths[j] - cell.width();
                if j == 2 {
                    format!("{cell}{}", " ".repeat(pad))
                } else {
                    format!("{}{cell}", " ".repeat(pad))
                }
            })
            .collect();
        s.push_str(cells.join("  ").trim_end());
        s.push('\n');
    }
    s
}

/// `train --unlabeled`: trains with EM, reporting the unlabeled articles
/// and each iteration on stderr; `None` without `--unlabeled`.
pub fn train(
    opts: &EmOpts,
    data: &LabeledData,
    params: &TrainParams,
    read: &tasnif::corpus::ReadOptions,
) -> anyhow::Result<Option<tasnif::model::Classifier>> {
    let Some(items) = opts.items()? else {
        return Ok(None);
    };
    let (em, weights) = opts.params()?;
    if weights.len() > 1 {
        usage!("train takes one --unlabeled-weight (a list is for eval --learning-curve)");
    }
    tasnif::train::em::check_inputs(data, params, &em)?;
    let pooled = tasnif::train::em::count_pooled(data, &items, params, read)?;
    print_unreadable(&pooled.report);
    note!("unlabeled: {}", describe_unlabeled(&pooled.report));
    let (model, trace) = tasnif::train::em::train_pooled(&pooled, data, params, &em, |step| {
        print_step(step, em.iterations)
    })?;
    if trace.unlabeled_used < pooled.report.kept {
        note!(
            "unlabeled: {} of the {} kept have no term of the vocabulary and were not used",
            pooled.report.kept - trace.unlabeled_used,
            pooled.report.kept
        );
    }
    note!(
        "EM: {} iteration(s) with {} unlabeled articles, λ = {}{}",
        trace.steps.len(),
        trace.unlabeled_used,
        em.unlabeled_weight,
        if trace.converged {
            format!(
                " (converged: no posterior moved by {} or more)",
                em.tolerance
            )
        } else {
            String::new()
        }
    );
    Ok(Some(model))
}
