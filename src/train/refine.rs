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
//! assert_eq!((p.kind, p.epochs, p.margin), (RefineKind::Perceptron, 3, 5.0));
//! assert_eq!(RefineParams::default().kind, RefineKind::None);
//! ```

use rayon::prelude::*;

use crate::error::{Error, Result};
use crate::features::{RowVectors, SparseVec};
use crate::labels::LabelId;
use crate::nb::{NaiveBayes, NbCounts, NbKind, NbValidParams, RefineParams};
use crate::train::folds::SplitMix64;

/// Refines `nb`, fitted on the sums `sums` of the documents `docs` of
/// `x` (their labels `y`, one per row of `x`), in place.
///
/// Deterministic: the documents are visited in an order shuffled with the
/// settings' seed, one at a time; the result does not depend on threads.
///
/// Each document's scores before any correction (its own label's leave one
/// out) do not change from pass to pass: they are worked out once, in
/// parallel, so that a visit only adds the corrections. With `x` weighted
/// once ([`FittedRows::weighted`](crate::features::FittedRows::weighted)) a
/// visit reads nothing else.
///
/// # Errors
/// Invalid settings, complement naive Bayes with weight normalization
/// (whose weights a document's counts do not move one term at a time), or
/// sums, documents or labels that do not fit the model.
pub fn refine(
    nb: &mut NaiveBayes,
    sums: &NbCounts,
    x: &RowVectors<'_>,
    docs: &[usize],
    y: &[LabelId],
    p: &RefineParams,
) -> Result<()> {
    if !p.is_on() {
        return Ok(());
    }
    p.check()?;
    check_kind(nb.params())?;
    let k = nb.n_classes();
    let v = nb.n_features();
    if k < 2 || docs.is_empty() {
        return Ok(());
    }
    let (n_ct, n_docs) = sums.sums();
    let n_ct = n_ct.as_slice().unwrap_or(&[]);
    if n_ct.len() != v * k || n_docs.len() != k {
        return Err(Error::param("refine", "sums and model differ in shape"));
    }
    if docs
        .iter()
        .any(|&d| d >= x.len() || d >= y.len() || y[d].index() >= k)
    {
        return Err(Error::param(
            "refine",
            "a document outside the rows, or of an unknown label",
        ));
    }
    let base = base_scores(nb, n_ct, x, docs, y)?;
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
    // The averaged perceptron, averaged as Daumé III does it: an update δ
    // at step s adds δ to the correction and δ·(s − 1) to `late`; the mean
    // of the corrections over the S steps is then correction − late / S.
    // Each term's k corrections and k `late` sums are side by side, so that
    // scoring reads one stretch of memory per term.
    let mut corr = vec![0.0f64; v * k];
    let mut late = vec![0.0f64; v * k];
    let run = Passes {
        x,
        docs,
        y,
        base: &base,
        weight: &weight,
        p,
    };
    // The same passes with the number of labels known to the compiler (the
    // scores then stay in registers), for the common numbers of labels.
    let step = match k {
        2 => run.run::<2>(k, &mut corr, &mut late),
        3 => run.run::<3>(k, &mut corr, &mut late),
        4 => run.run::<4>(k, &mut corr, &mut late),
        5 => run.run::<5>(k, &mut corr, &mut late),
        6 => run.run::<6>(k, &mut corr, &mut late),
        7 => run.run::<7>(k, &mut corr, &mut late),
        8 => run.run::<8>(k, &mut corr, &mut late),
        _ => run.run::<0>(k, &mut corr, &mut late),
    };
    if step == 0 {
        return Ok(());
    }
    let steps = step as f64;
    let weights = nb.weights_mut();
    for ((w, c), l) in weights.iter_mut().zip(&corr).zip(&late) {
        *w += c - l / steps;
    }
    Ok(())
}

/// The perceptron's passes over the documents.
struct Passes<'a> {
    x: &'a RowVectors<'a>,
    docs: &'a [usize],
    y: &'a [LabelId],
    /// Each position of `docs`'s scores before any correction.
    base: &'a [f64],
    /// Each label's update scale.
    weight: &'a [f64],
    p: &'a RefineParams,
}

impl Passes<'_> {
    /// Runs every pass over `k` labels (`K` when it is not 0, so that the
    /// compiler knows it), updating the corrections `corr` and their `late`
    /// sums (see [`refine`]); returns the number of steps.
    fn run<const K: usize>(&self, k: usize, corr: &mut [f64], late: &mut [f64]) -> u64 {
        let k = if K == 0 { k } else { K };
        let Passes {
            x,
            docs,
            y,
            base,
            weight,
            p,
        } = *self;
        let mut step = 0u64;
        let mut rng = SplitMix64(p.seed);
        // positions in `docs`, shuffled before each pass
        let mut order: Vec<usize> = (0..docs.len()).collect();
        let mut score = vec![0.0f64; k];
        let mut buf = SparseVec::new();
        for _ in 0..p.epochs {
            for i in (1..order.len()).rev() {
                let j = (rng.next_u64() % (i as u64 + 1)) as usize;
                order.swap(i, j);
            }
            for (n, &at) in order.iter().enumerate() {
                if let Some(&ahead) = order.get(n + 2) {
                    x.prefetch(docs[ahead]);
                }
                let d = docs[at];
                let (terms, vals) = x.row(d, &mut buf);
                let c = y[d].index();
                let score = &mut score[..k];
                score.copy_from_slice(&base[at * k..(at + 1) * k]);
                for (t, val) in terms.iter().zip(vals) {
                    let t = t.index();
                    for (s, cr) in score.iter_mut().zip(&corr[t * k..(t + 1) * k]) {
                        *s += val * cr;
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
                let before = (step - 1) as f64;
                for (t, val) in terms.iter().zip(vals) {
                    let at = t.index() * k;
                    let delta = eta * val;
                    corr[at + c] += delta;
                    late[at + c] += delta * before;
                    corr[at + r] -= delta;
                    late[at + r] -= delta * before;
                }
            }
        }
        step
    }
}

/// Each document's scores under `nb` before any correction, `k` per
/// position of `docs`: every label as `nb` scores it, but with the
/// document's own counts taken out of the sums wherever they went in
/// (leave one out). Multinomial: only the own label's counts held the
/// document. Complement: every other label's complement held it.
fn base_scores(
    nb: &NaiveBayes,
    n_ct: &[f64],
    x: &RowVectors<'_>,
    docs: &[usize],
    y: &[LabelId],
) -> Result<Vec<f64>> {
    let k = nb.n_classes();
    let v = nb.n_features();
    let alpha = nb.params().alpha();
    let smooth = alpha * v as f64;
    let kind = nb.params().kind();
    let mut n_c = vec![0.0f64; k];
    for row in n_ct.chunks_exact(k) {
        for (t, x) in n_c.iter_mut().zip(row) {
            *t += x;
        }
    }
    let (row_total, outside): (Vec<f64>, Vec<f64>) = if kind == NbKind::Complement {
        let all: f64 = n_c.iter().sum();
        (
            n_ct.chunks_exact(k).map(|r| r.iter().sum()).collect(),
            n_c.iter().map(|n| all - n).collect(),
        )
    } else {
        (Vec::new(), Vec::new())
    };
    let mut base = vec![0.0f64; docs.len() * k];
    base.par_chunks_mut(k)
        .zip(docs.par_iter())
        .try_for_each_init(SparseVec::new, |buf, (out, &d)| {
            let (terms, vals) = x.row(d, buf);
            if let Some(t) = terms.iter().find(|t| t.index() >= v) {
                return Err(Error::param(
                    "refine",
                    format!("term {} outside the model's {v} terms", t.index()),
                ));
            }
            let c = y[d].index();
            nb.scores(terms, vals, out);
            let size: f64 = vals.iter().sum();
            match kind {
                NbKind::Multinomial => {
                    let own_denom = ((n_c[c] - size).max(0.0) + smooth).ln();
                    let mut own = nb.log_prior()[c];
                    for (t, val) in terms.iter().zip(vals) {
                        let n = (n_ct[t.index() * k + c] - val).max(0.0) + alpha;
                        own += val * (n.ln() - own_denom);
                    }
                    out[c] = own;
                }
                NbKind::Complement => {
                    for (l, o) in out.iter_mut().enumerate() {
                        if l == c {
                            continue;
                        }
                        let den = ((outside[l] - size).max(0.0) + smooth).ln();
                        let mut s = nb.log_prior()[l];
                        for (t, val) in terms.iter().zip(vals) {
                            let t = t.index();
                            let comp = (row_total[t] - n_ct[t * k + l] - val).max(0.0);
                            s += val * (den - (comp + alpha).ln());
                        }
                        *o = s;
                    }
                }
            }
            Ok(())
        })?;
    Ok(base)
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
    use crate::features::{FittedRows, TermId, VectorizerParams};
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
        let x = RowVectors::OnTheFly {
            rows: &rows,
            params: &vp,
            idf: &idf,
        };
        let docs: Vec<usize> = (0..5).collect();
        let nb = fitted(&sums);
        let mut same = nb.clone();
        refine(&mut same, &sums, &x, &docs, &y, &RefineParams::default()).expect("off");
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
        refine(&mut refined, &sums, &x, &docs, &y, &p).expect("on");
        assert!(
            margin(&refined) > margin(&nb),
            "refinement moves toward its label"
        );
        // deterministic: the same settings give the same weights
        let mut again = nb.clone();
        refine(&mut again, &sums, &x, &docs, &y, &p).expect("again");
        assert_eq!(again, refined);
        // rows weighted once give the same weights as rows weighted on the fly
        let weighted = rows.weighted(&vp, &idf);
        let mut once = nb.clone();
        refine(
            &mut once,
            &sums,
            &RowVectors::Weighted(&weighted),
            &docs,
            &y,
            &p,
        )
        .expect("once");
        assert_eq!(once, refined);
        let mut other = nb.clone();
        let seeded = RefineParams { seed: 9, ..p };
        refine(&mut other, &sums, &x, &docs, &y, &seeded).expect("seeded");
        assert!(other.weights().iter().all(|w| w.is_finite()));
    }

    #[test]
    fn complement_nb_is_refined_leave_one_out_and_balance_scales_updates() {
        let (sums, rows, y, vp) = setup();
        let idf = vec![1.0; 4];
        let x = RowVectors::OnTheFly {
            rows: &rows,
            params: &vp,
            idf: &idf,
        };
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
        refine(&mut refined, &sums, &x, &docs, &y, &p).expect("complement");
        assert!(margin(&refined) > margin(&cnb), "moves toward its label");
        // balance: the smaller label's updates grow, so weights differ
        let mut balanced = cnb.clone();
        let b = RefineParams { balance: 1.0, ..p };
        refine(&mut balanced, &sums, &x, &docs, &y, &b).expect("balanced");
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
        refine(&mut u2, &sums_even, &x, &even, &y, &p).expect("even");
        refine(&mut v2, &sums_even, &x, &even, &y, &b).expect("even balanced");
        assert_eq!(u2, v2, "two documents per label: a factor of 1");
    }

    #[test]
    fn bad_settings_and_weight_normalized_complement_nb_are_refused() {
        let (sums, rows, y, vp) = setup();
        let idf = vec![1.0; 4];
        let x = RowVectors::OnTheFly {
            rows: &rows,
            params: &vp,
            idf: &idf,
        };
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
            let e = refine(&mut nb, &sums, &x, &[0, 1], &y, &bad)
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
            &x,
            &[0, 1],
            &y,
            &RefineParams::perceptron(),
        )
        .expect_err("weight-normalized complement")
        .to_string();
        assert!(e.contains("without weight normalization"), "{e}");
        // documents, labels and terms that do not fit the model
        let p = RefineParams::perceptron();
        let e = refine(&mut nb, &sums, &x, &[0, 9], &y, &p).expect_err("row 9");
        assert!(e.to_string().contains("outside the rows"), "{e}");
        let wide = FittedRows::from_counts(vec![vec![(TermId(7), 1)]]);
        let xw = RowVectors::OnTheFly {
            rows: &wide,
            params: &vp,
            idf: &[1.0; 8],
        };
        let e = refine(&mut nb, &sums, &xw, &[0], &y, &p).expect_err("term 7");
        assert!(e.to_string().contains("term 7 outside"), "{e}");
    }
}
