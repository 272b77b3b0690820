//! Normalization and tokenization in one pass, for the common case.
//!
//! [`for_each_token`] gives exactly the tokens of
//! `tokens(&normalize(text))` — the definition — without writing the
//! normalized text first: ASCII and the two-byte Arabic block go through a
//! 256-entry action table, other characters are folded one by one when NFKC
//! leaves them alone, and a chunk (text between ASCII white space, the unit
//! the normalizer works in) that holds anything else is redone the exact way.
//! Tokens never span chunks, since ASCII white space separates tokens.

use super::normalize::{fold_rule, is_arabic_nfkc_sensitive, is_nfkc_inert, normalize_into, Fold};
use super::tokenize::{classify, tokens, Class};
use super::NormalizeOptions;

/// What the fast path does with one character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Act {
    /// A letter or digit that folding leaves as it is.
    Keep,
    /// A letter or digit that folding changes into this one.
    Word(char),
    /// Ends the current token.
    Sep,
    /// Nothing (removed by folding, inside or between tokens).
    Drop,
    /// Leave the chunk to the exact path.
    Slow,
}

/// The action of every character of U+0600..U+06FF under one set of
/// normalization options.
#[derive(Debug, Clone)]
pub(super) struct FastTable {
    arabic: [Act; 256],
}

/// The action for a character the fast path may take: its fold, then the
/// tokenizer's class of the result; `Slow` for anything NFKC may change or
/// that is a combining mark (whose place in a token depends on context).
fn act_for(c: char, opts: NormalizeOptions) -> Act {
    if ('\u{0600}'..='\u{06FF}').contains(&c) && is_arabic_nfkc_sensitive(c) {
        return Act::Slow;
    }
    if !is_nfkc_inert(c) {
        return Act::Slow;
    }
    let folded = match fold_rule(c) {
        Fold::Drop => return Act::Drop,
        Fold::Space => return Act::Sep,
        Fold::To(t) => t,
        Fold::TehMarbuta => {
            if opts.fold_teh_marbuta {
                '\u{0647}' // ARABIC LETTER HEH
            } else {
                c
            }
        }
        Fold::Keep => {
            let mut lower = c.to_lowercase();
            match (lower.next(), lower.next()) {
                (Some(l), None) => l,
                _ => return Act::Slow,
            }
        }
    };
    match classify(folded) {
        Class::Word if folded == c => Act::Keep,
        Class::Word => Act::Word(folded),
        Class::Separator => Act::Sep,
        Class::Mark => Act::Slow,
    }
}

impl FastTable {
    /// The table for `opts`.
    pub(super) fn new(opts: NormalizeOptions) -> FastTable {
        let mut arabic = [Act::Slow; 256];
        for (i, a) in arabic.iter_mut().enumerate() {
            if let Some(c) = char::from_u32(0x600 + i as u32) {
                *a = act_for(c, opts);
            }
        }
        FastTable { arabic }
    }
}

/// A token of the current chunk: a slice of the input when folding left it
/// as it was (the common case, no copy), else a slice of the scratch buffer.
#[derive(Debug, Clone, Copy)]
enum Tok {
    Input(usize, usize),
    Folded(usize, usize),
}

/// Reusable buffers of [`for_each_token`].
#[derive(Debug, Default)]
pub(super) struct FusedScratch {
    /// Folded tokens of the current chunk, one after another.
    folded: String,
    /// The tokens of the current chunk.
    toks: Vec<Tok>,
    /// The normalized chunk, on the exact path.
    slow: String,
}

/// The token being built.
struct Building {
    /// Where it starts in the input.
    start: usize,
    /// Where its folded copy starts in `folded`, once a character changed.
    copy: Option<usize>,
}

/// Calls `emit` with each token of `normalize(text, opts)`, in order.
pub(super) fn for_each_token<F: FnMut(&str)>(
    text: &str,
    table: &FastTable,
    opts: NormalizeOptions,
    scratch: &mut FusedScratch,
    mut emit: F,
) {
    let FusedScratch { folded, toks, slow } = scratch;
    folded.clear();
    toks.clear();
    let bytes = text.as_bytes();
    let len = bytes.len();
    let mut i = 0;
    let mut chunk = 0;
    let mut cur: Option<Building> = None;
    let mut is_slow = false;

    // Ends the token being built (before byte `end` of the input).
    let finish = |cur: &mut Option<Building>, end: usize, folded: &String, toks: &mut Vec<Tok>| {
        if let Some(b) = cur.take() {
            toks.push(match b.copy {
                None => Tok::Input(b.start, end),
                Some(c) => Tok::Folded(c, folded.len()),
            });
        }
    };
    // Emits the tokens of the chunk `text[range]` and resets the buffers.
    let mut flush =
        |range: std::ops::Range<usize>, is_slow: bool, folded: &mut String, toks: &mut Vec<Tok>| {
            if is_slow {
                normalize_into(&text[range], opts, slow);
                for t in tokens(slow) {
                    emit(t);
                }
            } else {
                for t in toks.iter() {
                    emit(match *t {
                        Tok::Input(a, b) => &text[a..b],
                        Tok::Folded(a, b) => &folded[a..b],
                    });
                }
            }
            folded.clear();
            toks.clear();
        };

    while i < len {
        let b = bytes[i];
        let start = i;
        let act = if b < 0x80 {
            i += 1;
            if b.is_ascii_whitespace() {
                finish(&mut cur, start, folded, toks);
                flush(chunk..start, is_slow, folded, toks);
                is_slow = false;
                chunk = i;
                continue;
            }
            if b.is_ascii_uppercase() {
                Act::Word(char::from(b.to_ascii_lowercase()))
            } else if b.is_ascii_alphanumeric() {
                Act::Keep
            } else {
                Act::Sep
            }
        } else if (0xD8..=0xDB).contains(&b) && i + 1 < len {
            i += 2;
            table.arabic[(usize::from(b & 0x03) << 6) | usize::from(bytes[start + 1] & 0x3F)]
        } else {
            // Any other character: decode it (`start` is on a char boundary).
            let c = text[start..].chars().next().unwrap_or(' ');
            i += c.len_utf8();
            if is_slow {
                continue;
            }
            act_for(c, opts)
        };
        if is_slow {
            continue;
        }
        match act {
            Act::Keep => match &cur {
                None => cur = Some(Building { start, copy: None }),
                Some(Building { copy: Some(_), .. }) => folded.push_str(&text[start..i]),
                Some(_) => {}
            },
            Act::Word(c) => {
                let bld = cur.get_or_insert(Building { start, copy: None });
                if bld.copy.is_none() {
                    bld.copy = Some(folded.len());
                    folded.push_str(&text[bld.start..start]);
                }
                folded.push(c);
            }
            Act::Sep => finish(&mut cur, start, folded, toks),
            Act::Drop => {
                // Removed: a token that goes on after it is no longer a slice of the input.
                if let Some(bld) = cur.as_mut() {
                    if bld.copy.is_none() {
                        bld.copy = Some(folded.len());
                        folded.push_str(&text[bld.start..start]);
                    }
                }
            }
            Act::Slow => {
                is_slow = true;
                cur = None;
            }
        }
    }
    finish(&mut cur, len, folded, toks);
    flush(chunk..len, is_slow, folded, toks);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference(text: &str, opts: NormalizeOptions) -> Vec<String> {
        let n = super::super::normalize(text, opts);
        tokens(&n).map(str::to_string).collect()
    }

    fn fused(text: &str, opts: NormalizeOptions) -> Vec<String> {
        let table = FastTable::new(opts);
        let mut s = FusedScratch::default();
        let mut out = Vec::new();
        for_each_token(text, &table, opts, &mut s, |t| out.push(t.to_string()));
        out
    }

    fn both_options(text: &str) {
        for fold in [true, false] {
            let opts = NormalizeOptions {
                fold_teh_marbuta: fold,
            };
            assert_eq!(
                fused(text, opts),
                reference(text, opts),
                "on {text:?} (ة folded: {fold})"
            );
        }
    }

    #[test]
    fn named_cases_match_normalize_then_tokenize() {
        let cases = [
            "",
            "   ",
            "الأمن السيبراني، والمعلومات!",
            "كتـــاب مُحَمَّدٌ ١٢٣ ۴۵ 2018م",
            "شركة “Positive Technologies Group” الروسية",
            "Ａｒａｂｉｃ ﻻ ﷲ ﻷ", // presentation and full-width forms
            "a\u{200c}b\u{200f}ج\u{00a0}د\u{202b}ه\u{2066}و",
            "ا\u{0654}ب \u{0653}بداية \u{0670}x", // combining hamza/madda, stray marks
            "ÉCOLE Straße İstanbul ǅ",            // case mappings, multi-char lowercase
            "عَلَىٰ الطّاولة… «نعم» (لا) [1] {2} 3.5% ؟؛",
            "ة ه ى ي أ إ آ ٱ",
            "\u{0610}ك\u{06D6}ت \u{06E5}\u{06E6} ۞ ۩",
            "\t\nسطر\r\nجديد\x0c",
        ];
        for c in cases {
            both_options(c);
        }
    }

    #[test]
    fn random_strings_match_normalize_then_tokenize() {
        // A deterministic mix of ASCII, Arabic block, presentation forms,
        // marks, spaces and other scripts.
        let pool: Vec<char> = "ab Z9.,\t\n\u{00a0}\u{200c}\u{200f}"
            .chars()
            .chain((0x600u32..=0x6ff).filter_map(char::from_u32))
            .chain((0xfe70u32..0xfe90).filter_map(char::from_u32))
            .chain((0xfb50u32..0xfb60).filter_map(char::from_u32))
            .chain("éİßǅﻻ“”«»…𝟘Ⅳ".chars())
            .collect();
        let mut x: u64 = 0x1234_5678_9abc_def0;
        for _ in 0..20_000 {
            let n = (x % 24) as usize;
            let mut s = String::new();
            for _ in 0..n {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                s.push(pool[(x % pool.len() as u64) as usize]);
            }
            both_options(&s);
            x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
        }
    }

    #[test]
    fn seed_articles_match_normalize_then_tokenize() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
        let mut n = 0;
        for e in std::fs::read_dir(dir).expect("seeds folder").flatten() {
            if e.path().extension().is_some_and(|x| x == "txt") {
                let text = std::fs::read_to_string(e.path()).expect("seed text");
                both_options(&text);
                n += 1;
            }
        }
        assert_eq!(n, 5);
    }
}
