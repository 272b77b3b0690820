//! Classification metrics from a confusion matrix, as scikit-learn defines
//! them (`precision_recall_fscore_support`): a class never predicted has
//! precision 0, never NaN; macro is the unweighted mean of per-class values.

use serde::Serialize;
use std::collections::BTreeMap;

/// Precision, recall, F1 and support of one label.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LabelMetrics {
    /// Correct predictions of the label / all predictions of it (0 when never predicted).
    pub precision: f64,
    /// Correct predictions of the label / documents that have it (0 when none).
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// Documents that have the label.
    pub support: u64,
}

/// Confusion matrix: `matrix[i][j]` counts documents of `labels[i]` predicted as `labels[j]`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Confusion {
    /// Row and column names.
    pub labels: Vec<String>,
    /// Counts, rows = true label, columns = predicted label.
    pub matrix: Vec<Vec<u64>>,
}

/// Everything `eval` reports.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    /// Documents evaluated.
    pub documents: u64,
    /// Share of documents whose predicted label is their true label.
    pub accuracy: f64,
    /// Mean of per-label precision.
    pub macro_precision: f64,
    /// Mean of per-label recall.
    pub macro_recall: f64,
    /// Mean of per-label F1.
    pub macro_f1: f64,
    /// Precision over all decisions (equals accuracy for single-label data).
    pub micro_precision: f64,
    /// Recall over all decisions (equals accuracy for single-label data).
    pub micro_recall: f64,
    /// F1 over all decisions.
    pub micro_f1: f64,
    /// Per-label precision weighted by support.
    pub weighted_precision: f64,
    /// Per-label recall weighted by support.
    pub weighted_recall: f64,
    /// Per-label F1 weighted by support.
    pub weighted_f1: f64,
    /// Per-label figures.
    pub per_label: BTreeMap<String, LabelMetrics>,
    /// The confusion matrix.
    pub confusion: Confusion,
}

/// The mean F1 of `labels` in `per_label` (a label it lacks is left out;
/// 0 when none is there).
pub fn mean_f1(per_label: &BTreeMap<String, LabelMetrics>, labels: &[String]) -> f64 {
    let f1s: Vec<f64> = labels
        .iter()
        .filter_map(|l| per_label.get(l).map(|m| m.f1))
        .collect();
    if f1s.is_empty() {
        0.0
    } else {
        f1s.iter().sum::<f64>() / f1s.len() as f64
    }
}

/// a / b, or 0 when b is 0.
pub(crate) fn ratio(a: u64, b: u64) -> f64 {
    if b == 0 {
        0.0
    } else {
        a as f64 / b as f64
    }
}

/// The harmonic mean of p and r, or 0 when both are 0.
pub(crate) fn f1(p: f64, r: f64) -> f64 {
    if p + r == 0.0 {
        0.0
    } else {
        2.0 * p * r / (p + r)
    }
}

impl Report {
    /// Computes every figure from a confusion matrix. Labels with no
    /// document and no prediction are left out of the averages (as
    /// scikit-learn does when given the observed labels).
    pub fn from_confusion(confusion: Confusion) -> Report {
        let k = confusion.labels.len();
        let m = &confusion.matrix;
        let support: Vec<u64> = (0..k).map(|i| m[i].iter().sum()).collect();
        let predicted: Vec<u64> = (0..k).map(|j| (0..k).map(|i| m[i][j]).sum()).collect();
        let total: u64 = support.iter().sum();
        let correct: u64 = (0..k).map(|i| m[i][i]).sum();
        let mut per_label = BTreeMap::new();
        let (mut mp, mut mr, mut mf, mut n_used) = (0.0, 0.0, 0.0, 0usize);
        let (mut wp, mut wr, mut wf) = (0.0, 0.0, 0.0);
        for i in 0..k {
            if support[i] == 0 && predicted[i] == 0 {
                continue;
            }
            let p = ratio(m[i][i], predicted[i]);
            let r = ratio(m[i][i], support[i]);
            let f = f1(p, r);
            mp += p;
            mr += r;
            mf += f;
            n_used += 1;
            let w = ratio(support[i], total);
            wp += w * p;
            wr += w * r;
            wf += w * f;
            per_label.insert(
                confusion.labels[i].clone(),
                LabelMetrics {
                    precision: p,
                    recall: r,
                    f1: f,
                    support: support[i],
                },
            );
        }
        let n = n_used.max(1) as f64;
        let accuracy = ratio(correct, total);
        Report {
            documents: total,
            accuracy,
            macro_precision: mp / n,
            macro_recall: mr / n,
            macro_f1: mf / n,
            micro_precision: accuracy,
            micro_recall: accuracy,
            micro_f1: accuracy,
            weighted_precision: wp,
            weighted_recall: wr,
            weighted_f1: wf,
            per_label,
            confusion,
        }
    }

    /// Builds the report from `(true, predicted)` label-name pairs; the
    /// confusion matrix covers the union of names, sorted.
    pub fn from_pairs<'a, I>(pairs: I) -> Report
    where
        I: IntoIterator<Item = (&'a str, &'a str)> + Clone,
    {
        let mut names: Vec<String> = pairs
            .clone()
            .into_iter()
            .flat_map(|(a, b)| [a.to_string(), b.to_string()])
            .collect();
        names.sort();
        names.dedup();
        let k = names.len();
        let mut matrix = vec![vec![0u64; k]; k];
        for (t, p) in pairs {
            let (Ok(i), Ok(j)) = (
                names.binary_search_by(|n| n.as_str().cmp(t)),
                names.binary_search_by(|n| n.as_str().cmp(p)),
            ) else {
                continue;
            };
            matrix[i][j] += 1;
        }
        Report::from_confusion(Confusion {
            labels: names,
            matrix,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-12
    }

    #[test]
    fn matches_hand_computed_figures() {
        // truth a a a b b c ; predicted a a b b b a
        let pairs = [
            ("a", "a"),
            ("a", "a"),
            ("a", "b"),
            ("b", "b"),
            ("b", "b"),
            ("c", "a"),
        ];
        let r = Report::from_pairs(pairs.iter().copied());
        assert!(close(r.accuracy, 4.0 / 6.0));
        let a = r.per_label["a"];
        assert!(close(a.precision, 2.0 / 3.0) && close(a.recall, 2.0 / 3.0) && a.support == 3);
        let b = r.per_label["b"];
        assert!(close(b.precision, 2.0 / 3.0) && close(b.recall, 1.0));
        let c = r.per_label["c"];
        assert_eq!(
            (c.precision, c.recall, c.f1),
            (0.0, 0.0, 0.0),
            "never predicted: 0, not NaN"
        );
        let fb = 2.0 * (2.0 / 3.0) / (2.0 / 3.0 + 1.0);
        assert!(close(r.macro_f1, (2.0 / 3.0 + fb + 0.0) / 3.0));
        assert!(close(r.weighted_f1, 0.5 * (2.0 / 3.0) + (2.0 / 6.0) * fb));
        assert_eq!(
            r.confusion.matrix,
            vec![vec![2, 1, 0], vec![0, 2, 0], vec![1, 0, 0]]
        );
    }
}
