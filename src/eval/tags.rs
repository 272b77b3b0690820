//! Multi-label tags scored against a primary and an optional secondary label.

use std::collections::HashMap;

use serde::Serialize;

use super::metrics::{f1, ratio};
use crate::corpus::LabeledData;
use crate::labels::{LabelId, LabelSet};

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

/// Compares each document's tags (`tags[i]` for document `i` of `data`,
/// ids of `labels`, the model's label set; given at `threshold`) with its
/// true set: the document's label and, when `secondary` has an entry for its
/// id, that label too.
pub fn score_tags(
    labels: &LabelSet,
    data: &LabeledData,
    tags: &[Vec<LabelId>],
    secondary: &HashMap<String, String>,
    threshold: f64,
) -> TagScores {
    let (mut given, mut truth_n, mut right, mut with_secondary) = (0, 0, 0, 0);
    for (i, tags) in tags.iter().enumerate() {
        let tags: Vec<&str> = tags.iter().map(|&l| labels.name(l)).collect();
        let mut truth = vec![data.labels.name(data.targets[i]).to_string()];
        if let Some(s) = secondary.get(&data.items[i].id) {
            with_secondary += 1;
            if !truth.contains(s) {
                truth.push(s.clone());
            }
        }
        given += tags.len();
        truth_n += truth.len();
        right += tags
            .iter()
            .filter(|t| truth.iter().any(|s| s == *t))
            .count();
    }
    let (precision, recall) = (
        ratio(right as u64, given as u64),
        ratio(right as u64, truth_n as u64),
    );
    let f1 = f1(precision, recall);
    TagScores {
        threshold,
        documents: data.len(),
        with_secondary,
        tags_given: given,
        tags_true: truth_n,
        tags_right: right,
        precision,
        recall,
        f1,
    }
}
