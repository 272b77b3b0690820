//! The model file: round trip, every format version, and every damaged form
//! gives an error that says which (never a panic).

use crate::common::*;
use tasnif::corpus::{Item, LabeledData, ReadOptions, Source};
use tasnif::features::{CountedCorpus, FeatureScratch, SparseVec};
use tasnif::model::{Classifier, PredictOptions, PredictScratch};
use tasnif::text::Analyzer;
use tasnif::train::TrainParams;
use tasnif::ErrorKind;

#[test]
fn model_files_that_are_truncated_corrupted_or_of_another_version() {
    let f = Fixture::new(4);
    let good = std::fs::read(f.path("model.tasnif")).expect("model");
    let mut cases: Vec<(&str, Vec<u8>, &str)> = vec![
        (
            "truncated.tasnif",
            good[..good.len() / 2].to_vec(),
            "truncated model file",
        ),
        (
            "header-only.tasnif",
            good[..10].to_vec(),
            "truncated model file",
        ),
        (
            "text.tasnif",
            b"this is not a model\n".to_vec(),
            "not a tasnif model file",
        ),
        ("empty.tasnif", Vec::new(), "not a tasnif model file"),
    ];
    let mut flipped = good.clone();
    let last = flipped.len() - 3;
    flipped[last] ^= 0x40;
    cases.push(("corrupted.tasnif", flipped, "corrupted model file"));
    let mut future = good.clone();
    future[8] = 7;
    cases.push(("future.tasnif", future, "format version 7 is not supported"));
    for (name, bytes, problem) in cases {
        write(&f.path(name), &bytes);
        for cmd in [
            vec!["label", "corpus/sports/000.txt", "-m", name],
            vec!["inspect", name],
        ] {
            let out = f.run(&cmd);
            no_panic(&out);
            assert_eq!(out.status.code(), Some(1), "{cmd:?}");
            let err = stderr(&out);
            assert!(
                err.contains(name) && err.contains(problem),
                "{cmd:?}: expected '{problem}' in {err}"
            );
            assert!(stdout(&out).is_empty(), "no records from a bad model");
        }
    }
}

fn data(per_label: usize) -> LabeledData {
    crate::common::labeled_texts(per_label)
}

fn small_model() -> Classifier {
    let mut p = TrainParams::new();
    p.vectorizer.ngram_max = 2;
    tasnif::train::train(&data(4), &p, &ReadOptions::default()).expect("trains")
}

#[test]
fn save_load_predict_gives_identical_records() {
    let m = small_model();
    let bytes = m.to_bytes();
    let back = Classifier::from_bytes(&bytes).expect("loads");
    assert_eq!(back.to_bytes(), bytes, "re-saving gives the same bytes");
    let opts = PredictOptions {
        top_k: 3,
        explain: 4,
        gate_threshold: None,
    };
    let (mut s1, mut s2) = (PredictScratch::default(), PredictScratch::default());
    for n in 0..20 {
        let text = crate::common::article(n % 3, 900 + n);
        assert_eq!(
            m.predict(&text, &mut s1, &opts),
            back.predict(&text, &mut s2, &opts)
        );
    }
}

#[test]
fn every_truncation_is_an_error_not_a_panic() {
    let bytes = small_model().to_bytes();
    for len in 0..bytes.len() {
        let err =
            Classifier::from_bytes(&bytes[..len]).expect_err("a truncated model must not load");
        assert!(
            matches!(
                err.kind(),
                ErrorKind::Truncated { .. } | ErrorKind::NotAModel
            ),
            "length {len}: {err}"
        );
    }
}

#[test]
fn every_flipped_byte_is_detected() {
    let bytes = small_model().to_bytes();
    for i in 0..bytes.len() {
        let mut b = bytes.clone();
        b[i] ^= 0x01;
        // the header is inside the checksum, the writer's version too
        assert!(
            Classifier::from_bytes(&b).is_err(),
            "flip at byte {i} went unnoticed"
        );
    }
}

#[test]
fn trailing_bytes_are_reported() {
    let mut bytes = small_model().to_bytes();
    bytes.extend_from_slice(b"junk");
    let err = Classifier::from_bytes(&bytes).expect_err("trailing bytes");
    assert!(err.to_string().contains("4 bytes after the end"), "{err}");
}

#[test]
fn training_vectors_equal_labeling_vectors() {
    // The vector a document gets from the training-side counts must be the
    // one the frozen vectorizer gives its text at labeling time.
    let d = data(5);
    let mut p = TrainParams::new();
    p.vectorizer.ngram_max = 2;
    let analyzer = Analyzer::new(p.analyzer.clone());
    let counted = CountedCorpus::build(&analyzer, 2, d.len(), |i| {
        d.items[i].text(&ReadOptions::default())
    })
    .expect("counts");
    let all: Vec<usize> = (0..d.len()).collect();
    let model = tasnif::train::train(&d, &p, &ReadOptions::default()).expect("trains");
    let fitted = counted.fit_vocabulary(&p.vectorizer, &all);
    let (mut a, mut b) = (SparseVec::new(), SparseVec::new());
    let mut scratch = FeatureScratch::default();
    for i in 0..d.len() {
        counted.vector(&fitted, &p.vectorizer, i, &mut a);
        let text = d.items[i].text(&ReadOptions::default()).expect("text");
        model.vectorizer().transform(&text, &mut scratch, &mut b);
        assert!(a.nnz() > 0);
        assert_eq!(a, b, "document {i}");
    }
}

/// CRC-32 (IEEE), as the model header stores it.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// `file` (a model file) with format `version` (1 to 5, whose checksum
/// covers the body alone) and body `body`.
fn with_body(file: &[u8], version: u32, body: &[u8]) -> Vec<u8> {
    let vlen = file[24] as usize;
    let mut out = file[..25 + vlen].to_vec();
    out[8..12].copy_from_slice(&version.to_le_bytes());
    out[12..20].copy_from_slice(&(body.len() as u64).to_le_bytes());
    out[20..24].copy_from_slice(&crc32(body).to_le_bytes());
    out.extend_from_slice(body);
    out
}

#[test]
fn model_files_of_versions_1_to_5_still_load_and_label_the_same() {
    let f = crate::common::Fixture::new(6);
    let v6 = std::fs::read(f.path("model.tasnif")).expect("model");
    assert_eq!(
        u32::from_le_bytes(v6[8..12].try_into().expect("4 bytes")),
        6
    );
    // Six documents per label are too few for the default refinement: it is
    // recorded as skipped (kind none, min_docs 150), and inspect says so.
    let text = crate::common::stdout(&f.run(&["inspect", "model.tasnif"]));
    assert!(
        text.contains("refinement: none (the perceptron refines only when every label has at least 150 training documents)"),
        "{text}"
    );
    // The refinement settings end the stage (29 bytes: kind, epochs,
    // margin, step, seed, balance, then min_docs 150 in two bytes), then
    // comes the "no gate" byte.
    let vlen = v6[24] as usize;
    let body = &v6[25 + vlen..];
    assert_eq!(body.last(), Some(&0), "an ungated model ends with None");
    // Version 1's body is the stage alone; version 2's adds the "no gate"
    // byte; version 3's has the refinement without its balance (8 bytes)
    // and least documents; version 4's without its least documents;
    // version 5's is version 6's (only its checksum covers less).
    let body1 = &body[..body.len() - 30];
    let mut body2 = body1.to_vec();
    body2.push(0);
    let mut body3 = body[..body.len() - 11].to_vec();
    body3.push(0);
    let mut body4 = body[..body.len() - 3].to_vec();
    body4.push(0);
    for (name, version, b) in [
        ("v1.tasnif", 1, body1.to_vec()),
        ("v2.tasnif", 2, body2),
        ("v3.tasnif", 3, body3),
        ("v4.tasnif", 4, body4),
        ("v5.tasnif", 5, body.to_vec()),
    ] {
        std::fs::write(f.path(name), with_body(&v6, version, &b)).expect("write");
    }
    let a = f.run(&["label", "corpus", "-m", "model.tasnif"]);
    for (v, old) in [
        "v1.tasnif",
        "v2.tasnif",
        "v3.tasnif",
        "v4.tasnif",
        "v5.tasnif",
    ]
    .into_iter()
    .enumerate()
    {
        // inspect gives the file's format version, not the build's
        let text = crate::common::stdout(&f.run(&["inspect", old]));
        assert!(
            text.contains(&format!("format version: {}\n", v + 1)),
            "{old}: {text}"
        );
        let b = f.run(&["label", "corpus", "-m", old]);
        assert!(
            a.status.success() && b.status.success(),
            "{old}: {}",
            crate::common::stderr(&b)
        );
        assert_eq!(
            crate::common::stdout(&a),
            crate::common::stdout(&b),
            "{old}"
        );
    }
    // a version 6 file whose version byte says 4 fails its checksum; with
    // a checksum made right for version 4 (over the body alone), the body
    // does not pass either: its min_docs bytes are read as the gate's
    let mut as_v4 = v6.clone();
    as_v4[8..12].copy_from_slice(&4u32.to_le_bytes());
    let err = Classifier::from_bytes(&as_v4).expect_err("another version");
    assert!(
        matches!(err.kind(), ErrorKind::ChecksumMismatch { .. }),
        "{err}"
    );
    let err = Classifier::from_bytes(&with_body(&v6, 4, body)).expect_err("not a version 4 body");
    assert!(err.to_string().contains("corrupted model file"), "{err}");
}

/// LEB128, as postcard writes lengths.
fn varint(mut n: usize, out: &mut Vec<u8>) {
    loop {
        let b = (n & 0x7f) as u8;
        n >>= 7;
        if n == 0 {
            out.push(b);
            return;
        }
        out.push(b | 0x80);
    }
}

fn varint_len(n: usize) -> usize {
    let mut v = Vec::new();
    varint(n, &mut v);
    v.len()
}

/// A file whose gate is itself a gated model is refused when its gate is
/// decoded, before that gate's own gate is looked at: nesting cannot
/// recurse as deep as a crafted file is long. (The innermost gate here is
/// damaged: reaching it would give a checksum error instead.)
#[test]
fn a_gate_inside_a_gate_is_refused() {
    let mut pairs = Vec::new();
    for (t, (name, _)) in crate::common::TOPICS.iter().enumerate() {
        for n in 0..4 {
            pairs.push((
                Item {
                    id: format!("{name}/{n}"),
                    source: Source::Text(crate::common::article(t, n)),
                },
                name.to_string(),
            ));
        }
    }
    for n in 0..4 {
        pairs.push((
            Item {
                id: format!("none/{n}"),
                source: Source::Text(crate::common::article(n % 3, 100 + n)),
            },
            "none".to_string(),
        ));
    }
    let mut p = TrainParams::new();
    p.none_label = Some("none".into());
    let gated = tasnif::train::train(&LabeledData::from_pairs(pairs), &p, &ReadOptions::default())
        .expect("trains")
        .to_bytes();
    Classifier::from_bytes(&gated).expect("a gated model loads");
    // the gate's file bytes come after their length, and the gate's
    // settings (threshold, least Arabic terms, name) after them
    let magic = tasnif::model::MAGIC;
    let g = (1..gated.len() - magic.len())
        .find(|&i| gated[i..i + magic.len()] == magic)
        .expect("the gate's own file");
    let gate_body = u64::from_le_bytes(gated[g + 12..g + 20].try_into().expect("8 bytes"));
    let gate_len = 25 + gated[g + 24] as usize + gate_body as usize;
    let start = g - varint_len(gate_len);
    let settings = gated[g + gate_len..].to_vec();
    let vlen = gated[24] as usize;
    let with_crc = |mut file: Vec<u8>| {
        let body_len = (file.len() - 25 - vlen) as u64;
        file[12..20].copy_from_slice(&body_len.to_le_bytes());
        let crc = tasnif::model::file::checksum(&file, tasnif::model::FORMAT_VERSION);
        file[20..24].copy_from_slice(&crc.to_le_bytes());
        file
    };
    // the gated model, its own gate damaged, its checksum made right again
    let mut damaged = gated.clone();
    damaged[g + gate_len - 2] ^= 0x01;
    let damaged = with_crc(damaged);
    assert!(Classifier::from_bytes(&damaged)
        .expect_err("its gate is damaged")
        .to_string()
        .contains("checksum"));
    // ... as the gate of a model
    let mut nested = gated[..start].to_vec();
    varint(damaged.len(), &mut nested);
    nested.extend_from_slice(&damaged);
    nested.extend_from_slice(&settings);
    let nested = with_crc(nested);
    let err = Classifier::from_bytes(&nested).expect_err("a gate inside a gate");
    assert!(err.to_string().contains("a gate inside a gate"), "{err}");
}

/// A gated model whose format version byte is changed is refused, whatever
/// the new value: the version is inside the checksum. Even with a checksum
/// made right again for the claimed version (as an older version computes
/// it, over the body alone), a body decodes only in its own layout, to its
/// last byte, so no version reads it without its gate.
#[test]
fn a_gated_model_with_another_version_byte_is_refused() {
    let bundled = tasnif::DEFAULT_MODEL;
    let own = u32::from_le_bytes(bundled[8..12].try_into().expect("4 bytes"));
    assert_eq!(own, tasnif::model::FORMAT_VERSION);
    for v in 0..=255u8 {
        if u32::from(v) == own {
            continue;
        }
        let mut b = bundled.to_vec();
        b[8] = v;
        let err = Classifier::from_bytes(&b).expect_err("another version byte");
        assert!(
            matches!(
                err.kind(),
                ErrorKind::ChecksumMismatch { .. } | ErrorKind::UnsupportedVersion { .. }
            ),
            "version byte {v}: {err}"
        );
    }
    let vlen = bundled[24] as usize;
    let body = &bundled[25 + vlen..];
    for v in tasnif::model::OLDEST_FORMAT_VERSION..own {
        match Classifier::from_bytes(&with_body(bundled, v, body)) {
            Err(e) => assert!(e.to_string().contains("corrupted model file"), "{v}: {e}"),
            Ok(m) => {
                // version 5's layout is version 6's: it reads the same model
                assert_eq!(v, 5);
                assert!(m.gate().is_some(), "read as version {v} without its gate");
            }
        }
    }
}
