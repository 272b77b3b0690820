//! Stemmers: Light10, Snowball Arabic, or none.
//!
//! Arabic attaches articles, conjunctions, prepositions and pronouns to the
//! word, and marks number and gender with suffixes, so one topic word shows up
//! in dozens of surface forms (المعلومات، والمعلومات، بالمعلومات، معلومات...).
//! A stemmer maps them to one term so the classifier can pool their counts.
//! Which stemmer classifies best is an empirical question, so the choice is
//! part of the analyzer configuration ([`StemmerKind`]).

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Which stemming algorithm the analyzer applies to each token.
///
/// Stored in the model's analyzer configuration; serialized, parsed and
/// printed as `light10`, `snowball` or `none`.
///
/// ```
/// # use tasnif::text::StemmerKind;
/// let kind: StemmerKind = "snowball".parse().unwrap();
/// assert_eq!(kind, StemmerKind::Snowball);
/// assert_eq!(kind.to_string(), "snowball");
/// assert_eq!(StemmerKind::default(), StemmerKind::Light10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum StemmerKind {
    /// Light10 of Larkey, Ballesteros and Connell (see [`light10`]). Default.
    #[default]
    #[cfg_attr(feature = "cli", value(help = "Larkey et al.'s Light10 light stemmer"))]
    Light10,
    /// The Snowball Arabic stemmer, via the `rust-stemmers` crate.
    #[cfg_attr(feature = "cli", value(help = "Snowball Arabic (rust-stemmers)"))]
    Snowball,
    /// No stemming: terms are the normalized tokens.
    #[cfg_attr(feature = "cli", value(help = "No stemming"))]
    None,
}

impl StemmerKind {
    /// All kinds, in the order a tool should list them.
    pub const ALL: [StemmerKind; 3] = [
        StemmerKind::Light10,
        StemmerKind::Snowball,
        StemmerKind::None,
    ];

    /// The name used by `FromStr`, `Display` and serde.
    pub fn as_str(self) -> &'static str {
        match self {
            StemmerKind::Light10 => "light10",
            StemmerKind::Snowball => "snowball",
            StemmerKind::None => "none",
        }
    }
}

impl fmt::Display for StemmerKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Error from parsing a [`StemmerKind`]: the input was not one of the names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseStemmerError {
    input: String,
}

impl fmt::Display for ParseStemmerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "unknown stemmer {:?} (expected light10, snowball or none)",
            self.input
        )
    }
}

impl std::error::Error for ParseStemmerError {}

impl FromStr for StemmerKind {
    type Err = ParseStemmerError;

    /// Parses `light10`, `snowball` or `none`, ignoring ASCII case and
    /// surrounding whitespace.
    ///
    /// # Errors
    ///
    /// [`ParseStemmerError`] for any other string.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let t = s.trim();
        StemmerKind::ALL
            .into_iter()
            .find(|k| t.eq_ignore_ascii_case(k.as_str()))
            .ok_or_else(|| ParseStemmerError {
                input: s.to_string(),
            })
    }
}

/// A stemmer of a given [`StemmerKind`], ready to use from many threads.
///
/// ```
/// # use tasnif::text::{Stemmer, StemmerKind};
/// let stemmer = Stemmer::new(StemmerKind::Light10);
/// let mut buf = String::new();
/// assert_eq!(stemmer.stem("والمعلومات", &mut buf), "معلوم");
/// ```
#[derive(Clone)]
pub struct Stemmer {
    kind: StemmerKind,
    /// Present only for [`StemmerKind::Snowball`].
    snowball: Option<SnowballStemmer>,
}

/// `rust_stemmers::Stemmer` is a function pointer underneath but implements
/// neither `Clone` nor `Debug`; this wrapper recreates it on clone.
struct SnowballStemmer(rust_stemmers::Stemmer);

impl SnowballStemmer {
    fn new() -> Self {
        SnowballStemmer(rust_stemmers::Stemmer::create(
            rust_stemmers::Algorithm::Arabic,
        ))
    }
}

impl Clone for SnowballStemmer {
    fn clone(&self) -> Self {
        SnowballStemmer::new()
    }
}

impl Stemmer {
    /// Creates a stemmer of the given kind.
    pub fn new(kind: StemmerKind) -> Stemmer {
        let snowball = match kind {
            StemmerKind::Snowball => Some(SnowballStemmer::new()),
            StemmerKind::Light10 | StemmerKind::None => None,
        };
        Stemmer { kind, snowball }
    }

    /// The kind this stemmer was built with.
    pub fn kind(&self) -> StemmerKind {
        self.kind
    }

    /// Stems one normalized token.
    ///
    /// Light10 and None return a sub-slice of `token` and leave `buf` alone,
    /// so they never allocate. Snowball writes its result into `buf` (cleared
    /// first) and returns it; `buf` keeps its capacity across calls.
    pub fn stem<'a>(&self, token: &'a str, buf: &'a mut String) -> &'a str {
        match (self.kind, &self.snowball) {
            (StemmerKind::Light10, _) => light10(token),
            (StemmerKind::None, _) => token,
            (StemmerKind::Snowball, Some(s)) => match s.0.stem(token) {
                Cow::Borrowed(b) => b,
                Cow::Owned(o) => {
                    buf.clear();
                    buf.push_str(&o);
                    buf.as_str()
                }
            },
            // `new` always sets `snowball` for this kind.
            (StemmerKind::Snowball, None) => token,
        }
    }
}

impl fmt::Debug for Stemmer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Stemmer").field("kind", &self.kind).finish()
    }
}

/// Light10 prefixes, in the order they are tried: UTF-8 bytes and length in chars.
const LIGHT10_PREFIXES: [(&[u8], usize); 7] = [
    ("\u{0627}\u{0644}".as_bytes(), 2),         // ال
    ("\u{0648}\u{0627}\u{0644}".as_bytes(), 3), // وال
    ("\u{0628}\u{0627}\u{0644}".as_bytes(), 3), // بال
    ("\u{0643}\u{0627}\u{0644}".as_bytes(), 3), // كال
    ("\u{0641}\u{0627}\u{0644}".as_bytes(), 3), // فال
    ("\u{0644}\u{0644}".as_bytes(), 2),         // لل
    ("\u{0648}".as_bytes(), 1),                 // و
];

/// Light10 suffixes, in the order they are tried: UTF-8 bytes and length in chars.
const LIGHT10_SUFFIXES: [(&[u8], usize); 10] = [
    ("\u{0647}\u{0627}".as_bytes(), 2), // ها
    ("\u{0627}\u{0646}".as_bytes(), 2), // ان
    ("\u{0627}\u{062A}".as_bytes(), 2), // ات
    ("\u{0648}\u{0646}".as_bytes(), 2), // ون
    ("\u{064A}\u{0646}".as_bytes(), 2), // ين
    ("\u{064A}\u{0647}".as_bytes(), 2), // يه
    ("\u{064A}\u{0629}".as_bytes(), 2), // ية
    ("\u{0647}".as_bytes(), 1),         // ه
    ("\u{0629}".as_bytes(), 1),         // ة
    ("\u{064A}".as_bytes(), 1),         // ي
];

/// Whether the two-byte sequence `b` is the first letter of a Light10
/// prefix (ا و ب ك ف ل), so most words skip the prefix table.
#[inline]
fn may_start_prefix(b: &[u8]) -> bool {
    matches!(
        b,
        [0xD8, 0xA7, ..] // ا ALEF
            | [0xD9, 0x88, ..] // و WAW
            | [0xD8, 0xA8, ..] // ب BEH
            | [0xD9, 0x83, ..] // ك KAF
            | [0xD9, 0x81, ..] // ف FEH
            | [0xD9, 0x84, ..] // ل LAM
    )
}

/// Whether `b` ends with the last letter of a Light10 suffix (ا ن ت ه ة ي).
#[inline]
fn may_end_suffix(b: &[u8]) -> bool {
    matches!(
        b,
        [.., 0xD8, 0xA7] // ا ALEF
            | [.., 0xD9, 0x86] // ن NOON
            | [.., 0xD8, 0xAA] // ت TEH
            | [.., 0xD9, 0x87] // ه HEH
            | [.., 0xD8, 0xA9] // ة TEH MARBUTA
            | [.., 0xD9, 0x8A] // ي YEH
    )
}

/// The Light10 stemmer: strips one prefix, then suffixes; returns a sub-slice.
///
/// Light10 is the light stemmer of Leah S. Larkey, Lisa Ballesteros and
/// Margaret E. Connell, "Light Stemming for Arabic Information Retrieval",
/// in *Arabic Computational Morphology*, Springer, 2007. It is the stemmer
/// of Lucene's `ArabicStemmer`, and the rules below follow that
/// implementation's behaviour (prefix and suffix lists, their order, and the
/// length conditions):
///
/// 1. Remove at most one prefix: the first of ال، وال، بال، كال، فال، لل، و
///    that matches. The one-letter prefix و is removed only from a word of at
///    least 4 letters; a longer prefix only if at least 2 letters remain.
/// 2. Then try the suffixes ها، ان، ات، ون، ين، يه، ية، ه، ة، ي once each, in
///    that order, removing each one that matches as long as at least 2 letters
///    remain. Several can apply in turn (الاتفاقيات → اتفاقي after ات, then
///    → اتفاق after ي).
///
/// Letters are counted as `char`s. The input is expected to be normalized
/// (see [`normalize`](super::normalize())): with teh marbuta folding on, ة has
/// already become ه and the ية and ة rules never fire (يه and ه do the work).
/// Non-Arabic tokens pass through unchanged. Never allocates.
///
/// ```
/// # use tasnif::text::light10;
/// assert_eq!(light10("للدول"), "دول");
/// assert_eq!(light10("سياسات"), "سياس");
/// assert_eq!(light10("الاتفاقيات"), "اتفاق");
/// ```
pub fn light10(token: &str) -> &str {
    let bytes = token.as_bytes();
    // Every affix is whole Arabic letters, so the cut points below are char
    // boundaries of `token`.
    let (mut start, mut end) = (0, bytes.len());
    let mut n = token.chars().count();
    if may_start_prefix(bytes) {
        for (prefix, plen) in LIGHT10_PREFIXES {
            let long_enough = if plen == 1 { n >= 4 } else { n >= plen + 2 };
            if long_enough && bytes.starts_with(prefix) {
                start = prefix.len();
                n -= plen;
                break;
            }
        }
    }
    if may_end_suffix(&bytes[start..]) {
        for (suffix, slen) in LIGHT10_SUFFIXES {
            if n >= slen + 2 && bytes[start..end].ends_with(suffix) {
                end -= suffix.len();
                n -= slen;
            }
        }
    }
    token.get(start..end).unwrap_or(token)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize::{normalize, NormalizeOptions};

    const FOLD: NormalizeOptions = NormalizeOptions {
        fold_teh_marbuta: true,
    };
    const KEEP: NormalizeOptions = NormalizeOptions {
        fold_teh_marbuta: false,
    };

    /// Stems `raw` after normalizing it, as the analyzer does.
    fn stem_normalized(stemmer: &Stemmer, raw: &str, opts: NormalizeOptions) -> String {
        let token = normalize(raw, opts);
        let mut buf = String::new();
        stemmer.stem(&token, &mut buf).to_string()
    }

    /// Runs every case and reports all mismatches at once.
    fn check(kind: StemmerKind, opts: NormalizeOptions, cases: &[(&str, &str, &str)]) {
        let stemmer = Stemmer::new(kind);
        let mut bad = Vec::new();
        for (name, raw, expected) in cases {
            let got = stem_normalized(&stemmer, raw, opts);
            if &got != expected {
                bad.push(format!("{name}: {raw} -> {got} (expected {expected})"));
            }
        }
        assert!(bad.is_empty(), "{kind} mismatches:\n{}", bad.join("\n"));
    }

    /// Words from the seed articles and the brief, worked by hand from the
    /// Light10 rules on the normalized form (ة folded to ه).
    const LIGHT10_CASES: &[(&str, &str, &str)] = &[
        // وال + ات: والمعلومات → معلومات → معلوم
        ("wal- and -at", "والمعلومات", "معلوم"),
        // ال, then ات, then ي (each suffix once, in order): اتفاقيات → اتفاقي → اتفاق
        ("al-, -at then -i", "الاتفاقيات", "اتفاق"),
        // بالشراكة → بالشراكه; بال → شراكه; ه → شراك
        ("bal- and folded teh marbuta", "بالشراكة", "شراك"),
        // ال + ات
        ("al- and -at", "التسريبات", "تسريب"),
        // ال, then ي (ان is tried first but the word ends in ني)
        ("al- and -i", "السيبراني", "سيبران"),
        // لل leaves دول (3 letters); no suffix leaves 2 letters
        ("lil-", "للدول", "دول"),
        // no prefix; ات
        ("plural -at", "سياسات", "سياس"),
        // ال + ه (folded ة)
        ("al- and -a", "الشركة", "شرك"),
        // ال; ون would leave 2 letters: الإلكترونية → الالكترونيه → الكترونيه → يه → الكترون
        ("al- and -iyya", "الإلكترونية", "الكترون"),
        // و (word has 4+ letters), then ات: وسياسات → سياسات → سياس
        ("wa- on a long word", "وسياسات", "سياس"),
        // و is not removed from a 3-letter word
        ("wa- on a short word", "ولد", "ولد"),
        // وال needs 2 letters left: والد has 4 letters, so وال is skipped and و removed
        ("wal- too long for the word", "والد", "الد"),
        // ال needs 2 letters left
        ("al- on a 3-letter word", "الم", "الم"),
        ("al- leaves exactly 2", "البر", "بر"),
        // ين: المهاجمين → مهاجمين → مهاجم
        ("al- and -in", "المهاجمين", "مهاجم"),
        // ون: والمسؤولون → مسؤولون → مسؤول
        ("wal- and -un", "والمسؤولون", "مسؤول"),
        // ها: أنشطتها → انشطتها → انشطت (then no further suffix: ends ت)
        ("-ha", "أنشطتها", "انشطت"),
        // ان: الطرفان → طرفان → طرف
        ("dual -an", "الطرفان", "طرف"),
        // كال: كالمعتاد → معتاد
        ("kal-", "كالمعتاد", "معتاد"),
        // فال: فالشركات → شركات → شرك
        ("fal-", "فالشركات", "شرك"),
        // يه would leave 1 letter, so it is skipped; ه leaves 2 and goes
        ("-hu on a 3-letter word", "فيه", "في"),
        ("two letters untouched", "في", "في"),
        ("one letter", "و", "و"),
        ("empty", "", ""),
        ("latin untouched", "kaspersky", "kaspersky"),
        ("digits untouched", "2021", "2021"),
    ];

    #[test]
    fn light10_cases() {
        check(StemmerKind::Light10, FOLD, LIGHT10_CASES);
    }

    #[test]
    fn light10_without_teh_marbuta_folding() {
        let cases = [
            // ة survives normalization, so the ة and ية rules apply.
            ("teh marbuta rule", "بالشراكة", "شراك"),
            ("iyya rule", "الإلكترونية", "الكترون"),
            ("al- and -a", "الشركة", "شرك"),
        ];
        check(StemmerKind::Light10, KEEP, &cases);
    }

    #[test]
    fn light10_returns_a_subslice() {
        let token = "والمعلومات";
        let stem = light10(token);
        let start = stem.as_ptr() as usize - token.as_ptr() as usize;
        assert_eq!(&token[start..start + stem.len()], stem);
    }

    /// What rust-stemmers 1.2 actually returns on the same words, recorded
    /// from a run (not what a linguist would want: it keeps وال in
    /// والمعلومات and cuts سياسات to ياسا, as noted in DESIGN.md). Its
    /// suffix rules look for ة, so with ة folded to ه it leaves شراكه and
    /// شركه unstemmed; compare the unfolded cases below.
    const SNOWBALL_NORMALIZED_CASES: &[(&str, &str, &str)] = &[
        ("wal- and -at", "والمعلومات", "والمعلوما"),
        ("al-, -at then -i", "الاتفاقيات", "اتفاق"),
        ("bal- and folded teh marbuta", "بالشراكة", "شراكه"),
        ("al- and -at", "التسريبات", "تسريب"),
        ("al- and -i", "السيبراني", "سيبران"),
        ("lil-", "للدول", "دول"),
        ("plural -at", "سياسات", "ياسا"),
        ("al- and -a", "الشركة", "شركه"),
        ("al- and -iyya", "الإلكترونية", "الكترونيه"),
        ("empty", "", ""),
        ("latin untouched", "kaspersky", "kaspersky"),
        ("digits untouched", "2021", "2021"),
    ];

    #[test]
    fn snowball_cases() {
        check(StemmerKind::Snowball, FOLD, SNOWBALL_NORMALIZED_CASES);
    }

    /// Snowball on the words with ة kept (the normalizer option off), which
    /// is what its suffix rules were written for.
    #[test]
    fn snowball_without_teh_marbuta_folding() {
        let cases = [
            ("wal- and -at", "والمعلومات", "والمعلوما"),
            ("plural -at", "سياسات", "ياسا"),
            ("bal- and teh marbuta", "بالشراكة", "شراك"),
            ("al- and -iyya", "الإلكترونية", "الكترون"),
        ];
        check(StemmerKind::Snowball, KEEP, &cases);
    }

    #[test]
    fn none_is_identity() {
        let cases = [
            ("wal- and -at", "والمعلومات", "والمعلومات"),
            ("folded", "بالشراكة", "بالشراكه"),
            ("empty", "", ""),
        ];
        check(StemmerKind::None, FOLD, &cases);
    }

    #[test]
    fn snowball_reuses_buffer() {
        let stemmer = Stemmer::new(StemmerKind::Snowball);
        let mut buf = String::from("stale");
        let first = stemmer.stem("التسريبات", &mut buf).to_string();
        let again = stemmer.stem("التسريبات", &mut buf).to_string();
        assert_eq!(first, again);
    }

    #[test]
    fn kind_parse_and_display() {
        let cases = [
            ("light10", "light10", Some(StemmerKind::Light10)),
            ("snowball", "snowball", Some(StemmerKind::Snowball)),
            ("none", "none", Some(StemmerKind::None)),
            ("upper case", "LIGHT10", Some(StemmerKind::Light10)),
            ("padded", " snowball ", Some(StemmerKind::Snowball)),
            ("unknown", "porter", None),
            ("empty", "", None),
        ];
        for (name, input, expected) in cases {
            assert_eq!(input.parse::<StemmerKind>().ok(), expected, "case {name}");
        }
        for kind in StemmerKind::ALL {
            assert_eq!(kind.to_string().parse::<StemmerKind>(), Ok(kind));
        }
        let err = "porter".parse::<StemmerKind>().unwrap_err();
        assert_eq!(
            err.to_string(),
            "unknown stemmer \"porter\" (expected light10, snowball or none)"
        );
    }

    #[test]
    fn stemmer_is_send_sync_and_clone() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<Stemmer>();
        let s = Stemmer::new(StemmerKind::Snowball).clone();
        assert_eq!(s.kind(), StemmerKind::Snowball);
        assert_eq!(format!("{s:?}"), "Stemmer { kind: Snowball }");
    }
}
