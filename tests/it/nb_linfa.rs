//! Our sparse multinomial NB must reproduce linfa-bayes's dense
//! `MultinomialNb::joint_log_likelihood` on a small data set, and compose
//! with `linfa::Dataset` through linfa's traits.

use linfa::prelude::*;
use linfa::DatasetBase;
use linfa_bayes::{MultinomialNb, NaiveBayes as _};
use ndarray::{array, Array1, Array2};
use tasnif::features::{CsrMatrix, SparseVec, TermId};
use tasnif::labels::LabelId;
use tasnif::nb::{NbKind, NbParams, Priors};

fn data() -> (Array2<f64>, Array1<usize>) {
    let x = array![
        [3., 0., 1., 0., 2.],
        [2., 1., 0., 0., 1.],
        [0., 4., 0., 2., 0.],
        [1., 3., 0., 1., 0.],
        [0., 0., 5., 1., 0.],
        [0., 1., 3., 0., 1.],
        [4., 0., 0., 0., 3.],
    ];
    let y = array![0, 0, 1, 1, 2, 2, 0];
    (x, y)
}

fn sparse(row: ndarray::ArrayView1<f64>) -> SparseVec {
    let mut v = SparseVec::new();
    for (j, &x) in row.iter().enumerate() {
        if x != 0.0 {
            v.indices.push(TermId(j as u32));
            v.values.push(x);
        }
    }
    v
}

#[test]
fn multinomial_matches_linfa_bayes_joint_log_likelihood() {
    let (x, y) = data();
    for alpha in [1.0, 0.1, 2.5] {
        let oracle = MultinomialNb::params()
            .alpha(alpha)
            .fit(&DatasetView::new(x.view(), y.view()))
            .expect("linfa-bayes fits");
        let jll = oracle.joint_log_likelihood(x.view());

        let rows: Vec<Vec<f64>> = x.rows().into_iter().map(|r| r.to_vec()).collect();
        let ours = NbParams::new()
            .kind(NbKind::Multinomial)
            .alpha(alpha)
            .priors(Priors::Fitted)
            .fit(&DatasetBase::new(
                CsrMatrix::from_dense(&rows),
                y.mapv(LabelId::from_index),
            ))
            .expect("tasnif fits");
        let mut scores = vec![0.0; 3];
        for (i, row) in x.rows().into_iter().enumerate() {
            ours.joint_log_likelihood(&sparse(row), &mut scores);
            for c in 0..3usize {
                let expected = jll[&c][i];
                assert!(
                    (scores[c] - expected).abs() < 1e-9 * expected.abs().max(1.0),
                    "alpha {alpha}, doc {i}, class {c}: ours {} linfa {expected}",
                    scores[c]
                );
            }
        }
    }
}

#[test]
fn predicts_through_linfa_traits() {
    let (x, y) = data();
    let rows: Vec<Vec<f64>> = x.rows().into_iter().map(|r| r.to_vec()).collect();
    let ds = DatasetBase::new(CsrMatrix::from_dense(&rows), y.mapv(LabelId::from_index));
    for kind in [NbKind::Multinomial, NbKind::Complement] {
        let model = NbParams::new()
            .kind(kind)
            .alpha(0.5)
            .fit(&ds)
            .expect("fits");
        let pred: Array1<LabelId> = model.predict(&ds);
        let correct = pred
            .iter()
            .zip(y.iter())
            .filter(|(p, &t)| p.index() == t)
            .count();
        assert!(correct >= 6, "{kind}: {correct}/7 training documents right");
    }
}

#[test]
fn invalid_alpha_is_rejected_by_check() {
    for alpha in [0.0, -1.0, f64::NAN, f64::INFINITY] {
        let err = NbParams::new()
            .alpha(alpha)
            .check()
            .expect_err("must be rejected");
        assert!(err.to_string().contains("alpha"), "{err}");
    }
}

#[test]
fn complement_matches_rennie_formula_on_a_tiny_case() {
    // Two classes, two terms. Class 0 counts (3, 1), class 1 counts (0, 2), alpha 1.
    let x = CsrMatrix::from_dense(&[vec![3.0, 1.0], vec![0.0, 2.0]]);
    let model = NbParams::new()
        .kind(NbKind::Complement)
        .alpha(1.0)
        .fit(&DatasetBase::new(
            x,
            array![LabelId::from_index(0), LabelId::from_index(1)],
        ))
        .expect("fits");
    // complement of class 0 = class 1 counts (0, 2): theta = (1/4, 3/4); w = -ln theta
    let w = model.weights();
    assert!((w[[0, 0]] - (4.0f64).ln()).abs() < 1e-12);
    assert!((w[[1, 0]] - (4.0f64 / 3.0).ln()).abs() < 1e-12);
    // complement of class 1 = class 0 counts (3, 1): theta = (4/6, 2/6)
    assert!((w[[0, 1]] - (6.0f64 / 4.0).ln()).abs() < 1e-12);
    assert!((w[[1, 1]] - 3.0f64.ln()).abs() < 1e-12);
}
