//! The annotation workbench: from an unlabeled archive to a good model by
//! labeling the articles worth labeling first.
//!
//! * [`pool`]: the articles to choose from, analyzed once, with what the
//!   choice needs before any label (density, a diverse seed set);
//! * [`select`]: the model of the labels so far and the strategies that
//!   rank the pool with it (uncertainty, margin, entropy, a committee,
//!   random);
//! * [`estimate`]: the cross-validated macro-F1 of the labels so far and
//!   their learning curve;
//! * [`simulate`]: active learning measured against random sampling, with
//!   the data's own labels as the oracle;
//! * `store` (feature `annotate`): the project, one SQLite file: the pool's
//!   ids and content hashes, the label set and its versions, every label
//!   with its annotator, time and history, and the leases that keep two
//!   annotators off the same article;
//! * `web` (feature `annotate`): the workbench page and its HTTP API.
//!
//! Like the command line, this sits above the library: it trains through
//! [`crate::train::TrainingSet`] and measures through [`crate::eval`].

pub mod estimate;
pub mod pool;
pub mod report;
pub mod select;
pub mod simulate;
#[cfg(feature = "annotate")]
pub mod store;
#[cfg(feature = "annotate")]
pub mod web;

pub use pool::Pool;
pub use select::{rank, NextOptions, PoolModel, Reason, Strategy, Suggestion};
pub use simulate::{chosen_labels, simulate, ActiveLearningReport, SimOptions};
