//! Training settings: what decides what a model learns, read from JSON
//! (`tasnif tune` writes it, `tasnif train --config` reads it) and checked
//! before anything is trained.

use std::path::Path;

use linfa::ParamGuard;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::features::VectorizerParams;
use crate::model::RECORD_FIELDS;
use crate::nb::{NbKind, NbParams, NbValidParams, Priors, RefineKind, RefineParams};
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
    /// model, or of a gated model's topic model). Default: the perceptron
    /// ([`RefineParams::perceptron`]).
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

/// Training settings that passed [`TrainParams::check`], with the checked
/// naive Bayes settings; what every fit takes, so that a fold or a round of
/// EM never checks again. Reads as the [`TrainParams`] it was made from.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidTrainParams {
    params: TrainParams,
    nb: NbValidParams,
}

impl ValidTrainParams {
    /// The checked naive Bayes settings.
    pub fn nb(&self) -> &NbValidParams {
        &self.nb
    }

    /// The settings as given.
    pub fn params(&self) -> &TrainParams {
        &self.params
    }

    /// These settings with `change` made to them, checked again.
    ///
    /// # Errors
    /// The changed settings are invalid.
    pub fn with(&self, change: impl FnOnce(&mut TrainParams)) -> Result<ValidTrainParams> {
        let mut p = self.params.clone();
        change(&mut p);
        p.check()
    }
}

impl std::ops::Deref for ValidTrainParams {
    type Target = TrainParams;

    fn deref(&self) -> &TrainParams {
        &self.params
    }
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
        let text = String::from_utf8(crate::corpus::read_whole(
            path,
            crate::corpus::FileKind::List,
        )?)
        .map_err(|_| Error::record(path, 1, "not valid UTF-8"))?;
        let given: serde_json::Value = serde_json::from_str(&text)
            .map_err(|e| Error::record(path, e.line() as u64, e.to_string()))?;
        // Fields left out, at any depth, keep the defaults of `tasnif train`.
        let mut defaults = TrainParams::new();
        if given["nb"]["weight_norm"] == serde_json::Value::Bool(true)
            && given.get("refine").is_none()
        {
            // the perceptron does not refine normalized weights: weight
            // normalization asked for alone turns the default off
            defaults.refine.kind = RefineKind::None;
        }
        let mut merged =
            serde_json::to_value(defaults).map_err(|e| Error::param("config", e.to_string()))?;
        merge_json(&mut merged, given);
        let p: TrainParams =
            serde_json::from_value(merged).map_err(|e| Error::record(path, 1, e.to_string()))?;
        p.check().map_err(|e| e.with_path(path))?;
        Ok(p)
    }

    /// Checks every setting's range: what training takes.
    ///
    /// # Errors
    /// An [`ErrorKind::InvalidParam`] naming the setting.
    pub fn check(&self) -> Result<ValidTrainParams> {
        let nb = self.check_nb()?;
        Ok(ValidTrainParams {
            params: self.clone(),
            nb,
        })
    }

    fn check_nb(&self) -> Result<NbValidParams> {
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
            if r.is_on() {
                super::refine::check_kind(&nb).map_err(|e| match e.kind() {
                    crate::ErrorKind::InvalidParam { message, .. } => {
                        Error::param(name, message.clone())
                    }
                    _ => e,
                })?;
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
    /// norm, multinomial NB with α = 0.03 and fitted priors, refined by the
    /// perceptron ([`RefineParams::perceptron`]: 3 passes, margin 5, class
    /// balance 0.25).
    ///
    /// Chosen by 5-fold cross-validation (seed 42) on the reference
    /// training split only, never the test split (see docs/accuracy.md,
    /// "How the defaults were chosen"). Settings with word bigrams scored
    /// about the same and break the training speed and memory targets;
    /// they are options.
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
            refine: RefineParams::perceptron(),
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

/// Settings given one by one on top of the defaults or of a config file:
/// what the command line's flags and Python's keyword arguments set. Each
/// `None` (or `false`) leaves the base setting as it is.
///
/// ```
/// use linfa::ParamGuard;
/// use tasnif::train::{TrainOverrides, TrainParams};
/// use tasnif::text::StemmerKind;
/// let o = TrainOverrides {
///     stemmer: Some(StemmerKind::Light10),
///     alpha: Some(0.1),
///     ..TrainOverrides::default()
/// };
/// let p = o.apply(TrainParams::new())?;
/// assert_eq!(p.analyzer.stemmer, StemmerKind::Light10);
/// assert_eq!(p.nb.clone().check().map(|nb| nb.alpha()).ok(), Some(0.1));
/// # Ok::<(), tasnif::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TrainOverrides {
    /// The stemmer.
    pub stemmer: Option<crate::text::StemmerKind>,
    /// Keep ة distinct from ه.
    pub keep_teh_marbuta: bool,
    /// Longest word n-gram.
    pub ngrams: Option<u8>,
    /// Fewest training documents a term needs.
    pub min_df: Option<u32>,
    /// Largest share of training documents a term may have.
    pub max_df: Option<f64>,
    /// Keep only this many of the most frequent terms.
    pub max_features: Option<usize>,
    /// χ² selection: `Some(Some(k))` keeps k terms, `Some(None)` all.
    pub chi2: Option<Option<usize>>,
    /// The label of documents about none of the topics.
    pub none_label: Option<String>,
    /// The gate's class priors (needs a none label).
    pub gate_priors: Option<Priors>,
    /// The gate's threshold: `Some(None)` chosen at training, `Some(Some(p))`
    /// fixed (needs a none label).
    pub gate_threshold: Option<Option<f64>>,
    /// The gate's least Arabic terms (needs a none label).
    pub gate_min_terms: Option<usize>,
    /// The gate's name in records (needs a none label).
    pub gate_name: Option<String>,
    /// Feature weighting.
    pub weighting: Option<crate::features::Weighting>,
    /// 1 + ln(tf) instead of tf.
    pub sublinear_tf: Option<bool>,
    /// Vectors scaled to unit length.
    pub l2_norm: Option<bool>,
    /// Which naive Bayes.
    pub nb: Option<NbKind>,
    /// Smoothing α.
    pub alpha: Option<f64>,
    /// Uniform class priors (multinomial).
    pub uniform_priors: bool,
    /// Rennie's weight normalization (complement).
    pub weight_norm: bool,
    /// Refinement of the weights (of a one-stage model, or of a gated
    /// model's topic stage); the perceptron's settings below apply to it.
    pub refine: Option<RefineKind>,
    /// The perceptron's passes.
    pub refine_epochs: Option<u32>,
    /// The perceptron's margin.
    pub refine_margin: Option<f64>,
    /// The perceptron's step.
    pub refine_step: Option<f64>,
    /// The perceptron's class-balance exponent.
    pub refine_balance: Option<f64>,
    /// The seed of the perceptron's order of documents.
    pub refine_seed: Option<u64>,
    /// The perceptron's least documents per label.
    pub refine_min_docs: Option<u64>,
    /// Refinement of the gate's weights (needs a none label), with the
    /// gate's own settings (of the config file, or the defaults).
    pub gate_refine: Option<RefineKind>,
}

impl TrainOverrides {
    /// The defaults, or the settings of the JSON file `config`, with these
    /// on top, checked.
    ///
    /// # Errors
    /// The config file cannot be read or is invalid, a gate setting is
    /// given without a none label, or a setting is out of range.
    pub fn params(&self, config: Option<&Path>) -> Result<TrainParams> {
        let base = match config {
            Some(f) => TrainParams::from_json_file(f)?,
            None => TrainParams::new(),
        };
        self.apply(base)
    }

    /// `base` with these settings on top, checked.
    ///
    /// # Errors
    /// As [`TrainOverrides::params`].
    pub fn apply(&self, base: TrainParams) -> Result<TrainParams> {
        let mut p = base;
        if let Some(s) = self.stemmer {
            p.analyzer.stemmer = s;
        }
        if self.keep_teh_marbuta {
            p.analyzer.normalize.fold_teh_marbuta = false;
        }
        let v = &mut p.vectorizer;
        if let Some(n) = self.ngrams {
            v.ngram_max = n;
        }
        if let Some(n) = self.min_df {
            v.min_df = n;
        }
        if let Some(f) = self.max_df {
            v.max_df = f;
        }
        if self.max_features.is_some() {
            v.max_features = self.max_features;
        }
        if let Some(w) = self.weighting {
            v.weighting = w;
        }
        if let Some(s) = self.sublinear_tf {
            v.sublinear_tf = s;
        }
        if let Some(l) = self.l2_norm {
            v.l2_norm = l;
        }
        if let Some(k) = self.chi2 {
            p.chi2_features = k;
        }
        if let Some(n) = &self.none_label {
            p.none_label = Some(n.clone());
        }
        let gate = [
            ("gate_priors", self.gate_priors.is_some()),
            ("gate_threshold", self.gate_threshold.is_some()),
            ("gate_min_terms", self.gate_min_terms.is_some()),
            ("gate_name", self.gate_name.is_some()),
            ("gate_refine", self.gate_refine.is_some()),
        ];
        if let Some((setting, _)) = gate.iter().find(|(_, given)| *given) {
            if p.none_label.is_none() {
                return Err(Error::new(crate::ErrorKind::NoGate { setting }));
            }
        }
        if let Some(g) = self.gate_priors {
            p.gate_priors = g;
        }
        if let Some(t) = self.gate_threshold {
            p.gate_threshold = t;
        }
        if let Some(n) = self.gate_min_terms {
            p.gate_min_terms = n;
        }
        if let Some(n) = &self.gate_name {
            p.gate_name = n.clone();
        }
        if let Some(k) = self.gate_refine {
            p.gate_refine.kind = k;
        }
        let r = &mut p.refine;
        if let Some(k) = self.refine {
            r.kind = k;
        }
        if let Some(e) = self.refine_epochs {
            r.epochs = e;
        }
        if let Some(m) = self.refine_margin {
            r.margin = m;
        }
        if let Some(s) = self.refine_step {
            r.step = s;
        }
        if let Some(b) = self.refine_balance {
            r.balance = b;
        }
        if let Some(s) = self.refine_seed {
            r.seed = s;
        }
        if let Some(n) = self.refine_min_docs {
            r.min_docs = n;
        }
        let mut nb = p.nb.clone();
        if let Some(k) = self.nb {
            nb = nb.kind(k);
        }
        if let Some(a) = self.alpha {
            nb = nb.alpha(a);
        }
        if self.uniform_priors {
            nb = nb.priors(Priors::Uniform);
        }
        if self.weight_norm {
            nb = nb.weight_norm(true);
            if self.refine.is_none() {
                // the perceptron does not refine normalized weights: weight
                // normalization asked for alone turns the default off
                p.refine.kind = RefineKind::None;
            }
        }
        p.nb = nb;
        p.check()?;
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overrides_go_on_top_and_gate_settings_need_a_gate() {
        let base = TrainParams {
            chi2_features: Some(5),
            ..TrainParams::new()
        };
        let none = TrainOverrides::default()
            .apply(base.clone())
            .expect("nothing given");
        assert_eq!(none, base);
        let all = TrainOverrides {
            chi2: Some(None),
            none_label: Some("none".into()),
            gate_threshold: Some(Some(0.3)),
            sublinear_tf: Some(true),
            ..TrainOverrides::default()
        }
        .apply(base.clone())
        .expect("valid");
        assert_eq!(all.chi2_features, None);
        assert_eq!(all.gate_threshold, Some(0.3));
        assert!(all.vectorizer.sublinear_tf);
        let e = TrainOverrides {
            gate_name: Some("cyber".into()),
            ..TrainOverrides::default()
        }
        .apply(base.clone())
        .expect_err("no gate")
        .to_string();
        assert!(e.contains("gate_name") && e.contains("none_label"), "{e}");
        assert!(TrainOverrides {
            alpha: Some(-1.0),
            ..TrainOverrides::default()
        }
        .apply(base)
        .is_err());
    }

    #[test]
    fn weight_normalization_alone_turns_the_default_refinement_off() {
        assert!(TrainParams::new().refine.is_on(), "refined by default");
        let wn = TrainOverrides {
            nb: Some(NbKind::Complement),
            weight_norm: true,
            ..TrainOverrides::default()
        };
        let p = wn.params(None).expect("valid");
        assert_eq!(p.refine.kind, RefineKind::None);
        let asked = TrainOverrides {
            refine: Some(RefineKind::Perceptron),
            ..wn.clone()
        };
        let e = asked.params(None).expect_err("refused").to_string();
        assert!(e.contains("without weight normalization"), "{e}");
        let dir = tempfile::tempdir().expect("temp");
        let file = |name: &str, json: &str| {
            let path = dir.path().join(name);
            std::fs::write(&path, json).expect("write");
            TrainParams::from_json_file(&path)
        };
        let alone = file(
            "alone.json",
            r#"{"nb": {"kind": "complement", "weight_norm": true}}"#,
        )
        .expect("valid");
        assert_eq!(alone.refine.kind, RefineKind::None);
        let e = file(
            "both.json",
            r#"{"nb": {"kind": "complement", "weight_norm": true}, "refine": {"kind": "perceptron"}}"#,
        )
        .expect_err("refused")
        .to_string();
        assert!(e.contains("both.json") && e.contains("refine"), "{e}");
        // a partial refinement takes the other fields from the defaults
        let partial = file("partial.json", r#"{"refine": {"margin": 2}}"#).expect("valid");
        assert_eq!(
            partial.refine,
            RefineParams {
                margin: 2.0,
                ..RefineParams::perceptron()
            }
        );
    }

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

    #[test]
    fn checked_settings_read_as_given_and_changes_are_checked_again() {
        let mut p = TrainParams::new();
        p.nb = p.nb.clone().alpha(0.25);
        let v = p.check().expect("valid");
        assert_eq!(v.params(), &p);
        assert_eq!(v.nb().alpha(), 0.25);
        assert_eq!(v.min_docs_per_label, p.min_docs_per_label);
        let w = v.with(|q| q.nb = q.nb.clone().alpha(0.5)).expect("valid");
        assert_eq!(w.nb().alpha(), 0.5);
        let e = v
            .with(|q| q.gate_threshold = Some(2.0))
            .expect_err("out of range")
            .to_string();
        assert!(e.contains("gate_threshold"), "{e}");
    }
}
