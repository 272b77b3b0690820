//! # tasnif — topic classification of Arabic news
//!
//! tasnif (تصنيف, "classification") tags Arabic news articles with topics:
//! Arabic normalization → tokenization → stopwords → light stemming →
//! TF-IDF (frozen at training) → naive Bayes (multinomial or complement) →
//! labels with probabilities, top-k and the terms that drove each decision.
//!
//! ```
//! use tasnif::model::{Classifier, PredictOptions, PredictScratch};
//! let model = Classifier::from_bytes(tasnif::DEFAULT_MODEL)?;
//! let mut scratch = PredictScratch::default();
//! let p = model.predict("تسريب بيانات ملايين المستخدمين بعد اختراق", &mut scratch, &PredictOptions::default());
//! assert!((p.probabilities.iter().sum::<f64>() - 1.0).abs() < 1e-9);
//! # Ok::<(), tasnif::Error>(())
//! ```

pub mod annotate;
pub mod atomic;
pub mod batch;
pub mod corpus;
pub mod error;
pub mod eval;
pub mod features;
pub mod labels;
pub mod model;
pub mod nb;
pub mod progress;
pub mod record;
#[cfg(feature = "serve")]
pub mod serve;
pub mod text;
pub mod train;

pub use error::{Error, ErrorKind, Result};

/// The default model shipped with tasnif: Arabic cybersecurity news topics
/// (partnership, leak, policy, attack, other); see `models/README.md`.
pub const DEFAULT_MODEL: &[u8] = include_bytes!("../models/default.tasnif");
