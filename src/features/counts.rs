//! Training-side counting: every document analyzed once into term counts over
//! a provisional term table, from which a vocabulary can be fitted on any
//! subset of documents (a cross-validation fold, the whole training set).

use std::borrow::Cow;

use rayon::prelude::*;
use rustc_hash::FxHashMap;

use super::{
    for_each_feature_term, smooth_idf, FeatureScratch, SparseVec, TermId, VectorizerParams,
    Vocabulary,
};
use crate::error::Result;
use crate::text::{Analyzer, AnalyzerConfig};

/// Documents processed together: bounds the memory held by strings that are
/// not yet interned while keeping both cores busy.
const CHUNK: usize = 1024;

/// Term counts of a set of documents, indexed by document position.
#[derive(Debug)]
pub struct CountedCorpus {
    analyzer: AnalyzerConfig,
    ngram_max: u8,
    terms: Vec<Box<str>>,
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
    map: Vec<u32>,
}

const DROPPED: u32 = u32::MAX;

impl CountedCorpus {
    /// Analyzes `n` documents in parallel; `text_of(i)` yields document `i`.
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
        let mut index: FxHashMap<Box<str>, u32> = FxHashMap::default();
        let mut terms: Vec<Box<str>> = Vec::new();
        let mut docs = Vec::with_capacity(n);
        let mut start = 0;
        while start < n {
            let end = (start + CHUNK).min(n);
            let chunk: Vec<Result<Vec<(String, u32)>>> = (start..end)
                .into_par_iter()
                .map_init(
                    || {
                        (
                            FeatureScratch::default(),
                            FxHashMap::<String, u32>::default(),
                        )
                    },
                    |(scratch, counts), i| {
                        let text = text_of(i)?;
                        counts.clear();
                        for_each_feature_term(analyzer, ngram_max, &text, scratch, |t| {
                            if let Some(c) = counts.get_mut(t) {
                                *c += 1;
                            } else {
                                counts.insert(t.to_owned(), 1);
                            }
                        });
                        Ok(counts.drain().collect())
                    },
                )
                .collect();
            for doc in chunk {
                let doc = doc?;
                let mut v: Vec<(u32, u32)> = Vec::with_capacity(doc.len());
                for (s, c) in doc {
                    let id = match index.get(s.as_str()) {
                        Some(&id) => id,
                        None => {
                            let id = terms.len() as u32;
                            let b: Box<str> = s.into_boxed_str();
                            terms.push(b.clone());
                            index.insert(b, id);
                            id
                        }
                    };
                    v.push((id, c));
                }
                v.sort_unstable();
                docs.push(v);
            }
            start = end;
        }
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

    /// Fits a vocabulary and idf on the documents `subset` with the pruning
    /// of `params` (`min_df`, `max_df`, `max_features`).
    pub fn fit_vocabulary(&self, params: &VectorizerParams, subset: &[usize]) -> FittedVocabulary {
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
        let mut keep: Vec<u32> = (0..self.terms.len() as u32)
            .filter(|&t| {
                let d = df[t as usize];
                d >= params.min_df.max(1) && f64::from(d) <= max_count
            })
            .collect();
        if let Some(k) = params.max_features {
            if keep.len() > k {
                keep.sort_by(|&a, &b| {
                    total[b as usize]
                        .cmp(&total[a as usize])
                        .then_with(|| self.terms[a as usize].cmp(&self.terms[b as usize]))
                });
                keep.truncate(k);
            }
        }
        keep.sort_by(|&a, &b| self.terms[a as usize].cmp(&self.terms[b as usize]));
        let mut map = vec![DROPPED; self.terms.len()];
        for (i, &t) in keep.iter().enumerate() {
            map[t as usize] = i as u32;
        }
        let idf = keep
            .iter()
            .map(|&t| smooth_idf(n, df[t as usize]))
            .collect();
        let vocab = Vocabulary::from(
            keep.iter()
                .map(|&t| self.terms[t as usize].to_string())
                .collect::<Vec<_>>(),
        );
        FittedVocabulary { vocab, idf, map }
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
        out.clear();
        let mut pairs: Vec<(TermId, f64)> = self.docs[doc]
            .iter()
            .filter_map(|&(t, c)| {
                let m = fitted.map[t as usize];
                (m != DROPPED).then_some((TermId(m), f64::from(c)))
            })
            .collect();
        pairs.sort_unstable_by_key(|p| p.0);
        for (t, v) in pairs {
            out.indices.push(t);
            out.values.push(v);
        }
        params.weigh(out, &fitted.idf);
    }
}
