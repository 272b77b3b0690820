//! The common JSON line of `label`'s input, `{"id": …, "text": …}`, read
//! without building a `serde_json::Value`: the fields are deserialized
//! straight from the line, the text borrowed where it has no escapes, and
//! every other field skipped. Any line this fast path is not sure of (not an
//! object, no string `text`, a key given twice, bad JSON) is left to the
//! general path ([`super::manifest`]), so both give the same item and the
//! same error for every line; a unit test checks that they agree.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::{Item, Source};

#[derive(Deserialize)]
struct Article<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow)]
    text: Cow<'a, str>,
}

/// The item of `line` when it is an object with a string `text` (the id as
/// the general path reads it: a non-blank string or a number, else
/// `NAME:N`); `None` for anything else.
pub(super) fn article(line: &str, name: &str, n: u64) -> Option<Item> {
    if !line.trim_start().starts_with('{') {
        // serde would read an array as a struct's fields in order
        return None;
    }
    let a: Article<'_> = serde_json::from_str(line).ok()?;
    let id = match a.id.map(RawValue::get) {
        Some(raw) if raw.starts_with('"') => {
            let s: Cow<'_, str> = serde_json::from_str(raw).ok()?;
            (!s.trim().is_empty()).then(|| s.into_owned())
        }
        Some(raw) => match serde_json::from_str::<serde_json::Number>(raw) {
            Ok(num) if num.is_i64() || num.is_u64() => Some(num.to_string()),
            // a number that is not a 64-bit integer is the general path's
            // error (its digits may be lost)
            Ok(_) => return None,
            Err(_) => None,
        },
        None => None,
    }
    .unwrap_or_else(|| format!("{name}:{n}"));
    Some(Item {
        id,
        source: Source::Text(a.text.into_owned()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The general path's item, as `JsonlInputs` makes it.
    fn general(line: &str, n: u64) -> (String, Result<String, String>) {
        let item = match serde_json::from_str::<serde_json::Value>(line) {
            Ok(v) if v.is_object() => super::super::json_item(v, "stdin", n),
            _ => return ("(refused)".into(), Err("bad".into())),
        };
        match item.source {
            Source::Text(t) => (item.id, Ok(t)),
            Source::Failed(e) => (item.id, Err(e.to_string())),
            _ => (item.id, Err("other source".into())),
        }
    }

    #[test]
    fn agrees_with_the_general_path_or_leaves_the_line_to_it() {
        // lines the fast path reads
        let fast_lines = [
            r#"{"id": "a1", "text": "نص الخبر"}"#,
            r#"{"text": "بلا معرف"}"#,
            r#"  {"id": 7, "text": "x"}"#,
            r#"{"id": 12345678901234567890, "text": "x"}"#,
            r#"{"id": -9223372036854775808, "text": "x"}"#,
            r#"{"id": "  ", "text": "blank id"}"#,
            r#"{"id": null, "text": "null id"}"#,
            r#"{"id": true, "text": "bool id"}"#,
            r#"{"id": {"a": 1}, "text": "object id"}"#,
            r#"{"id": ["a"], "text": "array id"}"#,
            r#"{"id": "a\"b\u0627", "text": "escapes \n \t \u0628 \ud83d\ude00 \\"}"#,
            r#"{"label": "x", "meta": {"k": [1, 2, {"t": "no"}]}, "text": "extra fields"}"#,
            r#"{"text": "", "id": "empty text"}"#,
        ];
        // the lines the general path alone reads: repeated keys (the last
        // wins there), a text that is not a string, no object, bad JSON, an
        // id that is a number but not a 64-bit integer (refused there)
        let slow_lines = [
            r#"{"id": -0, "text": "x"}"#,
            r#"{"id": 1.50, "text": "x"}"#,
            r#"{"id": 1e3, "text": "x"}"#,
            r#"{"text": "a", "text": "b"}"#,
            r#"{"id": "a", "id": "b", "text": "c"}"#,
            r#"{"text": 5}"#,
            r#"{"txt": "no text"}"#,
            r#"{}"#,
            r#"["id", "text"]"#,
            r#""text""#,
            r#"{"text": "trailing"} x"#,
            r#"{"text": "unterminated"#,
        ];
        let lines: Vec<&str> = fast_lines.iter().chain(&slow_lines).copied().collect();
        let mut fast = 0;
        for (i, line) in lines.iter().enumerate() {
            let n = i as u64 + 1;
            match article(line, "stdin", n) {
                Some(item) => {
                    fast += 1;
                    let Source::Text(t) = item.source else {
                        panic!("{line}: the fast path gives text");
                    };
                    assert_eq!((item.id, Ok(t)), general(line, n), "{line}");
                }
                None => assert!(
                    slow_lines.contains(line),
                    "{line}: a plain article left to the general path"
                ),
            }
        }
        assert_eq!(fast, fast_lines.len(), "lines read by the fast path");
    }
}
