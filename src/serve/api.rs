//! The routes: `POST /v1/label`, `GET /v1/model`, `/healthz`, `/readyz`,
//! `/metrics` and `/openapi.json`, and the middleware that checks the token,
//! counts and logs every request.

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{Query, Request, State as Shared};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};

use super::metrics::{route_index, Refusal};
use super::state::{Loaded, State};
use crate::batch::{label_items, label_one, BatchOptions, Labeled};
use crate::corpus::{json_item, Encoding, Item, JsonlInputs, ReadOptions, Source};
use crate::error::Error;
use crate::model::{PredictOptions, PredictScratch};
use crate::record::{Record, RecordOptions};

/// The OpenAPI 3.1 description of the service, served at `/openapi.json`.
pub const OPENAPI: &str = include_str!("openapi.json");

/// Requests whose texts hold fewer bytes than this are scored on the
/// thread that read them; larger ones on the scoring threads, in parallel.
const INLINE_BYTES: usize = 32 * 1024;

/// A refused request: its status, a short machine-readable kind, a message,
/// and for overload the seconds after which to try again.
#[derive(Debug, Clone)]
pub struct ApiError {
    status: StatusCode,
    kind: &'static str,
    message: String,
    retry_after: Option<u32>,
}

impl ApiError {
    fn new(status: StatusCode, kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            kind,
            message: message.into(),
            retry_after: None,
        }
    }

    fn bad(kind: &'static str, message: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, kind, message)
    }

    fn retry(mut self, secs: u32) -> ApiError {
        self.retry_after = Some(secs);
        self
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"error": self.message, "kind": self.kind}).to_string();
        body.push('\n');
        let mut r = (self.status, body).into_response();
        let h = r.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        if let Some(s) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        // refused before (or while) its body was read: the rest of the body
        // may still be on its way, so the connection cannot carry another
        // request; say so rather than let the client find out
        if matches!(self.status.as_u16(), 413 | 429 | 503) {
            h.insert(header::CONNECTION, HeaderValue::from_static("close"));
        }
        if self.status == StatusCode::UNAUTHORIZED {
            h.insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
        }
        r
    }
}

/// What the access middleware reads back from a response to label: how
/// many articles it answered, and how many of them with an error record.
#[derive(Debug, Clone, Copy, Default)]
struct Answered {
    articles: u64,
    failed: u64,
    bytes_in: u64,
}

static REQUEST_ID: AtomicU64 = AtomicU64::new(1);

/// Checks the bearer token (except for the probes), then counts and logs
/// the request: one line per request, with its id, method, path, status,
/// duration and articles.
pub async fn access(Shared(st): Shared<Arc<State>>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let id = REQUEST_ID.fetch_add(1, Ordering::Relaxed);
    let route = route_index(req.uri().path());
    let path = req.uri().path().to_string();
    let method = req.method().clone();
    let probe = matches!(path.as_str(), "/healthz" | "/readyz");
    let allowed = probe
        || st.authorized(
            req.headers()
                .get(header::AUTHORIZATION)
                .map(HeaderValue::as_bytes),
        );
    let resp = if allowed {
        next.run(req).await
    } else {
        ApiError::new(
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            "this service needs its bearer token (Authorization: Bearer TOKEN)",
        )
        .into_response()
    };
    let elapsed = start.elapsed();
    let status = resp.status().as_u16();
    let a = resp
        .extensions()
        .get::<Answered>()
        .copied()
        .unwrap_or_default();
    st.metrics.request(route, status, elapsed, a.bytes_in);
    tracing::info!(
        target: "tasnif::access",
        request = id,
        method = %method,
        path = ?path,
        status,
        ms = (elapsed.as_secs_f64() * 1e6).round() / 1e3,
        articles = a.articles,
        failed = a.failed,
        bytes_in = a.bytes_in,
    );
    resp
}

/// `GET /healthz`: the process is up.
pub async fn healthz() -> Response {
    json_response(StatusCode::OK, &json!({"status": "ok"}))
}

/// `GET /readyz`: a model is loaded and the service takes requests (503
/// while it shuts down).
pub async fn readyz(Shared(st): Shared<Arc<State>>) -> Response {
    if st.draining() {
        let mut r = json_response(
            StatusCode::SERVICE_UNAVAILABLE,
            &json!({"status": "draining"}),
        );
        r.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(1));
        return r;
    }
    let m = st.model();
    json_response(
        StatusCode::OK,
        &json!({"status": "ready", "model": {"sha256": m.sha256, "source": m.source}}),
    )
}

/// `GET /metrics`: the counters in the Prometheus text format.
pub async fn metrics(Shared(st): Shared<Arc<State>>) -> Response {
    let mut r = st.render_metrics().into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    r
}

/// `GET /openapi.json`.
pub async fn openapi() -> Response {
    let mut r = OPENAPI.into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// Any other path.
pub async fn not_found() -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "no such route; see /openapi.json",
    )
    .into_response()
}

/// `GET /v1/model`: what `tasnif inspect` says, as JSON (`?top_terms=N`,
/// default 10).
pub async fn model(Shared(st): Shared<Arc<State>>, req: Request) -> Response {
    let q: HashMap<String, String> = match Query::try_from_uri(req.uri()) {
        Ok(Query(q)) => q,
        Err(e) => return ApiError::bad("invalid_query", e.body_text()).into_response(),
    };
    let top_terms = match q.get("top_terms").map(|v| v.parse::<usize>()) {
        None => 10,
        Some(Ok(n)) if n <= 1000 => n,
        _ => {
            return ApiError::bad(
                "invalid_option",
                "top_terms: expected a whole number from 0 to 1000",
            )
            .into_response()
        }
    };
    let loaded = st.model();
    let mut info = super::describe(&loaded, top_terms);
    info["last_reload"] = json!(st.last_reload());
    json_response(StatusCode::OK, &info)
}

fn json_response(status: StatusCode, v: &Value) -> Response {
    let mut body = v.to_string();
    body.push('\n');
    let mut r = (status, body).into_response();
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// The options of one request to label, with `tasnif label`'s defaults.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Options {
    top_k: usize,
    explain: usize,
    multi: bool,
    threshold: Option<f64>,
    gate_threshold: Option<f64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            top_k: 3,
            explain: 0,
            multi: false,
            threshold: None,
            gate_threshold: None,
        }
    }
}

/// The option names, in the query and in a body object.
const OPTIONS: [&str; 5] = ["top_k", "explain", "multi", "threshold", "gate_threshold"];

/// What an option's value is, whether it came as query text or as JSON.
enum Raw<'a> {
    Text(&'a str),
    Json(&'a Value),
}

impl Options {
    fn set(&mut self, name: &str, v: Raw<'_>) -> Result<(), ApiError> {
        let bad = |want: &str| ApiError::bad("invalid_option", format!("{name}: expected {want}"));
        let int = |v: &Raw<'_>| match v {
            Raw::Text(t) => t.parse::<u64>().ok(),
            Raw::Json(j) => j.as_u64(),
        };
        let num = |v: &Raw<'_>| match v {
            Raw::Text(t) => t.parse::<f64>().ok(),
            Raw::Json(j) => j.as_f64(),
        };
        match name {
            "top_k" => {
                self.top_k = int(&v)
                    .filter(|k| (1..=10_000).contains(k))
                    .ok_or_else(|| bad("a whole number from 1 to 10000"))?
                    as usize
            }
            "explain" => {
                self.explain = int(&v)
                    .filter(|k| *k <= 10_000)
                    .ok_or_else(|| bad("a number of terms from 0 to 10000"))?
                    as usize
            }
            "multi" => {
                self.multi = match v {
                    Raw::Text("true" | "1") | Raw::Json(Value::Bool(true)) => true,
                    Raw::Text("false" | "0") | Raw::Json(Value::Bool(false)) => false,
                    _ => return Err(bad("true or false")),
                }
            }
            "threshold" => {
                self.threshold = Some(
                    num(&v)
                        .filter(|p| *p > 0.0 && *p <= 1.0)
                        .ok_or_else(|| bad("a probability in (0, 1]"))?,
                )
            }
            "gate_threshold" => {
                self.gate_threshold = match v {
                    Raw::Json(Value::Null) => None,
                    v => Some(
                        num(&v)
                            .filter(|p| *p > 0.0 && *p <= 1.0)
                            .ok_or_else(|| bad("a probability in (0, 1]"))?,
                    ),
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn from_query(q: Option<&str>) -> Result<Options, ApiError> {
        let mut o = Options::default();
        let Some(q) = q.filter(|q| !q.is_empty()) else {
            return Ok(o);
        };
        let uri: axum::http::Uri = format!("/?{q}")
            .parse()
            .map_err(|_| ApiError::bad("invalid_query", "the query string is malformed"))?;
        let pairs: Vec<(String, String)> = match Query::try_from_uri(&uri) {
            Ok(Query(p)) => p,
            Err(e) => return Err(ApiError::bad("invalid_query", e.body_text())),
        };
        for (k, v) in &pairs {
            if !OPTIONS.contains(&k.as_str()) {
                return Err(ApiError::bad(
                    "invalid_option",
                    format!("unknown option '{k}' (options: {})", OPTIONS.join(", ")),
                ));
            }
            o.set(k, Raw::Text(v))?;
        }
        Ok(o)
    }

    /// Takes the options a body object carries (they override the query's).
    fn take_body(&mut self, obj: &serde_json::Map<String, Value>) -> Result<(), ApiError> {
        for name in OPTIONS {
            if let Some(v) = obj.get(name) {
                self.set(name, Raw::Json(v))?;
            }
        }
        Ok(())
    }

    /// Refuses what `tasnif label` refuses: a threshold without `multi`, a
    /// gate threshold for a model without a gate.
    fn check(&self, loaded: &Loaded) -> Result<(), ApiError> {
        if self.threshold.is_some() && !self.multi {
            return Err(ApiError::bad(
                "invalid_option",
                "threshold applies to multi-label tags: give multi=true with it",
            ));
        }
        if self.gate_threshold.is_some() && loaded.model.gate().is_none() {
            return Err(ApiError::bad(
                "invalid_option",
                "gate_threshold applies to a model with a none label (a gate), and this model has none",
            ));
        }
        Ok(())
    }

    fn batch(&self, max_bytes: u64) -> BatchOptions {
        BatchOptions {
            predict: PredictOptions {
                top_k: self.top_k,
                explain: self.explain,
                gate_threshold: self.gate_threshold,
            },
            read: ReadOptions {
                max_bytes,
                encoding: Encoding::Auto,
            },
        }
    }

    fn record(&self) -> RecordOptions {
        RecordOptions {
            explain: self.explain > 0,
            tag_threshold: self.multi.then_some(self.threshold.unwrap_or(0.3)),
        }
    }
}

/// How the request's articles came, and so how the answer is shaped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// One JSON object: one record.
    One,
    /// A JSON array, or an object with `articles`: an array of records.
    Array,
    /// JSON lines: one record per line.
    Lines,
}

/// `POST /v1/label`.
pub async fn label(Shared(st): Shared<Arc<State>>, req: Request) -> Response {
    if st.draining() {
        st.metrics.refused(Refusal::Draining);
        return ApiError::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "draining",
            "the service is shutting down",
        )
        .retry(1)
        .into_response();
    }
    let timeout = st.limits.timeout;
    match tokio::time::timeout(timeout, label_request(st.clone(), req)).await {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => e.into_response(),
        Err(_) => {
            st.metrics.refused(Refusal::Timeout);
            ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "timeout",
                format!(
                    "not answered within the timeout of {} s",
                    timeout.as_secs_f64()
                ),
            )
            .retry(1)
            .into_response()
        }
    }
}

async fn label_request(st: Arc<State>, req: Request) -> Result<Response, ApiError> {
    let (parts, body) = req.into_parts();
    let max_bytes = st.limits.max_bytes;
    if let Some(len) = content_length(&parts.headers) {
        if len > max_bytes {
            return Err(too_large(Some(len), max_bytes));
        }
    }
    let lines = match parts
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| {
            v.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .as_deref()
    {
        None | Some("application/json") => false,
        Some("application/x-ndjson" | "application/jsonl" | "application/json-lines") => true,
        Some(other) => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                format!("Content-Type {other}: send application/json or application/x-ndjson"),
            ))
        }
    };
    let mut opts = Options::from_query(parts.uri.query())?;
    let place = st.admission.enter().await.map_err(|_| {
        st.metrics.refused(Refusal::QueueFull);
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "overloaded",
            "too many requests are waiting; try again shortly",
        )
        .retry(1)
    })?;
    // the model this request is answered with, whatever reloads come next
    let loaded = st.model();
    let bytes = read_body(body, max_bytes).await?;
    let bytes_in = bytes.len() as u64;
    let max_articles = st.limits.max_articles;
    let (items, shape) = if lines {
        let items: Vec<Item> = JsonlInputs::new(std::io::Cursor::new(&bytes[..]), "request")
            .max_line(max_bytes)
            .take(max_articles + 1)
            .collect();
        (items, Shape::Lines)
    } else {
        parse_json(&bytes, &mut opts, max_articles)?
    };
    drop(bytes);
    if items.len() > max_articles {
        return Err(too_many(max_articles));
    }
    opts.check(&loaded)?;
    let batch = opts.batch(max_bytes);
    let record = opts.record();
    let text_bytes: usize = items
        .iter()
        .map(|i| match &i.source {
            Source::Text(t) => t.len(),
            _ => 0,
        })
        .sum();
    let scored = if text_bytes <= INLINE_BYTES {
        let _place = place;
        score_here(&loaded, &items, &batch, record)
    } else {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let model = loaded.clone();
        st.pool.spawn(move || {
            let _place = place; // held until the work is done, even if the client left
            let rendered = label_items(&model.model, &items, &batch, |item, r| {
                render(&model, item, &r, record)
            });
            let _ = tx.send(rendered);
        });
        rx.await.map_err(|_| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "the scoring threads stopped",
            )
        })?
    };
    let mut answered = Answered {
        bytes_in,
        ..Answered::default()
    };
    let mut counts = vec![0u64; loaded.model.labels().len()];
    let mut out = Vec::with_capacity(scored.iter().map(|(r, _)| r.len() + 1).sum::<usize>() + 2);
    if shape == Shape::Array {
        out.push(b'[');
    }
    for (i, (rec, label)) in scored.iter().enumerate() {
        if shape == Shape::Array && i > 0 {
            out.push(b',');
        }
        out.extend_from_slice(rec);
        if shape == Shape::Lines {
            out.push(b'\n');
        }
        answered.articles += 1;
        match label {
            Some(l) => counts[*l] += 1,
            None => answered.failed += 1,
        }
    }
    if shape != Shape::Lines {
        if shape == Shape::Array {
            out.push(b']');
        }
        out.push(b'\n');
    }
    let names = loaded.model.labels().names();
    st.metrics.articles(
        route_index("/v1/label"),
        answered.articles - answered.failed,
        answered.failed,
        names
            .iter()
            .zip(&counts)
            .filter(|(_, n)| **n > 0)
            .map(|(name, n)| (name.as_str(), *n)),
    );
    let mut r = Response::new(Body::from(out));
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(if shape == Shape::Lines {
            "application/x-ndjson"
        } else {
            "application/json"
        }),
    );
    if let Ok(v) = HeaderValue::from_str(&loaded.sha256) {
        h.insert("x-tasnif-model", v);
    }
    h.insert("x-tasnif-failed", HeaderValue::from(answered.failed));
    r.extensions_mut().insert(answered);
    Ok(r)
}

/// One record, rendered as `tasnif label` writes it (without the line
/// ending), and the index of its label (none for an error record).
fn render(
    loaded: &Loaded,
    item: &Item,
    r: &Result<Labeled, Error>,
    opts: RecordOptions,
) -> (Vec<u8>, Option<usize>) {
    let mut out = Vec::with_capacity(256);
    Record::new(&loaded.model, &item.id, r, opts).write_json(&mut out);
    (out, r.as_ref().ok().map(|l| l.prediction.label.index()))
}

thread_local! {
    static SCRATCH: RefCell<PredictScratch> = RefCell::new(PredictScratch::default());
}

/// Scores a small request on this thread.
fn score_here(
    loaded: &Loaded,
    items: &[Item],
    batch: &BatchOptions,
    record: RecordOptions,
) -> Vec<(Vec<u8>, Option<usize>)> {
    SCRATCH.with(|s| {
        let mut scratch = s.borrow_mut();
        items
            .iter()
            .map(|item| {
                let r = label_one(&loaded.model, item, batch, &mut scratch);
                render(loaded, item, &r, record)
            })
            .collect()
    })
}

/// The articles of a JSON body: one object with `text` (and `id`, and
/// options), an array of such objects, or `{"articles": [...]}` with
/// options beside it.
fn parse_json(
    bytes: &[u8],
    opts: &mut Options,
    max_articles: usize,
) -> Result<(Vec<Item>, Shape), ApiError> {
    let text = simdutf8::compat::from_utf8(bytes).map_err(|e| {
        ApiError::bad(
            "invalid_utf8",
            format!(
                "the body is not valid UTF-8 (first bad byte at offset {})",
                e.valid_up_to()
            ),
        )
    })?;
    // from a &str, serde_json does not check each string's UTF-8 again
    let v: Value = serde_json::from_str(text)
        .map_err(|e| ApiError::bad("invalid_json", format!("the body is not valid JSON: {e}")))?;
    let array = |list: Vec<Value>| -> Result<Vec<Item>, ApiError> {
        if list.len() > max_articles {
            return Err(too_many(max_articles));
        }
        Ok(list
            .into_iter()
            .enumerate()
            .map(|(i, v)| json_item(v, "request", i as u64 + 1))
            .collect())
    };
    match v {
        Value::Array(list) => Ok((array(list)?, Shape::Array)),
        Value::Object(mut obj) if obj.contains_key("articles") => {
            opts.take_body(&obj)?;
            match obj.remove("articles") {
                Some(Value::Array(list)) => Ok((array(list)?, Shape::Array)),
                _ => Err(ApiError::bad(
                    "invalid_field",
                    "field 'articles' is not an array",
                )),
            }
        }
        Value::Object(obj) => {
            opts.take_body(&obj)?;
            let item = json_item(Value::Object(obj), "request", 1);
            if let Source::Failed(e) = &item.source {
                return Err(ApiError::bad("invalid_field", e.to_string()));
            }
            Ok((vec![item], Shape::One))
        }
        _ => Err(ApiError::bad(
            "invalid_json",
            "expected an article {\"id\": ..., \"text\": ...}, an array of them, or {\"articles\": [...]}",
        )),
    }
}

fn too_large(len: Option<u64>, max: u64) -> ApiError {
    let size = len.map_or(String::new(), |n| format!(" {n} bytes,"));
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_large",
        format!("the body is{size} over the limit of {max} bytes"),
    )
}

fn too_many(max: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "too_many_articles",
        format!("more than {max} articles in one request, the most this service takes"),
    )
}

fn content_length(h: &HeaderMap) -> Option<u64> {
    h.get(header::CONTENT_LENGTH)?.to_str().ok()?.parse().ok()
}

/// Reads the body, refusing it as soon as it grows past `max` bytes.
async fn read_body(mut body: Body, max: u64) -> Result<Bytes, ApiError> {
    let mut buf: Vec<u8> = Vec::new();
    let mut first: Option<Bytes> = None;
    while let Some(frame) =
        std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await
    {
        let frame = frame
            .map_err(|e| ApiError::bad("invalid_body", format!("reading the body failed: {e}")))?;
        let Ok(data) = frame.into_data() else {
            continue; // trailers
        };
        let have = first.as_ref().map_or(0, Bytes::len) + buf.len();
        if (have + data.len()) as u64 > max {
            return Err(too_large(None, max));
        }
        match first.take() {
            None if buf.is_empty() => first = Some(data),
            Some(f) => {
                buf.extend_from_slice(&f);
                buf.extend_from_slice(&data);
            }
            None => buf.extend_from_slice(&data),
        }
    }
    Ok(match first {
        Some(f) => f,
        None => Bytes::from(buf),
    })
}
