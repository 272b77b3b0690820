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
//! 4. otherwise Windows-1256, accepted only when at least
//!    [`MIN_ARABIC_SHARE`] of the decoded text's characters are Arabic
//!    letters (see [`arabic_share`]: white space, Arabic marks and tatweel
//!    are not counted). Every byte has a meaning in Windows-1256, so without
//!    this check any Latin-1 or other legacy file would pass as "Arabic".
//!    Arabic articles score far above the threshold; Latin-1 French scores
//!    0%, Russian in Windows-1251 39%, and random bytes 0x80–0xFF 39–42%
//!    (measured in the tests); the 20,839 articles of the ANT corpus
//!    score 72% to 100% (median 96%).

use std::fmt;

use crate::error::ErrorKind;

/// Least [`arabic_share`] of the text for bytes that are not UTF-8 to be
/// taken as Windows-1256 under [`Encoding::Auto`].
pub const MIN_ARABIC_SHARE: f64 = 0.5;

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
            TextEncoding::Windows1256 => "windows-1256",
            TextEncoding::Utf16Le => "utf-16le",
            TextEncoding::Utf16Be => "utf-16be",
        }
    }

    fn encoding_rs(self) -> &'static encoding_rs::Encoding {
        match self {
            TextEncoding::Utf8 => encoding_rs::UTF_8,
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
/// [`ErrorKind::Utf16WithoutBom`], [`ErrorKind::Binary`] or
/// [`ErrorKind::UnknownEncoding`].
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
    let text = windows_1256(&bytes);
    let share = arabic_share(&text);
    if share >= MIN_ARABIC_SHARE {
        Ok((text, TextEncoding::Windows1256))
    } else {
        Err(ErrorKind::UnknownEncoding {
            utf8_offset,
            arabic_percent: (share * 100.0).floor() as u8,
        })
    }
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

/// Whether `c` is a letter of the Arabic script (the Arabic blocks and the
/// Arabic presentation forms), not counting marks and tatweel.
pub(crate) fn is_arabic_letter(c: char) -> bool {
    matches!(c,
        '\u{0600}'..='\u{06FF}'
        | '\u{0750}'..='\u{077F}'
        | '\u{08A0}'..='\u{08FF}'
        | '\u{FB50}'..='\u{FDFF}'
        | '\u{FE70}'..='\u{FEFF}')
        && c.is_alphabetic()
        && !is_arabic_mark(c)
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
}
