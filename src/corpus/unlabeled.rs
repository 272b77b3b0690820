//! Unlabeled documents for semi-supervised training: a folder of `*.txt`
//! files (walked recursively), optionally cut to the files of a list, or a
//! JSONL file with `text` and an optional `id` per line.

use std::path::Path;

use super::manifest::JsonlInputs;
use super::{extension, items_from_list, walk_txt, Item, Source};
use crate::error::{Error, ErrorKind, Result};

/// Reads the unlabeled documents at `path`: a folder (every `*.txt` file
/// below it, hidden entries skipped, in sorted path order; with `list`,
/// only the files listed there, paths relative to the folder) or a
/// `.jsonl`/`.ndjson` file (one object per line with `text` and an
/// optional `id`). Texts are not read here: a file that turns out to be
/// unreadable, or a malformed JSON line, becomes an item whose reading
/// fails, so that training can report it and go on without it.
///
/// Ids are paths relative to the folder, as in a list file.
///
/// # Errors
/// `path` does not exist or cannot be read, is a file of another kind, has
/// no documents, or `list` is given for a JSONL file or cannot be read.
/// The error names the path.
///
/// ```no_run
/// let items = tasnif::corpus::load_unlabeled(std::path::Path::new("archive/"), None)?;
/// println!("{} unlabeled documents", items.len());
/// # Ok::<(), tasnif::Error>(())
/// ```
pub fn load_unlabeled(path: &Path, list: Option<&Path>) -> Result<Vec<Item>> {
    let meta = std::fs::metadata(path).map_err(|e| Error::io(path, e))?;
    let items = if meta.is_dir() {
        match list {
            Some(list) => items_from_list(path, list)?,
            None => walk_txt(path)?
                .into_iter()
                .map(|rel| Item {
                    id: super::dir::rel_id(&rel),
                    source: Source::File(path.join(rel)),
                })
                .collect(),
        }
    } else {
        match extension(path).as_deref() {
            Some("jsonl") | Some("ndjson") => {
                if list.is_some() {
                    return Err(Error::param(
                        "unlabeled-list",
                        format!(
                            "{}: a list selects files of a folder, not lines of a JSONL file",
                            path.display()
                        ),
                    ));
                }
                // read_whole refuses devices (reading /dev/zero would never end)
                let bytes = super::read_whole(path, super::FileKind::Data)?;
                let name = path.display().to_string();
                JsonlInputs::new(std::io::Cursor::new(bytes), &name).collect()
            }
            _ => {
                return Err(Error::param(
                    "unlabeled",
                    format!(
                        "{}: expected a folder of *.txt files or a .jsonl file",
                        path.display()
                    ),
                ))
            }
        }
    };
    if items.is_empty() {
        return Err(Error::at(path, ErrorKind::NoDocuments));
    }
    Ok(items)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_lists_and_jsonl() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("u");
        std::fs::create_dir_all(root.join("b")).expect("mkdir");
        std::fs::write(root.join("a.txt"), "نص").expect("write");
        std::fs::write(root.join("b/c.txt"), "نص").expect("write");
        std::fs::write(root.join("notes.md"), "x").expect("write");
        let items = load_unlabeled(&root, None).expect("folder");
        let ids: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        assert_eq!(ids, ["a.txt", "b/c.txt"]);

        let list = dir.path().join("list.txt");
        std::fs::write(&list, "b/c.txt\n").expect("write");
        let items = load_unlabeled(&root, Some(&list)).expect("list");
        assert_eq!(items.len(), 1);
        assert!(matches!(&items[0].source, Source::File(p) if *p == root.join("b/c.txt")));

        let jsonl = dir.path().join("u.jsonl");
        std::fs::write(&jsonl, "{\"id\":\"x\",\"text\":\"نص\"}\nnot json\n").expect("write");
        let items = load_unlabeled(&jsonl, None).expect("jsonl");
        assert_eq!(items.len(), 2);
        assert!(matches!(&items[0].source, Source::Text(t) if t == "نص"));
        match &items[1].source {
            Source::Failed(e) => assert!(
                matches!(e.kind(), ErrorKind::Record { line: 2, .. }),
                "a bad line keeps its kind and line: {e}"
            ),
            other => panic!("bad line kept as a failure, got {other:?}"),
        }
        assert!(load_unlabeled(&jsonl, Some(&list)).is_err());

        let missing = dir.path().join("nope");
        let e = load_unlabeled(&missing, None)
            .expect_err("missing")
            .to_string();
        assert!(e.contains("nope") && e.contains("no such file"), "{e}");
        let e = load_unlabeled(&list, None)
            .expect_err("a .txt file")
            .to_string();
        assert!(
            e.contains("list.txt") && e.contains("expected a folder"),
            "{e}"
        );
        let empty = dir.path().join("empty");
        std::fs::create_dir(&empty).expect("mkdir");
        let e = load_unlabeled(&empty, None).expect_err("empty").to_string();
        assert!(e.contains("empty") && e.contains("no documents"), "{e}");
    }
}
