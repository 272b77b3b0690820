//! Sparse vectors and a compressed-sparse-row matrix of them.

use crate::features::TermId;

/// A sparse vector: strictly increasing term ids with their values.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SparseVec {
    /// Term ids, strictly increasing.
    pub indices: Vec<TermId>,
    /// One value per index.
    pub values: Vec<f64>,
}

impl SparseVec {
    /// An empty vector.
    pub fn new() -> SparseVec {
        SparseVec::default()
    }

    /// Removes all entries, keeping the allocations.
    pub fn clear(&mut self) {
        self.indices.clear();
        self.values.clear();
    }

    /// Number of stored (non-zero) entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Iterates over `(term, value)` pairs in term order.
    pub fn iter(&self) -> impl Iterator<Item = (TermId, f64)> + '_ {
        self.indices
            .iter()
            .copied()
            .zip(self.values.iter().copied())
    }

    /// Euclidean norm.
    pub fn l2_norm(&self) -> f64 {
        self.values.iter().map(|v| v * v).sum::<f64>().sqrt()
    }
}

/// Rows of sparse vectors in compressed-sparse-row layout, the records type
/// that the naive Bayes classifier fits on (it implements `linfa::Records`).
#[derive(Debug, Clone, PartialEq)]
pub struct CsrMatrix {
    indptr: Vec<usize>,
    indices: Vec<TermId>,
    data: Vec<f64>,
    ncols: usize,
}

impl CsrMatrix {
    /// An empty matrix with `ncols` columns.
    pub fn new(ncols: usize) -> CsrMatrix {
        CsrMatrix {
            indptr: vec![0],
            indices: Vec::new(),
            data: Vec::new(),
            ncols,
        }
    }

    /// An empty matrix with room for `rows` rows of `nnz` entries in all.
    pub fn with_capacity(ncols: usize, rows: usize, nnz: usize) -> CsrMatrix {
        let mut indptr = Vec::with_capacity(rows + 1);
        indptr.push(0);
        CsrMatrix {
            indptr,
            indices: Vec::with_capacity(nnz),
            data: Vec::with_capacity(nnz),
            ncols,
        }
    }

    /// Stored entries.
    pub fn nnz(&self) -> usize {
        self.indices.len()
    }

    /// Appends every row of `other` (of the same number of columns).
    pub fn append(&mut self, other: &CsrMatrix) {
        debug_assert_eq!(self.ncols, other.ncols);
        let base = self.indices.len();
        self.indices.extend_from_slice(&other.indices);
        self.data.extend_from_slice(&other.data);
        self.indptr
            .extend(other.indptr[1..].iter().map(|&end| base + end));
    }

    /// Appends a row. Entries must be in increasing column order below `ncols`.
    pub fn push_row(&mut self, row: &SparseVec) {
        debug_assert!(row.indices.windows(2).all(|w| w[0] < w[1]));
        debug_assert!(row.indices.iter().all(|t| t.index() < self.ncols));
        self.indices.extend_from_slice(&row.indices);
        self.data.extend_from_slice(&row.values);
        self.indptr.push(self.indices.len());
    }

    /// Builds a matrix from dense rows (zeros are dropped); for tests and small data.
    pub fn from_dense(rows: &[Vec<f64>]) -> CsrMatrix {
        let ncols = rows.first().map_or(0, |r| r.len());
        let mut m = CsrMatrix::new(ncols);
        let mut v = SparseVec::new();
        for r in rows {
            v.clear();
            for (j, &x) in r.iter().enumerate() {
                if x != 0.0 {
                    v.indices.push(TermId(j as u32));
                    v.values.push(x);
                }
            }
            m.push_row(&v);
        }
        m
    }

    /// Number of rows.
    pub fn nrows(&self) -> usize {
        self.indptr.len() - 1
    }

    /// Number of columns.
    pub fn ncols(&self) -> usize {
        self.ncols
    }

    /// Row `i` as parallel slices of term ids and values.
    pub fn row(&self, i: usize) -> (&[TermId], &[f64]) {
        let (a, b) = (self.indptr[i], self.indptr[i + 1]);
        (&self.indices[a..b], &self.data[a..b])
    }
}

impl linfa::dataset::Records for CsrMatrix {
    type Elem = f64;

    fn nsamples(&self) -> usize {
        self.nrows()
    }

    fn nfeatures(&self) -> usize {
        self.ncols
    }
}
