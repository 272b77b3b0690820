//! Splitting normalized text into word tokens.
//!
//! A token is a maximal run of letters, digits and combining marks that
//! starts with a letter or digit (`char::is_alphanumeric`). Everything else
//! (spaces, punctuation such as ، ؛ ؟ « » “ ”, symbols) separates tokens.
//!
//! Combining marks (Unicode general category M) do not split a word: most
//! Arabic marks are removed by normalization, but the ones that survive (for
//! example Quranic annotation marks, U+0674 high hamza, or a Latin accent with
//! no precomposed letter) belong to the letter before them, and cutting there
//! would produce fragments. A mark with no letter before it (at the start of
//! the text or after a separator) is dropped with the separators.
//!
//! Tokens are sub-slices of the input, so tokenizing allocates nothing.
//! The tokenizer does no folding: run it on the output of
//! [`normalize`](super::normalize()) so that, for instance, the bidi marks and
//! no-break spaces have already become spaces.

use unicode_normalization::char::is_combining_mark;

/// Returns an iterator over the tokens of `text`, in order.
///
/// This is the tokenizer the [`Analyzer`](super::Analyzer) uses; it is public
/// so that tools can show how a text was cut.
///
/// ```
/// # use tasnif::text::tokens;
/// let got: Vec<&str> = tokens("قال: «الأمن» (2021)، SOC-2").collect();
/// assert_eq!(got, ["قال", "الأمن", "2021", "SOC", "2"]);
/// ```
pub fn tokens(text: &str) -> Tokens<'_> {
    Tokens { text, pos: 0 }
}

/// Iterator over the tokens of a text; see [`tokens`].
///
/// Yields `&str` slices borrowed from the text, never allocating.
#[derive(Debug, Clone)]
pub struct Tokens<'a> {
    text: &'a str,
    /// Byte offset where scanning resumes; always on a char boundary.
    pos: usize,
}

/// What a character does in a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Class {
    /// Letter or digit: starts or continues a token.
    Word,
    /// Combining mark: continues a token, never starts one.
    Mark,
    /// Anything else.
    Separator,
}

#[inline]
pub(super) fn classify(c: char) -> Class {
    match c {
        // Fast path for the letters of Arabic news text: hamza..ghain, feh..yeh.
        '\u{0621}'..='\u{063A}' | '\u{0641}'..='\u{064A}' => Class::Word,
        // Arabic punctuation: comma, semicolon, question mark, percent and
        // decimal/thousands separators, five-pointed star, full stop.
        '\u{060C}' | '\u{061B}' | '\u{061F}' | '\u{066A}'..='\u{066D}' | '\u{06D4}' => {
            Class::Separator
        }
        _ if c.is_alphanumeric() => Class::Word,
        _ if is_combining_mark(c) => Class::Mark,
        _ => Class::Separator,
    }
}

/// Decodes the character starting at byte `i` of `text` (a char boundary)
/// and returns it with its length in bytes.
/// Shared with the normalizer, which scans the same kind of text.
#[inline]
pub(super) fn char_at(text: &str, i: usize) -> (char, usize) {
    let bytes = text.as_bytes();
    let b0 = bytes[i];
    // Two-byte sequences cover Latin-1 through the Arabic block.
    if (0xC2..=0xDF).contains(&b0) && i + 1 < bytes.len() {
        let cp = (u32::from(b0 & 0x1F) << 6) | u32::from(bytes[i + 1] & 0x3F);
        if let Some(c) = char::from_u32(cp) {
            return (c, 2);
        }
    }
    match text[i..].chars().next() {
        Some(c) => (c, c.len_utf8()),
        // Unreachable for `i < text.len()` on a char boundary; treat as a
        // one-byte separator rather than panic.
        None => (' ', 1),
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        let text = self.text;
        let bytes = text.as_bytes();
        let len = bytes.len();
        let mut i = self.pos;

        // Skip separators and stray marks up to the first letter or digit.
        let start = loop {
            if i >= len {
                self.pos = len;
                return None;
            }
            let b = bytes[i];
            if b < 0x80 {
                if b.is_ascii_alphanumeric() {
                    break i;
                }
                i += 1;
                continue;
            }
            let (c, n) = char_at(text, i);
            if classify(c) == Class::Word {
                break i;
            }
            i += n;
        };

        // Extend over letters, digits and marks.
        while i < len {
            let b = bytes[i];
            if b < 0x80 {
                if b.is_ascii_alphanumeric() {
                    i += 1;
                    continue;
                }
                break;
            }
            let (c, n) = char_at(text, i);
            if classify(c) == Class::Separator {
                break;
            }
            i += n;
        }

        self.pos = i;
        Some(&text[start..i])
    }
}

impl std::iter::FusedIterator for Tokens<'_> {}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::normalize::{normalize, NormalizeOptions};

    fn check(cases: &[(&str, &str, &[&str])]) {
        for (name, input, expected) in cases {
            let got: Vec<&str> = tokens(input).collect();
            assert_eq!(&got, expected, "case {name}: input {input:?}");
        }
    }

    #[test]
    fn arabic_with_punctuation() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("plain words", "الأمن السيبراني", &["الأمن", "السيبراني"]),
            ("arabic comma", "المغرب، الجزائر", &["المغرب", "الجزائر"]),
            ("comma glued both sides", "أ،ب", &["أ", "ب"]),
            ("semicolon", "أولا؛ ثانيا", &["أولا", "ثانيا"]),
            ("question mark", "لماذا؟", &["لماذا"]),
            ("guillemets", "«إنترفاكس»", &["إنترفاكس"]),
            ("curly quotes", "“الأمن السيبراني”", &["الأمن", "السيبراني"]),
            ("parentheses", "(ANCA)", &["ANCA"]),
            ("arabic full stop", "انتهى۔بدأ", &["انتهى", "بدأ"]),
            ("percent sign", "50٪", &["50"]),
            ("dash", "بين–و", &["بين", "و"]),
            ("newlines", "سطر\nسطر", &["سطر", "سطر"]),
        ];
        check(cases);
    }

    #[test]
    fn latin_and_digits() {
        let cases: &[(&str, &str, &[&str])] = &[
            (
                "mixed scripts",
                "شركة Positive Technologies",
                &["شركة", "Positive", "Technologies"],
            ),
            ("digits alone", "سنة 2021.", &["سنة", "2021"]),
            ("digits glued to letters", "2021م", &["2021م"]),
            ("decimal point splits", "3.5", &["3", "5"]),
            ("hyphen splits", "SOC-2", &["SOC", "2"]),
            ("apostrophe splits", "l'État", &["l", "État"]),
            ("underscore splits", "a_b", &["a", "b"]),
            ("accented latin", "café", &["café"]),
            ("arabic-indic digits are digits", "٢٠٢١", &["٢٠٢١"]),
        ];
        check(cases);
    }

    #[test]
    fn marks_do_not_split() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("tashkeel inside", "كَتَبَ", &["كَتَبَ"]),
            ("high hamza", "ا\u{0674}ب", &["ا\u{0674}ب"]),
            ("quranic mark", "قال\u{06D6} نعم", &["قال\u{06D6}", "نعم"]),
            (
                "decomposed accent",
                "e\u{0301}t\u{0301}e",
                &["e\u{0301}t\u{0301}e"],
            ),
            ("leading mark dropped", "\u{0301}abc", &["abc"]),
            ("mark after space dropped", "ab \u{0301}cd", &["ab", "cd"]),
            ("mark only", "\u{0301}\u{0302}", &[]),
        ];
        check(cases);
    }

    #[test]
    fn separators_from_normalization() {
        let opts = NormalizeOptions::default();
        let cases: &[(&str, &str, &[&str])] = &[
            (
                "zero width space",
                "الأمن\u{200B}السيبراني",
                &["الامن", "السيبراني"],
            ),
            ("rlm", "كلمة\u{200F}أخرى", &["كلمه", "اخري"]),
            ("lro pdf", "\u{202D}CNN\u{202C}عربية", &["cnn", "عربيه"]),
            ("isolates", "\u{2066}a\u{2069}b", &["a", "b"]),
            ("nbsp", "10\u{00A0}دولار", &["10", "دولار"]),
            ("bom", "\u{FEFF}خبر", &["خبر"]),
        ];
        for (name, input, expected) in cases {
            let normalized = normalize(input, opts);
            let got: Vec<&str> = tokens(&normalized).collect();
            assert_eq!(&got, expected, "case {name}: input {input:?}");
        }
    }

    #[test]
    fn empty_and_blank() {
        let cases: &[(&str, &str, &[&str])] = &[
            ("empty", "", &[]),
            ("spaces", "   ", &[]),
            ("whitespace mix", " \t\r\n ", &[]),
            ("punctuation only", "،؛؟«»“”...!", &[]),
            ("single letter", "و", &["و"]),
            ("trailing separator", "كلمة ", &["كلمة"]),
            ("leading separator", " كلمة", &["كلمة"]),
        ];
        check(cases);
    }

    #[test]
    fn tokens_are_slices_of_the_input() {
        let text = "في 2021، قالت «Kaspersky» إن";
        for tok in tokens(text) {
            let offset = tok.as_ptr() as usize - text.as_ptr() as usize;
            assert_eq!(&text[offset..offset + tok.len()], tok);
        }
    }

    #[test]
    fn fused_after_end() {
        let mut it = tokens("a b");
        assert_eq!(it.next(), Some("a"));
        assert_eq!(it.next(), Some("b"));
        assert_eq!(it.next(), None);
        assert_eq!(it.next(), None);
    }

    #[test]
    fn agrees_with_char_based_definition_on_random_strings() {
        use crate::text::normalize::tests::{random_tricky_string, XorShift};
        // Straightforward restatement of the definition, without fast paths.
        fn slow(text: &str) -> Vec<&str> {
            let mut out = Vec::new();
            let mut start: Option<usize> = None;
            for (i, c) in text.char_indices() {
                let word = c.is_alphanumeric();
                let mark = is_combining_mark(c);
                match start {
                    None if word => start = Some(i),
                    Some(s) if !(word || mark) => {
                        out.push(&text[s..i]);
                        start = None;
                    }
                    _ => {}
                }
            }
            if let Some(s) = start {
                out.push(&text[s..]);
            }
            out
        }
        let mut rng = XorShift(0xD1CE);
        for _ in 0..20_000 {
            let s = random_tricky_string(&mut rng);
            let got: Vec<&str> = tokens(&s).collect();
            assert_eq!(got, slow(&s), "input {s:?}");
        }
    }
}
