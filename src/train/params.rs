//! Training settings: what decides what a model learns, read from JSON
//! (`tasnif tune` writes it, `tasnif train --config` reads it) and checked
//! before anything is trained.

use std::path::Path;

use linfa::ParamGuard;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::VectorizerParams;
use crate::model::RECORD_FIELDS;
use crate::nb::{NbKind, NbParams, NbValidParams, Priors, RefineParams};
use crate::text::AnalyzerConfig;

/// Everything that decides what a model learns. Written and read as JSON by
/// `tasnif tune` and `tasnif train --config`; missing fields take the
/// defaults of [`TrainParams::new`], unknown fields are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct TrainParams {
    /// Normalization, stopwords and stemming.
    pub analyzer: AnalyzerConfig,
    /// N-grams, pruning and weighting.
    pub vectorizer: VectorizerParams,
    /// Naive Bayes kind and smoothing.
    pub nb: NbParams,
    /// Refinement of the naive Bayes weights after fitting (of a one-stage
    /// model, or of a gated model's topic model). Default none.
    pub refine: RefineParams,
    /// With `none_label`: refinement of the gate's weights. Default none.
    pub gate_refine: RefineParams,
    /// Keep only this many terms, those with the largest χ² statistic
    /// between term weight and label (see
    /// [`crate::features::CountedCorpus::select_chi2`]), after the vectorizer's own pruning.
    /// Default: keep all.
    pub chi2_features: Option<usize>,
    /// The label of documents about none of the topics (e.g. `none`), if
    /// the data has one. The model is then two naive Bayes models: a gate,
    /// trained on every document to tell this label from all the others
    /// pooled, and a topic model trained on the other documents. An article
    /// gets this label when the gate gives it probability above 1/2, else
    /// the topic model's label. Default: no such label (one model).
    pub none_label: Option<String>,
    /// The gate's class priors, with `none_label`. `Fitted`: the share of
    /// none documents in the training data, which is only as meaningful as
    /// the number of negatives someone chose to include; `Uniform`: even
    /// odds, so that the text alone decides (more topic articles found,
    /// more false alarms). Default fitted.
    pub gate_priors: Priors,
    /// With `none_label`: the probability of being about any of the topics
    /// (1 − P(none)) an article needs to get a topic, in (0, 1). `None`
    /// (default, `null` in JSON): chosen at training, the threshold that
    /// maximizes F1 of telling the topic documents from the none documents
    /// on out-of-fold probabilities of the training documents (the folds of
    /// the probability calibration), so that it suits the gate's own scale.
    pub gate_threshold: Option<f64>,
    /// With `none_label`: the fewest Arabic terms (after stopwords) an
    /// article needs for the gate to weigh it, and Arabic must be at least
    /// half of its terms; otherwise it is the none label. French or English
    /// text, digits or a handful of words are no evidence. Default 3.
    pub gate_min_terms: usize,
    /// With `none_label`: the name under which records give the probability
    /// of being about any of the topics (e.g. `cyber`). Default `topic`.
    pub gate_name: String,
    /// Fewest documents a label may have. Default 2.
    pub min_docs_per_label: usize,
}

/// Overlays `given` on `base`: objects field by field, anything else replaced.
fn merge_json(base: &mut serde_json::Value, given: serde_json::Value) {
    match (base, given) {
        (serde_json::Value::Object(b), serde_json::Value::Object(g)) => {
            for (k, v) in g {
                match b.get_mut(&k) {
                    Some(slot) => merge_json(slot, v),
                    None => {
                        b.insert(k, v);
                    }
                }
            }
        }
        (slot, v) => *slot = v,
    }
}

impl Default for TrainParams {
    fn default() -> Self {
        TrainParams::new()
    }
}

impl TrainParams {
    /// Reads training parameters from a JSON file (as `tasnif tune` writes).
    ///
    /// # Errors
    /// The file cannot be read, is not JSON of this shape (the error names
    /// the line and column), or holds invalid values.
    pub fn from_json_file(path: &Path) -> Result<TrainParams> {
        let text = String::from_utf8(crate::corpus::read_whole(path)?)
            .map_err(|_| Error::record(path, 1, "not valid UTF-8"))?;
        let given: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::record(path, e.line() as u64, e.to_string()))?;
        // Fields left out, at any depth, keep the defaults of `tasnif train`.
        let mut merged = serde_json::to_value(TrainParams::new())
            .map_err(|e| Error::param("config", e.to_string()))?;
        merge_json(&mut merged, given);
        let p: TrainParams =
            serde_json::from_value(merged).map_err(|e| Error::record(path, 1, e.to_string()))?;
        p.check().map_err(|e| e.with_path(path))?;
        Ok(p)
    }

    /// Checks every setting's range and returns the checked NB settings.
    ///
    /// # Errors
    /// An [`ErrorKind::InvalidParam`] naming the setting.
    pub fn check(&self) -> Result<NbValidParams> {
        self.vectorizer.check()?;
        if self.chi2_features == Some(0) {
            return Err(Error::param("chi2_features", "0 (expected at least 1)"));
        }
        if let Some(t) = self.gate_threshold {
            if !(t > 0.0 && t < 1.0) {
                return Err(Error::param(
                    "gate_threshold",
                    format!("{t} (expected a probability strictly between 0 and 1)"),
                ));
            }
        }
        let name = self.gate_name.as_str();
        if name.trim().is_empty() || name.chars().any(char::is_control) {
            return Err(Error::param(
                "gate_name",
                format!("{name:?} (expected a name without control characters)"),
            ));
        }
        if RECORD_FIELDS.contains(&name) {
            return Err(Error::param(
                "gate_name",
                format!("'{name}' is already a field of every record"),
            ));
        }
        let nb = self.nb.clone().check()?;
        for (r, name) in [(&self.refine, "refine"), (&self.gate_refine, "gate_refine")] {
            r.check()?;
            if r.is_on() && nb.kind() != NbKind::Multinomial {
                return Err(Error::param(
                    name,
                    "the perceptron refines multinomial naive Bayes only",
                ));
            }
        }
        Ok(nb)
    }

    /// The settings on one line, `name=value` pairs (for reports).
    pub fn describe(&self) -> String {
        let (a, v, nb) = (&self.analyzer, &self.vectorizer, self.nb.clone().check());
        let nb = match nb {
            Ok(nb) => format!(
                "nb={} alpha={} priors={:?} weight_norm={}",
                nb.kind(),
                nb.alpha(),
                nb.priors(),
                nb.weight_norm()
            ),
            Err(e) => format!("nb=invalid ({e})"),
        };
        let gate = match &self.none_label {
            Some(n) => format!(
                " none_label={n} gate_priors={} gate_threshold={} gate_min_terms={} gate_name={}",
                self.gate_priors,
                self.gate_threshold
                    .map_or("auto".to_string(), |t| t.to_string()),
                self.gate_min_terms,
                self.gate_name
            ),
            None => String::new(),
        };
        let gate = if self.none_label.is_some() && self.gate_refine.is_on() {
            format!("{gate} gate_refine={}", self.gate_refine.describe())
        } else {
            gate
        };
        let nb = if self.refine.is_on() {
            format!("{nb} refine={}", self.refine.describe())
        } else {
            nb
        };
        format!(
            "stemmer={} fold_teh_marbuta={} ngrams=1..{} min_df={} max_df={} max_features={} chi2_features={} weighting={} sublinear_tf={} l2_norm={} {nb}{gate}",
            a.stemmer,
            a.normalize.fold_teh_marbuta,
            v.ngram_max,
            v.min_df,
            v.max_df,
            v.max_features.map_or("all".to_string(), |n| n.to_string()),
            self.chi2_features
                .map_or("all".to_string(), |n| n.to_string()),
            v.weighting,
            v.sublinear_tf,
            v.l2_norm,
        )
    }

    /// The parameters as pretty JSON (what [`TrainParams::from_json_file`] reads).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// The default settings of `tasnif train`: no stemming, word unigrams
    /// cut to the 20,000 of largest χ², raw term frequency × idf with l2
    /// norm, multinomial NB with α = 0.03 and fitted priors.
    ///
    /// Chosen by `tasnif tune` (5-fold cross-validation, seed 42) on the
    /// reference training split only, never the test split: the best of the
    /// search's word-unigram settings (see the README, "Tuning"). Settings
    /// with word bigrams scored higher but break the training speed and
    /// memory targets; they are options.
    pub fn new() -> TrainParams {
        TrainParams {
            analyzer: AnalyzerConfig {
                stemmer: crate::text::StemmerKind::None,
                ..AnalyzerConfig::default()
            },
            vectorizer: VectorizerParams {
                sublinear_tf: false,
                ..VectorizerParams::default()
            },
            nb: NbParams::new()
                .kind(crate::nb::NbKind::Multinomial)
                .alpha(0.03),
            refine: RefineParams::default(),
            gate_refine: RefineParams::default(),
            chi2_features: Some(20_000),
            none_label: None,
            gate_priors: Priors::Fitted,
            gate_threshold: None,
            gate_min_terms: 3,
            gate_name: "topic".to_string(),
            min_docs_per_label: 2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_gate_name_must_not_be_a_record_field() {
        let mut p = TrainParams::new();
        for bad in ["label", "error", "", " ", "a\u{1}b"] {
            p.gate_name = bad.to_string();
            let e = p.check().expect_err(bad).to_string();
            assert!(e.contains("gate_name"), "{e}");
        }
        p.gate_name = "cyber".into();
        assert!(p.check().is_ok());
        p.gate_threshold = Some(1.0);
        assert!(p
            .check()
            .expect_err("1")
            .to_string()
            .contains("gate_threshold"));
        p.gate_threshold = Some(0.25);
        assert!(p.check().is_ok());
    }
}
