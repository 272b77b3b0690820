//! Character encodings of article files: UTF-8, Windows-1256 (the Arabic
//! Windows code page, common in older archives) and UTF-16 (what Windows
//! tools save as "Unicode text"), decoded with `encoding_rs`.
//!
//! With [`Encoding::Utf16`], a byte-order mark decides the byte order; without
//! one, NUL bytes only at even offsets mean big-endian, else little-endian.
//!
//! Under [`Encoding::Auto`] the bytes decide, in this order:
//!
//! 1. a byte-order mark: `EF BB BF` is UTF-8, `FF FE` UTF-16LE, `FE FF` UTF-16BE;
//! 2. NUL bytes: text in UTF-16 without a byte-order mark (NULs only at odd
//!    offsets, or only at even ones, and valid UTF-16) is refused with a
//!    message saying so; any other NUL byte makes the file binary;
//! 3. valid UTF-8 is UTF-8;
//! 4. bytes that are mostly UTF-8 (at least as many well-formed multi-byte
//!    characters as bad sequences, and one at least) are a damaged UTF-8
//!    file, a stray byte or a cut in the middle of a character: an error
//!    ([`ErrorKind::DamagedUtf8`]) that names the offset of the first bad
//!    byte, never another encoding. [`Encoding::Utf8Lossy`] reads such a
//!    file on request. Arabic saved as Windows-1256 is far from that: in
//!    the ANT corpus saved so, bad sequences outnumber the accidental
//!    well-formed ones at least 9 to 1 (median 165 to 1);
//! 5. otherwise Windows-1256, accepted only when the decoded text looks
//!    like Arabic (see [`looks_arabic`]). Every byte has a meaning in
//!    Windows-1256, so without these checks any legacy file would pass as
//!    "Arabic":
//!    * at least [`MIN_ARABIC_SHARE`] of its characters are Arabic letters
//!      (see [`arabic_share`]: white space, Arabic marks and tatweel are not
//!      counted). Latin-1 French scores 0%, Russian in Windows-1251 30–39%,
//!      random bytes 0x80–0xFF 39–42%; the 20,839 articles of the ANT
//!      corpus score 72% to 100% (median 96%);
//!    * fewer than [`MAX_MIXED_WORDS`] of its words mix Arabic letters with
//!      letters of another script (Hebrew in Windows-1255 read so: 85%,
//!      lower-case Greek 90%; the ANT corpus: at most 7%);
//!    * with at least [`PROFILE_MIN_LETTERS`] Arabic letters, their
//!      proportions are Arabic's ([`arabic_profile`] at least
//!      [`MIN_ARABIC_PROFILE`]). Cyrillic in KOI8-R or Windows-1251 upper
//!      case, and upper-case Greek, read as Windows-1256 are 92–97% "Arabic
//!      letters", but mostly the rare ones (ء ؤ ظ ذ): they score −0.7 to
//!      −1.4, where each ANT article scores 0.22 or more (median 0.51), and
//!      runs of 32 consecutive Arabic letters of the corpus (20,000 drawn at
//!      random) −0.13 or more.

use std::fmt;

use crate::error::ErrorKind;

/// Least [`arabic_share`] of the text for bytes that are not UTF-8 to be
/// taken as Windows-1256 under [`Encoding::Auto`].
pub const MIN_ARABIC_SHARE: f64 = 0.5;

/// The share of words (runs of non-space characters holding an Arabic
/// letter) that may also hold letters of another script, for bytes that
/// are not UTF-8 to be taken as Windows-1256 under [`Encoding::Auto`].
pub const MAX_MIXED_WORDS: f64 = 0.25;

/// The fewest Arabic letters for [`arabic_profile`] to be weighed: fewer
/// say too little about proportions.
pub const PROFILE_MIN_LETTERS: usize = 32;

/// The least [`arabic_profile`] of a text of at least
/// [`PROFILE_MIN_LETTERS`] Arabic letters for its bytes to be taken as
/// Windows-1256 under [`Encoding::Auto`].
pub const MIN_ARABIC_PROFILE: f64 = -0.25;

/// How often each Arabic letter occurs in Arabic news: its share of the
/// Arabic letters of the 20,839 articles of the ANT corpus (saved as
/// Windows-1256, so the letters that code page holds), sorted by code
/// point. Counted once over the whole corpus; letters below 0.05% are
/// left out (they weigh as 0.01%).
const LETTER_SHARES: [(char, f64); 36] = [
    ('\u{0621}', 0.00337), // ARABIC LETTER HAMZA
    ('\u{0622}', 0.00097), // ARABIC LETTER ALEF WITH MADDA ABOVE
    ('\u{0623}', 0.02116), // ARABIC LETTER ALEF WITH HAMZA ABOVE
    ('\u{0624}', 0.00110), // ARABIC LETTER WAW WITH HAMZA ABOVE
    ('\u{0625}', 0.00987), // ARABIC LETTER ALEF WITH HAMZA BELOW
    ('\u{0626}', 0.00450), // ARABIC LETTER YEH WITH HAMZA ABOVE
    ('\u{0627}', 0.14785), // ARABIC LETTER ALEF
    ('\u{0628}', 0.03621), // ARABIC LETTER BEH
    ('\u{0629}', 0.03111), // ARABIC LETTER TEH MARBUTA
    ('\u{062A}', 0.04784), // ARABIC LETTER TEH
    ('\u{062B}', 0.00559), // ARABIC LETTER THEH
    ('\u{062C}', 0.01328), // ARABIC LETTER JEEM
    ('\u{062D}', 0.01737), // ARABIC LETTER HAH
    ('\u{062E}', 0.00823), // ARABIC LETTER KHAH
    ('\u{062F}', 0.03127), // ARABIC LETTER DAL
    ('\u{0630}', 0.00547), // ARABIC LETTER THAL
    ('\u{0631}', 0.05031), // ARABIC LETTER REH
    ('\u{0632}', 0.00650), // ARABIC LETTER ZAIN
    ('\u{0633}', 0.02601), // ARABIC LETTER SEEN
    ('\u{0634}', 0.00975), // ARABIC LETTER SHEEN
    ('\u{0635}', 0.00901), // ARABIC LETTER SAD
    ('\u{0636}', 0.00668), // ARABIC LETTER DAD
    ('\u{0637}', 0.00907), // ARABIC LETTER TAH
    ('\u{0638}', 0.00201), // ARABIC LETTER ZAH
    ('\u{0639}', 0.03152), // ARABIC LETTER AIN
    ('\u{063A}', 0.00455), // ARABIC LETTER GHAIN
    ('\u{0641}', 0.02616), // ARABIC LETTER FEH
    ('\u{0642}', 0.02285), // ARABIC LETTER QAF
    ('\u{0643}', 0.01895), // ARABIC LETTER KAF
    ('\u{0644}', 0.11252), // ARABIC LETTER LAM
    ('\u{0645}', 0.06172), // ARABIC LETTER MEEM
    ('\u{0646}', 0.05194), // ARABIC LETTER NOON
    ('\u{0647}', 0.02130), // ARABIC LETTER HEH
    ('\u{0648}', 0.05387), // ARABIC LETTER WAW
    ('\u{0649}', 0.00838), // ARABIC LETTER ALEF MAKSURA
    ('\u{064A}', 0.08169), // ARABIC LETTER YEH
];

/// How the bytes of article files are read as text (`--encoding`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum Encoding {
    /// Byte-order mark, else UTF-8, else Windows-1256 when the result is
    /// mostly Arabic letters (see the module documentation). Default.
    #[default]
    #[cfg_attr(
        feature = "cli",
        value(help = "Byte-order mark, else UTF-8, else Windows-1256 if mostly Arabic letters")
    )]
    Auto,
    /// UTF-8 only (a UTF-8 byte-order mark is dropped).
    #[cfg_attr(feature = "cli", value(name = "utf-8", alias = "utf8", help = "UTF-8"))]
    Utf8,
    /// UTF-8, with a replacement character (U+FFFD) for each bad sequence:
    /// for files known to be damaged UTF-8 (cut mid-character, a stray
    /// byte). Their records say `utf-8-lossy` when something was replaced.
    #[cfg_attr(
        feature = "cli",
        value(
            name = "utf-8-lossy",
            help = "UTF-8, bad bytes replaced by U+FFFD (the record says utf-8-lossy)"
        )
    )]
    Utf8Lossy,
    /// Windows-1256, whatever the text looks like.
    #[cfg_attr(
        feature = "cli",
        value(
            name = "windows-1256",
            alias = "cp1256",
            help = "Windows-1256 (Arabic Windows code page)"
        )
    )]
    Windows1256,
    /// UTF-16: the byte order of the byte-order mark; without one,
    /// little-endian unless the NUL bytes say big-endian.
    #[cfg_attr(
        feature = "cli",
        value(
            name = "utf-16",
            alias = "utf16",
            help = "UTF-16 (byte-order mark honored, else little-endian)"
        )
    )]
    Utf16,
}

/// The encoding a document was actually read with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextEncoding {
    /// UTF-8 (with or without a byte-order mark), or text given inline.
    Utf8,
    /// UTF-8 in which bad sequences were replaced by U+FFFD
    /// ([`Encoding::Utf8Lossy`]).
    Utf8Lossy,
    /// Windows-1256.
    Windows1256,
    /// UTF-16, little-endian.
    Utf16Le,
    /// UTF-16, big-endian.
    Utf16Be,
}

impl TextEncoding {
    /// The encoding's name as output records give it (WHATWG labels).
    pub fn name(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "utf-8",
            TextEncoding::Utf8Lossy => "utf-8-lossy",
            TextEncoding::Windows1256 => "windows-1256",
            TextEncoding::Utf16Le => "utf-16le",
            TextEncoding::Utf16Be => "utf-16be",
        }
    }

    fn encoding_rs(self) -> &'static encoding_rs::Encoding {
        match self {
            TextEncoding::Utf8 | TextEncoding::Utf8Lossy => encoding_rs::UTF_8,
            TextEncoding::Windows1256 => encoding_rs::WINDOWS_1256,
            TextEncoding::Utf16Le => encoding_rs::UTF_16LE,
            TextEncoding::Utf16Be => encoding_rs::UTF_16BE,
        }
    }
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Turns a file's bytes into text with `encoding`, and says which encoding
/// that was. Checks nothing else (see `decode_text` for NUL bytes and blank text).
///
/// # Errors
/// [`ErrorKind::InvalidUtf8`], [`ErrorKind::InvalidUtf16`],
/// [`ErrorKind::Utf16WithoutBom`], [`ErrorKind::Binary`],
/// [`ErrorKind::DamagedUtf8`] or [`ErrorKind::UnknownEncoding`].
pub(crate) fn decode(
    mut bytes: Vec<u8>,
    encoding: Encoding,
) -> Result<(String, TextEncoding), ErrorKind> {
    let bom = bom(&bytes);
    match (encoding, bom) {
        (Encoding::Auto | Encoding::Utf8, Some(TextEncoding::Utf8)) => {
            bytes.drain(..3);
            utf8(bytes)
        }
        (Encoding::Utf8Lossy, bom) => {
            if bom == Some(TextEncoding::Utf8) {
                bytes.drain(..3);
            }
            if bytes.contains(&0) {
                return Err(ErrorKind::Binary);
            }
            Ok(match String::from_utf8(bytes) {
                Ok(text) => (text, TextEncoding::Utf8),
                Err(e) => (
                    String::from_utf8_lossy(e.as_bytes()).into_owned(),
                    TextEncoding::Utf8Lossy,
                ),
            })
        }
        (
            Encoding::Auto | Encoding::Utf16,
            Some(e @ (TextEncoding::Utf16Le | TextEncoding::Utf16Be)),
        ) => utf16(&bytes[2..], e),
        (Encoding::Utf8 | Encoding::Windows1256, _) if bytes.contains(&0) => Err(ErrorKind::Binary),
        (Encoding::Utf8, _) => utf8(bytes),
        (Encoding::Utf16, _) => {
            let e = match nul_parity(&bytes) {
                Some(TextEncoding::Utf16Be) => TextEncoding::Utf16Be,
                _ => TextEncoding::Utf16Le,
            };
            utf16(&bytes, e)
        }
        (Encoding::Windows1256, _) => Ok((windows_1256(&bytes), TextEncoding::Windows1256)),
        (Encoding::Auto, _) => auto(bytes),
    }
}

fn bom(bytes: &[u8]) -> Option<TextEncoding> {
    if bytes.starts_with(&[0xEF, 0xBB, 0xBF]) {
        Some(TextEncoding::Utf8)
    } else if bytes.starts_with(&[0xFF, 0xFE]) {
        Some(TextEncoding::Utf16Le)
    } else if bytes.starts_with(&[0xFE, 0xFF]) {
        Some(TextEncoding::Utf16Be)
    } else {
        None
    }
}

fn auto(bytes: Vec<u8>) -> Result<(String, TextEncoding), ErrorKind> {
    if bytes.contains(&0) {
        return Err(match utf16_without_bom(&bytes) {
            Some(endian) => ErrorKind::Utf16WithoutBom {
                endian: endian.name(),
            },
            None => ErrorKind::Binary,
        });
    }
    let Some(utf8_offset) = utf8_error(&bytes) else {
        // SAFETY: `utf8_error` has just validated these exact bytes as UTF-8.
        return Ok((
            unsafe { String::from_utf8_unchecked(bytes) },
            TextEncoding::Utf8,
        ));
    };
    let (well_formed, bad) = utf8_census(&bytes);
    if well_formed >= bad.max(1) {
        return Err(ErrorKind::DamagedUtf8 {
            offset: utf8_offset,
            bad,
        });
    }
    let text = windows_1256(&bytes);
    match looks_arabic(&text) {
        Ok(()) => Ok((text, TextEncoding::Windows1256)),
        Err(reason) => Err(ErrorKind::UnknownEncoding {
            utf8_offset,
            arabic_percent: (arabic_share(&text) * 100.0).floor() as u8,
            reason,
        }),
    }
}

/// Counts the well-formed multi-byte characters of `bytes` taken as UTF-8,
/// and its bad sequences (each maximal one counted once).
fn utf8_census(bytes: &[u8]) -> (usize, usize) {
    let (mut well_formed, mut bad) = (0, 0);
    for chunk in bytes.utf8_chunks() {
        well_formed += chunk.valid().chars().filter(|c| !c.is_ascii()).count();
        bad += usize::from(!chunk.invalid().is_empty());
    }
    (well_formed, bad)
}

/// Whether `text` (bytes read as Windows-1256) looks like Arabic: mostly
/// Arabic letters, few words that mix scripts, and Arabic's proportions of
/// letters (see the module documentation). `Err` says why not, as the end
/// of a sentence.
///
/// ```
/// use tasnif::corpus::looks_arabic;
/// assert!(looks_arabic("أعلنت شركة Kaspersky عن اختراق").is_ok());
/// assert!(looks_arabic("café crème").is_err());
/// ```
///
/// # Errors
/// The reason it does not look Arabic.
pub fn looks_arabic(text: &str) -> Result<(), String> {
    let share = arabic_share(text);
    if share < MIN_ARABIC_SHARE {
        return Err(format!(
            "only {}% of its characters would be Arabic letters",
            (share * 100.0).floor()
        ));
    }
    let (mut words, mut mixed) = (0usize, 0usize);
    for w in text.split_whitespace() {
        if w.chars().any(is_arabic_letter) {
            words += 1;
            let other = |c: char| c.is_alphabetic() && !is_arabic_block(c);
            mixed += usize::from(w.chars().any(other));
        }
    }
    let mixed = mixed as f64 / words.max(1) as f64;
    if mixed >= MAX_MIXED_WORDS {
        return Err(format!(
            "{}% of its words would mix Arabic letters with letters of another script",
            (mixed * 100.0).floor()
        ));
    }
    if let Some(p) = arabic_profile(text) {
        if p < MIN_ARABIC_PROFILE {
            return Err(format!(
                "its letters would be Arabic in script but not in their proportions \
                 (score {p:.2}, under {MIN_ARABIC_PROFILE}), as another script's legacy code page read so is"
            ));
        }
    }
    Ok(())
}

/// How much `text`'s Arabic letters follow Arabic's proportions: the mean,
/// over its Arabic letters, of ln(share of the letter in Arabic news ×
/// 36), so 0 for letters drawn evenly from the 36 of [`LETTER_SHARES`],
/// about 0.5 for Arabic news, negative for mostly rare letters. `None`
/// with fewer than [`PROFILE_MIN_LETTERS`] Arabic letters.
///
/// ```
/// use tasnif::corpus::arabic_profile;
/// let news = "أعلنت الشركة عن افتتاح مكتب إقليمي في الدار البيضاء لتقديم خدماتها";
/// assert!(arabic_profile(news).is_some_and(|p| p > 0.2));
/// assert_eq!(arabic_profile("الخبر"), None);
/// ```
pub fn arabic_profile(text: &str) -> Option<f64> {
    let (mut sum, mut n) = (0.0, 0usize);
    for c in text.chars().filter(|&c| is_arabic_letter(c)) {
        let share = LETTER_SHARES
            .binary_search_by(|(l, _)| l.cmp(&c))
            .map_or(1e-4, |i| LETTER_SHARES[i].1);
        sum += (share * LETTER_SHARES.len() as f64).ln();
        n += 1;
    }
    (n >= PROFILE_MIN_LETTERS).then(|| sum / n as f64)
}

/// The offset of the first byte that is not valid UTF-8; `None` when all are.
fn utf8_error(bytes: &[u8]) -> Option<usize> {
    // SIMD validation first (most files are valid); std finds the offset of
    // a bad byte. std's check alone would cost ~20 instructions per byte of
    // Arabic text, the largest single cost of labeling.
    if simdutf8::basic::from_utf8(bytes).is_ok() {
        return None;
    }
    Some(
        std::str::from_utf8(bytes)
            .err()
            .map_or(0, |e| e.valid_up_to()),
    )
}

/// Strict UTF-8.
fn utf8(bytes: Vec<u8>) -> Result<(String, TextEncoding), ErrorKind> {
    if let Some(offset) = utf8_error(&bytes) {
        return Err(ErrorKind::InvalidUtf8 { offset });
    }
    // SAFETY: `utf8_error` has just validated these exact bytes as UTF-8.
    Ok((
        unsafe { String::from_utf8_unchecked(bytes) },
        TextEncoding::Utf8,
    ))
}

/// Strict UTF-16 of the given byte order.
fn utf16(bytes: &[u8], e: TextEncoding) -> Result<(String, TextEncoding), ErrorKind> {
    match e
        .encoding_rs()
        .decode_without_bom_handling_and_without_replacement(bytes)
    {
        Some(text) => Ok((text.into_owned(), e)),
        None => Err(ErrorKind::InvalidUtf16 {
            encoding: e.name(),
            offset: utf16_error_offset(bytes, e == TextEncoding::Utf16Be),
        }),
    }
}

/// Byte offset of the first code unit that is not valid UTF-16 (an unpaired
/// surrogate, or a lone last byte).
fn utf16_error_offset(bytes: &[u8], big_endian: bool) -> usize {
    let units = bytes.chunks_exact(2).map(|p| {
        if big_endian {
            u16::from_be_bytes([p[0], p[1]])
        } else {
            u16::from_le_bytes([p[0], p[1]])
        }
    });
    let mut offset = 0;
    for c in char::decode_utf16(units) {
        match c {
            Ok(c) => offset += c.len_utf16() * 2,
            Err(_) => return offset,
        }
    }
    offset
}

/// Windows-1256 (every byte has a meaning, so this cannot fail).
fn windows_1256(bytes: &[u8]) -> String {
    encoding_rs::WINDOWS_1256
        .decode_without_bom_handling(bytes)
        .0
        .into_owned()
}

/// The byte order that NUL bytes suggest: only at odd offsets is
/// little-endian (the high byte of ASCII characters), only at even ones
/// big-endian; none, or both, suggest nothing.
fn nul_parity(bytes: &[u8]) -> Option<TextEncoding> {
    let (mut even, mut odd) = (false, false);
    for (i, &b) in bytes.iter().enumerate() {
        if b == 0 {
            if i % 2 == 0 {
                even = true;
            } else {
                odd = true;
            }
        }
    }
    match (even, odd) {
        (false, true) => Some(TextEncoding::Utf16Le),
        (true, false) => Some(TextEncoding::Utf16Be),
        _ => None,
    }
}

/// The byte order of bytes that look like UTF-16 text without a byte-order
/// mark: NUL bytes that suggest a byte order ([`nul_parity`]), and valid
/// UTF-16 in that order with no NUL and no control character other than
/// white space.
fn utf16_without_bom(bytes: &[u8]) -> Option<TextEncoding> {
    let e = nul_parity(bytes)?;
    let text = e
        .encoding_rs()
        .decode_without_bom_handling_and_without_replacement(bytes)?;
    let plain = text.chars().all(|c| !c.is_control() || c.is_whitespace());
    plain.then_some(e)
}

/// Whether `c` is in the Arabic blocks or the Arabic presentation forms.
fn is_arabic_block(c: char) -> bool {
    matches!(c,
        '\u{0600}'..='\u{06FF}'
        | '\u{0750}'..='\u{077F}'
        | '\u{08A0}'..='\u{08FF}'
        | '\u{FB50}'..='\u{FDFF}'
        | '\u{FE70}'..='\u{FEFF}')
}

/// Whether `c` is a letter of the Arabic script (the Arabic blocks and the
/// Arabic presentation forms), not counting marks and tatweel.
pub(crate) fn is_arabic_letter(c: char) -> bool {
    is_arabic_block(c) && c.is_alphabetic() && !is_arabic_mark(c)
}

/// Arabic combining marks (tashkeel, Quranic annotation signs) and tatweel:
/// neither letters nor other characters when measuring a text's script, so
/// that fully vowelled text counts like plain text.
fn is_arabic_mark(c: char) -> bool {
    matches!(c,
        '\u{0610}'..='\u{061A}'
        | '\u{0640}'
        | '\u{064B}'..='\u{065F}'
        | '\u{0670}'
        | '\u{06D6}'..='\u{06ED}'
        | '\u{08D3}'..='\u{08FF}')
}

/// The share of `text`'s characters that are Arabic letters, not counting
/// white space, Arabic marks and tatweel (0 when nothing is left).
///
/// ```
/// use tasnif::corpus::arabic_share;
/// assert_eq!(arabic_share("الأَمْنُ  السيبراني"), 1.0);
/// assert_eq!(arabic_share("وزير news"), 0.5);
/// assert_eq!(arabic_share(" "), 0.0);
/// ```
pub fn arabic_share(text: &str) -> f64 {
    let (mut arabic, mut all) = (0usize, 0usize);
    for c in text.chars() {
        if c.is_whitespace() || is_arabic_mark(c) {
            continue;
        }
        all += 1;
        arabic += usize::from(is_arabic_letter(c));
    }
    if all == 0 {
        0.0
    } else {
        arabic as f64 / all as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The title and first sentence of seed article 000.
    const ARABIC: &str = "شركة روسية مختصة في “الأمن السيبراني” تسعى إلى الاستثمار في المغرب. \
        أعلنت الشركة عن افتتاح مكتب إقليمي في الدار البيضاء سنة 2021.";

    fn encode(e: &'static encoding_rs::Encoding, text: &str) -> Vec<u8> {
        let (bytes, _, unmappable) = e.encode(text);
        assert!(!unmappable, "{} cannot encode the text", e.name());
        bytes.into_owned()
    }

    fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
        let mut out = Vec::new();
        let units = bom.then_some(0xFEFF).into_iter().chain(text.encode_utf16());
        for u in units {
            out.extend(if big_endian {
                u.to_be_bytes()
            } else {
                u.to_le_bytes()
            });
        }
        out
    }

    /// Deterministic pseudo-random bytes in `lo..=255`.
    fn junk(n: usize, lo: u8, mut x: u64) -> Vec<u8> {
        (0..n)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                lo + (x % (256 - u64::from(lo))) as u8
            })
            .collect()
    }

    #[test]
    fn auto_reads_each_encoding_of_the_same_arabic_text() {
        let cases = [
            (ARABIC.as_bytes().to_vec(), TextEncoding::Utf8),
            (
                [&[0xEF, 0xBB, 0xBF][..], ARABIC.as_bytes()].concat(),
                TextEncoding::Utf8,
            ),
            (
                encode(encoding_rs::WINDOWS_1256, ARABIC),
                TextEncoding::Windows1256,
            ),
            (utf16(ARABIC, false, true), TextEncoding::Utf16Le),
            (utf16(ARABIC, true, true), TextEncoding::Utf16Be),
        ];
        for (bytes, expected) in cases {
            let (text, used) = decode(bytes, Encoding::Auto).expect("decodes");
            assert_eq!((text.as_str(), used), (ARABIC, expected));
        }
    }

    #[test]
    fn explicit_encodings() {
        let cp = encode(encoding_rs::WINDOWS_1256, ARABIC);
        assert!(matches!(
            decode(cp.clone(), Encoding::Utf8),
            Err(ErrorKind::InvalidUtf8 { offset: 0 })
        ));
        assert_eq!(decode(cp, Encoding::Windows1256).expect("1256").0, ARABIC);
        // explicit Windows-1256 takes Latin-1 French too (its letters are in it)
        let fr = b"caf\xe9 cr\xe8me".to_vec();
        assert_eq!(
            decode(fr, Encoding::Windows1256).expect("1256").0,
            "café crème"
        );
        for (bytes, e) in [
            (utf16(ARABIC, false, false), TextEncoding::Utf16Le),
            (utf16(ARABIC, false, true), TextEncoding::Utf16Le),
            (utf16(ARABIC, true, true), TextEncoding::Utf16Be),
            // no byte-order mark, NULs at even offsets: big-endian
            (utf16(ARABIC, true, false), TextEncoding::Utf16Be),
        ] {
            assert_eq!(
                decode(bytes, Encoding::Utf16).expect("utf-16"),
                (ARABIC.to_string(), e)
            );
        }
        let mut odd = utf16(ARABIC, false, true);
        odd.push(b'x');
        let n = odd.len();
        assert!(matches!(
            decode(odd, Encoding::Utf16),
            Err(ErrorKind::InvalidUtf16 { offset, .. }) if offset == n - 3
        ));
        // an unpaired surrogate after two characters
        let lone = [0xFF, 0xFE, 0x27, 0x06, 0x44, 0x06, 0x00, 0xD8, 0x27, 0x06].to_vec();
        assert!(matches!(
            decode(lone, Encoding::Utf16),
            Err(ErrorKind::InvalidUtf16 {
                offset: 4,
                encoding: "utf-16le"
            })
        ));
    }

    #[test]
    fn auto_refuses_utf16_without_a_byte_order_mark_and_says_so() {
        for (big, e) in [
            (false, TextEncoding::Utf16Le),
            (true, TextEncoding::Utf16Be),
        ] {
            match decode(utf16(ARABIC, big, false), Encoding::Auto) {
                Err(ErrorKind::Utf16WithoutBom { endian }) => assert_eq!(endian, e.name()),
                other => panic!("{other:?}"),
            }
        }
        // NULs at both parities: binary
        assert!(matches!(
            decode(vec![0, 0, b'a', b'b'], Encoding::Auto),
            Err(ErrorKind::Binary)
        ));
    }

    #[test]
    fn the_arabic_share_separates_arabic_from_other_legacy_text() {
        assert!(arabic_share(ARABIC) > 0.9, "{}", arabic_share(ARABIC));
        let seeds =
            std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/seeds")).expect("seeds");
        let mut n = 0;
        for e in seeds {
            let p = e.expect("entry").path();
            if p.extension().is_some_and(|x| x == "txt") {
                let text = std::fs::read_to_string(&p).expect("seed");
                let share = arabic_share(&text);
                assert!(share > 0.8, "{}: {share}", p.display());
                n += 1;
            }
        }
        assert_eq!(n, 5);
        // fully vowelled text counts like plain text
        assert_eq!(arabic_share("الأَمْنُ السِّيبْرانِيُّ"), 1.0);
        let share = |bytes: &[u8]| arabic_share(&windows_1256(bytes));
        // Latin-1 French
        assert_eq!(
            share(b"Le caf\xe9 cr\xe8me est tr\xe8s bon \xe0 Paris."),
            0.0
        );
        // Russian in Windows-1251
        let ru = encode(
            encoding_rs::WINDOWS_1251,
            "Президент заявил сегодня о новых мерах по защите данных пользователей в сети",
        );
        let ru_share = share(&ru);
        assert!(ru_share < 0.45, "Windows-1251 Russian: {ru_share}");
        // random bytes, high half only and all but NUL
        for seed in 1..=20u64 {
            let high = share(&junk(4000, 0x80, seed));
            assert!((0.3..0.47).contains(&high), "random high bytes: {high}");
            let all = share(&junk(4000, 1, seed));
            assert!(all < 0.3, "random bytes: {all}");
        }
    }

    #[test]
    fn auto_refuses_what_is_neither_utf8_nor_arabic() {
        match decode(b"caf\xe9 cr\xe8me".to_vec(), Encoding::Auto) {
            Err(ErrorKind::UnknownEncoding {
                utf8_offset,
                arabic_percent,
                ..
            }) => assert_eq!((utf8_offset, arabic_percent), (3, 0)),
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            decode(junk(3000, 0x80, 7), Encoding::Auto),
            Err(ErrorKind::UnknownEncoding { .. })
        ));
        // mostly Arabic with a Latin word: accepted
        let mixed = encode(encoding_rs::WINDOWS_1256, "أعلنت شركة Kaspersky عن اختراق");
        assert_eq!(
            decode(mixed, Encoding::Auto).expect("1256").1,
            TextEncoding::Windows1256
        );
    }

    /// The title and first sentences of seed article 000, long enough to
    /// hold every damage below.
    fn seed() -> String {
        std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/seeds/000_b8a8ecbbf40faf79.txt"
        ))
        .expect("seed")
    }

    /// Valid UTF-8 with one byte inserted (stray), or cut in the middle of
    /// a character (truncated), is never read as Windows-1256: it is an
    /// error naming the offset of the first bad byte.
    #[test]
    fn utf8_with_one_bad_byte_is_never_read_as_another_encoding() {
        let text = seed();
        let bytes = text.as_bytes();
        let mut n = 0;
        for at in (0..bytes.len()).step_by(97) {
            for stray in [0x80u8, 0xA7, 0xC7, 0xD8, 0xE1, 0xFF] {
                let mut b = bytes.to_vec();
                b.insert(at, stray);
                match decode(b, Encoding::Auto) {
                    Ok((_, TextEncoding::Utf8)) => {} // still valid (never here: no ASCII inserted)
                    Err(ErrorKind::DamagedUtf8 { offset, bad }) => {
                        assert!(offset <= at + 1 && offset + 4 >= at, "{offset} for {at}");
                        assert!((1..=3).contains(&bad), "{bad}");
                    }
                    other => panic!("byte {stray:#x} at {at}: {:?}", other.map(|t| t.1)),
                }
                n += 1;
            }
        }
        // cut in the middle of each multi-byte character after the first
        // four (with fewer before it, one byte alone could be either)
        for (i, c) in text
            .char_indices()
            .filter(|(_, c)| c.len_utf8() > 1)
            .skip(4)
            .take(300)
        {
            let cut = bytes[..i + 1].to_vec();
            match decode(cut, Encoding::Auto) {
                Err(ErrorKind::DamagedUtf8 { offset, bad: 1 }) => assert_eq!(offset, i),
                other => panic!("cut in {c:?} at {i}: {:?}", other.map(|t| t.1)),
            }
            n += 1;
        }
        assert!(n > 500, "{n}");
        // with utf-8-lossy, the bad byte is a replacement character, and says so
        let mut b = bytes.to_vec();
        b.insert(10, 0xFF);
        let (lossy, e) = decode(b.clone(), Encoding::Utf8Lossy).expect("lossy");
        assert_eq!(e, TextEncoding::Utf8Lossy);
        assert_eq!(lossy, String::from_utf8_lossy(&b));
        let (clean, e) = decode(bytes.to_vec(), Encoding::Utf8Lossy).expect("clean");
        assert_eq!((clean.as_str(), e), (text.as_str(), TextEncoding::Utf8));
    }

    /// Other scripts in their legacy code pages, read as Windows-1256, can
    /// be mostly "Arabic letters": Cyrillic in KOI8-R (92% here), upper-case
    /// Greek (97%). They are told apart by the letters' proportions and by
    /// words that mix Arabic letters with Latin ones (Hebrew in cp1255).
    #[test]
    fn other_scripts_in_legacy_code_pages_are_refused_under_auto() {
        let ru = "Президент заявил сегодня о новых мерах по защите данных пользователей в сети. \
            Министерство сообщило, что хакеры атаковали серверы крупного банка и похитили сведения о клиентах.";
        let he = "הנשיא הודיע היום על צעדים חדשים להגנה על נתוני המשתמשים ברשת. \
            המשרד מסר כי האקרים תקפו את השרתים של בנק גדול וגנבו מידע על לקוחות.";
        let el =
            "Ο ΠΡΟΕΔΡΟΣ ΑΝΑΚΟΙΝΩΣΕ ΣΗΜΕΡΑ ΝΕΑ ΜΕΤΡΑ ΓΙΑ ΤΗΝ ΠΡΟΣΤΑΣΙΑ ΤΩΝ ΔΕΔΟΜΕΝΩΝ ΤΩΝ ΧΡΗΣΤΩΝ. \
            ΤΟ ΥΠΟΥΡΓΕΙΟ ΑΝΕΦΕΡΕ ΟΤΙ ΧΑΚΕΡ ΕΠΙΤΕΘΗΚΑΝ ΣΤΟΥΣ ΔΙΑΚΟΜΙΣΤΕΣ ΜΙΑΣ ΜΕΓΑΛΗΣ ΤΡΑΠΕΖΑΣ.";
        let cases = [
            ("Russian, KOI8-R", encode(encoding_rs::KOI8_R, ru)),
            (
                "Russian upper case, KOI8-R",
                encode(encoding_rs::KOI8_R, &ru.to_uppercase()),
            ),
            (
                "Russian, Windows-1251",
                encode(encoding_rs::WINDOWS_1251, ru),
            ),
            (
                "Russian upper case, Windows-1251",
                encode(encoding_rs::WINDOWS_1251, &ru.to_uppercase()),
            ),
            ("Russian, ISO-8859-5", encode(encoding_rs::ISO_8859_5, ru)),
            (
                "Hebrew, Windows-1255",
                encode(encoding_rs::WINDOWS_1255, he),
            ),
            ("Hebrew, ISO-8859-8", encode(encoding_rs::ISO_8859_8, he)),
            (
                "Greek upper case, Windows-1253",
                encode(encoding_rs::WINDOWS_1253, el),
            ),
            (
                "Greek, Windows-1253",
                encode(encoding_rs::WINDOWS_1253, &el.to_lowercase()),
            ),
            (
                "Greek upper case, ISO-8859-7",
                encode(encoding_rs::ISO_8859_7, el),
            ),
        ];
        for (what, bytes) in cases {
            match decode(bytes, Encoding::Auto) {
                Err(ErrorKind::UnknownEncoding { .. }) => {}
                other => panic!("{what}: {:?}", other.map(|t| t.0)),
            }
        }
        // Arabic, short or long, with or without Latin words, is still Arabic
        for text in [ARABIC, "أعلنت شركة Kaspersky عن اختراق", "الخبر", &seed()]
        {
            let text = cp1256_safe(text);
            let (got, e) = decode(encode(encoding_rs::WINDOWS_1256, &text), Encoding::Auto)
                .unwrap_or_else(|k| panic!("{text}: {k}"));
            assert_eq!((got, e), (text, TextEncoding::Windows1256));
        }
    }

    /// `text` without what Windows-1256 cannot hold (Arabic-Indic digits).
    fn cp1256_safe(text: &str) -> String {
        text.chars()
            .map(|c| {
                let mut b = [0u8; 4];
                let (_, _, bad) = encoding_rs::WINDOWS_1256.encode(c.encode_utf8(&mut b));
                if bad {
                    ' '
                } else {
                    c
                }
            })
            .collect()
    }
}
