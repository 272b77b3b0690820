//! Training-side counting: every document analyzed once into term counts over
//! a provisional term table, from which a vocabulary can be fitted on any
//! subset of documents (a cross-validation fold, the whole training set).

use std::borrow::Cow;
use std::sync::Mutex;

use rayon::prelude::*;

use super::{
    for_each_feature_term, smooth_idf, FeatureScratch, FittedRows, ScriptCounts, SparseVec, TermId,
    VectorizerParams, VocabMap, Vocabulary,
};
use crate::error::Result;
use crate::labels::LabelId;
use crate::text::strtab::{Interner, TermBatch};
use crate::text::{Analyzer, AnalyzerConfig};

/// Term counts of a set of documents, indexed by document position.
///
/// Provisional term numbers depend on how the work was split between
/// threads; nothing derived from them does (vocabularies are sorted by term),
/// so the same documents always give the same models.
#[derive(Debug)]
pub struct CountedCorpus {
    analyzer: AnalyzerConfig,
    ngram_max: u8,
    terms: Interner,
    docs: Vec<Vec<(u32, u32)>>,
}

/// A vocabulary fitted on a subset of a [`CountedCorpus`], with its idf and
/// the map from the corpus's provisional term numbers to vocabulary ids.
#[derive(Debug, Clone)]
pub struct FittedVocabulary {
    /// The kept terms, in vocabulary order.
    pub vocab: Vocabulary,
    /// Smooth idf of each kept term over the fitted documents.
    pub idf: Vec<f64>,
    map: VocabMap,
}

impl FittedVocabulary {
    /// Takes the provisional-to-vocabulary map out, leaving the vocabulary
    /// and idf to build a model from (no copy of either).
    pub(crate) fn take_map(&mut self) -> VocabMap {
        std::mem::take(&mut self.map)
    }
}

/// A document's counts over its worker's term table: (worker, pairs).
type WorkerCounts = (usize, Vec<(u32, u32)>);

/// Sorts term numbers and turns runs into `(term, count)` pairs.
fn run_lengths(ids: &mut [u32], out: &mut Vec<(u32, u32)>) {
    ids.sort_unstable();
    out.clear();
    for &t in ids.iter() {
        match out.last_mut() {
            Some((last, c)) if *last == t => *c += 1,
            _ => out.push((t, 1)),
        }
    }
}

impl CountedCorpus {
    /// Analyzes `n` documents in parallel; `text_of(i)` yields document `i`.
    /// Each worker thread numbers terms in a table of its own; the tables are
    /// merged at the end, so no lock is shared between workers.
    ///
    /// # Errors
    /// The first error of `text_of`, in document order.
    pub fn build<'a, F>(
        analyzer: &Analyzer,
        ngram_max: u8,
        n: usize,
        text_of: F,
    ) -> Result<CountedCorpus>
    where
        F: Fn(usize) -> Result<Cow<'a, str>> + Sync,
    {
        let workers: Vec<Mutex<Interner>> = (0..rayon::current_num_threads().max(1) + 1)
            .map(|_| Mutex::new(Interner::default()))
            .collect();
        let local: Vec<Result<WorkerCounts>> = (0..n)
            .into_par_iter()
            .map_init(
                || {
                    let scratch = FeatureScratch::default();
                    (scratch, TermBatch::default(), Vec::<u32>::new())
                },
                |(scratch, batch, ids), i| {
                    let text = text_of(i)?;
                    // The last table serves a caller outside the pool (never in practice).
                    let w = rayon::current_thread_index()
                        .unwrap_or(workers.len() - 1)
                        .min(workers.len() - 1);
                    batch.clear();
                    for_each_feature_term(analyzer, ngram_max, &text, scratch, |t| batch.push(t));
                    ids.clear();
                    let mut table = workers[w].lock().unwrap_or_else(|e| e.into_inner());
                    table.intern_batch(batch, ids);
                    drop(table);
                    let mut pairs = Vec::new();
                    run_lengths(ids, &mut pairs);
                    Ok((w, pairs))
                },
            )
            .collect();
        // Merge the worker tables into one table numbered in term order, so
        // that any vocabulary fitted later keeps the provisional order and
        // mapping a document never needs a sort.
        let tables: Vec<Interner> = workers
            .into_iter()
            .map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner()))
            .collect();
        let mut all: Vec<&str> = tables.iter().flat_map(|t| t.iter()).collect();
        all.par_sort_unstable();
        all.dedup();
        let mut terms = Interner::with_capacity(all.len());
        for t in all {
            terms.push_distinct(t);
        }
        let maps: Vec<Vec<u32>> = tables
            .iter()
            .map(|t| {
                let local: Vec<&str> = t.iter().collect();
                local
                    .par_iter()
                    .map(|term| terms.find(term).unwrap_or(0))
                    .collect()
            })
            .collect();
        drop(tables);
        let mut docs: Vec<Vec<(u32, u32)>> = Vec::with_capacity(n);
        let mut owner: Vec<usize> = Vec::with_capacity(n);
        for r in local {
            let (w, pairs) = r?;
            owner.push(w);
            docs.push(pairs);
        }
        docs.par_iter_mut()
            .zip(owner.par_iter())
            .for_each(|(pairs, &w)| {
                let map = &maps[w];
                for p in pairs.iter_mut() {
                    p.0 = map[p.0 as usize];
                }
                pairs.sort_unstable();
            });
        Ok(CountedCorpus {
            analyzer: analyzer.config().clone(),
            ngram_max,
            terms,
            docs,
        })
    }

    /// The analyzer settings the counts were made with.
    pub fn analyzer_config(&self) -> &AnalyzerConfig {
        &self.analyzer
    }

    /// The longest n-gram counted.
    pub fn ngram_max(&self) -> u8 {
        self.ngram_max
    }

    /// Number of documents.
    pub fn len(&self) -> usize {
        self.docs.len()
    }

    /// True when there are no documents.
    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// Number of distinct terms over all documents.
    pub fn n_terms(&self) -> usize {
        self.terms.len()
    }

    /// Number of distinct terms in the documents `subset`.
    pub fn n_terms_in(&self, subset: &[usize]) -> usize {
        let mut seen = vec![false; self.terms.len()];
        let mut n = 0;
        for &d in subset {
            for &(t, _) in &self.docs[d] {
                if !std::mem::replace(&mut seen[t as usize], true) {
                    n += 1;
                }
            }
        }
        n
    }

    /// Fits a vocabulary and idf on the documents `subset` with the pruning
    /// of `params` (`min_df`, `max_df`, `max_features`).
    pub fn fit_vocabulary(&self, params: &VectorizerParams, subset: &[usize]) -> FittedVocabulary {
        let mut fitted = self.prune(params, subset);
        fitted.vocab = self.vocab_from_map(&fitted.map);
        fitted
    }

    /// As [`CountedCorpus::fit_vocabulary`] and then
    /// [`CountedCorpus::select_chi2`] with `chi2` terms when it is given,
    /// without building the vocabulary of the terms χ² then drops.
    pub fn fit_vocabulary_selected(
        &self,
        params: &VectorizerParams,
        subset: &[usize],
        y: &[LabelId],
        n_labels: usize,
        chi2: Option<usize>,
    ) -> FittedVocabulary {
        self.fit_vocabulary_split(params, subset, subset, y, n_labels, chi2)
    }

    /// As [`CountedCorpus::fit_vocabulary_selected`], but with the pruning
    /// and the idf fitted on the documents `vocab_docs` while χ² is scored
    /// on the labeled documents `subset` (labels `y`) only. Semi-supervised
    /// training uses it to fit the vocabulary and idf on labeled and
    /// unlabeled documents together: unlabeled texts carry no label, so they
    /// cannot take part in χ².
    pub fn fit_vocabulary_split(
        &self,
        params: &VectorizerParams,
        vocab_docs: &[usize],
        subset: &[usize],
        y: &[LabelId],
        n_labels: usize,
        chi2: Option<usize>,
    ) -> FittedVocabulary {
        match chi2 {
            None => self.fit_vocabulary(params, vocab_docs),
            Some(k) => self.select_chi2(
                self.prune(params, vocab_docs),
                params,
                subset,
                y,
                n_labels,
                k,
            ),
        }
    }

    /// The vocabulary of the terms `map` keeps, in term order.
    fn vocab_from_map(&self, map: &VocabMap) -> Vocabulary {
        let terms = map.kept().map(|t| self.terms.get(t));
        Vocabulary::try_from_sorted(terms).unwrap_or_default()
    }

    /// The pruning of `fit_vocabulary`: the map and idf, with an empty vocabulary.
    fn prune(&self, params: &VectorizerParams, subset: &[usize]) -> FittedVocabulary {
        let mut df = vec![0u32; self.terms.len()];
        let mut total = vec![0u64; self.terms.len()];
        for &d in subset {
            for &(t, c) in &self.docs[d] {
                df[t as usize] += 1;
                total[t as usize] += u64::from(c);
            }
        }
        let n = subset.len();
        let max_count = params.max_df * n as f64;
        // Provisional numbers are in term order, so ascending numbers are sorted terms.
        let mut keep: Vec<u32> = (0..self.terms.len() as u32)
            .filter(|&t| {
                let d = df[t as usize];
                d >= params.min_df.max(1) && f64::from(d) <= max_count
            })
            .collect();
        if let Some(k) = params.max_features {
            if keep.len() > k {
                keep.sort_by(|&a, &b| total[b as usize].cmp(&total[a as usize]).then(a.cmp(&b)));
                keep.truncate(k);
                keep.sort_unstable();
            }
        }
        let mut map = VocabMap::dropping(self.terms.len());
        for (i, &t) in keep.iter().enumerate() {
            map.keep(t, TermId(i as u32));
        }
        let idf = keep
            .iter()
            .map(|&t| smooth_idf(n, df[t as usize]))
            .collect();
        FittedVocabulary {
            vocab: Vocabulary::default(),
            idf,
            map,
        }
    }

    /// Keeps the `k` terms of `fitted` (whose vocabulary may be left empty:
    /// only its map and idf are read) with the largest χ² statistic between
    /// term weight and label over the documents `subset` (labels `y`, one per
    /// entry of `subset`, each below `n_labels`), as scikit-learn's `chi2`
    /// scores features: for term t and label c, the observed value O is the
    /// sum of t's weights (after `params`' weighting, under `fitted`) in the
    /// documents of c, the expected value E is that sum over all documents
    /// times the share of documents labeled c, and χ²(t) = Σ_c (O − E)² / E.
    /// Ties keep the term that sorts first. The idf of kept terms is not
    /// changed; vectors are normalized over the kept terms when built.
    pub fn select_chi2(
        &self,
        fitted: FittedVocabulary,
        params: &VectorizerParams,
        subset: &[usize],
        y: &[LabelId],
        n_labels: usize,
        k: usize,
    ) -> FittedVocabulary {
        let n_vocab = fitted.idf.len();
        if k >= n_vocab || n_labels == 0 || subset.is_empty() {
            let vocab = self.vocab_from_map(&fitted.map);
            return FittedVocabulary { vocab, ..fitted };
        }
        // One column of sums per label, each summed by one task in document
        // order: the sums (and so the choice of terms) never depend on the
        // number of threads, and each column fits in cache.
        let mut by_label: Vec<Vec<usize>> = vec![Vec::new(); n_labels];
        for (&d, c) in subset.iter().zip(y) {
            by_label[c.index()].push(d);
        }
        let columns: Vec<Vec<f64>> = by_label
            .par_iter()
            .map(|docs| {
                let mut col = vec![0.0f64; n_vocab];
                let mut v = SparseVec::new();
                for &d in docs {
                    self.vector_mapped(&fitted.map, &fitted.idf, params, d, &mut v);
                    for (t, x) in v.iter() {
                        col[t.index()] += x;
                    }
                }
                col
            })
            .collect();
        let mut share = vec![0.0f64; n_labels];
        for c in y {
            share[c.index()] += 1.0;
        }
        share.iter_mut().for_each(|s| *s /= subset.len() as f64);
        let chi2: Vec<f64> = (0..n_vocab)
            .map(|t| {
                let total: f64 = columns.iter().map(|col| col[t]).sum();
                columns
                    .iter()
                    .zip(&share)
                    .map(|(col, &s)| {
                        let (o, e) = (col[t], total * s);
                        if e > 0.0 {
                            (o - e) * (o - e) / e
                        } else {
                            0.0
                        }
                    })
                    .sum()
            })
            .collect();
        // The k largest (ties: the term that sorts first); the order is total,
        // so the set is the one a full sort would give.
        let mut order: Vec<u32> = (0..n_vocab as u32).collect();
        if k > 0 {
            order.select_nth_unstable_by(k - 1, |&a, &b| {
                chi2[b as usize]
                    .total_cmp(&chi2[a as usize])
                    .then(a.cmp(&b))
            });
        }
        let mut kept = vec![false; n_vocab];
        for &t in &order[..k] {
            kept[t as usize] = true;
        }
        // New ids in vocabulary (= term) order.
        let mut new_id = vec![None; n_vocab];
        let mut next = 0u32;
        let mut idf = Vec::with_capacity(k);
        for (old, keep) in kept.iter().enumerate() {
            if *keep {
                new_id[old] = Some(TermId(next));
                idf.push(fitted.idf[old]);
                next += 1;
            }
        }
        let map = fitted.map.renumbered(|id| new_id[id.0 as usize]);
        let vocab = self.vocab_from_map(&map);
        FittedVocabulary { vocab, idf, map }
    }

    /// The [`ScriptCounts`] of document `doc`: what
    /// [`super::Vectorizer::transform_with`] counts for its text.
    pub fn script_counts(&self, doc: usize) -> ScriptCounts {
        let mut s = ScriptCounts::default();
        for &(t, c) in &self.docs[doc] {
            s.add(self.terms.get(t), c as usize);
        }
        s
    }

    /// Writes document `doc`'s feature vector under `fitted` into `out`;
    /// the same vector [`super::Vectorizer::transform`] gives for its text.
    pub fn vector(
        &self,
        fitted: &FittedVocabulary,
        params: &VectorizerParams,
        doc: usize,
        out: &mut SparseVec,
    ) {
        self.vector_mapped(&fitted.map, &fitted.idf, params, doc, out);
    }

    /// As [`CountedCorpus::vector`] with the vocabulary map and idf given
    /// apart (a trained model holds the idf; cross-validation keeps the map).
    pub(crate) fn vector_mapped(
        &self,
        map: &VocabMap,
        idf: &[f64],
        params: &VectorizerParams,
        doc: usize,
        out: &mut SparseVec,
    ) {
        out.clear();
        for (t, c) in self.mapped(map, doc) {
            out.indices.push(t);
            out.values.push(f64::from(c));
        }
        params.weigh(out, idf);
    }

    /// Document `doc`'s counts under `fitted`'s vocabulary ids, in term
    /// order (provisional numbers and vocabulary ids are both in term order).
    fn mapped<'s>(
        &'s self,
        map: &'s VocabMap,
        doc: usize,
    ) -> impl Iterator<Item = (TermId, u32)> + 's {
        self.docs[doc]
            .iter()
            .filter_map(|&(t, c)| map.get(t).map(|id| (id, c)))
    }

    /// The counts of the documents `subset` under `fitted`'s vocabulary, as
    /// rows (see [`FittedRows`]).
    pub fn rows(&self, fitted: &FittedVocabulary, subset: &[usize]) -> FittedRows {
        FittedRows::new(
            subset
                .iter()
                .map(|&d| self.mapped(&fitted.map, d).collect())
                .collect(),
        )
    }

    /// As [`CountedCorpus::rows`] for every document in order, reusing the
    /// counts' own memory (for training on everything: nothing is copied).
    pub fn into_rows(self, fitted: &FittedVocabulary) -> FittedRows {
        let map = &fitted.map;
        let rows = self
            .docs
            .into_par_iter()
            .map(|doc| {
                let mut doc = doc;
                doc.retain_mut(|p| match map.get(p.0) {
                    Some(id) => {
                        p.0 = id.0;
                        true
                    }
                    None => false,
                });
                doc.shrink_to_fit();
                // (u32, u32) and (TermId, u32) have the same layout, but convert safely:
                doc.into_iter().map(|(t, c)| (TermId(t), c)).collect()
            })
            .collect();
        FittedRows::new(rows)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::{AnalyzerConfig, StemmerKind};

    fn counted(texts: &[&str]) -> CountedCorpus {
        let analyzer = Analyzer::new(AnalyzerConfig {
            stemmer: StemmerKind::None,
            ..AnalyzerConfig::default()
        });
        CountedCorpus::build(&analyzer, 1, texts.len(), |i| Ok(Cow::Borrowed(texts[i])))
            .expect("counts")
    }

    #[test]
    fn chi2_keeps_the_terms_that_tell_labels_apart() {
        // "كرة" and "هدف" only in label 0, "نفط" and "سعر" only in label 1;
        // "يوم" and "خبر" in every document.
        let texts = [
            "كرة هدف يوم خبر",
            "كرة هدف يوم خبر",
            "كرة يوم خبر",
            "نفط سعر يوم خبر",
            "نفط سعر يوم خبر",
            "سعر يوم خبر",
        ];
        let c = counted(&texts);
        let y: Vec<LabelId> = [0, 0, 0, 1, 1, 1].map(LabelId::from_index).to_vec();
        let all: Vec<usize> = (0..texts.len()).collect();
        let params = VectorizerParams::default();
        let fitted = c.fit_vocabulary(&params, &all);
        assert_eq!(fitted.vocab.len(), 6);
        let kept = c.select_chi2(fitted.clone(), &params, &all, &y, 2, 4);
        let mut terms: Vec<&str> = kept.vocab.terms().collect();
        terms.sort_unstable();
        let mut want = vec!["كره", "هدف", "نفط", "سعر"];
        want.sort_unstable();
        assert_eq!(terms, want, "the four label-specific terms");
        assert_eq!(kept.idf.len(), 4);
        // idf of a kept term is unchanged; vectors are renormalized over kept terms
        let id_old = fitted.vocab.get("نفط").expect("in the full vocabulary");
        let id_new = kept.vocab.get("نفط").expect("kept");
        assert_eq!(fitted.idf[id_old.index()], kept.idf[id_new.index()]);
        let mut v = SparseVec::new();
        c.vector(&kept, &params, 3, &mut v);
        assert_eq!(
            v.indices.len(),
            2,
            "يوم and خبر are dropped from the vector"
        );
        assert!((v.l2_norm() - 1.0).abs() < 1e-12);
        // k at or above the vocabulary size keeps everything
        let same = c.select_chi2(fitted.clone(), &params, &all, &y, 2, 6);
        assert_eq!(same.vocab.len(), 6);
        // the same inputs give the same choice
        let again = c.select_chi2(fitted, &params, &all, &y, 2, 4);
        assert_eq!(
            again.vocab.terms().collect::<Vec<_>>(),
            kept.vocab.terms().collect::<Vec<_>>()
        );
    }
}
