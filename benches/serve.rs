//! Load benchmark of `tasnif serve`, over loopback only, with a small
//! HTTP/1.1 keep-alive client of its own (closed loop: each connection sends
//! its next request when the answer to the last has arrived).
//!
//! ```sh
//! cargo bench --bench serve                       # the table: ~2 minutes
//! cargo bench --bench serve -- --secs 10          # longer runs
//! cargo bench --bench serve -- --soak 600         # and a 10-minute soak
//! cargo bench --bench serve -- --json serve.json  # the figures as JSON too
//! ```
//!
//! In one run it measures, for 1-article and 64-article requests at
//! concurrency 1, 16, 64 and 256: requests/s, articles/s, MB/s (10^6
//! bytes of article text per second), p50/p99/p99.9 latency and the CPU
//! time each request took in the service and in the client (from /proc,
//! so that a figure taken on a busy machine can be read); next to
//! the MB/s of `tasnif label -` on the same articles (bulk standard input
//! from a file, median of 3). Then an overload run (10 × as many
//! connections as the service admits at once: every request must be
//! answered 200, 429 or 503, the process must live, its peak RSS is
//! reported) and, with `--soak SECS`, a soak (RSS every 10 s, no errors).
//!
//! Articles: the first 1,024 of the reference test split when the corpus is
//! found (`$TASNIF_DATA`, else `../shared/data`), else the five seeds. Every
//! loop stops by itself: each run after `--secs` seconds (default 5).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BIN: &str = env!("CARGO_BIN_EXE_tasnif");
const CORPUS_SAMPLE: usize = 1024;
const BATCH: usize = 64;

struct Opts {
    secs: f64,
    soak: f64,
    overload_secs: f64,
    json: Option<PathBuf>,
}

fn opts() -> Opts {
    let mut o = Opts {
        secs: 5.0,
        soak: 0.0,
        overload_secs: 10.0,
        json: None,
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut num = |name: &str| -> f64 {
            args.next()
                .and_then(|v| v.parse().ok())
                .unwrap_or_else(|| panic!("{name} takes a number of seconds"))
        };
        match a.as_str() {
            "--secs" => o.secs = num("--secs"),
            "--soak" => o.soak = num("--soak"),
            "--overload" => o.overload_secs = num("--overload"),
            "--json" => o.json = args.next().map(PathBuf::from),
            _ => {} // cargo bench passes --bench
        }
    }
    o
}

/// The articles, with the name of where they came from.
fn articles() -> (String, Vec<String>) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let data = std::env::var_os("TASNIF_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("../shared/data"));
    let ant = data.join("ant-multisource");
    if let Ok(list) = std::fs::read_to_string(ant.join("split/test.txt")) {
        let texts: Vec<String> = list
            .lines()
            .filter(|l| !l.trim().is_empty())
            .take(CORPUS_SAMPLE)
            .map(|rel| std::fs::read_to_string(ant.join(rel.trim())).expect("an article"))
            .collect();
        return (
            format!("the first {} articles of the ANT test split", texts.len()),
            texts,
        );
    }
    eprintln!("note: the corpus is not there; the seeds stand in (set TASNIF_DATA)");
    let mut names: Vec<PathBuf> = std::fs::read_dir(root.join("seeds"))
        .expect("seeds")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    names.sort();
    let texts = names
        .iter()
        .map(|p| std::fs::read_to_string(p).expect("a seed"))
        .collect();
    ("the five seeds".into(), texts)
}

fn article_json(i: usize, text: &str) -> String {
    serde_json::json!({"id": format!("a{i}"), "text": text}).to_string()
}

/// One prepared request: its bytes on the wire, its articles and text bytes.
struct Req {
    wire: Vec<u8>,
    articles: u64,
    text_bytes: u64,
}

fn request(body: &str, articles: u64, text_bytes: u64) -> Req {
    let mut wire = format!(
        "POST /v1/label HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .into_bytes();
    wire.extend_from_slice(body.as_bytes());
    Req {
        wire,
        articles,
        text_bytes,
    }
}

fn singles(texts: &[String]) -> Vec<Req> {
    texts
        .iter()
        .enumerate()
        .map(|(i, t)| request(&article_json(i, t), 1, t.len() as u64))
        .collect()
}

fn batches(texts: &[String]) -> Vec<Req> {
    let n = texts.len();
    (0..n.div_ceil(BATCH).max(4))
        .map(|b| {
            let idx: Vec<usize> = (0..BATCH).map(|k| (b * BATCH + k) % n).collect();
            let body = format!(
                "[{}]",
                idx.iter()
                    .map(|&i| article_json(i, &texts[i]))
                    .collect::<Vec<_>>()
                    .join(",")
            );
            let bytes = idx.iter().map(|&i| texts[i].len() as u64).sum();
            request(&body, BATCH as u64, bytes)
        })
        .collect()
}

/// A running `tasnif serve`, its log in a file; killed when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(args: &[&str], log: &Path) -> Server {
        // the log goes straight to a file, as under systemd: no pipe for the
        // bench to drain
        let file = std::fs::File::create(log).expect("log file");
        let mut child = Command::new(BIN)
            .args(["serve", "--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(file)
            .spawn()
            .expect("tasnif serve starts");
        let end = Instant::now() + Duration::from_secs(30);
        loop {
            let text = std::fs::read_to_string(log).unwrap_or_default();
            if let Some(i) = text.find("listening on http://") {
                let addr: String = text[i + 20..]
                    .chars()
                    .take_while(|c| !c.is_whitespace())
                    .collect();
                return Server { child, addr };
            }
            if Instant::now() > end || child.try_wait().ok().flatten().is_some() {
                let _ = child.kill();
                panic!("tasnif serve did not start:\n{text}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn rss_kb(&self) -> u64 {
        rss_kb(self.child.id())
    }

    fn alive(&mut self) -> bool {
        self.child.try_wait().ok().flatten().is_none()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rss_kb(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// One answer read off a keep-alive connection: status and body.
/// The answer's status, its body, and whether the service closes the
/// connection after it (`Connection: close`).
async fn read_answer(
    s: &mut TcpStream,
    buf: &mut Vec<u8>,
) -> std::io::Result<(u16, Vec<u8>, bool)> {
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = std::str::from_utf8(&buf[..end]).unwrap_or("");
            let status: u16 = head
                .split(' ')
                .nth(1)
                .and_then(|c| c.parse().ok())
                .unwrap_or(0);
            let len: usize = head
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse().ok())?
                })
                .unwrap_or(0);
            let close = head.lines().any(|l| {
                l.split_once(':').is_some_and(|(k, v)| {
                    k.eq_ignore_ascii_case("connection") && v.trim().eq_ignore_ascii_case("close")
                })
            });
            let total = end + 4 + len;
            while buf.len() < total {
                if s.read_buf(buf).await? == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
            }
            let body = buf[end + 4..total].to_vec();
            buf.drain(..total);
            return Ok((status, body, close));
        }
        if s.read_buf(buf).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    }
}

#[derive(Default)]
struct Tally {
    latencies_us: Vec<u32>,
    ok: u64,
    articles: u64,
    text_bytes: u64,
    s429: u64,
    s503: u64,
    other: u64,
    conn_errors: u64,
    bad_bodies: u64,
    /// CPU seconds over the counted span: the service's, and this
    /// process's (the client's)
    server_cpu: f64,
    client_cpu: f64,
}

impl Tally {
    fn add(&mut self, o: Tally) {
        self.latencies_us.extend(o.latencies_us);
        self.ok += o.ok;
        self.articles += o.articles;
        self.text_bytes += o.text_bytes;
        self.s429 += o.s429;
        self.s503 += o.s503;
        self.other += o.other;
        self.conn_errors += o.conn_errors;
        self.bad_bodies += o.bad_bodies;
    }
}

/// `conns` connections sending `reqs` (round robin, each from its own
/// offset) for `secs` seconds after `warmup` seconds not counted.
fn load(
    server: &Server,
    reqs: Arc<Vec<Req>>,
    conns: usize,
    secs: f64,
    warmup: f64,
) -> (Tally, f64) {
    let (addr, pid) = (server.addr.as_str(), server.child.id());
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("client runtime");
    rt.block_on(async {
        let start = Instant::now();
        let counting = start + Duration::from_secs_f64(warmup);
        let end = counting + Duration::from_secs_f64(secs);
        let mut tasks = Vec::new();
        for c in 0..conns {
            let reqs = reqs.clone();
            let addr = addr.to_string();
            tasks.push(tokio::spawn(async move {
                let mut t = Tally::default();
                let mut i = c * 7919;
                let mut conn: Option<TcpStream> = None;
                let mut buf = Vec::with_capacity(1 << 16);
                while Instant::now() < end {
                    let s = match conn.as_mut() {
                        Some(s) => s,
                        None => match TcpStream::connect(&addr).await {
                            Ok(s) => {
                                let _ = s.set_nodelay(true);
                                buf.clear();
                                conn.insert(s)
                            }
                            Err(_) => {
                                t.conn_errors += 1;
                                tokio::time::sleep(Duration::from_millis(10)).await;
                                continue;
                            }
                        },
                    };
                    let r = &reqs[i % reqs.len()];
                    i += 1;
                    let sent = Instant::now();
                    let answer = match s.write_all(&r.wire).await {
                        Ok(()) => read_answer(s, &mut buf).await,
                        Err(e) => Err(e),
                    };
                    let counted = sent >= counting;
                    match answer {
                        Ok((status, body, close)) => {
                            if close {
                                conn = None;
                            }
                            if !counted {
                                continue;
                            }
                            match status {
                                200 => {
                                    t.latencies_us.push(sent.elapsed().as_micros() as u32);
                                    t.ok += 1;
                                    t.articles += r.articles;
                                    t.text_bytes += r.text_bytes;
                                    let records = if r.articles == 1 {
                                        u64::from(body.starts_with(b"{\"id\":\"a"))
                                    } else {
                                        body.windows(7).filter(|w| w == b"{\"id\":\"").count()
                                            as u64
                                    };
                                    if records != r.articles {
                                        t.bad_bodies += 1;
                                    }
                                }
                                429 => t.s429 += 1,
                                503 => t.s503 += 1,
                                _ => t.other += 1,
                            }
                        }
                        Err(_) => {
                            if counted {
                                t.conn_errors += 1;
                            }
                            conn = None;
                        }
                    }
                }
                t
            }));
        }
        tokio::time::sleep_until(counting.into()).await;
        let cpu0 = (cpu_secs(&pid.to_string()), cpu_secs("self"));
        tokio::time::sleep_until(end.into()).await;
        let cpu1 = (cpu_secs(&pid.to_string()), cpu_secs("self"));
        let mut all = Tally::default();
        for task in tasks {
            all.add(task.await.expect("a client task"));
        }
        let elapsed = (Instant::now() - counting).as_secs_f64();
        all.server_cpu = cpu1.0 - cpu0.0;
        all.client_cpu = cpu1.1 - cpu0.1;
        (all, elapsed)
    })
}

/// User + system CPU seconds of a process so far (`self` or a pid), from
/// /proc (clock ticks of 1/100 s, the kernel's USER_HZ on Linux).
fn cpu_secs(pid: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| {
            // the fields after the command name, which is in parentheses
            let rest = &s[s.rfind(')')? + 2..];
            let f: Vec<&str> = rest.split_whitespace().collect();
            let ticks = f.get(11)?.parse::<u64>().ok()? + f.get(12)?.parse::<u64>().ok()?;
            Some(ticks as f64 / 100.0)
        })
        .unwrap_or(f64::NAN)
}

fn pct(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[i.clamp(1, sorted.len()) - 1] as f64 / 1000.0
}

fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}

/// `tasnif label -` on `jsonl` (a regular file on standard input): MB/s of
/// article text, median of 3.
fn label_mbs(jsonl: &Path, text_bytes: u64) -> f64 {
    let mut walls: Vec<f64> = (0..3)
        .map(|_| {
            let start = Instant::now();
            let st = Command::new(BIN)
                .args(["label", "-"])
                .stdin(std::fs::File::open(jsonl).expect("the JSONL file"))
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .expect("tasnif label runs");
            assert!(st.success(), "tasnif label failed");
            start.elapsed().as_secs_f64()
        })
        .collect();
    walls.sort_by(f64::total_cmp);
    text_bytes as f64 / walls[1] / 1e6
}

fn main() {
    let o = opts();
    let (what, texts) = articles();
    let dir = tempfile::tempdir().expect("tempdir");
    let mut json = serde_json::Map::new();
    println!("tasnif serve, loopback, {what}; load average {}", loadavg());

    // tasnif label's MB/s on the same articles, repeated to about 20 MB
    let per_copy: u64 = texts.iter().map(|t| t.len() as u64).sum();
    let copies = (20_000_000 / per_copy.max(1)).max(1);
    let jsonl = dir.path().join("articles.jsonl");
    {
        let mut f = std::io::BufWriter::new(std::fs::File::create(&jsonl).expect("jsonl"));
        for c in 0..copies {
            for (i, t) in texts.iter().enumerate() {
                writeln!(f, "{}", article_json(c as usize * texts.len() + i, t)).expect("write");
            }
        }
    }
    let label = label_mbs(&jsonl, per_copy * copies);
    println!("tasnif label - (2 threads, bulk standard input): {label:.1} MB/s");
    json.insert("label_mbs".into(), label.into());

    let log = dir.path().join("serve.log");
    let mut server = Server::start(&["-j", "2"], &log);
    let singles = Arc::new(singles(&texts));
    let batches = Arc::new(batches(&texts));

    // the service's records are label's: check one batch before timing
    {
        let body = &batches[0].wire;
        let (t, _) = load(&server, Arc::new(vec![request_copy(body)]), 1, 0.2, 0.0);
        assert!(
            t.ok > 0 && t.bad_bodies == 0,
            "the service did not answer a batch"
        );
    }

    println!(
        "\n{:>9} {:>5} {:>9} {:>10} {:>8} {:>8} {:>8} {:>9} {:>6} {:>10} {:>10}",
        "articles",
        "conc",
        "req/s",
        "articles/s",
        "MB/s",
        "p50 ms",
        "p99 ms",
        "p99.9 ms",
        "errors",
        "srv us/req",
        "cli us/req"
    );
    let mut rows = Vec::new();
    for (name, reqs) in [("1", &singles), ("64", &batches)] {
        for c in [1usize, 16, 64, 256] {
            let (mut t, secs) = load(&server, reqs.clone(), c, o.secs, 1.0);
            t.latencies_us.sort_unstable();
            let errors = t.s429 + t.s503 + t.other + t.conn_errors + t.bad_bodies;
            let (rps, aps, mbs) = (
                t.ok as f64 / secs,
                t.articles as f64 / secs,
                t.text_bytes as f64 / secs / 1e6,
            );
            let (p50, p99, p999) = (
                pct(&t.latencies_us, 50.0),
                pct(&t.latencies_us, 99.0),
                pct(&t.latencies_us, 99.9),
            );
            // CPU per request answered: the service's and the client's
            let (srv, cli) = (
                1e6 * t.server_cpu / t.ok.max(1) as f64,
                1e6 * t.client_cpu / t.ok.max(1) as f64,
            );
            println!(
                "{name:>9} {c:>5} {rps:>9.0} {aps:>10.0} {mbs:>8.1} {p50:>8.2} {p99:>8.2} {p999:>9.2} {errors:>6} {srv:>10.0} {cli:>10.0}"
            );
            rows.push(
                serde_json::json!({"articles_per_request": name, "concurrency": c,
                "requests_per_s": rps, "articles_per_s": aps, "mb_per_s": mbs,
                "p50_ms": p50, "p99_ms": p99, "p999_ms": p999, "errors": errors,
                "server_cpu_us_per_request": srv, "client_cpu_us_per_request": cli,
                "load_average": loadavg()}),
            );
        }
    }
    println!("load average after the table: {}", loadavg());
    let find = |n: &str, c: u64| {
        rows.iter()
            .find(|r| r["articles_per_request"] == n && r["concurrency"] == c)
            .cloned()
            .unwrap_or_default()
    };
    let one = find("1", 64);
    let best64 = rows
        .iter()
        .filter(|r| r["articles_per_request"] == "64")
        .filter_map(|r| r["mb_per_s"].as_f64())
        .fold(0.0, f64::max);
    println!(
        "targets: 1-article at c=64: {:.0} req/s (>= 8000), p99 {:.2} ms (<= 20); 64-article: best {:.1} MB/s = {:.0}% of label's {:.1} (>= 70%)",
        one["requests_per_s"].as_f64().unwrap_or(0.0),
        one["p99_ms"].as_f64().unwrap_or(f64::NAN),
        best64,
        100.0 * best64 / label,
        label
    );
    // what two cores would answer if the service and the client had them to
    // themselves: a bound from the CPU each request took, not a measurement
    let cpu_per_req = one["server_cpu_us_per_request"]
        .as_f64()
        .unwrap_or(f64::NAN)
        + one["client_cpu_us_per_request"]
            .as_f64()
            .unwrap_or(f64::NAN);
    println!(
        "CPU per 1-article request at c=64: {cpu_per_req:.0} us (service + client), so at most {:.0} req/s on 2 idle cores",
        2e6 / cpu_per_req
    );
    json.insert("table".into(), rows.into());
    let rss_after_table = server.rss_kb();
    println!("service RSS after the table: {} MB", rss_after_table / 1024);
    assert!(server.alive(), "the service died during the table");
    drop(server);

    // overload: 10 × what the service admits at once
    if o.overload_secs > 0.0 {
        let (conc, queue) = (4usize, 16usize);
        let conns = 10 * (conc + queue);
        let mut server = Server::start(
            &[
                "-j",
                "2",
                "--max-concurrent",
                &conc.to_string(),
                "--queue",
                &queue.to_string(),
            ],
            &log,
        );
        let pid = server.child.id();
        let stop = Arc::new(AtomicBool::new(false));
        let sampler = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut peak = 0;
                while !stop.load(Ordering::Relaxed) {
                    peak = peak.max(rss_kb(pid));
                    std::thread::sleep(Duration::from_millis(50));
                }
                peak
            })
        };
        let before = server.rss_kb();
        let (t, secs) = load(&server, batches.clone(), conns, o.overload_secs, 0.0);
        stop.store(true, Ordering::Relaxed);
        let peak = sampler.join().expect("sampler");
        let alive = server.alive();
        let answered = t.ok + t.s429 + t.s503 + t.other;
        println!(
            "\noverload: {conns} connections of 64-article requests for {secs:.0} s against --max-concurrent {conc} --queue {queue}: \
             {} answered 200 ({:.0} req/s), {} refused 429, {} refused 503, {} other, {} connection errors; \
             RSS {} MB before, peak {} MB; alive after: {alive}",
            t.ok,
            t.ok as f64 / secs,
            t.s429,
            t.s503,
            t.other,
            t.conn_errors,
            before / 1024,
            peak / 1024
        );
        json.insert(
            "overload".into(),
            serde_json::json!({"connections": conns, "ok": t.ok, "429": t.s429, "503": t.s503,
                "other": t.other, "connection_errors": t.conn_errors, "answered": answered,
                "rss_before_kb": before, "rss_peak_kb": peak, "alive": alive}),
        );
        assert!(alive, "the service died under overload");
        assert_eq!(
            t.other + t.bad_bodies,
            0,
            "answers other than 200, 429 and 503"
        );
    }

    // soak
    if o.soak > 0.0 {
        let mut server = Server::start(&["-j", "2"], &log);
        let pid = server.child.id();
        let stop = Arc::new(AtomicBool::new(false));
        let sampler = {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut samples = Vec::new();
                let start = Instant::now();
                while !stop.load(Ordering::Relaxed) {
                    samples.push((start.elapsed().as_secs(), rss_kb(pid)));
                    for _ in 0..100 {
                        if stop.load(Ordering::Relaxed) {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
                samples
            })
        };
        // 1-article and 64-article requests mixed on 16 connections
        let mixed: Vec<Req> = singles
            .iter()
            .take(63)
            .map(|r| request_copy(&r.wire))
            .chain(std::iter::once(request_copy(&batches[0].wire)))
            .collect();
        let (t, secs) = load(&server, Arc::new(mixed), 16, o.soak, 0.0);
        stop.store(true, Ordering::Relaxed);
        let samples = sampler.join().expect("sampler");
        let errors = t.s429 + t.s503 + t.other + t.conn_errors + t.bad_bodies;
        let rss: Vec<String> = samples
            .iter()
            .map(|(s, kb)| format!("{s}s:{:.1}", *kb as f64 / 1024.0))
            .collect();
        println!(
            "\nsoak: {secs:.0} s, 16 connections, {} requests ({:.0}/s), {errors} errors; alive: {}; RSS MB every 10 s: {}",
            t.ok,
            t.ok as f64 / secs,
            server.alive(),
            rss.join(" ")
        );
        json.insert(
            "soak".into(),
            serde_json::json!({"secs": secs, "requests": t.ok, "errors": errors,
                "rss_kb": samples.iter().map(|(s, kb)| serde_json::json!([s, kb])).collect::<Vec<_>>()}),
        );
        assert!(server.alive(), "the service died during the soak");
        assert_eq!(errors, 0, "errors during the soak");
    }
    println!("load average at the end: {}", loadavg());
    if let Some(p) = o.json {
        std::fs::write(&p, serde_json::to_string_pretty(&json).expect("JSON"))
            .expect("write --json");
    }
}

/// The same request again, parsed back from its wire bytes.
fn request_copy(wire: &[u8]) -> Req {
    let end = wire
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a head");
    let body: serde_json::Value = serde_json::from_slice(&wire[end + 4..]).expect("JSON");
    let (articles, text_bytes) = match &body {
        serde_json::Value::Array(a) => (
            a.len() as u64,
            a.iter()
                .map(|v| v["text"].as_str().map_or(0, str::len) as u64)
                .sum(),
        ),
        v => (1, v["text"].as_str().map_or(0, str::len) as u64),
    };
    Req {
        wire: wire.to_vec(),
        articles,
        text_bytes,
    }
}
