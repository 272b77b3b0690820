//! How far long work has got: a callback the library calls as it goes,
//! which the command line draws as a progress bar on a terminal and a
//! library user may ignore ([`Silent`]). Reporting never changes a result.

/// Receives the progress of long work (training, cross-validation,
/// tuning, the learning curve). Called from worker threads, hence `Sync`.
/// Both methods do nothing by default.
///
/// ```
/// use std::sync::atomic::{AtomicU64, Ordering};
/// use tasnif::progress::Progress;
///
/// #[derive(Default)]
/// struct Count(AtomicU64);
/// impl Progress for Count {
///     fn advance(&self, n: u64) {
///         self.0.fetch_add(n, Ordering::Relaxed);
///     }
/// }
/// let c = Count::default();
/// c.start("documents", 2);
/// c.advance(1);
/// c.advance(1);
/// assert_eq!(c.0.load(Ordering::Relaxed), 2);
/// ```
pub trait Progress: Sync {
    /// A stage of `total` steps begins (`0`: a stage whose length is not
    /// known); `what` names its steps (e.g. "documents read").
    fn start(&self, what: &str, total: u64) {
        let _ = (what, total);
    }

    /// `n` more steps of the current stage are done.
    fn advance(&self, n: u64) {
        let _ = n;
    }
}

/// Progress that nobody watches.
#[derive(Debug, Clone, Copy, Default)]
pub struct Silent;

impl Progress for Silent {}
