//! The service's counters, and their rendering in the Prometheus text
//! format (version 0.0.4) for `GET /metrics`. Counting is lock-free
//! (atomics) except for the per-label counts, which take one short lock per
//! request.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::Duration;

/// The routes counted apart; any other path counts as `other`.
pub const ROUTES: [&str; 7] = [
    "/v1/label",
    "/v1/model",
    "/healthz",
    "/readyz",
    "/metrics",
    "/openapi.json",
    "other",
];

/// The statuses counted apart; any other counts under its class (`2xx` …).
const STATUSES: [u16; 12] = [200, 400, 401, 404, 405, 408, 413, 415, 422, 429, 500, 503];
const CLASSES: [&str; 5] = ["1xx", "2xx", "3xx", "4xx", "5xx"];
const NS: usize = STATUSES.len() + CLASSES.len();

/// Upper bounds of the latency histogram's buckets, in seconds.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// The index of a route in [`ROUTES`].
pub fn route_index(path: &str) -> usize {
    ROUTES
        .iter()
        .position(|r| *r == path)
        .unwrap_or(ROUTES.len() - 1)
}

fn status_index(status: u16) -> usize {
    match STATUSES.iter().position(|s| *s == status) {
        Some(i) => i,
        None => STATUSES.len() + (usize::from(status / 100).clamp(1, 5) - 1),
    }
}

fn status_name(i: usize) -> String {
    match STATUSES.get(i) {
        Some(s) => s.to_string(),
        None => CLASSES[i - STATUSES.len()].to_string(),
    }
}

#[derive(Default)]
struct Route {
    requests: [AtomicU64; NS],
    buckets: [AtomicU64; BUCKETS.len()],
    count: AtomicU64,
    micros: AtomicU64,
    articles_ok: AtomicU64,
    articles_failed: AtomicU64,
    bytes_in: AtomicU64,
}

/// Why a request or a connection was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The queue of requests waiting to be labeled was full (429).
    QueueFull,
    /// The request took longer than the timeout (503).
    Timeout,
    /// The service was shutting down (503).
    Draining,
}

/// Every counter of the service.
#[derive(Default)]
pub struct Metrics {
    routes: [Route; ROUTES.len()],
    labels: Mutex<BTreeMap<String, u64>>,
    reloads_ok: AtomicU64,
    reloads_failed: AtomicU64,
    last_reload_failed: AtomicBool,
    refused_queue: AtomicU64,
    refused_timeout: AtomicU64,
    refused_draining: AtomicU64,
}

impl std::fmt::Debug for Metrics {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Metrics")
    }
}

/// Values that are read when `/metrics` is rendered rather than counted.
#[derive(Debug, Clone)]
pub struct Gauges<'a> {
    /// The SHA-256 of the model's file, in hex.
    pub sha256: &'a str,
    /// Where the model came from (a path, or `bundled`).
    pub source: &'a str,
    /// When it was loaded, in seconds since the Unix epoch.
    pub loaded_at: f64,
    /// Requests being labeled now.
    pub in_flight: usize,
    /// Requests waiting for a place now.
    pub queued: usize,
    /// Connections refused because too many were open.
    pub refused_connections: u64,
    /// Whether the service is ready (not shutting down).
    pub ready: bool,
}

impl Metrics {
    /// Counts one answered request: its route, status, latency and body size.
    pub fn request(&self, route: usize, status: u16, elapsed: Duration, bytes_in: u64) {
        let r = &self.routes[route.min(ROUTES.len() - 1)];
        r.requests[status_index(status)].fetch_add(1, Ordering::Relaxed);
        let secs = elapsed.as_secs_f64();
        if let Some(b) = BUCKETS.iter().position(|b| secs <= *b) {
            r.buckets[b].fetch_add(1, Ordering::Relaxed);
        }
        r.count.fetch_add(1, Ordering::Relaxed);
        r.micros
            .fetch_add(elapsed.as_micros() as u64, Ordering::Relaxed);
        r.bytes_in.fetch_add(bytes_in, Ordering::Relaxed);
    }

    /// Counts the articles of one request to `route`: `ok` labeled, `failed`
    /// answered with an error record, and how many got each label.
    pub fn articles<'a>(
        &self,
        route: usize,
        ok: u64,
        failed: u64,
        labels: impl IntoIterator<Item = (&'a str, u64)>,
    ) {
        let r = &self.routes[route.min(ROUTES.len() - 1)];
        r.articles_ok.fetch_add(ok, Ordering::Relaxed);
        r.articles_failed.fetch_add(failed, Ordering::Relaxed);
        let mut map = self.labels.lock().unwrap_or_else(|p| p.into_inner());
        for (name, n) in labels {
            match map.get_mut(name) {
                Some(c) => *c += n,
                None => {
                    map.insert(name.to_string(), n);
                }
            }
        }
    }

    /// Counts a model reload, successful or not.
    pub fn reload(&self, ok: bool) {
        if ok {
            self.reloads_ok.fetch_add(1, Ordering::Relaxed);
        } else {
            self.reloads_failed.fetch_add(1, Ordering::Relaxed);
        }
        self.last_reload_failed.store(!ok, Ordering::Relaxed);
    }

    /// Counts a refused request.
    pub fn refused(&self, why: Refusal) {
        let c = match why {
            Refusal::QueueFull => &self.refused_queue,
            Refusal::Timeout => &self.refused_timeout,
            Refusal::Draining => &self.refused_draining,
        };
        c.fetch_add(1, Ordering::Relaxed);
    }

    /// Everything, in the Prometheus text format.
    pub fn render(&self, g: &Gauges<'_>) -> String {
        let mut o = String::with_capacity(8 * 1024);
        let load = |a: &AtomicU64| a.load(Ordering::Relaxed);
        // writing to a String cannot fail
        let _ = (|| -> std::fmt::Result {
            writeln!(
                o,
                "# HELP tasnif_requests_total HTTP requests answered, by route and status."
            )?;
            writeln!(o, "# TYPE tasnif_requests_total counter")?;
            for (ri, r) in self.routes.iter().enumerate() {
                for (si, c) in r.requests.iter().enumerate() {
                    let n = load(c);
                    if n > 0 {
                        writeln!(
                            o,
                            "tasnif_requests_total{{route=\"{}\",status=\"{}\"}} {n}",
                            ROUTES[ri],
                            status_name(si)
                        )?;
                    }
                }
            }
            writeln!(o, "# HELP tasnif_request_errors_total Requests answered with a status of 400 or more, by route and status.")?;
            writeln!(o, "# TYPE tasnif_request_errors_total counter")?;
            for (ri, r) in self.routes.iter().enumerate() {
                for (si, c) in r.requests.iter().enumerate() {
                    let n = load(c);
                    let status = status_name(si);
                    if n > 0 && (status.starts_with('4') || status.starts_with('5')) {
                        writeln!(
                            o,
                            "tasnif_request_errors_total{{route=\"{}\",status=\"{status}\"}} {n}",
                            ROUTES[ri]
                        )?;
                    }
                }
            }
            writeln!(o, "# HELP tasnif_articles_total Articles answered, by route and result (ok: labeled; error: an error record).")?;
            writeln!(o, "# TYPE tasnif_articles_total counter")?;
            writeln!(
                o,
                "# HELP tasnif_request_bytes_total Bytes of request bodies read, by route."
            )?;
            writeln!(o, "# TYPE tasnif_request_bytes_total counter")?;
            for (ri, r) in self.routes.iter().enumerate() {
                if ri == 0 || load(&r.articles_ok) + load(&r.articles_failed) > 0 {
                    writeln!(
                        o,
                        "tasnif_articles_total{{route=\"{}\",result=\"ok\"}} {}",
                        ROUTES[ri],
                        load(&r.articles_ok)
                    )?;
                    writeln!(
                        o,
                        "tasnif_articles_total{{route=\"{}\",result=\"error\"}} {}",
                        ROUTES[ri],
                        load(&r.articles_failed)
                    )?;
                }
                if load(&r.bytes_in) > 0 {
                    writeln!(
                        o,
                        "tasnif_request_bytes_total{{route=\"{}\"}} {}",
                        ROUTES[ri],
                        load(&r.bytes_in)
                    )?;
                }
            }
            writeln!(o, "# HELP tasnif_request_duration_seconds Time from a request's arrival to its answer, by route.")?;
            writeln!(o, "# TYPE tasnif_request_duration_seconds histogram")?;
            for (ri, r) in self.routes.iter().enumerate() {
                let count = load(&r.count);
                if count == 0 {
                    continue;
                }
                let mut cum = 0;
                for (b, c) in BUCKETS.iter().zip(&r.buckets) {
                    cum += load(c);
                    writeln!(
                        o,
                        "tasnif_request_duration_seconds_bucket{{route=\"{}\",le=\"{b}\"}} {cum}",
                        ROUTES[ri]
                    )?;
                }
                writeln!(
                    o,
                    "tasnif_request_duration_seconds_bucket{{route=\"{}\",le=\"+Inf\"}} {count}",
                    ROUTES[ri]
                )?;
                writeln!(
                    o,
                    "tasnif_request_duration_seconds_sum{{route=\"{}\"}} {}",
                    ROUTES[ri],
                    load(&r.micros) as f64 / 1e6
                )?;
                writeln!(
                    o,
                    "tasnif_request_duration_seconds_count{{route=\"{}\"}} {count}",
                    ROUTES[ri]
                )?;
            }
            writeln!(
                o,
                "# HELP tasnif_label_articles_total Articles labeled, by the label they got."
            )?;
            writeln!(o, "# TYPE tasnif_label_articles_total counter")?;
            for (name, n) in self.labels.lock().unwrap_or_else(|p| p.into_inner()).iter() {
                writeln!(
                    o,
                    "tasnif_label_articles_total{{label=\"{}\"}} {n}",
                    escape(name)
                )?;
            }
            writeln!(
                o,
                "# HELP tasnif_refused_total Requests and connections refused, by reason."
            )?;
            writeln!(o, "# TYPE tasnif_refused_total counter")?;
            writeln!(
                o,
                "tasnif_refused_total{{reason=\"queue_full\"}} {}",
                load(&self.refused_queue)
            )?;
            writeln!(
                o,
                "tasnif_refused_total{{reason=\"timeout\"}} {}",
                load(&self.refused_timeout)
            )?;
            writeln!(
                o,
                "tasnif_refused_total{{reason=\"draining\"}} {}",
                load(&self.refused_draining)
            )?;
            writeln!(
                o,
                "tasnif_refused_total{{reason=\"connections\"}} {}",
                g.refused_connections
            )?;
            writeln!(
                o,
                "# HELP tasnif_in_flight_requests Requests being labeled now."
            )?;
            writeln!(o, "# TYPE tasnif_in_flight_requests gauge")?;
            writeln!(o, "tasnif_in_flight_requests {}", g.in_flight)?;
            writeln!(
                o,
                "# HELP tasnif_queued_requests Requests waiting for a place now."
            )?;
            writeln!(o, "# TYPE tasnif_queued_requests gauge")?;
            writeln!(o, "tasnif_queued_requests {}", g.queued)?;
            writeln!(
                o,
                "# HELP tasnif_ready 1 while the service takes requests, 0 while it shuts down."
            )?;
            writeln!(o, "# TYPE tasnif_ready gauge")?;
            writeln!(o, "tasnif_ready {}", u8::from(g.ready))?;
            writeln!(o, "# HELP tasnif_model_info The model being served: the SHA-256 of its file and where it came from.")?;
            writeln!(o, "# TYPE tasnif_model_info gauge")?;
            writeln!(
                o,
                "tasnif_model_info{{sha256=\"{}\",source=\"{}\"}} 1",
                g.sha256,
                escape(g.source)
            )?;
            writeln!(o, "# HELP tasnif_model_loaded_timestamp_seconds When the model being served was loaded.")?;
            writeln!(o, "# TYPE tasnif_model_loaded_timestamp_seconds gauge")?;
            writeln!(
                o,
                "tasnif_model_loaded_timestamp_seconds {:.3}",
                g.loaded_at
            )?;
            writeln!(o, "# HELP tasnif_model_reloads_total Model reloads (SIGHUP or --watch), by result; a failed one keeps the model that was serving.")?;
            writeln!(o, "# TYPE tasnif_model_reloads_total counter")?;
            writeln!(
                o,
                "tasnif_model_reloads_total{{result=\"ok\"}} {}",
                load(&self.reloads_ok)
            )?;
            writeln!(
                o,
                "tasnif_model_reloads_total{{result=\"error\"}} {}",
                load(&self.reloads_failed)
            )?;
            writeln!(o, "# HELP tasnif_model_reload_failed 1 when the last reload failed (the previous model still serves).")?;
            writeln!(o, "# TYPE tasnif_model_reload_failed gauge")?;
            writeln!(
                o,
                "tasnif_model_reload_failed {}",
                u8::from(self.last_reload_failed.load(Ordering::Relaxed))
            )?;
            Ok(())
        })();
        o
    }
}

/// A label value with `\`, `"` and line breaks escaped, as the text format wants.
fn escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gauges() -> Gauges<'static> {
        Gauges {
            sha256: "ab",
            source: "m\"1",
            loaded_at: 1.5,
            in_flight: 2,
            queued: 3,
            refused_connections: 4,
            ready: true,
        }
    }

    #[test]
    fn counts_come_out_by_route_status_and_label() {
        let m = Metrics::default();
        m.request(route_index("/v1/label"), 200, Duration::from_millis(3), 100);
        m.request(route_index("/v1/label"), 429, Duration::from_micros(200), 0);
        m.request(route_index("/nope"), 404, Duration::from_micros(10), 0);
        m.request(route_index("/v1/label"), 299, Duration::from_secs(20), 0);
        m.articles(0, 3, 1, [("leak", 2), ("attack", 1)]);
        m.articles(0, 1, 0, [("leak", 1)]);
        m.reload(false);
        m.refused(Refusal::QueueFull);
        let text = m.render(&gauges());
        for line in [
            "tasnif_requests_total{route=\"/v1/label\",status=\"200\"} 1",
            "tasnif_requests_total{route=\"/v1/label\",status=\"429\"} 1",
            "tasnif_requests_total{route=\"/v1/label\",status=\"2xx\"} 1",
            "tasnif_requests_total{route=\"other\",status=\"404\"} 1",
            "tasnif_request_errors_total{route=\"/v1/label\",status=\"429\"} 1",
            "tasnif_articles_total{route=\"/v1/label\",result=\"ok\"} 4",
            "tasnif_articles_total{route=\"/v1/label\",result=\"error\"} 1",
            "tasnif_request_bytes_total{route=\"/v1/label\"} 100",
            "tasnif_request_duration_seconds_bucket{route=\"/v1/label\",le=\"0.0005\"} 1",
            "tasnif_request_duration_seconds_bucket{route=\"/v1/label\",le=\"0.005\"} 2",
            "tasnif_request_duration_seconds_bucket{route=\"/v1/label\",le=\"10\"} 2",
            "tasnif_request_duration_seconds_bucket{route=\"/v1/label\",le=\"+Inf\"} 3",
            "tasnif_request_duration_seconds_count{route=\"/v1/label\"} 3",
            "tasnif_label_articles_total{label=\"leak\"} 3",
            "tasnif_label_articles_total{label=\"attack\"} 1",
            "tasnif_refused_total{reason=\"queue_full\"} 1",
            "tasnif_refused_total{reason=\"connections\"} 4",
            "tasnif_model_info{sha256=\"ab\",source=\"m\\\"1\"} 1",
            "tasnif_model_reloads_total{result=\"error\"} 1",
            "tasnif_model_reload_failed 1",
            "tasnif_in_flight_requests 2",
            "tasnif_queued_requests 3",
        ] {
            assert!(text.lines().any(|l| l == line), "no line {line}:\n{text}");
        }
        assert!(!text.contains(
            "status=\"404\"} 1\ntasnif_request_errors_total{route=\"/v1/label\",status=\"200\""
        ));
        m.reload(true);
        assert!(m.render(&gauges()).contains("tasnif_model_reload_failed 0"));
        // every sample line is NAME{labels} VALUE or NAME VALUE
        for l in text.lines().filter(|l| !l.starts_with('#')) {
            let value = l.rsplit(' ').next().expect("a value");
            assert!(value.parse::<f64>().is_ok(), "{l}");
        }
    }
}
