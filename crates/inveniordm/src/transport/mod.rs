//! Transport: every request of every sub-API goes through [`Client::execute`], which adds the
//! token, paces requests to the server's rate limit, retries by the one [retry
//! policy](RetryConfig) and maps failures to [`Error`].
//!
//! - `config`: the builder, the API root, the environment;
//! - `urls`: URLs from encoded segments, same-server checks;
//! - `retry`: the retry policy and its waits;
//! - `pacing`: the shared rate budget;
//! - `decode`: error mapping and response decoding.

mod config;
mod decode;
mod idle;
mod pacing;
mod retry;
mod urls;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use secrecy::{ExposeSecret, SecretString};
use url::Url;

pub use config::{ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, RecordFormat};
pub(crate) use decode::{decode_json, from_value, stalled, transport_error};
pub(crate) use idle::{ByteStream, ReadError, response_chunks};
pub(crate) use retry::Backoff;
pub use retry::RetryConfig;

use crate::error::{Error, Result};
use decode::api_error;
use pacing::Pacer;
use retry::retry_after;

pub(crate) const JSON: &str = "application/json";
pub(crate) const RDM_JSON: &str = "application/vnd.inveniordm.v1+json";

pub(crate) struct Inner {
    http: reqwest::Client,
    api: Url,
    token: Option<SecretString>,
    retry: RetryConfig,
    record_accept: &'static str,
    read_timeout: Duration,
    pacer: Option<Pacer>,
    /// The smallest single-stream body the server refused as too large (413), so that
    /// later uploads of that size go in parts at once (`u64::MAX`: none refused).
    pub(crate) body_refused_at: std::sync::atomic::AtomicU64,
}

/// An InvenioRDM API client. Cheap to clone (shared connection pool and rate budget).
///
/// ```
/// # async fn demo() -> inveniordm::Result<()> {
/// use inveniordm::{Client, models::SearchQuery};
/// let client = Client::new("https://repo.example.org", Some("token"))?;
/// let page = client.query().records(&SearchQuery::new("ocean").size(10)).await?;
/// for r in page.items() {
///     println!("{} {}", r.id.as_deref().unwrap_or(""), r.title().unwrap_or(""));
/// }
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("api", &self.inner.api.as_str())
            .field("token", &self.inner.token.as_ref().map(|_| "[REDACTED]"))
            .field("record_accept", &self.inner.record_accept)
            .finish()
    }
}

/// A boxed future of the transport's hooks.
pub(crate) type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send>>;

/// Makes a streamed body afresh for each attempt (e.g. by opening a file again).
pub(crate) type BodyFactory =
    Arc<dyn Fn() -> BoxFuture<Result<(ByteStream, Option<u64>)>> + Send + Sync>;

/// Runs before a request is tried again (e.g. to register a file entry the server dropped).
pub(crate) type BeforeRetry = Arc<dyn Fn() -> BoxFuture<Result<()>> + Send + Sync>;

/// A request body.
pub(crate) enum Body {
    Empty,
    Json(Bytes),
    /// A stream that can be sent once: the request is not retried after it started.
    Stream(ByteStream, Option<u64>),
    /// A stream made afresh for every attempt, so the request can be retried.
    Replayable(BodyFactory),
}

/// One request, before it is sent.
pub(crate) struct Request {
    pub method: Method,
    pub url: Url,
    pub body: Body,
    pub accept: &'static str,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub before_retry: Option<BeforeRetry>,
    /// Whether the retry policy applies (off: one attempt).
    pub retries: bool,
}

impl Request {
    /// The same read again, for when its answer broke off midway: a GET or HEAD with no body
    /// and nothing to do before a retry (`None` otherwise).
    pub(crate) fn again(&self) -> Option<Request> {
        let read = self.method == Method::GET || self.method == Method::HEAD;
        (read && matches!(self.body, Body::Empty) && self.before_retry.is_none() && self.retries)
            .then(|| Request {
                method: self.method.clone(),
                url: self.url.clone(),
                body: Body::Empty,
                accept: self.accept,
                headers: self.headers.clone(),
                before_retry: None,
                retries: self.retries,
            })
    }
}

/// What the attempts of one request left open.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Trace {
    /// An attempt before the last one may have been carried out by the server (its answer
    /// was a gateway error or was lost after the request was sent).
    pub maybe_applied_before: bool,
}

impl Client {
    /// The API root (`…/api/`).
    pub fn api_url(&self) -> &Url {
        &self.inner.api
    }

    /// Whether a token is configured.
    pub fn has_token(&self) -> bool {
        self.inner.token.is_some()
    }

    /// Whether the server answers a record search (the seed's `connected`): one attempt,
    /// no retries, at most ten seconds, so a dead host answers quickly.
    pub async fn connected(&self) -> bool {
        let url = match self.url(&["records"]) {
            Ok(mut u) => {
                u.set_query(Some("size=1"));
                u
            }
            Err(_) => return false,
        };
        let once = self.execute(self.request(Method::GET, url).once());
        matches!(
            tokio::time::timeout(Duration::from_secs(10), once).await,
            Ok(Ok(_))
        )
    }

    pub(crate) fn request(&self, method: Method, url: Url) -> Request {
        Request {
            method,
            url,
            body: Body::Empty,
            accept: JSON,
            headers: Vec::new(),
            before_retry: None,
            retries: true,
        }
    }

    pub(crate) fn record_accept(&self) -> &'static str {
        self.inner.record_accept
    }

    pub(crate) fn retry_config(&self) -> &RetryConfig {
        &self.inner.retry
    }

    pub(crate) fn read_timeout(&self) -> Duration {
        self.inner.read_timeout
    }

    /// Sends a request with retries; returns the response when its status is a success.
    pub(crate) async fn execute(&self, req: Request) -> Result<reqwest::Response> {
        self.execute_traced(req).await.0
    }

    /// [`execute`](Self::execute), also telling whether an earlier attempt may have been
    /// carried out.
    pub(crate) async fn execute_traced(&self, req: Request) -> (Result<reqwest::Response>, Trace) {
        let mut trace = Trace::default();
        let r = self.attempts(req, &mut trace).await;
        (r, trace)
    }

    async fn attempts(&self, req: Request, trace: &mut Trace) -> Result<reqwest::Response> {
        let Request {
            method,
            url,
            body,
            accept,
            headers,
            before_retry,
            retries,
        } = req;
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        let path = url.path().to_string();
        let mut backoff = Backoff::new(&self.inner.retry);
        let (json_body, mut stream_body, factory) = match body {
            Body::Empty => (None, None, None),
            Body::Json(b) => (Some(b), None, None),
            Body::Stream(b, len) => (None, Some((b, len)), None),
            Body::Replayable(f) => (None, None, Some(f)),
        };
        // A streamed body cannot be sent twice; a request asked to go once is not repeated.
        let one_shot = stream_body.is_some() || !retries;
        let route = pacing::Route::of(&method, &path);
        loop {
            // Given back if this attempt ends without an answer, however it ends.
            let reservation = self.inner.pacer.as_ref().map(|p| p.reserve(route));
            if let Some(r) = &reservation
                && !r.wait.is_zero()
            {
                tracing::info!(
                    wait_ms = r.wait.as_millis() as u64,
                    "pacing to the server's rate limit"
                );
                tokio::time::sleep(r.wait).await;
            }
            let mut rb = self
                .inner
                .http
                .request(method.clone(), url.clone())
                .header(reqwest::header::ACCEPT, accept);
            if let Some(t) = &self.inner.token {
                let mut v = HeaderValue::from_str(&format!("Bearer {}", t.expose_secret()))
                    .map_err(|_| {
                        Error::Config("the token contains characters a header cannot carry".into())
                    })?;
                v.set_sensitive(true);
                rb = rb.header(reqwest::header::AUTHORIZATION, v);
            }
            for (k, v) in &headers {
                rb = rb.header(k.clone(), v.clone());
            }
            if let Some(b) = &json_body {
                rb = rb
                    .header(reqwest::header::CONTENT_TYPE, JSON)
                    .body(b.clone());
            }
            let streamed = match (stream_body.take(), &factory) {
                (Some(s), _) => Some(s),
                (None, Some(f)) => Some(f().await?),
                (None, None) => None,
            };
            // Bytes moving (the body taken, an answer coming) is activity; a server silent for
            // the read timeout has stalled.
            let activity = idle::Activity::new();
            if let Some((b, len)) = streamed {
                rb = rb
                    .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                    .body(idle::touching(b, activity.clone()));
                if let Some(l) = len {
                    rb = rb.header(reqwest::header::CONTENT_LENGTH, l);
                }
                // A transfer's time budget runs from its last attempt, not from the first.
                backoff.progressed();
            }
            let attempt = backoff.retries();
            tracing::debug!(method = %method, path = %path, attempt, "request");
            activity.touch();
            let limit = self.inner.read_timeout;
            let outcome = tokio::select! {
                r = rb.send() => r.map_err(Failure::Http),
                () = activity.stalled(limit) => Err(Failure::Stalled),
            };
            if let (Some(r), Ok(resp)) = (reservation, &outcome) {
                r.answered(resp.headers());
            }
            let wait = match outcome {
                Ok(resp) => {
                    let status = resp.status();
                    tracing::debug!(method = %method, path = %path, status = status.as_u16(), "response");
                    if status.is_success() || status.is_redirection() {
                        return Ok(resp);
                    }
                    // A DELETE retried after a failure that the server had in fact carried
                    // out finds nothing left: that is the outcome asked for.
                    if method == Method::DELETE && attempt > 0 && status.as_u16() == 404 {
                        tracing::info!(path = %path, "already deleted by an earlier attempt");
                        return Ok(resp);
                    }
                    // Real servers send `Retry-After` (the rate-limit window) on every response;
                    // it means "wait" only with 429 and 503.
                    let after = retry_after(resp.headers())
                        .filter(|_| matches!(status.as_u16(), 429 | 503));
                    let retryable = matches!(status.as_u16(), 429)
                        || (idempotent && matches!(status.as_u16(), 408 | 500 | 502 | 503 | 504));
                    let wait = (retryable && !one_shot)
                        .then(|| backoff.next(after))
                        .flatten();
                    match wait {
                        Some(w) => {
                            tracing::info!(method = %method, path = %path, status = status.as_u16(), wait_ms = w.as_millis() as u64, "retrying");
                            if crate::error::gateway_failure(status.as_u16()) {
                                trace.maybe_applied_before = true;
                            }
                            w
                        }
                        None => return Err(api_error(&method, &path, resp, limit).await),
                    }
                }
                Err(failure) => {
                    let not_sent = matches!(&failure, Failure::Http(e) if e.is_connect());
                    let wait = ((idempotent || not_sent) && !one_shot)
                        .then(|| backoff.next(None))
                        .flatten();
                    match wait {
                        Some(w) => {
                            tracing::info!(method = %method, path = %path, error = %failure, wait_ms = w.as_millis() as u64, "retrying");
                            if !not_sent {
                                trace.maybe_applied_before = true;
                            }
                            w
                        }
                        None => {
                            return Err(match failure {
                                Failure::Http(e) => transport_error(&method, &path, e),
                                Failure::Stalled => stalled(&method, &path, limit),
                            });
                        }
                    }
                }
            };
            tokio::time::sleep(wait).await;
            if let Some(hook) = &before_retry {
                hook().await?;
            }
        }
    }
}

/// Why an attempt got no answer.
enum Failure {
    Http(reqwest::Error),
    Stalled,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Failure::Http(e) => write!(f, "{e}"),
            Failure::Stalled => write!(f, "the server stalled"),
        }
    }
}

impl Request {
    pub(crate) fn json_body<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(body)
            .map_err(|e| Error::internal(format!("cannot serialise the request body: {e}")))?;
        self.body = Body::Json(Bytes::from(bytes));
        Ok(self)
    }

    pub(crate) fn stream_body(mut self, body: ByteStream, len: Option<u64>) -> Self {
        self.body = Body::Stream(body, len);
        self
    }

    pub(crate) fn replayable_body(mut self, factory: BodyFactory) -> Self {
        self.body = Body::Replayable(factory);
        self
    }

    /// Bytes in memory as an `application/octet-stream` body (sent again on a retry).
    pub(crate) fn bytes_body(self, bytes: Bytes) -> Self {
        let len = bytes.len() as u64;
        let factory: BodyFactory = Arc::new(move || {
            let chunk = bytes.clone();
            Box::pin(async move {
                let stream: ByteStream = Box::pin(futures_util::stream::once(async move {
                    Ok::<_, Box<dyn std::error::Error + Send + Sync>>(chunk)
                }));
                Ok((stream, Some(len)))
            })
        });
        self.replayable_body(factory)
    }

    /// One attempt only: no retries.
    pub(crate) fn once(mut self) -> Self {
        self.retries = false;
        self
    }

    pub(crate) fn before_retry(mut self, hook: BeforeRetry) -> Self {
        self.before_retry = Some(hook);
        self
    }

    pub(crate) fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }

    pub(crate) fn query(mut self, pairs: &[(String, String)]) -> Self {
        if !pairs.is_empty() {
            let mut q = self.url.query_pairs_mut();
            for (k, v) in pairs {
                q.append_pair(k, v);
            }
        }
        self
    }
}
