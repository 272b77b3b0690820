//! Output records of `label`: JSON lines, CSV or TSV.

use std::io::{self, Write};

use serde::Serialize;
use tasnif::error::Error;
use tasnif::labels::LabelSet;
use tasnif::model::Prediction;

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
    explain: Option<Vec<Term<'a>>>,
    error: Option<String>,
}

enum Sink<W: Write> {
    Json(W),
    Delimited(Box<csv::Writer<W>>),
}

/// Writes records in one format.
pub struct RecordWriter<W: Write> {
    explain: bool,
    sink: Sink<W>,
}

impl<W: Write> RecordWriter<W> {
    /// A writer; CSV and TSV start with a header row.
    pub fn new(out: W, format: Format, explain: bool) -> io::Result<RecordWriter<W>> {
        let sink = match format {
            Format::Jsonl => Sink::Json(out),
            Format::Csv | Format::Tsv => {
                let mut w = csv::WriterBuilder::new()
                    .delimiter(if format == Format::Csv { b',' } else { b'\t' })
                    .from_writer(out);
                let mut header = vec!["id", "label", "probability", "top"];
                if explain {
                    header.push("explain");
                }
                header.push("error");
                w.write_record(&header)?;
                Sink::Delimited(Box::new(w))
            }
        };
        Ok(RecordWriter { explain, sink })
    }

    /// Writes the record of one article.
    pub fn write(
        &mut self,
        labels: &LabelSet,
        id: &str,
        result: &Result<Prediction, Error>,
    ) -> io::Result<()> {
        let rec = match result {
            Ok(p) => Record {
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
                explain: self.explain.then(|| {
                    p.explain
                        .iter()
                        .map(|(t, w)| Term {
                            term: t,
                            weight: *w,
                        })
                        .collect()
                }),
                error: None,
            },
            Err(e) => Record {
                id,
                label: None,
                probability: None,
                top: Vec::new(),
                explain: self.explain.then(Vec::new),
                error: Some(e.to_string()),
            },
        };
        match &mut self.sink {
            Sink::Json(out) => {
                serde_json::to_writer(&mut *out, &rec).map_err(io::Error::from)?;
                out.write_all(b"\n")
            }
            Sink::Delimited(w) => {
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
                if let Some(ex) = &rec.explain {
                    row.push(join(
                        ex.iter()
                            .map(|t| format!("{}:{}", t.term, t.weight))
                            .collect(),
                    ));
                }
                row.push(rec.error.unwrap_or_default());
                w.write_record(&row).map_err(io::Error::from)
            }
        }
    }

    /// Flushes and hands back the underlying writer.
    pub fn finish(self) -> io::Result<W> {
        match self.sink {
            Sink::Json(mut out) => {
                out.flush()?;
                Ok(out)
            }
            Sink::Delimited(w) => w.into_inner().map_err(|e| io::Error::other(e.to_string())),
        }
    }
}
