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
mod bench;
mod em;
mod eval;
mod inspect;
mod label;
mod output;
mod train;
mod tune;

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use tasnif::corpus::{Encoding, ReadOptions};
use tasnif::features::Weighting;
use tasnif::nb::{NbKind, Priors, RefineKind};
use tasnif::text::StemmerKind;
use tasnif::train::{TrainOverrides, TrainParams};

const AFTER_HELP: &str = "Examples:
  tasnif label seeds/                       label articles with the bundled cyber-topics model
  tasnif train corpus/ -o news.tasnif       train on a folder with one sub-folder per topic
  tasnif eval test/ -m news.tasnif          evaluate a model on labeled articles
  tasnif eval corpus/ --cv 5                cross-validate the training settings
  tasnif inspect news.tasnif                show a model's settings and top terms";

/// tasnif (تصنيف): tag Arabic news articles with topics.
#[derive(Debug, Parser)]
#[command(name = "tasnif", version, about, after_help = AFTER_HELP)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Train a model on labeled articles.
    #[command(after_help = "Examples:
  tasnif train corpus/ -o news.tasnif
  tasnif train ../shared/data/ant-multisource --list ../shared/data/ant-multisource/split/train.txt -o /tmp/a.tasnif
  tasnif train labels.csv -o cyber.tasnif --stemmer snowball --nb multinomial --alpha 0.1
  tasnif train labels.csv -o cyber.tasnif --unlabeled archive/ --unlabeled-weight 0.01   semi-supervised (EM)")]
    Train(train::TrainArgs),
    /// Label articles with a model (one record per article).
    #[command(after_help = "Examples:
  tasnif label seeds/                               bundled model, JSON lines on stdout
  tasnif label archive/ -m news.tasnif -o out.csv --format csv -j 2
  echo '{\"id\":\"a1\",\"text\":\"...\"}' | tasnif label - --top-k 3 --explain 5")]
    Label(label::LabelArgs),
    /// Evaluate a model on labeled articles, or cross-validate training settings.
    #[command(after_help = "Examples:
  tasnif eval ../shared/data/ant-multisource -m /tmp/a.tasnif --list ../shared/data/ant-multisource/split/test.txt
  tasnif eval corpus/ --cv 5 --seed 42 --json cv.json
  tasnif eval test/ -m news.tasnif --report report.html     one self-contained page with charts
  tasnif eval test/ -m news.tasnif --report report.md       Markdown, charts in report_files/
  tasnif eval labels.csv --cv 5 --learning-curve --unlabeled archive/ --unlabeled-weight 0.01,0.1")]
    Eval(Box<eval::EvalArgs>),
    /// Search training settings by cross-validation; write the best to a config file.
    #[command(after_help = "Examples:
  tasnif tune ../shared/data/ant-multisource --list ../shared/data/ant-multisource/split/train.txt --cv 5
  tasnif train ../shared/data/ant-multisource --list ../shared/data/ant-multisource/split/train.txt --config tasnif-tune.json -o news.tasnif")]
    Tune(tune::TuneArgs),
    /// Measure train and label speed and memory on a corpus and its split.
    #[command(after_help = "Examples:
  tasnif bench                                   the reference split in $TASNIF_DATA or ../shared/data
  tasnif bench corpus/ --train-list a.txt --test-list b.txt --runs 3 --json bench.json")]
    Bench(bench::BenchArgs),
    #[command(hide = true)]
    BenchOp(bench::BenchOpArgs),
    /// Label articles worth labeling first: a project file, the next articles, a web page.
    #[command(after_help = "Examples:
  tasnif annotate init news.db --pool archive/ --labels economy,sports,politics
  tasnif annotate serve news.db                  the labeling page on http://127.0.0.1:8765/
  tasnif annotate next news.db -n 5              or from the shell: the next articles as JSON lines
  tasnif annotate add news.db --id archive/0001.txt --label sports
  tasnif annotate stats news.db
  tasnif train news.db -o news.tasnif             train on the labels so far")]
    Annotate(annotate::AnnotateArgs),
    /// Show a model's settings, labels, training summary and top terms.
    #[command(after_help = "Example:
  tasnif inspect news.tasnif --top-terms 20")]
    Inspect(inspect::InspectArgs),
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

/// Parses the command line (exits with a usage message on bad arguments).
pub fn parse() -> Cli {
    Cli::parse()
}

/// Runs a parsed command; returns the process exit code.
pub fn run(cli: Cli) -> anyhow::Result<u8> {
    match cli.command {
        Command::Train(a) => train::run(a),
        Command::Label(a) => label::run(a),
        Command::Eval(a) => eval::run(*a),
        Command::Inspect(a) => inspect::run(a),
        Command::Annotate(a) => annotate::run(a),
        Command::Bench(a) => bench::run(a),
        Command::Tune(a) => tune::run(a),
        Command::BenchOp(a) => bench::run_op(a),
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
