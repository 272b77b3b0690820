//! Manifests: CSV/TSV with `path,label` or `text,label` (optional `id`), and
//! JSONL with `text`, `label` and optional `id`.

use std::io::BufRead;
use std::path::Path;

use serde_json::Value;

use super::{Encoding, Item, Source};
use crate::error::{Error, Result};

/// The `secondary` column of a CSV or TSV manifest, by item id (the same
/// ids [`read_manifest`] gives), for the rows where it is not empty. A
/// manifest without the column gives an empty map.
///
/// # Errors
/// As [`read_manifest`].
pub fn read_secondary(
    path: &Path,
    delimiter: u8,
    encoding: Encoding,
) -> Result<std::collections::HashMap<String, String>> {
    let bytes = super::read_whole(path, super::FileKind::Data)?;
    let mut out = std::collections::HashMap::new();
    for row in manifest_rows(bytes, path, delimiter, encoding, true)? {
        let row = row.map_err(|(_, e)| e)?;
        if let Some(s) = row.secondary {
            out.insert(row.item.id, s);
        }
    }
    Ok(out)
}

/// Reads a CSV (`delimiter` `,`) or TSV (`\t`) manifest with a header row
/// naming the columns `path,label` (paths relative to the manifest) or
/// `text,label`, with an optional `id` column. The file is read in
/// `encoding` (spreadsheets on Arabic Windows save CSV in Windows-1256 and
/// "Unicode text" in UTF-16).
///
/// # Errors
/// Unreadable file, not in the encoding, a header without the needed
/// columns, or a row with a missing or empty field (named with its line number).
pub fn read_manifest(
    path: &Path,
    delimiter: u8,
    encoding: Encoding,
) -> Result<Vec<(Item, String)>> {
    let bytes = super::read_whole(path, super::FileKind::Data)?;
    parse_manifest(bytes, path, delimiter, encoding)
}

/// [`read_manifest`] on the bytes of a manifest said to be at `path` (which
/// names it in errors and is the base of relative paths).
///
/// # Errors
/// As [`read_manifest`].
pub fn parse_manifest(
    bytes: Vec<u8>,
    path: &Path,
    delimiter: u8,
    encoding: Encoding,
) -> Result<Vec<(Item, String)>> {
    manifest_rows(bytes, path, delimiter, encoding, true)?
        .into_iter()
        .map(|row| {
            let row = row.map_err(|(_, e)| e)?;
            Ok((row.item, row.label.unwrap_or_default()))
        })
        .collect()
}

/// The documents of a CSV (`delimiter` `,`) or TSV (`\t`) manifest read as
/// [`read_manifest`] reads one, for labeling: the `label` column is not
/// needed (and is ignored when there is one). A row that cannot be used
/// (a missing or empty `path` or `text`) becomes a failed item, with the id
/// `FILE:LINE`, so that a batch goes on past it.
///
/// # Errors
/// Unreadable file, not in the encoding, or a header with neither a `path`
/// nor a `text` column.
pub fn read_manifest_unlabeled(
    path: &Path,
    delimiter: u8,
    encoding: Encoding,
) -> Result<Vec<Item>> {
    let bytes = super::read_whole(path, super::FileKind::Data)?;
    Ok(manifest_rows(bytes, path, delimiter, encoding, false)?
        .into_iter()
        .map(|row| match row {
            Ok(row) => row.item,
            Err((line, e)) => Item {
                id: format!("{}:{line}", path.display()),
                source: Source::Failed(Box::new(e)),
            },
        })
        .collect())
}

/// One row of a manifest.
struct Row {
    item: Item,
    /// The label (`None` when the manifest is read without labels).
    label: Option<String>,
    /// The `secondary` label, when the column is there and not empty.
    secondary: Option<String>,
}

/// A row of a manifest, or its line and what is wrong with it.
type RowResult = std::result::Result<Row, (u64, Error)>;

/// The rows of a manifest; with `labeled`, the `label` column is required
/// and read.
///
/// # Errors
/// Only errors of the whole file: unreadable, not in the encoding, a header
/// without the needed columns.
fn manifest_rows(
    bytes: Vec<u8>,
    path: &Path,
    delimiter: u8,
    encoding: Encoding,
    labeled: bool,
) -> Result<Vec<RowResult>> {
    let (text, _) = super::encoding::decode(bytes, encoding).map_err(|k| Error::at(path, k))?;
    let (mut rdr, headers) = with_header(&text, path, delimiter)?;
    let col = |name: &str| column(&headers, name);
    let cols = Columns {
        // read without labels, a label column is ignored
        label: match col("label") {
            Some(c) => Some(c).filter(|_| labeled),
            None if labeled => {
                return Err(Error::record(path, 1, "the header has no 'label' column"))
            }
            None => None,
        },
        path: col("path"),
        text: col("text"),
        id: col("id"),
        secondary: col("secondary"),
    };
    if cols.path.is_none() && cols.text.is_none() {
        return Err(Error::record(
            path,
            1,
            "the header needs a 'path' or a 'text' column",
        ));
    }
    let base = path.parent().unwrap_or(Path::new(""));
    Ok(rdr
        .records()
        .enumerate()
        .map(|(i, rec)| {
            let line = record_line(&rec, i);
            manifest_row(rec, line, path, base, &cols).map_err(|e| (line, e))
        })
        .collect())
}

/// The positions of a manifest's columns in its header.
struct Columns {
    label: Option<usize>,
    path: Option<usize>,
    text: Option<usize>,
    id: Option<usize>,
    secondary: Option<usize>,
}

/// One row of a manifest at `path` (see [`manifest_rows`]); `base` is the
/// folder that relative paths start from.
fn manifest_row(
    rec: csv::Result<csv::StringRecord>,
    line: u64,
    path: &Path,
    base: &Path,
    cols: &Columns,
) -> Result<Row> {
    let rec = rec.map_err(|e| Error::record(path, line, e.to_string()))?;
    let field = |c: usize, name: &str| -> Result<String> {
        match rec.get(c) {
            Some(v) if !v.trim().is_empty() => Ok(v.to_string()),
            Some(_) => Err(Error::record(path, line, format!("empty field '{name}'"))),
            None => Err(Error::record(path, line, format!("missing field '{name}'"))),
        }
    };
    let label = match cols.label {
        Some(c) => Some(field(c, "label")?.trim().to_string()),
        None => None,
    };
    let item = match (cols.path, cols.text) {
        (Some(pc), _) => {
            let rel = field(pc, "path")?;
            let id = match cols.id {
                Some(c) => field(c, "id")?,
                None => rel.clone(),
            };
            Item {
                id,
                source: Source::File(base.join(rel.trim())),
            }
        }
        (None, Some(tc)) => {
            let text = field(tc, "text")?;
            let id = match cols.id {
                Some(c) => field(c, "id")?,
                None => format!("{}:{line}", path.display()),
            };
            Item {
                id,
                source: Source::Text(text),
            }
        }
        (None, None) => unreachable!("checked above"),
    };
    let secondary = cols
        .secondary
        .and_then(|c| rec.get(c))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string);
    Ok(Row {
        item,
        label,
        secondary,
    })
}

/// A reader of the CSV (`delimiter` `,`) or TSV (`\t`) `text` of the file
/// at `path`, rows of any length, and its header row.
pub(super) fn with_header<'t>(
    text: &'t str,
    path: &Path,
    delimiter: u8,
) -> Result<(csv::Reader<&'t [u8]>, csv::StringRecord)> {
    let mut rdr = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .flexible(true)
        .from_reader(text.as_bytes());
    let headers = rdr
        .headers()
        .map_err(|e| Error::record(path, 1, format!("cannot read the header: {e}")))?
        .clone();
    Ok((rdr, headers))
}

/// The position of the column `name` in `headers` (case and surrounding
/// white space ignored, and a byte-order mark).
pub(super) fn column(headers: &csv::StringRecord, name: &str) -> Option<usize> {
    headers.iter().position(|h| {
        h.trim()
            .trim_start_matches('\u{feff}')
            .eq_ignore_ascii_case(name)
    })
}

/// The line of the `i`-th data row `rec` (its position when the reader
/// knows it, else counted from the header).
pub(super) fn record_line(rec: &csv::Result<csv::StringRecord>, i: usize) -> u64 {
    rec.as_ref()
        .ok()
        .and_then(|r| r.position())
        .map_or(i as u64 + 2, |p| p.line())
}

/// The `id` of a JSON line: a string that is not blank, or a number.
/// The record's `id`: a string, or an integer written as its digits; none
/// when it is missing, null or blank. A number that is not a 64-bit integer
/// (a fraction, an exponent, more digits than 64 bits hold) is an error:
/// JSON readers keep it as a float, which would change its digits
/// (18446744073709551617 would read as 18446744073709552000).
fn id_of(v: &Value) -> std::result::Result<Option<String>, String> {
    match v.get("id") {
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
        Some(Value::Number(n)) if n.is_i64() || n.is_u64() => Ok(Some(n.to_string())),
        Some(Value::Number(n)) => Err(format!(
            "field 'id' is the number {n}, which is not a 64-bit integer and may have lost digits; \
             give it as a string"
        )),
        _ => Ok(None),
    }
}

fn parse_line(line: &str) -> std::result::Result<Value, String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not valid JSON: {e}"))?;
    if !v.is_object() {
        return Err("not a JSON object".into());
    }
    Ok(v)
}

/// Takes the string field `name` out of `v` (no copy of the text).
fn string_field(v: &mut Value, name: &str) -> std::result::Result<String, String> {
    match v.get_mut(name) {
        Some(Value::String(s)) => Ok(std::mem::take(s)),
        Some(_) => Err(format!("field '{name}' is not a string")),
        None => Err(format!("missing field '{name}'")),
    }
}

/// The article of one JSON object with `text` and an optional `id` (a
/// string or a number), as a line of `label`'s standard input gives it: the
/// item `NAME:N` (`name` and `n` name where it came from in messages and
/// stand in for a missing id) whose reading fails when `text` is missing or
/// not a string, or when `v` is not an object. The text is moved out of `v`,
/// not copied.
///
/// ```
/// use tasnif::corpus::{json_item, Source};
/// let item = json_item(serde_json::json!({"id": 7, "text": "نص"}), "request", 1);
/// assert_eq!(item.id, "7");
/// assert!(matches!(item.source, Source::Text(ref t) if t == "نص"));
/// let item = json_item(serde_json::json!({"txt": "نص"}), "request", 2);
/// assert_eq!(item.id, "request:2");
/// assert!(matches!(item.source, Source::Failed(_)));
/// ```
pub fn json_item(mut v: Value, name: &str, n: u64) -> Item {
    let fallback = || format!("{name}:{n}");
    let (id, source) = match id_of(&v) {
        Err(m) => (fallback(), Err(m)),
        Ok(id) => (
            id.unwrap_or_else(fallback),
            if !v.is_object() {
                Err("not a JSON object".to_string())
            } else {
                string_field(&mut v, "text")
            },
        ),
    };
    match source {
        Ok(t) => Item {
            id,
            source: Source::Text(t),
        },
        Err(m) => Item {
            id,
            source: Source::Failed(Box::new(Error::record(name, n, m))),
        },
    }
}

/// Reads a labeled JSONL file: one object per line with `text`, `label` and
/// an optional `id` (default `FILE:LINE`). Blank lines are skipped. JSON is
/// UTF-8 by definition (RFC 8259), whatever `--encoding` says; a UTF-8
/// byte-order mark at the start is skipped.
///
/// # Errors
/// Unreadable file, a line that is not a JSON object, or a missing field.
pub fn read_jsonl_labeled(path: &Path) -> Result<Vec<(Item, String)>> {
    let bytes = super::read_whole(path, super::FileKind::Data)?;
    parse_jsonl_labeled(bytes, path)
}

/// [`read_jsonl_labeled`] on the bytes of a file said to be at `path` (which names it in errors).
///
/// # Errors
/// As [`read_jsonl_labeled`].
pub fn parse_jsonl_labeled(bytes: Vec<u8>, path: &Path) -> Result<Vec<(Item, String)>> {
    let text = String::from_utf8(bytes).map_err(|e| {
        let offset = e.utf8_error().valid_up_to();
        Error::record(
            path,
            super::utf8_error_line(&e),
            format!("not valid UTF-8 (byte {offset} of the file); JSON lines must be UTF-8"),
        )
    })?;
    // a byte-order mark (Notepad writes one) is not part of the first line
    let body = text.strip_prefix('\u{FEFF}').unwrap_or(&text);
    let mut out = Vec::new();
    for (i, line) in body.lines().enumerate() {
        let n = i as u64 + 1;
        if line.trim().is_empty() {
            continue;
        }
        let mut v = parse_line(line).map_err(|m| Error::record(path, n, m))?;
        let text = string_field(&mut v, "text").map_err(|m| Error::record(path, n, m))?;
        let label = string_field(&mut v, "label").map_err(|m| Error::record(path, n, m))?;
        if label.trim().is_empty() {
            return Err(Error::record(path, n, "empty field 'label'"));
        }
        let id = id_of(&v)
            .map_err(|m| Error::record(path, n, m))?
            .unwrap_or_else(|| format!("{}:{n}", path.display()));
        out.push((
            Item {
                id,
                source: Source::Text(text),
            },
            label.trim().to_string(),
        ));
    }
    Ok(out)
}

/// What each line of a line-by-line input holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum LineFormat {
    /// A JSON object with `text` and an optional `id` (JSON lines).
    #[default]
    Jsonl,
    /// The text of one document (an article per line, as fastText reads
    /// them); its id is `NAME:LINE`. Blank lines are skipped.
    Text,
}

/// Unlabeled JSONL (`id` and `text` per line) for `label`, read one line at
/// a time as items are needed, or plain text, one document per line (see
/// [`JsonlInputs::format`]). A bad line becomes a failed item (id
/// `NAME:LINE` when it has none) so the batch goes on. A line longer than
/// the limit (see [`JsonlInputs::max_line`]) is skipped without being held
/// in memory, and becomes a failed item too.
pub struct JsonlInputs<R> {
    reader: R,
    name: String,
    n: usize,
    max_line: u64,
    format: LineFormat,
    done: bool,
}

/// One line of input, or how long it was when over the limit.
enum Line {
    Ok(Vec<u8>),
    TooLong(u64),
}

impl<R: BufRead> JsonlInputs<R> {
    /// Reads from `reader`; `name` (e.g. `stdin`) names it in messages.
    /// Lines may be up to 6 × [`DEFAULT_MAX_BYTES`](super::DEFAULT_MAX_BYTES)
    /// bytes long (see [`JsonlInputs::max_line`]).
    pub fn new(reader: R, name: &str) -> JsonlInputs<R> {
        JsonlInputs {
            reader,
            name: name.to_string(),
            n: 0,
            max_line: line_limit(super::DEFAULT_MAX_BYTES),
            format: LineFormat::Jsonl,
            done: false,
        }
    }

    /// Reads each line as `format` says (default: JSON lines). Set it
    /// before [`JsonlInputs::max_line`]: a line of plain text is held to
    /// `max_bytes` itself.
    pub fn format(mut self, format: LineFormat) -> JsonlInputs<R> {
        self.format = format;
        self
    }

    /// Sets the longest line accepted to the most that a text of
    /// `max_bytes` can take in JSON (6 bytes per byte, as `\u00XX`, plus
    /// room for the other fields); the text itself is then held to
    /// `max_bytes`. A line of plain text is held to `max_bytes`.
    pub fn max_line(mut self, max_bytes: u64) -> JsonlInputs<R> {
        self.max_line = match self.format {
            LineFormat::Jsonl => line_limit(max_bytes),
            LineFormat::Text => max_bytes,
        };
        self
    }

    /// The next line without its `\n`, keeping at most `max_line` bytes of it.
    fn read_line(&mut self) -> std::io::Result<Option<Line>> {
        let mut line = Vec::new();
        let mut len = 0u64;
        let mut any = false;
        loop {
            let buf = match self.reader.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                break;
            }
            any = true;
            let (chunk, found) = match buf.iter().position(|&b| b == b'\n') {
                Some(i) => (&buf[..i], true),
                None => (buf, false),
            };
            len += chunk.len() as u64;
            if len <= self.max_line {
                line.extend_from_slice(chunk);
            } else if !line.is_empty() {
                line = Vec::new(); // over the limit: stop holding it
            }
            let used = chunk.len() + usize::from(found);
            self.reader.consume(used);
            if found {
                break;
            }
        }
        Ok(match (any, len > self.max_line) {
            (false, _) => None,
            (true, true) => Some(Line::TooLong(len)),
            (true, false) => Some(Line::Ok(line)),
        })
    }
}

fn line_limit(max_bytes: u64) -> u64 {
    max_bytes.saturating_mul(6).saturating_add(64 * 1024)
}

impl<R: BufRead> Iterator for JsonlInputs<R> {
    type Item = Item;

    fn next(&mut self) -> Option<Item> {
        if self.done {
            return None;
        }
        loop {
            let line = self.read_line().transpose()?;
            self.n += 1;
            let (name, n) = (&self.name, self.n);
            // the id of a line without one (made only when needed: most lines have one)
            let fallback = || format!("{name}:{n}");
            let failed = |id: String, m: String| Item {
                id,
                source: Source::Failed(Box::new(Error::record(name.as_str(), n as u64, m))),
            };
            let line = match line {
                Ok(Line::Ok(l)) => l,
                Ok(Line::TooLong(len)) => {
                    return Some(failed(
                        fallback(),
                        format!(
                            "line is {len} bytes, over the limit of {} bytes",
                            self.max_line
                        ),
                    ))
                }
                Err(e) => {
                    self.done = true;
                    return Some(failed(fallback(), e.to_string()));
                }
            };
            // SIMD validation: std's check of each line cost as much as its parse
            if simdutf8::basic::from_utf8(&line).is_err() {
                return Some(failed(fallback(), "not valid UTF-8".into()));
            }
            // SAFETY: the bytes were just validated as UTF-8.
            let mut line = unsafe { String::from_utf8_unchecked(line) };
            if n == 1 && line.starts_with('\u{FEFF}') {
                // a byte-order mark (Notepad writes one) is not part of the line
                line.drain(..'\u{FEFF}'.len_utf8());
            }
            if line.trim().is_empty() {
                continue;
            }
            if self.format == LineFormat::Text {
                if line.ends_with('\r') {
                    line.pop();
                }
                return Some(Item {
                    id: fallback(),
                    source: Source::Text(line),
                });
            }
            if let Some(item) = super::jsonline::article(&line, name, n as u64) {
                return Some(item);
            }
            return Some(match parse_line(&line) {
                Err(m) => failed(fallback(), m),
                Ok(v) => json_item(v, name, n as u64),
            });
        }
    }
}
