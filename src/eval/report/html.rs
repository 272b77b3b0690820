//! The report as one self-contained HTML page: inline CSS and SVG, no
//! script, no network. The page is also well-formed XML (every element
//! closed, only XML's own entities), so tools and tests can parse it.
//! The page is left-to-right; names, terms and article lines sit in
//! `<bdi>` or `dir="auto"` elements so Arabic text runs right-to-left.

use std::collections::BTreeMap;
use std::fmt::Write;

use crate::eval::LabelMetrics;

use super::svg::{self, CellValue};
use super::{
    esc, fmt, gate_lines, gate_macro_name, group_note, group_table, headline_value, interval_cells,
    sweep_table, LabelIntervals, Origin, ReportData, HEADLINE, INTERVAL_HEADS, INTERVAL_NOTE,
    SWEEP_NOTE,
};

const CSS: &str = r#"
:root { color-scheme: light; }
body { margin: 0; background: #f6f8fa; color: #1f2328;
  font: 15px/1.5 system-ui, "Segoe UI", "Noto Sans", "Noto Sans Arabic", "DejaVu Sans", Arial, sans-serif; }
main { max-width: 1080px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 0 0 12px; }
h3 { font-size: 15px; margin: 16px 0 8px; }
.sub { color: #59636e; margin: 0 0 20px; }
section { background: #ffffff; border: 1px solid #d0d7de; border-radius: 8px; padding: 18px 20px; margin: 16px 0; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; margin: 0 0 14px; }
.card { flex: 1 1 150px; border: 1px solid #d0d7de; border-radius: 8px; padding: 10px 14px; }
.card .name { color: #59636e; font-size: 13px; }
.card .value { font-size: 30px; font-weight: 650; font-variant-numeric: tabular-nums; }
.card .spread { color: #59636e; font-size: 13px; font-variant-numeric: tabular-nums; }
table { border-collapse: collapse; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid #eaeef2; text-align: start; vertical-align: top; }
td.num, th.num { text-align: right; }
thead th { border-bottom: 2px solid #d0d7de; font-weight: 600; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; align-items: flex-start; }
.charts figure { margin: 0; }
.charts > div { flex: 1 1 320px; }
table.examples { width: 100%; table-layout: fixed; }
.examples th:first-child { width: 34%; }
.examples th:last-child { width: 7em; }
.examples code { overflow-wrap: anywhere; }
figcaption { color: #59636e; font-size: 13px; margin-top: 4px; max-width: 460px; }
svg { max-width: 100%; height: auto; }
ul.errors { padding-left: 20px; margin: 8px 0 0; }
.pair { margin: 14px 0 6px; font-weight: 600; }
.line { font-size: 16px; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: 13px; }
pre { background: #f6f8fa; border: 1px solid #d0d7de; border-radius: 6px; padding: 10px 12px; white-space: pre-wrap; overflow-wrap: anywhere; }
.terms { display: grid; grid-template-columns: repeat(auto-fill, minmax(230px, 1fr)); gap: 12px 20px; }
.terms table { width: 100%; }
.terms td.num { width: 4.5em; }
.twocol { display: flex; flex-wrap: wrap; gap: 0 16px; }
.twocol > section { flex: 1 1 400px; }
.note { color: #59636e; font-size: 13px; }
#toc ol { display: flex; flex-wrap: wrap; gap: 4px 18px; list-style: none; margin: 0 0 8px; padding: 0; font-size: 14px; }
#toc a { color: #0969da; text-decoration: none; }
#toc a:hover { text-decoration: underline; }
td.ci { white-space: nowrap; color: #59636e; }
#calibration-table th, #calibration-table td { white-space: nowrap; padding: 4px 8px; }
"#;

fn card(s: &mut String, id: &str, name: &str, value: f64, spread: Option<(usize, f64, f64)>) {
    let _ = write!(
        s,
        r#"<div class="card"><div class="name">{}</div><div class="value" id="{id}">{}</div>"#,
        esc(name),
        fmt::metric(value)
    );
    if let Some((k, m, sd)) = spread {
        let _ = write!(
            s,
            r#"<div class="spread">mean over {k} folds: {} ± {}</div>"#,
            fmt::metric(m),
            fmt::metric(sd)
        );
    }
    s.push_str("</div>");
}

/// Renders the report as a self-contained HTML page.
/// A table of precision, recall, F1 and support, one row per label.
/// A table of plain cells: the first column a header, the others numbers.
fn cells_table(s: &mut String, id: &str, head: &[String], rows: &[Vec<String>]) {
    let _ = write!(s, "<table id=\"{id}\"><thead><tr>");
    for (c, h) in head.iter().enumerate() {
        let class = if c > 0 { " class=\"num\"" } else { "" };
        let _ = write!(s, "<th{class}>{}</th>", esc(h));
    }
    s.push_str("</tr></thead><tbody>");
    for r in rows {
        s.push_str("<tr>");
        for (c, v) in r.iter().enumerate() {
            if c == 0 {
                let _ = write!(s, "<th><bdi>{}</bdi></th>", esc(v));
            } else {
                let _ = write!(s, "<td class=\"num\">{}</td>", esc(v));
            }
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>");
}

/// A table of precision, recall, F1 and support per label; with
/// `intervals`, each label's 95% intervals of precision and recall too.
fn metrics_table(
    s: &mut String,
    id: &str,
    first: &str,
    rows: &BTreeMap<String, LabelMetrics>,
    intervals: Option<&BTreeMap<String, LabelIntervals>>,
) {
    let _ = write!(
        s,
        "<table id=\"{id}\"><thead><tr><th>{first}</th><th class=\"num\">precision</th><th class=\"num\">recall</th><th class=\"num\">F1</th><th class=\"num\">support</th>"
    );
    if intervals.is_some() {
        for h in INTERVAL_HEADS {
            let _ = write!(s, "<th class=\"num\">{h}</th>");
        }
    }
    s.push_str("</tr></thead><tbody>");
    for (l, m) in rows {
        let _ = write!(
            s,
            r#"<tr><th><bdi>{}</bdi></th><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td>"#,
            esc(l),
            fmt::metric(m.precision),
            fmt::metric(m.recall),
            fmt::metric(m.f1),
            m.support
        );
        if let Some(iv) = intervals {
            for c in interval_cells(iv.get(l)) {
                let _ = write!(s, r#"<td class="num ci">{c}</td>"#);
            }
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>");
}

/// The table of contents: a link to every section the page has.
fn toc(s: &mut String, d: &ReportData) {
    let mut items = vec![
        ("headline", "Headline figures"),
        ("confusion", "Confusion matrix"),
        ("per-label", "Per label"),
    ];
    if d.gate.is_some() {
        items.push(("gate", "Gate"));
    }
    if d.groups.is_some() {
        items.push(("groups", "Per held-out group"));
    }
    items.extend([
        ("confused", "Most confused labels"),
        ("calibration", "Calibration"),
        ("terms", "Most indicative terms"),
        ("data", "Data"),
        ("model", "Model settings"),
        ("command", "Command"),
    ]);
    s.push_str("<nav id=\"toc\" aria-label=\"contents\"><ol>");
    for (id, name) in items {
        let _ = write!(s, r##"<li><a href="#{id}">{name}</a></li>"##);
    }
    s.push_str("</ol></nav>\n");
}

pub fn render_html(d: &ReportData) -> String {
    let r = &d.metrics;
    let mut s = String::with_capacity(64 * 1024);
    s.push_str(
        "<!DOCTYPE html>\n<html lang=\"en\" dir=\"ltr\">\n<head>\n<meta charset=\"utf-8\"/>\n",
    );
    s.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n");
    let _ = writeln!(s, "<title>tasnif evaluation: {}</title>", esc(&d.title()));
    let _ = writeln!(s, "<style>{CSS}</style>\n</head>\n<body>\n<main>");
    let _ = writeln!(s, "<h1>tasnif evaluation report</h1>");
    let _ = writeln!(
        s,
        r#"<p class="sub">{} · {} documents · {} labels</p>"#,
        esc(&d.title()),
        r.documents,
        r.confusion.labels.len()
    );

    toc(&mut s, d);

    // headline
    s.push_str("<section id=\"headline\">\n<h2>Headline figures</h2>\n<div class=\"cards\">");
    let spread = |key: &str| d.fold_stat(key).map(|f| (d.folds.len(), f.mean, f.std));
    card(
        &mut s,
        "fig-accuracy",
        "accuracy",
        r.accuracy,
        spread("accuracy"),
    );
    card(
        &mut s,
        "fig-card-macro_f1",
        "macro F1",
        r.macro_f1,
        spread("macro_f1"),
    );
    card(
        &mut s,
        "fig-card-weighted_f1",
        "weighted F1",
        r.weighted_f1,
        spread("weighted_f1"),
    );
    card(
        &mut s,
        "fig-card-ece",
        "expected calibration error",
        d.calibration.ece,
        None,
    );
    s.push_str("</div>\n");
    if d.fold_stats.is_empty() {
        s.push_str("<table id=\"headline-table\"><thead><tr><th>figure</th><th class=\"num\">value</th></tr></thead><tbody>");
    } else {
        s.push_str("<table id=\"headline-table\"><thead><tr><th>figure</th><th class=\"num\">pooled</th><th class=\"num\">mean over folds</th><th class=\"num\">± std</th></tr></thead><tbody>");
    }
    for (key, name) in HEADLINE {
        let v = headline_value(r, key).unwrap_or(f64::NAN);
        let _ = write!(
            s,
            r#"<tr id="row-{key}"><th>{name}</th><td class="num">{}</td>"#,
            fmt::metric(v)
        );
        if let Some(f) = d.fold_stat(key) {
            let _ = write!(
                s,
                r#"<td class="num">{}</td><td class="num">{}</td>"#,
                fmt::metric(f.mean),
                fmt::metric(f.std)
            );
        }
        s.push_str("</tr>");
    }
    s.push_str("</tbody></table>\n");
    match &d.origin {
        Origin::CrossValidation { folds, .. } => {
            let _ = writeln!(
                s,
                r#"<p class="note">Pooled: every document predicted by the model of the fold that held it out, counted together (the confusion matrix below is pooled too). Mean ± std: over the {folds} folds' own figures (population standard deviation).</p>"#
            );
        }
        Origin::Model { .. } => {
            s.push_str(r#"<p class="note">Micro averages equal accuracy when every document has one label. Macro: unweighted mean over labels; weighted: by support.</p>"#);
        }
    }
    s.push_str("</section>\n");

    // confusion
    s.push_str("<section id=\"confusion\">\n<h2>Confusion matrix</h2>\n<div class=\"charts\">");
    let _ = write!(
        s,
        "<figure>{}<figcaption>Document counts; rows are the true labels, columns the predicted ones.</figcaption></figure>",
        svg::confusion(d, CellValue::Counts)
    );
    let _ = write!(
        s,
        "<figure>{}<figcaption>The same, each row as a share of the true label's documents (rows sum to 100%).</figcaption></figure>",
        svg::confusion(d, CellValue::RowShares)
    );
    s.push_str("</div>\n<ul class=\"errors\" id=\"error-lines\">");
    for e in &d.misclassified {
        let _ = write!(s, "<li><b><bdi>{}</bdi></b>: ", esc(&e.label));
        if e.errors.is_empty() {
            s.push_str("no errors");
        } else {
            s.push_str("erroneously classified as ");
            for (n, x) in e.errors.iter().enumerate() {
                if n > 0 {
                    s.push_str(", ");
                }
                let _ = write!(
                    s,
                    "<bdi>{}</bdi> {}",
                    esc(&x.predicted),
                    fmt::percent(x.share)
                );
            }
        }
        s.push_str("</li>");
    }
    s.push_str("</ul>\n</section>\n");

    // per label
    s.push_str("<section id=\"per-label\">\n<h2>Per label</h2>\n<div class=\"charts\"><figure>");
    s.push_str(&svg::per_label(d));
    s.push_str("<figcaption>Precision, recall and F1 of each label; n is its number of documents (support).</figcaption></figure>\n");
    metrics_table(
        &mut s,
        "per-label-table",
        "label",
        &r.per_label,
        Some(&d.intervals),
    );
    let _ = write!(s, r#"<p class="note">{}</p>"#, esc(INTERVAL_NOTE));
    s.push_str("</div>\n</section>\n");

    if let Some(g) = &d.gate {
        s.push_str("<section id=\"gate\">\n<h2>Gate</h2>\n");
        for line in gate_lines(g) {
            let _ = writeln!(s, "<p><bdi>{}</bdi></p>", esc(&line));
        }
        metrics_table(&mut s, "gate-table", "topic", &g.per_topic, None);
        let _ = write!(
            s,
            "\n<p><bdi>{}</bdi> <strong id=\"gate-macro-f1\">{}</strong></p>\n",
            esc(&gate_macro_name(g)),
            fmt::metric(g.macro_f1)
        );
        if !g.at_thresholds.is_empty() && d.groups.is_none() {
            s.push_str("<h3>At other gate thresholds</h3>\n");
            let (head, rows) = sweep_table(&g.at_thresholds);
            cells_table(&mut s, "gate-sweep-table", &head, &rows);
            let _ = writeln!(s, "\n<p class=\"note\">{}</p>", esc(SWEEP_NOTE));
        }
        s.push_str("</section>\n");
    }

    if let Some(g) = &d.groups {
        s.push_str("<section id=\"groups\">\n<h2>Per held-out group</h2>\n");
        let (head, rows) = group_table(g);
        cells_table(&mut s, "groups-table", &head, &rows);
        let _ = writeln!(s, "\n<p class=\"note\">{}</p>", esc(&group_note(g)));
        if let Some(m) = g.mean_gate.as_ref().filter(|m| !m.at_thresholds.is_empty()) {
            s.push_str("<h3>Mean over the groups at other gate thresholds</h3>\n");
            let (head, rows) = sweep_table(&m.at_thresholds);
            cells_table(&mut s, "groups-sweep-table", &head, &rows);
            let _ = writeln!(s, "\n<p class=\"note\">{}</p>", esc(SWEEP_NOTE));
        }
        s.push_str("</section>\n");
    }

    // confused pairs
    s.push_str("<section id=\"confused\">\n<h2>Most confused labels</h2>\n");
    if d.confused_pairs.is_empty() {
        s.push_str("<p>No document was misclassified.</p>\n");
    }
    for p in &d.confused_pairs {
        let _ = write!(
            s,
            r#"<p class="pair"><bdi>{}</bdi> → predicted <bdi>{}</bdi>: {} documents ({} of <bdi>{}</bdi>)</p>"#,
            esc(&p.truth),
            esc(&p.predicted),
            p.count,
            fmt::percent(p.share),
            esc(&p.truth)
        );
        s.push_str("<table class=\"examples\"><thead><tr><th>article</th><th>first line</th><th class=\"num\">probability</th></tr></thead><tbody>");
        for e in &p.examples {
            let _ = write!(
                s,
                r#"<tr><td><code dir="ltr">{}</code></td><td class="line" dir="auto">{}</td><td class="num">{}</td></tr>"#,
                esc(&e.id),
                esc(&e.first_line),
                fmt::probability(e.probability)
            );
        }
        s.push_str("</tbody></table>\n");
    }
    s.push_str("<p class=\"note\">For each pair, the articles the model was surest of when it chose the wrong label; probability is what it gave the predicted label.</p>\n</section>\n");

    // calibration
    s.push_str(
        "<section id=\"calibration\">\n<h2>Calibration</h2>\n<div class=\"charts\"><figure>",
    );
    s.push_str(&svg::reliability(d));
    s.push_str("<figcaption>Bars at the diagonal mean that among documents given probability p, a share p is right. Below the diagonal: overconfident.</figcaption></figure>\n");
    let _ = write!(
        s,
        r#"<div><p>Expected calibration error: <b id="fig-ece">{}</b> ({} equal-width bins).</p><table id="calibration-table"><thead><tr><th>probability</th><th class="num">documents</th><th class="num">mean probability</th><th class="num">accuracy</th></tr></thead><tbody>"#,
        fmt::metric(d.calibration.ece),
        d.calibration.bins.len()
    );
    for b in &d.calibration.bins {
        let _ = write!(
            s,
            r#"<tr><td>{}–{}</td><td class="num">{}</td><td class="num">{}</td><td class="num">{}</td></tr>"#,
            fmt::probability(b.lower),
            fmt::probability(b.upper),
            b.count,
            b.confidence.map_or("–".to_string(), fmt::probability),
            b.accuracy.map_or("–".to_string(), fmt::probability)
        );
    }
    s.push_str("</tbody></table></div></div>\n</section>\n");

    // terms
    s.push_str("<section id=\"terms\">\n<h2>Most indicative terms</h2>\n");
    match &d.top_terms {
        Some(t) => {
            let _ = write!(
                s,
                r#"<p class="note">From {}; terms as its analyzer makes them (stemmer: {}). Weight: the label's naive Bayes weight for the term above the mean over labels.</p><div class="terms">"#,
                esc(&t.source),
                esc(d.setting("stemmer").unwrap_or("?"))
            );
            for lt in &t.labels {
                let _ = write!(
                    s,
                    r#"<div><h3><bdi>{}</bdi></h3><table><tbody>"#,
                    esc(&lt.label)
                );
                for tw in &lt.terms {
                    let _ = write!(
                        s,
                        r#"<tr><td class="line" dir="rtl" lang="ar">{}</td><td class="num">{}</td></tr>"#,
                        esc(&tw.term),
                        fmt::weight(tw.weight)
                    );
                }
                s.push_str("</tbody></table></div>");
            }
            s.push_str("</div>\n");
        }
        None => s.push_str("<p>No model at hand for the terms.</p>\n"),
    }
    s.push_str("</section>\n");

    // data and model
    s.push_str("<div class=\"twocol\">\n<section id=\"data\">\n<h2>Data</h2>\n<table><tbody>");
    let _ = write!(
        s,
        r#"<tr><th>data</th><td><code dir="ltr">{}</code></td></tr>"#,
        esc(&d.data.path)
    );
    if let Some(l) = &d.data.list {
        let _ = write!(
            s,
            r#"<tr><th>list</th><td><code dir="ltr">{}</code></td></tr>"#,
            esc(l)
        );
    }
    let _ = write!(
        s,
        r#"<tr><th>documents</th><td>{}</td></tr></tbody></table><h3>Documents per label</h3><table id="data-table"><tbody>"#,
        d.data.documents
    );
    for lc in &d.data.labels {
        let _ = write!(
            s,
            r#"<tr><th><bdi>{}</bdi></th><td class="num">{}</td></tr>"#,
            esc(&lc.label),
            lc.documents
        );
    }
    s.push_str("</tbody></table>");
    if !d.data.unknown_to_model.is_empty() {
        let names: Vec<String> = d
            .data
            .unknown_to_model
            .iter()
            .map(|l| format!("<bdi>{}</bdi>", esc(l)))
            .collect();
        let _ = write!(
            s,
            "<p><b>Labels the model does not know</b> (all their documents count as errors): {}</p>",
            names.join(", ")
        );
    }
    s.push_str("\n</section>\n<section id=\"model\">\n<h2>Model settings</h2>\n");
    let _ = write!(
        s,
        r#"<p class="note">From {}.</p><table><tbody>"#,
        esc(&d.model.source)
    );
    for st in &d.model.settings {
        let _ = write!(
            s,
            r#"<tr><th>{}</th><td><code>{}</code></td></tr>"#,
            esc(&st.name),
            esc(&st.value)
        );
    }
    s.push_str("</tbody></table>\n</section>\n</div>\n");
    let _ = write!(
        s,
        "<section id=\"command\">\n<h2>Command</h2>\n<pre dir=\"ltr\">{}</pre>\n<p class=\"note\">tasnif {}</p>\n</section>\n",
        esc(&d.command),
        env!("CARGO_PKG_VERSION")
    );
    s.push_str("</main>\n</body>\n</html>\n");
    s
}
