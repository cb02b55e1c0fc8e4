//! Idle timeouts: a server that sends nothing (no answer, no next bytes of a body) or stops
//! taking an upload's bytes for longer than the read timeout is stalled. Time spent moving
//! bytes never counts: an upload or download may take hours as long as it moves.

use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

/// A byte stream of a request body.
pub(crate) type ByteStream = Pin<
    Box<dyn Stream<Item = Result<Bytes, Box<dyn std::error::Error + Send + Sync>>> + Send + Sync>,
>;

/// When bytes last moved.
#[derive(Debug, Clone)]
pub(crate) struct Activity {
    base: Instant,
    last: Arc<AtomicU64>,
}

impl Activity {
    pub(crate) fn new() -> Self {
        Self {
            base: Instant::now(),
            last: Arc::new(AtomicU64::new(0)),
        }
    }

    pub(crate) fn touch(&self) {
        let now = self.base.elapsed().as_millis() as u64;
        self.last.fetch_max(now, Ordering::Relaxed);
    }

    fn idle(&self) -> Duration {
        let now = self.base.elapsed().as_millis() as u64;
        Duration::from_millis(now.saturating_sub(self.last.load(Ordering::Relaxed)))
    }

    /// Resolves once nothing has moved for `limit`.
    pub(crate) async fn stalled(&self, limit: Duration) {
        loop {
            let idle = self.idle();
            if idle >= limit {
                return;
            }
            tokio::time::sleep(limit - idle).await;
        }
    }
}

/// A request body that records each chunk the connection takes.
struct Touching {
    inner: ByteStream,
    activity: Activity,
}

impl Stream for Touching {
    type Item = Result<Bytes, Box<dyn std::error::Error + Send + Sync>>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let r = self.inner.as_mut().poll_next(cx);
        if r.is_ready() {
            self.activity.touch();
        }
        r
    }
}

/// Wraps a body so that its progress counts as activity.
pub(crate) fn touching(inner: ByteStream, activity: Activity) -> reqwest::Body {
    reqwest::Body::wrap_stream(Touching { inner, activity })
}

/// What reading a response body can fail with.
pub(crate) enum ReadError {
    Http(reqwest::Error),
    Stalled,
}

/// A response body whose chunks must each come within `limit`.
pub(crate) fn response_chunks(
    resp: reqwest::Response,
    limit: Duration,
) -> impl Stream<Item = Result<Bytes, ReadError>> + Send {
    let stream = resp.bytes_stream();
    futures_util::stream::unfold(Some(Box::pin(stream)), move |s| async move {
        let mut s = s?;
        match tokio::time::timeout(limit, s.next()).await {
            Err(_) => Some((Err(ReadError::Stalled), None)),
            Ok(None) => None,
            Ok(Some(Ok(b))) => Some((Ok(b), Some(s))),
            Ok(Some(Err(e))) => Some((Err(ReadError::Http(e)), None)),
        }
    })
}
