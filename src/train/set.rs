//! Analyze once, fit many times: the documents of a data set counted once
//! ([`TrainingSet`]), from which a model is fitted on any subset of them (a
//! cross-validation fold, a learning-curve sample, the whole set) and the
//! other documents are predicted without being read again ([`FoldFit`]).

use super::{fit_counted, TrainParams, ValidTrainParams};
use crate::corpus::{LabeledData, ReadOptions};
use crate::error::Result;
use crate::features::{CountedCorpus, ScriptCounts, SparseVec, VectorizerParams, VocabMap};
use crate::labels::{LabelId, LabelSet};
use crate::model::{Classifier, PredictOptions, Prediction};
use crate::progress::{Progress, Silent};
use crate::text::Analyzer;

/// Maps from a [`CountedCorpus`]'s provisional term numbers to a model's
/// vocabularies (the topic stage's, and the gate's for a gated model).
pub(crate) struct FoldMaps {
    pub(crate) topic: VocabMap,
    pub(crate) gate: Option<VocabMap>,
}

/// Labeled documents, each analyzed once into term counts.
#[derive(Debug)]
pub struct TrainingSet {
    counted: CountedCorpus,
    targets: Vec<LabelId>,
    labels: LabelSet,
}

impl TrainingSet {
    /// Reads and analyzes every document of `data` once, in parallel, with
    /// the analyzer and n-grams of `params`.
    ///
    /// # Errors
    /// Invalid vectorizer settings, or an unreadable document (named).
    pub fn build(
        data: &LabeledData,
        params: &TrainParams,
        read: &ReadOptions,
    ) -> Result<TrainingSet> {
        TrainingSet::build_with(data, params, read, &Silent)
    }

    /// [`TrainingSet::build`], telling `progress` of each document read.
    ///
    /// # Errors
    /// As [`TrainingSet::build`].
    pub fn build_with(
        data: &LabeledData,
        params: &TrainParams,
        read: &ReadOptions,
        progress: &dyn Progress,
    ) -> Result<TrainingSet> {
        params.vectorizer.check()?;
        let analyzer = Analyzer::new(params.analyzer.clone());
        progress.start("documents read", data.len() as u64);
        let counted =
            CountedCorpus::build(&analyzer, params.vectorizer.ngram_max, data.len(), |i| {
                progress.advance(1);
                data.items[i].text(read)
            })?;
        Ok(TrainingSet::from_counted(
            counted,
            data.targets.clone(),
            data.labels.clone(),
        ))
    }

    /// A set over counts made elsewhere (with unlabeled documents after the
    /// labeled ones, for EM): `targets` and `labels` are the labeled ones'.
    pub(crate) fn from_counted(
        counted: CountedCorpus,
        targets: Vec<LabelId>,
        labels: LabelSet,
    ) -> TrainingSet {
        TrainingSet {
            counted,
            targets,
            labels,
        }
    }

    /// The counts.
    pub fn counted(&self) -> &CountedCorpus {
        &self.counted
    }

    /// Every labeled document's label.
    pub fn targets(&self) -> &[LabelId] {
        &self.targets
    }

    /// The label names.
    pub fn labels(&self) -> &LabelSet {
        &self.labels
    }

    /// A model trained with `params` on the documents `docs` alone
    /// (vocabulary, idf, weights, calibration and gate threshold included).
    ///
    /// # Errors
    /// Fewer than two labels among `docs`, a label with
    /// too few documents, or counts made with other analyzer settings.
    pub fn fit(&self, docs: &[usize], params: &ValidTrainParams) -> Result<FoldFit> {
        self.fit_relabeled(&self.targets, &self.labels, docs, params)
    }

    /// As [`TrainingSet::fit`], with other labels for the documents
    /// (`targets`, one per document, named by `labels`).
    ///
    /// # Errors
    /// As [`TrainingSet::fit`].
    pub fn fit_relabeled(
        &self,
        targets: &[LabelId],
        labels: &LabelSet,
        docs: &[usize],
        params: &ValidTrainParams,
    ) -> Result<FoldFit> {
        let (model, maps) = fit_counted(&self.counted, targets, labels, docs, params)?;
        Ok(FoldFit {
            model,
            maps,
            vectorizer: params.vectorizer.clone(),
        })
    }
}

/// A model fitted on some documents of a [`TrainingSet`], able to predict
/// the set's other documents from their counts.
pub struct FoldFit {
    model: Classifier,
    maps: FoldMaps,
    vectorizer: VectorizerParams,
}

impl FoldFit {
    /// A one-stage model fitted elsewhere on the set's counts (EM), with
    /// the map of its vocabulary.
    pub(crate) fn flat(model: Classifier, map: VocabMap, vectorizer: VectorizerParams) -> FoldFit {
        FoldFit {
            model,
            maps: FoldMaps {
                topic: map,
                gate: None,
            },
            vectorizer,
        }
    }

    /// The model.
    pub fn model(&self) -> &Classifier {
        &self.model
    }

    /// The model, for keeps.
    pub fn into_model(self) -> Classifier {
        self.model
    }

    /// Document `doc` of `set` labeled as [`Classifier::predict`] would
    /// label its text.
    pub fn predict(
        &self,
        set: &TrainingSet,
        doc: usize,
        buffers: &mut FoldBuffers,
        opts: &PredictOptions,
    ) -> Prediction {
        let c = &set.counted;
        let vp = &self.vectorizer;
        let stage = self.model.stage();
        c.vector_mapped(
            &self.maps.topic,
            stage.vectorizer().idf(),
            vp,
            doc,
            &mut buffers.vector,
        );
        let gate = match (self.model.gate(), &self.maps.gate) {
            (Some((g, _)), Some(map)) => {
                c.vector_mapped(map, g.vectorizer().idf(), vp, doc, &mut buffers.gate);
                Some(&buffers.gate)
            }
            _ => None,
        };
        // only a gate weighs how much of the text is Arabic
        let script = if gate.is_some() {
            c.script_counts(doc)
        } else {
            ScriptCounts::default()
        };
        self.model
            .predict_vectors(&buffers.vector, gate, script, &mut buffers.scores, opts)
    }
}

/// Reusable buffers for [`FoldFit::predict`]; one per worker thread.
#[derive(Default)]
pub struct FoldBuffers {
    vector: SparseVec,
    gate: SparseVec,
    scores: Vec<f64>,
}
