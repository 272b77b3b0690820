//! Discriminative refinement of a fitted multinomial naive Bayes: an
//! averaged perceptron that starts from NB's own weights and corrects them
//! where NB ranks a training document's label too close to (or below) the
//! runner-up. The model keeps NB's size and scoring (one sparse dot product
//! per label); only the weights move.
//!
//! Each training document's own label is scored **leave-one-out**, with the
//! document's feature values taken out of its class's sums: NB scores almost
//! every training document right by a wide margin, so without this no update
//! would ever fire. The other labels are scored normally.
//!
//! ```
//! use tasnif::nb::{RefineKind, RefineParams};
//! let p = RefineParams::perceptron();
//! assert_eq!((p.kind, p.epochs, p.margin), (RefineKind::Perceptron, 4, 2.0));
//! assert_eq!(RefineParams::default().kind, RefineKind::None);
//! ```

use crate::error::{Error, Result};
use crate::features::{FittedRows, SparseVec, VectorizerParams};
use crate::labels::LabelId;
use crate::nb::{NaiveBayes, NbCounts, NbKind, NbValidParams, RefineParams};
use crate::train::folds::SplitMix64;

/// Refines `nb`, fitted on the sums `sums` of the documents `docs` of
/// `rows` (their labels `y`, one per row of `rows`), in place.
///
/// Deterministic: the documents are visited in an order shuffled with the
/// settings' seed, one at a time; the result does not depend on threads.
///
/// # Errors
/// Invalid settings, or complement naive Bayes with weight normalization
/// (whose weights a document's counts do not move one term at a time).
#[allow(clippy::too_many_arguments)]
pub fn refine(
    nb: &mut NaiveBayes,
    sums: &NbCounts,
    rows: &FittedRows,
    docs: &[usize],
    y: &[LabelId],
    vp: &VectorizerParams,
    idf: &[f64],
    p: &RefineParams,
) -> Result<()> {
    if !p.is_on() {
        return Ok(());
    }
    p.check()?;
    check_kind(nb.params())?;
    let alpha = nb.params().alpha();
    let k = nb.n_classes();
    let v = nb.n_features();
    if k < 2 || docs.is_empty() {
        return Ok(());
    }
    let (n_ct, n_docs) = sums.sums();
    let n_ct = n_ct.as_slice().unwrap_or(&[]);
    if n_ct.len() != v * k || n_docs.len() != k || idf.len() > v {
        return Err(Error::param("refine", "sums and model differ in shape"));
    }
    if docs.iter().any(|&d| d >= rows.len() || d >= y.len()) {
        return Err(Error::param("refine", "a document outside the rows"));
    }
    let mut n_c = vec![0.0f64; k];
    for row in n_ct.chunks_exact(k) {
        for (t, x) in n_c.iter_mut().zip(row) {
            *t += x;
        }
    }
    let smooth = alpha * v as f64;
    let prior = nb.log_prior().to_vec();
    // Each term's weights and corrections side by side (2k values), so that
    // scoring a term reads one stretch of memory.
    let k2 = 2 * k;
    let mut wc = vec![0.0f64; v * k2];
    for (row, out) in nb
        .weights()
        .as_slice()
        .unwrap_or(&[])
        .chunks_exact(k)
        .zip(wc.chunks_exact_mut(k2))
    {
        out[..k].copy_from_slice(row);
    }
    // Leave one out. Multinomial: only the own label saw the document, so
    // only its weights are worked out without it. Complement: every other
    // label's complement held the document, so those are.
    let kind = nb.params().kind();
    let mut row_total: Vec<f64> = Vec::new();
    let mut outside: Vec<f64> = Vec::new();
    if kind == NbKind::Complement {
        let all: f64 = n_c.iter().sum();
        row_total = n_ct.chunks_exact(k).map(|r| r.iter().sum()).collect();
        outside = n_c.iter().map(|n| all - n).collect();
    }
    // Updates of a document of label c are scaled by (n / (K·n_c))^balance,
    // so that small labels are not drowned by the updates of large ones.
    let n_all: f64 = n_docs.iter().sum();
    let weight: Vec<f64> = n_docs
        .iter()
        .map(|&n| {
            if p.balance == 0.0 || n <= 0.0 {
                1.0
            } else {
                (n_all / (k as f64 * n)).powf(p.balance)
            }
        })
        .collect();
    // The averaged perceptron with lazy averages: `total` holds the sum over
    // the steps so far of each correction, brought up to date when it changes.
    let mut total = vec![0.0f64; v * k];
    let mut last = vec![0u64; v * k];
    let mut step = 0u64;
    let mut rng = SplitMix64(p.seed);
    let mut order: Vec<usize> = docs.to_vec();
    let mut score = vec![0.0f64; k];
    let mut x = SparseVec::new();
    for _ in 0..p.epochs {
        for i in (1..order.len()).rev() {
            let j = (rng.next_u64() % (i as u64 + 1)) as usize;
            order.swap(i, j);
        }
        for &d in &order {
            rows.vector(d, vp, idf, &mut x);
            let (terms, vals) = (&x.indices, &x.values);
            let c = y[d].index();
            if c >= k {
                continue;
            }
            score.copy_from_slice(&prior);
            let size: f64 = vals.iter().sum();
            match kind {
                NbKind::Multinomial => {
                    // every label as the others are scored, the own label
                    // apart (leave one out), then in its place
                    let own_denom = ((n_c[c] - size).max(0.0) + smooth).ln();
                    let mut own_score = prior[c];
                    for (t, val) in terms.iter().zip(vals) {
                        let t = t.index();
                        let (wt, ct) = wc[t * k2..(t + 1) * k2].split_at(k);
                        for ((s, w), corr) in score.iter_mut().zip(wt).zip(ct) {
                            *s += val * (w + corr);
                        }
                        let n = (n_ct[t * k + c] - val).max(0.0) + alpha;
                        own_score += val * (n.ln() - own_denom + ct[c]);
                    }
                    score[c] = own_score;
                }
                NbKind::Complement => {
                    for (t, val) in terms.iter().zip(vals) {
                        let t = t.index();
                        let base = t * k;
                        let (wt, ct) = wc[t * k2..(t + 1) * k2].split_at(k);
                        for (l, s) in score.iter_mut().enumerate() {
                            let w = if l == c {
                                wt[l]
                            } else {
                                let comp = (row_total[t] - n_ct[base + l] - val).max(0.0);
                                let den = (outside[l] - size).max(0.0) + smooth;
                                den.ln() - (comp + alpha).ln()
                            };
                            *s += val * (w + ct[l]);
                        }
                    }
                }
            }
            step += 1;
            let runner_up = (0..k)
                .filter(|&l| l != c)
                .max_by(|&a, &b| score[a].total_cmp(&score[b]).then(b.cmp(&a)));
            let Some(r) = runner_up else { continue };
            if score[c] - score[r] > p.margin {
                continue;
            }
            let eta = p.step * weight[c];
            for (t, val) in terms.iter().zip(vals) {
                let t = t.index();
                for (l, sign) in [(c, 1.0), (r, -1.0)] {
                    let (e, ce) = (t * k + l, t * k2 + k + l);
                    total[e] += wc[ce] * (step - 1 - last[e]) as f64;
                    last[e] = step - 1;
                    wc[ce] += sign * eta * val;
                }
            }
        }
    }
    if step == 0 {
        return Ok(());
    }
    let weights = nb.weights_mut();
    for (e, wt) in weights.iter_mut().enumerate() {
        let corr = wc[(e / k) * k2 + k + e % k];
        let sum = total[e] + corr * (step - last[e]) as f64;
        *wt += sum / step as f64;
    }
    Ok(())
}

/// Refuses the naive Bayes the perceptron cannot refine: complement with
/// weight normalization.
///
/// # Errors
/// An [`crate::ErrorKind::InvalidParam`] about `refine`.
pub fn check_kind(nb: &NbValidParams) -> Result<()> {
    if nb.kind() == NbKind::Complement && nb.weight_norm() {
        return Err(Error::param(
            "refine",
            "the perceptron refines multinomial or complement naive Bayes without weight normalization",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::TermId;
    use crate::nb::{NbParams, Priors};
    use linfa::ParamGuard;

    /// Two classes over four terms; document 4 (class 0) looks like class 1.
    fn setup() -> (NbCounts, FittedRows, Vec<LabelId>, VectorizerParams) {
        let docs: Vec<(Vec<(u32, u32)>, u32)> = vec![
            (vec![(0, 3), (1, 1)], 0),
            (vec![(0, 2), (1, 2)], 0),
            (vec![(2, 3), (3, 1)], 1),
            (vec![(2, 2), (3, 2)], 1),
            (vec![(1, 1), (2, 2), (3, 1)], 0),
        ];
        let vp = VectorizerParams {
            weighting: crate::features::Weighting::Counts,
            l2_norm: false,
            ..VectorizerParams::default()
        };
        let rows = FittedRows::from_counts(
            docs.iter()
                .map(|(r, _)| r.iter().map(|&(t, c)| (TermId(t), c)).collect())
                .collect(),
        );
        let y: Vec<LabelId> = docs
            .iter()
            .map(|(_, c)| LabelId::from_index(*c as usize))
            .collect();
        let mut sums = NbCounts::new(4, 2).expect("sums");
        let idf = vec![1.0; 4];
        let mut x = SparseVec::new();
        for (i, &c) in y.iter().enumerate() {
            rows.vector(i, &vp, &idf, &mut x);
            sums.add(&x.indices, &x.values, c, 1.0).expect("add");
        }
        (sums, rows, y, vp)
    }

    fn fitted(sums: &NbCounts) -> NaiveBayes {
        NbParams::new()
            .kind(NbKind::Multinomial)
            .alpha(0.5)
            .priors(Priors::Uniform)
            .check()
            .expect("params")
            .fit_counts(sums)
            .expect("fit")
    }

    #[test]
    fn off_changes_nothing_and_on_corrects_the_hard_document() {
        let (sums, rows, y, vp) = setup();
        let idf = vec![1.0; 4];
        let docs: Vec<usize> = (0..5).collect();
        let nb = fitted(&sums);
        let mut same = nb.clone();
        refine(
            &mut same,
            &sums,
            &rows,
            &docs,
            &y,
            &vp,
            &idf,
            &RefineParams::default(),
        )
        .expect("off");
        assert_eq!(same, nb);
        let margin = |m: &NaiveBayes| {
            let mut x = SparseVec::new();
            let mut s = vec![0.0; 2];
            rows.vector(4, &vp, &idf, &mut x);
            m.joint_log_likelihood(&x, &mut s);
            s[0] - s[1]
        };
        assert!(margin(&nb) < 0.0, "NB gets document 4 wrong");
        let mut refined = nb.clone();
        let p = RefineParams::perceptron();
        refine(&mut refined, &sums, &rows, &docs, &y, &vp, &idf, &p).expect("on");
        assert!(
            margin(&refined) > margin(&nb),
            "refinement moves toward its label"
        );
        // deterministic: the same settings give the same weights
        let mut again = nb.clone();
        refine(&mut again, &sums, &rows, &docs, &y, &vp, &idf, &p).expect("again");
        assert_eq!(again, refined);
        let mut other = nb.clone();
        let seeded = RefineParams { seed: 9, ..p };
        refine(&mut other, &sums, &rows, &docs, &y, &vp, &idf, &seeded).expect("seeded");
        assert!(other.weights().iter().all(|w| w.is_finite()));
    }

    #[test]
    fn complement_nb_is_refined_leave_one_out_and_balance_scales_updates() {
        let (sums, rows, y, vp) = setup();
        let idf = vec![1.0; 4];
        let docs: Vec<usize> = (0..5).collect();
        let cnb = NbParams::new()
            .kind(NbKind::Complement)
            .alpha(0.5)
            .check()
            .expect("params")
            .fit_counts(&sums)
            .expect("fit");
        let margin = |m: &NaiveBayes| {
            let mut x = SparseVec::new();
            let mut s = vec![0.0; 2];
            rows.vector(4, &vp, &idf, &mut x);
            m.joint_log_likelihood(&x, &mut s);
            s[0] - s[1]
        };
        let p = RefineParams::perceptron();
        let mut refined = cnb.clone();
        refine(&mut refined, &sums, &rows, &docs, &y, &vp, &idf, &p).expect("complement");
        assert!(margin(&refined) > margin(&cnb), "moves toward its label");
        // balance: the smaller label's updates grow, so weights differ
        let mut balanced = cnb.clone();
        let b = RefineParams { balance: 1.0, ..p };
        refine(&mut balanced, &sums, &rows, &docs, &y, &vp, &idf, &b).expect("balanced");
        assert_ne!(balanced, refined);
        assert!(balanced.weights().iter().all(|w| w.is_finite()));
        // equal labels: balance changes nothing
        let even: Vec<usize> = (0..4).collect();
        let sums_even = {
            let mut s = NbCounts::new(4, 2).expect("sums");
            let mut x = SparseVec::new();
            for (d, &label) in y.iter().enumerate().take(4) {
                rows.vector(d, &vp, &idf, &mut x);
                s.add(&x.indices, &x.values, label, 1.0).expect("add");
            }
            s
        };
        let base = NbParams::new()
            .kind(NbKind::Complement)
            .alpha(0.5)
            .check()
            .expect("params")
            .fit_counts(&sums_even)
            .expect("fit");
        let (mut u2, mut v2) = (base.clone(), base.clone());
        refine(&mut u2, &sums_even, &rows, &even, &y, &vp, &idf, &p).expect("even");
        refine(&mut v2, &sums_even, &rows, &even, &y, &vp, &idf, &b).expect("even balanced");
        assert_eq!(u2, v2, "two documents per label: a factor of 1");
    }

    #[test]
    fn bad_settings_and_weight_normalized_complement_nb_are_refused() {
        let (sums, rows, y, vp) = setup();
        let idf = vec![1.0; 4];
        let mut nb = fitted(&sums);
        for bad in [
            RefineParams {
                epochs: 0,
                ..RefineParams::perceptron()
            },
            RefineParams {
                margin: -1.0,
                ..RefineParams::perceptron()
            },
            RefineParams {
                step: 0.0,
                ..RefineParams::perceptron()
            },
            RefineParams {
                balance: -0.5,
                ..RefineParams::perceptron()
            },
        ] {
            let e = refine(&mut nb, &sums, &rows, &[0, 1], &y, &vp, &idf, &bad)
                .expect_err("refused")
                .to_string();
            assert!(e.contains("refine."), "{e}");
        }
        let mut cnb = NbParams::new()
            .kind(NbKind::Complement)
            .weight_norm(true)
            .check()
            .expect("params")
            .fit_counts(&sums)
            .expect("fit");
        let e = refine(
            &mut cnb,
            &sums,
            &rows,
            &[0, 1],
            &y,
            &vp,
            &idf,
            &RefineParams::perceptron(),
        )
        .expect_err("weight-normalized complement")
        .to_string();
        assert!(e.contains("without weight normalization"), "{e}");
    }
}
