//! The EM rounds of one semi-supervised run: E-step posteriors of the
//! unlabeled documents, M-step sums, and the objective that stops them.

use rayon::prelude::*;

use super::{EmParams, EmStep, EmTrace};
use crate::error::Result;
use crate::features::{CsrMatrix, FittedRows, SparseVec};
use crate::labels::LabelId;
use crate::nb::{argmax, softmax_into, NaiveBayes, NbCounts, NbKind, NbValidParams};

/// The fixed inputs of one EM run.
pub(super) struct Run<'a> {
    pub(super) nb_params: &'a NbValidParams,
    pub(super) rows: &'a FittedRows,
    pub(super) y: &'a [LabelId],
    pub(super) vp: &'a crate::features::VectorizerParams,
    pub(super) idf: &'a [f64],
    pub(super) x_u: &'a CsrMatrix,
    pub(super) lambda: f64,
}

impl Run<'_> {
    /// Runs the EM rounds from the labeled sums; returns the sums of the
    /// last M-step.
    pub(super) fn iterate<F: FnMut(&EmStep)>(
        &self,
        labeled: NbCounts,
        em: &EmParams,
        trace: &mut EmTrace,
        progress: &mut F,
    ) -> Result<NbCounts> {
        let k = labeled.n_classes();
        let n_u = self.x_u.nrows();
        let mut post = vec![0.0; n_u * k];
        let mut next = vec![0.0; n_u * k];
        let mut lse = vec![0.0; n_u];
        let nb = self.nb_params.fit_counts(&labeled)?;
        self.e_step(&nb, &mut post, &mut lse);
        trace.initial_log_likelihood = self.objective(&nb, &lse);
        progress(&EmStep {
            iteration: 0,
            unlabeled: n_u,
            log_likelihood: trace.initial_log_likelihood,
            changed: 0,
            max_change: 0.0,
        });
        let mut last = None;
        for iteration in 1..=em.iterations {
            let mut sums = labeled.clone();
            self.m_step(&mut sums, &post)?;
            let nb = self.nb_params.fit_counts(&sums)?;
            last = Some(sums);
            self.e_step(&nb, &mut next, &mut lse);
            let mut changed = 0;
            let mut max_change = 0.0f64;
            for (a, b) in post.chunks_exact(k).zip(next.chunks_exact(k)) {
                if argmax(a) != argmax(b) {
                    changed += 1;
                }
                for (p, q) in a.iter().zip(b) {
                    max_change = max_change.max((p - q).abs());
                }
            }
            std::mem::swap(&mut post, &mut next);
            let step = EmStep {
                iteration,
                unlabeled: n_u,
                log_likelihood: self.objective(&nb, &lse),
                changed,
                max_change,
            };
            progress(&step);
            trace.steps.push(step);
            if max_change < em.tolerance {
                trace.converged = true;
                break;
            }
        }
        Ok(last.unwrap_or(labeled))
    }

    /// E-step: the posterior of every label for every unlabeled document
    /// into `post` (one row of labels per document), and the log of the
    /// sum of the exponentiated scores (the document's log-likelihood for
    /// multinomial NB) into `lse`. Each document on its own, in parallel.
    fn e_step(&self, nb: &NaiveBayes, post: &mut [f64], lse: &mut [f64]) {
        let k = nb.n_classes();
        post.par_chunks_mut(k)
            .zip(lse.par_iter_mut())
            .enumerate()
            .for_each_init(
                || vec![0.0; k],
                |scores, (i, (out, l))| {
                    let (terms, values) = self.x_u.row(i);
                    nb.scores(terms, values, scores);
                    softmax_into(scores, 1.0, out);
                    let m = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    *l = m + scores.iter().map(|s| (s - m).exp()).sum::<f64>().ln();
                },
            );
    }

    /// M-step: adds every unlabeled document to `sums` once per label, with
    /// weight λ · P(c | u), in document order.
    fn m_step(&self, sums: &mut NbCounts, post: &[f64]) -> Result<()> {
        let k = sums.n_classes();
        for (i, p) in post.chunks_exact(k).enumerate() {
            let (terms, values) = self.x_u.row(i);
            for (c, &pc) in p.iter().enumerate() {
                sums.add(terms, values, LabelId::from_index(c), self.lambda * pc)?;
            }
        }
        Ok(())
    }

    /// The objective L(θ) of the module documentation (multinomial NB only),
    /// given each unlabeled document's log-likelihood `lse` under `nb`.
    fn objective(&self, nb: &NaiveBayes, lse: &[f64]) -> Option<f64> {
        if self.nb_params.kind() != NbKind::Multinomial {
            return None;
        }
        let log_prior_theta = self.nb_params.alpha() * nb.weights().iter().sum::<f64>();
        let mut v = SparseVec::new();
        let mut scores = vec![0.0; nb.n_classes()];
        let mut labeled = 0.0;
        for (i, c) in self.y.iter().enumerate() {
            self.rows.vector(i, self.vp, self.idf, &mut v);
            nb.joint_log_likelihood(&v, &mut scores);
            labeled += scores[c.index()];
        }
        let unlabeled: f64 = lse.iter().sum();
        Some(log_prior_theta + labeled + self.lambda * unlabeled)
    }
}
