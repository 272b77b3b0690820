//! `tasnif serve`: records byte for byte as `tasnif label` writes them, the
//! JSON errors (400, 413, 415, 429, 401), model reloads on SIGHUP (a good
//! file and a broken one), and the drain on SIGTERM. Each test starts the
//! real binary on a free loopback port (`--port 0`, read from its log) and
//! talks to it with a few lines of HTTP/1.1 over a socket.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::common::*;

/// A running `tasnif serve`, killed when dropped.
struct Server {
    child: Child,
    addr: String,
    log: Arc<Mutex<String>>,
}

/// An answer: status, headers (names in lowercase) and body.
struct Resp {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Resp {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }
    /// Asserts a JSON error of `status` and `kind`.
    fn error(&self, status: u16, kind: &str) -> String {
        assert_eq!(self.status, status, "{}", self.text());
        assert_eq!(self.header("content-type"), Some("application/json"));
        let v = self.json();
        assert_eq!(v["kind"], kind, "{v}");
        v["error"].as_str().expect("a message").to_string()
    }
}

impl Server {
    fn start(dir: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tasnif"))
            .args(["serve", "--port", "0", "-j", "2"])
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("tasnif serve starts");
        let log = Arc::new(Mutex::new(String::new()));
        let (tx, rx) = std::sync::mpsc::channel();
        let stderr = child.stderr.take().expect("stderr");
        let l = log.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if let Some(i) = line.find("listening on http://") {
                    let rest = &line[i + "listening on http://".len()..];
                    let addr: String = rest
                        .chars()
                        .take_while(|c| !c.is_whitespace() && *c != '"')
                        .collect();
                    let _ = tx.send(addr);
                }
                let mut log = l.lock().expect("log");
                log.push_str(&line);
                log.push('\n');
            }
        });
        let addr = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(a) => a,
            Err(_) => {
                let _ = child.kill();
                panic!(
                    "tasnif serve did not say where it listens within 30 s:\n{}",
                    log.lock().expect("log")
                );
            }
        };
        Server { child, addr, log }
    }

    fn log(&self) -> String {
        self.log.lock().expect("log").clone()
    }

    /// Sends one request on a new connection and reads the whole answer.
    fn request(&self, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Resp {
        let mut s = self.connect();
        let mut head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nContent-Length: {}\r\n",
            self.addr,
            body.len()
        );
        for (k, v) in headers {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        head.push_str("\r\n");
        s.write_all(head.as_bytes()).expect("send");
        s.write_all(body).expect("send the body");
        read_response(&mut s)
    }

    fn connect(&self) -> TcpStream {
        let s = TcpStream::connect(&self.addr).expect("connect to the service");
        s.set_read_timeout(Some(Duration::from_secs(30)))
            .expect("timeout");
        s
    }

    fn get(&self, path: &str) -> Resp {
        self.request("GET", path, &[], b"")
    }

    fn post_json(&self, path: &str, body: &str) -> Resp {
        self.request(
            "POST",
            path,
            &[("Content-Type", "application/json")],
            body.as_bytes(),
        )
    }

    fn post_lines(&self, body: &[u8]) -> Resp {
        self.request(
            "POST",
            "/v1/label",
            &[("Content-Type", "application/x-ndjson")],
            body,
        )
    }

    #[cfg(unix)]
    fn signal(&self, sig: i32) {
        // SAFETY: kill with the pid of a child this test started.
        let r = unsafe { libc::kill(self.child.id() as i32, sig) };
        assert_eq!(r, 0, "kill");
    }

    /// Waits for the process to end, at most `secs` seconds.
    fn wait(&mut self, secs: u64) -> std::process::ExitStatus {
        let end = Instant::now() + Duration::from_secs(secs);
        loop {
            if let Some(s) = self.child.try_wait().expect("wait") {
                return s;
            }
            assert!(
                Instant::now() < end,
                "still running after {secs} s:\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Polls `path` until `ok` holds for its answer, at most 15 s.
    fn until(&self, path: &str, what: &str, ok: impl Fn(&Resp) -> bool) -> Resp {
        let end = Instant::now() + Duration::from_secs(15);
        loop {
            let r = self.get(path);
            if ok(&r) {
                return r;
            }
            assert!(
                Instant::now() < end,
                "{what}: not within 15 s; last {path}: {}\n{}",
                r.text(),
                self.log()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn read_response(s: &mut TcpStream) -> Resp {
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).expect("read the answer");
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no header end: {}", String::from_utf8_lossy(&raw)));
    let head = String::from_utf8_lossy(&raw[..end]).into_owned();
    let mut lines = head.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("a status line");
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
        .collect();
    let mut body = raw[end + 4..].to_vec();
    if headers
        .iter()
        .any(|(k, v)| k == "transfer-encoding" && v.contains("chunked"))
    {
        body = dechunk(&body);
    }
    Resp {
        status,
        headers,
        body,
    }
}

fn dechunk(mut b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let i = b.windows(2).position(|w| w == b"\r\n").expect("chunk size");
        let n = usize::from_str_radix(std::str::from_utf8(&b[..i]).expect("hex").trim(), 16)
            .expect("chunk size");
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&b[i + 2..i + 2 + n]);
        b = &b[i + 4 + n..];
    }
}

/// The seeds as `tasnif label seeds/` names them, with their texts.
fn seed_articles() -> Vec<(String, String)> {
    let mut names: Vec<String> = names(&root().join("seeds"))
        .into_iter()
        .filter(|n| n.ends_with(".txt"))
        .collect();
    names.sort();
    names
        .into_iter()
        .map(|n| {
            let text = std::fs::read_to_string(root().join("seeds").join(&n)).expect("a seed");
            (format!("seeds/{n}"), text)
        })
        .collect()
}

fn article_json(id: &str, text: &str) -> String {
    serde_json::json!({"id": id, "text": text}).to_string()
}

/// `tasnif label seeds/ ARGS`'s output, its records.
fn label_seeds(args: &[&str]) -> Vec<String> {
    let mut all = vec!["label", "seeds/"];
    all.extend_from_slice(args);
    let out = tasnif(&all);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    stdout(&out).lines().map(str::to_string).collect()
}

#[test]
fn records_are_byte_for_byte_those_of_label_one_by_one_and_in_batches() {
    let server = Server::start(&root(), &[]);
    let seeds = seed_articles();
    assert_eq!(seeds.len(), 5);
    let expected = label_seeds(&[]);
    assert_eq!(expected.len(), 5);

    for ((id, text), want) in seeds.iter().zip(&expected) {
        let r = server.post_json("/v1/label", &article_json(id, text));
        assert_eq!(r.status, 200, "{}", r.text());
        assert_eq!(r.header("content-type"), Some("application/json"));
        assert_eq!(r.text(), format!("{want}\n"), "one article: {id}");
    }

    let lines: String = seeds
        .iter()
        .map(|(id, t)| article_json(id, t) + "\n")
        .collect();
    let r = server.post_lines(lines.as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("content-type"), Some("application/x-ndjson"));
    assert_eq!(r.text(), expected.join("\n") + "\n", "JSON lines");

    let array = format!(
        "[{}]",
        seeds
            .iter()
            .map(|(id, t)| article_json(id, t))
            .collect::<Vec<_>>()
            .join(",")
    );
    let r = server.post_json("/v1/label", &array);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.text(), format!("[{}]\n", expected.join(",")), "an array");

    // the options, in the query and in the body, as label's flags
    let with = label_seeds(&[
        "--top-k",
        "6",
        "--explain",
        "4",
        "--multi",
        "--threshold",
        "0.05",
        "--gate-threshold",
        "0.5",
    ]);
    let r = server.post_json(
        "/v1/label?top_k=6&explain=4&multi=true&threshold=0.05&gate_threshold=0.5",
        &array,
    );
    assert_eq!(r.text(), format!("[{}]\n", with.join(",")), "query options");
    let articles: Vec<Value> = seeds
        .iter()
        .map(|(id, t)| serde_json::json!({"id": id, "text": t}))
        .collect();
    let body = serde_json::json!({"articles": articles, "top_k": 6, "explain": 4,
        "multi": true, "threshold": 0.05, "gate_threshold": 0.5});
    let r = server.post_json("/v1/label?top_k=2", &body.to_string());
    assert_eq!(
        r.text(),
        format!("[{}]\n", with.join(",")),
        "body options, over the query's"
    );
    let (id, text) = &seeds[0];
    let one = serde_json::json!({"id": id, "text": text, "top_k": 6, "explain": 4,
        "multi": true, "threshold": 0.05, "gate_threshold": 0.5});
    let r = server.post_json("/v1/label", &one.to_string());
    assert_eq!(r.text(), format!("{}\n", with[0]), "one article's options");

    // the counters saw it all
    let m = server.get("/metrics").text();
    for needle in [
        "tasnif_requests_total{route=\"/v1/label\",status=\"200\"} 10",
        "tasnif_articles_total{route=\"/v1/label\",result=\"ok\"} 26",
        "tasnif_request_duration_seconds_count{route=\"/v1/label\"} 10",
        "tasnif_label_articles_total{label=\"",
        "tasnif_model_info{sha256=\"",
    ] {
        assert!(m.contains(needle), "/metrics lacks {needle}:\n{m}");
    }
}

#[test]
fn one_bad_article_gets_an_error_record_and_bad_requests_get_json_errors() {
    let server = Server::start(&root(), &["--max-bytes", "20000", "--max-articles", "3"]);
    let seeds = seed_articles();
    let small: Vec<&(String, String)> = seeds.iter().filter(|(_, t)| t.len() < 9000).collect();
    assert!(small.len() >= 2, "two seeds under 9 kB");
    let good = server.post_json("/v1/label", &article_json(&small[0].0, &small[0].1));
    assert_eq!(good.status, 200);

    // one bad article in a batch: an error record, the others as alone
    let batch = format!(
        "[{},{{\"id\":\"x\",\"txt\":\"typo\"}},{{\"id\":\"y\",\"text\":7}}]",
        article_json(&small[0].0, &small[0].1)
    );
    let r = server.post_json("/v1/label", &batch);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("x-tasnif-failed"), Some("2"));
    let good_record = good.text();
    assert!(
        r.text()
            .starts_with(&format!("[{},", good_record.trim_end())),
        "the good article's record as alone: {}",
        r.text()
    );
    let recs = r.json();
    assert_eq!(recs[1]["id"], "x");
    assert_eq!(recs[1]["label"], Value::Null);
    assert!(recs[1]["error"]
        .as_str()
        .expect("error")
        .contains("missing field 'text'"));
    assert!(recs[2]["error"]
        .as_str()
        .expect("error")
        .contains("not a string"));
    // the same in JSON lines, with a line that is not JSON
    let lines = format!("{}\nnot json\n", article_json(&small[1].0, &small[1].1));
    let r = server.post_lines(lines.as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    let recs = records(&r.text());
    assert_eq!(recs.len(), 2);
    assert_eq!(recs[0]["error"], Value::Null);
    assert_eq!(recs[1]["id"], "request:2");
    assert!(recs[1]["error"]
        .as_str()
        .expect("error")
        .contains("not valid JSON"));

    // 400
    let e = server
        .post_json("/v1/label", "{\"id\": \"a\", \"text\": ")
        .error(400, "invalid_json");
    assert!(e.contains("not valid JSON"), "{e}");
    let e = server
        .post_json("/v1/label", "{\"id\": \"a\"}")
        .error(400, "invalid_field");
    assert!(e.contains("missing field 'text'"), "{e}");
    let r = server.request(
        "POST",
        "/v1/label",
        &[("Content-Type", "application/json")],
        b"{\"text\": \"\xff\xfe\"}",
    );
    let e = r.error(400, "invalid_utf8");
    assert!(e.contains("offset 10"), "{e}");
    server
        .post_json("/v1/label", "42")
        .error(400, "invalid_json");
    server
        .post_json("/v1/label?top_k=0", "{\"text\":\"نص\"}")
        .error(400, "invalid_option");
    server
        .post_json("/v1/label?topk=2", "{\"text\":\"نص\"}")
        .error(400, "invalid_option");
    let e = server
        .post_json("/v1/label?threshold=0.2", "{\"text\":\"نص\"}")
        .error(400, "invalid_option");
    assert!(e.contains("multi"), "{e}");
    server
        .post_json("/v1/label", "{\"text\":\"نص\",\"explain\":\"5\"}")
        .error(400, "invalid_option");
    // 413: a body over --max-bytes, and more articles than --max-articles
    let big = article_json("big", &"ا".repeat(15_000));
    let e = server.post_json("/v1/label", &big).error(413, "too_large");
    assert!(e.contains("20000"), "{e}");
    let four = format!("[{}]", vec![article_json("a", "نص"); 4].join(","));
    server
        .post_json("/v1/label", &four)
        .error(413, "too_many_articles");
    let four_lines = vec![article_json("a", "نص"); 4].join("\n");
    server
        .post_lines(four_lines.as_bytes())
        .error(413, "too_many_articles");
    // 415, 404, 405
    server
        .request("POST", "/v1/label", &[("Content-Type", "text/plain")], b"x")
        .error(415, "unsupported_media_type");
    server.get("/v2/label").error(404, "not_found");
    assert_eq!(server.get("/v1/label").status, 405);

    let m = server.get("/metrics").text();
    assert!(
        m.contains("tasnif_request_errors_total{route=\"/v1/label\",status=\"400\"} 8"),
        "{m}"
    );
    assert!(
        m.contains("tasnif_request_errors_total{route=\"/v1/label\",status=\"413\"} 3"),
        "{m}"
    );
    assert!(
        m.contains("tasnif_articles_total{route=\"/v1/label\",result=\"error\"} 3"),
        "{m}"
    );
}

/// Starts a request to label and sends only part of its body: the request
/// then holds a place (admitted before its body is read) until `finish`.
struct Pending {
    stream: TcpStream,
    rest: Vec<u8>,
}

impl Pending {
    fn start(server: &Server, body: &str) -> Pending {
        let mut stream = server.connect();
        let (first, rest) = body.as_bytes().split_at(body.len() / 2);
        let head = format!(
            "POST /v1/label HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            body.len()
        );
        stream.write_all(head.as_bytes()).expect("send");
        stream.write_all(first).expect("send");
        stream.flush().expect("flush");
        Pending {
            stream,
            rest: rest.to_vec(),
        }
    }

    fn finish(mut self) -> Resp {
        self.stream.write_all(&self.rest).expect("send the rest");
        read_response(&mut self.stream)
    }
}

fn gauge(metrics: &str, name: &str) -> f64 {
    metrics
        .lines()
        .find_map(|l| l.strip_prefix(name)?.strip_prefix(' ')?.parse().ok())
        .unwrap_or(-1.0)
}

#[test]
fn a_full_queue_gets_429_and_a_slow_request_503_each_with_retry_after() {
    let server = Server::start(
        &root(),
        &["--max-concurrent", "1", "--queue", "1", "--timeout", "2"],
    );
    let seeds = seed_articles();
    let body = article_json(&seeds[0].0, &seeds[0].1);
    let holder = Pending::start(&server, &body);
    server.until("/metrics", "the first request holds the place", |r| {
        gauge(&r.text(), "tasnif_in_flight_requests") == 1.0
    });
    // the second waits in the queue; the third finds it full
    let queued = {
        let body = body.clone();
        let addr = server.addr.clone();
        std::thread::spawn(move || {
            let mut s = TcpStream::connect(addr).expect("connect");
            s.set_read_timeout(Some(Duration::from_secs(30)))
                .expect("timeout");
            let head = format!(
                "POST /v1/label HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            );
            s.write_all(head.as_bytes()).expect("send");
            read_response(&mut s)
        })
    };
    server.until("/metrics", "the second request waits", |r| {
        gauge(&r.text(), "tasnif_queued_requests") == 1.0
    });
    let r = server.post_json("/v1/label", &body);
    let e = r.error(429, "overloaded");
    assert!(e.contains("try again"), "{e}");
    assert_eq!(r.header("retry-after"), Some("1"));
    assert_eq!(
        r.header("connection"),
        Some("close"),
        "its body was not read"
    );
    // the first finishes; then the one that waited is answered
    let r = holder.finish();
    assert_eq!(r.status, 200, "{}", r.text());
    let r = queued.join().expect("the queued request");
    assert_eq!(r.status, 200, "{}", r.text());
    // a request whose body does not come in time: 503 after --timeout
    let started = Instant::now();
    let mut slow = Pending::start(&server, &body).stream;
    let r = read_response(&mut slow);
    let e = r.error(503, "timeout");
    assert!(e.contains("timeout of 2 s"), "{e}");
    assert_eq!(r.header("retry-after"), Some("1"));
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(1900) && waited < Duration::from_secs(10),
        "{waited:?}"
    );
    let m = server.get("/metrics").text();
    assert!(
        m.contains("tasnif_refused_total{reason=\"queue_full\"} 1"),
        "{m}"
    );
    assert!(
        m.contains("tasnif_refused_total{reason=\"timeout\"} 1"),
        "{m}"
    );
}

#[test]
fn connections_over_the_limit_get_503_and_are_closed() {
    let server = Server::start(&root(), &["--max-connections", "2"]);
    let a = server.connect();
    let b = server.connect();
    std::thread::sleep(Duration::from_millis(200));
    let mut c = server.connect();
    let r = read_response(&mut c);
    assert_eq!(r.error(503, "overloaded"), "too many open connections");
    assert_eq!(r.header("retry-after"), Some("1"));
    drop((a, b));
    server.until("/healthz", "a freed connection admits again", |r| {
        r.status == 200
    });
}

#[test]
fn a_token_is_required_beyond_loopback_and_checked_when_given() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = tasnif_in(dir.path(), &["serve", "--host", "0.0.0.0", "--port", "0"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("--token-file"), "{}", stderr(&out));
    std::fs::write(dir.path().join("empty"), "\n").expect("write");
    let out = tasnif_in(
        dir.path(),
        &["serve", "--port", "0", "--token-file", "empty"],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("empty"), "{}", stderr(&out));

    std::fs::write(dir.path().join("token"), "s3cret-token\n").expect("write");
    let server = Server::start(dir.path(), &["--token-file", "token"]);
    let body = article_json("a", "تسريب بيانات ملايين المستخدمين بعد اختراق");
    let r = server.post_json("/v1/label", &body);
    r.error(401, "unauthorized");
    assert_eq!(r.header("www-authenticate"), Some("Bearer"));
    let wrong = [
        ("Authorization", "Bearer s3cret-tokeN"),
        ("Content-Type", "application/json"),
    ];
    server
        .request("POST", "/v1/label", &wrong, body.as_bytes())
        .error(401, "unauthorized");
    server.get("/metrics").error(401, "unauthorized");
    let right = [
        ("Authorization", "Bearer s3cret-token"),
        ("Content-Type", "application/json"),
    ];
    let r = server.request("POST", "/v1/label", &right, body.as_bytes());
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(server.get("/healthz").status, 200, "probes need no token");
    assert_eq!(server.get("/readyz").status, 200);
}

#[test]
fn model_openapi_and_probes_describe_the_service() {
    let server = Server::start(&root(), &["--log-format", "json"]);
    let ready = server.get("/readyz");
    assert_eq!(ready.status, 200);
    let m = server.get("/v1/model?top_terms=3").json();
    assert_eq!(ready.json()["model"]["sha256"], m["sha256"]);
    assert_eq!(m["sha256"].as_str().map(str::len), Some(64));
    assert_eq!(m["source"], "bundled");
    // inspect's labels and gate
    let dir = tempfile::tempdir().expect("tempdir");
    let model = dir.path().join("default.tasnif");
    std::fs::copy(root().join("models/default.tasnif"), &model).expect("copy");
    let out = tasnif(&["inspect", model.to_str().expect("path"), "--top-terms", "0"]);
    let inspect = stdout(&out);
    let labels = m["labels"].as_array().expect("labels");
    assert!(labels.len() >= 2);
    for l in labels {
        let line = format!("  {}", l["name"].as_str().expect("a name"));
        assert!(inspect.contains(&line), "{line} not in inspect:\n{inspect}");
        assert_eq!(
            m["top_terms"][l["name"].as_str().expect("name")]
                .as_array()
                .map(Vec::len),
            Some(3)
        );
    }
    let threshold = m["gate"]["threshold"].as_f64().expect("a gate threshold");
    assert!(
        inspect.contains(&format!("at least {threshold:.4}")),
        "{inspect}"
    );
    assert!(
        inspect.contains(m["refinement"].as_str().expect("refinement")),
        "{inspect}"
    );

    let api = server.get("/openapi.json").json();
    for path in [
        "/v1/label",
        "/v1/model",
        "/healthz",
        "/readyz",
        "/metrics",
        "/openapi.json",
    ] {
        assert!(api["paths"][path].is_object(), "openapi.json lacks {path}");
    }
    assert_eq!(server.get("/healthz").json()["status"], "ok");

    // one JSON log line per request
    let _ = server.post_json("/v1/label", &article_json("a", "نص"));
    let r = server.until("/healthz", "the access lines are written", |_| {
        server.log().matches("tasnif::access").count() >= 6
    });
    assert_eq!(r.status, 200);
    let log = server.log();
    let mut access = 0;
    for line in log.lines() {
        let v: Value =
            serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        if v["target"] == "tasnif::access" {
            access += 1;
            assert!(
                v["status"].is_u64() && v["ms"].is_f64() && v["method"].is_string(),
                "{v}"
            );
        }
    }
    assert!(access >= 6, "{log}");
}

/// Writes `bytes` to `path` through a temporary file and a rename, as a
/// deployment would.
fn replace(path: &Path, bytes: &[u8]) {
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, bytes).expect("write");
    std::fs::rename(&tmp, path).expect("rename");
}

#[cfg(unix)]
#[test]
fn sighup_swaps_a_good_model_in_and_keeps_serving_through_a_broken_one() {
    let fx = Fixture::new(8); // a model of economy, sports and technology
    let other = std::fs::read(fx.path("model.tasnif")).expect("the fixture's model");
    let path = fx.path("serving.tasnif");
    std::fs::copy(root().join("models/default.tasnif"), &path).expect("copy");
    let server = Server::start(fx.dir.path(), &["-m", "serving.tasnif"]);
    let first = server.get("/v1/model").json()["sha256"]
        .as_str()
        .expect("sha")
        .to_string();
    let text = article(0, 5);
    let body = article_json("a", &text);
    let before = server.post_json("/v1/label", &body);
    assert_eq!(before.header("x-tasnif-model"), Some(first.as_str()));

    // a request in flight when the model changes is answered by the old one
    let in_flight = Pending::start(&server, &body);
    server.until("/metrics", "the request holds its place", |r| {
        gauge(&r.text(), "tasnif_in_flight_requests") == 1.0
    });
    replace(&path, &other);
    server.signal(libc::SIGHUP);
    let m = server.until("/v1/model", "the new model serves", |r| {
        r.json()["sha256"].as_str() != Some(first.as_str())
    });
    let second = m.json()["sha256"].as_str().expect("sha").to_string();
    assert_eq!(m.json()["last_reload"]["result"], "ok");
    let old = in_flight.finish();
    assert_eq!(old.status, 200);
    assert_eq!(old.header("x-tasnif-model"), Some(first.as_str()));
    assert_eq!(
        old.text(),
        before.text(),
        "answered by the model it started with"
    );
    let after = server.post_json("/v1/label", &body);
    assert_eq!(after.header("x-tasnif-model"), Some(second.as_str()));
    assert_eq!(after.json()["label"], "economy", "{}", after.text());
    let direct = fx.run(&["label", "-m", "model.tasnif", "corpus/economy/005.txt"]);
    let want: Value = records(&stdout(&direct))[0].clone();
    assert_eq!(content(&after.json()), content(&want));

    // a broken file: the model that serves stays, and the log and /metrics say so
    let mut broken = other.clone();
    broken.truncate(other.len() / 2);
    replace(&path, &broken);
    server.signal(libc::SIGHUP);
    let metrics = server.until("/metrics", "the failed reload is counted", |r| {
        r.text()
            .contains("tasnif_model_reloads_total{result=\"error\"} 1")
    });
    assert!(metrics.text().contains("tasnif_model_reload_failed 1"));
    assert!(metrics.text().contains(&format!("sha256=\"{second}\"")));
    let m = server.get("/v1/model").json();
    assert_eq!(m["sha256"], second.as_str());
    assert_eq!(m["last_reload"]["result"], "error");
    assert!(m["last_reload"]["error"]
        .as_str()
        .expect("why")
        .contains("serving.tasnif"));
    let still = server.post_json("/v1/label", &body);
    assert_eq!(still.text(), after.text());
    assert!(
        server.log().contains("model reload failed"),
        "{}",
        server.log()
    );
    assert_eq!(server.get("/readyz").status, 200);
}

#[cfg(unix)]
#[test]
fn sigterm_drains_the_requests_in_flight_then_exits_0() {
    let mut server = Server::start(&root(), &[]);
    let seeds = seed_articles();
    let body = article_json(&seeds[1].0, &seeds[1].1);
    let want = server.post_json("/v1/label", &body).text();
    let in_flight = Pending::start(&server, &body);
    server.until("/metrics", "the request holds its place", |r| {
        gauge(&r.text(), "tasnif_in_flight_requests") == 1.0
    });
    server.signal(libc::SIGTERM);
    let end = Instant::now() + Duration::from_secs(10);
    while !server.log().contains("draining") {
        assert!(Instant::now() < end, "no drain:\n{}", server.log());
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        server.child.try_wait().expect("wait").is_none(),
        "exited with a request in flight"
    );
    let r = in_flight.finish();
    assert_eq!(r.status, 200);
    assert_eq!(r.text(), want);
    let status = server.wait(15);
    assert_eq!(status.code(), Some(0), "{}", server.log());
    assert!(server.log().contains("stopped"));
}

#[test]
fn watch_loads_a_changed_model_file_by_itself() {
    let fx = Fixture::new(8);
    let path = fx.path("serving.tasnif");
    std::fs::copy(root().join("models/default.tasnif"), &path).expect("copy");
    let server = Server::start(fx.dir.path(), &["-m", "serving.tasnif", "--watch"]);
    let first = server.get("/v1/model").json()["sha256"].clone();
    replace(
        &path,
        &std::fs::read(fx.path("model.tasnif")).expect("model"),
    );
    let m = server.until("/v1/model", "the changed file serves", |r| {
        r.json()["sha256"] != first
    });
    let v = m.json();
    let labels: Vec<&str> = v["labels"]
        .as_array()
        .expect("labels")
        .iter()
        .filter_map(|l| l["name"].as_str())
        .collect();
    assert_eq!(labels, ["economy", "sports", "technology"]);
    // the log line may reach the reader thread after the new model serves
    let deadline = Instant::now() + Duration::from_secs(10);
    while !server.log().contains("the model file changed") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        server.log().contains("the model file changed"),
        "{}",
        server.log()
    );
}
