//! What each fuzz target checks, on one input. Shared by the fuzz targets
//! (`fuzz/fuzz_targets/*.rs` include this file) and by
//! `tests/fuzz_regressions.rs`, which replays the crashes found so far and
//! the seed inputs through the same checks.
#![allow(dead_code)]

use std::path::Path;
use std::sync::OnceLock;

use tasnif::corpus::{
    decode_text, looks_arabic, parse_jsonl_labeled, parse_manifest, Encoding, JsonlInputs,
    ReadOptions, Source, TextEncoding,
};
use tasnif::model::{Classifier, PredictOptions, PredictScratch, FORMAT_VERSION, MAGIC};
use tasnif::text::{normalize, tokens, Analyzer, AnalyzerConfig, NormalizeOptions, StemmerKind};

/// Every combination of analyzer settings, built once (building one is costly).
fn analyzers() -> &'static [Analyzer] {
    static ALL: OnceLock<Vec<Analyzer>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v = Vec::new();
        for fold_teh_marbuta in [false, true] {
            for stemmer in StemmerKind::ALL {
                for remove_stopwords in [false, true] {
                    for min_token_chars in [0, 1, 2, 5] {
                        v.push(Analyzer::new(AnalyzerConfig {
                            stemmer,
                            normalize: NormalizeOptions { fold_teh_marbuta },
                            remove_stopwords,
                            min_token_chars,
                        }));
                    }
                }
            }
        }
        v
    })
}

/// The Arabic analyzer on any text (the first byte chooses the settings):
/// no panic, the one-pass analysis gives exactly `tokens(normalize(text))`,
/// and normalizing twice changes nothing.
pub fn analyzer(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    let all = analyzers();
    let analyzer = &all[usize::from(flags) % all.len()];
    let opts = analyzer.config().normalize;
    let once = normalize(&text, opts);
    assert_eq!(
        normalize(&once, opts),
        once,
        "normalization is not idempotent"
    );
    let expected: Vec<&str> = tokens(&once).collect();
    // no stopwords, no stemming and no length filter: the tokens themselves
    let plain = all
        .iter()
        .find(|a| {
            let c = a.config();
            c.normalize == opts
                && c.stemmer == StemmerKind::None
                && !c.remove_stopwords
                && c.min_token_chars == 0
        })
        .expect("the plain analyzer is in the list");
    assert_eq!(
        plain.terms(&text),
        expected,
        "the one-pass analysis differs"
    );
    assert!(analyzer.terms(&text).len() <= expected.len());
}

/// `body` behind a valid model-file header (magic, version, length, checksum).
pub fn with_header(body: &[u8]) -> Vec<u8> {
    with_header_as(body, FORMAT_VERSION, b"0.1.0")
}

/// `body` behind a header of format `version`, writer `writer`, and the
/// checksum that version computes.
pub fn with_header_as(body: &[u8], version: u32, writer: &[u8]) -> Vec<u8> {
    let writer = &writer[..writer.len().min(255)];
    let mut out = Vec::with_capacity(body.len() + 32 + writer.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&version.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.push(writer.len() as u8);
    out.extend_from_slice(writer);
    out.extend_from_slice(body);
    let crc = tasnif::model::file::checksum(&out, version);
    out[20..24].copy_from_slice(&crc.to_le_bytes());
    out
}

const TEXTS: [&str; 3] = [
    "تسريب بيانات ملايين المستخدمين بعد اختراق الشبكة",
    "",
    "a b c ١٢٣ الأَمْنُ",
];

/// The model loader on any bytes: an error or a model, never a panic; a
/// model that loads predicts finite probabilities that sum to 1, and saves
/// to bytes that load again. An even first byte takes the rest as a whole
/// file; an odd one as a body behind a valid header and checksum, so that
/// the decoder and the checks behind the checksum get fuzzed too.
pub fn model(data: &[u8]) {
    gated_version(data);
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    let bytes = if mode & 1 == 0 {
        rest.to_vec()
    } else {
        with_header(rest)
    };
    let Ok(model) = Classifier::from_bytes(&bytes) else {
        return;
    };
    // the decoder consumes the whole body (and the whole file): one byte
    // more after what loaded does not load
    let mut longer = rest.to_vec();
    longer.push(mode);
    let longer = if mode & 1 == 0 {
        longer
    } else {
        with_header(&longer)
    };
    assert!(
        Classifier::from_bytes(&longer).is_err(),
        "a model loads with a byte more at its end"
    );
    let opts = PredictOptions {
        top_k: usize::from(mode >> 1 & 7),
        explain: usize::from(mode >> 4),
        gate_threshold: None,
    };
    let mut scratch = PredictScratch::default();
    for text in TEXTS {
        let p = model.predict(text, &mut scratch, &opts);
        let sum: f64 = p.probabilities.iter().sum();
        assert!(
            p.probabilities.iter().all(|x| x.is_finite() && *x >= 0.0),
            "{:?}",
            p.probabilities
        );
        assert!((sum - 1.0).abs() < 1e-6, "probabilities sum to {sum}");
    }
    let again = model.to_bytes();
    Classifier::from_bytes(&again).expect("a saved model loads again");
}

/// A small gated model's file, trained once.
fn gated_file() -> &'static [u8] {
    static FILE: OnceLock<Vec<u8>> = OnceLock::new();
    FILE.get_or_init(|| {
        use tasnif::corpus::{Item, LabeledData};
        let words = [
            ("attack", "اختراق قراصنة هجوم خوادم"),
            ("leak", "تسريب بيانات وثائق حسابات"),
            ("none", "المباراة الفريق الدوري الملعب"),
        ];
        let mut pairs = Vec::new();
        for (label, text) in words {
            for n in 0..6 {
                let t = format!("{text} {} خبر اليوم {n}", words[n % 3].1);
                pairs.push((
                    Item {
                        id: format!("{label}/{n}"),
                        source: Source::Text(t),
                    },
                    label.to_string(),
                ));
            }
        }
        let mut p = tasnif::train::TrainParams::new();
        p.none_label = Some("none".into());
        let m = tasnif::train::train(&LabeledData::from_pairs(pairs), &p, &ReadOptions::default())
            .expect("the small gated model trains");
        assert!(m.gate().is_some());
        m.to_bytes()
    })
}

/// A loaded gated model still has its gate. The first four bytes give a
/// format version, the rest a writer's version string: a small gated
/// model's file with that version byte (checksum left as it was), and its
/// body behind a header of that version and writer with the checksum that
/// version computes (as a forger would make it), either fail to load or
/// load with their gate. Up to version 5 the version is outside the
/// checksum, and only the strict decoding of each version's layout keeps
/// a body from being read as an older one without its gate.
pub fn gated_version(data: &[u8]) {
    let Some((v, writer)) = data.split_first_chunk::<4>() else {
        return;
    };
    let version = u32::from_le_bytes(*v);
    let file = gated_file();
    let mut flipped = file.to_vec();
    flipped[8..12].copy_from_slice(v);
    let body = &file[25 + usize::from(file[24])..];
    for bytes in [flipped, with_header_as(body, version, writer)] {
        if let Ok(m) = Classifier::from_bytes(&bytes) {
            assert!(
                m.gate().is_some(),
                "read as format version {version} without its gate"
            );
        }
    }
}

const ENCODINGS: [Encoding; 5] = [
    Encoding::Auto,
    Encoding::Utf8,
    Encoding::Windows1256,
    Encoding::Utf16,
    Encoding::Utf8Lossy,
];

/// The article decoder on any bytes, in each encoding: an error or text
/// that is not blank and has no NUL; under `auto`, UTF-8 is taken as is and
/// Windows-1256 only when it looks Arabic; every decoding gives back the
/// bytes when encoded again (`utf-8-lossy`: what `from_utf8_lossy` gives).
/// Then [`utf8_plus_one`] on the same bytes.
pub fn decode(data: &[u8]) {
    utf8_plus_one(data);
    for enc in ENCODINGS {
        let Ok(t) = decode_text(data.to_vec(), enc) else {
            continue;
        };
        let text = t.text.as_ref();
        assert!(!text.trim().is_empty() && !text.contains('\0'));
        let body = |bom: &[u8]| data.strip_prefix(bom).unwrap_or(data).to_vec();
        let again = match t.encoding {
            TextEncoding::Utf8 => {
                assert!(matches!(
                    enc,
                    Encoding::Auto | Encoding::Utf8 | Encoding::Utf8Lossy
                ));
                assert_eq!(text.as_bytes(), body(&[0xEF, 0xBB, 0xBF]));
                continue;
            }
            TextEncoding::Utf8Lossy => {
                assert_eq!(enc, Encoding::Utf8Lossy);
                let raw = body(&[0xEF, 0xBB, 0xBF]);
                assert!(std::str::from_utf8(&raw).is_err());
                assert_eq!(text, String::from_utf8_lossy(&raw));
                continue;
            }
            TextEncoding::Windows1256 => {
                if enc == Encoding::Auto {
                    assert!(looks_arabic(text).is_ok());
                }
                let (b, _, unmappable) = encoding_rs::WINDOWS_1256.encode(text);
                assert!(!unmappable);
                (b.into_owned(), data.to_vec())
            }
            TextEncoding::Utf16Le => (
                text.encode_utf16().flat_map(u16::to_le_bytes).collect(),
                body(&[0xFF, 0xFE]),
            ),
            TextEncoding::Utf16Be => (
                text.encode_utf16().flat_map(u16::to_be_bytes).collect(),
                body(&[0xFE, 0xFF]),
            ),
        };
        assert_eq!(again.0, again.1, "{enc:?} as {:?}", t.encoding);
    }
}

/// Valid UTF-8 plus one byte never decodes as another encoding. The first
/// two bytes choose a position and the third a byte; when the rest is valid
/// UTF-8, that byte inserted there (if the text has at least five
/// multi-byte characters), or the text cut in the middle of the first
/// multi-byte character at or after that position (if a whole one comes
/// before the cut), reads under `auto` as UTF-8 or not at all: never as
/// Windows-1256 or UTF-16.
///
/// The bounds are the rule's: bytes are damaged UTF-8 when they hold at
/// least as many well-formed multi-byte characters as bad sequences. One
/// byte inserted breaks at most one character into at most four bad
/// sequences (`F0 61 9F 98 80`); a cut leaves one bad sequence. With fewer
/// characters, the bytes could as well be Windows-1256 (the fuzzer's first
/// find: `19 D8`, a control character and the first byte of ش, is ط in
/// Windows-1256).
pub fn utf8_plus_one(data: &[u8]) {
    let [lo, hi, byte, rest @ ..] = data else {
        return;
    };
    let Ok(text) = std::str::from_utf8(rest) else {
        return;
    };
    let at = usize::from(u16::from_le_bytes([*lo, *hi])) % (rest.len() + 1);
    let mut cases = Vec::new();
    if text.chars().filter(|c| !c.is_ascii()).count() >= 5 {
        let mut stray = rest.to_vec();
        stray.insert(at, *byte);
        cases.push(stray);
    }
    let cut = text
        .char_indices()
        .find(|&(i, c)| i >= at && c.len_utf8() > 1)
        .map(|(i, _)| i)
        .filter(|&i| !text[..i].is_ascii());
    if let Some(i) = cut {
        cases.push(rest[..=i].to_vec());
    }
    for bytes in cases {
        if let Ok(t) = decode_text(bytes.clone(), Encoding::Auto) {
            assert_eq!(
                t.encoding,
                TextEncoding::Utf8,
                "UTF-8 with one bad byte read as {}: {bytes:?}",
                t.encoding
            );
        }
    }
}

/// The CSV/TSV manifest reader on any bytes (the first byte chooses the
/// delimiter and the encoding): an error or records with a non-blank label
/// and id, each a file path or a non-blank text.
pub fn manifest(data: &[u8]) {
    let Some((&flags, rest)) = data.split_first() else {
        return;
    };
    let delimiter = if flags & 1 == 0 { b',' } else { b'\t' };
    let encoding = ENCODINGS[usize::from(flags >> 1 & 7) % ENCODINGS.len()];
    let path = Path::new("fuzz/manifest.csv");
    let Ok(pairs) = parse_manifest(rest.to_vec(), path, delimiter, encoding) else {
        return;
    };
    for (item, label) in &pairs {
        assert!(!label.trim().is_empty() && label.trim() == label);
        assert!(!item.id.is_empty());
        match &item.source {
            Source::File(p) => assert!(!p.as_os_str().is_empty()),
            Source::Text(t) => assert!(!t.trim().is_empty()),
            Source::Failed(m) => panic!("a manifest gives no failed item: {m}"),
        }
    }
}

/// The JSON-lines readers on any bytes: the labeled reader of `train`
/// gives an error or records with a text and a non-blank label; the
/// streaming reader of `label` (with a line limit chosen by the first
/// byte) gives one item per non-blank line, each with an id, never more
/// items than lines.
pub fn jsonl(data: &[u8]) {
    let path = Path::new("fuzz/data.jsonl");
    if let Ok(pairs) = parse_jsonl_labeled(data.to_vec(), path) {
        for (_, label) in &pairs {
            assert!(!label.trim().is_empty());
        }
    }
    let Some((&limit, rest)) = data.split_first() else {
        return;
    };
    let lines = rest.split(|&b| b == b'\n').count();
    let opts = ReadOptions {
        max_bytes: u64::from(limit) * 16,
        encoding: Encoding::Auto,
    };
    let mut n = 0;
    for item in JsonlInputs::new(rest, "fuzz").max_line(opts.max_bytes) {
        n += 1;
        assert!(!item.id.is_empty());
        if let Ok(t) = item.read(&opts) {
            assert!(t.text.len() as u64 <= opts.max_bytes);
        }
    }
    assert!(n <= lines, "{n} items from {lines} lines");
}
