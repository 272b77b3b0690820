//! The report's charts as hand-written SVG: a confusion-matrix heatmap,
//! per-label bars and a reliability diagram. Each chart is one standalone
//! `<svg>` element (namespace, size and font given on it) that is valid XML,
//! so the same text is inlined in the HTML page and written beside the
//! Markdown file. Text is escaped; numbers use [`super::fmt`].

use std::fmt::Write;

use super::{esc, fmt, ReportData};

/// Fonts: whatever the system has, with Arabic coverage (no web fonts).
const FONT: &str = "system-ui, &quot;Segoe UI&quot;, &quot;Noto Sans&quot;, &quot;Noto Sans Arabic&quot;, &quot;DejaVu Sans&quot;, Arial, sans-serif";
const INK: &str = "#1f2328";
const MUTED: &str = "#59636e";
const GRID: &str = "#d0d7de";
/// Precision, recall, F1: Tableau 10 blue, orange, green (distinguishable
/// with the common color-vision deficiencies, and in grey by lightness).
const SERIES: [(&str, &str); 3] = [
    ("precision", "#4e79a7"),
    ("recall", "#f28e2b"),
    ("F1", "#59a14f"),
];

/// Approximate width of `s` at `size` px (no font metrics here: 0.6 em per
/// character is wide enough for Latin and Arabic sans fonts).
fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.6
}

fn open_svg(s: &mut String, w: f64, h: f64, label: &str) {
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{w:.0}" height="{h:.0}" viewBox="0 0 {w:.0} {h:.0}" role="img" aria-label="{}" font-family="{FONT}" font-size="13" fill="{INK}">"#,
        esc(label)
    );
    let _ = write!(s, r#"<rect width="{w:.0}" height="{h:.0}" fill="white"/>"#);
}

/// A sequential blue scale (ColorBrewer "Blues" end points through a middle
/// step) for t in [0, 1]; and whether text on it should be white.
fn blue(t: f64) -> (String, bool) {
    let t = if t.is_finite() {
        t.clamp(0.0, 1.0)
    } else {
        0.0
    };
    let stops = [
        (247.0, 251.0, 255.0),
        (107.0, 174.0, 214.0),
        (8.0, 48.0, 107.0),
    ];
    let (a, b, u) = if t < 0.5 {
        (stops[0], stops[1], t / 0.5)
    } else {
        (stops[1], stops[2], (t - 0.5) / 0.5)
    };
    let mix = |x: f64, y: f64| (x + (y - x) * u).round() as u8;
    (
        format!(
            "#{:02x}{:02x}{:02x}",
            mix(a.0, b.0),
            mix(a.1, b.1),
            mix(a.2, b.2)
        ),
        t > 0.45,
    )
}

/// Which numbers a confusion heatmap shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CellValue {
    /// Document counts; color by count relative to the largest (square root scale).
    Counts,
    /// Shares of the true label's documents; color by share.
    RowShares,
}

/// The confusion matrix as a heatmap: rows are true labels, columns
/// predicted labels, names on both axes. Each cell is a `<g>` with id
/// `cm-count-I-J` or `cm-share-I-J`, a tooltip, and its value as text.
pub(crate) fn confusion(d: &ReportData, what: CellValue) -> String {
    let labels = &d.metrics.confusion.labels;
    let m = &d.metrics.confusion.matrix;
    let k = labels.len().max(1);
    let cell = if k <= 8 {
        52.0
    } else {
        (420.0 / k as f64).max(28.0)
    };
    // "100.0%" must fit a cell
    let value_size = match what {
        CellValue::Counts => (cell * 0.27).clamp(9.0, 14.0),
        CellValue::RowShares => (cell * 0.23).clamp(8.0, 12.5),
    };
    let label_size = 13.0;
    let longest = labels
        .iter()
        .map(|l| text_width(l, label_size))
        .fold(40.0, f64::max);
    let left = 28.0 + longest + 10.0;
    // column names are rotated by 45°: they rise by width·sin 45°
    let top = 34.0 + longest * std::f64::consts::FRAC_1_SQRT_2 + 12.0;
    // the last column's name leans right past the matrix: room for it
    let w = (left + cell * k as f64 + 24.0)
        .max(left + cell * (k as f64 - 0.5) + longest * std::f64::consts::FRAC_1_SQRT_2 + 20.0);
    let h = top + cell * k as f64 + 16.0;
    let max_count = m.iter().flatten().copied().max().unwrap_or(0).max(1) as f64;
    let (id, title) = match what {
        CellValue::Counts => ("count", "confusion matrix, document counts"),
        CellValue::RowShares => ("share", "confusion matrix, share of each true label"),
    };
    let mut s = String::new();
    open_svg(&mut s, w, h, title);
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="16" text-anchor="middle" font-weight="600">predicted label</text>"#,
        left + cell * k as f64 / 2.0
    );
    let cy = top + cell * k as f64 / 2.0;
    let _ = write!(
        s,
        r#"<text transform="translate(16,{cy:.1}) rotate(-90)" text-anchor="middle" font-weight="600">true label</text>"#
    );
    for (j, l) in labels.iter().enumerate() {
        let x = left + cell * (j as f64 + 0.5);
        let _ = write!(
            s,
            r#"<text id="cm-{id}-col-{j}" transform="translate({x:.1},{:.1}) rotate(-45)" text-anchor="start">{}</text>"#,
            top - 8.0,
            esc(l)
        );
    }
    for (i, l) in labels.iter().enumerate() {
        let y = top + cell * (i as f64 + 0.5);
        let _ = write!(
            s,
            r#"<text id="cm-{id}-row-{i}" x="{:.1}" y="{y:.1}" text-anchor="end" dominant-baseline="central">{}</text>"#,
            left - 8.0,
            esc(l)
        );
    }
    for (i, row) in m.iter().enumerate() {
        for (j, &c) in row.iter().enumerate() {
            let share = d.row_normalized[i][j];
            let (t, text) = match what {
                CellValue::Counts => ((c as f64 / max_count).sqrt(), c.to_string()),
                CellValue::RowShares => (share, fmt::percent(share)),
            };
            let (fill, white) = blue(t);
            let (x, y) = (left + cell * j as f64, top + cell * i as f64);
            let _ = write!(
                s,
                r#"<g id="cm-{id}-{i}-{j}"><title>true {}, predicted {}: {c} documents ({} of {})</title><rect x="{x:.1}" y="{y:.1}" width="{cell:.1}" height="{cell:.1}" fill="{fill}" stroke="white" stroke-width="1"/><text x="{:.1}" y="{:.1}" text-anchor="middle" dominant-baseline="central" font-size="{value_size:.1}" fill="{}"{}>{text}</text></g>"#,
                esc(&labels[i]),
                esc(&labels[j]),
                fmt::percent(share),
                esc(&labels[i]),
                x + cell / 2.0,
                y + cell / 2.0,
                if white { "#ffffff" } else { INK },
                if i == j { r#" font-weight="700""# } else { "" },
            );
        }
    }
    // the diagonal's outline
    let _ = write!(
        s,
        r#"<rect x="{left:.1}" y="{top:.1}" width="{0:.1}" height="{0:.1}" fill="none" stroke="{GRID}"/>"#,
        cell * k as f64
    );
    s.push_str("</svg>");
    s
}

/// Precision, recall and F1 of each label as horizontal bars on a 0–1 axis,
/// the label's name and support beside them. Each bar is a `<g>` with id
/// `pl-precision-I` (`recall`, `f1`) and its value as text.
pub(crate) fn per_label(d: &ReportData) -> String {
    let rows: Vec<(&String, &crate::eval::LabelMetrics)> = d.metrics.per_label.iter().collect();
    let bar = 15.0;
    let group = bar * 3.0 + 18.0;
    let name_w = rows
        .iter()
        .map(|(l, m)| text_width(l, 13.0).max(text_width(&format!("n = {}", m.support), 12.0)))
        .fold(60.0, f64::max);
    let left = name_w + 20.0;
    let plot = 320.0;
    let top = 40.0;
    let w = left + plot + 64.0;
    let h = top + group * rows.len() as f64 + 36.0;
    let mut s = String::new();
    open_svg(&mut s, w, h, "precision, recall and F1 per label");
    // legend
    let mut lx = left;
    for (name, color) in SERIES {
        let _ = write!(
            s,
            r#"<rect x="{lx:.1}" y="10" width="12" height="12" fill="{color}"/><text x="{:.1}" y="20">{name}</text>"#,
            lx + 17.0
        );
        lx += 17.0 + text_width(name, 13.0) + 22.0;
    }
    let bottom = top + group * rows.len() as f64;
    for t in 0..=5 {
        let v = t as f64 / 5.0;
        let x = left + plot * v;
        let _ = write!(
            s,
            r#"<line x1="{x:.1}" y1="{:.1}" x2="{x:.1}" y2="{bottom:.1}" stroke="{GRID}"/><text x="{x:.1}" y="{:.1}" text-anchor="middle" font-size="11" fill="{MUTED}">{v:.1}</text>"#,
            top - 6.0,
            bottom + 16.0
        );
    }
    for (i, (label, m)) in rows.iter().enumerate() {
        let y0 = top + group * i as f64 + 9.0;
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end" font-weight="600">{}</text><text x="{:.1}" y="{:.1}" text-anchor="end" font-size="12" fill="{MUTED}">n = {}</text>"#,
            left - 10.0,
            y0 + bar * 1.5 - 2.0,
            esc(label),
            left - 10.0,
            y0 + bar * 1.5 + 13.0,
            m.support
        );
        for (b, (key, value)) in [
            ("precision", m.precision),
            ("recall", m.recall),
            ("f1", m.f1),
        ]
        .into_iter()
        .enumerate()
        {
            let y = y0 + bar * b as f64;
            let bw = plot * value.clamp(0.0, 1.0);
            let _ = write!(
                s,
                r#"<g id="pl-{key}-{i}"><title>{} {}: {}</title><rect x="{left:.1}" y="{y:.1}" width="{bw:.1}" height="{:.1}" fill="{}"/><text x="{:.1}" y="{:.1}" font-size="11" dominant-baseline="central">{}</text></g>"#,
                esc(label),
                SERIES[b].0,
                fmt::metric(value),
                bar - 2.0,
                SERIES[b].1,
                left + bw + 4.0,
                y + (bar - 2.0) / 2.0,
                fmt::metric(value)
            );
        }
    }
    let _ = write!(
        s,
        r#"<line x1="{left:.1}" y1="{top:.1}" x2="{left:.1}" y2="{bottom:.1}" stroke="{MUTED}"/>"#
    );
    s.push_str("</svg>");
    s
}

/// The reliability diagram: for each probability bin, the share of right
/// predictions (bar) against the bin's mean predicted probability (dot),
/// with the diagonal of perfect calibration, and the documents per bin below.
pub(crate) fn reliability(d: &ReportData) -> String {
    let c = &d.calibration;
    let (left, top, plot): (f64, f64, f64) = (62.0, 36.0, 340.0);
    let strip_top = top + plot + 54.0;
    let strip = 60.0;
    let legend = 16.0
        + text_width("accuracy in bin", 12.0)
        + 28.0
        + text_width("mean probability", 12.0)
        + 39.0
        + text_width("perfect calibration", 12.0);
    let w = (left + plot + 30.0).max(left + legend + 10.0);
    let h = strip_top + strip + 44.0;
    let x = |v: f64| left + plot * v.clamp(0.0, 1.0);
    let y = |v: f64| top + plot * (1.0 - v.clamp(0.0, 1.0));
    let mut s = String::new();
    open_svg(&mut s, w, h, "reliability diagram");
    let _ = write!(
        s,
        r#"<text x="{left:.1}" y="20" font-weight="600">expected calibration error {}</text>"#,
        fmt::metric(c.ece)
    );
    for t in 0..=5 {
        let v = t as f64 / 5.0;
        let _ = write!(
            s,
            r#"<line x1="{0:.1}" y1="{top:.1}" x2="{0:.1}" y2="{1:.1}" stroke="{GRID}"/><line x1="{left:.1}" y1="{2:.1}" x2="{3:.1}" y2="{2:.1}" stroke="{GRID}"/><text x="{0:.1}" y="{4:.1}" text-anchor="middle" font-size="11" fill="{MUTED}">{v:.1}</text><text x="{5:.1}" y="{2:.1}" text-anchor="end" dominant-baseline="central" font-size="11" fill="{MUTED}">{v:.1}</text>"#,
            x(v),
            top + plot,
            y(v),
            left + plot,
            top + plot + 15.0,
            left - 6.0
        );
    }
    let max_count = c.bins.iter().map(|b| b.count).max().unwrap_or(0).max(1) as f64;
    for (i, b) in c.bins.iter().enumerate() {
        let (x0, x1) = (x(b.lower) + 1.0, x(b.upper) - 1.0);
        if let (Some(conf), Some(acc)) = (b.confidence, b.accuracy) {
            let _ = write!(
                s,
                r##"<g id="rel-bin-{i}"><title>predicted {}–{}: {} documents, mean probability {}, accuracy {}</title><rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="{:.1}" fill="#4e79a7" fill-opacity="0.75"/><circle cx="{:.1}" cy="{:.1}" r="4" fill="#e15759" stroke="#ffffff"/></g>"##,
                fmt::probability(b.lower),
                fmt::probability(b.upper),
                b.count,
                fmt::probability(conf),
                fmt::probability(acc),
                y(acc),
                x1 - x0,
                y(0.0) - y(acc),
                x(conf),
                y(acc)
            );
        }
        let sh = strip * b.count as f64 / max_count;
        let _ = write!(
            s,
            r##"<rect x="{x0:.1}" y="{:.1}" width="{:.1}" height="{sh:.1}" fill="#9aa5b1"><title>{} documents</title></rect>"##,
            strip_top + strip - sh,
            x1 - x0,
            b.count
        );
        // the count over its bar (a tall accuracy bar over few documents says little)
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="9.5" fill="{MUTED}">{}</text>"#,
            (x0 + x1) / 2.0,
            (strip_top + strip - sh - 3.0).min(strip_top + strip - 3.0),
            b.count
        );
    }
    let _ = write!(
        s,
        r#"<line x1="{:.1}" y1="{:.1}" x2="{:.1}" y2="{:.1}" stroke="{MUTED}" stroke-dasharray="5 4"/>"#,
        x(0.0),
        y(0.0),
        x(1.0),
        y(1.0)
    );
    let _ = write!(
        s,
        r#"<rect x="{left:.1}" y="{top:.1}" width="{plot:.1}" height="{plot:.1}" fill="none" stroke="{MUTED}"/><line x1="{left:.1}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="{MUTED}"/>"#,
        strip_top + strip,
        left + plot
    );
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle">predicted probability of the chosen label</text>"#,
        left + plot / 2.0,
        top + plot + 32.0
    );
    let _ = write!(
        s,
        r#"<text transform="translate(16,{:.1}) rotate(-90)" text-anchor="middle">observed accuracy</text>"#,
        top + plot / 2.0
    );
    let _ = write!(
        s,
        r#"<text x="{:.1}" y="{:.1}" text-anchor="middle" font-size="12" fill="{MUTED}">documents per bin</text>"#,
        left + plot / 2.0,
        strip_top + strip + 18.0
    );
    // legend, on one line under the histogram
    let ly = strip_top + strip + 36.0;
    let mut lx = left;
    let _ = write!(
        s,
        r##"<rect x="{lx:.1}" y="{:.1}" width="12" height="12" fill="#4e79a7" fill-opacity="0.75"/><text x="{:.1}" y="{ly:.1}" font-size="12">accuracy in bin</text>"##,
        ly - 10.0,
        lx + 16.0
    );
    lx += 16.0 + text_width("accuracy in bin", 12.0) + 14.0;
    let _ = write!(
        s,
        r##"<circle cx="{:.1}" cy="{:.1}" r="4" fill="#e15759"/><text x="{:.1}" y="{ly:.1}" font-size="12">mean probability</text>"##,
        lx + 5.0,
        ly - 4.0,
        lx + 14.0
    );
    lx += 14.0 + text_width("mean probability", 12.0) + 14.0;
    let _ = write!(
        s,
        r#"<line x1="{lx:.1}" y1="{0:.1}" x2="{1:.1}" y2="{0:.1}" stroke="{MUTED}" stroke-dasharray="5 4"/><text x="{2:.1}" y="{ly:.1}" font-size="12">perfect calibration</text>"#,
        ly - 4.0,
        lx + 20.0,
        lx + 25.0
    );
    s.push_str("</svg>");
    s
}
