//! Naive Bayes hyper-parameters: which model, smoothing, priors, and how the
//! fitted weights were refined. Unchecked [`NbParams`] → [`ParamGuard::check`]
//! → [`NbValidParams`], the only kind that can fit. The refinement itself is
//! training's (`crate::train::refine`); a model keeps its settings.

use std::fmt;
use std::str::FromStr;

use linfa::ParamGuard;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// Which naive Bayes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum NbKind {
    /// Multinomial NB: score(c) = log P(c) + Σ_t x_t log θ_ct,
    /// θ_ct = (N_ct + α) / (N_c + α V).
    #[cfg_attr(feature = "cli", value(help = "Multinomial naive Bayes"))]
    Multinomial,
    /// Complement NB (Rennie et al. 2003): weights estimated from the counts of
    /// every *other* class, θ̃_ct = (Ñ_ct + α) / (Ñ_c + α V); score(c) =
    /// Σ_t x_t w_ct with w_ct = −log θ̃_ct, or with weight normalization
    /// w_ct = log θ̃_ct / Σ_k log θ̃_ck. Priors are not used (as in Rennie et
    /// al. and scikit-learn's ComplementNB).
    #[default]
    #[cfg_attr(
        feature = "cli",
        value(help = "Complement naive Bayes (Rennie et al. 2003)")
    )]
    Complement,
}

impl fmt::Display for NbKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            NbKind::Multinomial => "multinomial",
            NbKind::Complement => "complement",
        })
    }
}

impl FromStr for NbKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<NbKind> {
        match s {
            "multinomial" => Ok(NbKind::Multinomial),
            "complement" => Ok(NbKind::Complement),
            _ => Err(Error::param(
                "nb",
                format!("'{s}' (expected multinomial or complement)"),
            )),
        }
    }
}

/// Class priors of the multinomial model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
#[serde(rename_all = "lowercase")]
pub enum Priors {
    /// log P(c) = log(documents of c / documents).
    #[default]
    #[cfg_attr(
        feature = "cli",
        value(help = "The share of each label's documents in the training data")
    )]
    Fitted,
    /// log P(c) = log(1 / classes).
    #[cfg_attr(feature = "cli", value(help = "Even odds: the text alone decides"))]
    Uniform,
}

impl fmt::Display for Priors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Priors::Fitted => "fitted",
            Priors::Uniform => "uniform",
        })
    }
}

impl FromStr for Priors {
    type Err = Error;
    fn from_str(s: &str) -> Result<Priors> {
        match s {
            "fitted" => Ok(Priors::Fitted),
            "uniform" => Ok(Priors::Uniform),
            _ => Err(Error::param(
                "priors",
                format!("'{s}' (expected fitted or uniform)"),
            )),
        }
    }
}

/// Unchecked hyper-parameters; [`ParamGuard::check`] turns them into [`NbValidParams`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NbParams(NbValidParams);

/// Checked hyper-parameters: the only kind that can fit. In a configuration
/// file, missing fields take the defaults of [`NbParams::new`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct NbValidParams {
    kind: NbKind,
    alpha: f64,
    priors: Priors,
    weight_norm: bool,
}

impl Default for NbValidParams {
    fn default() -> Self {
        NbParams::new().0
    }
}

impl Default for NbParams {
    fn default() -> Self {
        NbParams::new()
    }
}

impl NbParams {
    /// Defaults: complement NB, α = 1, fitted priors, no weight normalization.
    pub fn new() -> NbParams {
        NbParams(NbValidParams {
            kind: NbKind::Complement,
            alpha: 1.0,
            priors: Priors::Fitted,
            weight_norm: false,
        })
    }

    /// Which naive Bayes. Default complement.
    pub fn kind(mut self, kind: NbKind) -> Self {
        self.0.kind = kind;
        self
    }

    /// Additive (Lidstone) smoothing α. Default 1.0; finite and > 0.
    pub fn alpha(mut self, alpha: f64) -> Self {
        self.0.alpha = alpha;
        self
    }

    /// Fitted or uniform class priors (multinomial only). Default fitted.
    pub fn priors(mut self, priors: Priors) -> Self {
        self.0.priors = priors;
        self
    }

    /// Rennie's weight normalization (complement only). Default false.
    pub fn weight_norm(mut self, on: bool) -> Self {
        self.0.weight_norm = on;
        self
    }
}

impl NbValidParams {
    /// Which naive Bayes.
    pub fn kind(&self) -> NbKind {
        self.kind
    }
    /// Smoothing α.
    pub fn alpha(&self) -> f64 {
        self.alpha
    }
    /// Class priors (multinomial).
    pub fn priors(&self) -> Priors {
        self.priors
    }
    /// Weight normalization (complement).
    pub fn weight_norm(&self) -> bool {
        self.weight_norm
    }
}

impl ParamGuard for NbParams {
    type Checked = NbValidParams;
    type Error = Error;

    fn check_ref(&self) -> Result<&NbValidParams> {
        let a = self.0.alpha;
        if !(a.is_finite() && a > 0.0) {
            return Err(Error::param(
                "alpha",
                format!("{a} (expected a finite number > 0)"),
            ));
        }
        Ok(&self.0)
    }

    fn check(self) -> Result<NbValidParams> {
        self.check_ref()?;
        Ok(self.0)
    }
}

/// Whether and how naive Bayes weights are refined after fitting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
#[cfg_attr(feature = "cli", derive(clap::ValueEnum))]
pub enum RefineKind {
    /// NB's weights as fitted. Default.
    #[default]
    None,
    /// An averaged perceptron with leave-one-out scoring (see
    /// `crate::train::refine`). Multinomial NB, or complement NB without
    /// weight normalization.
    Perceptron,
}

impl FromStr for RefineKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<RefineKind> {
        match s {
            "none" => Ok(RefineKind::None),
            "perceptron" => Ok(RefineKind::Perceptron),
            _ => Err(Error::param(
                "refine",
                format!("'{s}' (expected none or perceptron)"),
            )),
        }
    }
}

impl fmt::Display for RefineKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            RefineKind::None => "none",
            RefineKind::Perceptron => "perceptron",
        })
    }
}

/// The refinement's settings (see `crate::train::refine`). Written and read
/// as JSON inside training settings; missing fields take the defaults of
/// [`RefineParams::perceptron`].
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RefineParams {
    /// None (default) or perceptron.
    pub kind: RefineKind,
    /// Passes over the training documents, at least 1. Default 3.
    pub epochs: u32,
    /// A document whose label beats the runner-up by no more than this
    /// (in log-likelihood units) causes an update, ≥ 0. Default 5.
    pub margin: f64,
    /// How far one update moves the weights (a multiple of the document's
    /// feature values), > 0. Default 1.
    pub step: f64,
    /// Seed of the order of the documents in each pass. Default 0.
    pub seed: u64,
    /// Class balance: a document's updates are scaled by (n / (K·n_c))^b,
    /// n documents in all, K labels, n_c of the document's label, so that
    /// the updates of large labels do not drown small ones; ≥ 0 (0: every
    /// update the same size). Default 0.25.
    pub balance: f64,
    /// Refine only when every label has at least this many training
    /// documents; with fewer, the naive Bayes weights are kept (on the
    /// reference split's learning curve the perceptron lowered macro-F1
    /// below about 150 documents per label and raised it above). 0 always
    /// refines. Default 150.
    pub min_docs: u64,
}

impl Default for RefineParams {
    fn default() -> Self {
        RefineParams {
            kind: RefineKind::None,
            ..RefineParams::perceptron()
        }
    }
}

impl RefineParams {
    /// The perceptron with its default settings: 3 passes, margin 5, step
    /// 1, seed 0, class balance 0.25, chosen by 5-fold cross-validation on
    /// the reference training split only (`tasnif tune --space refine`),
    /// and only with at least 150 training documents in every label (the
    /// learning curve); see docs/accuracy.md.
    pub fn perceptron() -> RefineParams {
        RefineParams {
            kind: RefineKind::Perceptron,
            epochs: 3,
            margin: 5.0,
            step: 1.0,
            seed: 0,
            balance: 0.25,
            min_docs: 150,
        }
    }

    /// No refinement as a model records it. Its perceptron fields are fixed
    /// (4 passes, margin 2, step 1, seed 0, no class balance, no least
    /// documents: the first defaults), so that the bytes of a model without
    /// refinement never depend on the perceptron's defaults.
    pub fn off() -> RefineParams {
        RefineParams {
            kind: RefineKind::None,
            epochs: 4,
            margin: 2.0,
            step: 1.0,
            seed: 0,
            balance: 0.0,
            min_docs: 0,
        }
    }

    /// What a model records of these settings, trained on labels whose
    /// smallest has `smallest` documents: these settings when they refine
    /// it; [`RefineParams::off`] when they are off; and when the labels are
    /// too small for them, these settings with kind none (so that
    /// [`RefineParams::describe`] can say why).
    pub fn as_applied(&self, smallest: u64) -> RefineParams {
        if !self.is_on() {
            RefineParams::off()
        } else if smallest < self.min_docs {
            RefineParams {
                kind: RefineKind::None,
                ..*self
            }
        } else {
            *self
        }
    }

    /// True when a model's recorded refinement (see
    /// [`RefineParams::as_applied`]) was asked for but skipped because a
    /// label had fewer than `min_docs` training documents.
    pub fn skipped_for_size(&self) -> bool {
        self.kind == RefineKind::None && self.min_docs > 0
    }

    /// True when the weights are refined.
    pub fn is_on(&self) -> bool {
        self.kind != RefineKind::None
    }

    /// Checks the ranges.
    ///
    /// # Errors
    /// An [`crate::ErrorKind::InvalidParam`] naming the setting.
    pub fn check(&self) -> Result<()> {
        if self.epochs == 0 {
            return Err(Error::param("refine.epochs", "0 (expected at least 1)"));
        }
        if !(self.margin.is_finite() && self.margin >= 0.0) {
            return Err(Error::param(
                "refine.margin",
                format!("{} (expected a finite number ≥ 0)", self.margin),
            ));
        }
        if !(self.balance.is_finite() && self.balance >= 0.0) {
            return Err(Error::param(
                "refine.balance",
                format!("{} (expected a finite number ≥ 0)", self.balance),
            ));
        }
        if !(self.step.is_finite() && self.step > 0.0) {
            return Err(Error::param(
                "refine.step",
                format!("{} (expected a finite number > 0)", self.step),
            ));
        }
        Ok(())
    }

    /// The settings on one line (for reports and `inspect`); for a model's
    /// recorded refinement, also whether it was skipped for small labels.
    pub fn describe(&self) -> String {
        match self.kind {
            RefineKind::None if self.skipped_for_size() => format!(
                "none (the perceptron refines only when every label has at least {} training documents)",
                self.min_docs
            ),
            RefineKind::None => "none".to_string(),
            RefineKind::Perceptron => {
                let mut s = format!(
                    "perceptron epochs={} margin={} step={} seed={}",
                    self.epochs, self.margin, self.step, self.seed
                );
                if self.balance != 0.0 {
                    s.push_str(&format!(" balance={}", self.balance));
                }
                if self.min_docs != 0 {
                    s.push_str(&format!(" min_docs={}", self.min_docs));
                }
                s
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_model_records_the_refinement_as_applied() {
        let p = RefineParams::perceptron();
        assert_eq!(p.min_docs, 150);
        // enough documents: refined as asked
        assert_eq!(p.as_applied(150), p);
        // too few: kind none, the settings kept so that it can say why
        let skipped = p.as_applied(149);
        assert_eq!(skipped.kind, RefineKind::None);
        assert!(skipped.skipped_for_size());
        assert!(
            skipped.describe().contains("at least 150"),
            "{}",
            skipped.describe()
        );
        // off: always the same record, whatever the other fields
        let off = RefineParams {
            kind: RefineKind::None,
            epochs: 9,
            ..p
        };
        assert_eq!(off.as_applied(10_000), RefineParams::off());
        assert!(!RefineParams::off().skipped_for_size());
        assert_eq!(RefineParams::off().describe(), "none");
        // 0 always refines
        let always = RefineParams { min_docs: 0, ..p };
        assert_eq!(always.as_applied(2), always);
        assert_eq!(
            always.describe(),
            "perceptron epochs=3 margin=5 step=1 seed=0 balance=0.25"
        );
    }
}
