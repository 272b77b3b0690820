//! The report as terminal text: aligned tables, optional ANSI color, and
//! "LABEL: erroneously classified as OTHER 9.3%, …" lines.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::eval::LabelMetrics;

use super::{
    fmt, gate_lines, gate_macro_name, group_note, group_table, headline_value, sweep_table,
    ReportData, HEADLINE, SWEEP_NOTE,
};

use anstyle::{AnsiColor, Style};
use unicode_width::UnicodeWidthStr;

const BOLD: Style = Style::new().bold();
const DIM: Style = Style::new().dimmed();
const RED: Style = AnsiColor::Red.on_default();
const GREEN: Style = AnsiColor::Green.on_default();
const YELLOW: Style = AnsiColor::Yellow.on_default();
const CYAN: Style = AnsiColor::Cyan.on_default();
const PLAIN: Style = Style::new();

struct Paint(bool);

impl Paint {
    /// `text` (already padded) in `style`, when color is on.
    fn paint(&self, style: Style, text: &str) -> String {
        if self.0 && style != PLAIN && !text.is_empty() {
            format!("{style}{text}{style:#}")
        } else {
            text.to_string()
        }
    }
}

/// The columns `s` takes in a terminal (an Arabic letter one, its
/// combining marks none, a wide CJK character two).
fn width(s: &str) -> usize {
    s.width()
}

/// `s` cut to at most `w` columns, ending with `…` when cut.
fn truncate(s: &str, w: usize) -> String {
    if width(s) <= w {
        return s.to_string();
    }
    let mut out = String::new();
    for c in s.chars() {
        if width(&out) + unicode_width::UnicodeWidthChar::width(c).unwrap_or(0) + 1 > w {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// How the terminal report is laid out.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TerminalOptions {
    /// ANSI color and bold (see [`render_terminal`]).
    pub color: bool,
    /// The terminal's width in columns: a confusion matrix wider than this
    /// numbers its columns and, if still too wide, is printed in blocks of
    /// columns. `None`: no limit.
    pub width: Option<usize>,
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
/// from 1%). No limit on the width (see [`render_terminal_with`]).
pub fn render_terminal(d: &ReportData, color: bool) -> String {
    render_terminal_with(d, &TerminalOptions { color, width: None })
}

/// [`render_terminal`] laid out as `opts` says: a confusion matrix too wide
/// for `opts.width` numbers its columns (a legend names them) and, if still
/// too wide, comes in blocks of columns.
pub fn render_terminal_with(d: &ReportData, opts: &TerminalOptions) -> String {
    let color = opts.color;
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
    confusion_matrix(&mut s, &p, d, w, opts.width);

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
                    PLAIN
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

/// The style of a confusion matrix cell: dim zeros, green right
/// predictions, red errors of 5% of the row or more, yellow from 1%.
fn cell_style(count: u64, right: bool, share: f64) -> Style {
    if count == 0 {
        DIM
    } else if right {
        GREEN
    } else if share >= 0.05 {
        RED
    } else if share >= 0.01 {
        YELLOW
    } else {
        PLAIN
    }
}

/// The confusion matrix, rows true labels (`w` columns wide), columns
/// predicted labels. Within `max` columns when given: headed by the label
/// names when they fit, else by numbers with a legend, in blocks of columns
/// when even those do not fit.
fn confusion_matrix(s: &mut String, p: &Paint, d: &ReportData, w: usize, max: Option<usize>) {
    let r = &d.metrics;
    let labels = &r.confusion.labels;
    let n = labels.len();
    let cw = labels.iter().map(|l| width(l)).max().unwrap_or(5).max(6);
    let limit = max.unwrap_or(usize::MAX);
    if w + n * (2 + cw) <= limit {
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
                let style = cell_style(*c, i == j, d.row_normalized[i][j]);
                let _ = write!(s, "  {}", p.paint(style, &cell));
            }
            let _ = writeln!(s);
        }
        return;
    }
    // Numbered columns: each row starts with its label's number.
    let digits = n.to_string().len();
    let largest = r
        .confusion
        .matrix
        .iter()
        .flatten()
        .max()
        .copied()
        .unwrap_or(0);
    let cw = largest.to_string().len().max(digits).max(3);
    // the row names take at most a third of the width
    let lw = (digits + 1 + w).min((limit / 3).max(digits + 4));
    let per_block = ((limit.saturating_sub(lw)) / (2 + cw)).max(1);
    let row_name = |i: usize| truncate(&format!("{:>digits$} {}", i + 1, labels[i]), lw);
    for start in (0..n).step_by(per_block) {
        let cols = start..(start + per_block).min(n);
        if start > 0 {
            let _ = writeln!(s);
        }
        let mut head = " ".repeat(lw);
        for j in cols.clone() {
            head.push_str("  ");
            head.push_str(&pad_left(&(j + 1).to_string(), cw));
        }
        let _ = writeln!(s, "{}", p.paint(BOLD, head.trim_end()));
        for (i, row) in r.confusion.matrix.iter().enumerate() {
            let _ = write!(s, "{}", pad_right(&row_name(i), lw));
            for j in cols.clone() {
                let cell = pad_left(&row[j].to_string(), cw);
                let style = cell_style(row[j], i == j, d.row_normalized[i][j]);
                let _ = write!(s, "  {}", p.paint(style, &cell));
            }
            let _ = writeln!(s);
        }
    }
    // the legend, wrapped to the width (continued lines indented by two; an
    // item too wide for a line of its own is cut)
    let mut line = String::from("columns:");
    for (j, l) in labels.iter().enumerate() {
        let mut item = format!(" {} {}{}", j + 1, l, if j + 1 < n { "," } else { "" });
        if width(&line) + width(&item) > limit {
            let _ = writeln!(s, "{line}");
            line = "  ".to_string();
        }
        if width(&line) + width(&item) > limit {
            item = truncate(&item, limit.saturating_sub(width(&line)));
        }
        line.push_str(&item);
    }
    let _ = writeln!(s, "{line}");
}
