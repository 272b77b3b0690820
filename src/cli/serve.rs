//! `tasnif serve`: the HTTP service of `tasnif::serve` in a process:
//! binding, access rules, logs, model reloads on SIGHUP or `--watch`, and a
//! drain on SIGTERM or SIGINT.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::{Args, ValueEnum};
use tasnif::serve::{router, LimitedListener, Limits, Loaded, Reloaded, State};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Model file (default: the bundled cyber-topics model). SIGHUP, or a
    /// change with --watch, loads it again.
    #[arg(short, long)]
    model: Option<PathBuf>,
    /// Address to listen on. Anything but a loopback address needs
    /// --token-file or --no-auth.
    #[arg(long, default_value = "127.0.0.1")]
    host: String,
    /// Port to listen on (0: any free port; the log says which).
    #[arg(long, default_value_t = 8080)]
    port: u16,
    /// Worker threads, for the connections and for scoring (default: all cores).
    #[arg(short = 'j', long)]
    jobs: Option<usize>,
    /// Largest request body in bytes; a larger one gets 413.
    #[arg(long, default_value_t = Limits::default().max_bytes)]
    max_bytes: u64,
    /// Most articles in one request; more get 413.
    #[arg(long, default_value_t = Limits::default().max_articles)]
    max_articles: usize,
    /// Requests labeled at the same time [default: 4 × the worker threads].
    #[arg(long, value_name = "N")]
    max_concurrent: Option<usize>,
    /// Requests waiting for their turn; one more gets 429 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = Limits::default().queue)]
    queue: usize,
    /// Open connections; one more gets 503 with Retry-After and is closed.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_connections)]
    max_connections: usize,
    /// Seconds a request to label may take, waiting included (503 after
    /// it); also the longest a shutdown waits for requests in flight.
    #[arg(long, value_name = "SECS", default_value_t = 30.0)]
    timeout: f64,
    /// Load the model again whenever its file changes (checked every second).
    #[arg(long, requires = "model")]
    watch: bool,
    /// Log format: one line per request, on standard error.
    #[arg(long, value_enum, default_value = "text")]
    log_format: LogFormat,
    /// A file holding the bearer token that every request but /healthz and
    /// /readyz must carry (Authorization: Bearer TOKEN).
    #[arg(long, value_name = "FILE")]
    token_file: Option<PathBuf>,
    /// Listen on a non-loopback address without a token.
    #[arg(long, conflicts_with = "token_file")]
    no_auth: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

pub fn run(a: ServeArgs) -> anyhow::Result<u8> {
    anyhow::ensure!(
        a.timeout.is_finite() && a.timeout > 0.0,
        "--timeout must be a positive number of seconds"
    );
    anyhow::ensure!(a.max_articles >= 1, "--max-articles must be at least 1");
    let jobs = match a.jobs {
        Some(0) => anyhow::bail!("-j must be at least 1"),
        Some(j) => j,
        None => std::thread::available_parallelism().map_or(1, |n| n.get()),
    };
    init_logs(a.log_format);
    let loaded = match &a.model {
        Some(p) => {
            let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
            Loaded::from_bytes(&bytes, &p.display().to_string()).map_err(|e| e.with_path(p))?
        }
        None => {
            Loaded::from_bytes(tasnif::DEFAULT_MODEL, "bundled").context("the bundled model")?
        }
    };
    let token = match &a.token_file {
        Some(p) => Some(read_token(p)?),
        None => None,
    };
    let limits = Limits {
        max_bytes: a.max_bytes,
        max_articles: a.max_articles,
        max_concurrent: a.max_concurrent.unwrap_or(4 * jobs).max(1),
        queue: a.queue,
        max_connections: a.max_connections.max(1),
        timeout: Duration::from_secs_f64(a.timeout),
    };
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(jobs)
        .thread_name(|i| format!("tasnif-score-{i}"))
        .build()
        .context("starting the scoring threads")?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(jobs)
        .thread_name("tasnif-serve")
        .enable_all()
        .build()
        .context("starting the service's threads")?;
    let state = Arc::new(State::new(loaded, a.model.clone(), limits, pool, token));
    rt.block_on(serve(a, state))
}

async fn serve(a: ServeArgs, state: Arc<State>) -> anyhow::Result<u8> {
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((a.host.as_str(), a.port))
        .await
        .with_context(|| format!("--host {}: not an address this machine has", a.host))?
        .collect();
    let addr = *addrs
        .first()
        .with_context(|| format!("--host {}: no address", a.host))?;
    if !addrs.iter().all(|a| a.ip().is_loopback()) && !state.has_token() && !a.no_auth {
        anyhow::bail!(
            "--host {} is reachable from other machines: give --token-file FILE so that requests need a token, or --no-auth to serve without one",
            a.host
        );
    }
    let listener = tokio::net::TcpListener::bind(addr)
        .await
        .with_context(|| format!("listening on {addr}"))?;
    let local = listener.local_addr()?;
    let listener = LimitedListener::new(listener, state.limits.max_connections);
    state.count_refused_connections(listener.refused_counter());
    let m = state.model();
    tracing::info!(
        model = %m.source,
        sha256 = %m.sha256,
        auth = if state.has_token() { "bearer token" } else { "none" },
        "listening on http://{local}"
    );
    drop(m);

    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut hup = signal(SignalKind::hangup()).context("listening for SIGHUP")?;
        let st = state.clone();
        tokio::spawn(async move {
            while hup.recv().await.is_some() {
                tracing::info!("SIGHUP: loading the model again");
                reload(&st).await;
            }
        });
    }
    if a.watch {
        let st = state.clone();
        tokio::spawn(async move { watch(st).await });
    }

    let st = state.clone();
    let drain_limit = state.limits.timeout + Duration::from_secs(5);
    let shutdown = async move {
        let why = stop_signal().await;
        st.start_draining();
        tracing::info!("{why}: draining the requests in flight, then stopping");
        tokio::spawn(async move {
            tokio::time::sleep(drain_limit).await;
            tracing::error!(
                "requests still in flight after {} s; stopping anyway",
                drain_limit.as_secs()
            );
            std::process::exit(1);
        });
    };
    axum::serve(listener, router(state.clone()))
        .with_graceful_shutdown(shutdown)
        .await
        .context("serving")?;
    tracing::info!("stopped");
    Ok(0)
}

/// Waits for SIGTERM or SIGINT; says which.
async fn stop_signal() -> &'static str {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => tokio::select! {
                _ = term.recv() => "SIGTERM",
                _ = tokio::signal::ctrl_c() => "SIGINT",
            },
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
                "SIGINT"
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
        "Ctrl-C"
    }
}

/// Loads the model file again off the async threads, and logs what happened.
async fn reload(state: &Arc<State>) {
    let st = state.clone();
    match tokio::task::spawn_blocking(move || st.reload()).await {
        Ok(Ok(Reloaded::Swapped { old, new })) => {
            tracing::info!(old = %old, new = %new, "model reloaded")
        }
        Ok(Ok(Reloaded::Unchanged)) => tracing::info!("model file unchanged"),
        Ok(Ok(Reloaded::NoFile)) => {
            tracing::warn!("serving the bundled model: there is no file to reload (give -m)")
        }
        Ok(Err(e)) => tracing::error!(
            error = %e,
            still_serving = %state.model().sha256,
            "model reload failed; the previous model keeps serving"
        ),
        Err(e) => tracing::error!(error = %e, "model reload failed"),
    }
}

/// Reloads the model when its file changes: its size, modification time or
/// inode (a new file renamed over it). A change is acted on once the file
/// has stayed the same for one more second, so a file being written is not
/// read half-way.
async fn watch(state: Arc<State>) {
    let Some(path) = state.path().map(Path::to_path_buf) else {
        return;
    };
    let stamp = |p: &Path| {
        std::fs::metadata(p).ok().map(|m| {
            #[cfg(unix)]
            let ino = std::os::unix::fs::MetadataExt::ino(&m);
            #[cfg(not(unix))]
            let ino = 0u64;
            (m.len(), m.modified().ok(), ino)
        })
    };
    let mut served = stamp(&path);
    let mut seen = served;
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let now = stamp(&path);
        if now != seen {
            seen = now; // changed: wait until it settles
        } else if now != served && now.is_some() {
            served = now;
            tracing::info!(path = %path.display(), "the model file changed: loading it again");
            reload(&state).await;
        }
    }
}

/// The token in `path`: its content without the line ending.
fn read_token(path: &Path) -> anyhow::Result<Vec<u8>> {
    let text =
        std::fs::read(path).with_context(|| format!("reading --token-file {}", path.display()))?;
    let token = text.trim_ascii().to_vec();
    anyhow::ensure!(
        !token.is_empty(),
        "--token-file {}: the file is empty",
        path.display()
    );
    anyhow::ensure!(
        token.iter().all(|b| b.is_ascii_graphic()),
        "--token-file {}: a token is printable ASCII without spaces",
        path.display()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(m) = std::fs::metadata(path) {
            if m.permissions().mode() & 0o077 != 0 {
                tracing::warn!(
                    path = %path.display(),
                    "the token file can be read by other users (chmod 600 it)"
                );
            }
        }
    }
    Ok(token)
}

fn init_logs(format: LogFormat) {
    let b = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_max_level(if super::quiet() {
            tracing::Level::ERROR
        } else {
            tracing::Level::INFO
        });
    let _ = match format {
        LogFormat::Text => b.try_init(),
        LogFormat::Json => b.json().flatten_event(true).try_init(),
    };
}
