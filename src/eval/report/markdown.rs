//! The report as Markdown (GitHub-flavored tables), with the same charts as
//! SVG files to be written beside it and linked by relative paths.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::eval::LabelMetrics;

use super::svg::{self, CellValue};
use super::{
    fmt, gate_lines, gate_macro_name, group_note, group_table, headline_value, interval_cells,
    sweep_table, LabelIntervals, Origin, ReportData, HEADLINE, INTERVAL_HEADS, INTERVAL_NOTE,
    SWEEP_NOTE,
};

/// A Markdown report and the chart files it links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownReport {
    /// The Markdown text.
    pub markdown: String,
    /// `(file name, SVG text)` of each chart, to be written into the folder
    /// that the Markdown links to.
    pub files: Vec<(String, String)>,
}

/// Escapes text for a Markdown table cell or paragraph: Markdown's
/// punctuation gets a backslash, HTML's `<`, `>` and `&` become entities.
pub fn md_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '\\' | '`' | '*' | '_' | '[' | ']' | '|' | '#' | '!' => {
                out.push('\\');
                out.push(ch);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

fn row(s: &mut String, cells: &[String]) {
    s.push('|');
    for c in cells {
        let _ = write!(s, " {c} |");
    }
    s.push('\n');
}

fn header(s: &mut String, cells: &[&str], numeric: &[bool]) {
    row(s, &cells.iter().map(|c| c.to_string()).collect::<Vec<_>>());
    s.push('|');
    for &n in numeric {
        s.push_str(if n { "---:|" } else { "---|" });
    }
    s.push('\n');
}

/// A code span around `text`, with a fence longer than any run of backticks in it.
/// A table of precision, recall, F1 and support, one row per label.
/// A table of plain cells, all but the first column right-aligned.
fn cells_table(s: &mut String, head: &[String], rows: &[Vec<String>]) {
    let names: Vec<&str> = head.iter().map(String::as_str).collect();
    let numeric: Vec<bool> = (0..head.len()).map(|c| c > 0).collect();
    header(s, &names, &numeric);
    for r in rows {
        row(s, &r.iter().map(|c| md_escape(c)).collect::<Vec<_>>());
    }
}

/// A table of precision, recall, F1 and support per label; with
/// `intervals`, each label's 95% intervals of precision and recall too.
fn metrics_table(
    s: &mut String,
    first: &str,
    rows: &BTreeMap<String, LabelMetrics>,
    intervals: Option<&BTreeMap<String, LabelIntervals>>,
) {
    let mut names = vec![first, "precision", "recall", "F1", "support"];
    if intervals.is_some() {
        names.extend(INTERVAL_HEADS);
    }
    let numeric: Vec<bool> = (0..names.len()).map(|c| c > 0).collect();
    header(s, &names, &numeric);
    for (l, m) in rows {
        let mut cells = vec![
            md_escape(l),
            fmt::metric(m.precision),
            fmt::metric(m.recall),
            fmt::metric(m.f1),
            m.support.to_string(),
        ];
        if let Some(iv) = intervals {
            cells.extend(interval_cells(iv.get(l)));
        }
        row(s, &cells);
    }
}

fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let text = text.replace(['\n', '\r'], " ").replace('|', "\\|");
    format!("{fence} {text} {fence}")
}

/// The chart files a Markdown report writes beside it, in the order of
/// [`MarkdownReport::files`].
pub const CHART_FILES: [&str; 4] = [
    "confusion_counts.svg",
    "confusion_shares.svg",
    "per_label.svg",
    "reliability.svg",
];

/// Renders the report as Markdown; the charts are linked as
/// `{files_dir}/NAME.svg` and returned to be written there.
pub fn render_markdown(d: &ReportData, files_dir: &str) -> MarkdownReport {
    let r = &d.metrics;
    let mut s = String::with_capacity(32 * 1024);
    let link = |name: &str| {
        let dir: String = files_dir
            .chars()
            .map(|c| match c {
                ' ' => "%20".to_string(),
                '(' => "%28".to_string(),
                ')' => "%29".to_string(),
                c => c.to_string(),
            })
            .collect();
        format!("{dir}/{name}")
    };
    let _ = writeln!(s, "# tasnif evaluation report\n");
    let _ = writeln!(
        s,
        "{} · {} documents · {} labels\n",
        md_escape(&d.title()),
        r.documents,
        r.confusion.labels.len()
    );

    let _ = writeln!(s, "## Headline figures\n");
    if d.fold_stats.is_empty() {
        header(&mut s, &["figure", "value"], &[false, true]);
    } else {
        header(
            &mut s,
            &["figure", "pooled", "mean over folds", "± std"],
            &[false, true, true, true],
        );
    }
    for (key, name) in HEADLINE {
        let mut cells = vec![
            name.to_string(),
            fmt::metric(headline_value(r, key).unwrap_or(f64::NAN)),
        ];
        if let Some(f) = d.fold_stat(key) {
            cells.push(fmt::metric(f.mean));
            cells.push(fmt::metric(f.std));
        }
        row(&mut s, &cells);
    }
    let mut ece = vec![
        "expected calibration error".to_string(),
        fmt::metric(d.calibration.ece),
    ];
    if !d.fold_stats.is_empty() {
        ece.extend(["".to_string(), "".to_string()]);
    }
    row(&mut s, &ece);
    if let Origin::CrossValidation { folds, .. } = &d.origin {
        let _ = writeln!(
            s,
            "\nPooled: every document predicted by the model of the fold that held it out, counted together; the confusion matrix is pooled too. Mean ± std: over the {folds} folds' own figures."
        );
    }

    let _ = writeln!(s, "\n## Confusion matrix\n");
    let _ = writeln!(
        s,
        "![confusion matrix, counts]({})\n![confusion matrix, row shares]({})\n",
        link(CHART_FILES[0]),
        link(CHART_FILES[1])
    );
    let labels = &r.confusion.labels;
    for (title, shares) in [("Counts", false), ("Row-normalized", true)] {
        let _ = writeln!(s, "### {title}\n");
        let mut head = vec!["true \\\\ predicted".to_string()];
        head.extend(labels.iter().map(|l| md_escape(l)));
        row(&mut s, &head);
        s.push_str("|---|");
        for _ in labels {
            s.push_str("---:|");
        }
        s.push('\n');
        for (i, l) in labels.iter().enumerate() {
            let mut cells = vec![md_escape(l)];
            for (j, &c) in r.confusion.matrix[i].iter().enumerate() {
                cells.push(if shares {
                    fmt::percent(d.row_normalized[i][j])
                } else {
                    c.to_string()
                });
            }
            row(&mut s, &cells);
        }
        s.push('\n');
    }
    for e in &d.misclassified {
        let _ = writeln!(s, "- {}", md_escape(&ReportData::error_line(e)));
    }

    let _ = writeln!(s, "\n## Per label\n");
    let _ = writeln!(
        s,
        "![precision, recall and F1 per label]({})\n",
        link(CHART_FILES[2])
    );
    metrics_table(&mut s, "label", &r.per_label, Some(&d.intervals));
    let _ = writeln!(s, "\n{}", md_escape(INTERVAL_NOTE));

    if let Some(g) = &d.gate {
        let _ = writeln!(s, "\n## Gate\n");
        for line in gate_lines(g) {
            let _ = writeln!(s, "{}\n", md_escape(&line));
        }
        metrics_table(&mut s, "topic", &g.per_topic, None);
        let _ = writeln!(
            s,
            "\n{} **{}**",
            md_escape(&gate_macro_name(g)),
            fmt::metric(g.macro_f1)
        );
        if !g.at_thresholds.is_empty() && d.groups.is_none() {
            let _ = writeln!(s, "\n### At other gate thresholds\n");
            let (head, rows) = sweep_table(&g.at_thresholds);
            cells_table(&mut s, &head, &rows);
            let _ = writeln!(s, "\n{}", md_escape(SWEEP_NOTE));
        }
    }

    if let Some(g) = &d.groups {
        let _ = writeln!(s, "\n## Per held-out group\n");
        let (head, rows) = group_table(g);
        cells_table(&mut s, &head, &rows);
        let _ = writeln!(s, "\n{}", md_escape(&group_note(g)));
        if let Some(m) = g.mean_gate.as_ref().filter(|m| !m.at_thresholds.is_empty()) {
            let _ = writeln!(s, "\n### Mean over the groups at other gate thresholds\n");
            let (head, rows) = sweep_table(&m.at_thresholds);
            cells_table(&mut s, &head, &rows);
            let _ = writeln!(s, "\n{}", md_escape(SWEEP_NOTE));
        }
    }

    let _ = writeln!(s, "\n## Most confused labels\n");
    if d.confused_pairs.is_empty() {
        let _ = writeln!(s, "No document was misclassified.");
    }
    for p in &d.confused_pairs {
        let _ = writeln!(
            s,
            "**{} → predicted {}**: {} documents ({} of {})\n",
            md_escape(&p.truth),
            md_escape(&p.predicted),
            p.count,
            fmt::percent(p.share),
            md_escape(&p.truth)
        );
        header(
            &mut s,
            &["article", "first line", "probability"],
            &[false, false, true],
        );
        for e in &p.examples {
            row(
                &mut s,
                &[
                    code(&e.id),
                    md_escape(&e.first_line),
                    fmt::probability(e.probability),
                ],
            );
        }
        s.push('\n');
    }
    let _ = writeln!(
        s,
        "For each pair, the articles the model was surest of when it chose the wrong label; probability is what it gave the predicted label."
    );

    let _ = writeln!(s, "\n## Calibration\n");
    let _ = writeln!(s, "![reliability diagram]({})\n", link(CHART_FILES[3]));
    let _ = writeln!(
        s,
        "Expected calibration error: **{}** ({} equal-width bins).\n",
        fmt::metric(d.calibration.ece),
        d.calibration.bins.len()
    );
    header(
        &mut s,
        &["probability", "documents", "mean probability", "accuracy"],
        &[false, true, true, true],
    );
    for b in &d.calibration.bins {
        row(
            &mut s,
            &[
                format!(
                    "{}–{}",
                    fmt::probability(b.lower),
                    fmt::probability(b.upper)
                ),
                b.count.to_string(),
                b.confidence.map_or("–".to_string(), fmt::probability),
                b.accuracy.map_or("–".to_string(), fmt::probability),
            ],
        );
    }

    let _ = writeln!(s, "\n## Most indicative terms\n");
    match &d.top_terms {
        Some(t) => {
            let _ = writeln!(
                s,
                "From {}; terms as its analyzer makes them (stemmer: {}). Weight: the label's naive Bayes weight for the term above the mean over labels.\n",
                md_escape(&t.source),
                md_escape(d.setting("stemmer").unwrap_or("?"))
            );
            header(&mut s, &["label", "terms (weight)"], &[false, false]);
            for lt in &t.labels {
                let terms: Vec<String> = lt
                    .terms
                    .iter()
                    .map(|tw| format!("{} ({})", md_escape(&tw.term), fmt::weight(tw.weight)))
                    .collect();
                row(&mut s, &[md_escape(&lt.label), terms.join(", ")]);
            }
        }
        None => {
            let _ = writeln!(s, "No model at hand for the terms.");
        }
    }

    let _ = writeln!(s, "\n## Data\n");
    let _ = writeln!(s, "- data: {}", code(&d.data.path));
    if let Some(l) = &d.data.list {
        let _ = writeln!(s, "- list: {}", code(l));
    }
    let _ = writeln!(s, "- documents: {}\n", d.data.documents);
    header(&mut s, &["label", "documents"], &[false, true]);
    for lc in &d.data.labels {
        row(&mut s, &[md_escape(&lc.label), lc.documents.to_string()]);
    }
    if !d.data.unknown_to_model.is_empty() {
        let names: Vec<String> = d
            .data
            .unknown_to_model
            .iter()
            .map(|l| md_escape(l))
            .collect();
        let _ = writeln!(
            s,
            "\n**Labels the model does not know** (all their documents count as errors): {}",
            names.join(", ")
        );
    }

    let _ = writeln!(s, "\n## Model settings\n");
    let _ = writeln!(s, "From {}.\n", md_escape(&d.model.source));
    header(&mut s, &["setting", "value"], &[false, false]);
    for st in &d.model.settings {
        row(&mut s, &[md_escape(&st.name), code(&st.value)]);
    }

    let _ = writeln!(s, "\n## Command\n");
    let longest = d
        .command
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or(0);
    let fence = "`".repeat((longest + 1).max(3));
    let _ = writeln!(s, "{fence}sh\n{}\n{fence}\n", d.command);
    let _ = writeln!(s, "tasnif {}", env!("CARGO_PKG_VERSION"));

    MarkdownReport {
        markdown: s,
        files: CHART_FILES
            .iter()
            .map(|f| f.to_string())
            .zip([
                svg::confusion(d, CellValue::Counts),
                svg::confusion(d, CellValue::RowShares),
                svg::per_label(d),
                svg::reliability(d),
            ])
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markdown_and_html() {
        assert_eq!(md_escape("middle_east|a<b"), "middle\\_east\\|a&lt;b");
        assert_eq!(code("a`b"), "`` a`b ``");
    }
}
