//! The report as terminal text: aligned tables, optional ANSI color, and
//! "LABEL: erroneously classified as OTHER 9.3%, …" lines.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::eval::LabelMetrics;

use super::{
    fmt, gate_lines, gate_macro_name, group_note, group_table, headline_value, sweep_table,
    ReportData, HEADLINE, SWEEP_NOTE,
};

const BOLD: &str = "\x1b[1m";
const DIM: &str = "\x1b[2m";
const RED: &str = "\x1b[31m";
const GREEN: &str = "\x1b[32m";
const YELLOW: &str = "\x1b[33m";
const CYAN: &str = "\x1b[36m";
const RESET: &str = "\x1b[0m";

struct Paint(bool);

impl Paint {
    /// `text` (already padded) in `style`, when color is on.
    fn paint(&self, style: &str, text: &str) -> String {
        if self.0 && !style.is_empty() && !text.is_empty() {
            format!("{style}{text}{RESET}")
        } else {
            text.to_string()
        }
    }
}

fn width(s: &str) -> usize {
    s.chars().count()
}

fn pad_left(s: &str, w: usize) -> String {
    format!("{}{s}", " ".repeat(w.saturating_sub(width(s))))
}

fn pad_right(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

/// A table of plain cells: the first column left-aligned, the others
/// right-aligned, the header bold (and the last row, with `bold_last`).
fn cells_table(s: &mut String, p: &Paint, head: &[String], rows: &[Vec<String>], bold_last: bool) {
    let widths: Vec<usize> = (0..head.len())
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|v| width(v))
                .chain([width(&head[c])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &[String]| -> String {
        cells
            .iter()
            .zip(&widths)
            .enumerate()
            .map(|(c, (v, &w))| {
                if c == 0 {
                    pad_right(v, w)
                } else {
                    pad_left(v, w)
                }
            })
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_string()
    };
    let _ = writeln!(s, "{}", p.paint(BOLD, &line(head)));
    for (i, r) in rows.iter().enumerate() {
        let text = line(r);
        let bold = bold_last && i + 1 == rows.len();
        let _ = writeln!(s, "{}", if bold { p.paint(BOLD, &text) } else { text });
    }
}

/// The bold header line of [`metric_rows`], its first column named `first`.
fn metric_header(s: &mut String, p: &Paint, w: usize, first: &str) {
    let _ = writeln!(
        s,
        "{}",
        p.paint(
            BOLD,
            &format!(
                "{}  {:>9}  {:>6}  {:>6}  {:>7}",
                pad_right(first, w),
                "precision",
                "recall",
                "F1",
                "support"
            )
        )
    );
}

/// One aligned line per label: precision, recall, F1, support.
fn metric_rows(s: &mut String, w: usize, rows: &BTreeMap<String, LabelMetrics>) {
    for (name, m) in rows {
        let _ = writeln!(
            s,
            "{}  {:>9}  {:>6}  {:>6}  {:>7}",
            pad_right(name, w),
            fmt::metric(m.precision),
            fmt::metric(m.recall),
            fmt::metric(m.f1),
            m.support
        );
    }
}

/// Renders the report for a terminal; with `color`, headings are bold,
/// right predictions green and shares of errors of 5% or more red (yellow
/// from 1%).
pub fn render_terminal(d: &ReportData, color: bool) -> String {
    let p = Paint(color);
    let r = &d.metrics;
    let mut s = String::new();
    let _ = writeln!(
        s,
        "{} {}   {} {}   {} {}   {} {}",
        p.paint(BOLD, "accuracy"),
        p.paint(BOLD, &fmt::metric(r.accuracy)),
        p.paint(BOLD, "macro-F1"),
        p.paint(BOLD, &fmt::metric(r.macro_f1)),
        p.paint(BOLD, "weighted-F1"),
        p.paint(BOLD, &fmt::metric(r.weighted_f1)),
        p.paint(BOLD, "ECE"),
        p.paint(BOLD, &fmt::metric(d.calibration.ece)),
    );
    if !d.fold_stats.is_empty() {
        let _ = writeln!(s);
        let w = HEADLINE.iter().map(|(_, n)| width(n)).max().unwrap_or(8);
        let _ = writeln!(
            s,
            "{}",
            p.paint(
                BOLD,
                &format!(
                    "{}  {:>7}  {:>7}  {:>7}",
                    pad_right(&format!("over {} folds", d.folds.len()), w),
                    "pooled",
                    "mean",
                    "± std"
                )
            )
        );
        for (key, name) in HEADLINE {
            if let (Some(v), Some(f)) = (headline_value(r, key), d.fold_stat(key)) {
                let _ = writeln!(
                    s,
                    "{}  {:>7}  {:>7}  {:>7}",
                    pad_right(name, w),
                    fmt::metric(v),
                    fmt::metric(f.mean),
                    fmt::metric(f.std)
                );
            }
        }
    }

    let labels = &r.confusion.labels;
    let w = labels.iter().map(|l| width(l)).max().unwrap_or(5).max(12);
    let _ = writeln!(s);
    metric_header(&mut s, &p, w, "label");
    metric_rows(&mut s, w, &r.per_label);
    let _ = writeln!(s);
    for (name, pr, rc, f) in [
        ("macro avg", r.macro_precision, r.macro_recall, r.macro_f1),
        ("micro avg", r.micro_precision, r.micro_recall, r.micro_f1),
        (
            "weighted avg",
            r.weighted_precision,
            r.weighted_recall,
            r.weighted_f1,
        ),
    ] {
        let _ = writeln!(
            s,
            "{}  {:>9}  {:>6}  {:>6}  {:>7}",
            pad_right(name, w),
            fmt::metric(pr),
            fmt::metric(rc),
            fmt::metric(f),
            r.documents
        );
    }

    if let Some(g) = &d.gate {
        let _ = writeln!(s);
        let _ = writeln!(
            s,
            "{}",
            p.paint(
                BOLD,
                &format!("gate (\"{}\": none of the topics)", g.none_label)
            )
        );
        for line in gate_lines(g) {
            let _ = writeln!(s, "{line}");
        }
        metric_header(&mut s, &p, w, "topic");
        metric_rows(&mut s, w, &g.per_topic);
        let _ = writeln!(
            s,
            "{} {}",
            gate_macro_name(g),
            p.paint(BOLD, &fmt::metric(g.macro_f1))
        );
        if !g.at_thresholds.is_empty() && d.groups.is_none() {
            let _ = writeln!(s, "{}", p.paint(BOLD, "at other gate thresholds"));
            let (head, rows) = sweep_table(&g.at_thresholds);
            cells_table(&mut s, &p, &head, &rows, false);
            let _ = writeln!(s, "{SWEEP_NOTE}");
        }
    }

    if let Some(g) = &d.groups {
        let _ = writeln!(s);
        let _ = writeln!(s, "{}", p.paint(BOLD, "per held-out group"));
        let (head, rows) = group_table(g);
        cells_table(&mut s, &p, &head, &rows, true);
        let _ = writeln!(s, "{}", group_note(g));
        if let Some(m) = g.mean_gate.as_ref().filter(|m| !m.at_thresholds.is_empty()) {
            let _ = writeln!(s);
            let _ = writeln!(
                s,
                "{}",
                p.paint(BOLD, "mean over the groups at other gate thresholds")
            );
            let (head, rows) = sweep_table(&m.at_thresholds);
            cells_table(&mut s, &p, &head, &rows, false);
            let _ = writeln!(s, "{SWEEP_NOTE}");
        }
    }

    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "{}",
        p.paint(
            BOLD,
            "confusion matrix (rows: true label, columns: predicted)"
        )
    );
    let cw = labels.iter().map(|l| width(l)).max().unwrap_or(5).max(6);
    let mut head = " ".repeat(w);
    for l in labels {
        head.push_str("  ");
        head.push_str(&pad_left(l, cw));
    }
    let _ = writeln!(s, "{}", p.paint(BOLD, head.trim_end()));
    for (i, row) in r.confusion.matrix.iter().enumerate() {
        let _ = write!(s, "{}", pad_right(&labels[i], w));
        for (j, c) in row.iter().enumerate() {
            let cell = pad_left(&c.to_string(), cw);
            let share = d.row_normalized[i][j];
            let style = if *c == 0 {
                DIM
            } else if i == j {
                GREEN
            } else if share >= 0.05 {
                RED
            } else if share >= 0.01 {
                YELLOW
            } else {
                ""
            };
            let _ = write!(s, "  {}", p.paint(style, &cell));
        }
        let _ = writeln!(s);
    }

    let _ = writeln!(s);
    for e in &d.misclassified {
        if !color {
            let _ = writeln!(s, "{}", ReportData::error_line(e));
            continue;
        }
        if e.errors.is_empty() {
            let _ = writeln!(
                s,
                "{}: {}",
                p.paint(BOLD, &e.label),
                p.paint(GREEN, "no errors")
            );
            continue;
        }
        let parts: Vec<String> = e
            .errors
            .iter()
            .map(|x| {
                let style = if x.share >= 0.05 {
                    RED
                } else if x.share >= 0.01 {
                    YELLOW
                } else {
                    ""
                };
                format!(
                    "{} {}",
                    p.paint(CYAN, &x.predicted),
                    p.paint(style, &fmt::percent(x.share))
                )
            })
            .collect();
        let _ = writeln!(
            s,
            "{}: erroneously classified as {}",
            p.paint(BOLD, &e.label),
            parts.join(", ")
        );
    }
    let _ = writeln!(s);
    let _ = writeln!(
        s,
        "calibration: expected calibration error {} over {} bins",
        fmt::metric(d.calibration.ece),
        d.calibration.bins.len()
    );
    s
}
