//! `tasnif inspect`.

use std::path::PathBuf;

use clap::Args;
use tasnif::model::Classifier;

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The model file.
    model: PathBuf,
    /// How many indicative terms to show per label.
    #[arg(long, default_value_t = 10)]
    top_terms: usize,
}

pub fn run(a: InspectArgs) -> anyhow::Result<u8> {
    let m = Classifier::load(&a.model)?;
    let an = m.vectorizer().analyzer().config();
    let vp = m.vectorizer().params();
    let nb = m.nb().params();
    outln!("model: {}", a.model.display());
    outln!("format version: {}", m.format_version());
    outln!(
        "analyzer: stemmer={} fold_teh_marbuta={} stopwords={} min_token_chars={}",
        an.stemmer,
        an.normalize.fold_teh_marbuta,
        an.remove_stopwords,
        an.min_token_chars
    );
    outln!(
        "features: ngrams=1..{} min_df={} max_df={} max_features={} weighting={} sublinear_tf={} l2_norm={}",
        vp.ngram_max,
        vp.min_df,
        vp.max_df,
        vp.max_features.map_or("all".to_string(), |n| n.to_string()),
        vp.weighting,
        vp.sublinear_tf,
        vp.l2_norm
    );
    outln!(
        "naive bayes: {} alpha={} priors={:?} weight_norm={} probability scale={:.4}",
        nb.kind(),
        nb.alpha(),
        nb.priors(),
        nb.weight_norm(),
        m.scale()
    );
    outln!("refinement: {}", m.refinement().describe());
    if let (Some((g, none)), Some((threshold, min_terms, name))) = (m.gate(), m.gate_settings()) {
        let gnb = g.nb().params();
        outln!(
            "gate: '{none}' against every other label pooled; {} terms; naive bayes: {} alpha={} priors={:?} probability scale={:.4}; refinement: {}",
            g.vectorizer().vocabulary().len(),
            gnb.kind(),
            gnb.alpha(),
            gnb.priors(),
            g.scale(),
            g.refinement().describe()
        );
        let arabic = if min_terms == 0 {
            String::new()
        } else {
            format!(
                "; an article with fewer than {min_terms} Arabic terms, or with Arabic less than half its terms, is '{none}'"
            )
        };
        outln!(
            "gate threshold: an article gets a topic when its probability of any topic (the record's \"{name}\") is at least {threshold:.4}, else it is '{none}'{arabic}"
        );
    }
    outln!(
        "vocabulary: {} terms ({} seen before pruning)",
        m.summary().vocabulary_size,
        m.summary().terms_seen
    );
    let total: u64 = m.summary().docs_per_label.iter().sum();
    outln!("trained on {total} documents:");
    let width = m
        .labels()
        .names()
        .iter()
        .map(|n| n.chars().count())
        .max()
        .unwrap_or(5);
    for (name, c) in m.labels().names().iter().zip(&m.summary().docs_per_label) {
        outln!("  {name:<width$}  {c:>7}");
    }
    if a.top_terms > 0 {
        outln!("most indicative terms (weight above the mean over labels):");
        for (name, terms) in m.labels().names().iter().zip(m.top_terms(a.top_terms)) {
            let list: Vec<String> = terms.iter().map(|(t, w)| format!("{t} ({w:.3})")).collect();
            outln!("  {name}: {}", list.join(", "));
        }
    }
    Ok(0)
}
