//! The plain-text pieces every rendering shows alike: the gate's sentences,
//! the per-group and threshold tables, the headline figures.

use super::{fmt, Interval, LabelIntervals};
use crate::eval::gate::{GateAt, GateSummary};
use crate::eval::groups::GroupsSection;
use crate::eval::Report;

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
pub fn sweep_table(at: &[GateAt]) -> (Vec<String>, Vec<Vec<String>>) {
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

/// The heads of the interval columns of the per-label table.
pub const INTERVAL_HEADS: [&str; 2] = ["precision 95% CI", "recall 95% CI"];

/// How every rendering notes the intervals under the per-label table.
pub const INTERVAL_NOTE: &str = "95% CI: Wilson score interval of the proportion behind the figure (precision: right among the documents predicted as the label; recall: found among those that have it). Few documents give wide intervals.";

/// A label's two interval cells (`n/a` where there is nothing to count).
pub fn interval_cells(i: Option<&LabelIntervals>) -> [String; 2] {
    let cell = |x: Option<Interval>| match x {
        Some(x) => format!("{}–{}", fmt::metric(x.low), fmt::metric(x.high)),
        None => "n/a".to_string(),
    };
    [
        cell(i.and_then(|i| i.precision)),
        cell(i.and_then(|i| i.recall)),
    ]
}
