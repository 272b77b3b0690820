//! The workbench page and its HTTP API (`tasnif annotate serve`): one
//! self-contained page (`page.html`, embedded in the binary) over a small
//! JSON API, served by axum.
//!
//! * `GET /` the page; `GET /api/project` the labels;
//! * `GET /api/next?annotator=NAME` the article to label: the one leased to
//!   that annotator, else the best of the current ranking that nobody has
//!   labeled, skipped or leased (the lease is taken in SQLite, so two
//!   annotators, or two servers on one file, never get the same article);
//! * `POST /api/label`, `/api/skip` (`{annotator, doc, label, note}`):
//!   answered once the action is committed, with the next article;
//! * `POST /api/undo` (`{annotator}`): the undone article comes back;
//! * `GET /api/stats`: labels so far, the estimate and its learning curve.
//!
//! A thread of its own retrains the model after every few labels (and
//! when another process added labels), ranks the pool again and measures
//! the estimate; requests never wait for it.

use std::net::TcpListener;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex, RwLock};
use std::time::Duration;

use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};

use super::estimate::{estimate, Estimate};
use super::pool::Pool;
use super::select::{rank, NextOptions, PoolModel, Reason, Strategy};
use super::store::{Doc, Project};
use crate::error::{Error, ErrorKind, Result};
use crate::model::PredictOptions;
use crate::text::Analyzer;
use crate::train::{FoldBuffers, TrainParams};

/// The page, as served.
pub const PAGE: &str = include_str!("page.html");

/// Longest article text sent to the page, in characters.
const MAX_CHARS: usize = 100_000;

/// How the workbench ranks and retrains.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The strategy.
    pub strategy: Strategy,
    /// Seed of the clustering, the committee and the random order.
    pub seed: u64,
    /// Retrain after this many new labels. Default 5; ≥ 1.
    pub retrain_every: usize,
    /// Training settings.
    pub params: TrainParams,
    /// Folds of the estimate. Default 5.
    pub folds: usize,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            strategy: Strategy::Uncertainty,
            seed: 42,
            retrain_every: 5,
            params: TrainParams::new(),
            folds: 5,
        }
    }
}

/// What the retraining thread publishes.
#[derive(Default)]
struct Live {
    model: Option<Arc<PoolModel>>,
    ranking: Arc<Vec<usize>>,
    estimate: Option<Estimate>,
    retraining: bool,
    error: Option<String>,
}

struct Shared {
    db: Mutex<Project>,
    path: PathBuf,
    pool: Pool,
    docs: Vec<Doc>,
    labels: Vec<String>,
    seed_terms: Vec<(String, Vec<String>)>,
    opts: ServeOptions,
    analyzer: Analyzer,
    live: RwLock<Live>,
    since: Mutex<usize>,
    wake: (Mutex<bool>, Condvar),
}

/// A workbench ready to serve.
pub struct Workbench {
    shared: Arc<Shared>,
}

impl Workbench {
    /// A workbench over an open project and its pool (built from
    /// `project.docs()` in that order), with a first model and ranking.
    ///
    /// # Errors
    /// `retrain_every` is 0, or the first model or ranking fails.
    pub fn new(
        project: Project,
        pool: Pool,
        docs: Vec<Doc>,
        opts: ServeOptions,
    ) -> Result<Workbench> {
        if opts.retrain_every == 0 {
            return Err(Error::param("retrain-every", "0 (expected at least 1)"));
        }
        let seed_terms = project
            .seed_terms()
            .iter()
            .map(|(l, w)| (l.clone(), pool.analyze(w)))
            .collect();
        let shared = Arc::new(Shared {
            path: project.path().to_path_buf(),
            labels: project.labels().to_vec(),
            db: Mutex::new(project),
            analyzer: Analyzer::new(opts.params.analyzer.clone()),
            pool,
            docs,
            seed_terms,
            opts,
            live: RwLock::new(Live::default()),
            since: Mutex::new(0),
            wake: (Mutex::new(false), Condvar::new()),
        });
        let state = lock(&shared.db).state()?;
        retrain(&shared, &state.labeled(), &state.taken(shared.pool.len()))?;
        Ok(Workbench { shared })
    }

    /// Serves on `listener` until the process ends; the retraining runs on
    /// a thread of its own.
    ///
    /// # Errors
    /// The runtime cannot start, or the listener fails.
    pub fn run(self, listener: TcpListener) -> Result<()> {
        let shared = self.shared;
        let bg = Arc::clone(&shared);
        std::thread::Builder::new()
            .name("tasnif-retrain".into())
            .spawn(move || retrainer(bg))
            .map_err(|e| Error::io(&shared.path, e))?;
        listener
            .set_nonblocking(true)
            .map_err(|e| Error::io(&shared.path, e))?;
        let app = router(Arc::clone(&shared));
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| Error::io(&shared.path, e))?;
        rt.block_on(async move {
            let l = tokio::net::TcpListener::from_std(listener)?;
            axum::serve(l, app).await
        })
        .map_err(|e| Error::io(&shared.path, e))
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(page))
        .route("/api/project", get(project))
        .route("/api/next", get(next))
        .route("/api/label", post(label))
        .route("/api/skip", post(skip))
        .route("/api/undo", post(undo))
        .route("/api/stats", get(stats))
        .with_state(shared)
}

/// Fits the model of `labeled`, ranks the pool with it and publishes both.
fn retrain(shared: &Shared, labeled: &[(usize, String)], taken: &[bool]) -> Result<()> {
    let o = &shared.opts;
    let model = PoolModel::fit(
        &shared.pool,
        labeled,
        o.strategy == Strategy::Committee,
        None,
        o.seed,
    )?;
    let next = NextOptions {
        strategy: o.strategy,
        seed: o.seed,
        labels: shared.labels.clone(),
        seed_terms: shared.seed_terms.clone(),
    };
    let ranking: Vec<usize> = rank(
        &shared.pool,
        model.as_ref(),
        labeled,
        taken,
        &next,
        usize::MAX,
    )
    .into_iter()
    .map(|s| s.doc)
    .collect();
    let mut live = shared.live.write().unwrap_or_else(|e| e.into_inner());
    live.model = model.map(Arc::new);
    live.ranking = Arc::new(ranking);
    Ok(())
}

/// The retraining loop: retrains when asked (after `retrain_every` new
/// labels), and after 5 s without a request when the labels changed in
/// any other way (fewer new labels, an undo, labels added by another
/// process); then measures the estimate.
fn retrainer(shared: Arc<Shared>) {
    let Ok(project) = Project::open(&shared.path) else {
        return;
    };
    let read = project.read_options();
    let items: Vec<crate::corpus::Item> = shared.docs.iter().map(|d| d.item.clone()).collect();
    let mut trained: Option<(usize, i64, usize)> = None;
    let mut first = true;
    loop {
        if !first {
            let (m, cv) = &shared.wake;
            let asked = lock(m);
            let (mut asked, _) = cv
                .wait_timeout_while(asked, Duration::from_secs(5), |a| !*a)
                .unwrap_or_else(|e| e.into_inner());
            *asked = false;
        }
        let state = match project.state() {
            Ok(s) => s,
            Err(e) => {
                shared.live.write().unwrap_or_else(|e| e.into_inner()).error = Some(e.to_string());
                continue;
            }
        };
        let labeled = state.labeled();
        let last_seq = state.latest.values().map(|a| a.seq).max().unwrap_or(0);
        let print = (labeled.len(), last_seq, state.undone);
        if trained == Some(print) {
            continue;
        }
        shared
            .live
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .retraining = true;
        *lock(&shared.since) = 0;
        let mut error = None;
        // the first model was fitted before serving
        if !first {
            if let Err(e) = retrain(&shared, &labeled, &state.taken(shared.pool.len())) {
                error = Some(e.to_string());
            }
        }
        first = false;
        trained = Some(print);
        let est = estimate(
            &items,
            &labeled,
            &shared.opts.params,
            shared.opts.folds,
            shared.opts.seed,
            &read,
        );
        let mut live = shared.live.write().unwrap_or_else(|e| e.into_inner());
        match est {
            Ok(e) => live.estimate = e,
            Err(e) => error = Some(e.to_string()),
        }
        live.retraining = false;
        live.error = error;
    }
}

/// An error as the API answers it.
struct ApiError(StatusCode, String);

impl From<Error> for ApiError {
    fn from(e: Error) -> ApiError {
        let code = match e.kind() {
            ErrorKind::InvalidParam { .. } | ErrorKind::Invalid { .. } => StatusCode::BAD_REQUEST,
            ErrorKind::LabelSetChanged { .. } => StatusCode::CONFLICT,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        ApiError(code, e.to_string())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.0, Json(serde_json::json!({ "error": self.1 }))).into_response()
    }
}

type ApiResult<T> = std::result::Result<Json<T>, ApiError>;

/// Runs `f` on a blocking thread (SQLite commits wait for the disk).
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> std::result::Result<T, ApiError> + Send + 'static,
) -> std::result::Result<T, ApiError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| ApiError(StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?
}

async fn page() -> impl IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        PAGE,
    )
}

#[derive(Serialize)]
struct ProjectInfo {
    project: String,
    labels: Vec<String>,
    label_set_version: i64,
    none_label: Option<String>,
    articles: usize,
    strategy: Strategy,
}

async fn project(State(s): State<Arc<Shared>>) -> ApiResult<ProjectInfo> {
    let p = lock(&s.db);
    Ok(Json(ProjectInfo {
        project: s.path.display().to_string(),
        labels: s.labels.clone(),
        label_set_version: p.label_set_version(),
        none_label: p.none_label().map(str::to_string),
        articles: s.pool.len(),
        strategy: s.opts.strategy,
    }))
}

#[derive(Deserialize)]
struct Who {
    annotator: String,
}

/// A piece of text, highlighted when it holds a term that drove the suggestion.
#[derive(Serialize)]
struct Segment(String, bool);

#[derive(Serialize)]
struct Article {
    doc: usize,
    id: String,
    title: Vec<Segment>,
    body: Vec<Segment>,
    truncated: bool,
    label: Option<String>,
    probability: Option<f64>,
    top: Vec<(String, f64)>,
    terms: Vec<String>,
    reason: String,
    remaining: usize,
}

#[derive(Serialize)]
struct NextAnswer {
    article: Option<Article>,
    /// The action just committed (for label, skip and undo).
    committed: Option<super::store::Action>,
}

/// Leases the next article for `annotator` and renders it.
fn next_for(s: &Shared, annotator: &str) -> std::result::Result<Option<Article>, ApiError> {
    let annotator = check_annotator(annotator)?;
    let (ranking, model) = {
        let live = s.live.read().unwrap_or_else(|e| e.into_inner());
        (Arc::clone(&live.ranking), live.model.clone())
    };
    let (doc, remaining) = {
        let mut p = lock(&s.db);
        p.check_label_set()?;
        let doc = p.lease(annotator, &ranking)?;
        let taken = p.state()?.latest.len();
        (doc, s.pool.len().saturating_sub(taken))
    };
    let Some(doc) = doc else {
        return Ok(None);
    };
    let d = &s.docs[doc];
    let text = d
        .item
        .text(&lock(&s.db).read_options())
        .map(|t| t.into_owned())
        .unwrap_or_else(|e| format!("({e})"));
    let (label, probability, top, terms) = match &model {
        Some(m) => {
            let opts = PredictOptions {
                top_k: m.labels().len(),
                explain: 12,
                gate_threshold: None,
            };
            let p = m.predict(&s.pool, doc, &mut FoldBuffers::default(), &opts);
            (
                Some(m.labels().name(p.label).to_string()),
                Some(p.probability),
                p.top
                    .iter()
                    .map(|(l, q)| (m.labels().name(*l).to_string(), *q))
                    .collect(),
                p.explain.into_iter().map(|(t, _)| t).collect(),
            )
        }
        None => (None, None, Vec::new(), Vec::new()),
    };
    let (title, body) = split_title(&text);
    let truncated = body.chars().count() > MAX_CHARS;
    let body: String = body.chars().take(MAX_CHARS).collect();
    let reason = match &model {
        Some(_) => Reason::Strategy(s.opts.strategy).to_string(),
        None => Reason::Cluster.to_string(),
    };
    Ok(Some(Article {
        doc,
        id: d.id.clone(),
        title: highlight(&s.analyzer, title, &terms),
        body: highlight(&s.analyzer, &body, &terms),
        truncated,
        label,
        probability,
        top,
        terms,
        reason,
        remaining,
    }))
}

fn check_annotator(a: &str) -> std::result::Result<&str, ApiError> {
    let a = a.trim();
    if a.is_empty() || a.len() > 100 {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            "annotator: a name of 1 to 100 bytes is needed".into(),
        ));
    }
    Ok(a)
}

/// The first line with a letter, and the rest.
fn split_title(text: &str) -> (&str, &str) {
    let t = text.trim_start();
    match t.find('\n') {
        Some(i) => (t[..i].trim(), t[i + 1..].trim_start_matches(['\r', '\n'])),
        None => ("", t),
    }
}

/// `text` cut into words and what lies between, each word highlighted
/// when the analyzer makes one of `terms` of it; neighbours that are not
/// highlighted are joined.
fn highlight(analyzer: &Analyzer, text: &str, terms: &[String]) -> Vec<Segment> {
    let is_word = |c: char| {
        c.is_alphanumeric()
            || ('\u{064B}'..='\u{0652}').contains(&c)
            || c == '\u{0670}'
            || c == '\u{0640}'
    };
    let mut out: Vec<Segment> = Vec::new();
    let push = |out: &mut Vec<Segment>, piece: &str, hl: bool| match out.last_mut() {
        Some(Segment(s, false)) if !hl => s.push_str(piece),
        _ => out.push(Segment(piece.to_string(), hl)),
    };
    let hl = |piece: &str, word: bool| {
        word && !terms.is_empty() && analyzer.terms(piece).iter().any(|t| terms.contains(t))
    };
    let mut start = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        let w = is_word(c);
        if w != in_word {
            let piece = &text[start..i];
            if !piece.is_empty() {
                push(&mut out, piece, hl(piece, in_word));
            }
            start = i;
            in_word = w;
        }
    }
    let piece = &text[start..];
    if !piece.is_empty() {
        push(&mut out, piece, hl(piece, in_word));
    }
    out
}

async fn next(State(s): State<Arc<Shared>>, Query(who): Query<Who>) -> ApiResult<NextAnswer> {
    let article = blocking(move || next_for(&s, &who.annotator)).await?;
    Ok(Json(NextAnswer {
        article,
        committed: None,
    }))
}

#[derive(Deserialize)]
struct Act {
    annotator: String,
    doc: usize,
    label: Option<String>,
    note: Option<String>,
}

/// Commits an action, asks for a retraining when enough labels came in,
/// and answers with the next article.
fn act(s: &Shared, a: Act, skip: bool) -> std::result::Result<NextAnswer, ApiError> {
    let annotator = check_annotator(&a.annotator)?.to_string();
    if a.doc >= s.pool.len() {
        return Err(ApiError(
            StatusCode::BAD_REQUEST,
            format!("doc: no article number {}", a.doc),
        ));
    }
    let label = if skip {
        None
    } else {
        match a.label.as_deref() {
            Some(l) => Some(l),
            None => return Err(ApiError(StatusCode::BAD_REQUEST, "label: missing".into())),
        }
    };
    let committed = lock(&s.db).act(a.doc, label, &annotator, a.note.as_deref())?;
    if !skip {
        let mut since = lock(&s.since);
        *since += 1;
        if *since >= s.opts.retrain_every {
            let (m, cv) = &s.wake;
            *lock(m) = true;
            cv.notify_one();
        }
    }
    let article = next_for(s, &annotator)?;
    Ok(NextAnswer {
        article,
        committed: Some(committed),
    })
}

async fn label(State(s): State<Arc<Shared>>, Json(a): Json<Act>) -> ApiResult<NextAnswer> {
    blocking(move || act(&s, a, false)).await.map(Json)
}

async fn skip(State(s): State<Arc<Shared>>, Json(a): Json<Act>) -> ApiResult<NextAnswer> {
    blocking(move || act(&s, a, true)).await.map(Json)
}

async fn undo(State(s): State<Arc<Shared>>, Json(w): Json<Who>) -> ApiResult<NextAnswer> {
    blocking(move || {
        let annotator = check_annotator(&w.annotator)?.to_string();
        let undone = lock(&s.db).undo(&annotator)?;
        let article = next_for(&s, &annotator)?;
        Ok(NextAnswer {
            article,
            committed: undone,
        })
    })
    .await
    .map(Json)
}

#[derive(Serialize)]
struct Stats {
    labeled: usize,
    skipped: usize,
    per_label: Vec<(String, usize)>,
    per_annotator: Vec<(String, usize)>,
    model_trained_on: Option<usize>,
    estimate: Option<Estimate>,
    retraining: bool,
    error: Option<String>,
}

async fn stats(State(s): State<Arc<Shared>>) -> ApiResult<Stats> {
    blocking(move || {
        let state = lock(&s.db).state()?;
        let mut per_label: Vec<(String, usize)> = s.labels.iter().map(|l| (l.clone(), 0)).collect();
        let mut per_annotator: std::collections::BTreeMap<String, usize> = Default::default();
        let mut skipped = 0;
        for a in state.latest.values() {
            match &a.label {
                Some(l) => {
                    if let Some(e) = per_label.iter_mut().find(|(x, _)| x == l) {
                        e.1 += 1;
                    }
                    *per_annotator.entry(a.annotator.clone()).or_default() += 1;
                }
                None => skipped += 1,
            }
        }
        let live = s.live.read().unwrap_or_else(|e| e.into_inner());
        Ok(Stats {
            labeled: per_label.iter().map(|(_, n)| n).sum(),
            skipped,
            per_label,
            per_annotator: per_annotator.into_iter().collect(),
            model_trained_on: live.model.as_ref().map(|m| m.trained_on()),
            estimate: live.estimate.clone(),
            retraining: live.retraining,
            error: live.error.clone(),
        })
    })
    .await
    .map(Json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_holding_a_term_are_highlighted() {
        let a = Analyzer::new(crate::text::AnalyzerConfig::default());
        let terms = a.terms("المباراة");
        let segs = highlight(&a, "فاز الفريق في المباراة، أمس.", &terms);
        let lit: Vec<(&str, bool)> = segs.iter().map(|s| (s.0.as_str(), s.1)).collect();
        assert_eq!(
            lit,
            [
                ("فاز الفريق في ", false),
                ("المباراة", true),
                ("، أمس.", false)
            ]
        );
        let joined: String = segs.iter().map(|s| s.0.as_str()).collect();
        assert_eq!(joined, "فاز الفريق في المباراة، أمس.", "nothing lost");
        assert_eq!(highlight(&a, "", &terms).len(), 0);
    }

    #[test]
    fn the_title_is_the_first_line() {
        assert_eq!(split_title("\n عنوان \n\nنص"), ("عنوان", "نص"));
        assert_eq!(split_title("نص فقط"), ("", "نص فقط"));
    }
}
