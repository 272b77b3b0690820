//! `tasnif annotate serve`: the workbench's API over loopback (two
//! annotators, two servers on one file, a `kill -9` while labeling, a
//! label set changed under a running server, bad requests) and the page in
//! a real browser (headless Chromium driven over the DevTools protocol):
//! labeling by keyboard, undo, a note, a reload, a `kill -9` and a restart.
//! Synthetic data only; every request goes to 127.0.0.1.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::common::*;
use serde_json::{json, Value};

/// A running `tasnif annotate serve`, killed (SIGKILL) when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(dir: &Path, db: &str, extra: &[&str]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_tasnif"))
            .args(["annotate", "serve", db, "--port", "0"])
            .args(extra)
            .current_dir(dir)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the server starts");
        let out = child.stdout.take().expect("stdout");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut line = String::new();
            let _ = BufReader::new(out).read_line(&mut line);
            let _ = tx.send(line);
        });
        let line = match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(l) if !l.is_empty() => l,
            _ => {
                let _ = child.kill();
                let mut err = String::new();
                if let Some(mut e) = child.stderr.take() {
                    let _ = e.read_to_string(&mut err);
                }
                panic!("the server printed no URL: {err}");
            }
        };
        assert!(
            line.starts_with("serving ") && line.contains("http://127.0.0.1:"),
            "{line}"
        );
        let port = line
            .trim()
            .trim_end_matches('/')
            .rsplit(':')
            .next()
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("no port in {line}"));
        Server { child, port }
    }

    fn url(&self, path: &str) -> String {
        format!("http://127.0.0.1:{}{path}", self.port)
    }

    /// SIGKILL, as `kill -9`.
    fn kill(mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reaped");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request to 127.0.0.1:`port`: (status, body as JSON or
/// as a string). `Err` when the connection fails.
fn http(port: u16, method: &str, path: &str, body: Option<&str>) -> Result<(u16, Value), String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).map_err(|e| e.to_string())?;
    s.set_read_timeout(Some(Duration::from_secs(60)))
        .map_err(|e| e.to_string())?;
    let body = body.unwrap_or("");
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    // read the head, then the body by its length (a server may keep the
    // connection open whatever the request said), else to the end
    let mut resp = Vec::new();
    let mut buf = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = resp.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            return Err("connection closed before the end of the head".into());
        }
        resp.extend_from_slice(&buf[..n]);
    };
    let head = String::from_utf8_lossy(&resp[..head_end]).to_ascii_lowercase();
    let length: Option<usize> = head
        .lines()
        .find_map(|l| l.strip_prefix("content-length:"))
        .and_then(|v| v.trim().parse().ok());
    let chunked = head.contains("transfer-encoding: chunked");
    loop {
        let body = &resp[head_end..];
        let done = match length {
            Some(n) => body.len() >= n,
            None if chunked => body.ends_with(b"0\r\n\r\n"),
            None => false,
        };
        if done {
            break;
        }
        let n = s.read(&mut buf).map_err(|e| e.to_string())?;
        if n == 0 {
            break;
        }
        resp.extend_from_slice(&buf[..n]);
    }
    let status: u16 = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or("no status")?;
    let rest = String::from_utf8_lossy(&resp[head_end..]).into_owned();
    let payload = if chunked { dechunk(&rest) } else { rest };
    let v = serde_json::from_str(&payload).unwrap_or(Value::String(payload));
    Ok((status, v))
}

fn dechunk(mut s: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = s.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 || rest.len() < n {
            break;
        }
        out.push_str(&rest[..n]);
        s = rest[n..].trim_start_matches("\r\n");
    }
    out
}

fn get(port: u16, path: &str) -> Value {
    let (code, v) = http(port, "GET", path, None).expect("GET");
    assert_eq!(code, 200, "GET {path}: {v}");
    v
}

fn post(port: u16, path: &str, body: Value) -> (u16, Value) {
    http(port, "POST", path, Some(&body.to_string())).expect("POST")
}

/// A project over a synthetic corpus of 3 topics × `per_label` articles.
fn project(per_label: usize) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write_corpus(&dir.path().join("corpus"), per_label);
    let out = tasnif_in(
        dir.path(),
        &[
            "annotate",
            "init",
            "p.db",
            "--pool",
            "corpus",
            "--labels",
            "economy,sports,technology",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    dir
}

/// The topic of a synthetic article, from its id (`corpus/<topic>/…`).
fn truth(id: &str) -> String {
    id.split('/')
        .nth(1)
        .expect("corpus/<topic>/file")
        .to_string()
}

/// The current labels of the project, from `annotate export`: id → label.
fn exported(dir: &Path) -> std::collections::BTreeMap<String, String> {
    let out = tasnif_in(dir, &["annotate", "export", "p.db"]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
        .lines()
        .skip(1)
        .map(|l| {
            let (p, label) = l.rsplit_once(',').expect("path,label");
            let id = p[p.find("corpus/").expect("corpus/")..].to_string();
            (id, label.to_string())
        })
        .collect()
}

fn article(v: &Value) -> (usize, String) {
    let a = &v["article"];
    (
        a["doc"].as_u64().expect("doc") as usize,
        a["id"].as_str().expect("id").to_string(),
    )
}

#[test]
fn two_annotators_never_get_the_same_article_and_labels_commit() {
    let dir = project(10);
    let s = Server::start(dir.path(), "p.db", &["--retrain-every", "3"]);
    let p = get(s.port, "/api/project");
    assert_eq!(p["labels"], json!(["economy", "sports", "technology"]));
    let page = http(s.port, "GET", "/", None).expect("page");
    assert!(
        page.1.as_str().is_some_and(|h| h.contains("dir=\"rtl\"")),
        "the page"
    );
    let mut seen = std::collections::BTreeSet::new();
    let mut a = article(&get(s.port, "/api/next?annotator=amal"));
    let mut b = article(&get(s.port, "/api/next?annotator=bilal"));
    // a reload gives each the same article again (their lease)
    assert_eq!(article(&get(s.port, "/api/next?annotator=amal")), a);
    for _ in 0..6 {
        assert_ne!(a.0, b.0, "amal and bilal got the same article");
        assert!(
            seen.insert(a.1.clone()) && seen.insert(b.1.clone()),
            "an article came back"
        );
        let (code, v) = post(
            s.port,
            "/api/label",
            json!({"annotator": "amal", "doc": a.0, "label": truth(&a.1), "note": "ok"}),
        );
        assert_eq!(code, 200, "{v}");
        assert_eq!(v["committed"]["id"], a.1);
        a = article(&v);
        let (code, v) = post(
            s.port,
            "/api/label",
            json!({"annotator": "bilal", "doc": b.0, "label": truth(&b.1)}),
        );
        assert_eq!(code, 200, "{v}");
        b = article(&v);
    }
    // a skip, then undo gives the skipped article back
    let (code, v) = post(
        s.port,
        "/api/skip",
        json!({"annotator": "amal", "doc": a.0}),
    );
    assert_eq!(code, 200, "{v}");
    let (code, v) = post(s.port, "/api/undo", json!({"annotator": "amal"}));
    assert_eq!(code, 200, "{v}");
    assert_eq!(article(&v), a, "undo brings the skipped article back");
    // bad requests: clear errors, and the server goes on
    for (path, body, needle) in [
        (
            "/api/label",
            json!({"annotator": "amal", "doc": a.0, "label": "weather"}),
            "'weather' is not in the label set",
        ),
        (
            "/api/label",
            json!({"annotator": "amal", "doc": 99999, "label": "sports"}),
            "no article number 99999",
        ),
        (
            "/api/label",
            json!({"annotator": " ", "doc": a.0, "label": "sports"}),
            "annotator",
        ),
        (
            "/api/label",
            json!({"annotator": "amal", "doc": a.0}),
            "label: missing",
        ),
    ] {
        let (code, v) = post(s.port, path, body);
        assert_eq!(code, 400, "{v}");
        assert!(
            v["error"].as_str().is_some_and(|e| e.contains(needle)),
            "{v}"
        );
    }
    let (code, _) = http(s.port, "POST", "/api/label", Some("{not json")).expect("POST");
    assert!((400..500).contains(&code), "malformed JSON: {code}");
    // the model retrains in the background: the stats see it
    let start = Instant::now();
    loop {
        let st = get(s.port, "/api/stats");
        assert_eq!(st["labeled"], 12, "{st}");
        let small = st["per_label"]
            .as_array()
            .expect("per label")
            .iter()
            .any(|l| l[1].as_u64().unwrap_or(0) < 3);
        if st["model_trained_on"].as_u64() == Some(12) && (small || st["estimate"].is_object()) {
            if !small {
                assert!(
                    st["estimate"]["curve"]
                        .as_array()
                        .is_some_and(|c| !c.is_empty()),
                    "{st}"
                );
            }
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no retraining in 60 s: {st}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(s);
    assert_eq!(exported(dir.path()).len(), 12);
}

#[test]
fn a_kill_9_while_labeling_loses_no_acknowledged_label() {
    let dir = project(40);
    let s = Server::start(dir.path(), "p.db", &[]);
    let port = s.port;
    let acked: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let log = Arc::clone(&acked);
    // label as fast as the server answers, until it dies (bounded: 120 labels)
    let client = std::thread::spawn(move || {
        let Ok((200, v)) = http(port, "GET", "/api/next?annotator=k", None) else {
            return;
        };
        let mut cur = article(&v);
        for _ in 0..120 {
            let label = truth(&cur.1);
            let body = json!({"annotator": "k", "doc": cur.0, "label": label}).to_string();
            match http(port, "POST", "/api/label", Some(&body)) {
                Ok((200, v)) => {
                    log.lock().expect("log").push((cur.1.clone(), label));
                    if v["article"].is_null() {
                        return;
                    }
                    cur = article(&v);
                }
                _ => return,
            }
        }
    });
    let start = Instant::now();
    while acked.lock().expect("log").len() < 15 && start.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(5));
    }
    s.kill();
    client.join().expect("client");
    let acked = acked.lock().expect("log").clone();
    assert!(
        acked.len() >= 15,
        "only {} labels before the kill",
        acked.len()
    );
    let stored = exported(dir.path());
    for (id, label) in &acked {
        assert_eq!(
            stored.get(id),
            Some(label),
            "{id}: acknowledged, then lost by kill -9"
        );
    }
    // and the project serves again
    let s = Server::start(dir.path(), "p.db", &[]);
    assert_eq!(
        get(s.port, "/api/stats")["labeled"].as_u64(),
        Some(stored.len() as u64)
    );
}

#[test]
fn two_servers_on_one_project_share_it_safely() {
    let dir = project(10);
    let one = Server::start(dir.path(), "p.db", &[]);
    let two = Server::start(dir.path(), "p.db", &[]);
    let mut a = article(&get(one.port, "/api/next?annotator=amal"));
    let mut b = article(&get(two.port, "/api/next?annotator=bilal"));
    let mut labeled = std::collections::BTreeSet::new();
    for _ in 0..8 {
        assert_ne!(a.0, b.0, "two servers leased the same article");
        assert!(
            labeled.insert(a.0) && labeled.insert(b.0),
            "an article labeled twice"
        );
        let (c1, v1) = post(
            one.port,
            "/api/label",
            json!({"annotator": "amal", "doc": a.0, "label": truth(&a.1)}),
        );
        let (c2, v2) = post(
            two.port,
            "/api/label",
            json!({"annotator": "bilal", "doc": b.0, "label": truth(&b.1)}),
        );
        assert_eq!((c1, c2), (200, 200), "{v1} {v2}");
        a = article(&v1);
        b = article(&v2);
    }
    // a label set changed under running servers: a clear error, not a silent mix
    let out = tasnif_in(
        dir.path(),
        &[
            "annotate",
            "init",
            "p.db",
            "--pool",
            "corpus",
            "--labels",
            "economy,sports,technology,weather",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let (code, v) = post(
        one.port,
        "/api/label",
        json!({"annotator": "amal", "doc": a.0, "label": "sports"}),
    );
    assert_eq!(code, 409, "{v}");
    assert!(
        v["error"]
            .as_str()
            .is_some_and(|e| e.contains("the label set changed") && e.contains("weather")),
        "{v}"
    );
    drop((one, two));
    assert_eq!(exported(dir.path()).len(), 16);
}

// ---------------------------------------------------------------- the browser

/// A page of headless Chromium driven over the DevTools protocol.
struct Browser {
    child: Child,
    ws: tungstenite::WebSocket<tungstenite::stream::MaybeTlsStream<TcpStream>>,
    next_id: u64,
    _profile: tempfile::TempDir,
}

impl Browser {
    fn start(chromium: &Path) -> Browser {
        let profile = tempfile::tempdir().expect("tempdir");
        let mut child = Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--remote-debugging-address=127.0.0.1",
                "--remote-debugging-port=0",
                "--window-size=1280,900",
            ])
            .arg(format!("--user-data-dir={}", profile.path().display()))
            .arg("about:blank")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("chromium starts");
        // "DevTools listening on ws://127.0.0.1:PORT/devtools/browser/…"
        let err = child.stderr.take().expect("stderr");
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                if let Some(i) = line.find("ws://") {
                    let _ = tx.send(line[i..].trim().to_string());
                }
            }
        });
        let browser_ws = rx
            .recv_timeout(Duration::from_secs(60))
            .expect("chromium prints its DevTools address");
        let port: u16 = browser_ws["ws://127.0.0.1:".len()..]
            .split('/')
            .next()
            .and_then(|p| p.parse().ok())
            .expect("a port");
        let start = Instant::now();
        let page_ws = loop {
            if let Ok((200, v)) = http(port, "GET", "/json/list", None) {
                if let Some(p) = v
                    .as_array()
                    .and_then(|a| a.iter().find(|t| t["type"] == "page"))
                {
                    break p["webSocketDebuggerUrl"]
                        .as_str()
                        .expect("ws url")
                        .to_string();
                }
            }
            assert!(start.elapsed() < Duration::from_secs(30), "no page target");
            std::thread::sleep(Duration::from_millis(100));
        };
        let (ws, _) = tungstenite::connect(page_ws.as_str()).expect("DevTools websocket");
        if let tungstenite::stream::MaybeTlsStream::Plain(s) = ws.get_ref() {
            s.set_read_timeout(Some(Duration::from_secs(60)))
                .expect("timeout");
        }
        Browser {
            child,
            ws,
            next_id: 0,
            _profile: profile,
        }
    }

    /// Sends a DevTools command and waits for its answer (which must not be an error).
    fn call(&mut self, method: &str, params: Value) -> Value {
        match self.try_call(method, params) {
            Ok(v) => v,
            Err(e) => panic!("{method}: {e}"),
        }
    }

    /// Sends a DevTools command and waits for its answer or error.
    fn try_call(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        self.next_id += 1;
        let id = self.next_id;
        let msg = json!({"id": id, "method": method, "params": params}).to_string();
        self.ws.send(tungstenite::Message::text(msg)).expect("send");
        loop {
            let m = self.ws.read().expect("a DevTools message");
            if let tungstenite::Message::Text(t) = m {
                let v: Value = serde_json::from_str(t.as_str()).expect("JSON");
                if v["id"].as_u64() == Some(id) {
                    return if v["error"].is_null() {
                        Ok(v["result"].clone())
                    } else {
                        Err(v["error"].clone())
                    };
                }
            }
        }
    }

    fn eval(&mut self, js: &str) -> Value {
        // during a navigation the page's context may be gone: no value yet
        match self.try_call(
            "Runtime.evaluate",
            json!({"expression": js, "returnByValue": true, "awaitPromise": true}),
        ) {
            Ok(r) => r["result"]["value"].clone(),
            Err(_) => Value::Null,
        }
    }

    /// Waits (≤ 30 s) until `js` is truthy; returns its value.
    fn wait(&mut self, js: &str, what: &str) -> Value {
        let start = Instant::now();
        loop {
            let v = self.eval(js);
            if !(v.is_null() || v == json!(false) || v == json!("")) {
                return v;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "waited 30 s for {what}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// A key press as the keyboard sends it (`code` like `Digit2`, `KeyU`).
    fn key(&mut self, code: &str, key: &str, vk: u32) {
        for kind in ["keyDown", "keyUp"] {
            let mut p =
                json!({"type": kind, "code": code, "key": key, "windowsVirtualKeyCode": vk});
            if kind == "keyDown" && key.chars().count() == 1 {
                p["text"] = json!(key);
            }
            self.call("Input.dispatchKeyEvent", p);
        }
    }

    fn navigate(&mut self, url: &str) {
        self.call("Page.enable", json!({}));
        self.call("Page.navigate", json!({"url": url}));
    }

    /// The id of the article shown.
    fn shown(&mut self) -> String {
        self.wait(
            "(document.getElementById('doc-id').textContent || '').split('  ·  ')[0]",
            "an article",
        )
        .as_str()
        .expect("an id")
        .to_string()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Presses the key of `label` and waits until the page shows another
/// article and says the label was saved.
fn label_by_key(b: &mut Browser, labels: &[&str], label: &str) -> String {
    let before = b.shown();
    let i = labels.iter().position(|l| *l == label).expect("a label") + 1;
    b.key(&format!("Digit{i}"), &i.to_string(), 48 + i as u32);
    b.wait(
        &format!(
            "document.getElementById('status').textContent.startsWith('saved: {before}') && document.getElementById('doc-id').textContent.split('  ·  ')[0] !== '{before}'"
        ),
        "the label to be saved and the next article shown",
    );
    before
}

#[test]
#[cfg_attr(
    tasnif_no_chromium,
    ignore = "needs Chromium (apt-get install chromium, or set TASNIF_CHROMIUM)"
)]
fn the_page_labels_by_keyboard_survives_a_reload_and_a_kill_9() {
    let Some(chromium) = chromium("the_page_labels_by_keyboard_survives_a_reload_and_a_kill_9")
    else {
        return;
    };
    let dir = project(12);
    let labels = ["economy", "sports", "technology"];
    let server = Server::start(dir.path(), "p.db", &["--retrain-every", "2"]);
    let mut b = Browser::start(&chromium);
    b.navigate(&server.url("/?annotator=layla"));
    b.wait(
        "document.querySelectorAll('button.label').length === 3",
        "the label buttons",
    );
    assert_eq!(b.eval("document.documentElement.dir"), "rtl");
    let mut acked: Vec<(String, String)> = Vec::new();
    for _ in 0..9 {
        let id = b.shown();
        let l = truth(&id);
        label_by_key(&mut b, &labels, &l);
        acked.push((id, l));
    }
    // undo (U): the last article comes back; relabel it with a note
    b.key("KeyU", "u", 85);
    let last = acked.last().expect("a label").0.clone();
    b.wait(
        &format!("document.getElementById('doc-id').textContent.startsWith('{last}')"),
        "the undone article",
    );
    b.key("KeyN", "n", 78);
    b.wait(
        "document.activeElement && document.activeElement.id === 'note'",
        "the note to have focus",
    );
    b.call("Input.insertText", json!({"text": "ملاحظة: خبر مختلط"}));
    b.key("Escape", "Escape", 27);
    label_by_key(&mut b, &labels, &truth(&last));
    // a suggestion exists once a model is trained in the background (an
    // article fetched before that has none: reload), and Enter accepts it
    let start = Instant::now();
    while b.eval("document.getElementById('suggested-label') !== null") != json!(true) {
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "no suggestion after 60 s"
        );
        std::thread::sleep(Duration::from_millis(500));
        b.call("Page.reload", json!({}));
        b.shown();
    }
    let id = b.shown();
    let suggested = b.eval("document.getElementById('suggested-label').textContent");
    b.key("Enter", "Enter", 13);
    b.wait(
        &format!("document.getElementById('status').textContent.startsWith('saved: {id}')"),
        "Enter to save",
    );
    acked.push((id, suggested.as_str().expect("label").to_string()));
    // reload: same article (the lease), the counts persisted
    let shown = b.shown();
    b.call("Page.reload", json!({}));
    b.wait(
        &format!(
            "document.getElementById('stat-labeled').textContent === '{}'",
            acked.len()
        ),
        "the count after reload",
    );
    assert_eq!(
        b.shown(),
        shown,
        "the reload shows the leased article again"
    );
    // the estimate and the SVG curve appear without blocking the page
    b.wait(
        "document.querySelectorAll('#curve circle').length > 0",
        "the learning curve",
    );
    let f1 = b.eval("document.getElementById('f1').textContent");
    assert!(
        f1.as_str()
            .and_then(|t| t.parse::<f64>().ok())
            .is_some_and(|x| (0.0..=1.0).contains(&x)),
        "{f1}"
    );
    // one more label by key, then kill -9 at once: nothing acknowledged is lost
    let id = b.shown();
    label_by_key(&mut b, &labels, &truth(&id));
    acked.push((id.clone(), truth(&id)));
    server.kill();
    let stored = exported(dir.path());
    assert_eq!(stored.len(), acked.len(), "{stored:?}");
    for (id, l) in &acked {
        assert_eq!(stored.get(id), Some(l), "{id}");
    }
    {
        let c = rusqlite::Connection::open(dir.path().join("p.db")).expect("sqlite");
        let note: String = c
            .query_row(
                "SELECT note FROM actions WHERE note IS NOT NULL AND undone_at IS NULL",
                [],
                |r| r.get(0),
            )
            .expect("the note was stored");
        assert_eq!(note, "ملاحظة: خبر مختلط");
    }
    // restart: the page goes on where it was
    let server = Server::start(dir.path(), "p.db", &[]);
    b.navigate(&server.url("/?annotator=layla"));
    b.wait(
        &format!(
            "document.getElementById('stat-labeled').textContent === '{}'",
            acked.len()
        ),
        "the count after restart",
    );
    let id = b.shown();
    assert!(
        !acked.iter().any(|(a, _)| *a == id),
        "a labeled article came back after restart"
    );
    label_by_key(&mut b, &labels, &truth(&id));
    drop(server);
    assert_eq!(exported(dir.path()).len(), acked.len() + 1);
}
