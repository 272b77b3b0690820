//! What the service shares between requests: the model being served
//! (swapped whole on reload), the limits, the counters and the access token.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};

use arc_swap::ArcSwap;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::limits::{Admission, Limits};
use super::metrics::{Gauges, Metrics};
use crate::error::Result;
use crate::model::Classifier;

/// A model and what identifies it. A request holds an `Arc` to the one it
/// started with, so a reload never changes a model under a request.
#[derive(Debug)]
pub struct Loaded {
    /// The model.
    pub model: Classifier,
    /// The SHA-256 of its file, in lowercase hex (what `sha256sum` prints).
    pub sha256: String,
    /// Its path, or `bundled` for the model built into tasnif.
    pub source: String,
    /// When it was loaded, in seconds since the Unix epoch.
    pub loaded_at: f64,
}

impl Loaded {
    /// The model of the file bytes `bytes`, from `source`.
    ///
    /// # Errors
    /// See [`Classifier::from_bytes`].
    pub fn from_bytes(bytes: &[u8], source: &str) -> Result<Loaded> {
        Ok(Loaded {
            model: Classifier::from_bytes(bytes)?,
            sha256: hex(&Sha256::digest(bytes)),
            source: source.to_string(),
            loaded_at: SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0.0, |d| d.as_secs_f64()),
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What a reload did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reloaded {
    /// A new model serves from now on; its SHA-256.
    Swapped { old: String, new: String },
    /// The file holds the model already being served.
    Unchanged,
    /// The service serves the bundled model, which has no file to reload.
    NoFile,
}

/// The last reload's outcome, as `GET /v1/model` reports it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ReloadStatus {
    /// When it happened, in seconds since the Unix epoch.
    pub at: f64,
    /// `ok`, `unchanged` or `error`.
    pub result: &'static str,
    /// Why it failed.
    pub error: Option<String>,
}

/// The state shared by every request.
pub struct State {
    model: ArcSwap<Loaded>,
    path: Option<PathBuf>,
    /// The service's limits.
    pub limits: Limits,
    /// Admission of requests to label.
    pub admission: Admission,
    /// The counters.
    pub metrics: Metrics,
    /// Threads that score the articles of large requests.
    pub pool: rayon::ThreadPool,
    token: Option<Vec<u8>>,
    draining: AtomicBool,
    refused_connections: Mutex<Option<Arc<AtomicUsize>>>,
    last_reload: Mutex<Option<ReloadStatus>>,
    reloading: Mutex<()>,
}

impl std::fmt::Debug for State {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("State")
            .field("source", &self.model.load().source)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl State {
    /// The state of a service that serves `model`, reloads it from `path`
    /// (none for the bundled model), scores large requests on `pool`,
    /// within `limits`, and asks for the bearer `token` when there is one.
    pub fn new(
        model: Loaded,
        path: Option<PathBuf>,
        limits: Limits,
        pool: rayon::ThreadPool,
        token: Option<Vec<u8>>,
    ) -> State {
        State {
            model: ArcSwap::from_pointee(model),
            path,
            admission: Admission::new(limits.max_concurrent, limits.queue),
            limits,
            metrics: Metrics::default(),
            pool,
            token,
            draining: AtomicBool::new(false),
            refused_connections: Mutex::new(None),
            last_reload: Mutex::new(None),
            reloading: Mutex::new(()),
        }
    }

    /// The model being served now.
    pub fn model(&self) -> Arc<Loaded> {
        self.model.load_full()
    }

    /// The model file the service reloads, if any.
    pub fn path(&self) -> Option<&std::path::Path> {
        self.path.as_deref()
    }

    /// Reads the model file again and, if it holds a valid model other than
    /// the one being served, serves it from now on. Requests already
    /// started finish with the model they started with. On any error the
    /// model being served stays. Blocks while it reads and decodes the file
    /// (call it off the async threads); reloads never overlap.
    ///
    /// # Errors
    /// The file cannot be read or is not a valid model; the error names it.
    pub fn reload(&self) -> Result<Reloaded> {
        let _one_at_a_time = self.reloading.lock().unwrap_or_else(|p| p.into_inner());
        let Some(path) = &self.path else {
            return Ok(Reloaded::NoFile);
        };
        let source = path.display().to_string();
        let outcome = crate::corpus::read_whole(path)
            .and_then(|b| Loaded::from_bytes(&b, &source).map_err(|e| e.with_path(path)));
        let old = self.model();
        let (status, result) = match outcome {
            Ok(new) if new.sha256 == old.sha256 => (("unchanged", None), Ok(Reloaded::Unchanged)),
            Ok(new) => {
                let r = Reloaded::Swapped {
                    old: old.sha256.clone(),
                    new: new.sha256.clone(),
                };
                self.model.store(Arc::new(new));
                (("ok", None), Ok(r))
            }
            Err(e) => (("error", Some(e.to_string())), Err(e)),
        };
        self.metrics.reload(result.is_ok());
        let at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        *self.last_reload.lock().unwrap_or_else(|p| p.into_inner()) = Some(ReloadStatus {
            at,
            result: status.0,
            error: status.1,
        });
        result
    }

    /// The last reload's outcome.
    pub fn last_reload(&self) -> Option<ReloadStatus> {
        self.last_reload
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// True when `header` (an `Authorization` header's value) carries the
    /// service's bearer token, compared in constant time; always true when
    /// the service has no token.
    pub fn authorized(&self, header: Option<&[u8]>) -> bool {
        let Some(token) = &self.token else {
            return true;
        };
        let given = header
            .and_then(|h| h.strip_prefix(b"Bearer "))
            .unwrap_or_default();
        // ct_eq on slices of different lengths is false without looking at
        // the bytes; the length of a token is no secret worth keeping
        bool::from(given.ct_eq(token))
    }

    /// Whether a token is required.
    pub fn has_token(&self) -> bool {
        self.token.is_some()
    }

    /// From now on, `/readyz` says 503 and new requests to label are refused.
    pub fn start_draining(&self) {
        self.draining.store(true, Ordering::Release);
    }

    /// Whether the service is shutting down.
    pub fn draining(&self) -> bool {
        self.draining.load(Ordering::Acquire)
    }

    /// Shares the listener's count of refused connections with `/metrics`.
    pub fn count_refused_connections(&self, counter: Arc<AtomicUsize>) {
        *self
            .refused_connections
            .lock()
            .unwrap_or_else(|p| p.into_inner()) = Some(counter);
    }

    /// `/metrics`, rendered now.
    pub fn render_metrics(&self) -> String {
        let m = self.model();
        let refused = self
            .refused_connections
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .as_ref()
            .map_or(0, |c| c.load(Ordering::Relaxed) as u64);
        self.metrics.render(&Gauges {
            sha256: &m.sha256,
            source: &m.source,
            loaded_at: m.loaded_at,
            in_flight: self.admission.busy(self.limits.max_concurrent),
            queued: self.admission.waiting(),
            refused_connections: refused,
            ready: !self.draining(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn state(token: Option<&str>) -> State {
        let model = Loaded::from_bytes(crate::DEFAULT_MODEL, "bundled").expect("model");
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .expect("pool");
        State::new(
            model,
            None,
            Limits::default(),
            pool,
            token.map(|t| t.as_bytes().to_vec()),
        )
    }

    #[test]
    fn the_token_must_match_exactly() {
        let s = state(Some("s3cret"));
        assert!(s.authorized(Some(b"Bearer s3cret")));
        for bad in [
            &b"Bearer s3cre"[..],
            b"Bearer s3cret ",
            b"bearer s3cret",
            b"s3cret",
            b"Bearer ",
            b"",
        ] {
            assert!(
                !s.authorized(Some(bad)),
                "{:?}",
                String::from_utf8_lossy(bad)
            );
        }
        assert!(!s.authorized(None));
        assert!(state(None).authorized(None));
    }

    #[test]
    fn the_bundled_model_has_no_file_to_reload_and_a_checksum() {
        let s = state(None);
        assert_eq!(s.reload().expect("no error"), Reloaded::NoFile);
        let m = s.model();
        assert_eq!(m.sha256.len(), 64);
        assert_eq!(m.sha256, hex(&Sha256::digest(crate::DEFAULT_MODEL)));
    }
}
