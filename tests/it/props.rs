//! Property tests (proptest): the analyzer never panics and normalization
//! is idempotent; probabilities are finite and sum to 1; save → load →
//! predict gives identical records. Case counts are kept small so that
//! `cargo test` stays quick; `TASNIF_PROPTEST_SCALE=K` runs K times as many.

use std::sync::OnceLock;

use proptest::prelude::*;
use tasnif::corpus::{LabeledData, ReadOptions};
use tasnif::model::{Classifier, PredictOptions, PredictScratch};
use tasnif::nb::NbKind;
use tasnif::text::{normalize, tokens, Analyzer, AnalyzerConfig, NormalizeOptions, StemmerKind};
use tasnif::train::TrainParams;

/// Characters an Arabic news text is made of, and the ones that make
/// analysis hard: hamza seats, tashkeel, tatweel, presentation forms,
/// Arabic-Indic and Persian digits, zero-width and bidi marks, NBSP,
/// Latin with combining accents, ligatures that NFKC splits, and emoji.
const PIECES: &[&str] = &[
    "ا", "أ", "إ", "آ", "ٱ", "ء", "ؤ", "ئ", "ى", "ي", "ة", "ه", "ب", "ت", "ث", "ج", "ح", "خ", "د",
    "ر", "س", "ش", "ص", "ع", "غ", "ف", "ق", "ك", "ل", "م", "ن", "و", "ال", "وال", "ات", "ين",
    "\u{064B}", "\u{064E}", "\u{0650}", "\u{0651}", "\u{0652}", "\u{0670}", "\u{0640}", "\u{FEFB}",
    "\u{FDF2}", "\u{FE8D}", "٠", "٣", "٩", "۴", "0", "7", "\u{200B}", "\u{200C}", "\u{200D}",
    "\u{200F}", "\u{202B}", "\u{2067}", "\u{00A0}", " ", "\n", "\t", ".", "،", "؟", "«", "»", "-",
    "e", "\u{0301}", "ﬁ", "Ａ", "İ", "ß", "😀", "\u{FEFF}", "\r\n",
];

/// `n` cases, times `TASNIF_PROPTEST_SCALE` when it is set.
fn cases(n: u32) -> ProptestConfig {
    let k: u32 = std::env::var("TASNIF_PROPTEST_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    ProptestConfig::with_cases(n.saturating_mul(k.max(1)))
}

fn arabic_like() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(PIECES), 0..120).prop_map(|v| v.concat())
}

/// Arabic-like text or any Unicode string at all.
fn any_text() -> impl Strategy<Value = String> {
    prop_oneof![arabic_like(), any::<String>()]
}

fn stemmer() -> impl Strategy<Value = StemmerKind> {
    prop::sample::select(StemmerKind::ALL.to_vec())
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn normalization_is_idempotent(text in any_text(), fold in any::<bool>()) {
        let opts = NormalizeOptions { fold_teh_marbuta: fold };
        let once = normalize(&text, opts);
        prop_assert_eq!(normalize(&once, opts), once);
    }

    #[test]
    fn the_analyzer_never_panics_and_gives_the_tokens_of_the_normalized_text(
        text in any_text(),
        fold in any::<bool>(),
        stemmer in stemmer(),
        remove_stopwords in any::<bool>(),
        min_token_chars in 0usize..4,
    ) {
        let normalize_opts = NormalizeOptions { fold_teh_marbuta: fold };
        let analyzer = Analyzer::new(AnalyzerConfig {
            stemmer,
            normalize: normalize_opts,
            remove_stopwords,
            min_token_chars,
        });
        let terms = analyzer.terms(&text);
        let normalized = normalize(&text, normalize_opts);
        let toks: Vec<&str> = tokens(&normalized).collect();
        prop_assert!(terms.len() <= toks.len());
        prop_assert!(terms.iter().all(|t| t.chars().count() >= min_token_chars && !t.is_empty()));
        let plain = Analyzer::new(AnalyzerConfig {
            stemmer: StemmerKind::None,
            normalize: normalize_opts,
            remove_stopwords: false,
            min_token_chars: 0,
        });
        prop_assert_eq!(plain.terms(&text), toks);
    }
}

fn data(per_label: usize) -> LabeledData {
    crate::common::labeled_texts(per_label)
}

/// One complement and one multinomial model, trained once.
fn models() -> &'static [Classifier; 2] {
    static M: OnceLock<[Classifier; 2]> = OnceLock::new();
    M.get_or_init(|| {
        let d = data(6);
        let train = |kind| {
            let mut p = TrainParams::new();
            p.nb = p.nb.clone().kind(kind);
            tasnif::train::train(&d, &p, &ReadOptions::default()).expect("trains")
        };
        [train(NbKind::Complement), train(NbKind::Multinomial)]
    })
}

/// A text built from the models' own vocabulary (so that it scores) mixed with noise.
fn scoring_text() -> impl Strategy<Value = String> {
    let words: Vec<&'static str> = crate::common::TOPICS
        .iter()
        .flat_map(|(_, w)| w.iter().copied())
        .collect();
    prop::collection::vec(
        prop_oneof![
            3 => prop::sample::select(words).prop_map(str::to_string),
            1 => any_text(),
        ],
        0..400,
    )
    .prop_map(|v| v.join(" "))
}

proptest! {
    #![proptest_config(cases(128))]

    #[test]
    fn probabilities_are_finite_and_sum_to_one(
        text in scoring_text(),
        which in 0usize..2,
        top_k in 1usize..5,
        explain in 0usize..6,
        repeat in 1usize..50,
    ) {
        // repeating the text makes long documents, where a naive softmax overflows
        let text = vec![text; repeat].join("\n");
        let model = &models()[which];
        let opts = PredictOptions {
            top_k,
            explain,
            gate_threshold: None,
        };
        let p = model.predict(&text, &mut PredictScratch::default(), &opts);
        prop_assert_eq!(p.probabilities.len(), 3);
        prop_assert!(p.probabilities.iter().all(|x| x.is_finite() && (0.0..=1.0).contains(x)));
        let sum: f64 = p.probabilities.iter().sum();
        prop_assert!((sum - 1.0).abs() <= 1e-9, "sum {}", sum);
        prop_assert_eq!(p.top.len(), top_k.min(3));
        prop_assert_eq!(p.top[0], (p.label, p.probability));
        prop_assert!(p.top.windows(2).all(|w| w[0].1 >= w[1].1));
        prop_assert!(p.explain.len() <= explain);
        prop_assert!(p.explain.iter().all(|(_, w)| w.is_finite()));
    }
}

proptest! {
    // each case trains a model: few cases
    #![proptest_config(cases(24))]

    #[test]
    fn save_load_predict_gives_identical_records(
        stemmer in stemmer(),
        ngrams in 1u8..=2,
        multinomial in any::<bool>(),
        alpha in prop::sample::select(vec![0.01, 0.1, 1.0]),
        sublinear_tf in any::<bool>(),
        l2_norm in any::<bool>(),
        fold in any::<bool>(),
        per_label in 2usize..6,
        texts in prop::collection::vec(scoring_text(), 1..6),
    ) {
        let mut p = TrainParams::new();
        p.analyzer.stemmer = stemmer;
        p.analyzer.normalize.fold_teh_marbuta = fold;
        p.vectorizer.ngram_max = ngrams;
        p.vectorizer.sublinear_tf = sublinear_tf;
        p.vectorizer.l2_norm = l2_norm;
        p.nb = p
            .nb
            .clone()
            .kind(if multinomial { NbKind::Multinomial } else { NbKind::Complement })
            .alpha(alpha);
        let model = tasnif::train::train(&data(per_label), &p, &ReadOptions::default())
            .expect("trains");
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("m.tasnif");
        model.save(&path, false).expect("saves");
        let back = Classifier::load(&path).expect("loads");
        prop_assert_eq!(back.to_bytes(), model.to_bytes());
        let opts = PredictOptions {
            top_k: 3,
            explain: 5,
            gate_threshold: None,
        };
        let (mut a, mut b) = (PredictScratch::default(), PredictScratch::default());
        for text in &texts {
            prop_assert_eq!(model.predict(text, &mut a, &opts), back.predict(text, &mut b, &opts));
        }
    }
}
