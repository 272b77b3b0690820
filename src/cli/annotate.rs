//! `tasnif annotate`: init, next, add, skip, undo, export, stats, serve.

use std::io::{BufRead, IsTerminal};
use std::net::{IpAddr, SocketAddr, TcpListener};
use std::path::{Path, PathBuf};

use anyhow::Context;
use clap::{Args, Subcommand};
use serde::Serialize;
use tasnif::annotate::estimate::{estimate, Estimate};
use tasnif::annotate::store::{cohen_kappa, sha256_hex, Doc, InitOptions, Project};
use tasnif::annotate::web::{ServeOptions, Workbench};
use tasnif::annotate::{rank, NextOptions, Pool, PoolModel, Strategy};
use tasnif::atomic::write_atomic;
use tasnif::train::TrainParams;

use super::ReadOpts;

#[derive(Debug, Args)]
pub struct AnnotateArgs {
    #[command(subcommand)]
    command: AnnotateCommand,
}

#[derive(Debug, Subcommand)]
enum AnnotateCommand {
    /// Create a project (one SQLite file) for a pool of articles and a label set.
    #[command(after_help = super::help::ANNOTATE_INIT)]
    Init(InitArgs),
    /// Print the next articles worth labeling, as JSON lines.
    #[command(after_help = super::help::ANNOTATE_NEXT)]
    Next(NextArgs),
    /// Label an article (or many: `add DB -` reads id,label CSV or JSON lines).
    #[command(after_help = super::help::ANNOTATE_ADD)]
    Add(AddArgs),
    /// Skip an article: it is not offered again.
    Skip(SkipArgs),
    /// Undo an annotator's latest label or skip.
    Undo(UndoArgs),
    /// Write the labels as a manifest that `tasnif train` reads.
    #[command(after_help = super::help::ANNOTATE_EXPORT)]
    Export(ExportArgs),
    /// Labels per label and annotator, cross-validated macro-F1, learning curve, Cohen's kappa.
    Stats(StatsArgs),
    /// Serve the labeling page (loopback only unless --host says otherwise).
    #[command(after_help = super::help::ANNOTATE_SERVE)]
    Serve(ServeArgs),
}

#[derive(Debug, Args)]
struct InitArgs {
    /// The project file to create (SQLite).
    db: PathBuf,
    /// Articles: folders (every *.txt below), files, or .jsonl files (text, optional id).
    #[arg(long, num_args = 1.., required = true, value_name = "PATH")]
    pool: Vec<PathBuf>,
    /// The label set, comma-separated (keys 1-9 on the page follow this order).
    #[arg(long, value_delimiter = ',', required = true, value_name = "A,B,...")]
    labels: Vec<String>,
    /// The label of articles about none of the topics (added to the labels if missing).
    #[arg(long, value_name = "LABEL")]
    none_label: Option<String>,
    /// Keep a copy of each article's text in the project (by default only ids and hashes).
    #[arg(long)]
    store_text: bool,
    /// Words that mark a label, to find its first articles: LABEL=WORDS (repeatable).
    #[arg(long, value_name = "LABEL=WORDS")]
    seed_terms: Vec<String>,
    #[command(flatten)]
    read: ReadOpts,
}

#[derive(Debug, Args)]
struct NextArgs {
    db: PathBuf,
    /// How many articles.
    #[arg(short = 'n', default_value_t = 1)]
    n: usize,
    /// How to rank once a model can be trained.
    #[arg(long, value_enum, default_value_t = Strategy::Uncertainty)]
    strategy: Strategy,
    /// Seed of the clustering, the committee and the random order.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Seed terms for this call, LABEL=WORDS (repeatable; default: those given at init).
    #[arg(long, value_name = "LABEL=WORDS")]
    seed_terms: Vec<String>,
}

#[derive(Debug, Args)]
struct AddArgs {
    db: PathBuf,
    /// `-`: read id,label CSV (a header row is optional) or JSON lines on standard input.
    #[arg(value_name = "-")]
    stdin: Option<String>,
    /// The article's id (as `next` prints it).
    #[arg(long, required_unless_present = "stdin", conflicts_with = "stdin")]
    id: Option<String>,
    /// Its label.
    #[arg(long, required_unless_present = "stdin", conflicts_with = "stdin")]
    label: Option<String>,
    /// Who labels [default: $USER, else anonymous].
    #[arg(long)]
    annotator: Option<String>,
    /// A free-text note.
    #[arg(long)]
    note: Option<String>,
}

#[derive(Debug, Args)]
struct SkipArgs {
    db: PathBuf,
    /// The article's id.
    #[arg(long)]
    id: String,
    /// Who skips [default: $USER, else anonymous].
    #[arg(long)]
    annotator: Option<String>,
    /// A free-text note (why).
    #[arg(long)]
    note: Option<String>,
}

#[derive(Debug, Args)]
struct UndoArgs {
    db: PathBuf,
    /// Whose latest action [default: $USER, else anonymous].
    #[arg(long)]
    annotator: Option<String>,
}

#[derive(Debug, Args)]
struct ExportArgs {
    db: PathBuf,
    /// Write to FILE (atomically) instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// Write id,text,label (the texts inline) even when every article is a file.
    #[arg(long)]
    with_text: bool,
    /// Overwrite FILE if it exists.
    #[arg(long)]
    force: bool,
}

#[derive(Debug, Args)]
struct StatsArgs {
    db: PathBuf,
    /// Folds of the cross-validation (fewer when a label has fewer articles).
    #[arg(long, default_value_t = 5)]
    cv: usize,
    /// Seed of the folds.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Also write the figures as JSON to FILE.
    #[arg(long, value_name = "FILE")]
    json: Option<PathBuf>,
}

#[derive(Debug, Args)]
struct ServeArgs {
    db: PathBuf,
    /// Address to listen on; anything but loopback lets others on the network label.
    #[arg(long, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port (0: any free port).
    #[arg(long, default_value_t = 8765)]
    port: u16,
    /// How to rank once a model can be trained.
    #[arg(long, value_enum, default_value_t = Strategy::Uncertainty)]
    strategy: Strategy,
    /// Seed of the clustering, the committee and the random order.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Retrain in the background after this many new labels.
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..))]
    retrain_every: u64,
}

pub fn run(a: AnnotateArgs) -> anyhow::Result<u8> {
    match a.command {
        AnnotateCommand::Init(a) => init(a),
        AnnotateCommand::Next(a) => next(a),
        AnnotateCommand::Add(a) => add(a),
        AnnotateCommand::Skip(a) => skip(a),
        AnnotateCommand::Undo(a) => undo(a),
        AnnotateCommand::Export(a) => export(a),
        AnnotateCommand::Stats(a) => stats(a),
        AnnotateCommand::Serve(a) => serve(a),
    }
}

/// True when `path` is an SQLite file (so `tasnif train` reads it as a project).
pub fn is_project_file(path: &Path) -> bool {
    use std::io::Read;
    let mut head = [0u8; 16];
    path.is_file()
        && std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut head))
            .is_ok()
        && &head == b"SQLite format 3\0"
}

fn default_annotator(given: Option<String>) -> String {
    given
        .or_else(|| std::env::var("USER").ok())
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "anonymous".to_string())
}

fn parse_seed_terms(given: &[String]) -> anyhow::Result<Vec<(String, String)>> {
    given
        .iter()
        .map(|s| match s.split_once('=') {
            Some((l, w)) if !l.trim().is_empty() && !w.trim().is_empty() => {
                Ok((l.trim().to_string(), w.trim().to_string()))
            }
            _ => anyhow::bail!("--seed-terms {s:?}: expected LABEL=WORDS"),
        })
        .collect()
}

fn init(a: InitArgs) -> anyhow::Result<u8> {
    let opts = InitOptions {
        pool: a.pool,
        labels: a.labels,
        none_label: a.none_label,
        store_text: a.store_text,
        read: a.read.options(),
        seed_terms: parse_seed_terms(&a.seed_terms)?,
    };
    let (_, r) = Project::init(&a.db, &opts)?;
    if r.created {
        outln!(
            "{}: {} articles, labels {} (label set 1)",
            a.db.display(),
            r.articles,
            r.labels.join(", ")
        );
    } else if r.labels_changed {
        outln!(
            "{}: label set {} is now {}",
            a.db.display(),
            r.label_set_version,
            r.labels.join(", ")
        );
    } else {
        outln!(
            "{}: already a project with these labels ({}); nothing changed",
            a.db.display(),
            r.labels.join(", ")
        );
    }
    for (id, m) in &r.unreadable {
        warn!("tasnif: {id}: {m} (kept out of the choice)");
    }
    Ok(if r.unreadable.is_empty() { 0 } else { 2 })
}

/// The project's pool, read and analyzed, with the articles that changed
/// since `init` (or cannot be read) kept out and reported on stderr.
fn load_pool(project: &Project, params: &TrainParams) -> anyhow::Result<(Pool, Vec<Doc>)> {
    let docs = project.docs()?;
    let items: Vec<_> = docs.iter().map(|d| d.item.clone()).collect();
    let pool =
        Pool::build_checked(
            &items,
            &[],
            params,
            &project.read_options(),
            |i, text| match &docs[i].sha256 {
                Some(h) if *h == sha256_hex(text) => Ok(()),
                Some(_) => Err("content changed since the project was created".to_string()),
                None => Err("could not be read when the project was created".to_string()),
            },
        )?;
    let bad = pool.unreadable();
    if !bad.is_empty() {
        let changed = bad
            .iter()
            .filter(|(_, m)| m.contains("changed since"))
            .count();
        warn!(
            "tasnif: {} of {} articles are not offered ({changed} changed since init, {} unreadable):",
            bad.len(),
            pool.len(),
            bad.len() - changed
        );
        for (_, m) in bad.iter().take(10) {
            warn!("  {m}");
        }
        if bad.len() > 10 {
            warn!("  … and {} more", bad.len() - 10);
        }
    }
    Ok((pool, docs))
}

#[derive(Serialize)]
struct NextRecord<'a> {
    id: &'a str,
    label: Option<&'a str>,
    probability: Option<f64>,
    score: f64,
    reason: String,
    excerpt: String,
}

/// The first `n` characters of a text, white space folded.
fn excerpt(text: &str, n: usize) -> String {
    let mut s = String::new();
    for w in text.split_whitespace() {
        if s.chars().count() >= n {
            s.push('…');
            break;
        }
        if !s.is_empty() {
            s.push(' ');
        }
        s.push_str(w);
    }
    s
}

fn next(a: NextArgs) -> anyhow::Result<u8> {
    anyhow::ensure!(a.n >= 1, "-n must be at least 1");
    let project = Project::open(&a.db)?;
    let params = TrainParams::new();
    let (pool, docs) = load_pool(&project, &params)?;
    let state = project.state()?;
    let labeled = state.labeled();
    let mut taken = state.taken(pool.len());
    for (d, _) in project.leases()? {
        if let Some(t) = taken.get_mut(d) {
            *t = true;
        }
    }
    let seed_terms = if a.seed_terms.is_empty() {
        project.seed_terms().to_vec()
    } else {
        parse_seed_terms(&a.seed_terms)?
    };
    for (l, _) in &seed_terms {
        anyhow::ensure!(
            project.labels().contains(l),
            "--seed-terms: '{l}' is not a label of the project ({})",
            project.labels().join(", ")
        );
    }
    let model = PoolModel::fit(
        &pool,
        &labeled,
        a.strategy == Strategy::Committee,
        None,
        a.seed,
    )?;
    let opts = NextOptions {
        strategy: a.strategy,
        seed: a.seed,
        labels: project.labels().to_vec(),
        seed_terms: seed_terms
            .iter()
            .map(|(l, w)| (l.clone(), pool.analyze(w)))
            .collect(),
    };
    let read = project.read_options();
    let picks = rank(&pool, model.as_ref(), &labeled, &taken, &opts, a.n);
    if picks.is_empty() {
        warn!("tasnif: every article is labeled, skipped or leased");
    }
    for s in picks {
        let doc = &docs[s.doc];
        let text = doc
            .item
            .text(&read)
            .map(|t| excerpt(&t, 200))
            .unwrap_or_default();
        let rec = NextRecord {
            id: &doc.id,
            label: s.label.as_deref(),
            probability: s.probability,
            score: s.score,
            reason: s.reason.to_string(),
            excerpt: text,
        };
        outln!("{}", serde_json::to_string(&rec)?);
    }
    Ok(0)
}

fn add(a: AddArgs) -> anyhow::Result<u8> {
    let annotator = default_annotator(a.annotator);
    let mut project = Project::open(&a.db)?;
    match a.stdin.as_deref() {
        None => {
            let (id, label) = (a.id.unwrap_or_default(), a.label.unwrap_or_default());
            let doc = project.doc_of(&id)?;
            let act = project.act(doc, Some(&label), &annotator, a.note.as_deref())?;
            outln!("{} → {} ({}, #{})", act.id, label, act.annotator, act.seq);
            Ok(0)
        }
        Some("-") => {
            if std::io::stdin().is_terminal() {
                warn!("tasnif: reading id,label rows (or JSON lines) from standard input; Ctrl-D ends");
            }
            let mut rows = Vec::new();
            let mut bad = 0;
            let stdin = std::io::stdin();
            for (i, line) in stdin.lock().lines().enumerate() {
                let line = line.context("reading standard input")?;
                let n = i + 1;
                match parse_row(&line, n, project.labels()) {
                    Ok(None) => {}
                    Ok(Some((id, label))) => match project.doc_of(&id) {
                        Ok(d) => rows.push((d, Some(label))),
                        Err(e) => {
                            warn!("tasnif: stdin: line {n}: {e}");
                            bad += 1;
                        }
                    },
                    Err(m) => {
                        warn!("tasnif: stdin: line {n}: {m}");
                        bad += 1;
                    }
                }
            }
            let done = project.act_many(&rows, &annotator)?;
            outln!("{done} labels added ({annotator}); {bad} lines refused");
            Ok(if bad > 0 { 2 } else { 0 })
        }
        Some(other) => {
            anyhow::bail!("unexpected argument {other:?} (give - to read standard input)")
        }
    }
}

/// One line of `add -`: `None` for a blank line or the header.
fn parse_row(line: &str, n: usize, labels: &[String]) -> Result<Option<(String, String)>, String> {
    let t = line.trim();
    if t.is_empty() || (n == 1 && t.replace(' ', "") == "id,label") {
        return Ok(None);
    }
    let (id, label) = if t.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(t).map_err(|e| format!("not JSON: {e}"))?;
        let get = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_string);
        match (get("id"), get("label")) {
            (Some(i), Some(l)) => (i, l),
            _ => return Err("a JSON line needs string fields id and label".into()),
        }
    } else {
        let mut r = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(t.as_bytes());
        let rec = r
            .records()
            .next()
            .ok_or("an empty row")?
            .map_err(|e| e.to_string())?;
        match (rec.get(0), rec.get(1), rec.len()) {
            (Some(i), Some(l), 2) => (i.trim().to_string(), l.trim().to_string()),
            _ => return Err(format!("expected id,label, got {} fields", rec.len())),
        }
    };
    if !labels.contains(&label) {
        return Err(format!(
            "'{label}' is not in the label set ({})",
            labels.join(", ")
        ));
    }
    Ok(Some((id, label)))
}

fn skip(a: SkipArgs) -> anyhow::Result<u8> {
    let annotator = default_annotator(a.annotator);
    let mut project = Project::open(&a.db)?;
    let doc = project.doc_of(&a.id)?;
    let act = project.act(doc, None, &annotator, a.note.as_deref())?;
    outln!("{} skipped ({}, #{})", act.id, act.annotator, act.seq);
    Ok(0)
}

fn undo(a: UndoArgs) -> anyhow::Result<u8> {
    let annotator = default_annotator(a.annotator);
    let mut project = Project::open(&a.db)?;
    match project.undo(&annotator)? {
        Some(act) => {
            outln!(
                "undone: {} {} ({}, #{})",
                act.id,
                act.label
                    .as_deref()
                    .map_or("(skip)".to_string(), |l| format!("→ {l}")),
                act.annotator,
                act.seq
            );
            Ok(0)
        }
        None => {
            warn!("tasnif: {annotator} has nothing to undo");
            Ok(1)
        }
    }
}

fn export(a: ExportArgs) -> anyhow::Result<u8> {
    let project = Project::open(&a.db)?;
    let (bytes, rows) = project.export(a.with_text)?;
    match &a.output {
        Some(p) => {
            write_atomic(p, &bytes, a.force)?;
            warn!("tasnif: {rows} labels written to {}", p.display());
        }
        None => {
            use std::io::Write;
            std::io::stdout().lock().write_all(&bytes)?;
        }
    }
    Ok(0)
}

#[derive(Serialize)]
struct Kappa {
    annotators: (String, String),
    articles: usize,
    kappa: Option<f64>,
}

#[derive(Serialize)]
struct StatsReport {
    project: String,
    labels: Vec<String>,
    label_set_version: i64,
    articles: usize,
    labeled: usize,
    skipped: usize,
    relabels: usize,
    undone: usize,
    per_label: Vec<(String, usize)>,
    per_annotator: Vec<(String, usize)>,
    estimate: Option<Estimate>,
    kappa: Vec<Kappa>,
}

fn stats(a: StatsArgs) -> anyhow::Result<u8> {
    let project = Project::open(&a.db)?;
    let docs = project.docs()?;
    let state = project.state()?;
    let labeled = state.labeled();
    let mut per_label: Vec<(String, usize)> =
        project.labels().iter().map(|l| (l.clone(), 0)).collect();
    let mut per_annotator: std::collections::BTreeMap<String, usize> = Default::default();
    let mut skipped = 0;
    for act in state.latest.values() {
        match &act.label {
            Some(l) => {
                if let Some(e) = per_label.iter_mut().find(|(x, _)| x == l) {
                    e.1 += 1;
                }
                *per_annotator.entry(act.annotator.clone()).or_default() += 1;
            }
            None => skipped += 1,
        }
    }
    let items: Vec<_> = docs.iter().map(|d| d.item.clone()).collect();
    let est = estimate(
        &items,
        &labeled,
        &TrainParams::new(),
        a.cv,
        a.seed,
        &project.read_options(),
    )?;
    // Cohen's κ for every pair of annotators with articles in common
    let mut by_doc: std::collections::BTreeMap<usize, Vec<(&str, &str)>> = Default::default();
    for ((d, who), l) in &state.by_annotator {
        by_doc
            .entry(*d)
            .or_default()
            .push((who.as_str(), l.as_str()));
    }
    let mut pairs: std::collections::BTreeMap<(String, String), Vec<(String, String)>> =
        Default::default();
    for v in by_doc.values() {
        for i in 0..v.len() {
            for j in i + 1..v.len() {
                let ((a1, l1), (a2, l2)) = if v[i].0 < v[j].0 {
                    (v[i], v[j])
                } else {
                    (v[j], v[i])
                };
                pairs
                    .entry((a1.to_string(), a2.to_string()))
                    .or_default()
                    .push((l1.to_string(), l2.to_string()));
            }
        }
    }
    let kappa: Vec<Kappa> = pairs
        .into_iter()
        .map(|(who, ls)| {
            let refs: Vec<(&str, &str)> =
                ls.iter().map(|(x, y)| (x.as_str(), y.as_str())).collect();
            Kappa {
                annotators: who,
                articles: ls.len(),
                kappa: cohen_kappa(&refs),
            }
        })
        .collect();
    let r = StatsReport {
        project: a.db.display().to_string(),
        labels: project.labels().to_vec(),
        label_set_version: project.label_set_version(),
        articles: docs.len(),
        labeled: labeled.len(),
        skipped,
        relabels: state.relabels,
        undone: state.undone,
        per_label,
        per_annotator: per_annotator.into_iter().collect(),
        estimate: est,
        kappa,
    };
    outln!(
        "{}: {} of {} articles labeled, {} skipped ({} relabels, {} undone); label set {} ({})",
        r.project,
        r.labeled,
        r.articles,
        r.skipped,
        r.relabels,
        r.undone,
        r.label_set_version,
        r.labels.join(", ")
    );
    outln!("\nper label:");
    for (l, n) in &r.per_label {
        outln!("  {l:<20} {n:>6}");
    }
    outln!("\nper annotator:");
    for (w, n) in &r.per_annotator {
        outln!("  {w:<20} {n:>6}");
    }
    match &r.estimate {
        Some(e) => {
            outln!(
                "\nmacro-F1 of a model of these labels: {:.4} ± {:.4} ({}-fold cross-validation; accuracy {:.4} ± {:.4})",
                e.macro_f1.mean,
                e.macro_f1.std,
                e.folds,
                e.accuracy.mean,
                e.accuracy.std
            );
            if !e.left_out.is_empty() {
                outln!(
                    "left out (fewer than {} articles): {}",
                    tasnif::annotate::estimate::MIN_PER_LABEL,
                    e.left_out.join(", ")
                );
            }
            outln!("\nlearning curve (labeled articles per fold → macro-F1):");
            for p in &e.curve {
                outln!(
                    "  {:>8.1}  {:.4} ± {:.4}",
                    p.labels,
                    p.macro_f1.mean,
                    p.macro_f1.std
                );
            }
        }
        None => outln!(
            "\nno estimate yet: it needs two labels with {} articles each",
            tasnif::annotate::estimate::MIN_PER_LABEL
        ),
    }
    if !r.kappa.is_empty() {
        outln!("\nagreement (Cohen's kappa on articles both labeled):");
        for k in &r.kappa {
            outln!(
                "  {} / {}: {} over {} articles",
                k.annotators.0,
                k.annotators.1,
                k.kappa
                    .map_or("undefined".to_string(), |x| format!("{x:.3}")),
                k.articles
            );
        }
    }
    if let Some(p) = &a.json {
        let mut bytes = serde_json::to_vec_pretty(&r)?;
        bytes.push(b'\n');
        write_atomic(p, &bytes, true)?;
    }
    Ok(0)
}

fn serve(a: ServeArgs) -> anyhow::Result<u8> {
    let project = Project::open(&a.db)?;
    let opts = ServeOptions {
        strategy: a.strategy,
        seed: a.seed,
        retrain_every: a.retrain_every as usize,
        ..ServeOptions::default()
    };
    let (pool, docs) = load_pool(&project, &opts.params)?;
    let listener = TcpListener::bind(SocketAddr::new(a.host, a.port))
        .with_context(|| format!("cannot listen on {}:{}", a.host, a.port))?;
    let addr = listener.local_addr()?;
    let bench = Workbench::new(project, pool, docs, opts)?;
    if !a.host.is_loopback() {
        warn!(
            "tasnif: listening on {} — anyone who can reach it can label",
            a.host
        );
    }
    let host = match addr.ip() {
        IpAddr::V6(ip) => format!("[{ip}]"),
        ip => ip.to_string(),
    };
    outln!(
        "serving {} at http://{host}:{}/",
        a.db.display(),
        addr.port()
    );
    bench.run(listener)?;
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_of_add_are_csv_or_json() {
        let labels = ["a".to_string(), "b".to_string()];
        assert_eq!(parse_row("id,label", 1, &labels), Ok(None));
        assert_eq!(
            parse_row("x.txt,a", 2, &labels),
            Ok(Some(("x.txt".into(), "a".into())))
        );
        assert_eq!(
            parse_row("\"x,y.txt\",b", 2, &labels),
            Ok(Some(("x,y.txt".into(), "b".into())))
        );
        assert_eq!(
            parse_row(r#"{"id":"z","label":"b"}"#, 3, &labels),
            Ok(Some(("z".into(), "b".into())))
        );
        assert!(parse_row("x.txt,c", 2, &labels)
            .unwrap_err()
            .contains("'c'"));
        assert!(parse_row("x.txt", 2, &labels).is_err());
        assert!(parse_row("{\"id\":1}", 2, &labels).is_err());
        assert_eq!(parse_row("  ", 5, &labels), Ok(None));
    }

    #[test]
    fn excerpts_are_cut_and_folded() {
        assert_eq!(excerpt("a\n\n b  c", 100), "a b c");
        assert_eq!(excerpt("aaaa bbbb cccc", 4), "aaaa…");
    }
}
