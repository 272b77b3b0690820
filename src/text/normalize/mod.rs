//! Orthographic normalization of Arabic text.
//!
//! Arabic news text spells one word in several ways: with or without short
//! vowels (tashkeel), with a hamza seat or a bare alef, stretched with tatweel,
//! with Arabic-Indic or ASCII digits, sometimes in presentation-form code
//! points copied from PDFs. A classifier that counts words must see one
//! spelling, so every piece of text (articles and the stopword list alike) goes
//! through [`normalize_into`] before it is tokenized.
//!
//! # Definition
//!
//! `normalize(x)` is `fold(NFKC(x))`, where `fold` works one code point at a
//! time (see the table in `fold_char`):
//!
//! * NFKC, never NFKD: NFKD would split أ into ا + U+0654. NFKC also maps the
//!   Arabic presentation forms (U+FB50–U+FDFF, U+FE70–U+FEFF) to base letters.
//! * Tashkeel U+064B–U+0652, superscript alef U+0670 and tatweel U+0640 are
//!   removed. So are the hamza/madda marks U+0653–U+0655 when they are left
//!   standing alone after NFKC (NFKC has already fused them into أ إ آ ؤ ئ where
//!   a precomposed letter exists): they are what remains of a hamza seat that
//!   the folding below drops anyway, and removing them keeps normalization
//!   idempotent (ا + tatweel + U+0654 would otherwise become أ on a second pass).
//! * أ U+0623, إ U+0625, آ U+0622, ٱ U+0671 fold to ا U+0627; ى U+0649 folds
//!   to ي U+064A; ة U+0629 folds to ه U+0647 when
//!   [`NormalizeOptions::fold_teh_marbuta`] is on.
//! * Arabic-Indic digits U+0660–U+0669 and Extended Arabic-Indic digits
//!   U+06F0–U+06F9 fold to ASCII `0`–`9`.
//! * Zero-width and bidi controls (U+200B–U+200F, U+202A–U+202E, U+2066–U+2069,
//!   the Arabic letter mark U+061C), U+FEFF and the no-break and fixed-width
//!   spaces become a plain space: in running text they separate words.
//! * Letters are lowercased (ASCII directly, others with `char::to_lowercase`).
//!
//! ASCII whitespace is kept as it is (normalization is not tokenization).
//!
//! # Fast path
//!
//! Running NFKC over every article would dominate the analyzer's cost, and
//! almost no news text needs it. The input is cut at ASCII whitespace into
//! chunks (NFKC never composes, decomposes or reorders across an ASCII
//! whitespace character, so chunks can be normalized independently). A chunk
//! whose characters are all "NFKC-inert" is folded directly; any other chunk
//! goes through the general path (NFKC, fold, repeated until nothing changes).
//! A character is NFKC-inert when NFKC can neither change it nor combine it
//! with a neighbour: ASCII; the Arabic block U+0600–U+06FF except the marks
//! that compose with a preceding letter (U+0653–U+0655), the letters with a
//! compatibility decomposition (U+0675–U+0678) and the Quranic and other
//! combining marks that fold keeps (their canonical order matters); the
//! separators listed above (NFKC leaves them alone or maps them to a space,
//! and fold turns them into a space either way); and any other character that
//! is a starter (combining class 0) with NFKC quick-check "Yes". Tashkeel and
//! U+0670 are combining marks that NFKC may reorder, but fold removes them, so
//! their order cannot show in the output. The tests check that both paths
//! agree on every character of the Arabic block and on random strings.

use serde::{Deserialize, Serialize};
use unicode_normalization::char::canonical_combining_class;
use unicode_normalization::{is_nfkc_quick, IsNormalized, UnicodeNormalization};

use super::tokenize::char_at;

/// Options for [`normalize`] and [`normalize_into`].
///
/// They are part of the analyzer configuration stored with a model, because a
/// model only works on text folded the way its training text was.
///
/// ```
/// # use tasnif::text::{normalize, NormalizeOptions};
/// let keep = NormalizeOptions { fold_teh_marbuta: false };
/// assert_eq!(normalize("مدرسة", keep), "مدرسة");
/// assert_eq!(normalize("مدرسة", NormalizeOptions::default()), "مدرسه");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NormalizeOptions {
    /// Fold teh marbuta ة (U+0629) to heh ه (U+0647). Default: `true`.
    ///
    /// Writers (and OCR) confuse the two at the end of words, so folding them
    /// merges spellings of the same word. Turn it off when a downstream step
    /// needs the distinction (the Snowball stemmer has rules for ة).
    pub fold_teh_marbuta: bool,
}

impl Default for NormalizeOptions {
    fn default() -> Self {
        NormalizeOptions {
            fold_teh_marbuta: true,
        }
    }
}

/// Returns the normalized form of `input` as a new string.
///
/// Convenience wrapper around [`normalize_into`] for tests, tools and
/// one-off strings; hot loops should reuse a buffer with [`normalize_into`].
///
/// ```
/// # use tasnif::text::{normalize, NormalizeOptions};
/// let opts = NormalizeOptions::default();
/// assert_eq!(normalize("الأَمْنُ السيبرانـــي", opts), "الامن السيبراني");
/// assert_eq!(normalize("عام ٢٠٢١", opts), "عام 2021");
/// ```
pub fn normalize(input: &str, opts: NormalizeOptions) -> String {
    let mut out = String::new();
    normalize_into(input, opts, &mut out);
    out
}

/// Writes the normalized form of `input` into `out`, which is cleared first.
///
/// This is the allocation-free entry point of the analyzer: once `out` has
/// grown to the size of the largest document, normalizing text that needs no
/// NFKC (nearly all news text) allocates nothing. See the module docs for the
/// exact definition. Never panics.
pub fn normalize_into(input: &str, opts: NormalizeOptions, out: &mut String) {
    out.clear();
    out.reserve(input.len());
    let bytes = input.as_bytes();
    let len = bytes.len();
    // Characters that fold leaves alone are not pushed one by one: they
    // accumulate in a pending run `input[run..pos]` copied in one go when a
    // character that changes (or the end) is reached. All indices below are
    // char boundaries of `input`.
    let mut pos = 0;
    let mut run = 0;
    // Start of the current chunk (just after the last ASCII whitespace), in
    // `input` and in the output as if the pending run had been copied.
    let mut chunk_in = 0;
    let mut chunk_out = 0;
    while pos < len {
        let b = bytes[pos];
        if b < 0x80 {
            pos += 1;
            if b.is_ascii_whitespace() {
                chunk_in = pos;
                chunk_out = out.len() + (pos - run);
            } else if b.is_ascii_uppercase() {
                out.push_str(&input[run..pos - 1]);
                out.push(char::from(b.to_ascii_lowercase()));
                run = pos;
            }
            continue;
        }
        let (c, n) = char_at(input, pos);
        if is_arabic_unchanged(c) {
            pos += n;
        } else if is_nfkc_inert(c) {
            out.push_str(&input[run..pos]);
            fold_char(c, opts, out);
            pos += n;
            run = pos;
        } else {
            // Discard what was produced for this chunk and redo it through NFKC.
            if run <= chunk_in {
                out.push_str(&input[run..chunk_in]);
            } else {
                out.truncate(chunk_out);
            }
            let end = chunk_end(bytes, pos);
            fold_chunk_slow(&input[chunk_in..end], opts, out);
            pos = end;
            run = end;
            chunk_in = end;
            chunk_out = out.len();
        }
    }
    out.push_str(&input[run..len]);
}

/// Byte index of the first ASCII whitespace at or after `start`, or the end.
fn chunk_end(bytes: &[u8], start: usize) -> usize {
    bytes[start..]
        .iter()
        .position(|b| b.is_ascii_whitespace())
        .map_or(bytes.len(), |p| start + p)
}

/// The most frequent characters of Arabic text that fold keeps as they are
/// (and NFKC too): the letters other than أ إ آ ة ى, and ، ؛ ؟.
#[inline]
fn is_arabic_unchanged(c: char) -> bool {
    matches!(
        c,
        '\u{0621}' // ARABIC LETTER HAMZA
            | '\u{0624}' // ARABIC LETTER WAW WITH HAMZA ABOVE
            | '\u{0626}'..='\u{0628}' // ARABIC LETTER YEH WITH HAMZA ABOVE .. BEH
            | '\u{062A}'..='\u{063A}' // ARABIC LETTER TEH .. GHAIN
            | '\u{0641}'..='\u{0648}' // ARABIC LETTER FEH .. WAW
            | '\u{064A}' // ARABIC LETTER YEH
            | '\u{060C}' // ARABIC COMMA
            | '\u{061B}' // ARABIC SEMICOLON
            | '\u{061F}' // ARABIC QUESTION MARK
    )
}

/// NFKC followed by fold, repeated until the result no longer changes.
///
/// Removing a character can make two others adjacent that NFKC would then
/// combine (a Latin letter, a tatweel, a combining accent), so one round is
/// not always a fixed point. Each round only removes or recombines, so a few
/// rounds suffice; the bound is a guard, not a tuning knob.
fn fold_chunk_slow(chunk: &str, opts: NormalizeOptions, out: &mut String) {
    const MAX_ROUNDS: usize = 4;
    let mut current = String::with_capacity(chunk.len());
    for c in chunk.nfkc() {
        fold_char(c, opts, &mut current);
    }
    let mut next = String::with_capacity(current.len());
    for _ in 0..MAX_ROUNDS {
        if is_nfkc_quick(current.chars()) == IsNormalized::Yes {
            break;
        }
        next.clear();
        for c in current.nfkc() {
            fold_char(c, opts, &mut next);
        }
        if next == current {
            break;
        }
        std::mem::swap(&mut current, &mut next);
    }
    out.push_str(&current);
}

/// Whether NFKC leaves `c` alone in any context, up to the order of marks
/// that fold removes (see "Fast path" in the module docs).
#[inline]
pub(super) fn is_nfkc_inert(c: char) -> bool {
    match c {
        '\u{0600}'..='\u{06FF}' => !is_arabic_nfkc_sensitive(c),
        _ => {
            matches!(fold_rule(c), Fold::Space)
                || (canonical_combining_class(c) == 0
                    && is_nfkc_quick(std::iter::once(c)) == IsNormalized::Yes)
        }
    }
}

/// Characters of the Arabic block that must go through NFKC: marks that
/// compose with the letter before them, letters with a compatibility
/// decomposition, and combining marks that fold keeps (NFKC may reorder them).
#[inline]
pub(super) fn is_arabic_nfkc_sensitive(c: char) -> bool {
    matches!(
        c,
        '\u{0610}'..='\u{061A}' // ARABIC SIGN SALLALLAHOU ALAYHE WASSALLAM .. ARABIC SMALL KASRA
            | '\u{0653}'..='\u{065F}' // ARABIC MADDAH ABOVE .. ARABIC WAVY HAMZA BELOW
            | '\u{0675}'..='\u{0678}' // ARABIC LETTER HIGH HAMZA ALEF .. HIGH HAMZA YEH
            | '\u{06D6}'..='\u{06DC}' // ARABIC SMALL HIGH LIGATURE SAD WITH LAM WITH ALEF MAKSURA .. SMALL HIGH SEEN
            | '\u{06DF}'..='\u{06E4}' // ARABIC SMALL HIGH ROUNDED ZERO .. SMALL HIGH MADDA
            | '\u{06E7}'..='\u{06E8}' // ARABIC SMALL HIGH YEH .. SMALL HIGH NOON
            | '\u{06EA}'..='\u{06ED}' // ARABIC EMPTY CENTRE LOW STOP .. SMALL LOW MEEM
    )
}

/// What fold does with one code point.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Fold {
    /// Removed.
    Drop,
    /// Replaced by U+0020 SPACE.
    Space,
    /// Replaced by another character.
    To(char),
    /// Teh marbuta: replaced by heh if the option is on.
    TehMarbuta,
    /// Kept, lowercased.
    Keep,
}

/// The folding table (one code point per line, with its Unicode name).
#[inline]
pub(super) fn fold_rule(c: char) -> Fold {
    match c {
        // Tashkeel, superscript alef, tatweel and the hamza/madda marks.
        '\u{064B}' // ARABIC FATHATAN
        | '\u{064C}' // ARABIC DAMMATAN
        | '\u{064D}' // ARABIC KASRATAN
        | '\u{064E}' // ARABIC FATHA
        | '\u{064F}' // ARABIC DAMMA
        | '\u{0650}' // ARABIC KASRA
        | '\u{0651}' // ARABIC SHADDA
        | '\u{0652}' // ARABIC SUKUN
        | '\u{0653}' // ARABIC MADDAH ABOVE
        | '\u{0654}' // ARABIC HAMZA ABOVE
        | '\u{0655}' // ARABIC HAMZA BELOW
        | '\u{0670}' // ARABIC LETTER SUPERSCRIPT ALEF
        | '\u{0640}' // ARABIC TATWEEL
        => Fold::Drop,

        // Alef variants.
        '\u{0622}' // ARABIC LETTER ALEF WITH MADDA ABOVE
        | '\u{0623}' // ARABIC LETTER ALEF WITH HAMZA ABOVE
        | '\u{0625}' // ARABIC LETTER ALEF WITH HAMZA BELOW
        | '\u{0671}' // ARABIC LETTER ALEF WASLA
        => Fold::To('\u{0627}'), // ARABIC LETTER ALEF

        '\u{0649}' => Fold::To('\u{064A}'), // ARABIC LETTER ALEF MAKSURA -> ARABIC LETTER YEH
        '\u{0629}' => Fold::TehMarbuta,     // ARABIC LETTER TEH MARBUTA -> ARABIC LETTER HEH

        // Digits.
        '\u{0660}' => Fold::To('0'), // ARABIC-INDIC DIGIT ZERO
        '\u{0661}' => Fold::To('1'), // ARABIC-INDIC DIGIT ONE
        '\u{0662}' => Fold::To('2'), // ARABIC-INDIC DIGIT TWO
        '\u{0663}' => Fold::To('3'), // ARABIC-INDIC DIGIT THREE
        '\u{0664}' => Fold::To('4'), // ARABIC-INDIC DIGIT FOUR
        '\u{0665}' => Fold::To('5'), // ARABIC-INDIC DIGIT FIVE
        '\u{0666}' => Fold::To('6'), // ARABIC-INDIC DIGIT SIX
        '\u{0667}' => Fold::To('7'), // ARABIC-INDIC DIGIT SEVEN
        '\u{0668}' => Fold::To('8'), // ARABIC-INDIC DIGIT EIGHT
        '\u{0669}' => Fold::To('9'), // ARABIC-INDIC DIGIT NINE
        '\u{06F0}' => Fold::To('0'), // EXTENDED ARABIC-INDIC DIGIT ZERO
        '\u{06F1}' => Fold::To('1'), // EXTENDED ARABIC-INDIC DIGIT ONE
        '\u{06F2}' => Fold::To('2'), // EXTENDED ARABIC-INDIC DIGIT TWO
        '\u{06F3}' => Fold::To('3'), // EXTENDED ARABIC-INDIC DIGIT THREE
        '\u{06F4}' => Fold::To('4'), // EXTENDED ARABIC-INDIC DIGIT FOUR
        '\u{06F5}' => Fold::To('5'), // EXTENDED ARABIC-INDIC DIGIT FIVE
        '\u{06F6}' => Fold::To('6'), // EXTENDED ARABIC-INDIC DIGIT SIX
        '\u{06F7}' => Fold::To('7'), // EXTENDED ARABIC-INDIC DIGIT SEVEN
        '\u{06F8}' => Fold::To('8'), // EXTENDED ARABIC-INDIC DIGIT EIGHT
        '\u{06F9}' => Fold::To('9'), // EXTENDED ARABIC-INDIC DIGIT NINE

        // Invisible separators and non-ASCII spaces.
        '\u{00A0}' // NO-BREAK SPACE
        | '\u{061C}' // ARABIC LETTER MARK
        | '\u{2000}' // EN QUAD
        | '\u{2001}' // EM QUAD
        | '\u{2002}' // EN SPACE
        | '\u{2003}' // EM SPACE
        | '\u{2004}' // THREE-PER-EM SPACE
        | '\u{2005}' // FOUR-PER-EM SPACE
        | '\u{2006}' // SIX-PER-EM SPACE
        | '\u{2007}' // FIGURE SPACE
        | '\u{2008}' // PUNCTUATION SPACE
        | '\u{2009}' // THIN SPACE
        | '\u{200A}' // HAIR SPACE
        | '\u{200B}' // ZERO WIDTH SPACE
        | '\u{200C}' // ZERO WIDTH NON-JOINER
        | '\u{200D}' // ZERO WIDTH JOINER
        | '\u{200E}' // LEFT-TO-RIGHT MARK
        | '\u{200F}' // RIGHT-TO-LEFT MARK
        | '\u{202A}' // LEFT-TO-RIGHT EMBEDDING
        | '\u{202B}' // RIGHT-TO-LEFT EMBEDDING
        | '\u{202C}' // POP DIRECTIONAL FORMATTING
        | '\u{202D}' // LEFT-TO-RIGHT OVERRIDE
        | '\u{202E}' // RIGHT-TO-LEFT OVERRIDE
        | '\u{202F}' // NARROW NO-BREAK SPACE
        | '\u{205F}' // MEDIUM MATHEMATICAL SPACE
        | '\u{2066}' // LEFT-TO-RIGHT ISOLATE
        | '\u{2067}' // RIGHT-TO-LEFT ISOLATE
        | '\u{2068}' // FIRST STRONG ISOLATE
        | '\u{2069}' // POP DIRECTIONAL ISOLATE
        | '\u{3000}' // IDEOGRAPHIC SPACE
        | '\u{FEFF}' // ZERO WIDTH NO-BREAK SPACE
        => Fold::Space,

        _ => Fold::Keep,
    }
}

/// Appends the folded form of one (already NFKC) character to `out`.
#[inline]
fn fold_char(c: char, opts: NormalizeOptions, out: &mut String) {
    if c.is_ascii() {
        out.push(c.to_ascii_lowercase());
        return;
    }
    match fold_rule(c) {
        Fold::Drop => {}
        Fold::Space => out.push(' '),
        Fold::To(to) => out.push(to),
        Fold::TehMarbuta => out.push(if opts.fold_teh_marbuta { '\u{0647}' } else { c }),
        Fold::Keep => {
            // The Arabic block has no case; skip the case tables for it.
            if ('\u{0600}'..='\u{06FF}').contains(&c) {
                out.push(c);
            } else {
                out.extend(c.to_lowercase());
            }
        }
    }
}

#[cfg(test)]
pub(crate) mod tests;
