//! Bounds on what the service holds at once: requests being labeled,
//! requests waiting for their turn, open connections. What would go over a
//! bound is refused at once with a status and `Retry-After`, so memory stays
//! bounded however hard the service is pushed.

use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The limits of a running service, with their defaults.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest request body in bytes (413 above it). Default 16 MiB.
    pub max_bytes: u64,
    /// Most articles in one request (413 above it). Default 1,024.
    pub max_articles: usize,
    /// Requests labeled at the same time (their bodies read, scored,
    /// answered). Default 8.
    pub max_concurrent: usize,
    /// Requests waiting for one of those places; one more gets 429.
    /// Default 256.
    pub queue: usize,
    /// Open connections; one more gets 503 and is closed. Default 1,024.
    pub max_connections: usize,
    /// The longest a request to label may take, waiting included (503
    /// after it). Default 30 s.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_bytes: 16 * 1024 * 1024,
            max_articles: 1024,
            max_concurrent: 8,
            queue: 256,
            max_connections: 1024,
            timeout: Duration::from_secs(30),
        }
    }
}

/// Admission of requests to label: `max_concurrent` places, and a queue of
/// at most `queue` requests waiting for one.
#[derive(Debug)]
pub struct Admission {
    places: Arc<Semaphore>,
    waiting: AtomicUsize,
    queue: usize,
}

/// Why a request was not admitted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// The queue is full (429).
    QueueFull,
}

/// A request's place; released when dropped (after its work is done, even
/// if the client has gone).
pub type Place = OwnedSemaphorePermit;

impl Admission {
    /// Admission with `max_concurrent` places (at least 1) and a queue of `queue`.
    pub fn new(max_concurrent: usize, queue: usize) -> Admission {
        Admission {
            places: Arc::new(Semaphore::new(max_concurrent.max(1))),
            waiting: AtomicUsize::new(0),
            queue,
        }
    }

    /// Waits for a place, or refuses at once when `queue` requests already wait.
    ///
    /// # Errors
    /// [`Refused::QueueFull`].
    pub async fn enter(&self) -> Result<Place, Refused> {
        if let Ok(p) = self.places.clone().try_acquire_owned() {
            return Ok(p);
        }
        let before = self.waiting.fetch_add(1, Ordering::AcqRel);
        let _leave = Leave(&self.waiting);
        if before >= self.queue {
            return Err(Refused::QueueFull);
        }
        // the semaphore is never closed
        self.places
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| Refused::QueueFull)
    }

    /// Requests waiting now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::Acquire)
    }

    /// Requests holding a place now.
    pub fn busy(&self, max_concurrent: usize) -> usize {
        max_concurrent
            .max(1)
            .saturating_sub(self.places.available_permits())
    }
}

/// Takes one off a counter when dropped (a waiting request that leaves the
/// queue, whether admitted, refused or cancelled).
struct Leave<'a>(&'a AtomicUsize);

impl Drop for Leave<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

/// A TCP listener that keeps at most `max` connections open. A connection
/// over the limit is answered `503 Service Unavailable` with `Retry-After`
/// and closed, so that a client is never left hanging in the backlog.
pub struct LimitedListener {
    inner: TcpListener,
    open: Arc<Semaphore>,
    refused: Arc<AtomicUsize>,
}

impl LimitedListener {
    /// Wraps `inner`, allowing `max` open connections (at least 1).
    pub fn new(inner: TcpListener, max: usize) -> LimitedListener {
        LimitedListener {
            inner,
            open: Arc::new(Semaphore::new(max.max(1))),
            refused: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Connections refused so far (shared with the metrics).
    pub fn refused_counter(&self) -> Arc<AtomicUsize> {
        self.refused.clone()
    }
}

/// The answer to a connection over the limit.
const TOO_MANY_CONNECTIONS: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: 58\r\n\r\n{\"error\":\"too many open connections\",\"kind\":\"overloaded\"}\n";

impl axum::serve::Listener for LimitedListener {
    type Io = Counted;
    type Addr = std::net::SocketAddr;

    async fn accept(&mut self) -> (Counted, std::net::SocketAddr) {
        loop {
            let (stream, addr) = match self.inner.accept().await {
                Ok(c) => c,
                Err(e) => {
                    // out of file descriptors, say: wait rather than spin
                    tracing::warn!(error = %e, "accepting a connection failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            };
            let _ = stream.set_nodelay(true);
            match self.open.clone().try_acquire_owned() {
                Ok(permit) => {
                    return (
                        Counted {
                            stream,
                            _permit: permit,
                        },
                        addr,
                    )
                }
                Err(_) => {
                    self.refused.fetch_add(1, Ordering::Relaxed);
                    tokio::spawn(async move {
                        let mut stream = stream;
                        let _ = tokio::time::timeout(Duration::from_secs(1), async {
                            let _ = stream.write_all(TOO_MANY_CONNECTIONS).await;
                            let _ = stream.shutdown().await;
                        })
                        .await;
                    });
                }
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<std::net::SocketAddr> {
        self.inner.local_addr()
    }
}

/// A connection that holds one of the listener's places while it is open.
pub struct Counted {
    stream: TcpStream,
    _permit: OwnedSemaphorePermit,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_read(cx, buf)
    }
}

impl AsyncWrite for Counted {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_refusal_says_how_long_its_body_is() {
        let text = std::str::from_utf8(TOO_MANY_CONNECTIONS).expect("ASCII");
        let (head, body) = text.split_once("\r\n\r\n").expect("head and body");
        let len: usize = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .and_then(|n| n.parse().ok())
            .expect("a length");
        assert_eq!(len, body.len());
        let v: serde_json::Value = serde_json::from_str(body.trim()).expect("JSON");
        assert_eq!(v["kind"], "overloaded");
    }

    #[tokio::test]
    async fn a_full_queue_refuses_and_a_freed_place_admits() {
        let a = Arc::new(Admission::new(1, 1));
        let first = a.enter().await.expect("a free place");
        let waiter = {
            let a = a.clone();
            tokio::spawn(async move { a.enter().await.map(|_| ()) })
        };
        while a.waiting() == 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(a.enter().await.err(), Some(Refused::QueueFull));
        assert_eq!(a.busy(1), 1);
        drop(first);
        assert_eq!(waiter.await.expect("joined"), Ok(()));
        assert_eq!(a.waiting(), 0);
    }
}
