//! Output records of `label`: JSON lines, CSV or TSV.

use serde::Serialize;
use tasnif::batch::Labeled;
use tasnif::corpus::TextEncoding;
use tasnif::error::Error;
use tasnif::labels::LabelSet;

/// Output formats of `label`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One JSON object per line.
    Jsonl,
    /// Comma-separated, with a header row.
    Csv,
    /// Tab-separated, with a header row.
    Tsv,
}

#[derive(Serialize)]
struct Scored<'a> {
    label: &'a str,
    probability: f64,
}

#[derive(Serialize)]
struct Term<'a> {
    term: &'a str,
    weight: f64,
}

/// One output record; the JSON field names are part of the CLI contract.
#[derive(Serialize)]
struct Record<'a> {
    id: &'a str,
    label: Option<&'a str>,
    probability: Option<f64>,
    top: Vec<Scored<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tags: Option<Vec<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    explain: Option<Vec<Term<'a>>>,
    /// The file's encoding, only when it was not UTF-8.
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding: Option<&'static str>,
    error: Option<String>,
}

/// How records are rendered: format and whether they carry `explain`.
/// Rendering is a pure function of one result, so it runs on the workers.
#[derive(Debug, Clone, Copy)]
pub struct RecordFormat {
    pub format: Format,
    pub explain: bool,
    /// `--multi`: the probability a label needs to be a tag.
    pub tag_threshold: Option<f64>,
}

impl RecordFormat {
    /// The header line (CSV and TSV), empty for JSON lines.
    pub fn header(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.format != Format::Jsonl {
            let mut cols = vec!["id", "label", "probability", "top"];
            if self.tag_threshold.is_some() {
                cols.push("tags");
            }
            if self.explain {
                cols.push("explain");
            }
            cols.push("encoding");
            cols.push("error");
            self.push_row(&mut out, cols.into_iter().map(str::to_string));
        }
        out
    }

    fn sep(&self) -> u8 {
        if self.format == Format::Tsv {
            b'\t'
        } else {
            b','
        }
    }

    /// One delimited row: fields quoted when they hold the delimiter, a
    /// quote or a line break (quotes doubled), as RFC 4180 says.
    fn push_row(&self, out: &mut Vec<u8>, fields: impl Iterator<Item = String>) {
        let sep = self.sep();
        for (i, f) in fields.enumerate() {
            if i > 0 {
                out.push(sep);
            }
            if f.bytes()
                .any(|b| b == sep || b == b'"' || b == b'\n' || b == b'\r')
            {
                out.push(b'"');
                out.extend_from_slice(f.replace('"', "\"\"").as_bytes());
                out.push(b'"');
            } else {
                out.extend_from_slice(f.as_bytes());
            }
        }
        out.push(b'\n');
    }

    /// The record of one article, with its line ending.
    pub fn render(&self, labels: &LabelSet, id: &str, result: &Result<Labeled, Error>) -> Vec<u8> {
        let rec = match result {
            Ok(Labeled {
                prediction: p,
                encoding,
            }) => Record {
                id,
                label: Some(labels.name(p.label)),
                probability: Some(p.probability),
                top: p
                    .top
                    .iter()
                    .map(|&(l, pr)| Scored {
                        label: labels.name(l),
                        probability: pr,
                    })
                    .collect(),
                tags: self
                    .tag_threshold
                    .map(|t| p.tags(t).into_iter().map(|l| labels.name(l)).collect()),
                explain: self.explain.then(|| {
                    p.explain
                        .iter()
                        .map(|(t, w)| Term {
                            term: t,
                            weight: *w,
                        })
                        .collect()
                }),
                encoding: (*encoding != TextEncoding::Utf8).then(|| encoding.name()),
                error: None,
            },
            Err(e) => Record {
                id,
                label: None,
                probability: None,
                top: Vec::new(),
                tags: self.tag_threshold.map(|_| Vec::new()),
                explain: self.explain.then(Vec::new),
                encoding: None,
                error: Some(e.to_string()),
            },
        };
        let mut out = Vec::with_capacity(256);
        match self.format {
            Format::Jsonl => {
                // Serializing these plain fields into a Vec cannot fail.
                let _ = serde_json::to_writer(&mut out, &rec);
                out.push(b'\n');
            }
            Format::Csv | Format::Tsv => {
                let join = |v: Vec<String>| v.join(";");
                let mut row = vec![
                    rec.id.to_string(),
                    rec.label.unwrap_or("").to_string(),
                    rec.probability.map_or(String::new(), |p| p.to_string()),
                    join(
                        rec.top
                            .iter()
                            .map(|s| format!("{}:{}", s.label, s.probability))
                            .collect(),
                    ),
                ];
                if let Some(tags) = &rec.tags {
                    row.push(tags.join(";"));
                }
                if let Some(ex) = &rec.explain {
                    row.push(join(
                        ex.iter()
                            .map(|t| format!("{}:{}", t.term, t.weight))
                            .collect(),
                    ));
                }
                row.push(rec.encoding.unwrap_or_default().to_string());
                row.push(rec.error.unwrap_or_default());
                self.push_row(&mut out, row.into_iter());
            }
        }
        out
    }
}
