//! The Arabic stopword list and a fast membership test.
//!
//! Function words (particles, prepositions, pronouns, auxiliaries, the
//! reporting verbs of news prose) make up a large share of every article and
//! say nothing about its topic; dropping them shrinks the vocabulary and keeps
//! them from dominating term weights. The list ships with the crate in
//! `data/stopwords-ar.txt` (compiled in), and every entry is normalized with
//! the same [`NormalizeOptions`] as the text, so an entry written إن matches a
//! token written ان, and هذة matches هذه.

use super::normalize::{normalize, NormalizeOptions};
use super::strtab::StrTable;
use super::tokenize::tokens;

/// The built-in list, in the format accepted by [`Stopwords::from_list`].
pub const BUILTIN_STOPWORDS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/data/stopwords-ar.txt"
));

/// A set of normalized stopwords.
///
/// Built once per [`Analyzer`](super::Analyzer); lookups hash the token with a
/// small multiplicative hash (the FxHash scheme), which is several times
/// faster than the default SipHash on short keys and needs no DoS resistance
/// here since the keys are fixed at build time.
///
/// ```
/// # use tasnif::text::{NormalizeOptions, Stopwords};
/// let stop = Stopwords::builtin(NormalizeOptions::default());
/// assert!(stop.contains("في"));
/// assert!(stop.contains("ان")); // the list says إن and أن
/// assert!(!stop.contains("الحكومه"));
/// ```
#[derive(Clone)]
pub struct Stopwords {
    set: StrTable,
    /// Length in bytes of the longest entry: longer tokens skip the hash.
    max_len: usize,
}

impl Stopwords {
    /// The built-in Arabic list (`data/stopwords-ar.txt`), normalized with `opts`.
    ///
    /// `opts` must be the options used on the text being filtered, or folded
    /// entries will not match folded tokens.
    pub fn builtin(opts: NormalizeOptions) -> Stopwords {
        Stopwords::from_list(BUILTIN_STOPWORDS, opts)
    }

    /// Builds a set from a list in the `data/stopwords-ar.txt` format: one
    /// entry per line, `#` starts a comment, blank lines are ignored.
    ///
    /// Each entry is normalized with `opts` and tokenized; every token of the
    /// entry is added, so an entry that normalization splits in two still
    /// yields its parts. Duplicates after normalization collapse into one.
    pub fn from_list(list: &str, opts: NormalizeOptions) -> Stopwords {
        let mut set = StrTable::default();
        for line in list.lines() {
            let entry = line.split('#').next().unwrap_or("").trim();
            if entry.is_empty() {
                continue;
            }
            let normalized = normalize(entry, opts);
            for tok in tokens(&normalized) {
                set.intern(tok);
            }
        }
        let max_len = set.iter().map(|w| w.len()).max().unwrap_or(0);
        Stopwords { set, max_len }
    }

    /// Whether `token` (already normalized) is a stopword.
    #[inline]
    pub fn contains(&self, token: &str) -> bool {
        token.len() <= self.max_len && self.set.find(token).is_some()
    }

    /// Number of distinct entries after normalization.
    pub fn len(&self) -> usize {
        self.set.len()
    }

    /// Whether the set has no entries.
    pub fn is_empty(&self) -> bool {
        self.set.len() == 0
    }

    /// The entries, in no particular order (for tools that print the list).
    pub fn iter(&self) -> impl Iterator<Item = &str> + '_ {
        self.set.iter()
    }
}

impl std::fmt::Debug for Stopwords {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stopwords")
            .field("len", &self.set.len())
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn builtin() -> Stopwords {
        Stopwords::builtin(NormalizeOptions::default())
    }

    #[test]
    fn list_is_large_enough() {
        let stop = builtin();
        assert!(stop.len() >= 150, "only {} entries", stop.len());
        assert!(!stop.is_empty());
    }

    #[test]
    fn every_entry_is_one_token() {
        let opts = NormalizeOptions::default();
        for line in BUILTIN_STOPWORDS.lines() {
            let entry = line.split('#').next().unwrap_or("").trim();
            if entry.is_empty() {
                continue;
            }
            let normalized = normalize(entry, opts);
            let n = tokens(&normalized).count();
            assert_eq!(n, 1, "entry {entry:?} gives {n} tokens");
        }
    }

    #[test]
    fn membership() {
        let stop = builtin();
        let cases = [
            ("preposition", "في", true),
            ("relative", "التي", true),
            ("demonstrative", "هذه", true),
            ("proclitic wa-fi", "وفي", true),
            ("proclitic wal-lati", "والتي", true),
            ("proclitic wa-anna", "وان", true),
            ("proclitic fa-inna", "فان", true),
            ("proclitic bi-anna", "بان", true),
            ("proclitic wa-la", "ولا", true),
            ("proclitic wa-huwa", "وهو", true),
            ("proclitic wa-hiya", "وهي", true),
            ("auxiliary kana", "كان", true),
            ("auxiliary yakun", "يكون", true),
            ("news verb qala", "قال", true),
            ("news verb wa-qala", "وقال", true),
            ("alef maksura folded", "علي", true),
            ("teh marbuta folded", "كافه", true),
            ("content: government", "الحكومه", false),
            ("content: president", "الرئيس", false),
            ("content: cyber", "السيبراني", false),
            ("content: security", "الامن", false),
            ("content: company", "شركه", false),
            ("empty token", "", false),
            ("latin", "the", false),
        ];
        for (name, token, expected) in cases {
            assert_eq!(stop.contains(token), expected, "case {name}: {token:?}");
        }
    }

    #[test]
    fn matching_goes_through_normalization() {
        let opts = NormalizeOptions::default();
        let stop = builtin();
        let cases = [
            ("inna with hamza", "إن"),
            ("anna with hamza", "أن"),
            ("inna bare", "ان"),
            ("ila with hamza", "إلى"),
            ("ila bare alef maksura", "الى"),
            ("ila bare yeh", "الي"),
            ("hadhihi misspelt", "هذة"),
            ("with tashkeel", "إِنَّ"),
            ("with tatweel", "الـذي"),
        ];
        for (name, raw) in cases {
            let token = normalize(raw, opts);
            assert!(stop.contains(&token), "case {name}: {raw:?} -> {token:?}");
        }
    }

    #[test]
    fn teh_marbuta_option_is_honoured() {
        let keep = Stopwords::builtin(NormalizeOptions {
            fold_teh_marbuta: false,
        });
        assert!(keep.contains("كافة"));
        assert!(!keep.contains("كافه"));
    }

    #[test]
    fn from_list_format() {
        let opts = NormalizeOptions::default();
        let list = "# comment\n\n  أن  # trailing comment\nإن\nهذا\n";
        let stop = Stopwords::from_list(list, opts);
        assert_eq!(stop.len(), 2, "أن and إن fold together");
        assert!(stop.contains("ان"));
        assert!(stop.contains("هذا"));
        assert!(!stop.contains("# comment"));
        let empty = Stopwords::from_list("", opts);
        assert!(empty.is_empty());
        assert!(!empty.contains(""));
    }
}
