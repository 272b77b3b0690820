//! The model file: a header of our own (magic, format version, body length,
//! checksum, the writer's version) and a postcard body.
//!
//! # Format (version 6; versions 1 to 5 are read too)
//!
//! | offset | size | content |
//! |---:|---:|---|
//! | 0 | 8 | magic `89 54 53 4E 46 0D 0A 1A` (`\x89TSNF\r\n\x1a`) |
//! | 8 | 4 | format version, u32 little-endian |
//! | 12 | 8 | body length in bytes, u64 little-endian |
//! | 20 | 4 | CRC-32 (IEEE), u32 little-endian, of bytes 8–19 and 24 to the end |
//! | 24 | 1 | length n of the tasnif version string |
//! | 25 | n | tasnif version that wrote the file (UTF-8) |
//! | 25+n | body length | body: [`postcard`] encoding of the model |
//!
//! From version 6 the checksum covers everything after the magic bytes but
//! itself: the format version, the body length and the writer's version as
//! well as the body, so a changed version byte is a checksum error. Up to
//! version 5 it covered the body alone; such a file's version is checked by
//! its body decoding, in that version's layout, to its last byte.
//!
//! Version 1's body is one stage. Version 2 appends an optional gate: the
//! name of the "none of the topics" label and the gate stage's own file
//! bytes. Version 3 stores, between the stage and the gate, how the naive
//! Bayes weights were refined, and its gate also holds its threshold, least
//! Arabic terms and name ([`GateSettings`]); a version 2 gate reads as
//! threshold 1/2, no least evidence, name `topic`. Version 4 adds the
//! refinement's class balance (version 3 reads as balance 0). Version 5
//! adds its least documents per label, `min_docs` (older versions read as
//! 0); a refinement skipped because a label had fewer is recorded with
//! kind none and its `min_docs` ([`RefineParams::as_applied`]). Version 6
//! has version 5's body and a checksum over the header too. A body must
//! decode to its last byte.

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use super::gated::{GateSettings, Gated};
use super::stage::{Stage, TrainingSummary};
use super::{Classifier, Kind};
use crate::error::{Error, ErrorKind, Result};
use crate::features::{Vectorizer, VectorizerParams, Vocabulary};
use crate::labels::LabelSet;
use crate::nb::{NaiveBayes, NbValidParams, RefineKind, RefineParams};
use crate::text::{Analyzer, AnalyzerConfig};

/// Magic bytes at the start of every model file.
pub const MAGIC: [u8; 8] = *b"\x89TSNF\r\n\x1a";
/// The model format version this build writes and reads.
pub const FORMAT_VERSION: u32 = 6;
/// The first format version whose checksum covers the header as well as the body.
pub const HEADER_CHECKSUM_VERSION: u32 = 6;
/// The oldest model format version this build reads.
pub const OLDEST_FORMAT_VERSION: u32 = 1;
const FIXED_HEADER: usize = 25;

/// The largest magnitude of a stored idf value, weight or log prior that a
/// model file may hold. Trained values are logarithms of probabilities and
/// smoothed document ratios (at most a few hundred in magnitude); with
/// this bound, scoring even a document of 2^32 occurrences of one term
/// stays far from overflowing.
const MAX_STORED: f64 = 1e9;

/// The probability scale a model file may hold (the range calibration keeps it in).
const SCALE_RANGE: std::ops::RangeInclusive<f64> = 1e-6..=1e6;

/// The whole file of `c`: header, then body.
pub(super) fn encode(c: &Classifier) -> Vec<u8> {
    let body = match &c.kind {
        Kind::Flat(s) => stage_body(s, None),
        Kind::Gated(g) => stage_body(
            g.topics(),
            Some(GateBodyRef {
                none_label: g.none_label(),
                model: encode_stage(g.gate()),
                settings: g.settings(),
            }),
        ),
    };
    with_header(body)
}

/// The file of one stage alone (the bytes a gate is stored as).
fn encode_stage(s: &Stage) -> Vec<u8> {
    with_header(stage_body(s, None))
}

/// The body: a stage serialized from borrowed parts (no copy of the
/// vocabulary or weights), its refinement, and the gate if any.
fn stage_body(s: &Stage, gate: Option<GateBodyRef<'_>>) -> Vec<u8> {
    let v = s.vectorizer();
    let nb = s.nb();
    let body = ModelBodyRef {
        analyzer: v.analyzer().config(),
        vectorizer: v.params(),
        vocabulary: v.vocabulary(),
        idf: v.idf(),
        labels: s.labels().names(),
        nb: nb.params(),
        log_prior: nb.log_prior(),
        weights: nb.weights().as_slice().unwrap_or(&[]),
        scale: s.scale(),
        summary: s.summary(),
    };
    // Serializing plain data into a Vec cannot fail.
    postcard::to_stdvec(&(body, s.refinement(), gate)).unwrap_or_default()
}

fn with_header(body: Vec<u8>) -> Vec<u8> {
    let version = env!("CARGO_PKG_VERSION").as_bytes();
    let mut out = Vec::with_capacity(FIXED_HEADER + version.len() + body.len());
    out.extend_from_slice(&MAGIC);
    out.extend_from_slice(&FORMAT_VERSION.to_le_bytes());
    out.extend_from_slice(&(body.len() as u64).to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    out.push(version.len() as u8);
    out.extend_from_slice(version);
    out.extend_from_slice(&body);
    let crc = checksum(&out, FORMAT_VERSION);
    out[20..24].copy_from_slice(&crc.to_le_bytes());
    out
}

/// The checksum a file of format `version` stores, computed over `file`
/// (whose header is whole): of bytes 8–19 and 24 to the end from version 6,
/// of the body alone before.
pub fn checksum(file: &[u8], version: u32) -> u32 {
    let body_start = FIXED_HEADER + file.get(24).map_or(0, |&n| usize::from(n));
    if version >= HEADER_CHECKSUM_VERSION {
        let mut h = crc32fast::Hasher::new();
        h.update(&file[8..20]);
        h.update(&file[24..]);
        h.finalize()
    } else {
        crc32fast::hash(&file[body_start.min(file.len())..])
    }
}

/// Reads a model from its file's bytes.
pub(super) fn decode(bytes: &[u8]) -> Result<Classifier> {
    let format = read_header(bytes)?.format;
    let (stage, gate) = decode_stage(bytes)?;
    let kind = match gate {
        None => Kind::Flat(Box::new(stage)),
        Some(g) => {
            // a gate's own file must not hold a gate: checked before its
            // body goes further, so nesting cannot recurse
            let (gate, inner) = decode_stage(&g.model)?;
            if inner.is_some() {
                return Err(Error::corrupt_model("a gate inside a gate"));
            }
            Kind::Gated(Box::new(Gated::new(
                gate,
                stage,
                &g.none_label,
                g.settings,
            )?))
        }
    };
    Ok(Classifier { kind, format })
}

/// One stage and its gate's bytes, if any, from a file's bytes.
fn decode_stage(bytes: &[u8]) -> Result<(Stage, Option<GateBody>)> {
    let header = read_header(bytes)?;
    let body = &bytes[FIXED_HEADER + header.version.len()..];
    let found = checksum(bytes, header.format);
    if found != header.crc {
        return Err(Error::new(ErrorKind::ChecksumMismatch {
            expected: header.crc,
            found,
        }));
    }
    let (body, refinement, gate): (ModelBody, RefineParams, Option<GateBody>) = match header.format
    {
        1 => (decode_all(body)?, RefineParams::off(), None),
        2 => {
            let (body, gate): (ModelBody, Option<GateBodyV2>) = decode_all(body)?;
            let gate = gate.map(|g| GateBody {
                none_label: g.none_label,
                model: g.model,
                settings: GateSettings::version_2(),
            });
            (body, RefineParams::off(), gate)
        }
        3 => {
            let (body, r, gate): (ModelBody, RefineV3, Option<GateBody>) = decode_all(body)?;
            (body, r.into(), gate)
        }
        4 => {
            let (body, r, gate): (ModelBody, RefineV4, Option<GateBody>) = decode_all(body)?;
            (body, r.into(), gate)
        }
        // version 5's body is version 6's
        _ => decode_all(body)?,
    };
    refinement
        .check()
        .map_err(|e| Error::corrupt_model(format!("refinement settings: {e}")))?;
    Ok((body.into_stage(refinement)?, gate))
}

/// The refinement settings of a version 3 file: no class balance.
#[derive(Deserialize)]
struct RefineV3 {
    kind: RefineKind,
    epochs: u32,
    margin: f64,
    step: f64,
    seed: u64,
}

impl From<RefineV3> for RefineParams {
    fn from(r: RefineV3) -> RefineParams {
        RefineV4 {
            kind: r.kind,
            epochs: r.epochs,
            margin: r.margin,
            step: r.step,
            seed: r.seed,
            balance: 0.0,
        }
        .into()
    }
}

/// The refinement settings of a version 4 file: no least documents.
#[derive(Deserialize)]
struct RefineV4 {
    kind: RefineKind,
    epochs: u32,
    margin: f64,
    step: f64,
    seed: u64,
    balance: f64,
}

impl From<RefineV4> for RefineParams {
    fn from(r: RefineV4) -> RefineParams {
        RefineParams {
            kind: r.kind,
            epochs: r.epochs,
            margin: r.margin,
            step: r.step,
            seed: r.seed,
            balance: r.balance,
            min_docs: 0,
        }
    }
}

struct Header<'a> {
    format: u32,
    crc: u32,
    version: &'a [u8],
}

fn read_header(bytes: &[u8]) -> Result<Header<'_>> {
    let n = bytes.len().min(MAGIC.len());
    if bytes[..n] != MAGIC[..n] || bytes.is_empty() {
        return Err(Error::new(ErrorKind::NotAModel));
    }
    let truncated = |expected: usize| {
        Error::new(ErrorKind::Truncated {
            expected: expected as u64,
            found: bytes.len() as u64,
        })
    };
    if bytes.len() < 12 {
        return Err(truncated(FIXED_HEADER));
    }
    let version = u32::from_le_bytes([bytes[8], bytes[9], bytes[10], bytes[11]]);
    if !(OLDEST_FORMAT_VERSION..=FORMAT_VERSION).contains(&version) {
        return Err(Error::new(ErrorKind::UnsupportedVersion {
            found: version,
            supported: FORMAT_VERSION,
        }));
    }
    if bytes.len() < FIXED_HEADER {
        return Err(truncated(FIXED_HEADER));
    }
    let mut len8 = [0u8; 8];
    len8.copy_from_slice(&bytes[12..20]);
    let body_len = u64::from_le_bytes(len8);
    let crc = u32::from_le_bytes([bytes[20], bytes[21], bytes[22], bytes[23]]);
    let vlen = bytes[24] as usize;
    // a damaged length field can hold any value: saturate, never wrap
    let expected = ((FIXED_HEADER + vlen) as u64).saturating_add(body_len);
    if (bytes.len() as u64) < expected {
        return Err(Error::new(ErrorKind::Truncated {
            expected,
            found: bytes.len() as u64,
        }));
    }
    if bytes.len() as u64 > expected {
        return Err(Error::corrupt_model(format!(
            "{} bytes after the end of the body",
            bytes.len() as u64 - expected
        )));
    }
    Ok(Header {
        format: version,
        crc,
        version: &bytes[FIXED_HEADER..FIXED_HEADER + vlen],
    })
}

/// Decodes a whole body: bytes left over mean it is not a body of this
/// format version (up to version 5 the version field is outside the checksum).
fn decode_all<'de, T: Deserialize<'de>>(body: &'de [u8]) -> Result<T> {
    let (value, rest) = postcard::take_from_bytes(body)
        .map_err(|e| Error::corrupt_model(format!("cannot decode body: {e}")))?;
    if !rest.is_empty() {
        return Err(Error::corrupt_model(format!(
            "{} bytes after the end of the model in its body",
            rest.len()
        )));
    }
    Ok(value)
}

/// What a stage's body holds, borrowed for writing; must match [`ModelBody`]
/// field for field.
#[derive(Serialize)]
struct ModelBodyRef<'a> {
    analyzer: &'a AnalyzerConfig,
    vectorizer: &'a VectorizerParams,
    vocabulary: &'a Vocabulary,
    idf: &'a [f64],
    labels: &'a [String],
    nb: &'a NbValidParams,
    log_prior: &'a [f64],
    weights: &'a [f64],
    scale: f64,
    summary: &'a TrainingSummary,
}

#[derive(Serialize)]
struct GateBodyRef<'a> {
    none_label: &'a str,
    model: Vec<u8>,
    settings: &'a GateSettings,
}

/// A version 2 gate.
#[derive(Deserialize)]
struct GateBodyV2 {
    none_label: String,
    model: Vec<u8>,
}

/// A version 3 gate: version 2's, and its settings.
#[derive(Deserialize)]
struct GateBody {
    none_label: String,
    model: Vec<u8>,
    settings: GateSettings,
}

#[derive(Deserialize)]
struct ModelBody {
    analyzer: AnalyzerConfig,
    vectorizer: VectorizerParams,
    vocabulary: Vocabulary,
    idf: Vec<f64>,
    labels: Vec<String>,
    nb: NbValidParams,
    log_prior: Vec<f64>,
    weights: Vec<f64>,
    scale: f64,
    summary: TrainingSummary,
}

impl ModelBody {
    /// The stage, once every shape, number and order is checked.
    fn into_stage(self, refine: RefineParams) -> Result<Stage> {
        let k = self.labels.len();
        let v = self.vocabulary.len();
        if k < 2 || self.log_prior.len() != k || self.summary.docs_per_label.len() != k {
            return Err(Error::corrupt_model(format!(
                "{k} labels, {} priors",
                self.log_prior.len()
            )));
        }
        if self.weights.len() != v.saturating_mul(k) || self.idf.len() != v {
            return Err(Error::corrupt_model(format!(
                "{} weights and {} idf values for {v} terms × {k} labels",
                self.weights.len(),
                self.idf.len()
            )));
        }
        if !self.scale.is_finite() || self.scale <= 0.0 || self.idf.iter().any(|x| !x.is_finite()) {
            return Err(Error::corrupt_model("a stored number is not finite"));
        }
        // Finite is not enough: products of huge idf values and weights
        // overflow to infinities, and the probabilities to NaN (found by
        // the model fuzzer). A trained model is far inside these bounds.
        let in_range = |x: &f64| x.abs() <= MAX_STORED;
        if !(SCALE_RANGE.contains(&self.scale)
            && self.idf.iter().all(in_range)
            && self.weights.iter().all(in_range)
            && self.log_prior.iter().all(in_range))
        {
            return Err(Error::corrupt_model("a stored number is out of range"));
        }
        let sorted = |v: &[String]| v.windows(2).all(|w| w[0] < w[1]);
        if !sorted(&self.labels) {
            return Err(Error::corrupt_model("labels out of order"));
        }
        let weights = Array2::from_shape_vec((v, k), self.weights)
            .map_err(|e| Error::corrupt_model(e.to_string()))?;
        let nb = NaiveBayes::from_parts(self.nb, self.log_prior, weights)
            .map_err(|e| Error::corrupt_model(e.to_string()))?;
        let vectorizer = Vectorizer::from_parts(
            Analyzer::new(self.analyzer),
            self.vectorizer,
            self.vocabulary,
            self.idf,
        )
        .map_err(|e| Error::corrupt_model(e.to_string()))?;
        Ok(Stage::new(
            vectorizer,
            nb,
            LabelSet::from(self.labels),
            self.scale,
            self.summary,
            refine,
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A header for a body of `len` bytes with checksum `crc`, version `v`.
    fn header(v: u32, len: u64, crc: u32) -> Vec<u8> {
        let mut h = MAGIC.to_vec();
        h.extend_from_slice(&v.to_le_bytes());
        h.extend_from_slice(&len.to_le_bytes());
        h.extend_from_slice(&crc.to_le_bytes());
        h.push(1);
        h.push(b'x');
        h
    }

    #[test]
    fn the_header_says_what_is_wrong() {
        let kind = |b: &[u8]| {
            read_header(b)
                .err()
                .map(|e| e.to_string())
                .unwrap_or_default()
        };
        assert!(kind(b"").contains("not a tasnif model"));
        assert!(kind(b"\x89TSNX").contains("not a tasnif model"));
        assert!(
            kind(&MAGIC[..5]).contains("truncated"),
            "a prefix of the magic"
        );
        assert!(kind(&header(9, 0, 0)).contains("version 9 is not supported"));
        let mut short = header(3, 10, 0);
        short.extend_from_slice(&[0; 4]);
        assert!(kind(&short).contains("truncated model file: expected 36 bytes, found 30"));
        let mut long = header(3, 2, 0);
        long.extend_from_slice(&[0; 5]);
        assert!(kind(&long).contains("3 bytes after the end of the body"));
        let mut exact = header(2, 2, 7);
        exact.extend_from_slice(&[1, 2]);
        let h = read_header(&exact).expect("a whole header");
        assert_eq!((h.format, h.crc, h.version), (2, 7, &b"x"[..]));
    }

    #[test]
    fn a_body_is_decoded_to_its_last_byte() {
        let bytes = postcard::to_stdvec(&(7u32, 8u32)).expect("encode");
        let (a, b): (u32, u32) = decode_all(&bytes).expect("whole");
        assert_eq!((a, b), (7, 8));
        let e = decode_all::<u32>(&bytes)
            .expect_err("left over")
            .to_string();
        assert!(e.contains("bytes after the end of the model"), "{e}");
    }
}
