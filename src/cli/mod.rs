//! Command-line interface: argument definitions and dispatch. Every command
//! is a thin layer over the library.

/// `println!` that returns an error instead of panicking when stdout is
/// closed (a pipe into `head`, say); `main` treats a broken pipe as success.
macro_rules! outln {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($t)*)?;
    }};
}

/// `print!` that returns an error instead of panicking (see `outln!`).
macro_rules! out {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($t)*)?;
    }};
}

/// `eprintln!` that ignores a failed write: a message that cannot be shown
/// (standard error on a full disk or a closed pipe) must not stop the work.
macro_rules! warn {
    ($($t:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stderr(), $($t)*);
    }};
}

mod annotate;
/// [`warn!`] for what is not an error (a summary, a note, a step of the
/// work): left out under `-q`.
macro_rules! note {
    ($($t:tt)*) => {{
        if !$crate::cli::quiet() {
            warn!($($t)*);
        }
    }};
}

/// Returns a [`Usage`] error (exit code 64) from the enclosing function.
macro_rules! usage {
    ($($t:tt)*) => {
        return Err($crate::cli::Usage(format!($($t)*)).into())
    };
}

mod bench;
mod docs;
mod em;
mod eval;
mod help;
mod inspect;
mod label;
mod output;
mod progress;
mod serve;
mod train;
mod tune;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use tasnif::corpus::{Encoding, ReadOptions};
use tasnif::features::Weighting;
use tasnif::nb::{NbKind, Priors, RefineKind};
use tasnif::text::StemmerKind;
use tasnif::train::{TrainOverrides, TrainParams};

/// The process exit codes, in the style of ripgrep (and of BSD's
/// sysexits.h for usage errors), listed at the end of every `--help`.
pub mod exit {
    /// Everything asked was done.
    pub const SUCCESS: u8 = 0;
    /// An error stopped the command; its outputs were not written.
    pub const ERROR: u8 = 1;
    /// Some inputs failed (each has a record with its error); the others were labeled.
    pub const PARTIAL: u8 = 2;
    /// The command line is wrong: an unknown option, a bad value, options
    /// that do not go together (EX_USAGE).
    pub const USAGE: u8 = 64;
}

/// tasnif (تصنيف): tag Arabic news articles with topics.
#[derive(Debug, Parser)]
#[command(name = "tasnif", version, propagate_version = true, about, after_help = help::TOP)]
pub struct Cli {
    /// Print nothing on stderr but errors (no progress, no summaries).
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Say more on stderr: -v the time of each training stage, -vv more.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Train a model on labeled articles.
    #[command(after_help = help::TRAIN)]
    Train(train::TrainArgs),
    /// Label articles with a model (one record per article).
    #[command(after_help = help::LABEL)]
    Label(label::LabelArgs),
    /// Evaluate a model on labeled articles, or cross-validate training settings.
    #[command(after_help = help::EVAL)]
    Eval(Box<eval::EvalArgs>),
    /// Search training settings by cross-validation; write the best to a config file.
    #[command(after_help = help::TUNE)]
    Tune(tune::TuneArgs),
    /// Measure train and label speed and memory on a corpus and its split.
    #[command(after_help = help::BENCH)]
    Bench(bench::BenchArgs),
    #[command(hide = true)]
    BenchOp(bench::BenchOpArgs),
    /// Label articles worth labeling first: a project file, the next articles, a web page.
    #[command(after_help = help::ANNOTATE)]
    Annotate(annotate::AnnotateArgs),
    /// Show a model's settings, labels, training summary and top terms.
    #[command(after_help = help::INSPECT)]
    Inspect(inspect::InspectArgs),
    /// Print a shell completion script.
    #[command(after_help = help::COMPLETIONS)]
    Completions(docs::CompletionsArgs),
    /// Print a manual page (roff), or write them all into a folder.
    #[command(after_help = help::MAN)]
    Man(docs::ManArgs),
    /// Label articles sent over HTTP (POST /v1/label), as they arrive.
    #[command(after_help = help::SERVE)]
    Serve(serve::ServeArgs),
}

/// Training options shared by `train`, `eval --cv`, `tune` and `bench`.
/// A flag given on the command line overrides `--config`; what neither sets
/// takes the default (see `TrainParams::new`).
#[derive(Debug, Clone, Default, Args)]
pub struct TrainOpts {
    /// Training settings from a JSON file (as `tasnif tune` writes); flags given here override it.
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
    /// Stemmer [default: none].
    #[arg(long, value_enum)]
    stemmer: Option<StemmerKind>,
    /// Longest word n-gram, 1 (words) or 2 (words and word pairs) [default: 1].
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=2))]
    ngrams: Option<u8>,
    /// Keep terms found in at least N training documents [default: 1].
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    min_df: Option<u32>,
    /// Drop terms found in more than this fraction of training documents, 0 < F <= 1 [default: 1].
    #[arg(long)]
    max_df: Option<f64>,
    /// Keep only the N most frequent terms [default: all].
    #[arg(long)]
    max_features: Option<usize>,
    /// Keep only the K terms with the largest chi-squared statistic against the labels, or `all` [default: 20000].
    #[arg(long, value_name = "K|all", value_parser = parse_chi2)]
    chi2: Option<Chi2>,
    /// The label of documents about none of the topics (e.g. none): train a
    /// gate that tells it from the other labels, and the topic model on the
    /// rest [default: no such label].
    #[arg(long, value_name = "LABEL")]
    none_label: Option<String>,
    /// With --none-label: the gate's class priors. Uniform finds more topic
    /// articles and raises more false alarms [default: fitted].
    #[arg(long, value_enum, value_name = "PRIORS")]
    gate_priors: Option<Priors>,
    /// With --none-label: the probability of any topic (1 − P(none)) an
    /// article needs to get a topic, 0 < P < 1, or `auto`: the threshold of
    /// best F1 on out-of-fold probabilities of the training documents
    /// [default: auto]. With eval -m: replaces the model's threshold.
    #[arg(long, value_name = "auto|P", value_parser = parse_gate_threshold)]
    gate_threshold: Option<GateThreshold>,
    /// With --none-label: the fewest Arabic terms (after stopwords) an
    /// article needs, Arabic being at least half its terms, for the gate to
    /// weigh it; with fewer it is the none label [default: 3].
    #[arg(long, value_name = "N")]
    gate_min_terms: Option<usize>,
    /// With --none-label: the record field that gives the probability of
    /// any of the topics (e.g. cyber) [default: topic].
    #[arg(long, value_name = "NAME")]
    gate_name: Option<String>,
    /// Feature weighting [default: tfidf].
    #[arg(long, value_enum)]
    weighting: Option<Weighting>,
    /// Naive Bayes kind [default: multinomial].
    #[arg(long, value_enum)]
    nb: Option<NbKind>,
    /// Smoothing alpha, > 0 [default: 0.03].
    #[arg(long)]
    alpha: Option<f64>,
    /// Use uniform class priors instead of fitted ones (multinomial NB).
    #[arg(long)]
    uniform_priors: bool,
    /// Rennie's weight normalization (complement NB).
    #[arg(long)]
    weight_norm: bool,
    /// Refine the naive Bayes weights (of the model, or of a gated model's
    /// topic stage) with an averaged perceptron that scores each training
    /// article leave-one-out [default: perceptron, when every label has at
    /// least --refine-min-docs articles].
    #[arg(long, value_enum, value_name = "KIND")]
    refine: Option<RefineKind>,
    /// The perceptron's passes over the training articles, ≥ 1 [default: 3].
    #[arg(long, value_name = "N")]
    refine_epochs: Option<u32>,
    /// Update when the true label beats the runner-up by no more than this
    /// (log-likelihood units), ≥ 0 [default: 5].
    #[arg(long, value_name = "M")]
    refine_margin: Option<f64>,
    /// The size of one update, > 0 [default: 1].
    #[arg(long, value_name = "ETA")]
    refine_step: Option<f64>,
    /// Scale an article's updates by (n / (K·n_label))^B, so that large
    /// labels do not drown small ones, ≥ 0 [default: 0.25].
    #[arg(long, value_name = "B")]
    refine_balance: Option<f64>,
    /// Seed of the perceptron's order of articles [default: 0].
    #[arg(long, value_name = "SEED")]
    refine_seed: Option<u64>,
    /// Refine only when every label has at least N training articles (with
    /// fewer, the perceptron lowered macro-F1 on the reference corpus's
    /// learning curve); 0 always refines [default: 150].
    #[arg(long, value_name = "N")]
    refine_min_docs: Option<u64>,
    /// With --none-label: refine the gate's weights too (its other settings
    /// come from gate_refine in the --config file, or the defaults)
    /// [default: none].
    #[arg(long, value_enum, value_name = "KIND")]
    gate_refine: Option<RefineKind>,
    /// Replace a term frequency tf by 1 + ln(tf) (the default is raw tf).
    #[arg(long, conflicts_with = "no_sublinear_tf")]
    sublinear_tf: bool,
    /// Keep raw term frequencies (the default; overrides a config file).
    #[arg(long)]
    no_sublinear_tf: bool,
    /// Do not scale vectors to unit length.
    #[arg(long)]
    no_l2_norm: bool,
    /// Keep ة distinct from ه (by default ة is folded to ه).
    #[arg(long)]
    keep_teh_marbuta: bool,
}

/// `--gate-threshold`: chosen at training, or fixed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GateThreshold {
    Auto,
    Fixed(f64),
}

fn parse_gate_threshold(s: &str) -> Result<GateThreshold, String> {
    if s == "auto" {
        return Ok(GateThreshold::Auto);
    }
    match s.parse::<f64>() {
        Ok(p) if p > 0.0 && p < 1.0 => Ok(GateThreshold::Fixed(p)),
        _ => Err(format!(
            "expected `auto` or a probability strictly between 0 and 1, got `{s}`"
        )),
    }
}

/// `--chi2`: a number of terms to keep, or all of them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chi2 {
    All,
    Keep(usize),
}

fn parse_chi2(s: &str) -> Result<Chi2, String> {
    if s == "all" {
        return Ok(Chi2::All);
    }
    match s.parse::<usize>() {
        Ok(0) | Err(_) => Err(format!(
            "expected a number of terms ≥ 1 or `all`, got `{s}`"
        )),
        Ok(k) => Ok(Chi2::Keep(k)),
    }
}

impl TrainOpts {
    /// The library's training parameters: the defaults, or `--config`, with
    /// the flags given on top (`tasnif::train::TrainOverrides`, as Python's
    /// keyword arguments are).
    ///
    /// # Errors
    /// The config file cannot be read or is invalid, or a flag is.
    pub fn params(&self) -> anyhow::Result<TrainParams> {
        let sublinear_tf = match (self.sublinear_tf, self.no_sublinear_tf) {
            (true, _) => Some(true),
            (_, true) => Some(false),
            _ => None,
        };
        let o = TrainOverrides {
            stemmer: self.stemmer,
            keep_teh_marbuta: self.keep_teh_marbuta,
            ngrams: self.ngrams,
            min_df: self.min_df,
            max_df: self.max_df,
            max_features: self.max_features,
            chi2: self.chi2.map(|c| match c {
                Chi2::All => None,
                Chi2::Keep(k) => Some(k),
            }),
            none_label: self.none_label.clone(),
            gate_priors: self.gate_priors,
            gate_threshold: self.gate_threshold.map(|t| match t {
                GateThreshold::Auto => None,
                GateThreshold::Fixed(p) => Some(p),
            }),
            gate_min_terms: self.gate_min_terms,
            gate_name: self.gate_name.clone(),
            weighting: self.weighting,
            sublinear_tf,
            l2_norm: self.no_l2_norm.then_some(false),
            nb: self.nb,
            alpha: self.alpha,
            uniform_priors: self.uniform_priors,
            weight_norm: self.weight_norm,
            refine: self.refine,
            refine_epochs: self.refine_epochs,
            refine_margin: self.refine_margin,
            refine_step: self.refine_step,
            refine_balance: self.refine_balance,
            refine_seed: self.refine_seed,
            refine_min_docs: self.refine_min_docs,
            gate_refine: self.gate_refine,
        };
        Ok(o.params(self.config.as_deref())?)
    }
}

/// What the command line adds to a library error: the option that would
/// change the outcome. The library's messages name no option (a Python user
/// reads them too); the command line adds these where it prints an error.
pub fn hint(e: &tasnif::Error) -> Option<&'static str> {
    use tasnif::ErrorKind as K;
    match e.kind() {
        K::Utf16WithoutBom { .. } => Some("--encoding utf-16 reads it"),
        K::UnknownEncoding { .. } => {
            Some("--encoding windows-1256 or --encoding utf-16 reads it as one")
        }
        K::TooLarge { .. } => Some("--max-bytes raises the limit"),
        K::OutputExists => Some("pass --force to overwrite it"),
        K::NoGate { .. } => Some("give --none-label LABEL, or none_label in the --config file"),
        _ => None,
    }
}

/// How `inspect`, `train` and `eval` print their results on standard output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// For people: aligned text.
    Text,
    /// For programs: one JSON object (pretty-printed), nothing else on standard output.
    Json,
}

/// How `inspect` names the model embedded in the binary.
pub const BUNDLED_MODEL: &str = "(bundled cyber-topics model)";

/// The model at `path` (from `-m`, or `TASNIF_MODEL`, which clap reads
/// into the same option), else the bundled one.
///
/// # Errors
/// The model file cannot be read or is not a valid model.
pub fn load_model(path: Option<&std::path::Path>) -> anyhow::Result<tasnif::model::Classifier> {
    use anyhow::Context;
    match path {
        Some(p) => Ok(tasnif::model::Classifier::load(p)?),
        None => tasnif::model::Classifier::from_bytes(tasnif::DEFAULT_MODEL)
            .context("the bundled model"),
    }
}

/// The widest of `names` in terminal columns (Arabic letters take one,
/// their combining marks none, wide CJK characters two); at least 5.
pub fn max_width<'a>(names: impl IntoIterator<Item = &'a str>) -> usize {
    use unicode_width::UnicodeWidthStr;
    names.into_iter().map(|n| n.width()).max().unwrap_or(5)
}

/// `s` padded with spaces to `width` terminal columns.
pub fn pad_right(s: &str, width: usize) -> String {
    use unicode_width::UnicodeWidthStr;
    format!("{s}{}", " ".repeat(width.saturating_sub(s.width())))
}

/// The one overwrite rule of every output file (`-o`, `--json`,
/// `--predictions`, `--report`): a file that exists is replaced only with
/// `--force`. Checked before any work, so that a long run does not fail at
/// its end; each write checks again. `-` (standard output) is not a file.
///
/// # Errors
/// Without `force`, the first of `paths` that exists (a dangling link
/// included), as the library's [`tasnif::ErrorKind::OutputExists`], which
/// the command line prints with its hint.
pub fn check_outputs<'a>(
    force: bool,
    paths: impl IntoIterator<Item = Option<&'a std::path::Path>>,
) -> anyhow::Result<()> {
    if force {
        return Ok(());
    }
    for p in paths.into_iter().flatten() {
        if p.as_os_str() != "-" && std::fs::symlink_metadata(p).is_ok() {
            return Err(tasnif::Error::at(p, tasnif::ErrorKind::OutputExists).into());
        }
    }
    Ok(())
}

/// `e` as the command line prints it on standard error: with its hint.
pub fn with_hint(e: &tasnif::Error) -> String {
    match hint(e) {
        Some(h) => format!("{e} ({h})"),
        None => e.to_string(),
    }
}

/// Options for reading documents.
#[derive(Debug, Clone, Args)]
pub struct ReadOpts {
    /// Largest article in bytes; larger ones are reported as errors.
    #[arg(long, default_value_t = tasnif::corpus::DEFAULT_MAX_BYTES)]
    max_bytes: u64,
    /// Encoding of article files (and of CSV/TSV manifests).
    #[arg(long, value_enum, default_value = "auto")]
    encoding: Encoding,
}

impl ReadOpts {
    /// The library's read options.
    pub fn options(&self) -> ReadOptions {
        ReadOptions {
            max_bytes: self.max_bytes,
            encoding: self.encoding,
        }
    }
}

/// Parses the command line. On a bad one, prints clap's message and gives
/// [`exit::USAGE`]; `--help` and `--version` print and give [`exit::SUCCESS`].
pub fn parse() -> Result<Cli, u8> {
    Cli::try_parse().map_err(|e| {
        // nothing more to do if the message cannot be written
        let _ = e.print();
        if e.use_stderr() {
            exit::USAGE
        } else {
            exit::SUCCESS
        }
    })
}

/// A wrong command line found after parsing (options that do not go
/// together, a value clap cannot check): printed as an error, exit code
/// [`exit::USAGE`] like clap's own usage errors.
#[derive(Debug)]
pub struct Usage(pub String);

impl std::fmt::Display for Usage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Usage {}

/// True when `e` is a usage error (exit code [`exit::USAGE`]).
pub fn is_usage(e: &anyhow::Error) -> bool {
    e.chain().any(|c| c.is::<Usage>())
}

static QUIET: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// True under `-q`: print nothing on stderr but errors.
pub fn quiet() -> bool {
    QUIET.load(std::sync::atomic::Ordering::Relaxed)
}

/// Where the library's `tracing` events go: stderr, warnings and errors
/// by default, only errors under `-q`, debug events (the time of each
/// training stage) with `-v`, everything with `-vv`.
fn init_logging(quiet: bool, verbose: u8) {
    use tracing_subscriber::filter::LevelFilter;
    let level = match (quiet, verbose) {
        (true, _) => LevelFilter::ERROR,
        (false, 0) => LevelFilter::WARN,
        (false, 1) => LevelFilter::DEBUG,
        (false, _) => LevelFilter::TRACE,
    };
    // a second subscriber (never in practice) would only be refused
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_max_level(level)
        .with_timer(tracing_subscriber::fmt::time::uptime())
        .try_init();
}

/// Runs a parsed command; returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    QUIET.store(cli.quiet, std::sync::atomic::Ordering::Relaxed);
    if !matches!(cli.command, Command::Serve(_)) {
        // the service sets up its own logs (text or JSON, requests at info)
        init_logging(cli.quiet, cli.verbose);
    }
    match cli.command {
        Command::Train(a) => train::run(a),
        Command::Label(a) => label::run(a),
        Command::Eval(a) => eval::run(*a),
        Command::Inspect(a) => inspect::run(a),
        Command::Annotate(a) => annotate::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Tune(a) => tune::run(a),
        Command::BenchOp(a) => bench::run_op(a),
        Command::Completions(a) => docs::completions(a),
        Command::Man(a) => docs::man(a),
        Command::Serve(a) => serve::run(a),
    }
}

impl Cli {
    /// Whether the command handles SIGINT, SIGTERM and SIGHUP itself (the
    /// service drains and reloads), rather than [`exit_on_signals`].
    pub fn handles_signals(&self) -> bool {
        matches!(self.command, Command::Serve(_))
    }
}

/// On Ctrl-C (SIGINT), SIGTERM or SIGHUP: removes the temporary files of
/// the outputs being written (see `tasnif::atomic::interrupt`), so that no
/// half-written model or output is left and any previous file stays as it
/// was, then exits with 128 + the signal number (130 for Ctrl-C).
pub fn exit_on_signals() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
        let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGINT, SIGTERM, SIGHUP]) else {
            return; // the default actions stay: still no partial target, only a stray temporary file
        };
        std::thread::spawn(move || {
            if let Some(sig) = signals.forever().next() {
                let targets = tasnif::atomic::interrupt();
                if targets.is_empty() {
                    warn!("tasnif: interrupted");
                }
                for t in targets {
                    warn!(
                        "tasnif: interrupted; {} not written (a previous file is left as it was)",
                        t.display()
                    );
                }
                std::process::exit(128 + sig);
            }
        });
    }
}

/// True when `e` is a closed output pipe (`tasnif label | head`), which is not an error.
pub fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_line_defaults_are_the_library_defaults() {
        let cli = Cli::parse_from(["tasnif", "train", "data", "-o", "m"]);
        let Command::Train(t) = cli.command else {
            panic!("parsed as another command")
        };
        assert_eq!(t.opts().params().expect("defaults"), TrainParams::new());
    }
}
