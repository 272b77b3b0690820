//! Output records of `label`: JSON lines, CSV or TSV.

use tasnif::batch::Labeled;
use tasnif::error::Error;
use tasnif::model::Classifier;
use tasnif::record::{Record, RecordOptions};

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

impl Format {
    /// The format a file name's extension calls for: `.csv`, `.tsv` (or
    /// `.tab`), `.jsonl` (or `.ndjson`); `None` for any other.
    pub fn from_extension(path: &std::path::Path) -> Option<Format> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        match ext.as_str() {
            "csv" => Some(Format::Csv),
            "tsv" | "tab" => Some(Format::Tsv),
            "jsonl" | "ndjson" => Some(Format::Jsonl),
            _ => None,
        }
    }
}

/// How records are rendered: format and whether they carry `explain`.
/// Rendering is a pure function of one result, so it runs on the workers.
#[derive(Debug, Clone, Copy)]
pub struct RecordFormat<'a> {
    pub format: Format,
    pub explain: bool,
    /// `--multi`: the probability a label needs to be a tag.
    pub tag_threshold: Option<f64>,
    /// The model whose records these are.
    pub model: &'a Classifier,
}

impl RecordFormat<'_> {
    /// The header line (CSV and TSV), empty for JSON lines.
    pub fn header(&self) -> Vec<u8> {
        let mut out = Vec::new();
        if self.format != Format::Jsonl {
            let gate = self.model.gate_settings().map(|(_, _, name)| name);
            let mut cols = vec!["id", "label", "probability"];
            cols.extend(gate);
            cols.push("top");
            if self.tag_threshold.is_some() {
                cols.push("tags");
            }
            if self.explain {
                cols.push("explain");
                if gate.is_some() {
                    cols.push("evidence");
                }
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

    /// One delimited row, by `csv::Writer`: fields quoted when they hold
    /// the delimiter, a quote or a line break (quotes doubled), as RFC 4180
    /// says; rows end with `\n`.
    fn push_row(&self, out: &mut Vec<u8>, fields: impl Iterator<Item = String>) {
        let mut w = csv::WriterBuilder::new()
            .delimiter(self.sep())
            .has_headers(false)
            .buffer_capacity(512)
            .from_writer(out);
        // writing into memory cannot fail
        let _ = w.write_record(fields);
        let _ = w.flush();
    }

    /// The record of one article, with its line ending.
    pub fn render(&self, id: &str, result: &Result<Labeled, Error>) -> Vec<u8> {
        let opts = RecordOptions {
            explain: self.explain,
            tag_threshold: self.tag_threshold,
        };
        let rec = Record::new(self.model, id, result, opts);
        let mut out = Vec::with_capacity(256);
        match self.format {
            Format::Jsonl => {
                rec.write_json(&mut out);
                out.push(b'\n');
            }
            Format::Csv | Format::Tsv => {
                let join = |v: Vec<String>| v.join(";");
                let e = escape_name;
                let mut row = vec![
                    rec.id.to_string(),
                    rec.label.unwrap_or("").to_string(),
                    rec.probability.map_or(String::new(), |p| p.to_string()),
                ];
                if let Some((_, p)) = rec.gate {
                    row.push(p.map_or(String::new(), |p| p.to_string()));
                }
                row.push(join(
                    rec.top
                        .iter()
                        .map(|s| format!("{}:{}", e(s.label), s.probability))
                        .collect(),
                ));
                if let Some(tags) = &rec.tags {
                    row.push(join(tags.iter().map(|t| e(t).into_owned()).collect()));
                }
                for ex in [&rec.explain, &rec.evidence].into_iter().flatten() {
                    row.push(join(
                        ex.iter()
                            .map(|t| format!("{}:{}", e(t.term), t.weight))
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

/// A label or term inside a list column of CSV/TSV output (`top`, `tags`,
/// `explain`, `evidence`: `NAME:VALUE` pairs, or names, joined by `;`):
/// a `\`, `:` or `;` in the name is escaped with a backslash, so that the
/// column splits one way only. Names without them are as they are.
fn escape_name(name: &str) -> std::borrow::Cow<'_, str> {
    if !name.contains(['\\', ':', ';']) {
        return std::borrow::Cow::Borrowed(name);
    }
    let mut s = String::with_capacity(name.len() + 2);
    for c in name.chars() {
        if matches!(c, '\\' | ':' | ';') {
            s.push('\\');
        }
        s.push(c);
    }
    std::borrow::Cow::Owned(s)
}

#[cfg(test)]
mod tests {
    use super::escape_name;

    #[test]
    fn names_in_list_columns_split_one_way() {
        assert_eq!(escape_name("sports"), "sports");
        assert_eq!(escape_name("رياضة"), "رياضة");
        assert_eq!(escape_name("a:b;c"), "a\\:b\\;c");
        assert_eq!(escape_name("x\\y"), "x\\\\y");
    }
}
