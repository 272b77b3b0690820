//! The HTTP service behind `tasnif serve`: label articles as they arrive.
//!
//! * `POST /v1/label`: one article `{"id": ..., "text": ...}`, an array of
//!   them (or `{"articles": [...]}`), or JSON lines
//!   (`Content-Type: application/x-ndjson`); the answer holds the records
//!   `tasnif label` writes, byte for byte ([`crate::record`]). Options
//!   `top_k`, `explain`, `multi`, `threshold` and `gate_threshold` come in
//!   the query string or in the body object.
//! * `GET /v1/model`: what `tasnif inspect` says, as JSON.
//! * `GET /healthz`, `GET /readyz`, `GET /metrics` (Prometheus text),
//!   `GET /openapi.json`.
//!
//! The pieces: [`state`] (the model, swapped whole on reload, and what
//! requests share), [`limits`] (admission, queue, connections), [`metrics`]
//! and [`api`] (the handlers). The command line adds the process around
//! them: binding, signals, logs.
//!
//! ```
//! use std::sync::Arc;
//! use tasnif::serve::{router, Limits, Loaded, State};
//! let model = Loaded::from_bytes(tasnif::DEFAULT_MODEL, "bundled")?;
//! let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().expect("threads");
//! let state = Arc::new(State::new(model, None, Limits::default(), pool, None));
//! let app: axum::Router = router(state);
//! # Ok::<(), tasnif::Error>(())
//! ```

pub mod api;
pub mod limits;
pub mod metrics;
pub mod state;

use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;
use serde_json::{json, Value};

pub use limits::{LimitedListener, Limits};
pub use state::{Loaded, Reloaded, State};

/// The service's routes over `state`, with the middleware that checks the
/// token, counts and logs each request.
pub fn router(state: Arc<State>) -> Router {
    Router::new()
        .route("/v1/label", post(api::label))
        .route("/v1/model", get(api::model))
        .route("/healthz", get(api::healthz))
        .route("/readyz", get(api::readyz))
        .route("/metrics", get(api::metrics))
        .route("/openapi.json", get(api::openapi))
        .fallback(api::not_found)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            api::access,
        ))
        .with_state(state)
}

/// What `tasnif inspect` says of a model, as JSON: its identity (SHA-256,
/// source, load time), settings, gate, vocabulary, training documents per
/// label, and the `top_terms` most indicative terms of each label.
pub fn describe(loaded: &Loaded, top_terms: usize) -> Value {
    let m = &loaded.model;
    let an = m.vectorizer().analyzer().config();
    let vp = m.vectorizer().params();
    let nb = m.nb().params();
    let gate = match (m.gate(), m.gate_settings()) {
        (Some((g, none)), Some((threshold, min_terms, name))) => {
            let gnb = g.nb().params();
            json!({
                "none_label": none,
                "field": name,
                "threshold": threshold,
                "min_terms": min_terms,
                "vocabulary": g.vectorizer().vocabulary().len(),
                "naive_bayes": {
                    "kind": gnb.kind().to_string(),
                    "alpha": gnb.alpha(),
                    "priors": format!("{:?}", gnb.priors()),
                    "probability_scale": g.scale(),
                },
                "refinement": g.refinement().describe(),
            })
        }
        _ => Value::Null,
    };
    let names = m.labels().names();
    let docs = &m.summary().docs_per_label;
    let labels: Vec<Value> = names
        .iter()
        .zip(docs)
        .map(|(n, d)| json!({"name": n, "documents": d}))
        .collect();
    let terms: serde_json::Map<String, Value> = if top_terms == 0 {
        serde_json::Map::new()
    } else {
        names
            .iter()
            .zip(m.top_terms(top_terms))
            .map(|(n, t)| {
                let list: Vec<Value> = t
                    .iter()
                    .map(|(term, w)| json!({"term": term, "weight": w}))
                    .collect();
                (n.clone(), Value::from(list))
            })
            .collect()
    };
    json!({
        "sha256": loaded.sha256,
        "source": loaded.source,
        "loaded_at": loaded.loaded_at,
        "format_version": crate::model::FORMAT_VERSION,
        "analyzer": {
            "stemmer": an.stemmer.to_string(),
            "fold_teh_marbuta": an.normalize.fold_teh_marbuta,
            "stopwords": an.remove_stopwords,
            "min_token_chars": an.min_token_chars,
        },
        "features": {
            "ngram_max": vp.ngram_max,
            "min_df": vp.min_df,
            "max_df": vp.max_df,
            "max_features": vp.max_features,
            "weighting": vp.weighting.to_string(),
            "sublinear_tf": vp.sublinear_tf,
            "l2_norm": vp.l2_norm,
        },
        "naive_bayes": {
            "kind": nb.kind().to_string(),
            "alpha": nb.alpha(),
            "priors": format!("{:?}", nb.priors()),
            "weight_norm": nb.weight_norm(),
            "probability_scale": m.scale(),
        },
        "refinement": m.refinement().describe(),
        "gate": gate,
        "vocabulary": {
            "terms": m.summary().vocabulary_size,
            "seen": m.summary().terms_seen,
        },
        "documents": docs.iter().sum::<u64>(),
        "labels": labels,
        "top_terms": terms,
    })
}
