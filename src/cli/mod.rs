//! Command-line interface: argument definitions and dispatch. Every command
//! is a thin layer over the library.

mod bench;
mod eval;
mod inspect;
mod label;
mod output;
mod train;

use clap::{Args, Parser, Subcommand, ValueEnum};
use tasnif::features::{VectorizerParams, Weighting};
use tasnif::model::TrainParams;
use tasnif::nb::{NbKind, NbParams, Priors};
use tasnif::text::{AnalyzerConfig, StemmerKind};

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
  tasnif train labels.csv -o cyber.tasnif --stemmer snowball --nb multinomial --alpha 0.1")]
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
  tasnif eval corpus/ --cv 5 --seed 42 --json cv.json")]
    Eval(eval::EvalArgs),
    /// Measure train and label speed and memory on a corpus and its split.
    #[command(after_help = "Examples:
  tasnif bench                                   the reference split in $TASNIF_DATA or ../shared/data
  tasnif bench corpus/ --train-list a.txt --test-list b.txt --runs 3 --json bench.json")]
    Bench(bench::BenchArgs),
    #[command(hide = true)]
    BenchOp(bench::BenchOpArgs),
    /// Show a model's settings, labels, training summary and top terms.
    #[command(after_help = "Example:
  tasnif inspect news.tasnif --top-terms 20")]
    Inspect(inspect::InspectArgs),
}

/// Stemmer choices on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StemmerArg {
    /// Larkey et al.'s Light10 light stemmer.
    Light10,
    /// Snowball Arabic (rust-stemmers).
    Snowball,
    /// No stemming.
    None,
}

/// Weighting choices on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum WeightingArg {
    /// TF-IDF (smooth idf).
    Tfidf,
    /// Raw counts.
    Counts,
}

/// Naive Bayes choices on the command line.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum NbArg {
    /// Multinomial naive Bayes.
    Multinomial,
    /// Complement naive Bayes (Rennie et al. 2003).
    Complement,
}

/// Training options shared by `train` and `eval --cv`.
#[derive(Debug, Clone, Args)]
pub struct TrainOpts {
    /// Stemmer.
    #[arg(long, value_enum, default_value = "none")]
    stemmer: StemmerArg,
    /// Longest word n-gram (1 = words, 2 = words and word pairs).
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u8).range(1..=2))]
    ngrams: u8,
    /// Keep terms found in at least N training documents.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    min_df: u32,
    /// Drop terms found in more than this fraction of training documents (0 < F <= 1).
    #[arg(long, default_value_t = 1.0)]
    max_df: f64,
    /// Keep only the N most frequent terms.
    #[arg(long)]
    max_features: Option<usize>,
    /// Feature weighting.
    #[arg(long, value_enum, default_value = "tfidf")]
    weighting: WeightingArg,
    /// Naive Bayes kind.
    #[arg(long, value_enum, default_value = "complement")]
    nb: NbArg,
    /// Smoothing alpha (> 0).
    #[arg(long, default_value_t = 0.1)]
    alpha: f64,
    /// Use uniform class priors instead of fitted ones (multinomial NB).
    #[arg(long)]
    uniform_priors: bool,
    /// Rennie's weight normalization (complement NB).
    #[arg(long)]
    weight_norm: bool,
    /// Keep raw term frequencies instead of 1 + ln(tf).
    #[arg(long)]
    no_sublinear_tf: bool,
    /// Do not scale vectors to unit length.
    #[arg(long)]
    no_l2_norm: bool,
    /// Keep ة distinct from ه (by default ة is folded to ه).
    #[arg(long)]
    keep_teh_marbuta: bool,
}

impl TrainOpts {
    /// The library's training parameters for these options.
    pub fn params(&self) -> TrainParams {
        let mut analyzer = AnalyzerConfig {
            stemmer: match self.stemmer {
                StemmerArg::Light10 => StemmerKind::Light10,
                StemmerArg::Snowball => StemmerKind::Snowball,
                StemmerArg::None => StemmerKind::None,
            },
            ..AnalyzerConfig::default()
        };
        analyzer.normalize.fold_teh_marbuta = !self.keep_teh_marbuta;
        let vectorizer = VectorizerParams {
            ngram_max: self.ngrams,
            min_df: self.min_df,
            max_df: self.max_df,
            max_features: self.max_features,
            weighting: match self.weighting {
                WeightingArg::Tfidf => Weighting::TfIdf,
                WeightingArg::Counts => Weighting::Counts,
            },
            sublinear_tf: !self.no_sublinear_tf,
            l2_norm: !self.no_l2_norm,
        };
        let nb = NbParams::new()
            .kind(match self.nb {
                NbArg::Multinomial => NbKind::Multinomial,
                NbArg::Complement => NbKind::Complement,
            })
            .alpha(self.alpha)
            .priors(if self.uniform_priors {
                Priors::Uniform
            } else {
                Priors::Fitted
            })
            .weight_norm(self.weight_norm);
        TrainParams {
            analyzer,
            vectorizer,
            nb,
            min_docs_per_label: 2,
        }
    }
}

/// The command-line arguments that reproduce `opts` (for child processes).
pub fn train_opts_args(o: &TrainOpts) -> Vec<String> {
    let v = |e: &dyn ValueEnumName| e.name();
    let mut a = vec![
        "--stemmer".to_string(),
        v(&o.stemmer),
        "--ngrams".into(),
        o.ngrams.to_string(),
        "--min-df".into(),
        o.min_df.to_string(),
        "--max-df".into(),
        o.max_df.to_string(),
        "--weighting".into(),
        v(&o.weighting),
        "--nb".into(),
        v(&o.nb),
        "--alpha".into(),
        o.alpha.to_string(),
    ];
    if let Some(n) = o.max_features {
        a.extend(["--max-features".into(), n.to_string()]);
    }
    for (on, flag) in [
        (o.uniform_priors, "--uniform-priors"),
        (o.weight_norm, "--weight-norm"),
        (o.no_sublinear_tf, "--no-sublinear-tf"),
        (o.no_l2_norm, "--no-l2-norm"),
        (o.keep_teh_marbuta, "--keep-teh-marbuta"),
    ] {
        if on {
            a.push(flag.into());
        }
    }
    a
}

/// The command-line spelling of a value-enum choice.
trait ValueEnumName {
    fn name(&self) -> String;
}

impl<T: ValueEnum> ValueEnumName for T {
    fn name(&self) -> String {
        self.to_possible_value()
            .map_or_else(String::new, |p| p.get_name().to_string())
    }
}

/// Options for reading documents.
#[derive(Debug, Clone, Args)]
pub struct ReadOpts {
    /// Largest article in bytes; larger ones are reported as errors.
    #[arg(long, default_value_t = tasnif::corpus::DEFAULT_MAX_BYTES)]
    max_bytes: u64,
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
        Command::Eval(a) => eval::run(a),
        Command::Inspect(a) => inspect::run(a),
        Command::Bench(a) => bench::run(a),
        Command::BenchOp(a) => bench::run_op(a),
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
        assert_eq!(t.opts().params(), TrainParams::new());
    }
}
