//! Training documents under a fitted vocabulary: their term counts
//! ([`FittedRows`]), and their feature vectors weighted on the fly or once
//! ([`RowVectors`]).

use rayon::prelude::*;

use super::{CsrMatrix, SparseVec, TermId, VectorizerParams};

/// Term counts of training documents under a fitted vocabulary, sorted by
/// term within each row (8 bytes per stored term). Feature values are
/// computed from them when needed ([`FittedRows::vector`]), so weighted rows
/// are not all held at once unless a pass asks for it
/// ([`FittedRows::weighted`]).
#[derive(Debug, Clone, Default)]
pub struct FittedRows {
    rows: Vec<Vec<(TermId, u32)>>,
}

impl FittedRows {
    /// Rows from term counts (each sorted by term).
    pub(crate) fn new(rows: Vec<Vec<(TermId, u32)>>) -> FittedRows {
        FittedRows { rows }
    }

    /// Rows from term counts (each sorted by term).
    #[cfg(test)]
    pub(crate) fn from_counts(rows: Vec<Vec<(TermId, u32)>>) -> FittedRows {
        FittedRows::new(rows)
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// Row `i`'s feature vector (weighted by `params` with `idf`) into `out`.
    pub fn vector(&self, i: usize, params: &VectorizerParams, idf: &[f64], out: &mut SparseVec) {
        let row = &self.rows[i];
        out.clear();
        out.indices.extend(row.iter().map(|p| p.0));
        out.values.extend(row.iter().map(|p| f64::from(p.1)));
        params.weigh(out, idf);
    }

    /// Every row's feature vector, weighted once (the values
    /// [`FittedRows::vector`] gives): for passes that read each row many
    /// times. It holds 12 bytes per stored term, against the counts' 8.
    pub fn weighted(&self, params: &VectorizerParams, idf: &[f64]) -> WeightedRows {
        // Weighted in parallel, in blocks small enough for the allocator to
        // place in memory freed earlier (counting the corpus frees plenty),
        // rather than in one new mapping as large as all of them.
        let blocks = self
            .rows
            .par_chunks(WeightedRows::BLOCK)
            .map_init(SparseVec::new, |v, rows| {
                let nnz = rows.iter().map(Vec::len).sum();
                let mut m = CsrMatrix::with_capacity(idf.len(), rows.len(), nnz);
                for row in rows {
                    v.clear();
                    v.indices.extend(row.iter().map(|p| p.0));
                    v.values.extend(row.iter().map(|p| f64::from(p.1)));
                    params.weigh(v, idf);
                    m.push_row(v);
                }
                m
            })
            .collect();
        WeightedRows { blocks }
    }
}

/// Feature vectors of rows weighted once ([`FittedRows::weighted`]), in
/// blocks of [`WeightedRows::BLOCK`] rows.
#[derive(Debug, Clone, Default)]
pub struct WeightedRows {
    blocks: Vec<CsrMatrix>,
}

impl WeightedRows {
    /// Rows per block.
    pub const BLOCK: usize = 64;

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.blocks.iter().map(CsrMatrix::nrows).sum()
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.blocks.is_empty()
    }

    /// Row `i` as parallel slices of term ids and values.
    pub fn row(&self, i: usize) -> (&[TermId], &[f64]) {
        self.blocks[i / Self::BLOCK].row(i % Self::BLOCK)
    }
}

/// The feature vectors of the rows of a [`FittedRows`]: weighted each time
/// a row is read, or once for all ([`FittedRows::weighted`]).
#[derive(Debug, Clone, Copy)]
pub enum RowVectors<'a> {
    /// Weighted when read.
    OnTheFly {
        /// The counts.
        rows: &'a FittedRows,
        /// How they are weighted.
        params: &'a VectorizerParams,
        /// The idf of the vocabulary.
        idf: &'a [f64],
    },
    /// Weighted once.
    Weighted(&'a WeightedRows),
}

impl<'a> RowVectors<'a> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            RowVectors::OnTheFly { rows, .. } => rows.len(),
            RowVectors::Weighted(m) => m.len(),
        }
    }

    /// True when there are no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Asks the processor to bring row `i` of rows weighted once into its
    /// cache: a pass in a shuffled order reads rows where the hardware's
    /// own prefetching cannot guess them. Does nothing on other processors,
    /// or for rows weighted on the fly.
    #[inline]
    pub fn prefetch(&self, i: usize) {
        #[cfg(target_arch = "x86_64")]
        if let RowVectors::Weighted(m) = self {
            use std::arch::x86_64::{_mm_prefetch, _MM_HINT_T0};
            let (terms, vals) = m.row(i);
            // One address per cache line of 64 bytes. SAFETY: SSE, which
            // the instruction needs, is part of every x86_64 processor, and
            // a prefetch reads nothing into the program (an address it
            // cannot reach is ignored, never a fault); these are in bounds.
            for t in terms.iter().step_by(16) {
                unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(t).cast()) };
            }
            for v in vals.iter().step_by(8) {
                unsafe { _mm_prefetch::<_MM_HINT_T0>(std::ptr::from_ref(v).cast()) };
            }
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = i;
    }

    /// Row `i` as parallel slices of term ids and values; `buf` holds it
    /// when it is weighted on the fly.
    pub fn row<'b>(&'b self, i: usize, buf: &'b mut SparseVec) -> (&'b [TermId], &'b [f64]) {
        match self {
            RowVectors::OnTheFly { rows, params, idf } => {
                rows.vector(i, params, idf, buf);
                (&buf.indices, &buf.values)
            }
            RowVectors::Weighted(m) => m.row(i),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::features::Weighting;

    #[test]
    fn rows_weighted_once_equal_rows_weighted_on_the_fly() {
        let rows = FittedRows::from_counts(
            (0..3000u32)
                .map(|d| {
                    (0..(d % 7))
                        .map(|j| (TermId(j * 3 + d % 3), 1 + (d + j) % 4))
                        .collect()
                })
                .collect(),
        );
        let idf: Vec<f64> = (0..30).map(|t| 1.0 + f64::from(t) / 10.0).collect();
        for params in [
            VectorizerParams::default(),
            VectorizerParams {
                weighting: Weighting::Counts,
                sublinear_tf: true,
                l2_norm: false,
                ..VectorizerParams::default()
            },
        ] {
            let m = rows.weighted(&params, &idf);
            assert_eq!(m.len(), rows.len());
            let (fly, once) = (
                RowVectors::OnTheFly {
                    rows: &rows,
                    params: &params,
                    idf: &idf,
                },
                RowVectors::Weighted(&m),
            );
            let (mut a, mut b) = (SparseVec::new(), SparseVec::new());
            for i in 0..rows.len() {
                let (ta, va) = fly.row(i, &mut a);
                let (tb, vb) = once.row(i, &mut b);
                assert_eq!((ta, va), (tb, vb), "row {i}");
            }
        }
    }
}
