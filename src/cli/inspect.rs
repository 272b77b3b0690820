//! `tasnif inspect`.

use std::path::PathBuf;

use clap::Args;
use serde_json::json;
use tasnif::model::Classifier;

use super::OutputFormat;

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The model file [default: $TASNIF_MODEL, else the bundled cyber-topics model].
    #[arg(env = "TASNIF_MODEL", hide_env = true)]
    model: Option<PathBuf>,
    /// How many indicative terms to show per label.
    #[arg(long, default_value_t = 10)]
    top_terms: usize,
    /// Output format: text, or one JSON object with the same facts.
    #[arg(long, value_enum, default_value_t = OutputFormat::Text)]
    format: OutputFormat,
}

pub fn run(a: InspectArgs) -> anyhow::Result<u8> {
    let m = super::load_model(a.model.as_deref())?;
    let name = match &a.model {
        Some(p) => p.display().to_string(),
        None => super::BUNDLED_MODEL.to_string(),
    };
    match a.format {
        OutputFormat::Text => text(&m, &name, a.top_terms)?,
        OutputFormat::Json => {
            let mut v = serde_json::to_string_pretty(&as_json(&m, &name, a.top_terms))?;
            v.push('\n');
            out!("{v}");
        }
    }
    Ok(super::exit::SUCCESS)
}

/// What `inspect` says, as one JSON object.
fn as_json(m: &Classifier, name: &str, top_terms: usize) -> serde_json::Value {
    let gate = match (m.gate(), m.gate_settings()) {
        (Some((g, none)), Some((threshold, min_terms, gate_name))) => json!({
            "none_label": none,
            "name": gate_name,
            "threshold": threshold,
            "min_terms": min_terms,
            "terms": g.vectorizer().vocabulary().len(),
            "naive_bayes": g.nb().params(),
            "probability_scale": g.scale(),
            "refinement": g.refinement(),
        }),
        _ => serde_json::Value::Null,
    };
    let terms = m.top_terms(top_terms);
    let labels: Vec<serde_json::Value> = m
        .labels()
        .names()
        .iter()
        .zip(&m.summary().docs_per_label)
        .zip(terms)
        .map(|((name, docs), terms)| {
            json!({
                "name": name,
                "documents": docs,
                "top_terms": terms
                    .iter()
                    .map(|(t, w)| json!({"term": t, "weight": w}))
                    .collect::<Vec<_>>(),
            })
        })
        .collect();
    json!({
        "model": name,
        "format_version": tasnif::model::FORMAT_VERSION,
        "analyzer": m.vectorizer().analyzer().config(),
        "features": m.vectorizer().params(),
        "naive_bayes": m.nb().params(),
        "probability_scale": m.scale(),
        "refinement": m.refinement(),
        "refinement_summary": m.refinement().describe(),
        "gate": gate,
        "vocabulary": m.summary().vocabulary_size,
        "terms_seen": m.summary().terms_seen,
        "documents": m.summary().docs_per_label.iter().sum::<u64>(),
        "labels": labels,
    })
}

fn text(m: &Classifier, name: &str, top_terms: usize) -> std::io::Result<()> {
    let an = m.vectorizer().analyzer().config();
    let vp = m.vectorizer().params();
    let nb = m.nb().params();
    outln!("model: {name}");
    outln!("format version: {}", tasnif::model::FORMAT_VERSION);
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
    let names = m.labels().names();
    let width = super::max_width(names.iter().map(|n| n.as_str()));
    for (name, c) in names.iter().zip(&m.summary().docs_per_label) {
        outln!("  {}  {c:>7}", super::pad_right(name, width));
    }
    if top_terms > 0 {
        outln!("most indicative terms (weight above the mean over labels):");
        for (name, terms) in names.iter().zip(m.top_terms(top_terms)) {
            let list: Vec<String> = terms.iter().map(|(t, w)| format!("{t} ({w:.3})")).collect();
            outln!("  {name}: {}", list.join(", "));
        }
    }
    Ok(())
}
