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

mod data;
mod html;
mod markdown;
mod svg;
mod tables;
mod terminal;

use std::collections::BTreeMap;

use serde::Serialize;

use super::gate::GateSummary;
use super::groups::GroupsSection;
use super::Report;
use crate::model::Classifier;
use crate::train::TrainParams;

pub use data::{calibration, first_line};
pub use html::render_html;
pub use markdown::{render_markdown, MarkdownReport, CHART_FILES};
pub use tables::{
    gate_lines, gate_macro_name, group_note, group_table, headline_value, interval_cells,
    sweep_table, HEADLINE, INTERVAL_HEADS, INTERVAL_NOTE, SWEEP_NOTE,
};
pub use terminal::{render_terminal, render_terminal_with, TerminalOptions};

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
    /// Example articles per confused pair (each with its id). Default 10.
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
            examples_per_pair: 10,
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

/// A 95% interval of a proportion (Wilson score interval), within [0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Interval {
    /// Lower bound.
    pub low: f64,
    /// Upper bound.
    pub high: f64,
}

/// One label's 95% intervals; `None` where there is nothing to count (no
/// document predicted as the label, or none that has it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LabelIntervals {
    /// Of precision: right among the documents predicted as the label.
    pub precision: Option<Interval>,
    /// Of recall: found among the documents that have the label.
    pub recall: Option<Interval>,
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
    /// Per label, 95% Wilson score intervals of its precision and recall
    /// (over the pooled counts of the confusion matrix).
    pub intervals: BTreeMap<String, LabelIntervals>,
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

/// The none label of a gated model, or of gated training settings.
fn none_label(model: ModelRef<'_>) -> Option<String> {
    match model {
        ModelRef::File { model, .. } => model.gate().map(|(_, n)| n.to_string()),
        ModelRef::CrossValidation { params, .. } => params.none_label.clone(),
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
