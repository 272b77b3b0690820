//! The evaluation report. Every figure is computed once, into
//! [`ReportData`]; the renderers — terminal text ([`render_terminal`]), one
//! self-contained HTML page with inline SVG charts ([`render_html`]),
//! Markdown with the SVG charts as separate files ([`render_markdown`]) and
//! JSON (serde) — only format those figures, with the precisions of [`fmt`],
//! so the four always show the same numbers.
//!
//! ```
//! use tasnif::eval::report::{calibration, fmt};
//! use tasnif::eval::Outcome;
//! let o = |p: f64, right: bool| Outcome {
//!     index: 0,
//!     truth: "a".into(),
//!     predicted: if right { "a".into() } else { "b".into() },
//!     probability: p,
//!     gate: None,
//! };
//! let c = calibration(&[o(0.95, true), o(0.95, false), o(0.55, true)], 10);
//! assert_eq!(c.bins[9].count, 2);
//! assert_eq!(fmt::metric(c.ece), "0.4500"); // (2·|0.5 − 0.95| + |1 − 0.55|) / 3
//! ```

mod html;
mod markdown;
mod svg;
mod terminal;

use serde::Serialize;

use super::gate::{gate_summary, GateSummary};
use super::groups::{group_figures, GroupsSection};
use super::{mean_std, Evaluation, Outcome, Report};
use crate::corpus::LabeledData;
use crate::features::VectorizerParams;
use crate::model::Classifier;
use crate::nb::NbValidParams;
use crate::text::AnalyzerConfig;
use crate::train::TrainParams;
use linfa::ParamGuard;

pub use html::render_html;
pub use markdown::{render_markdown, MarkdownReport, CHART_FILES};
pub use terminal::render_terminal;

/// How each kind of figure is written, in every rendering: one precision per
/// kind of figure.
pub mod fmt {
    /// Accuracy, precision, recall, F1 (and their mean and standard
    /// deviation over folds), expected calibration error: 4 decimals.
    pub fn metric(x: f64) -> String {
        format!("{x:.4}")
    }

    /// A share of a true label's documents (error rates, row-normalized
    /// confusion cells): a percentage with 1 decimal.
    pub fn percent(share: f64) -> String {
        format!("{:.1}%", 100.0 * share)
    }

    /// A predicted probability, and a calibration bin's mean confidence and
    /// accuracy: 3 decimals.
    pub fn probability(p: f64) -> String {
        format!("{p:.3}")
    }

    /// A term's weight: 3 decimals (as `tasnif inspect` prints them).
    pub fn weight(w: f64) -> String {
        format!("{w:.3}")
    }
}

/// How much the report shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportOptions {
    /// Most confused (true, predicted) pairs listed. Default 5.
    pub confused_pairs: usize,
    /// Example articles per confused pair. Default 3.
    pub examples_per_pair: usize,
    /// Most indicative terms per label. Default 10.
    pub top_terms: usize,
    /// Equal-width probability bins of the reliability diagram. Default 10; at least 1.
    pub calibration_bins: usize,
    /// How an example's article is read for its first line.
    pub read: crate::corpus::ReadOptions,
    /// For a model with a none label: the topics whose F1 the gate
    /// section averages. Default: every topic with documents.
    pub topic_labels: Option<Vec<String>>,
}

impl Default for ReportOptions {
    fn default() -> Self {
        ReportOptions {
            confused_pairs: 5,
            examples_per_pair: 3,
            top_terms: 10,
            calibration_bins: 10,
            read: crate::corpus::ReadOptions::default(),
            topic_labels: None,
        }
    }
}

/// Where the predictions came from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "mode", rename_all = "kebab-case")]
pub enum Origin {
    /// A trained model, tested on the data.
    Model {
        /// The model file, as given.
        path: String,
    },
    /// Stratified K-fold cross-validation of training settings on the data.
    CrossValidation {
        /// K.
        folds: usize,
        /// Seed of the fold assignment (stratified folds).
        seed: u64,
        /// For folds that hold out whole groups: the groups file, as given.
        #[serde(skip_serializing_if = "Option::is_none")]
        groups: Option<String>,
    },
}

/// Mean and standard deviation of one headline figure over folds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FigureStats {
    /// The figure's key, as in [`HEADLINE`].
    pub figure: String,
    /// Mean over folds.
    pub mean: f64,
    /// Population standard deviation over folds.
    pub std: f64,
}

/// One wrong prediction target of a true label.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ErrorShare {
    /// The label predicted instead.
    pub predicted: String,
    /// Documents of the true label predicted so.
    pub count: u64,
    /// That count over the true label's documents.
    pub share: f64,
}

/// What a true label's documents were wrongly classified as, most frequent first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelErrors {
    /// The true label.
    pub label: String,
    /// Its documents.
    pub support: u64,
    /// The wrong predictions, by count (descending), then label name.
    pub errors: Vec<ErrorShare>,
}

/// An article of a confused pair.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Example {
    /// The document's id (its path as listed, or the manifest's id).
    pub id: String,
    /// Its first non-empty line, at most 120 characters.
    pub first_line: String,
    /// The probability the model gave the (wrong) predicted label.
    pub probability: f64,
}

/// A (true, predicted) pair of labels that the model confuses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConfusedPair {
    /// True label.
    pub truth: String,
    /// Predicted label.
    pub predicted: String,
    /// Documents of `truth` predicted as `predicted`.
    pub count: u64,
    /// That count over the documents of `truth`.
    pub share: f64,
    /// The most confidently wrong of them (highest probability first).
    pub examples: Vec<Example>,
}

/// One bin of the reliability diagram.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CalibrationBin {
    /// Lower bound of the predicted probability (inclusive).
    pub lower: f64,
    /// Upper bound (exclusive, except 1 for the last bin).
    pub upper: f64,
    /// Documents whose predicted probability falls in the bin.
    pub count: u64,
    /// Their mean predicted probability (`None` for an empty bin).
    pub confidence: Option<f64>,
    /// The share of them predicted right (`None` for an empty bin).
    pub accuracy: Option<f64>,
}

/// Calibration of the predicted label's probability.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Calibration {
    /// Equal-width bins over [0, 1].
    pub bins: Vec<CalibrationBin>,
    /// Expected calibration error: Σ (bin documents / documents) · |accuracy − confidence|.
    pub ece: f64,
}

/// A term and its weight.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TermWeight {
    /// The term (a stem, or a word when the model does not stem; word pairs are joined by a space).
    pub term: String,
    /// Its weight for the label above the mean over labels.
    pub weight: f64,
}

/// A label's most indicative terms.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelTerms {
    /// The label.
    pub label: String,
    /// Its terms, highest weight first.
    pub terms: Vec<TermWeight>,
}

/// The most indicative terms per label, and which model they come from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TopTerms {
    /// Which model the terms are from, in words.
    pub source: String,
    /// One entry per label of that model.
    pub labels: Vec<LabelTerms>,
}

/// Documents of one label in the data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LabelCount {
    /// The label.
    pub label: String,
    /// Its documents.
    pub documents: u64,
}

/// What was evaluated.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DataSummary {
    /// The data as given on the command line.
    pub path: String,
    /// The list file that selected the documents, if any.
    pub list: Option<String>,
    /// Documents evaluated.
    pub documents: u64,
    /// Documents per label of the data.
    pub labels: Vec<LabelCount>,
    /// Labels of the data that the model does not know (all its documents count as errors).
    pub unknown_to_model: Vec<String>,
}

/// One model setting.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Setting {
    /// Its name, as in the config file or `tasnif inspect`.
    pub name: String,
    /// Its value.
    pub value: String,
}

/// The settings of the model (or of the training in cross-validation).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ModelSummary {
    /// Where the settings come from, in words.
    pub source: String,
    /// Analyzer, features and naive Bayes settings, then facts of the fitted model.
    pub settings: Vec<Setting>,
}

/// Every figure of an evaluation report, computed once. Serialized, it is
/// what `tasnif eval --json` writes: the pooled metrics at the top level (as
/// [`Report`] has them), then the rest.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportData {
    /// Accuracy, averages, per-label figures and the confusion matrix (pooled over folds).
    #[serde(flatten)]
    pub metrics: Report,
    /// For cross-validation, each fold's figures.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub folds: Vec<Report>,
    /// Model or cross-validation.
    pub origin: Origin,
    /// For cross-validation, mean and std over folds of each [`HEADLINE`] figure.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fold_stats: Vec<FigureStats>,
    /// The confusion matrix with each row divided by its sum (0 for an empty row).
    pub row_normalized: Vec<Vec<f64>>,
    /// Per true label, what its documents were wrongly classified as.
    pub misclassified: Vec<LabelErrors>,
    /// The most confused pairs, with example articles.
    pub confused_pairs: Vec<ConfusedPair>,
    /// Reliability of the predicted probabilities.
    pub calibration: Calibration,
    /// For a model with a none label: the gate's figures, and the topics'
    /// on the topic documents alone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gate: Option<GateSummary>,
    /// For cross-validation holding out whole groups: each group's figures.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub groups: Option<GroupsSection>,
    /// The most indicative terms per label, when a model was at hand.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub top_terms: Option<TopTerms>,
    /// The data evaluated.
    pub data: DataSummary,
    /// The model's settings.
    pub model: ModelSummary,
    /// The command line that produced the report (not serialized: the same
    /// figures from two command lines give the same JSON).
    #[serde(skip)]
    pub command: String,
}

/// The gate section's sentences, in plain text (every rendering shows them).
pub fn gate_lines(g: &GateSummary) -> [String; 3] {
    [
        format!(
            "topic documents kept: {} of {} (recall {}); \"{}\" documents given a topic: {} of {}",
            g.topic_kept,
            g.topic_documents,
            fmt::metric(g.topic_recall),
            g.none_label,
            g.false_alarms,
            g.none_documents
        ),
        format!(
            "\"{}\": precision {}, recall {}",
            g.none_label,
            fmt::metric(g.none_precision),
            fmt::metric(g.none_recall)
        ),
        format!(
            "among the {} topic documents alone (an answer of \"{}\" is a miss of the topic; the \"{}\" documents do not count):",
            g.topic_documents, g.none_label, g.none_label
        ),
    ]
}

/// The per-group table, as plain cells (every rendering shows these): the
/// header, one row per group, and the row of means over the groups.
pub fn group_table(g: &GroupsSection) -> (Vec<String>, Vec<Vec<String>>) {
    let gated = g.mean_gate.is_some();
    let header: Vec<String> = if gated {
        [
            "group",
            "documents",
            "topic documents",
            "flags",
            "precision",
            "recall",
            "flags per 1000",
            "topic macro-F1",
        ]
        .iter()
        .map(|h| h.to_string())
        .collect()
    } else {
        ["group", "documents", "accuracy", "macro-F1"]
            .iter()
            .map(|h| h.to_string())
            .collect()
    };
    let mut rows: Vec<Vec<String>> = g
        .groups
        .iter()
        .map(|f| match &f.gate {
            Some(s) => vec![
                f.group.clone(),
                f.documents.to_string(),
                s.topic_documents.to_string(),
                (s.topic_kept + s.false_alarms).to_string(),
                fmt::metric(s.topic_precision),
                fmt::metric(s.topic_recall),
                format!("{:.1}", s.flags_per_1000),
                fmt::metric(s.macro_f1),
            ],
            None => vec![
                f.group.clone(),
                f.documents.to_string(),
                fmt::metric(f.accuracy),
                fmt::metric(f.macro_f1),
            ],
        })
        .collect();
    let name = format!("mean over {} groups", g.groups.len());
    rows.push(match &g.mean_gate {
        Some(m) => vec![
            name,
            String::new(),
            String::new(),
            String::new(),
            fmt::metric(m.topic_precision),
            fmt::metric(m.topic_recall),
            format!("{:.1}", m.flags_per_1000),
            fmt::metric(m.macro_f1),
        ],
        None => vec![
            name,
            String::new(),
            fmt::metric(g.mean_accuracy),
            fmt::metric(g.mean_macro_f1),
        ],
    });
    (header, rows)
}

/// A gate's figures at several thresholds, as plain cells: the header and
/// one row per threshold.
pub fn sweep_table(at: &[super::gate::GateAt]) -> (Vec<String>, Vec<Vec<String>>) {
    let header = ["threshold", "flags per 1000", "precision", "recall", "F1"]
        .iter()
        .map(|h| h.to_string())
        .collect();
    let rows = at
        .iter()
        .map(|a| {
            vec![
                format!("{}", a.threshold),
                format!("{:.1}", a.flags_per_1000),
                fmt::metric(a.precision),
                fmt::metric(a.recall),
                fmt::metric(a.f1),
            ]
        })
        .collect();
    (header, rows)
}

/// What the threshold table says, in one sentence.
pub const SWEEP_NOTE: &str = "Had the gate flagged every document whose probability of any topic reaches the threshold (from the same predictions; the model's own threshold decided the labels above).";

/// What the per-group table's figures are, in one sentence.
pub fn group_note(g: &GroupsSection) -> String {
    if g.mean_gate.is_some() {
        "Each group predicted by models trained without it. Flags: documents given a topic; precision and recall: of the topic documents against the none label; topic macro-F1: among the group's topic documents (an answer of the none label is a miss). Means are unweighted: every group counts alike.".to_string()
    } else {
        "Each group predicted by models trained without it. Means are unweighted: every group counts alike.".to_string()
    }
}

/// The name of the gate section's macro-F1, with its topics.
pub fn gate_macro_name(g: &GateSummary) -> String {
    format!(
        "macro-F1 over {} (topic documents alone):",
        g.macro_labels.join(", ")
    )
}

/// The none label of a gated model, or of gated training settings.
fn none_label(model: ModelRef<'_>) -> Option<String> {
    match model {
        ModelRef::File { model, .. } => model.gate().map(|(_, n)| n.to_string()),
        ModelRef::CrossValidation { params, .. } => params.none_label.clone(),
    }
}

/// The headline figures, in the order every rendering shows them: key (as
/// in the JSON) and name.
pub const HEADLINE: [(&str, &str); 10] = [
    ("accuracy", "accuracy"),
    ("macro_precision", "macro precision"),
    ("macro_recall", "macro recall"),
    ("macro_f1", "macro F1"),
    ("micro_precision", "micro precision"),
    ("micro_recall", "micro recall"),
    ("micro_f1", "micro F1"),
    ("weighted_precision", "weighted precision"),
    ("weighted_recall", "weighted recall"),
    ("weighted_f1", "weighted F1"),
];

/// The value of the [`HEADLINE`] figure `key` in `r` (`None` for an unknown key).
pub fn headline_value(r: &Report, key: &str) -> Option<f64> {
    Some(match key {
        "accuracy" => r.accuracy,
        "macro_precision" => r.macro_precision,
        "macro_recall" => r.macro_recall,
        "macro_f1" => r.macro_f1,
        "micro_precision" => r.micro_precision,
        "micro_recall" => r.micro_recall,
        "micro_f1" => r.micro_f1,
        "weighted_precision" => r.weighted_precision,
        "weighted_recall" => r.weighted_recall,
        "weighted_f1" => r.weighted_f1,
        _ => return None,
    })
}

/// The model (or training settings) behind the predictions.
#[derive(Debug, Clone, Copy)]
pub enum ModelRef<'a> {
    /// A model file, as given, and the model read from it.
    File {
        /// The path as given.
        path: &'a str,
        /// The model.
        model: &'a Classifier,
    },
    /// Cross-validation of `params`; `full` is a model trained on all the
    /// data with them (for the most indicative terms), if one was trained.
    CrossValidation {
        /// K.
        folds: usize,
        /// Seed of the folds.
        seed: u64,
        /// The training settings.
        params: &'a TrainParams,
        /// A model trained on all the data with `params`.
        full: Option<&'a Classifier>,
        /// For folds that hold out whole groups: the groups file as given,
        /// and every document's group.
        groups: Option<(&'a str, &'a crate::corpus::Groups)>,
    },
}

/// Where the evaluated data came from, as given on the command line.
#[derive(Debug, Clone, Copy)]
pub struct DataSource<'a> {
    /// The data (folder, manifest or JSONL file).
    pub path: &'a str,
    /// The list file, if any.
    pub list: Option<&'a str>,
}

impl ReportData {
    /// Computes every figure of the report of `ev`, an evaluation of `data`.
    pub fn build(
        ev: &Evaluation,
        data: &LabeledData,
        model: ModelRef<'_>,
        source: DataSource<'_>,
        command: String,
        opts: &ReportOptions,
    ) -> ReportData {
        let r = &ev.report;
        let origin = match model {
            ModelRef::File { path, .. } => Origin::Model {
                path: path.to_string(),
            },
            ModelRef::CrossValidation {
                folds,
                seed,
                groups,
                ..
            } => Origin::CrossValidation {
                folds,
                seed,
                groups: groups.map(|(path, _)| path.to_string()),
            },
        };
        let groups = match model {
            ModelRef::CrossValidation {
                groups: Some((_, g)),
                ..
            } => Some(group_figures(
                &ev.outcomes,
                g,
                none_label(model).as_deref(),
                opts.topic_labels.as_deref(),
            )),
            _ => None,
        };
        let fold_stats = if ev.folds.is_empty() {
            Vec::new()
        } else {
            HEADLINE
                .iter()
                .map(|&(key, _)| {
                    let (mean, std) =
                        mean_std(ev.folds.iter().filter_map(|f| headline_value(f, key)));
                    FigureStats {
                        figure: key.to_string(),
                        mean,
                        std,
                    }
                })
                .collect()
        };
        let counts = data.counts();
        let labels = data
            .labels
            .names()
            .iter()
            .zip(&counts)
            .map(|(l, &c)| LabelCount {
                label: l.clone(),
                documents: c as u64,
            })
            .collect();
        let known = match model {
            ModelRef::File { model, .. } => Some(model),
            ModelRef::CrossValidation { full, .. } => full,
        };
        let unknown_to_model = match model {
            ModelRef::File { model, .. } => data
                .labels
                .names()
                .iter()
                .filter(|l| model.labels().id(l).is_none())
                .cloned()
                .collect(),
            ModelRef::CrossValidation { .. } => Vec::new(),
        };
        let top_terms = known.map(|m| TopTerms {
            source: match model {
                ModelRef::File { path, .. } => format!("the model {path}"),
                ModelRef::CrossValidation { .. } => format!(
                    "a model trained on all {} documents with the cross-validated settings \
                     (the folds' models are not kept)",
                    data.len()
                ),
            },
            labels: m
                .labels()
                .names()
                .iter()
                .zip(m.top_terms(opts.top_terms))
                .map(|(l, terms)| LabelTerms {
                    label: l.clone(),
                    terms: terms
                        .into_iter()
                        .map(|(term, weight)| TermWeight { term, weight })
                        .collect(),
                })
                .collect(),
        });
        ReportData {
            metrics: r.clone(),
            folds: ev.folds.clone(),
            origin,
            fold_stats,
            row_normalized: row_normalized(&r.confusion.matrix),
            misclassified: misclassified(r),
            confused_pairs: confused_pairs(ev, data, opts),
            calibration: calibration(&ev.outcomes, opts.calibration_bins),
            gate: none_label(model)
                .map(|n| gate_summary(&ev.outcomes, &n, opts.topic_labels.as_deref())),
            groups,
            top_terms,
            data: DataSummary {
                path: source.path.to_string(),
                list: source.list.map(str::to_string),
                documents: data.len() as u64,
                labels,
                unknown_to_model,
            },
            model: model_summary(model, data.len()),
            command,
        }
    }

    /// The mean and std over folds of the [`HEADLINE`] figure `key`, for cross-validation.
    pub fn fold_stat(&self, key: &str) -> Option<&FigureStats> {
        self.fold_stats.iter().find(|s| s.figure == key)
    }

    /// The value of the model setting `name` (as listed in [`ModelSummary::settings`]).
    pub fn setting(&self, name: &str) -> Option<&str> {
        self.model
            .settings
            .iter()
            .find(|s| s.name == name)
            .map(|s| s.value.as_str())
    }

    /// A one-line description of what was evaluated.
    pub fn title(&self) -> String {
        match &self.origin {
            Origin::Model { path } => format!("model {path} on {}", self.data.path),
            Origin::CrossValidation {
                folds,
                groups: Some(g),
                ..
            } => format!(
                "{folds}-fold cross-validation holding out whole groups ({g}) on {}",
                self.data.path
            ),
            Origin::CrossValidation {
                folds,
                seed,
                groups: None,
            } => format!(
                "{folds}-fold cross-validation (seed {seed}) on {}",
                self.data.path
            ),
        }
    }

    /// The "erroneously classified as" line of one label, in plain text.
    pub fn error_line(e: &LabelErrors) -> String {
        if e.errors.is_empty() {
            return format!("{}: no errors", e.label);
        }
        let parts: Vec<String> = e
            .errors
            .iter()
            .map(|x| format!("{} {}", x.predicted, fmt::percent(x.share)))
            .collect();
        format!(
            "{}: erroneously classified as {}",
            e.label,
            parts.join(", ")
        )
    }
}

fn row_normalized(m: &[Vec<u64>]) -> Vec<Vec<f64>> {
    m.iter()
        .map(|row| {
            let total: u64 = row.iter().sum();
            row.iter()
                .map(|&c| {
                    if total == 0 {
                        0.0
                    } else {
                        c as f64 / total as f64
                    }
                })
                .collect()
        })
        .collect()
}

fn misclassified(r: &Report) -> Vec<LabelErrors> {
    let labels = &r.confusion.labels;
    r.confusion
        .matrix
        .iter()
        .enumerate()
        .filter_map(|(i, row)| {
            let total: u64 = row.iter().sum();
            if total == 0 {
                return None;
            }
            let mut errors: Vec<(usize, u64)> = row
                .iter()
                .enumerate()
                .filter(|&(j, &c)| j != i && c > 0)
                .map(|(j, &c)| (j, c))
                .collect();
            errors.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
            Some(LabelErrors {
                label: labels[i].clone(),
                support: total,
                errors: errors
                    .into_iter()
                    .map(|(j, c)| ErrorShare {
                        predicted: labels[j].clone(),
                        count: c,
                        share: c as f64 / total as f64,
                    })
                    .collect(),
            })
        })
        .collect()
}

fn confused_pairs(ev: &Evaluation, data: &LabeledData, opts: &ReportOptions) -> Vec<ConfusedPair> {
    let c = &ev.report.confusion;
    let mut cells: Vec<(usize, usize, u64)> = Vec::new();
    for (i, row) in c.matrix.iter().enumerate() {
        for (j, &n) in row.iter().enumerate() {
            if i != j && n > 0 {
                cells.push((i, j, n));
            }
        }
    }
    cells.sort_by(|a, b| b.2.cmp(&a.2).then((a.0, a.1).cmp(&(b.0, b.1))));
    cells.truncate(opts.confused_pairs);
    cells
        .into_iter()
        .map(|(i, j, n)| {
            let (truth, predicted) = (&c.labels[i], &c.labels[j]);
            let mut wrong: Vec<&Outcome> = ev
                .outcomes
                .iter()
                .filter(|o| &o.truth == truth && &o.predicted == predicted)
                .collect();
            wrong.sort_by(|a, b| {
                b.probability
                    .total_cmp(&a.probability)
                    .then(a.index.cmp(&b.index))
            });
            let examples = wrong
                .into_iter()
                .take(opts.examples_per_pair)
                .filter_map(|o| {
                    let item = data.items.get(o.index)?;
                    let first_line = match item.text(&opts.read) {
                        Ok(t) => first_line(&t, 120),
                        Err(e) => format!("(not readable: {e})"),
                    };
                    Some(Example {
                        id: item.id.clone(),
                        first_line,
                        probability: o.probability,
                    })
                })
                .collect();
            let total: u64 = c.matrix[i].iter().sum();
            ConfusedPair {
                truth: truth.clone(),
                predicted: predicted.clone(),
                count: n,
                share: n as f64 / total.max(1) as f64,
                examples,
            }
        })
        .collect()
}

/// The first non-empty line of `text`, whitespace collapsed, control
/// characters dropped, cut to `max_chars` characters (with "…" when cut).
pub fn first_line(text: &str, max_chars: usize) -> String {
    let line = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("");
    let mut out = String::new();
    let mut n = 0;
    for word in line.split_whitespace() {
        if !out.is_empty() {
            out.push(' ');
            n += 1;
        }
        for ch in word.chars().filter(|c| !c.is_control()) {
            if n >= max_chars {
                out.push('…');
                return out;
            }
            out.push(ch);
            n += 1;
        }
    }
    out
}

/// The reliability of the predicted label's probability over `bins`
/// equal-width bins of [0, 1] (at least 1), and the expected calibration error.
pub fn calibration(outcomes: &[Outcome], bins: usize) -> Calibration {
    let bins = bins.max(1);
    let mut count = vec![0u64; bins];
    let mut conf = vec![0.0f64; bins];
    let mut right = vec![0u64; bins];
    for o in outcomes {
        let p = if o.probability.is_finite() {
            o.probability.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let b = ((p * bins as f64) as usize).min(bins - 1);
        count[b] += 1;
        conf[b] += p;
        right[b] += u64::from(o.truth == o.predicted);
    }
    let n = outcomes.len().max(1) as f64;
    let mut ece = 0.0;
    let bins = (0..bins)
        .map(|b| {
            let (confidence, accuracy) = if count[b] == 0 {
                (None, None)
            } else {
                let c = conf[b] / count[b] as f64;
                let a = right[b] as f64 / count[b] as f64;
                ece += count[b] as f64 / n * (a - c).abs();
                (Some(c), Some(a))
            };
            CalibrationBin {
                lower: b as f64 / bins as f64,
                upper: (b + 1) as f64 / bins as f64,
                count: count[b],
                confidence,
                accuracy,
            }
        })
        .collect();
    Calibration { bins, ece }
}

fn setting(name: &str, value: impl ToString) -> Setting {
    Setting {
        name: name.to_string(),
        value: value.to_string(),
    }
}

fn settings_of(
    an: &AnalyzerConfig,
    vp: &VectorizerParams,
    nb: Option<&NbValidParams>,
) -> Vec<Setting> {
    let mut s = vec![
        setting("stemmer", an.stemmer),
        setting("fold_teh_marbuta", an.normalize.fold_teh_marbuta),
        setting("stopwords", an.remove_stopwords),
        setting("min_token_chars", an.min_token_chars),
        setting("ngrams", format!("1..{}", vp.ngram_max)),
        setting("min_df", vp.min_df),
        setting("max_df", vp.max_df),
        setting(
            "max_features",
            vp.max_features.map_or("all".to_string(), |n| n.to_string()),
        ),
        setting("weighting", vp.weighting),
        setting("sublinear_tf", vp.sublinear_tf),
        setting("l2_norm", vp.l2_norm),
    ];
    match nb {
        Some(nb) => s.extend([
            setting("nb", nb.kind()),
            setting("alpha", nb.alpha()),
            setting("priors", format!("{:?}", nb.priors()).to_lowercase()),
            setting("weight_norm", nb.weight_norm()),
        ]),
        None => s.push(setting("nb", "invalid")),
    }
    s
}

fn fitted_facts(s: &mut Vec<Setting>, m: &Classifier) {
    s.push(setting("vocabulary", m.summary().vocabulary_size));
    s.push(setting(
        "training documents",
        m.summary().docs_per_label.iter().sum::<u64>(),
    ));
    s.push(setting("probability scale", format!("{:.4}", m.scale())));
}

fn model_summary(model: ModelRef<'_>, documents: usize) -> ModelSummary {
    match model {
        ModelRef::File { path, model } => {
            let mut settings = settings_of(
                model.vectorizer().analyzer().config(),
                model.vectorizer().params(),
                Some(model.nb().params()),
            );
            fitted_facts(&mut settings, model);
            ModelSummary {
                source: format!("the model file {path}"),
                settings,
            }
        }
        ModelRef::CrossValidation {
            folds,
            params,
            full,
            ..
        } => {
            let nb = params.nb.clone().check().ok();
            let mut settings = settings_of(&params.analyzer, &params.vectorizer, nb.as_ref());
            let source = match full {
                Some(m) => {
                    fitted_facts(&mut settings, m);
                    format!(
                        "the training settings, cross-validated over {folds} folds; \
                         vocabulary and probability scale of the model trained on all {documents} documents"
                    )
                }
                None => format!("the training settings, cross-validated over {folds} folds"),
            };
            ModelSummary { source, settings }
        }
    }
}

/// Escapes text for XML and HTML (text and attribute values), dropping the
/// control characters XML 1.0 does not allow.
pub(crate) fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(truth: &str, predicted: &str, p: f64) -> Outcome {
        Outcome {
            index: 0,
            truth: truth.into(),
            predicted: predicted.into(),
            probability: p,
            gate: None,
        }
    }

    #[test]
    fn calibration_bins_and_ece_by_hand() {
        let o = [
            outcome("a", "a", 0.35),
            outcome("a", "b", 0.31),
            outcome("b", "b", 1.0),
            outcome("b", "b", 0.99),
        ];
        let c = calibration(&o, 10);
        assert_eq!(c.bins.len(), 10);
        assert_eq!(c.bins[3].count, 2);
        assert_eq!(c.bins[3].accuracy, Some(0.5));
        assert!((c.bins[3].confidence.unwrap() - 0.33).abs() < 1e-12);
        assert_eq!(c.bins[9].count, 2, "1.0 falls in the last bin");
        assert_eq!(c.bins[0].confidence, None);
        let ece = 0.5 * (0.5f64 - 0.33).abs() + 0.5 * (1.0f64 - 0.995).abs();
        assert!((c.ece - ece).abs() < 1e-12, "{} vs {ece}", c.ece);
    }

    #[test]
    fn first_line_skips_blank_lines_and_cuts() {
        assert_eq!(first_line("\n  \n عنوان   الخبر \nبقية", 50), "عنوان الخبر");
        assert_eq!(first_line("abcdef", 3), "abc…");
        assert_eq!(first_line("a\u{7}b", 9), "ab");
        assert_eq!(first_line("", 9), "");
    }

    #[test]
    fn escaping_is_xml_safe() {
        assert_eq!(
            esc("a<b & \"c\"\u{1}"),
            "a&lt;b &amp; &quot;c&quot;\u{FFFD}"
        );
    }
}
