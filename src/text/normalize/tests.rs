//! Table-driven tests of the normalizer.
use super::*;

const ON: NormalizeOptions = NormalizeOptions {
    fold_teh_marbuta: true,
};
const OFF: NormalizeOptions = NormalizeOptions {
    fold_teh_marbuta: false,
};

/// The definition without the fast path: fold(NFKC(x)) to a fixed point,
/// applied to the whole string at once.
fn reference(input: &str, opts: NormalizeOptions) -> String {
    let mut out = String::new();
    fold_chunk_slow(input, opts, &mut out);
    out
}

fn check(cases: &[(&str, &str, &str)], opts: NormalizeOptions) {
    for (name, input, expected) in cases {
        let got = normalize(input, opts);
        assert_eq!(&got, expected, "case {name}: input {input:?}");
        assert_eq!(
            normalize(&got, opts),
            got,
            "case {name}: not idempotent on {input:?}"
        );
    }
}

#[test]
fn folding_rules() {
    let cases = [
        ("alef hamza above", "أمن", "امن"),
        ("alef hamza below", "إسلام", "اسلام"),
        ("alef madda", "آخر", "اخر"),
        ("alef wasla", "ٱلله", "الله"),
        ("alef maksura", "على", "علي"),
        ("teh marbuta folded", "الشراكة", "الشراكه"),
        ("waw hamza kept", "مؤتمر", "مؤتمر"),
        ("yeh hamza kept", "رئيس", "رئيس"),
        ("bare hamza kept", "سماء", "سماء"),
        ("farsi yeh kept", "\u{06CC}", "\u{06CC}"),
        ("latin lowercased", "SolarWinds", "solarwinds"),
        ("latin accents", "ÉCOLE Été", "école été"),
        ("empty", "", ""),
        ("ascii whitespace kept", "a\tb\nc\r\n", "a\tb\nc\r\n"),
    ];
    check(&cases, ON);
}

#[test]
fn teh_marbuta_option() {
    let on = [
        ("final", "مدرسة", "مدرسه"),
        ("with tashkeel", "مَدْرَسَةٌ", "مدرسه"),
        ("presentation form", "\u{FE94}", "\u{0647}"),
    ];
    let off = [
        ("final", "مدرسة", "مدرسة"),
        ("with tashkeel", "مَدْرَسَةٌ", "مدرسة"),
        ("presentation form", "\u{FE94}", "\u{0629}"),
        ("other folds still on", "أمنية", "امنية"),
    ];
    check(&on, ON);
    check(&off, OFF);
    assert!(NormalizeOptions::default().fold_teh_marbuta);
}

#[test]
fn tashkeel_and_tatweel_removed() {
    let cases = [
        ("fatha damma kasra sukun", "كَتَبُوا الدَّرْسِ", "كتبوا الدرس"),
        ("tanween", "شكراً جزيلاً", "شكرا جزيلا"),
        ("shadda before fatha", "وقّعت", "وقعت"),
        ("fatha before shadda", "وقَّعت", "وقعت"),
        ("superscript alef", "هٰذا", "هذا"),
        ("tatweel", "الســـيبراني", "السيبراني"),
        ("tatweel only", "ـــ", ""),
        ("stray hamza above", "ب\u{0654}", "ب"),
        ("hamza above composes first", "ا\u{0654}", "ا"),
        ("tatweel then hamza above", "اـ\u{0654}", "ا"),
        ("waw plus hamza composes", "و\u{0654}", "ؤ"),
        ("yeh plus hamza composes", "ي\u{0654}", "ئ"),
        ("alef plus madda", "ا\u{0653}", "ا"),
        ("alef kasra hamza below", "ا\u{0650}\u{0655}", "ا"),
    ];
    check(&cases, ON);
}

#[test]
fn presentation_forms() {
    let cases = [
        ("lam alef isolated", "\u{FEFB}", "لا"),
        (
            "lam alef hamza above isolated",
            "\u{FEF7}",
            "\u{0644}\u{0627}",
        ),
        (
            "as-salam in contextual forms",
            "\u{FE8D}\u{FEDF}\u{FEB4}\u{FEFC}\u{FEE1}",
            "السلام",
        ),
        ("allah ligature", "\u{FDF2}", "الله"),
        ("tanween isolated form", "\u{FE70}", " "),
        ("tatweel with fatha medial", "\u{FE77}", ""),
        ("farsi yeh initial", "\u{FBFE}", "\u{06CC}"),
        ("teh marbuta final", "\u{FE94}", "\u{0647}"),
        ("fullwidth latin", "ＡＢＣ", "abc"),
        ("ligature fi", "\u{FB01}", "fi"),
        ("high hamza alef", "\u{0675}", "\u{0627}\u{0674}"),
        ("high hamza yeh", "\u{0678}", "\u{064A}\u{0674}"),
    ];
    check(&cases, ON);
}

#[test]
fn digits() {
    let cases = [
        ("arabic-indic", "٠١٢٣٤٥٦٧٨٩", "0123456789"),
        ("extended arabic-indic", "۰۱۲۳۴۵۶۷۸۹", "0123456789"),
        ("mixed in text", "عام ٢٠٢١م", "عام 2021م"),
        ("ascii untouched", "2021", "2021"),
        ("superscript two", "m²", "m2"),
    ];
    check(&cases, ON);
}

#[test]
fn invisible_marks_become_spaces() {
    let cases = [
        (
            "zero width space",
            "الأمن\u{200B}السيبراني",
            "الامن السيبراني",
        ),
        ("zwnj", "a\u{200C}b", "a b"),
        ("zwj", "a\u{200D}b", "a b"),
        ("lrm", "a\u{200E}b", "a b"),
        ("rlm", "الامن\u{200F}", "الامن "),
        ("lre pdf", "\u{202A}CNN\u{202C}", " cnn "),
        ("rle", "\u{202B}x", " x"),
        ("lro rlo", "\u{202D}a\u{202E}b", " a b"),
        ("isolates", "\u{2066}a\u{2067}b\u{2068}c\u{2069}", " a b c "),
        ("arabic letter mark", "a\u{061C}b", "a b"),
        ("bom", "\u{FEFF}خبر", " خبر"),
        ("nbsp", "دولار\u{00A0}أمريكي", "دولار امريكي"),
        ("narrow nbsp", "10\u{202F}000", "10 000"),
        ("thin space", "a\u{2009}b", "a b"),
    ];
    check(&cases, ON);
}

#[test]
fn punctuation_kept() {
    let cases = [
        ("arabic comma", "أولا، ثانيا؛ لماذا؟", "اولا، ثانيا؛ لماذا؟"),
        ("guillemets", "«الأمن»", "«الامن»"),
        ("curly quotes", "“SolarWinds”", "“solarwinds”"),
        ("ellipsis is nfkc", "انتهى…", "انتهي..."),
        ("dashes", "a–b—c", "a–b—c"),
    ];
    check(&cases, ON);
}

/// Strings chosen to break idempotence: marks made adjacent by removals,
/// presentation forms, combining sequences, case mappings that expand.
const TRICKY: &[&str] = &[
    "e\u{0640}\u{0301}",
    "e\u{064E}\u{0301}",
    "\u{0627}\u{0640}\u{0654}",
    "\u{0627}\u{064E}\u{0654}",
    "\u{0648}\u{0651}\u{0654}",
    "\u{FEF7}\u{064E}",
    "\u{FDFA}",
    "\u{FDFB}\u{0640}",
    "İstanbul",
    "\u{212A}elvin \u{2126}",
    "ﬃ ﬆ",
    "\u{1E9E}",
    "\u{0345}\u{0399}",
    "a\u{0316}\u{0301}\u{064B}",
    "\u{06D6}\u{0651}\u{06E4}",
    "\u{0610}\u{064E}\u{0611}",
    "\u{1100}\u{0640}\u{1161}",
    "\u{1100}\u{1161}\u{11A8}",
    "\u{0675}\u{0654}",
    "\u{0677}",
    "\u{06C1}\u{0654}\u{06D2}\u{0654}\u{06D5}\u{0654}",
    "\u{00A0}\u{0654}",
    "\u{200B}\u{0301}",
    "\u{FE70}\u{FE72}\u{FE74}",
    "\u{0301}",
    "ǅ ǈ ǋ",
    "ΣΑΣ",
];

#[test]
fn idempotent_on_tricky_strings() {
    for opts in [ON, OFF] {
        for s in TRICKY {
            let once = normalize(s, opts);
            let twice = normalize(&once, opts);
            assert_eq!(once, twice, "not idempotent: {s:?}");
            assert_eq!(once, reference(s, opts), "fast path differs: {s:?}");
        }
    }
}

/// Every character of the Arabic block that the fast path accepts is a
/// starter with NFKC quick-check Yes, or a mark that fold removes.
#[test]
fn arabic_block_fast_set_is_nfkc_inert() {
    for cp in 0x0600u32..=0x06FF {
        let Some(c) = char::from_u32(cp) else {
            continue;
        };
        if !is_nfkc_inert(c) {
            continue;
        }
        let qc = is_nfkc_quick(std::iter::once(c));
        let ccc = canonical_combining_class(c);
        assert!(
            qc == IsNormalized::Yes && (ccc == 0 || fold_rule(c) == Fold::Drop),
            "U+{cp:04X} accepted by the fast path but qc={qc:?} ccc={ccc}"
        );
        // Alone and next to letters and marks, both paths agree.
        for s in [
            format!("{c}"),
            format!("ا{c}"),
            format!("{c}\u{064E}"),
            format!("\u{0651}{c}\u{0654}"),
            format!("{c}\u{0655}\u{0650}"),
        ] {
            assert_eq!(normalize(&s, ON), reference(&s, ON), "U+{cp:04X} in {s:?}");
        }
    }
}

#[test]
fn unchanged_letters_are_really_unchanged() {
    for cp in 0x0600u32..=0x06FF {
        let Some(c) = char::from_u32(cp) else {
            continue;
        };
        if is_arabic_unchanged(c) {
            assert!(is_nfkc_inert(c), "U+{cp:04X}");
            assert_eq!(fold_rule(c), Fold::Keep, "U+{cp:04X}");
            assert_eq!(reference(&c.to_string(), ON), c.to_string());
        }
    }
}

#[test]
fn chunks_next_to_slow_chunks() {
    // A chunk that needs NFKC between chunks that do not, with uppercase
    // ASCII and folded letters on both sides of the boundaries.
    let cases = [
        ("slow in the middle", "أA \u{FEFB}B أC", "اa لاb اc"),
        ("slow at the start", "\u{FEFB}أ\nمدرسة", "لاا\nمدرسه"),
        ("slow at the end", "مدرسة\t\u{FB01}", "مدرسه\tfi"),
        ("slow after long run", "abc def ghi\u{0301}", "abc def ghí"),
        ("two slow chunks", "\u{FEFB} \u{FEFB}", "لا لا"),
        ("slow glued to run", "xyzال\u{0654}", "xyzال"),
    ];
    check(&cases, ON);
}

/// Small deterministic generator (xorshift64*), so the test needs no
/// extra crate and always checks the same strings.
pub(crate) struct XorShift(pub u64);

impl XorShift {
    pub(crate) fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub(crate) fn below(&mut self, n: usize) -> usize {
        // n is small; the modulo bias does not matter for a fuzz test.
        (self.next() % n as u64) as usize
    }
}

/// A random string over an alphabet of characters that interact with
/// normalization (letters, marks, separators, presentation forms).
pub(crate) fn random_tricky_string(rng: &mut XorShift) -> String {
    const ALPHABET: &[char] = &[
        'a', 'E', 'i', 'I', ' ', '\n', '.', '7', 'ا', 'ب', 'و', 'ي', 'ى', 'ة', 'ه', 'أ', 'إ', 'آ',
        'ٱ', 'ـ', '\u{064B}', '\u{064E}', '\u{0650}', '\u{0651}', '\u{0652}', '\u{0670}',
        '\u{0653}', '\u{0654}', '\u{0655}', '\u{0656}', '\u{0610}', '\u{06D6}', '\u{06E4}',
        '\u{0675}', '\u{0678}', '\u{06C1}', '\u{06D2}', '\u{06D5}', '\u{0301}', '\u{0316}',
        '\u{0307}', '\u{0345}', '\u{00A0}', '\u{200B}', '\u{200F}', '\u{202B}', '\u{2066}',
        '\u{FEFF}', '\u{FE70}', '\u{FE77}', '\u{FEFB}', '\u{FEF7}', '\u{FDF2}', '\u{FB01}',
        '\u{212A}', 'İ', 'ß', 'Σ', '\u{1100}', '\u{1161}', '\u{11A8}', '٣', '۴', '،', '«', '»',
        '“', '…', '\u{00B2}', 'é',
    ];
    let len = rng.below(12);
    (0..len)
        .map(|_| ALPHABET[rng.below(ALPHABET.len())])
        .collect()
}

#[test]
fn idempotent_and_equal_to_reference_on_random_strings() {
    let mut rng = XorShift(0x7A5_41F);
    for _ in 0..20_000 {
        let s = random_tricky_string(&mut rng);
        for opts in [ON, OFF] {
            let once = normalize(&s, opts);
            assert_eq!(normalize(&once, opts), once, "not idempotent: {s:?}");
            assert_eq!(once, reference(&s, opts), "fast path differs: {s:?}");
        }
    }
}

#[test]
fn normalize_into_clears_and_reuses() {
    let mut out = String::from("stale content");
    normalize_into("أهلاً", ON, &mut out);
    assert_eq!(out, "اهلا");
    normalize_into("", ON, &mut out);
    assert_eq!(out, "");
}
