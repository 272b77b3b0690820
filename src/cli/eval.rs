//! `tasnif eval`.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::time::Instant;

use anyhow::Context;
use clap::{Args, ValueEnum};
use tasnif::atomic::write_atomic;
use tasnif::corpus::{load_labeled, read_groups, read_secondary, LabeledData};
use tasnif::eval::report::{
    render_html, render_markdown, render_terminal_with, DataSource, ModelRef, ReportData,
    ReportOptions, TerminalOptions, CHART_FILES,
};
use tasnif::eval::{
    cross_validate_and_fit_with, cross_validate_with, evaluate_model_with_tags, Folds,
};
use tasnif::model::Classifier;

use super::em::{run_curve, CurveArgs, EmOpts};
use super::progress::Bar;
use super::{GateThreshold, OutputFormat, ReadOpts, TrainOpts};

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Labeled articles (same forms as for train).
    data: PathBuf,
    /// Evaluate this model [default without --cv or --active-learning: $TASNIF_MODEL].
    #[arg(short, long, conflicts_with_all = ["cv", "active_learning"])]
    model: Option<PathBuf>,
    /// Instead of a model, stratified K-fold cross-validation of the training options.
    #[arg(long, value_name = "K", value_parser = clap::value_parser!(u64).range(2..))]
    cv: Option<u64>,
    /// Seed of the fold assignment.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// With --cv: hold out whole groups instead of stratifying (as
    /// scikit-learn's GroupKFold). FILE is a CSV or TSV with a header, a
    /// `path` (or `id`) column and a group column: one group per outlet
    /// estimates how the settings do on an outlet never seen. K = the number
    /// of groups leaves one group out per fold; the report then gives each
    /// group's figures.
    #[arg(
        long,
        value_name = "FILE",
        requires = "cv",
        conflicts_with = "learning_curve"
    )]
    groups: Option<PathBuf>,
    /// The column of --groups that names each document's group [default: group].
    #[arg(long, value_name = "NAME", requires = "groups")]
    group_column: Option<String>,
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
    /// Also write the report to FILE: .html (one self-contained page with
    /// charts) or .md (Markdown; its SVG charts go to the folder STEM_files
    /// beside it).
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,
    /// Overwrite output files that exist: --json, --predictions, and
    /// --report with its chart files.
    #[arg(long)]
    force: bool,
    /// Also score multi-label tags (the chosen label and every label of
    /// probability >= --threshold) against the label and the `secondary`
    /// column of a CSV/TSV manifest: tag precision and recall. Needs a
    /// model (-m, or TASNIF_MODEL).
    #[arg(long)]
    multi: bool,
    /// With --multi: the probability a label needs to be a tag, 0 < P <= 1.
    #[arg(long, value_name = "P", default_value_t = 0.3, requires = "multi")]
    threshold: f64,
    /// Output format: the report as text, or its figures as one JSON
    /// object (those of --json; with --multi, also "tags").
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
    /// Color in the terminal report: auto (when standard output is a
    /// terminal, NO_COLOR is unset or empty and TERM is not dumb), always
    /// or never. The report fits the terminal's width ($COLUMNS when set):
    /// a wider confusion matrix numbers its columns, in blocks if need be.
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto)]
    color: ColorChoice,
    #[command(flatten)]
    opts: TrainOpts,
    #[command(flatten)]
    read: ReadOpts,
    /// With --cv: a learning curve instead of one evaluation — macro-F1
    /// and accuracy when training on at most N labeled articles per label
    /// (--sizes), with and without EM on --unlabeled articles.
    #[arg(long, requires = "cv", conflicts_with_all = ["report", "predictions"])]
    learning_curve: bool,
    /// Sizes of the learning curve: labeled articles per label, or `all` [default: 5,10,20,all].
    #[arg(long, value_name = "N,...", value_delimiter = ',', requires = "learning_curve", value_parser = parse_size)]
    sizes: Vec<tasnif::eval::curve::CurveSize>,
    /// Also give a macro-F1 over these labels only: in the learning curve,
    /// or in the gate section of a model with a none label (the topics
    /// averaged over the topic documents alone; default: every topic).
    #[arg(long, value_name = "LABEL,...", value_delimiter = ',')]
    f1_labels: Vec<String>,
    #[command(flatten)]
    em: EmOpts,
    #[command(flatten)]
    active: ActiveOpts,
}

/// `eval --active-learning`: a simulated person labels what each strategy
/// offers, with DATA's labels as the oracle.
#[derive(Debug, Args)]
pub struct ActiveOpts {
    /// Simulate active learning on DATA (the pool; its labels are the
    /// oracle): the learning curve of each strategy against random
    /// sampling, scored on --test-list (default: a stratified fifth of
    /// DATA, held out with --seed). --seed is the first of --seeds seeds.
    #[arg(long, conflicts_with_all = ["cv", "model", "learning_curve", "multi", "predictions", "groups"])]
    active_learning: bool,
    /// Strategies to measure against random [default: all].
    #[arg(long, value_enum, value_delimiter = ',', requires = "active_learning")]
    strategy: Vec<tasnif::annotate::Strategy>,
    /// Labels before the first retraining (the seed set).
    #[arg(long, default_value_t = 10, requires = "active_learning")]
    start: usize,
    /// Labels between retrainings (and points of the curve).
    #[arg(long, default_value_t = 10, requires = "active_learning")]
    step: usize,
    /// Labels at the end.
    #[arg(long, default_value_t = 500, requires = "active_learning")]
    budget: usize,
    /// Runs per strategy (seeds --seed, --seed + 1, …).
    #[arg(long, default_value_t = 5, requires = "active_learning")]
    seeds: usize,
    /// Train every model with EM on the unlabeled rest of the pool (--em-* settings).
    #[arg(long, requires = "active_learning", group = "em_input")]
    unlabeled_em: bool,
    /// The held-out articles: documents of DATA listed in FILE (relative to DATA).
    #[arg(long, value_name = "FILE", requires = "active_learning")]
    test_list: Option<PathBuf>,
    /// Write the model trained on the labels the first strategy chose at
    /// the budget from --seed (what `annotate export` then `train` give
    /// after the same rounds of `annotate next` and `add`).
    #[arg(long, value_name = "FILE", requires = "active_learning")]
    save_model: Option<PathBuf>,
}

/// `--f1-labels` outside the learning curve: topics of the data, for the
/// gate section of a model (or training settings) with the none label `none`.
fn topic_labels(
    given: &[String],
    none: Option<&str>,
    data: &LabeledData,
) -> anyhow::Result<Option<Vec<String>>> {
    if given.is_empty() {
        return Ok(None);
    }
    let Some(none) = none else {
        anyhow::bail!(
            "--f1-labels chooses the topics of a gated model's figures (--none-label) or of --learning-curve, and there is neither"
        );
    };
    if given.iter().any(|l| l == none) {
        anyhow::bail!("--f1-labels: '{none}' is the none label, not a topic");
    }
    data.labels.check_names(given, "f1-labels")?;
    Ok(Some(given.to_vec()))
}

fn parse_size(s: &str) -> Result<tasnif::eval::curve::CurveSize, String> {
    s.parse().map_err(|e: tasnif::Error| e.to_string())
}

/// When the terminal report is colored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    /// When standard output is a terminal and NO_COLOR is unset or empty.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl ColorChoice {
    /// anstream's choice: under `Auto`, color when standard output is a
    /// terminal, NO_COLOR is unset or empty and TERM is not `dumb`
    /// (CLICOLOR_FORCE forces it).
    fn stream_choice(self) -> anstream::ColorChoice {
        match self {
            ColorChoice::Auto => anstream::ColorChoice::Auto,
            ColorChoice::Always => anstream::ColorChoice::AlwaysAnsi,
            ColorChoice::Never => anstream::ColorChoice::Never,
        }
    }
}

/// The width the terminal report fits: $COLUMNS when it is a positive
/// number, else the width of the terminal standard output is, else none
/// (output to a file or a pipe is not cut).
fn report_width() -> Option<usize> {
    if let Some(n) = std::env::var("COLUMNS")
        .ok()
        .and_then(|v| v.trim().parse::<usize>().ok())
        .filter(|n| *n > 0)
    {
        return Some(n);
    }
    terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| usize::from(w.0))
}

pub fn run(mut a: EvalArgs) -> anyhow::Result<u8> {
    let start = Instant::now();
    if a.model.is_none() && a.cv.is_none() && !a.active.active_learning {
        a.model = std::env::var_os("TASNIF_MODEL")
            .filter(|m| !m.is_empty())
            .map(PathBuf::from);
    }
    // refuse a bad or existing report file before the evaluation runs
    let target = match &a.report {
        Some(p) => Some(ReportTarget::new(p, a.force)?),
        None => None,
    };
    super::check_outputs(a.force, [a.json.as_deref(), a.predictions.as_deref()])?;
    // clap does not enforce `requires = "cv"` beside `-m`'s own rules
    if a.groups.is_some() && a.cv.is_none() {
        usage!("--groups chooses the folds of --cv K, and there is no --cv");
    }
    if a.multi && a.model.is_none() {
        usage!("--multi scores the tags of a model: give -m MODEL");
    }
    if a.em.unlabeled.is_some() && !a.learning_curve {
        usage!("--unlabeled works with --cv K --learning-curve in eval");
    }
    let read = a.read.options();
    if a.active.active_learning {
        return active_learning(&a, &read, start);
    }
    let data = load_labeled(&a.data, a.list.as_deref(), read.encoding)?;
    if let (true, Some(k)) = (a.learning_curve, a.cv) {
        run_curve(CurveArgs {
            data: &data,
            params: &a.opts.params()?,
            em: &a.em,
            folds: k as usize,
            seed: a.seed,
            sizes: &a.sizes,
            f1_labels: &a.f1_labels,
            json: a.json.as_deref(),
            force: a.force,
            format: a.format,
            read: &read,
        })?;
        if a.format == OutputFormat::Text {
            outln!(
                "({} s)",
                format_args!("{:.2}", start.elapsed().as_secs_f64())
            );
        }
        return Ok(0);
    }
    let mut opts = ReportOptions {
        read,
        ..ReportOptions::default()
    };
    let data_path = a.data.display().to_string();
    let list_path = a.list.as_ref().map(|l| l.display().to_string());
    let source = DataSource {
        path: &data_path,
        list: list_path.as_deref(),
    };
    // --multi: the secondary labels of a CSV/TSV manifest, read before the
    // evaluation so that a bad threshold or manifest stops it early
    let secondary = if a.multi {
        if !(a.threshold > 0.0 && a.threshold <= 1.0) {
            usage!("--threshold {} is not a probability in (0, 1]", a.threshold);
        }
        match a.data.extension().and_then(|e| e.to_str()) {
            Some(e) if e.eq_ignore_ascii_case("csv") => {
                read_secondary(&a.data, b',', read.encoding)?
            }
            Some(e) if e.eq_ignore_ascii_case("tsv") => {
                read_secondary(&a.data, b'\t', read.encoding)?
            }
            _ => Default::default(),
        }
    } else {
        Default::default()
    };
    let mut tag_scores = None;
    let (d, ev) = match (&a.model, a.cv) {
        (Some(m), _) => {
            let model = Classifier::load(m)?;
            opts.topic_labels = topic_labels(&a.f1_labels, model.gate().map(|(_, n)| n), &data)?;
            let tags = a.multi.then_some((&secondary, a.threshold));
            let gate_threshold = match a.opts.gate_threshold {
                Some(GateThreshold::Fixed(t)) => Some(t),
                Some(GateThreshold::Auto) | None => None,
            };
            if a.opts.gate_threshold.is_some() && model.gate().is_none() {
                anyhow::bail!(
                    "--gate-threshold applies to a model with a none label (a gate), and {} has none",
                    m.display()
                );
            }
            let (ev, t) = evaluate_model_with_tags(&model, &data, &read, tags, gate_threshold)?;
            tag_scores = t;
            let path = m.display().to_string();
            let mref = ModelRef::File {
                path: &path,
                model: &model,
            };
            let d = ReportData::build(&ev, &data, mref, source, command_line(), &opts);
            (d, ev)
        }
        (None, Some(k)) => {
            let params = a.opts.params()?;
            opts.topic_labels = topic_labels(&a.f1_labels, params.none_label.as_deref(), &data)?;
            let k = k as usize;
            let groups = match &a.groups {
                Some(p) => Some(read_groups(
                    p,
                    a.group_column.as_deref(),
                    &data,
                    read.encoding,
                )?),
                None => None,
            };
            let folds = match &groups {
                Some(g) => Folds::Grouped { k, groups: g },
                None => Folds::Stratified { k, seed: a.seed },
            };
            // the terms of a written report come from a model trained on
            // all the data; the terminal report does without
            let bar = Bar::on_terminal();
            let (ev, full) =
                if target.is_some() || a.json.is_some() || a.format == OutputFormat::Json {
                    let (ev, m) = cross_validate_and_fit_with(&data, &params, &folds, &read, &bar)?;
                    (ev, Some(m))
                } else {
                    let ev = cross_validate_with(&data, &params, &folds, &read, &bar)?;
                    (ev, None)
                };
            drop(bar);
            for n in &ev.notes {
                note!("tasnif: {n}");
            }
            let groups_path = a.groups.as_ref().map(|p| p.display().to_string());
            let mref = ModelRef::CrossValidation {
                folds: k,
                seed: a.seed,
                params: &params,
                full: full.as_ref(),
                groups: groups_path.as_deref().zip(groups.as_ref()),
            };
            let d = ReportData::build(&ev, &data, mref, source, command_line(), &opts);
            (d, ev)
        }
        (None, None) => usage!("give a model (-m MODEL, or TASNIF_MODEL) or --cv K"),
    };
    let secs = start.elapsed().as_secs_f64();
    let json = a.format == OutputFormat::Json;
    if json {
        // the figures of --json, and the tags' under --multi
        let mut v = serde_json::to_value(&d)?;
        if let (Some(t), Some(obj)) = (&tag_scores, v.as_object_mut()) {
            obj.insert("tags".to_string(), serde_json::to_value(t)?);
        }
        outln!("{}", serde_json::to_string_pretty(&v)?);
    } else {
        // rendered in color, which anstream strips when color is off
        let text = render_terminal_with(
            &d,
            &TerminalOptions {
                color: true,
                width: report_width(),
            },
        );
        let mut out = anstream::AutoStream::new(std::io::stdout().lock(), a.color.stream_choice());
        out.write_all(text.as_bytes())?;
        out.flush()?;
    }
    if let Some(path) = &a.json {
        let mut bytes = serde_json::to_vec_pretty(&d)?;
        bytes.push(b'\n');
        write_atomic(path, &bytes, a.force)?;
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
        write_atomic(path, &out, a.force)?;
    }
    if let Some(t) = &target {
        t.write(&d, a.force)?;
        if !json {
            outln!("report: {}", t.main().display());
        }
    }
    if json {
        return Ok(0);
    }
    if let Some(t) = &tag_scores {
        outln!(
            "tags (--multi, threshold {}): precision {:.4}, recall {:.4}, F1 {:.4} ({} tags given, {} true, {} right; {} of {} documents have a secondary label)",
            t.threshold,
            t.precision,
            t.recall,
            t.f1,
            t.tags_given,
            t.tags_true,
            t.tags_right,
            t.with_secondary,
            t.documents
        );
    }
    outln!("({} documents, {secs:.2} s)", d.metrics.documents);
    Ok(0)
}

/// `eval --active-learning`.
fn active_learning(
    a: &EvalArgs,
    read: &tasnif::corpus::ReadOptions,
    start: Instant,
) -> anyhow::Result<u8> {
    use tasnif::annotate::{report, simulate, SimOptions, Strategy};
    if let Some(p) = &a.report {
        let html = p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("html") || e.eq_ignore_ascii_case("htm"));
        anyhow::ensure!(
            html,
            "report file {}: the active-learning report is an .html page",
            p.display()
        );
    }
    super::check_outputs(a.force, [a.active.save_model.as_deref()])?;
    let params = a.opts.params()?;
    let pool_data = load_labeled(&a.data, a.list.as_deref(), read.encoding)?;
    let (pool_data, test) = match &a.active.test_list {
        Some(t) => (pool_data, load_labeled(&a.data, Some(t), read.encoding)?),
        None => hold_out(pool_data, a.seed),
    };
    let (em, _) = a.em.params()?;
    let opts = SimOptions {
        strategies: if a.active.strategy.is_empty() {
            Strategy::ALL.to_vec()
        } else {
            a.active.strategy.clone()
        },
        start: a.active.start,
        step: a.active.step,
        budget: a.active.budget,
        seeds: a.active.seeds,
        seed: a.seed,
        em: a.active.unlabeled_em.then_some(em),
        ..SimOptions::default()
    };
    let r = simulate(&pool_data, &test, &params, &opts, read)?;
    out!("{}", report::render_text(&r));
    if let Some(p) = &a.json {
        let mut bytes = serde_json::to_vec_pretty(&r)?;
        bytes.push(b'\n');
        write_atomic(p, &bytes, true)?;
    }
    if let Some(p) = &a.report {
        write_atomic(p, report::render_html(&r).as_bytes(), a.force)?;
        outln!("report: {}", p.display());
    }
    if let Some(p) = &a.active.save_model {
        let strategy = opts.strategies()[0];
        let chosen = tasnif::annotate::chosen_labels(&pool_data, &params, &opts, strategy, read)?;
        let data = LabeledData::from_pairs(
            chosen
                .into_iter()
                .map(|(d, l)| (pool_data.items[d].clone(), l))
                .collect(),
        );
        let model = tasnif::train::train(&data, &params, read)?;
        model.save(p, a.force)?;
        outln!(
            "model: {} ({strategy}, seed {}, {} labels)",
            p.display(),
            a.seed,
            data.len()
        );
    }
    outln!("({:.2} s)", start.elapsed().as_secs_f64());
    Ok(0)
}

/// A stratified fifth of `data` held out with `seed` (the first of five
/// stratified folds), and the rest.
fn hold_out(data: LabeledData, seed: u64) -> (LabeledData, LabeledData) {
    let fold = tasnif::eval::stratified_folds(&data.targets, data.labels.len(), 5, seed);
    let (mut pool, mut test) = (Vec::new(), Vec::new());
    for (i, item) in data.items.into_iter().enumerate() {
        let label = data.labels.name(data.targets[i]).to_string();
        if fold[i] == 0 {
            test.push((item, label));
        } else {
            pool.push((item, label));
        }
    }
    (LabeledData::from_pairs(pool), LabeledData::from_pairs(test))
}

/// A report file to write, checked before the evaluation runs.
enum ReportTarget {
    Html(PathBuf),
    /// The Markdown file, the folder of its charts, and that folder's name
    /// as the Markdown links to it.
    Markdown(PathBuf, PathBuf, String),
}

impl ReportTarget {
    /// # Errors
    /// An extension other than .html/.htm/.md/.markdown, a folder that
    /// does not exist, or (without `force`) a report file that exists.
    fn new(path: &Path, force: bool) -> anyhow::Result<ReportTarget> {
        let ext = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        let target = match ext.as_deref() {
            Some("html" | "htm") => ReportTarget::Html(path.to_path_buf()),
            Some("md" | "markdown") => {
                let stem = path
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| "report".to_string());
                let name = format!("{stem}_files");
                let dir = match path.parent() {
                    Some(p) if !p.as_os_str().is_empty() => p.join(&name),
                    _ => PathBuf::from(&name),
                };
                ReportTarget::Markdown(path.to_path_buf(), dir, name)
            }
            _ => usage!(
                "report file {}: unknown extension (expected .html or .md)",
                path.display()
            ),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            if !dir.is_dir() {
                anyhow::bail!(
                    "report file {}: the folder {} does not exist",
                    path.display(),
                    dir.display()
                );
            }
        }
        super::check_outputs(force, target.paths().iter().map(|p| Some(p.as_path())))?;
        Ok(target)
    }

    fn main(&self) -> &Path {
        match self {
            ReportTarget::Html(p) | ReportTarget::Markdown(p, _, _) => p,
        }
    }

    /// Every file the report writes.
    fn paths(&self) -> Vec<PathBuf> {
        match self {
            ReportTarget::Html(p) => vec![p.clone()],
            ReportTarget::Markdown(p, dir, _) => {
                let mut v = vec![p.clone()];
                v.extend(CHART_FILES.iter().map(|f| dir.join(f)));
                v
            }
        }
    }

    /// Writes the report, each file atomically; the Markdown last, once its charts are there.
    fn write(&self, d: &ReportData, force: bool) -> anyhow::Result<()> {
        match self {
            ReportTarget::Html(p) => write_atomic(p, render_html(d).as_bytes(), force)?,
            ReportTarget::Markdown(p, dir, name) => {
                let md = render_markdown(d, name);
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("{}: cannot create the folder", dir.display()))?;
                for (file, svg) in &md.files {
                    write_atomic(&dir.join(file), svg.as_bytes(), force)?;
                }
                write_atomic(p, md.markdown.as_bytes(), force)?;
            }
        }
        Ok(())
    }
}

/// The command line as given, each argument quoted for a POSIX shell when it needs it.
fn command_line() -> String {
    std::env::args_os()
        .map(|a| shell_quote(&a.to_string_lossy()))
        .collect::<Vec<_>>()
        .join(" ")
}

fn shell_quote(a: &str) -> String {
    let plain = !a.is_empty()
        && a.chars().all(|c| {
            c.is_alphanumeric()
                || matches!(c, '_' | '-' | '.' | '/' | ':' | '=' | ',' | '@' | '%' | '+')
        });
    if plain {
        a.to_string()
    } else {
        format!("'{}'", a.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn arguments_are_quoted_only_when_needed() {
        assert_eq!(shell_quote("--list"), "--list");
        assert_eq!(shell_quote("a b"), "'a b'");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("تصنيف/x.txt"), "تصنيف/x.txt");
    }

    #[test]
    fn report_extensions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let md = dir.path().join("r.md");
        match ReportTarget::new(&md, false).expect("md") {
            ReportTarget::Markdown(_, d, name) => {
                assert_eq!(name, "r_files");
                assert_eq!(d, dir.path().join("r_files"));
            }
            ReportTarget::Html(_) => panic!("md taken for html"),
        }
        assert!(matches!(
            ReportTarget::new(&dir.path().join("r.HTML"), false),
            Ok(ReportTarget::Html(_))
        ));
        let e = ReportTarget::new(&dir.path().join("r.pdf"), false)
            .err()
            .expect("pdf refused")
            .to_string();
        assert!(
            e.contains("r.pdf") && e.contains("unknown extension"),
            "{e}"
        );
        std::fs::write(&md, "x").expect("write");
        let e = ReportTarget::new(&md, false).err().expect("exists");
        let kind = e.downcast_ref::<tasnif::Error>().map(|e| e.kind());
        assert!(matches!(kind, Some(tasnif::ErrorKind::OutputExists)), "{e}");
        assert!(ReportTarget::new(&md, true).is_ok());
    }
}
