//! `tasnif eval --report`: the HTML page in a real browser, every SVG as
//! XML, the same numbers in the terminal, HTML, Markdown and JSON, colors,
//! and bad report arguments. Synthetic data only (tests/common), so these
//! run without the corpus.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::Value;

/// A synthetic corpus with some articles filed under the wrong topic (so
/// that there are errors to report), label names that need escaping and an
/// Arabic one, and a model trained on it.
fn noisy_fixture(per_label: usize, odd_names: bool) -> Fixture {
    let dir = tempfile::tempdir().expect("tempdir");
    let corpus = dir.path().join("corpus");
    write_corpus(&corpus, per_label);
    // economy articles filed as sports, technology ones as economy
    for (n, (from_topic, to)) in [
        (0, "sports"),
        (0, "sports"),
        (0, "sports"),
        (2, "economy"),
        (2, "economy"),
    ]
    .into_iter()
    .enumerate()
    {
        std::fs::write(
            corpus.join(to).join(format!("noise_{n}.txt")),
            article(from_topic, 5000 + n),
        )
        .expect("write");
    }
    if odd_names {
        std::fs::rename(corpus.join("sports"), corpus.join("رياضة")).expect("rename");
        std::fs::rename(corpus.join("technology"), corpus.join("tech & \"sci\" <x>"))
            .expect("rename");
    }
    let out = tasnif_in(dir.path(), &["train", "corpus", "-o", "model.tasnif"]);
    assert!(out.status.success(), "train failed: {}", stderr(&out));
    Fixture { dir }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn json(path: &Path) -> Value {
    serde_json::from_str(&read(path)).expect("valid JSON")
}

fn metric(x: &Value) -> String {
    format!("{:.4}", x.as_f64().expect("a number"))
}

fn percent(x: &Value) -> String {
    format!("{:.1}%", 100.0 * x.as_f64().expect("a number"))
}

fn run_ok(f: &Fixture, args: &[&str]) -> String {
    let out = f.run(args);
    assert!(out.status.success(), "{args:?} failed: {}", stderr(&out));
    stdout(&out)
}

// ---------------------------------------------------------------- browser

/// Runs headless chromium on `page` with `extra` arguments, a fresh
/// profile, no network services; returns its standard output. Fails after
/// 120 s.
fn run_chromium(chromium: &Path, page: &Path, extra: &[String]) -> String {
    let profile = tempfile::tempdir().expect("tempdir");
    let mut child = Command::new(chromium)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-quic",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chromium starts");
    // read stdout on a thread so a large DOM cannot block the browser
    let mut out = child.stdout.take().expect("stdout");
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut out, &mut s).map(|_| s)
    });
    let start = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait for chromium") {
            break st;
        }
        if start.elapsed() > Duration::from_secs(120) {
            let _ = child.kill();
            let _ = child.wait();
            panic!("chromium did not finish in 120 s");
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let text = reader.join().expect("reader").expect("chromium output");
    assert!(status.success(), "chromium failed: {status}");
    text
}

/// The text of the `<text>` element inside the element with `id` in the
/// serialized DOM `dom`.
fn svg_text_in(dom: &str, id: &str) -> Option<String> {
    let at = dom.find(&format!("id=\"{id}\""))?;
    let rest = &dom[at..];
    let group = &rest[..rest.find("</g>")?];
    let end = group.find("</text>")?;
    let open = group[..end].rfind('>')?;
    Some(group[open + 1..end].to_string())
}

#[test]
#[cfg_attr(
    tasnif_no_chromium,
    ignore = "needs Chromium (apt-get install chromium, or set TASNIF_CHROMIUM)"
)]
fn the_html_report_renders_in_chromium_with_its_figures() {
    let Some(chromium) = chromium("the_html_report_renders_in_chromium_with_its_figures") else {
        return;
    };
    let f = noisy_fixture(15, true);
    run_ok(
        &f,
        &[
            "eval",
            "corpus",
            "-m",
            "model.tasnif",
            "--report",
            "r.html",
            "--json",
            "r.json",
        ],
    );
    let j = json(&f.path("r.json"));
    let dom = run_chromium(&chromium, &f.path("r.html"), &["--dump-dom".to_string()]);
    assert!(
        dom.contains("tasnif evaluation report"),
        "not the report:\n{dom}"
    );
    assert!(dom.contains("<svg"), "no SVG in the rendered page");
    let accuracy = metric(&j["accuracy"]);
    assert!(
        dom.contains(&format!("id=\"fig-accuracy\">{accuracy}<")),
        "the page lacks the accuracy {accuracy}"
    );
    let labels: Vec<&str> = j["confusion"]["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| l.as_str().expect("label"))
        .collect();
    assert_eq!(labels.len(), 3);
    assert!(labels.contains(&"رياضة"));
    for l in &labels {
        // the DOM serializer escapes &, < and > but not quotes in text
        let escaped = l
            .replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;");
        assert!(dom.contains(&escaped), "the page lacks the label {l:?}");
    }
    let matrix = j["confusion"]["matrix"].as_array().expect("matrix");
    let mut off_diagonal = 0;
    for (i, row) in matrix.iter().enumerate() {
        for (k, c) in row.as_array().expect("row").iter().enumerate() {
            let count = c.as_u64().expect("count");
            let shown = svg_text_in(&dom, &format!("cm-count-{i}-{k}"))
                .unwrap_or_else(|| panic!("no confusion cell {i},{k} in the rendered page"));
            assert_eq!(shown, count.to_string(), "cell {i},{k}");
            if i != k {
                off_diagonal += count;
            }
        }
    }
    assert!(off_diagonal > 0, "the fixture should have errors to show");

    let png = f.path("r.png");
    run_chromium(
        &chromium,
        &f.path("r.html"),
        &[
            format!("--screenshot={}", png.display()),
            "--window-size=1280,2400".to_string(),
        ],
    );
    let bytes = std::fs::read(&png).expect("the screenshot was written");
    assert!(bytes.len() > 1000, "screenshot of {} bytes", bytes.len());
    assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n", "not a PNG");
    let width = u32::from_be_bytes(bytes[16..20].try_into().expect("4 bytes"));
    let height = u32::from_be_bytes(bytes[20..24].try_into().expect("4 bytes"));
    assert!(width > 0 && height > 0, "{width}×{height}");
}

/// Measures, in the rendered page, the box of every column and row name of
/// both confusion matrices, of its first cell, and of its SVG.
const BOX_SCRIPT: &str = r#"<script>
const out = [];
const box = (e) => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
for (const kind of ["count", "share"]) {
  const svg = document.getElementById(`cm-${kind}-0-0`).ownerSVGElement;
  for (const side of ["col", "row"]) {
    for (let n = 0; ; n++) {
      const name = document.getElementById(`cm-${kind}-${side}-${n}`);
      if (!name) break;
      const cell = document.getElementById(side === "col" ? `cm-${kind}-0-${n}` : `cm-${kind}-${n}-0`).querySelector("rect");
      out.push({kind, side, n, name: box(name), cell: box(cell), svg: box(svg)});
    }
  }
}
const pre = document.createElement("pre");
pre.id = "boxes";
pre.textContent = JSON.stringify(out);
document.body.appendChild(pre);
</script>"#;

#[test]
#[cfg_attr(
    tasnif_no_chromium,
    ignore = "needs Chromium (apt-get install chromium, or set TASNIF_CHROMIUM)"
)]
fn no_header_of_the_html_report_is_clipped_and_it_shows_intervals() {
    let Some(chromium) = chromium("no_header_of_the_html_report_is_clipped_and_it_shows_intervals")
    else {
        return;
    };
    // "technology" is the last column: its name leans past the matrix
    let f = noisy_fixture(15, false);
    run_ok(
        &f,
        &[
            "eval",
            "corpus",
            "-m",
            "model.tasnif",
            "--report",
            "r.html",
            "--json",
            "r.json",
        ],
    );
    let j = json(&f.path("r.json"));
    let html = read(&f.path("r.html"));
    // the table of contents links to sections that exist
    let toc = &html[html.find("<nav id=\"toc\"").expect("a table of contents")..];
    let toc = &toc[..toc.find("</nav>").expect("end of the contents")];
    let links: Vec<&str> = toc
        .split("href=\"#")
        .skip(1)
        .map(|l| &l[..l.find('"').expect("quote")])
        .collect();
    assert!(links.len() >= 8, "{toc}");
    for id in links {
        assert!(
            html.contains(&format!("<section id=\"{id}\"")),
            "no section {id}"
        );
    }
    let page = f.path("boxes.html");
    std::fs::write(
        &page,
        html.replace("</body>", &format!("{BOX_SCRIPT}</body>")),
    )
    .expect("write");
    for size in ["1280,2400", "700,2400"] {
        let dom = run_chromium(
            &chromium,
            &page,
            &["--dump-dom".to_string(), format!("--window-size={size}")],
        );
        let at =
            dom.find("<pre id=\"boxes\">").expect("the script ran") + "<pre id=\"boxes\">".len();
        let boxes: Value =
            serde_json::from_str(&dom[at..at + dom[at..].find("</pre>").expect("end")])
                .expect("JSON");
        let boxes = boxes.as_array().expect("boxes");
        assert_eq!(boxes.len(), 2 * 2 * 3, "every name measured: {boxes:?}");
        for b in boxes {
            let v = |k: &str, i: usize| b[k][i].as_f64().expect("a number");
            let what = format!("{size} {} {} {}", b["kind"], b["side"], b["n"]);
            // inside its SVG (which clips what overflows it)
            assert!(
                v("name", 0) >= v("svg", 0) - 0.5
                    && v("name", 1) >= v("svg", 1) - 0.5
                    && v("name", 2) <= v("svg", 2) + 0.5
                    && v("name", 3) <= v("svg", 3) + 0.5,
                "{what}: name {:?} outside its chart {:?}",
                b["name"],
                b["svg"]
            );
            if b["side"] == "col" {
                // above its column, starting within it
                assert!(v("name", 3) <= v("cell", 1) + 0.5, "{what}: {b}");
                assert!(
                    v("name", 0) >= v("cell", 0) - 0.5 && v("name", 0) <= v("cell", 2),
                    "{what}: {b}"
                );
            } else {
                // left of its row, within its height
                assert!(v("name", 2) <= v("cell", 0) + 0.5, "{what}: {b}");
                assert!(
                    v("name", 1) >= v("cell", 1) - 0.5 && v("name", 3) <= v("cell", 3) + 0.5,
                    "{what}: {b}"
                );
            }
        }
        // the per-label table shows the intervals of the JSON
        for (l, iv) in j["intervals"].as_object().expect("intervals") {
            for key in ["precision", "recall"] {
                let x = &iv[key];
                let cell = format!("{}–{}", metric(&x["low"]), metric(&x["high"]));
                assert!(dom.contains(&cell), "{l}: no {key} interval {cell}");
                let m = j["per_label"][l][key].as_f64().expect("figure");
                assert!(
                    x["low"].as_f64().expect("low") <= m && m <= x["high"].as_f64().expect("high"),
                    "{l}: {key} {m} outside its interval {x}"
                );
            }
        }
        assert!(dom.contains("precision 95% CI"));
    }
}

// ---------------------------------------------------------------- XML

fn parse_xml<'a>(text: &'a str, what: &str) -> roxmltree::Document<'a> {
    let opts = roxmltree::ParsingOptions {
        allow_dtd: true,
        ..Default::default()
    };
    roxmltree::Document::parse_with_options(text, opts)
        .unwrap_or_else(|e| panic!("{what} is not well-formed XML: {e}"))
}

/// Every `<svg>…</svg>` in `html`, as text.
fn svg_elements(html: &str) -> Vec<&str> {
    let mut v = Vec::new();
    let mut rest = html;
    while let Some(a) = rest.find("<svg") {
        let b = rest[a..].find("</svg>").expect("closed svg") + a + "</svg>".len();
        v.push(&rest[a..b]);
        rest = &rest[b..];
    }
    v
}

#[test]
fn every_svg_of_the_html_and_markdown_reports_parses_as_xml() {
    let f = noisy_fixture(12, true);
    run_ok(
        &f,
        &["eval", "corpus", "-m", "model.tasnif", "--report", "r.html"],
    );
    let html = read(&f.path("r.html"));
    let doc = parse_xml(&html, "the HTML page");
    let svgs_in_dom = doc
        .descendants()
        .filter(|n| n.tag_name().name() == "svg")
        .count();
    let svgs = svg_elements(&html);
    assert_eq!(svgs.len(), 4, "confusion ×2, per label, reliability");
    assert_eq!(svgs_in_dom, svgs.len());
    for (n, svg) in svgs.iter().enumerate() {
        let d = parse_xml(svg, &format!("SVG {n} of the HTML report"));
        assert_eq!(d.root_element().tag_name().name(), "svg");
        assert_eq!(
            d.root_element().tag_name().namespace(),
            Some("http://www.w3.org/2000/svg")
        );
    }
    // the label with markup characters went through escaped, not as markup
    assert!(html.contains("tech &amp; &quot;sci&quot; &lt;x&gt;"));
    assert!(!html.contains("<x>"));
    for forbidden in ["<script", "<link", "@import", "url(", "src=\""] {
        assert!(
            !html.contains(forbidden),
            "the page has {forbidden}: not self-contained"
        );
    }

    std::fs::create_dir(f.path("out")).expect("mkdir");
    run_ok(
        &f,
        &[
            "eval", "corpus", "--cv", "3", "--seed", "7", "--report", "out/r.md",
        ],
    );
    let md = read(&f.path("out/r.md"));
    let mut linked = 0;
    for line in md.lines() {
        if let Some(a) = line.find("](") {
            let target = &line[a + 2..line.rfind(')').expect("link end")];
            let file = f.path("out").join(target);
            let svg = read(&file);
            let d = parse_xml(&svg, &file.display().to_string());
            assert_eq!(d.root_element().tag_name().name(), "svg");
            linked += 1;
        }
    }
    assert_eq!(linked, 4, "the Markdown links its four charts:\n{md}");
    let files = std::fs::read_dir(f.path("out/r_files"))
        .expect("the charts folder")
        .count();
    assert_eq!(files, 4, "no temporary files left beside the charts");
}

// ---------------------------------------------------------------- numbers

/// The cells of the first Markdown table after the line `heading`.
fn md_table(md: &str, heading: &str) -> Vec<Vec<String>> {
    let mut lines = md.lines().skip_while(|l| *l != heading);
    assert!(lines.next().is_some(), "no {heading:?} in the Markdown");
    lines
        .skip_while(|l| !l.starts_with('|'))
        .take_while(|l| l.starts_with('|'))
        .filter(|l| !l.starts_with("|---"))
        .map(|l| {
            l.trim_matches('|')
                .split(" | ")
                .map(|c| unescape_md(c.trim()))
                .collect()
        })
        .collect()
}

fn unescape_md(s: &str) -> String {
    let s = s
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    let mut out = String::new();
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(n) = chars.next() {
                out.push(n);
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The text content of an element, whitespace collapsed.
fn text_of(n: roxmltree::Node) -> String {
    let t: String = n
        .descendants()
        .filter(|d| d.is_text())
        .filter_map(|d| d.text())
        .collect();
    t.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn by_id<'a>(doc: &'a roxmltree::Document, id: &str) -> roxmltree::Node<'a, 'a> {
    doc.descendants()
        .find(|n| n.attribute("id") == Some(id))
        .unwrap_or_else(|| panic!("no element #{id} in the HTML"))
}

/// The rows of cells (th and td texts) of the table `id`'s body.
fn html_rows(doc: &roxmltree::Document, id: &str) -> Vec<Vec<String>> {
    let table = by_id(doc, id);
    table
        .descendants()
        .filter(|n| n.tag_name().name() == "tbody")
        .flat_map(|b| b.children().filter(|r| r.tag_name().name() == "tr"))
        .map(|r| {
            r.children()
                .filter(|c| matches!(c.tag_name().name(), "td" | "th"))
                .map(text_of)
                .collect()
        })
        .collect()
}

/// Checks that the figures of one evaluation are the same numbers in the
/// terminal output, the HTML and Markdown reports and the JSON file.
fn check_same_numbers(term: &str, html: &str, md: &str, j: &Value, cv: bool) {
    let doc = parse_xml(html, "the HTML page");
    let labels: Vec<String> = j["confusion"]["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| l.as_str().expect("label").to_string())
        .collect();
    let term_lines: Vec<&str> = term.lines().collect();
    let term_row = |first: &str| -> Vec<String> {
        term_lines
            .iter()
            .find(|l| l.starts_with(first) && l[first.len()..].starts_with("  "))
            .unwrap_or_else(|| panic!("no terminal line starting with {first:?}:\n{term}"))
            [first.len()..]
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };

    // headline figures
    let first = term_lines[0];
    for (name, key) in [
        ("accuracy", "accuracy"),
        ("macro-F1", "macro_f1"),
        ("weighted-F1", "weighted_f1"),
    ] {
        assert!(
            first.contains(&format!("{name} {}", metric(&j[key]))),
            "terminal headline lacks {name} {}: {first}",
            metric(&j[key])
        );
    }
    let ece = metric(&j["calibration"]["ece"]);
    assert!(first.contains(&format!("ECE {ece}")), "{first}");
    assert_eq!(text_of(by_id(&doc, "fig-ece")), ece);
    assert_eq!(text_of(by_id(&doc, "fig-accuracy")), metric(&j["accuracy"]));
    assert!(md.contains(&format!("Expected calibration error: **{ece}**")));
    let md_head = md_table(md, "## Headline figures");
    for (key, name) in [
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
    ] {
        let mut want = vec![name.to_string(), metric(&j[key])];
        if cv {
            let s = j["fold_stats"]
                .as_array()
                .expect("fold_stats")
                .iter()
                .find(|s| s["figure"] == key)
                .expect("figure stats");
            want.push(metric(&s["mean"]));
            want.push(metric(&s["std"]));
            // the terminal's fold table: name, pooled, mean, std
            let t = term_row(name);
            assert_eq!(t, want[1..].to_vec(), "terminal fold table, {name}");
        }
        let h = html_rows(&doc, "headline-table");
        let row = h
            .iter()
            .find(|r| r[0] == name)
            .unwrap_or_else(|| panic!("no {name} in the HTML headline table"));
        assert_eq!(row, &want, "HTML headline {name}");
        let row = md_head
            .iter()
            .find(|r| r[0] == name)
            .unwrap_or_else(|| panic!("no {name} in the Markdown headline table"));
        assert_eq!(row, &want, "Markdown headline {name}");
    }
    for (name, p) in [
        ("macro avg", "macro"),
        ("micro avg", "micro"),
        ("weighted avg", "weighted"),
    ] {
        let want: Vec<String> = ["precision", "recall", "f1"]
            .iter()
            .map(|m| metric(&j[format!("{p}_{m}")]))
            .chain([j["documents"].to_string()])
            .collect();
        assert_eq!(term_row(name), want, "terminal {name}");
    }

    // per label
    let html_pl = html_rows(&doc, "per-label-table");
    let md_pl = md_table(md, "## Per label");
    assert_eq!(html_pl.len(), labels.len());
    for (i, l) in labels.iter().enumerate() {
        let m = &j["per_label"][l];
        let nums = vec![
            metric(&m["precision"]),
            metric(&m["recall"]),
            metric(&m["f1"]),
            m["support"].to_string(),
        ];
        let mut want = vec![l.clone()];
        want.extend(nums.clone());
        // then the 95% intervals of precision and recall
        let iv = &j["intervals"][l];
        for key in ["precision", "recall"] {
            want.push(format!(
                "{}–{}",
                metric(&iv[key]["low"]),
                metric(&iv[key]["high"])
            ));
        }
        assert_eq!(html_pl[i], want, "HTML per-label row {l}");
        assert_eq!(md_pl[i + 1], want, "Markdown per-label row {l}");
        assert_eq!(term_row(l), nums, "terminal per-label row {l}");
        // the bar chart's value labels
        for (k, key) in ["precision", "recall", "f1"].iter().enumerate() {
            let bar = by_id(&doc, &format!("pl-{key}-{i}"));
            let t = bar
                .descendants()
                .find(|n| n.tag_name().name() == "text")
                .map(text_of);
            assert_eq!(t.as_deref(), Some(nums[k].as_str()), "bar {key} of {l}");
        }
    }

    // confusion matrix, counts and row shares
    let md_counts = md_table(md, "### Counts");
    let md_shares = md_table(md, "### Row-normalized");
    let matrix = j["confusion"]["matrix"].as_array().expect("matrix");
    let term_start = term_lines
        .iter()
        .position(|l| l.starts_with("confusion matrix"))
        .expect("terminal confusion matrix")
        + 2;
    for (i, row) in matrix.iter().enumerate() {
        let counts: Vec<String> = row
            .as_array()
            .expect("row")
            .iter()
            .map(|c| c.as_u64().expect("count").to_string())
            .collect();
        let shares: Vec<String> = j["row_normalized"][i]
            .as_array()
            .expect("shares")
            .iter()
            .map(percent)
            .collect();
        for k in 0..counts.len() {
            let cell = |kind: &str| {
                let g = by_id(&doc, &format!("cm-{kind}-{i}-{k}"));
                g.children()
                    .find(|n| n.tag_name().name() == "text")
                    .map(text_of)
                    .expect("cell text")
            };
            assert_eq!(cell("count"), counts[k], "HTML count {i},{k}");
            assert_eq!(cell("share"), shares[k], "HTML share {i},{k}");
        }
        assert_eq!(md_counts[i + 1][1..], counts[..], "Markdown counts row {i}");
        assert_eq!(md_shares[i + 1][1..], shares[..], "Markdown shares row {i}");
        let t: Vec<String> = term_lines[term_start + i][labels[i].len()..]
            .split_whitespace()
            .map(str::to_string)
            .collect();
        assert_eq!(t, counts, "terminal confusion row {i}");
    }

    // "erroneously classified as" lines, built here from the JSON counts
    let mut lines = Vec::new();
    for (i, row) in matrix.iter().enumerate() {
        let row: Vec<u64> = row
            .as_array()
            .expect("row")
            .iter()
            .map(|c| c.as_u64().expect("count"))
            .collect();
        let total: u64 = row.iter().sum();
        if total == 0 {
            continue;
        }
        let mut errs: Vec<(usize, u64)> = row
            .iter()
            .enumerate()
            .filter(|&(k, &c)| k != i && c > 0)
            .map(|(k, &c)| (k, c))
            .collect();
        errs.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        lines.push(if errs.is_empty() {
            format!("{}: no errors", labels[i])
        } else {
            let parts: Vec<String> = errs
                .iter()
                .map(|&(k, c)| format!("{} {:.1}%", labels[k], 100.0 * c as f64 / total as f64))
                .collect();
            format!(
                "{}: erroneously classified as {}",
                labels[i],
                parts.join(", ")
            )
        });
    }
    assert!(lines.iter().any(|l| l.contains("erroneously")));
    let html_lines: Vec<String> = by_id(&doc, "error-lines")
        .children()
        .filter(|n| n.tag_name().name() == "li")
        .map(text_of)
        .collect();
    let md_lines: Vec<String> = md
        .lines()
        .filter_map(|l| l.strip_prefix("- "))
        .map(unescape_md)
        .filter(|l| l.contains(": erroneously") || l.contains(": no errors"))
        .collect();
    for l in &lines {
        assert!(
            term_lines.contains(&l.as_str()),
            "terminal lacks {l:?}:\n{term}"
        );
    }
    assert_eq!(html_lines, lines, "HTML error lines");
    assert_eq!(md_lines, lines, "Markdown error lines");
}

#[test]
fn terminal_html_markdown_and_json_show_the_same_numbers() {
    let f = noisy_fixture(15, false);
    for (args, cv) in [
        (vec!["eval", "corpus", "-m", "model.tasnif"], false),
        (vec!["eval", "corpus", "--cv", "3", "--seed", "3"], true),
    ] {
        let with = |extra: &[&str]| -> Vec<String> {
            args.iter()
                .chain(extra)
                .chain(&["--color", "never", "--force"])
                .map(|s| s.to_string())
                .collect()
        };
        let a = with(&["--report", "r.html", "--json", "r.json"]);
        let term = run_ok(&f, &a.iter().map(String::as_str).collect::<Vec<_>>());
        let b = with(&["--report", "r.md"]);
        let term_md = run_ok(&f, &b.iter().map(String::as_str).collect::<Vec<_>>());
        // the same report whatever file is written (but the last line, which has the time)
        let body = |t: &str| {
            t.lines()
                .filter(|l| !l.starts_with('(') && !l.starts_with("report:"))
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert_eq!(body(&term), body(&term_md));
        let j = json(&f.path("r.json"));
        check_same_numbers(
            &term,
            &read(&f.path("r.html")),
            &read(&f.path("r.md")),
            &j,
            cv,
        );
        assert_eq!(
            j["origin"]["mode"],
            if cv { "cross-validation" } else { "model" }
        );
        // every part of the report is in the JSON too
        for key in [
            "calibration",
            "confused_pairs",
            "misclassified",
            "top_terms",
            "data",
            "model",
        ] {
            assert!(!j[key].is_null(), "{args:?}: JSON lacks {key}");
        }
        let pairs = j["confused_pairs"].as_array().expect("pairs");
        assert!(!pairs.is_empty(), "the fixture has errors");
        let html = read(&f.path("r.html"));
        for p in pairs {
            // every wrong document of the pair, up to 10
            let count = p["count"].as_u64().expect("count") as usize;
            assert_eq!(
                p["examples"].as_array().expect("examples").len(),
                count.min(10)
            );
            for e in p["examples"].as_array().expect("examples") {
                let id = e["id"].as_str().expect("id");
                assert!(html.contains(id), "HTML lacks example {id}");
                let prob = format!("{:.3}", e["probability"].as_f64().expect("p"));
                assert!(html.contains(&prob));
                assert_eq!(e["first_line"], "عنوان الخبر", "the articles' first line");
            }
        }
    }
}

// ---------------------------------------------------------------- the rest

#[test]
fn the_report_records_the_command_and_is_deterministic() {
    let f = noisy_fixture(10, false);
    let args = [
        "eval",
        "corpus",
        "-m",
        "model.tasnif",
        "--report",
        "r.html",
        "--force",
        "--list",
        "list.txt",
    ];
    let mut list = String::new();
    for t in ["economy", "sports", "technology"] {
        for n in 0..6 {
            list.push_str(&format!("{t}/{n:03}.txt\n"));
        }
    }
    list.push_str("sports/noise_0.txt\n");
    std::fs::write(f.path("list.txt"), list).expect("write list");
    run_ok(&f, &args);
    let a = std::fs::read(f.path("r.html")).expect("first");
    run_ok(&f, &args);
    let b = std::fs::read(f.path("r.html")).expect("second");
    assert!(a == b, "two runs gave different reports");
    let html = String::from_utf8(a).expect("UTF-8");
    let cmd = format!(
        "{} eval corpus -m model.tasnif --report r.html --force --list list.txt",
        env!("CARGO_BIN_EXE_tasnif")
    );
    assert!(
        html.contains(&cmd),
        "the command line is not recorded as given"
    );
    assert_contains_all(
        &html,
        &[
            "list.txt",
            "stemmer",
            "alpha",
            "19</td>",
            "Most indicative terms",
        ],
        "the HTML report",
    );
}

#[test]
fn color_only_when_asked_or_on_a_terminal() {
    let f = noisy_fixture(8, false);
    let base = ["eval", "corpus", "-m", "model.tasnif"];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend(extra);
        run_ok(&f, &a)
    };
    let colored = with(&["--color", "always"]);
    let plain = with(&["--color", "never"]);
    assert!(colored.contains("\x1b["));
    assert!(!plain.contains('\x1b'));
    // the same text once the color codes are taken out (but the time)
    let strip = |t: &str| -> String {
        let mut out = String::new();
        let mut rest = t;
        while let Some(a) = rest.find("\x1b[") {
            out.push_str(&rest[..a]);
            let m = rest[a..].find('m').expect("end of an escape code");
            rest = &rest[a + m + 1..];
        }
        out.push_str(rest);
        out.lines()
            .filter(|l| !l.starts_with('('))
            .collect::<Vec<_>>()
            .join("\n")
    };
    assert_eq!(strip(&colored), strip(&plain));
    assert!(
        !with(&[]).contains('\x1b'),
        "piped output is plain by default"
    );
    let out = Command::new(env!("CARGO_BIN_EXE_tasnif"))
        .args(base)
        .args(["--color", "always"])
        .env("NO_COLOR", "1")
        .current_dir(f.dir.path())
        .output()
        .expect("runs");
    assert!(
        stdout(&out).contains("\x1b["),
        "--color always wins over NO_COLOR"
    );
}

#[test]
fn the_terminal_confusion_matrix_fits_the_width() {
    let f = noisy_fixture(8, false);
    let out = f.run(&["eval", "corpus", "-m", "model.tasnif", "--json", "r.json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let j = json(&f.path("r.json"));
    let labels: Vec<String> = j["confusion"]["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .map(|l| l.as_str().expect("a name").to_string())
        .collect();
    let matrix: Vec<Vec<String>> = j["confusion"]["matrix"]
        .as_array()
        .expect("matrix")
        .iter()
        .map(|r| {
            r.as_array()
                .expect("row")
                .iter()
                .map(|c| c.to_string())
                .collect()
        })
        .collect();
    let n = labels.len();
    // 100: the names head the columns; 30: numbered columns and a legend;
    // 16: numbered columns in blocks
    for (columns, numbered, blocks) in [(100, false, 1), (30, true, 1), (16, true, 2)] {
        let out = Command::new(env!("CARGO_BIN_EXE_tasnif"))
            .args(["eval", "corpus", "-m", "model.tasnif", "--color", "never"])
            .env("COLUMNS", columns.to_string())
            .env_remove("TASNIF_MODEL")
            .current_dir(f.dir.path())
            .output()
            .expect("runs");
        assert!(out.status.success(), "{}", stderr(&out));
        let term = stdout(&out);
        let lines: Vec<&str> = term.lines().collect();
        let start = lines
            .iter()
            .position(|l| l.starts_with("confusion matrix"))
            .expect("the matrix")
            + 1;
        // the blocks: a header, then one line per label, a blank line between
        let mut got = vec![Vec::<String>::new(); n];
        let mut at = start;
        let mut seen = 0;
        loop {
            let head: Vec<&str> = lines[at].split_whitespace().collect();
            let k = head.len();
            if numbered {
                let first: usize = head[0].parse().expect("a column number");
                let want: Vec<String> = (first..first + k).map(|c| c.to_string()).collect();
                assert_eq!(head, want, "COLUMNS={columns}: numbered header");
            } else {
                assert_eq!(head, labels, "COLUMNS={columns}: named header");
            }
            for (i, line) in lines[at + 1..at + 1 + n].iter().enumerate() {
                assert!(
                    line.chars().count() <= columns,
                    "COLUMNS={columns}: {line:?} is wider"
                );
                let cells: Vec<&str> = line.split_whitespace().collect();
                got[i].extend(cells[cells.len() - k..].iter().map(|c| c.to_string()));
            }
            assert!(lines[at].chars().count() <= columns);
            seen += 1;
            at += n + 1;
            if numbered && lines[at].is_empty() {
                at += 1;
            } else {
                break;
            }
        }
        assert_eq!(seen, blocks, "COLUMNS={columns}: blocks of columns\n{term}");
        assert_eq!(got, matrix, "COLUMNS={columns}: the counts\n{term}");
        if numbered {
            // the legend names every column, within the width
            let mut legend = String::new();
            for l in lines[at..].iter().take_while(|l| !l.is_empty()) {
                assert!(l.chars().count() <= columns, "legend line {l:?}");
                legend.push_str(l);
            }
            assert!(legend.starts_with("columns:"), "{term}");
            for (c, l) in labels.iter().enumerate() {
                assert!(legend.contains(&format!("{} {l}", c + 1)), "{legend}");
            }
        }
    }
}

#[test]
fn bad_report_arguments_are_refused_before_any_work() {
    let f = noisy_fixture(8, false);
    let out = f.run(&["eval", "corpus", "-m", "model.tasnif", "--report", "r.pdf"]);
    assert_eq!(out.status.code(), Some(64), "a usage error");
    let err = stderr(&out);
    assert!(
        err.contains("r.pdf") && err.contains("unknown extension"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    assert!(stdout(&out).is_empty(), "refused before evaluating");

    std::fs::write(f.path("r.html"), "mine").expect("write");
    let out = f.run(&["eval", "corpus", "-m", "model.tasnif", "--report", "r.html"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(read(&f.path("r.html")), "mine", "not overwritten");

    // a chart file of a Markdown report counts too
    std::fs::create_dir_all(f.path("m_files")).expect("mkdir");
    std::fs::write(f.path("m_files/per_label.svg"), "mine").expect("write");
    let out = f.run(&["eval", "corpus", "-m", "model.tasnif", "--report", "m.md"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("per_label.svg"), "{}", stderr(&out));
    assert!(!f.path("m.md").exists());

    run_ok(
        &f,
        &[
            "eval",
            "corpus",
            "-m",
            "model.tasnif",
            "--report",
            "r.html",
            "--force",
        ],
    );
    assert!(read(&f.path("r.html")).starts_with("<!DOCTYPE html>"));

    let out = f.run(&[
        "eval",
        "corpus",
        "-m",
        "model.tasnif",
        "--report",
        "no/such/dir/r.html",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no/such/dir/r.html"),
        "{}",
        stderr(&out)
    );
}
