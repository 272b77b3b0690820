//! How good a model of the labels so far already is: cross-validated
//! macro-F1 with its spread over folds, and the learning curve of the
//! labels (macro-F1 when training on fewer of them), both measured by
//! [`crate::eval::curve::learning_curve`].

use serde::Serialize;

use crate::corpus::{Item, LabeledData, ReadOptions};
use crate::error::Result;
use crate::eval::curve::{learning_curve, CurveOptions, CurveSize, MeanStd};
use crate::train::TrainParams;

/// Labels with fewer articles than this are left out of the estimate
/// (a fold's training part must keep two of each).
pub const MIN_PER_LABEL: usize = 3;

/// One point of the learning curve of the labels so far.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EstimatePoint {
    /// Labeled articles a fold trained on (mean over folds).
    pub labels: f64,
    /// Cross-validated macro-F1.
    pub macro_f1: MeanStd,
}

/// The estimate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Estimate {
    /// Folds of the cross-validation.
    pub folds: usize,
    /// Macro-F1 of a model trained on all the labels used, mean and
    /// standard deviation over folds.
    pub macro_f1: MeanStd,
    /// Accuracy, likewise.
    pub accuracy: MeanStd,
    /// The labels used and their articles.
    pub labels: Vec<(String, usize)>,
    /// Labels left out for having fewer than [`MIN_PER_LABEL`] articles.
    pub left_out: Vec<String>,
    /// The learning curve, smallest first; the last point is all the labels.
    pub curve: Vec<EstimatePoint>,
}

/// Estimates the macro-F1 of a model trained on `labeled` (positions in
/// `items`, labels) by stratified `folds`-fold cross-validation (fewer
/// when a label has fewer articles), and its learning curve at 2, 5, 10,
/// 20, 50, … articles per label. `None` when fewer than two labels have
/// [`MIN_PER_LABEL`] articles.
///
/// # Errors
/// An article that cannot be read, or a failed fit.
pub fn estimate(
    items: &[Item],
    labeled: &[(usize, String)],
    params: &TrainParams,
    folds: usize,
    seed: u64,
    read: &ReadOptions,
) -> Result<Option<Estimate>> {
    let mut count: std::collections::BTreeMap<&str, usize> = Default::default();
    for (_, l) in labeled {
        *count.entry(l.as_str()).or_default() += 1;
    }
    let used: Vec<(String, usize)> = count
        .iter()
        .filter(|(_, &n)| n >= MIN_PER_LABEL)
        .map(|(l, &n)| (l.to_string(), n))
        .collect();
    let left_out: Vec<String> = count
        .iter()
        .filter(|(_, &n)| n < MIN_PER_LABEL)
        .map(|(l, _)| l.to_string())
        .collect();
    if used.len() < 2 {
        return Ok(None);
    }
    let smallest = used.iter().map(|(_, n)| *n).min().unwrap_or(0);
    let largest = used.iter().map(|(_, n)| *n).max().unwrap_or(0);
    let k = folds.clamp(2, smallest.max(2));
    let pairs = labeled
        .iter()
        .filter(|(_, l)| count.get(l.as_str()).is_some_and(|&n| n >= MIN_PER_LABEL))
        .map(|(d, l)| (items[*d].clone(), l.clone()))
        .collect();
    let data = LabeledData::from_pairs(pairs);
    let mut sizes: Vec<CurveSize> = [2usize, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]
        .into_iter()
        // a fold trains on about (k − 1)/k of a label: larger sizes are "all"
        .filter(|&n| n >= params.min_docs_per_label.max(1) && n < largest - largest.div_ceil(k))
        .map(CurveSize::PerLabel)
        .collect();
    sizes.push(CurveSize::All);
    let opts = CurveOptions {
        sizes,
        folds: k,
        seed,
        ..CurveOptions::default()
    };
    let curve = learning_curve(&data, None, params, &opts, read)?;
    let Some(all) = curve.rows.last() else {
        return Ok(None);
    };
    Ok(Some(Estimate {
        folds: k,
        macro_f1: all.macro_f1,
        accuracy: all.accuracy,
        labels: used,
        left_out,
        curve: curve
            .rows
            .iter()
            .map(|r| EstimatePoint {
                labels: r.train_docs,
                macro_f1: r.macro_f1,
            })
            .collect(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Source;

    #[test]
    fn too_few_labels_give_no_estimate_and_enough_give_one() {
        let sport = [
            "فاز الفريق بالمباراة",
            "سجل اللاعب هدفا",
            "خسر المنتخب في الدوري",
            "المدرب والملعب والكأس",
        ];
        let money = [
            "ارتفعت اسعار النفط",
            "تراجع الدولار في الاسواق",
            "البنك يرفع الفائدة",
            "التضخم والميزانية",
        ];
        let mut items = Vec::new();
        let mut labeled = Vec::new();
        for (i, t) in sport.iter().chain(money.iter()).enumerate() {
            items.push(Item {
                id: format!("d{i}"),
                source: Source::Text(t.to_string()),
            });
            labeled.push((i, if i < 4 { "sport" } else { "money" }.to_string()));
        }
        let p = TrainParams::new();
        let r = ReadOptions::default();
        let e = estimate(&items, &labeled[..6], &p, 5, 1, &r).expect("runs");
        assert!(e.is_none(), "money has 2 articles: no estimate");
        let e = estimate(&items, &labeled, &p, 5, 1, &r)
            .expect("runs")
            .expect("an estimate");
        assert_eq!(
            e.folds, 4,
            "no more folds than the smallest label's articles"
        );
        assert!((0.0..=1.0).contains(&e.macro_f1.mean));
        assert_eq!(e.curve.len(), 2, "2 per label, then all");
        assert!(e.left_out.is_empty());
    }
}
