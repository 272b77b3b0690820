//! Groups of documents for grouped cross-validation: which outlet, author
//! or year each document comes from, read from a CSV or TSV file, so that a
//! fold can hold out whole groups (see [`crate::train::folds::group_folds`]).

use std::collections::{BTreeSet, HashMap};
use std::path::Path;

use super::{Encoding, LabeledData};
use crate::error::{Error, ErrorKind, Result};

/// The group name that means "never held out": such a document is in the
/// training data of every fold and is not evaluated (extra training
/// examples, such as seed articles from no outlet).
pub const NEVER_HELD_OUT: &str = "-";

/// The group of every document of some [`LabeledData`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Groups {
    /// The group names, sorted.
    pub names: Vec<String>,
    /// Each document's group, in data order: an index into `names`, or
    /// `None` for a document never held out (group [`NEVER_HELD_OUT`]).
    pub of: Vec<Option<usize>>,
}

impl Groups {
    /// Documents per group, in `names` order.
    pub fn sizes(&self) -> Vec<usize> {
        let mut n = vec![0; self.names.len()];
        for g in self.of.iter().flatten() {
            n[*g] += 1;
        }
        n
    }

    /// Documents that are never held out.
    pub fn never_held_out(&self) -> usize {
        self.of.iter().filter(|g| g.is_none()).count()
    }
}

/// Reads the groups of `data`'s documents from `path`, a CSV (`.csv`) or
/// TSV (`.tsv`) file with a header row. Its key column is `path` or, when
/// there is none, `id`; the group is the column named `column` (default
/// `group`). Extra columns are ignored, so a corpus's own manifest (an `id`
/// column and a `source` column, say) can serve as it is.
///
/// A document matches a key equal to its id (its path as listed), to a
/// trailing part of that path (`culture/0a1b.txt` or `0a1b.txt` for
/// `../corpus/culture/0a1b.txt`), or to its file name without the extension
/// (`0a1b`); the longest match wins.
///
/// # Errors
/// The file cannot be read or parsed; the header lacks a key or group
/// A document whose group is `-` ([`NEVER_HELD_OUT`]) is never held out.
///
/// # Errors
/// The file cannot be read or parsed; the header lacks a key or group
/// column; a row has an empty key or group; one key is given two groups;
/// some documents have no group (the error counts them and names the first).
pub fn read_groups(
    path: &Path,
    column: Option<&str>,
    data: &LabeledData,
    encoding: Encoding,
) -> Result<Groups> {
    let delimiter = match path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .as_deref()
    {
        Some("tsv") => b'\t',
        Some("csv") => b',',
        _ => {
            return Err(Error::at(
                path,
                ErrorKind::Invalid {
                    message: "a groups file must be .csv or .tsv".into(),
                },
            ))
        }
    };
    let bytes = super::read_whole(path, super::FileKind::List)?;
    let (text, _) = super::encoding::decode(bytes, encoding).map_err(|k| Error::at(path, k))?;
    let table = parse_groups(&text, path, delimiter, column.unwrap_or("group"))?;
    assign(table, path, data)
}

/// Key → group name, from the text of a groups file.
fn parse_groups(
    text: &str,
    path: &Path,
    delimiter: u8,
    column: &str,
) -> Result<HashMap<String, String>> {
    let (mut rdr, headers) = super::manifest::with_header(text, path, delimiter)?;
    let col = |name: &str| super::manifest::column(&headers, name);
    let key_col = col("path")
        .or_else(|| col("id"))
        .ok_or_else(|| Error::record(path, 1, "the header needs a 'path' or an 'id' column"))?;
    let group_col = col(column)
        .ok_or_else(|| Error::record(path, 1, format!("the header has no '{column}' column")))?;
    let mut table: HashMap<String, String> = HashMap::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = super::manifest::record_line(&rec, i);
        let rec = rec.map_err(|e| Error::record(path, line, e.to_string()))?;
        let field = |c: usize, name: &str| -> Result<String> {
            match rec.get(c).map(str::trim) {
                Some(v) if !v.is_empty() => Ok(v.to_string()),
                _ => Err(Error::record(path, line, format!("empty field '{name}'"))),
            }
        };
        let key = field(key_col, headers.get(key_col).unwrap_or("key"))?;
        let group = field(group_col, column)?;
        let key = key.strip_prefix("./").unwrap_or(&key).to_string();
        match table.get(&key) {
            Some(g) if *g != group => {
                return Err(Error::record(
                    path,
                    line,
                    format!("'{key}' is in group '{g}' and in group '{group}'"),
                ))
            }
            Some(_) => {}
            None => {
                table.insert(key, group);
            }
        }
    }
    Ok(table)
}

/// The keys a document id may be listed under, longest first: the id, each
/// trailing part of its path, and its file name without the extension.
fn keys_of(id: &str) -> impl Iterator<Item = &str> {
    let id = id.strip_prefix("./").unwrap_or(id);
    let suffixes = std::iter::once(id).chain(
        id.match_indices('/')
            .map(move |(i, _)| &id[i + 1..])
            .filter(|s| !s.is_empty()),
    );
    let name = id.rsplit('/').next().unwrap_or(id);
    let stem = name
        .rsplit_once('.')
        .map(|(s, _)| s)
        .filter(|s| !s.is_empty());
    suffixes.chain(stem)
}

fn assign(table: HashMap<String, String>, path: &Path, data: &LabeledData) -> Result<Groups> {
    let names: Vec<String> = table
        .values()
        .filter(|g| g.as_str() != NEVER_HELD_OUT)
        .cloned()
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect();
    let index: HashMap<&str, usize> = names
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let mut of = Vec::with_capacity(data.len());
    let mut missing = Vec::new();
    for item in &data.items {
        match keys_of(&item.id).find_map(|k| table.get(k)) {
            Some(g) => of.push(index.get(g.as_str()).copied()),
            None => {
                missing.push(item.id.as_str());
                of.push(None);
            }
        }
    }
    if let Some(first) = missing.first() {
        return Err(Error::at(
            path,
            ErrorKind::Invalid {
                message: format!(
                    "no group for {} of the {} documents (the first is '{first}')",
                    missing.len(),
                    data.len()
                ),
            },
        ));
    }
    Ok(Groups { names, of })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::{Item, Source};

    fn data(ids: &[&str]) -> LabeledData {
        LabeledData::from_pairs(
            ids.iter()
                .map(|id| {
                    (
                        Item {
                            id: id.to_string(),
                            source: Source::Text("نص".into()),
                        },
                        "a".to_string(),
                    )
                })
                .collect(),
        )
    }

    fn groups(text: &str, delimiter: u8, column: &str, ids: &[&str]) -> Result<Groups> {
        let p = Path::new("g.csv");
        assign(parse_groups(text, p, delimiter, column)?, p, &data(ids))
    }

    #[test]
    fn keys_longest_first() {
        let k: Vec<&str> = keys_of("../c/sports/0a1b.txt").collect();
        assert_eq!(
            k,
            [
                "../c/sports/0a1b.txt",
                "c/sports/0a1b.txt",
                "sports/0a1b.txt",
                "0a1b.txt",
                "0a1b"
            ]
        );
        assert_eq!(keys_of("./x").collect::<Vec<_>>(), ["x"]);
    }

    #[test]
    fn matches_by_path_suffix_and_by_stem() {
        let g = groups(
            "path,group\nsports/1.txt,BBC\n2,CNN\n../seeds/s.txt,-\n",
            b',',
            "group",
            &["../d/sports/1.txt", "../d/culture/2.txt", "../seeds/s.txt"],
        )
        .expect("groups");
        assert_eq!(g.names, ["BBC", "CNN"]);
        assert_eq!(g.of, [Some(0), Some(1), None]);
        assert_eq!((g.sizes(), g.never_held_out()), (vec![1, 1], 1));
    }

    #[test]
    fn another_column_of_a_tsv_manifest() {
        let g = groups(
            "id\tlabel\tsource\n1\tsports\tBBC\n2\tculture\tCNN\n",
            b'\t',
            "source",
            &["sports/1.txt", "culture/2.txt"],
        )
        .expect("groups");
        assert_eq!((g.names.len(), g.of.clone()), (2, vec![Some(0), Some(1)]));
    }

    #[test]
    fn clear_errors() {
        let e = groups(
            "path,group\na.txt,X\n",
            b',',
            "group",
            &["a.txt", "b.txt", "c.txt"],
        )
        .expect_err("missing")
        .to_string();
        assert!(
            e.contains("no group for 2 of the 3 documents") && e.contains("'b.txt'"),
            "{e}"
        );
        let e = groups("path,outlet\na.txt,X\n", b',', "group", &["a.txt"])
            .expect_err("no column")
            .to_string();
        assert!(e.contains("no 'group' column"), "{e}");
        let e = groups("name,group\na.txt,X\n", b',', "group", &["a.txt"])
            .expect_err("no key")
            .to_string();
        assert!(e.contains("'path' or an 'id'"), "{e}");
        let e = groups("path,group\na.txt,X\na.txt,Y\n", b',', "group", &["a.txt"])
            .expect_err("two groups")
            .to_string();
        assert!(e.contains(":3:") || e.contains("line 3"), "{e}");
        let e = groups("path,group\na.txt,\n", b',', "group", &["a.txt"])
            .expect_err("empty")
            .to_string();
        assert!(e.contains("empty field 'group'"), "{e}");
    }
}
