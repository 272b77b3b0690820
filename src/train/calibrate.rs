//! Calibration: the temperature that makes a stage's probabilities honest,
//! fitted on out-of-fold scores of its training documents, and the gate
//! threshold of best F1 on those out-of-fold probabilities.

use rayon::prelude::*;

use super::folds::stratified_folds;
use super::refine::refine;
use crate::error::Result;
use crate::features::{RowVectors, SparseVec};
use crate::labels::LabelId;
use crate::nb::{NaiveBayes, NbCounts, NbValidParams, RefineParams};

/// Folds of the calibration (at most).
pub(crate) const CALIBRATION_FOLDS: usize = 3;

/// Folds of the calibration (at most) of a refined model: each fold's
/// model is refined by a whole run of the perceptron, so two folds, whose
/// runs together cost about one run over every document, keep training
/// fast (the scale is then fitted on models that saw half of the data).
pub(crate) const REFINED_CALIBRATION_FOLDS: usize = 2;

/// Seed of the calibration folds (fixed: the same data gives the same model).
const CALIBRATION_SEED: u64 = 0x7a5_41f;

/// The temperature scale of a model fitted on the rows `x`, `y` (whose sums are
/// `total`): scores of each training document by a model fitted without it
/// (stratified K-fold, K = the smallest class size up to 3, or 2 with
/// refinement; each fold's
/// training sums are `total` minus the fold's own), then the scale that makes
/// the softmax of those out-of-fold scores most likely. With a class of one
/// document there is nothing to hold out: the scale is 1. Returns the
/// scale and the out-of-fold scores (`n_classes` per document of `y`;
/// empty when there were no folds). With `refinement` on, each fold's model
/// is refined on that fold's training documents before it scores, so the
/// scale fits the refined scores.
pub(crate) fn calibrate(
    params: &NbValidParams,
    refinement: &RefineParams,
    x: &RowVectors<'_>,
    y: &[LabelId],
    total: &NbCounts,
) -> Result<(f64, Vec<f64>)> {
    let n_terms = total.n_terms();
    let n_classes = total.n_classes();
    let mut per_class = vec![0usize; n_classes];
    for l in y {
        per_class[l.index()] += 1;
    }
    let smallest = per_class.iter().copied().min().unwrap_or(0);
    if smallest < 2 {
        return Ok((1.0, Vec::new()));
    }
    let folds = if refinement.is_on() {
        REFINED_CALIBRATION_FOLDS
    } else {
        CALIBRATION_FOLDS
    };
    let k = smallest.min(folds);
    let fold_of = stratified_folds(y, n_classes, k, CALIBRATION_SEED);
    let mut scores = vec![0.0; y.len() * n_classes];
    let score_fold = |scores: &mut [f64], f: usize, nb: &NaiveBayes| {
        // Each held-out row's scores on its own: in parallel, same result.
        scores
            .par_chunks_mut(n_classes)
            .enumerate()
            .filter(|(i, _)| fold_of[*i] == f)
            .for_each_init(SparseVec::new, |v, (i, out)| {
                let (terms, vals) = x.row(i, v);
                nb.scores(terms, vals, out);
            });
    };
    if refinement.is_on() {
        // The perceptron runs one document at a time: the folds' own runs
        // go in parallel (each fold's sums its own), with the same result.
        let fold_models: Vec<Result<NaiveBayes>> = (0..k)
            .into_par_iter()
            .map(|f| {
                let mut sums = NbCounts::new(n_terms, n_classes)?;
                let mut v = SparseVec::new();
                for (i, &c) in y.iter().enumerate() {
                    if fold_of[i] == f {
                        let (terms, vals) = x.row(i, &mut v);
                        sums.add(terms, vals, c, 1.0)?;
                    }
                }
                sums.complement_in(total)?;
                let mut nb = params.fit_counts(&sums)?;
                let train: Vec<usize> = (0..y.len()).filter(|&i| fold_of[i] != f).collect();
                refine(&mut nb, &sums, x, &train, y, refinement)?;
                Ok(nb)
            })
            .collect();
        for (f, nb) in fold_models.into_iter().enumerate() {
            score_fold(&mut scores, f, &nb?);
        }
        return Ok((fit_temperature(&scores, n_classes, y), scores));
    }
    let mut sums = NbCounts::new(n_terms, n_classes)?;
    let mut v = SparseVec::new();
    for f in 0..k {
        for (i, &c) in y.iter().enumerate() {
            if fold_of[i] == f {
                let (terms, vals) = x.row(i, &mut v);
                sums.add(terms, vals, c, 1.0)?;
            }
        }
        sums.complement_in(total)?;
        let nb = params.fit_counts_into(sums)?;
        score_fold(&mut scores, f, &nb);
        sums = nb.into_counts();
    }
    Ok((fit_temperature(&scores, n_classes, y), scores))
}

/// The threshold on P(topic) that maximizes F1 of flagging the documents
/// with `is_topic`, given their out-of-fold probabilities `p_topic`: the
/// midpoint between the lowest probability flagged and the highest not
/// flagged at the best cut (cuts only between distinct probabilities;
/// the first best cut from the top wins). 1/2 when there is nothing to
/// learn from (no probabilities, or no topic document).
pub(crate) fn best_f1_threshold(p_topic: &[f64], is_topic: &[bool]) -> f64 {
    let positives = is_topic.iter().filter(|&&t| t).count();
    if p_topic.is_empty() || p_topic.len() != is_topic.len() || positives == 0 {
        return 0.5;
    }
    let mut order: Vec<usize> = (0..p_topic.len()).collect();
    order.sort_by(|&a, &b| p_topic[b].total_cmp(&p_topic[a]).then(a.cmp(&b)));
    let (mut best, mut best_f1, mut tp) = (None, -1.0, 0usize);
    for (n, &i) in order.iter().enumerate() {
        tp += usize::from(is_topic[i]);
        let next = order.get(n + 1).map(|&j| p_topic[j]);
        if next == Some(p_topic[i]) {
            continue; // no cut between equal probabilities
        }
        let f1 = 2.0 * tp as f64 / (n + 1 + positives) as f64;
        if f1 > best_f1 {
            best_f1 = f1;
            best = Some((p_topic[i], next));
        }
    }
    let t = match best {
        Some((low, Some(high))) => (low + high) / 2.0,
        Some((low, None)) => low / 2.0,
        None => 0.5,
    };
    t.clamp(1e-9, 1.0)
}

/// Temperature scaling: the factor s > 0 that minimizes the negative
/// log-likelihood of softmax(s · scores) (`scores`: one row of `k` per
/// document). The loss is convex in s (its second derivative is a sum of
/// variances), so Newton's method from s = 1, kept positive, converges in a
/// few steps.
fn fit_temperature(scores: &[f64], k: usize, y: &[LabelId]) -> f64 {
    let mut all = Vec::with_capacity(scores.len());
    for row in scores.chunks_exact(k) {
        let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        all.extend(row.iter().map(|z| z - m));
    }
    // First and second derivative of the loss at s, summed over fixed
    // chunks in parallel and then in chunk order (same result on any pool).
    const PART: usize = 1024;
    let derivatives = |s: f64| -> (f64, f64) {
        let parts: Vec<(f64, f64)> = all
            .par_chunks(PART * k)
            .enumerate()
            .map(|(p, rows)| {
                let (mut g, mut h) = (0.0, 0.0);
                for (j, row) in rows.chunks_exact(k).enumerate() {
                    let (mut z0, mut z1, mut z2) = (0.0, 0.0, 0.0);
                    for z in row {
                        let e = (s * z).exp();
                        z0 += e;
                        z1 += e * z;
                        z2 += e * z * z;
                    }
                    let mean = z1 / z0;
                    g += mean - row[y[p * PART + j].index()];
                    h += (z2 / z0 - mean * mean).max(0.0);
                }
                (g, h)
            })
            .collect();
        parts.iter().fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1))
    };
    let mut s = 1.0f64;
    for _ in 0..50 {
        let (g, h) = derivatives(s);
        if !(g.is_finite() && h.is_finite()) || h <= 0.0 {
            break;
        }
        let mut next = s - g / h;
        if next <= 0.0 {
            next = s / 4.0;
        }
        let done = (next - s).abs() <= 1e-10 * s;
        s = next.clamp(1e-6, 1e6);
        if done {
            break;
        }
    }
    if s.is_finite() && s > 0.0 {
        s
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_threshold_is_the_cut_of_best_f1() {
        // topic documents at 0.9, 0.8 and 0.3; none at 0.6, 0.2, 0.1
        let p = [0.9, 0.6, 0.8, 0.3, 0.2, 0.1];
        let t = [true, false, true, true, false, false];
        // cuts: {0.9} F1 0.5; {0.9, 0.8} 0.8; {+0.6} 0.667; {+0.3} 0.857; ...
        let cut = best_f1_threshold(&p, &t);
        assert!((cut - 0.25).abs() < 1e-12, "{cut}");
        // ties are not split: equal probabilities fall on the same side
        let cut = best_f1_threshold(&[0.7, 0.7, 0.2], &[true, false, false]);
        assert!((cut - 0.45).abs() < 1e-12, "{cut}");
        // flagging everything is best: half the lowest probability
        let cut = best_f1_threshold(&[0.9, 0.4], &[true, true]);
        assert!((cut - 0.2).abs() < 1e-12, "{cut}");
        // nothing to learn from: 1/2
        assert_eq!(best_f1_threshold(&[], &[]), 0.5);
        assert_eq!(best_f1_threshold(&[0.3, 0.2], &[false, false]), 0.5);
    }

    /// Negative log-likelihood of softmax(s · scores).
    fn nll(scores: &[f64], k: usize, y: &[LabelId], s: f64) -> f64 {
        scores
            .chunks_exact(k)
            .zip(y)
            .map(|(row, c)| {
                let m = row.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                let z: f64 = row.iter().map(|v| (s * (v - m)).exp()).sum();
                z.ln() - s * (row[c.index()] - m)
            })
            .sum()
    }

    #[test]
    fn the_temperature_minimizes_the_log_loss() {
        // three labels; the right one scores 2 above the others on 7 rows
        // in 10, and 2 below the best on the rest: overconfident at s = 1
        // would be wrong, as would s → ∞.
        let mut scores = Vec::new();
        let mut y = Vec::new();
        for i in 0..2000 {
            let c = i % 3;
            let best = if i % 10 < 7 { c } else { (c + 1) % 3 };
            scores.extend((0..3).map(|l| if l == best { 2.0 } else { 0.0 }));
            y.push(LabelId::from_index(c));
        }
        let s = fit_temperature(&scores, 3, &y);
        // the closed form: softmax(2s) of the best equals 0.7
        let exact = (0.7f64 * 2.0 / 0.3).ln() / 2.0;
        assert!((s - exact).abs() < 1e-6, "{s} vs {exact}");
        let at = |s| nll(&scores, 3, &y, s);
        assert!(at(s) < at(s * 1.05) && at(s) < at(s / 1.05));
        // right every time: the scale grows to its bound, not to infinity
        let sure: Vec<LabelId> = (0..2000).map(|i| LabelId::from_index(i % 3)).collect();
        let right: Vec<f64> = sure
            .iter()
            .flat_map(|c| (0..3).map(move |l| if l == c.index() { 2.0 } else { 0.0 }))
            .collect();
        let s = fit_temperature(&right, 3, &sure);
        assert!(s.is_finite() && s > 5.0 && s <= 1e6, "{s}");
        // scores that say nothing leave the scale finite and positive
        let flat = vec![0.0; 30];
        let s = fit_temperature(&flat, 3, &sure[..10]);
        assert!(s.is_finite() && s > 0.0, "{s}");
    }
}
