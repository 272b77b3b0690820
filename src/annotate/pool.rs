//! The pool of an annotation project: every article analyzed once (a
//! [`TrainingSet`] whose documents are the candidates, possibly followed by
//! held-out documents that are never candidates), plus what the choice of
//! the next article needs without any label: unit TF-IDF vectors over the
//! pool's own vocabulary, each article's density (its mean cosine
//! similarity to the pool) and a seeded clustering for the first seeds.

use std::borrow::Cow;
use std::sync::Mutex;

use rayon::prelude::*;

use crate::corpus::{Item, ReadOptions};
use crate::error::Result;
use crate::features::{
    CountedCorpus, CsrMatrix, FittedVocabulary, SparseVec, VectorizerParams, Weighting,
};
use crate::labels::{LabelId, LabelSet};
use crate::text::Analyzer;
use crate::train::folds::SplitMix64;
use crate::train::{TrainParams, TrainingSet, ValidTrainParams};

/// Articles to choose from, analyzed once.
#[derive(Debug)]
pub struct Pool {
    set: TrainingSet,
    params: ValidTrainParams,
    n_pool: usize,
    usable: Vec<bool>,
    unreadable: Vec<(usize, String)>,
    vocab: FittedVocabulary,
    rows: CsrMatrix,
    density: Vec<f64>,
}

/// How the unsupervised vectors are weighted: sublinear TF-IDF, unit length.
fn unsupervised_params() -> VectorizerParams {
    VectorizerParams {
        weighting: Weighting::TfIdf,
        sublinear_tf: true,
        l2_norm: true,
        ..VectorizerParams::default()
    }
}

impl Pool {
    /// Reads and analyzes `items` (the candidates) and then `held_out`
    /// (documents that are scored but never offered, e.g. a test split),
    /// once, in parallel, with the analyzer of `params`. A candidate that
    /// cannot be read is kept out of the choice and listed by
    /// [`Pool::unreadable`]; a held-out document that cannot be read is an
    /// error.
    ///
    /// # Errors
    /// Invalid training settings, or an unreadable held-out document.
    pub fn build(
        items: &[Item],
        held_out: &[Item],
        params: &TrainParams,
        read: &ReadOptions,
    ) -> Result<Pool> {
        Pool::build_checked(items, held_out, params, read, |_, _| Ok(()))
    }

    /// As [`Pool::build`], with `check(i, text)` run on each candidate's
    /// text: a candidate it refuses (e.g. one whose text changed since it
    /// was recorded) is kept out of the choice like an unreadable one,
    /// with the message given.
    ///
    /// # Errors
    /// As [`Pool::build`].
    pub fn build_checked<C>(
        items: &[Item],
        held_out: &[Item],
        params: &TrainParams,
        read: &ReadOptions,
        check: C,
    ) -> Result<Pool>
    where
        C: Fn(usize, &str) -> std::result::Result<(), String> + Sync,
    {
        let valid = params.check()?;
        let n_pool = items.len();
        let failed: Mutex<Vec<(usize, String)>> = Mutex::new(Vec::new());
        let analyzer = Analyzer::new(params.analyzer.clone());
        let counted = CountedCorpus::build(
            &analyzer,
            params.vectorizer.ngram_max,
            n_pool + held_out.len(),
            |i| {
                if i >= n_pool {
                    return held_out[i - n_pool].text(read);
                }
                match items[i].text(read) {
                    Ok(t) => match check(i, &t) {
                        Ok(()) => Ok(t),
                        Err(m) => {
                            failed
                                .lock()
                                .unwrap_or_else(|e| e.into_inner())
                                .push((i, format!("{}: {m}", items[i].id)));
                            Ok(Cow::Borrowed(""))
                        }
                    },
                    Err(e) => {
                        failed
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push((i, e.to_string()));
                        Ok(Cow::Borrowed(""))
                    }
                }
            },
        )?;
        let mut unreadable = failed.into_inner().unwrap_or_else(|e| e.into_inner());
        unreadable.sort_unstable();
        let n = counted.len();
        let set =
            TrainingSet::from_counted(counted, vec![LabelId::default(); n], LabelSet::default());
        Ok(Pool::from_set(set, valid, n_pool, unreadable))
    }

    /// A pool over documents already counted: the first `n_pool` of `set`
    /// are the candidates.
    pub(crate) fn from_set(
        set: TrainingSet,
        params: ValidTrainParams,
        n_pool: usize,
        unreadable: Vec<(usize, String)>,
    ) -> Pool {
        let counted = set.counted();
        let mut usable = vec![true; n_pool];
        for (i, _) in &unreadable {
            usable[*i] = false;
        }
        let all: Vec<usize> = (0..n_pool).collect();
        let vp = unsupervised_params();
        let vocab = counted.fit_vocabulary(&vp, &all);
        let vectors: Vec<SparseVec> = all
            .par_iter()
            .map_init(SparseVec::new, |v, &d| {
                counted.vector(&vocab, &vp, d, v);
                v.clone()
            })
            .collect();
        let nnz = vectors.iter().map(SparseVec::nnz).sum();
        let mut rows = CsrMatrix::with_capacity(vocab.vocab.len(), n_pool, nnz);
        for v in &vectors {
            rows.push_row(v);
        }
        drop(vectors);
        // mean cosine similarity to every usable article: for unit vectors,
        // the dot product with their mean (Settles and Craven's information
        // density with β = 1)
        let mut mean = vec![0.0; vocab.vocab.len()];
        let n_usable = usable.iter().filter(|&&u| u).count().max(1) as f64;
        for d in (0..n_pool).filter(|&d| usable[d]) {
            let (t, x) = rows.row(d);
            for (t, x) in t.iter().zip(x) {
                mean[t.index()] += x / n_usable;
            }
        }
        let density = (0..n_pool)
            .into_par_iter()
            .map(|d| dot(&rows, d, &mean))
            .collect();
        Pool {
            set,
            params,
            n_pool,
            usable,
            unreadable,
            vocab,
            rows,
            density,
        }
    }

    /// The documents, counted (candidates first).
    pub fn set(&self) -> &TrainingSet {
        &self.set
    }

    /// The checked training settings every model of the pool is fitted with.
    pub fn params(&self) -> &ValidTrainParams {
        &self.params
    }

    /// Number of candidates (documents `0..len()`).
    pub fn len(&self) -> usize {
        self.n_pool
    }

    /// True when there are no candidates.
    pub fn is_empty(&self) -> bool {
        self.n_pool == 0
    }

    /// Whether candidate `doc` can be offered (it was read).
    pub fn usable(&self, doc: usize) -> bool {
        self.usable.get(doc).copied().unwrap_or(false)
    }

    /// Keeps candidate `doc` out of the choice (e.g. its text changed).
    pub fn exclude(&mut self, doc: usize) {
        if let Some(u) = self.usable.get_mut(doc) {
            *u = false;
        }
    }

    /// The candidates that could not be read: (position, message).
    pub fn unreadable(&self) -> &[(usize, String)] {
        &self.unreadable
    }

    /// Candidate `doc`'s density: its mean cosine similarity to the usable
    /// candidates (0 to 1).
    pub fn density(&self, doc: usize) -> f64 {
        self.density.get(doc).copied().unwrap_or(0.0)
    }

    /// The candidates in the order of a diverse seed set: the usable
    /// candidates clustered into `k` groups (spherical k-means over unit
    /// TF-IDF vectors, k-means++ start drawn with `seed`, at most 10
    /// rounds), the groups taken largest first, round after round, each
    /// round giving every group its member closest to the group's centre
    /// not yet given. Returns, for each position, the candidate and its
    /// cosine similarity to its group's centre.
    pub fn diverse_order(&self, k: usize, seed: u64) -> Vec<(usize, f64)> {
        let docs: Vec<usize> = (0..self.n_pool).filter(|&d| self.usable[d]).collect();
        if docs.is_empty() {
            return Vec::new();
        }
        let k = k.clamp(1, docs.len());
        let dim = self.vocab.vocab.len();
        let mut centres = self.kmeans_pp(&docs, k, seed);
        let mut assign = vec![usize::MAX; docs.len()];
        let mut sims = vec![0.0; docs.len()];
        for _round in 0..10 {
            let next: Vec<(usize, f64)> = docs
                .par_iter()
                .map(|&d| best_centre(&self.rows, d, &centres))
                .collect();
            let changed = next.iter().zip(&assign).any(|((c, _), a)| c != a);
            for (i, (c, s)) in next.into_iter().enumerate() {
                assign[i] = c;
                sims[i] = s;
            }
            if !changed {
                break;
            }
            let mut sums = vec![vec![0.0; dim]; k];
            for (i, &d) in docs.iter().enumerate() {
                let (t, x) = self.rows.row(d);
                for (t, x) in t.iter().zip(x) {
                    sums[assign[i]][t.index()] += x;
                }
            }
            for (c, s) in sums.into_iter().enumerate() {
                let norm = s.iter().map(|x| x * x).sum::<f64>().sqrt();
                // a group left empty keeps its centre
                if norm > 0.0 {
                    centres[c] = s.into_iter().map(|x| x / norm).collect();
                }
            }
        }
        let mut groups: Vec<Vec<(usize, f64)>> = vec![Vec::new(); k];
        for (i, &d) in docs.iter().enumerate() {
            groups[assign[i]].push((d, sims[i]));
        }
        for g in &mut groups {
            g.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        }
        groups.retain(|g| !g.is_empty());
        groups.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].0.cmp(&b[0].0)));
        let mut out = Vec::with_capacity(docs.len());
        let longest = groups.first().map_or(0, Vec::len);
        for round in 0..longest {
            for g in &groups {
                if let Some(&m) = g.get(round) {
                    out.push(m);
                }
            }
        }
        out
    }

    /// k-means++ centres: the first drawn uniformly, each next one with
    /// probability proportional to its squared distance (2 − 2·cos) to the
    /// nearest centre so far.
    fn kmeans_pp(&self, docs: &[usize], k: usize, seed: u64) -> Vec<Vec<f64>> {
        let dim = self.vocab.vocab.len();
        let mut rng = SplitMix64(seed ^ 0x6b6d_6561_6e73);
        let dense = |d: usize| {
            let mut c = vec![0.0; dim];
            let (t, x) = self.rows.row(d);
            for (t, x) in t.iter().zip(x) {
                c[t.index()] = *x;
            }
            c
        };
        let first = docs[(rng.next_u64() % docs.len() as u64) as usize];
        let mut centres = vec![dense(first)];
        let mut nearest: Vec<f64> = docs
            .par_iter()
            .map(|&d| distance(&self.rows, d, &centres[0]))
            .collect();
        while centres.len() < k {
            let total: f64 = nearest.iter().sum();
            let pick = if total > 0.0 {
                let r = unit(&mut rng) * total;
                let mut acc = 0.0;
                let mut pick = docs.len() - 1;
                for (i, w) in nearest.iter().enumerate() {
                    acc += w;
                    if acc > r {
                        pick = i;
                        break;
                    }
                }
                pick
            } else {
                (rng.next_u64() % docs.len() as u64) as usize
            };
            let c = dense(docs[pick]);
            nearest
                .par_iter_mut()
                .zip(docs.par_iter())
                .for_each(|(n, &d)| *n = n.min(distance(&self.rows, d, &c)));
            centres.push(c);
        }
        centres
    }

    /// Candidates that hold the analyzed `terms`, by the sum of those
    /// terms' weights in their unit TF-IDF vector, highest first (ties in
    /// pool order).
    pub fn keyword_matches(&self, terms: &[String]) -> Vec<(usize, f64)> {
        let ids: Vec<u32> = {
            let mut v: Vec<u32> = terms
                .iter()
                .filter_map(|t| self.vocab.vocab.get(t).map(|id| id.0))
                .collect();
            v.sort_unstable();
            v.dedup();
            v
        };
        if ids.is_empty() {
            return Vec::new();
        }
        let mut out: Vec<(usize, f64)> = (0..self.n_pool)
            .filter(|&d| self.usable[d])
            .filter_map(|d| {
                let (t, x) = self.rows.row(d);
                let s: f64 = t
                    .iter()
                    .zip(x)
                    .filter(|(t, _)| ids.binary_search(&t.0).is_ok())
                    .map(|(_, x)| x)
                    .sum();
                (s > 0.0).then_some((d, s))
            })
            .collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }

    /// The analyzed terms of `words` (e.g. seed terms as a user types them),
    /// with the pool's analyzer.
    pub fn analyze(&self, words: &str) -> Vec<String> {
        Analyzer::new(self.params.analyzer.clone()).terms(words)
    }
}

fn dot(rows: &CsrMatrix, d: usize, dense: &[f64]) -> f64 {
    let (t, x) = rows.row(d);
    t.iter().zip(x).map(|(t, x)| x * dense[t.index()]).sum()
}

fn distance(rows: &CsrMatrix, d: usize, centre: &[f64]) -> f64 {
    (2.0 - 2.0 * dot(rows, d, centre)).max(0.0)
}

fn best_centre(rows: &CsrMatrix, d: usize, centres: &[Vec<f64>]) -> (usize, f64) {
    let mut best = (0, f64::NEG_INFINITY);
    for (c, centre) in centres.iter().enumerate() {
        let s = dot(rows, d, centre);
        if s > best.1 {
            best = (c, s);
        }
    }
    best
}

/// A uniform number in [0, 1).
pub(crate) fn unit(rng: &mut SplitMix64) -> f64 {
    (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::corpus::Source;

    fn items(texts: &[&str]) -> Vec<Item> {
        texts
            .iter()
            .enumerate()
            .map(|(i, t)| Item {
                id: format!("d{i}"),
                source: Source::Text(t.to_string()),
            })
            .collect()
    }

    #[test]
    fn clusters_put_one_seed_of_each_group_first() {
        let sport = "فاز الفريق بالمباراة وسجل اللاعب هدفا في الدوري";
        let money = "ارتفعت اسعار النفط وتراجع الدولار في الاسواق والبنوك";
        let mut texts = Vec::new();
        for i in 0..12 {
            texts.push(if i % 3 == 0 { money } else { sport });
        }
        let pool = Pool::build(
            &items(&texts),
            &[],
            &TrainParams::new(),
            &ReadOptions::default(),
        )
        .expect("pool");
        for seed in [1, 2, 3] {
            let order = pool.diverse_order(2, seed);
            assert_eq!(order.len(), 12, "every article, once");
            let first: Vec<bool> = order[..2].iter().map(|(d, _)| d % 3 == 0).collect();
            assert!(
                first.contains(&true) && first.contains(&false),
                "seed {seed}: the two first seeds come from the two groups: {order:?}"
            );
            assert_eq!(order, pool.diverse_order(2, seed), "deterministic");
        }
        let hits = pool.keyword_matches(&pool.analyze("النفط"));
        assert_eq!(hits.len(), 4);
        assert!(hits.iter().all(|(d, _)| d % 3 == 0));
        assert!(pool.density(0) > 0.0 && pool.density(0) <= 1.0 + 1e-9);
    }

    #[test]
    fn unreadable_candidates_are_listed_and_never_usable() {
        let mut it = items(&["نص اول عن الاقتصاد", "نص ثان عن الرياضة"]);
        it.push(Item {
            id: "missing".into(),
            source: Source::File("/nonexistent/x.txt".into()),
        });
        let pool =
            Pool::build(&it, &[], &TrainParams::new(), &ReadOptions::default()).expect("pool");
        assert_eq!(pool.unreadable().len(), 1);
        assert!(!pool.usable(2) && pool.usable(0));
        assert!(pool.diverse_order(2, 0).iter().all(|(d, _)| *d != 2));
    }
}
