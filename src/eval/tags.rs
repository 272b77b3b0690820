//! Multi-label tags scored against a primary and an optional secondary label.

use std::collections::HashMap;

use rayon::prelude::*;
use serde::Serialize;

use crate::corpus::LabeledData;
use crate::error::Result;
use crate::model::{Classifier, PredictOptions, PredictScratch};

/// Tag precision and recall, pooled over documents (micro averages).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TagScores {
    /// The probability a label needed to be a tag.
    pub threshold: f64,
    /// Documents scored.
    pub documents: usize,
    /// Documents with a secondary label.
    pub with_secondary: usize,
    /// Tags given, over all documents.
    pub tags_given: usize,
    /// True tags (primary + secondary), over all documents.
    pub tags_true: usize,
    /// Tags given that are true.
    pub tags_right: usize,
    /// tags_right / tags_given.
    pub precision: f64,
    /// tags_right / tags_true.
    pub recall: f64,
    /// Harmonic mean of precision and recall.
    pub f1: f64,
}

/// Tags every document of `data` with `model` (the chosen label and every
/// label of probability ≥ `threshold`) and compares the tags with the true
/// set: the document's label and, when `secondary` has an entry for its id,
/// that label too.
///
/// # Errors
/// An unreadable document.
pub fn score_tags(
    model: &Classifier,
    data: &LabeledData,
    secondary: &HashMap<String, String>,
    threshold: f64,
    read: &crate::corpus::ReadOptions,
) -> Result<TagScores> {
    let opts = PredictOptions {
        top_k: 1,
        explain: 0,
    };
    let tagged: Vec<Result<Vec<String>>> = data
        .items
        .par_iter()
        .map_init(PredictScratch::default, |s, item| {
            let text = item.text(read)?;
            let p = model.predict(&text, s, &opts);
            Ok(p.tags(threshold)
                .into_iter()
                .map(|l| model.labels().name(l).to_string())
                .collect())
        })
        .collect();
    let (mut given, mut truth_n, mut right, mut with_secondary) = (0, 0, 0, 0);
    for (i, tags) in tagged.into_iter().enumerate() {
        let tags = tags?;
        let mut truth = vec![data.labels.name(data.targets[i]).to_string()];
        if let Some(s) = secondary.get(&data.items[i].id) {
            with_secondary += 1;
            if !truth.contains(s) {
                truth.push(s.clone());
            }
        }
        given += tags.len();
        truth_n += truth.len();
        right += tags.iter().filter(|t| truth.contains(t)).count();
    }
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let (precision, recall) = (ratio(right, given), ratio(right, truth_n));
    let f1 = if precision + recall > 0.0 {
        2.0 * precision * recall / (precision + recall)
    } else {
        0.0
    };
    Ok(TagScores {
        threshold,
        documents: data.len(),
        with_secondary,
        tags_given: given,
        tags_true: truth_n,
        tags_right: right,
        precision,
        recall,
        f1,
    })
}
