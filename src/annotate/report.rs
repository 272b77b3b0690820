//! The figures of [`super::simulate`] for people: a terminal table and a
//! self-contained HTML page with the learning curves as SVG.

use std::fmt::Write as _;

use super::select::Strategy;
use super::simulate::{ActiveLearningReport, SimCurve};

/// Colours of the curves, random last in grey.
fn colour(s: Strategy) -> &'static str {
    match s {
        Strategy::Uncertainty => "#2457c5",
        Strategy::Margin => "#c2410c",
        Strategy::Entropy => "#15803d",
        Strategy::Committee => "#7e22ce",
        Strategy::Random => "#6b7280",
    }
}

/// What the simulation ran on, in one paragraph.
fn setting(r: &ActiveLearningReport) -> String {
    let labels = r
        .labels
        .iter()
        .map(|(l, n)| format!("{l} {n}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "pool {} articles ({labels}), scored on {} held-out articles; first {} labels from the seed set, then retrained every {} labels up to {}; seeds {}; training: {}{}",
        r.pool,
        r.test,
        r.start,
        r.step,
        r.budget,
        r.seeds
            .iter()
            .map(u64::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        r.params,
        if r.em.is_some() {
            "; every model trained with EM on the unlabeled rest of the pool"
        } else {
            ""
        }
    )
}

/// The verdict lines: the target, each strategy's cost and the saving.
pub fn summary(r: &ActiveLearningReport) -> Vec<String> {
    let mut v = vec![format!(
        "all {} pool labels: macro-F1 {:.4} (accuracy {:.4}); target {:.0}% of it: {:.4}",
        r.pool,
        r.all_labels_macro_f1,
        r.all_labels_accuracy,
        100.0 * r.target_share,
        r.target
    )];
    for c in &r.curves {
        v.push(format!(
            "{:<12} reaches the target at {}; macro-F1 at {} labels: {:.4} ± {:.4}",
            c.strategy.name(),
            c.labels_to_target.map_or(
                format!("> {} labels (not within the budget)", r.budget),
                |n| format!("{n} labels")
            ),
            r.budget,
            last(c).0,
            last(c).1
        ));
    }
    match (r.best, r.saving) {
        (Some(b), Some(s)) => v.push(format!(
            "best: {b}, with {s:.2}× fewer labels than random sampling ({})",
            if s >= 3.0 {
                "at most a third: the target of the issue is met"
            } else {
                "more than a third: the target of the issue is not met"
            }
        )),
        (Some(b), None) => v.push(format!(
            "best: {b}; no saving can be given: {} does not reach the target within the budget",
            if r.curves
                .iter()
                .any(|c| c.strategy == b && c.labels_to_target.is_none())
            {
                "it"
            } else {
                "random sampling"
            }
        )),
        _ => {}
    }
    v
}

fn last(c: &SimCurve) -> (f64, f64) {
    c.points
        .last()
        .map_or((0.0, 0.0), |p| (p.macro_f1.mean, p.macro_f1.std))
}

/// The report as text: the setting, the verdict, and a table of mean
/// macro-F1 ± spread by labels (rows) and strategy (columns).
pub fn render_text(r: &ActiveLearningReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "active learning: {}\n", setting(r));
    for line in summary(r) {
        let _ = writeln!(s, "{line}");
    }
    let _ = writeln!(
        s,
        "\nmacro-F1 on the held-out articles (mean ± std over seeds):"
    );
    let _ = write!(s, "{:>8}", "labels");
    for c in &r.curves {
        let _ = write!(s, "  {:>17}", c.strategy.name());
    }
    let _ = writeln!(s);
    let rows = r.curves.first().map_or(0, |c| c.points.len());
    for i in 0..rows {
        let _ = write!(s, "{:>8}", r.curves[0].points[i].labels);
        for c in &r.curves {
            let p = &c.points[i];
            let mark = if p.macro_f1.mean >= r.target {
                '*'
            } else {
                ' '
            };
            let _ = write!(
                s,
                "  {:>8.4} ± {:.4}{mark}",
                p.macro_f1.mean, p.macro_f1.std
            );
        }
        let _ = writeln!(s);
    }
    let _ = writeln!(s, "(* at or above the target)");
    s
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The learning curves as one SVG: macro-F1 (mean, with a ±std band)
/// against labels, one line per strategy, the target dashed.
pub fn render_svg(r: &ActiveLearningReport) -> String {
    let (w, h) = (720.0, 420.0);
    let (l, rm, t, b) = (56.0, 150.0, 16.0, 44.0);
    let xmax = r.budget.max(1) as f64;
    let lo = r
        .curves
        .iter()
        .flat_map(|c| c.points.iter().map(|p| p.macro_f1.mean - p.macro_f1.std))
        .fold(1.0f64, f64::min)
        .clamp(0.0, 1.0);
    let y0 = (lo * 10.0).floor() / 10.0;
    let x = |n: f64| l + n / xmax * (w - l - rm);
    let y = |v: f64| t + (1.0 - (v.clamp(y0, 1.0) - y0) / (1.0 - y0).max(1e-9)) * (h - t - b);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {w} {h}" width="{w}" height="{h}" font-family="sans-serif" font-size="12" role="img" aria-label="learning curves">"#
    );
    let _ = write!(
        s,
        r##"<rect x="{l}" y="{t}" width="{}" height="{}" fill="#fafbfe" stroke="#d9dee8"/>"##,
        w - l - rm,
        h - t - b
    );
    let mut v = y0;
    while v <= 1.0 + 1e-9 {
        let _ = write!(
            s,
            r##"<line x1="{l}" x2="{}" y1="{y:.1}" y2="{y:.1}" stroke="#e6e9f0"/><text x="{}" y="{:.1}" text-anchor="end" fill="#667085">{v:.1}</text>"##,
            w - rm,
            l - 6.0,
            y(v) + 4.0,
            y = y(v)
        );
        v += 0.1;
    }
    for i in 0..=4 {
        let n = xmax * i as f64 / 4.0;
        let _ = write!(
            s,
            r##"<text x="{:.1}" y="{}" text-anchor="middle" fill="#667085">{:.0}</text>"##,
            x(n),
            h - b + 16.0,
            n
        );
    }
    let _ = write!(
        s,
        r##"<text x="{:.1}" y="{}" text-anchor="middle" fill="#344054">labels</text><text x="14" y="{:.1}" transform="rotate(-90 14 {:.1})" text-anchor="middle" fill="#344054">macro-F1 (held out)</text>"##,
        (l + w - rm) / 2.0,
        h - 8.0,
        (t + h - b) / 2.0,
        (t + h - b) / 2.0
    );
    let _ = write!(
        s,
        r##"<line id="target" x1="{l}" x2="{}" y1="{yt:.1}" y2="{yt:.1}" stroke="#b42318" stroke-dasharray="5 4"/><text x="{}" y="{:.1}" fill="#b42318">target {:.3}</text>"##,
        w - rm,
        w - rm + 6.0,
        y(r.target) + 4.0,
        r.target,
        yt = y(r.target)
    );
    for (k, c) in r.curves.iter().enumerate() {
        let col = colour(c.strategy);
        let up: Vec<String> = c
            .points
            .iter()
            .map(|p| {
                format!(
                    "{:.1},{:.1}",
                    x(p.labels as f64),
                    y(p.macro_f1.mean + p.macro_f1.std)
                )
            })
            .collect();
        let down: Vec<String> = c
            .points
            .iter()
            .rev()
            .map(|p| {
                format!(
                    "{:.1},{:.1}",
                    x(p.labels as f64),
                    y(p.macro_f1.mean - p.macro_f1.std)
                )
            })
            .collect();
        let line: Vec<String> = c
            .points
            .iter()
            .map(|p| format!("{:.1},{:.1}", x(p.labels as f64), y(p.macro_f1.mean)))
            .collect();
        let _ = write!(
            s,
            r#"<g id="curve-{}"><polygon points="{} {}" fill="{col}" opacity="0.12"/><polyline points="{}" fill="none" stroke="{col}" stroke-width="2"/></g>"#,
            c.strategy.name(),
            up.join(" "),
            down.join(" "),
            line.join(" ")
        );
        let ly = t + 14.0 + 18.0 * k as f64;
        let _ = write!(
            s,
            r#"<line x1="{}" x2="{}" y1="{ly}" y2="{ly}" stroke="{col}" stroke-width="3"/><text x="{}" y="{}" fill="{col}">{}</text>"#,
            w - rm + 6.0,
            w - rm + 26.0,
            w - rm + 30.0,
            ly + 4.0,
            c.strategy.name()
        );
    }
    s.push_str("</svg>");
    s
}

/// The report as one self-contained HTML page.
pub fn render_html(r: &ActiveLearningReport) -> String {
    let mut s = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>tasnif active-learning report</title>\
         <style>body{font-family:system-ui,sans-serif;margin:2rem;color:#1d2330;max-width:960px}\
         table{border-collapse:collapse}td,th{padding:.2rem .6rem;border-bottom:1px solid #e6e9f0;text-align:right}\
         td.hit{font-weight:600}</style></head><body>\n<h1>tasnif active-learning report</h1>\n",
    );
    let _ = writeln!(s, "<p>{}</p>", esc(&setting(r)));
    s.push_str("<ul>");
    for line in summary(r) {
        let _ = write!(s, "<li>{}</li>", esc(&line));
    }
    s.push_str("</ul>\n");
    s.push_str(&render_svg(r));
    s.push_str("\n<h2>Macro-F1 on the held-out articles (mean ± std over seeds)</h2>\n<table><tr><th>labels</th>");
    for c in &r.curves {
        let _ = write!(s, "<th>{}</th>", c.strategy.name());
    }
    s.push_str("</tr>\n");
    let rows = r.curves.first().map_or(0, |c| c.points.len());
    for i in 0..rows {
        let _ = write!(s, "<tr><td>{}</td>", r.curves[0].points[i].labels);
        for c in &r.curves {
            let p = &c.points[i];
            let class = if p.macro_f1.mean >= r.target {
                " class=\"hit\""
            } else {
                ""
            };
            let _ = write!(
                s,
                "<td{class}>{:.4} ± {:.4}</td>",
                p.macro_f1.mean, p.macro_f1.std
            );
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</table>\n<p>Bold: at or above the target.</p>\n</body></html>\n");
    s
}
