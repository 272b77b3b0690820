//! The fitted, immutable model a user saves, loads and labels with: one
//! naive Bayes [`Stage`] (analyzer settings, fitted vectorizer, naive Bayes,
//! label names), or a [`Gated`] pair of stages for data with a "none of the
//! topics" label. It predicts through `&self`, and it persists as one
//! versioned file ([`file`]). Making a model is `crate::train`'s.
//!
//! ```
//! use tasnif::model::{Classifier, PredictOptions, PredictScratch};
//! let model = Classifier::from_bytes(tasnif::DEFAULT_MODEL)?;
//! let p = model.predict("اخترق قراصنة خوادم الوزارة وسرقوا بيانات الموظفين", &mut PredictScratch::default(), &PredictOptions::default());
//! assert_eq!(model.labels().name(p.label), "attack");
//! assert!(p.gate.is_some_and(|cyber| cyber > 0.5));
//! # Ok::<(), tasnif::Error>(())
//! ```

pub mod file;
mod gated;
mod predict;
mod stage;

pub use file::{FORMAT_VERSION, HEADER_CHECKSUM_VERSION, MAGIC, OLDEST_FORMAT_VERSION};
pub use gated::{GateSettings, Gated, RECORD_FIELDS};
pub use predict::{PredictOptions, PredictScratch, Prediction};
pub use stage::{Stage, TrainingSummary};

use std::path::Path;

use crate::error::{Error, Result};
use crate::features::{ScriptCounts, SparseVec, Vectorizer};
use crate::labels::LabelSet;
use crate::nb::{NaiveBayes, RefineParams};

/// A trained classifier: one stage, or a gate and a topic stage.
#[derive(Debug)]
pub struct Classifier {
    kind: Kind,
    /// The format version of the file it was read from ([`FORMAT_VERSION`]
    /// for a model trained or assembled here).
    format: u32,
}

#[derive(Debug)]
enum Kind {
    Flat(Box<Stage>),
    Gated(Box<Gated>),
}

impl From<Stage> for Classifier {
    fn from(s: Stage) -> Classifier {
        Classifier {
            kind: Kind::Flat(Box::new(s)),
            format: FORMAT_VERSION,
        }
    }
}

impl From<Gated> for Classifier {
    fn from(g: Gated) -> Classifier {
        Classifier {
            kind: Kind::Gated(Box::new(g)),
            format: FORMAT_VERSION,
        }
    }
}

impl Classifier {
    /// The one stage of a one-stage model, or the topic stage of a gated one.
    pub fn stage(&self) -> &Stage {
        match &self.kind {
            Kind::Flat(s) => s,
            Kind::Gated(g) => g.topics(),
        }
    }

    /// The format version of the model file this was read from
    /// ([`FORMAT_VERSION`] for a model trained here); saving it writes
    /// [`FORMAT_VERSION`] whatever it was.
    pub fn format_version(&self) -> u32 {
        self.format
    }

    /// The two stages of a gated model.
    pub fn gated(&self) -> Option<&Gated> {
        match &self.kind {
            Kind::Flat(_) => None,
            Kind::Gated(g) => Some(g),
        }
    }

    /// The gate stage of a gated model, and the name of its none label.
    pub fn gate(&self) -> Option<(&Stage, &str)> {
        self.gated().map(|g| (g.gate(), g.none_label()))
    }

    /// A gated model's probability threshold, least Arabic terms and name
    /// of "any of the topics".
    pub fn gate_settings(&self) -> Option<(f64, u32, &str)> {
        self.gated().map(|g| {
            let s = g.settings();
            (s.threshold, s.min_terms, s.name.as_str())
        })
    }

    /// The label names (for a gated model, the topics and the none label).
    pub fn labels(&self) -> &LabelSet {
        match &self.kind {
            Kind::Flat(s) => s.labels(),
            Kind::Gated(g) => g.labels(),
        }
    }

    /// What the model was trained on (documents per label of [`Classifier::labels`]).
    pub fn summary(&self) -> &TrainingSummary {
        match &self.kind {
            Kind::Flat(s) => s.summary(),
            Kind::Gated(g) => g.summary(),
        }
    }

    /// The fitted vectorizer of [`Classifier::stage`].
    pub fn vectorizer(&self) -> &Vectorizer {
        self.stage().vectorizer()
    }

    /// The naive Bayes of [`Classifier::stage`].
    pub fn nb(&self) -> &NaiveBayes {
        self.stage().nb()
    }

    /// The probability scale of [`Classifier::stage`].
    pub fn scale(&self) -> f64 {
        self.stage().scale()
    }

    /// How the weights of [`Classifier::stage`] were refined
    /// ([`Classifier::gate`] gives the gate's).
    pub fn refinement(&self) -> &RefineParams {
        self.stage().refinement()
    }

    /// Labels one article. Depends on `text` alone (never on other articles).
    ///
    /// A gated model gives the topic stage's label when the probability of
    /// any topic, [`Prediction::gate`], reaches its threshold (or
    /// [`PredictOptions::gate_threshold`]), else the none label; an article
    /// with too little Arabic is the none label with probability 1 (see
    /// [`Gated::predict_vectors`]).
    pub fn predict(
        &self,
        text: &str,
        scratch: &mut PredictScratch,
        opts: &PredictOptions,
    ) -> Prediction {
        let PredictScratch {
            features,
            vector,
            gate_vector,
            scores,
        } = scratch;
        match &self.kind {
            Kind::Flat(s) => {
                s.vectorizer().transform(text, features, vector);
                s.predict_vector(vector, scores, opts)
            }
            Kind::Gated(g) => {
                // one analysis of the text for both stages
                g.topics().vectorizer().transform_with(
                    g.gate().vectorizer(),
                    text,
                    features,
                    vector,
                    gate_vector,
                );
                g.predict_vectors(vector, gate_vector, features.script(), scores, opts)
            }
        }
    }

    /// Whether `p` (a prediction of this model) could be given a topic at
    /// some threshold: for a gated model, its most probable topic is more
    /// probable than the none label (see [`Gated::predict_vectors`]); always
    /// true for a one-stage model.
    pub fn topic_beats_none(&self, p: &Prediction) -> bool {
        self.gated()
            .is_none_or(|g| g.topic_beats_none(&p.probabilities))
    }

    /// Labels from feature vectors already made: `x` by
    /// [`Classifier::stage`]'s vectorizer and, for a gated model, `gate_x`
    /// by the gate's, from a text whose analysis counted `script`.
    pub fn predict_vectors(
        &self,
        x: &SparseVec,
        gate_x: Option<&SparseVec>,
        script: ScriptCounts,
        scores: &mut Vec<f64>,
        opts: &PredictOptions,
    ) -> Prediction {
        match (&self.kind, gate_x) {
            (Kind::Gated(g), Some(gx)) => g.predict_vectors(x, gx, script, scores, opts),
            _ => self.stage().predict_vector(x, scores, opts),
        }
    }

    /// The `n` terms with the largest weight for each label (in
    /// [`Classifier::labels`] order) relative to the mean over labels.
    pub fn top_terms(&self, n: usize) -> Vec<Vec<(String, f64)>> {
        match &self.kind {
            Kind::Flat(s) => s.top_terms(n),
            Kind::Gated(g) => g.top_terms(n),
        }
    }

    /// The model file's bytes.
    pub fn to_bytes(&self) -> Vec<u8> {
        file::encode(self)
    }

    /// Reads a model from its file's bytes.
    ///
    /// # Errors
    /// Says which of these it is: not a model file, another format version,
    /// truncated, checksum mismatch (corrupted), or an undecodable or
    /// inconsistent body.
    pub fn from_bytes(bytes: &[u8]) -> Result<Classifier> {
        file::decode(bytes)
    }

    /// Loads a model file.
    ///
    /// # Errors
    /// The file cannot be read, or see [`Classifier::from_bytes`]; the error names the file.
    pub fn load(path: &Path) -> Result<Classifier> {
        let bytes = crate::corpus::read_whole(path, crate::corpus::FileKind::Model)?;
        Classifier::from_bytes(&bytes).map_err(|e| e.with_path(path))
    }

    /// Writes the model to `path` atomically: to a temporary file in the same
    /// folder, then renamed, so a failure never leaves a half-written model.
    ///
    /// # Errors
    /// The file exists and `overwrite` is false, or writing fails.
    pub fn save(&self, path: &Path, overwrite: bool) -> Result<()> {
        let bytes = self.to_bytes();
        self.write_to(crate::atomic::AtomicFile::create(path, overwrite)?, &bytes)
    }

    /// Writes the model file's `bytes` (from [`Classifier::to_bytes`]) to
    /// an output made beforehand, and commits it: a caller that trains for
    /// minutes makes its output first, so that a missing or read-only
    /// folder, or a file that exists, stops it before the work.
    ///
    /// # Errors
    /// Writing or committing fails.
    pub fn write_to(&self, mut out: crate::atomic::AtomicFile, bytes: &[u8]) -> Result<()> {
        use std::io::Write;
        out.write_all(bytes)
            .map_err(|e| Error::io(out.target(), e))?;
        out.commit()
    }
}
