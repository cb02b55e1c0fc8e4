//! Transport: configuration, URL building, authentication, retries, error mapping and decoding.
//! Every request of every sub-API goes through [`Client::execute`].

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use inveniordm_models::{ErrorBody, Record};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Method, StatusCode};
use secrecy::{ExposeSecret, SecretString};
use serde::de::DeserializeOwned;
use url::Url;

use crate::error::{Error, Result};

/// Characters kept as-is in a path segment: RFC 3986 unreserved. Everything else, including
/// `/`, `?`, `#`, `%` and space, is percent-encoded.
const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// How record documents are requested.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum RecordFormat {
    /// `application/vnd.inveniordm.v1+json` on hosts under `zenodo.org` (whose `application/json`
    /// is a legacy layout), `application/json` elsewhere.
    #[default]
    Auto,
    /// Always `application/json` (plain InvenioRDM).
    Json,
    /// Always `application/vnd.inveniordm.v1+json` (RDM JSON plus a `ui` block; works on Zenodo).
    Rdm,
}

const JSON: &str = "application/json";
const RDM_JSON: &str = "application/vnd.inveniordm.v1+json";

/// Retry policy: which failures are retried, how often and how long to wait.
///
/// Idempotent requests (GET, PUT, DELETE, HEAD) are retried on network errors and on 408, 429,
/// 500, 502, 503 and 504. Non-idempotent ones (POST: create, publish, new version, …) are retried
/// only when the server cannot have acted: a connection that was never established, or 429.
/// The wait grows with decorrelated jitter, honours `Retry-After`, and stops at `max_elapsed`.
#[derive(Debug, Clone)]
pub struct RetryConfig {
    /// Retries after the first attempt (0 disables retries).
    pub max_retries: u32,
    /// First wait.
    pub base_delay: Duration,
    /// Longest single wait.
    pub max_delay: Duration,
    /// Give up when this much time has passed since the first attempt.
    pub max_elapsed: Duration,
}

impl Default for RetryConfig {
    fn default() -> Self {
        Self {
            max_retries: 4,
            base_delay: Duration::from_millis(200),
            max_delay: Duration::from_secs(20),
            max_elapsed: Duration::from_secs(120),
        }
    }
}

impl RetryConfig {
    /// No retries at all.
    pub fn none() -> Self {
        Self {
            max_retries: 0,
            ..Self::default()
        }
    }
}

/// Builds a [`Client`].
///
/// ```
/// use std::time::Duration;
/// let client = inveniordm::Client::builder("https://repo.example.org")
///     .token("secret-token")
///     .timeout(Duration::from_secs(60))
///     .user_agent("my-pipeline/1.0")
///     .build()
///     .unwrap();
/// assert_eq!(client.api_url().as_str(), "https://repo.example.org/api/");
/// assert!(!format!("{client:?}").contains("secret-token"));
/// ```
#[derive(Debug)]
pub struct ClientBuilder {
    url: String,
    token: Option<SecretString>,
    timeout: Option<Duration>,
    connect_timeout: Duration,
    user_agent: String,
    headers: Vec<(String, String)>,
    retry: RetryConfig,
    format: RecordFormat,
}

impl ClientBuilder {
    /// Sets the personal access token (sent as `Authorization: Bearer …`, never in a URL).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        let t: String = token.into();
        self.token = (!t.trim().is_empty()).then(|| SecretString::from(t.trim().to_string()));
        self
    }

    /// Total timeout of a request without a streamed body (default: none for transfers, the
    /// server's own limits apply; set one for pipelines that must not hang).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Connection timeout (default 30 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the `User-Agent` (InvenioRDM rate-limits by user agent and address).
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Adds a header sent with every request. (Like any client header, it follows redirects
    /// to other hosts; only `Authorization` is dropped there. Put secrets in the token.)
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Sets how record documents are requested (see [`RecordFormat`]).
    pub fn record_format(mut self, format: RecordFormat) -> Self {
        self.format = format;
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<Client> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let api = api_base(&self.url)?;
        let mut headers = HeaderMap::new();
        for (k, v) in &self.headers {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|_| Error::Config(format!("invalid header name {k:?}")))?;
            let mut value = HeaderValue::from_str(v)
                .map_err(|_| Error::Config(format!("invalid value for header {k}")))?;
            value.set_sensitive(true);
            headers.insert(name, value);
        }
        let mut http = reqwest::Client::builder()
            .user_agent(self.user_agent)
            .default_headers(headers)
            .connect_timeout(self.connect_timeout)
            .redirect(reqwest::redirect::Policy::limited(5));
        if let Some(t) = self.timeout {
            http = http.timeout(t);
        }
        let http = http
            .build()
            .map_err(|e| Error::Config(format!("cannot build the HTTP client: {e}")))?;
        let record_accept = match self.format {
            RecordFormat::Json => JSON,
            RecordFormat::Rdm => RDM_JSON,
            RecordFormat::Auto => {
                let host = api.host_str().unwrap_or("");
                if host == "zenodo.org" || host.ends_with(".zenodo.org") {
                    RDM_JSON
                } else {
                    JSON
                }
            }
        };
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                api,
                token: self.token,
                retry: self.retry,
                record_accept,
            }),
        })
    }
}

/// The API base: `https://host/api/` from `https://host`, `https://host/`, or `https://host/api`.
fn api_base(url: &str) -> Result<Url> {
    let trimmed = url.trim();
    if trimmed.is_empty() {
        return Err(Error::Config(
            "no server URL given (set INVENIORDM_URL or pass one, e.g. https://zenodo.org)".into(),
        ));
    }
    let mut u = Url::parse(trimmed)
        .map_err(|e| Error::Config(format!("the server URL {trimmed:?} is not a URL: {e}")))?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(Error::Config(format!(
            "the server URL must start with http:// or https://, not {}://",
            u.scheme()
        )));
    }
    if u.query().is_some() || u.fragment().is_some() || !u.username().is_empty() {
        return Err(Error::Config(
            "the server URL must not carry a query, fragment or credentials; pass the token separately".into(),
        ));
    }
    let mut path = u.path().trim_end_matches('/').to_string();
    if !path.ends_with("/api") {
        path.push_str("/api");
    }
    path.push('/');
    u.set_path(&path);
    Ok(u)
}

pub(crate) struct Inner {
    http: reqwest::Client,
    api: Url,
    token: Option<SecretString>,
    retry: RetryConfig,
    record_accept: &'static str,
}

/// An InvenioRDM API client. Cheap to clone (shared connection pool).
///
/// ```
/// # async fn demo() -> inveniordm::Result<()> {
/// use inveniordm::{Client, models::RecordQuery};
/// let client = Client::new("https://repo.example.org", Some("token"))?;
/// let page = client.query().records(&RecordQuery::new("ocean").size(10)).await?;
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

/// A request body.
pub(crate) enum Body {
    Empty,
    Json(Bytes),
    Stream(reqwest::Body, Option<u64>),
}

/// One request, before it is sent.
pub(crate) struct Request {
    pub method: Method,
    pub url: Url,
    pub body: Body,
    pub accept: &'static str,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

impl Client {
    /// A builder for a client of the server at `url` (site root or API root).
    pub fn builder(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder {
            url: url.into(),
            token: None,
            timeout: None,
            connect_timeout: Duration::from_secs(30),
            user_agent: format!("inveniordm-rs/{}", env!("CARGO_PKG_VERSION")),
            headers: Vec::new(),
            retry: RetryConfig::default(),
            format: RecordFormat::Auto,
        }
    }

    /// A client with default settings. `token` may be `None` for anonymous reads.
    pub fn new(url: impl Into<String>, token: Option<&str>) -> Result<Self> {
        let mut b = Self::builder(url);
        if let Some(t) = token {
            b = b.token(t);
        }
        b.build()
    }

    /// A client configured from `INVENIORDM_URL` and `INVENIORDM_TOKEN`, or from a `.env` file
    /// in the current folder or a parent when the URL is not in the environment.
    ///
    /// The token is taken from the same place as the URL, so a `.env` file never pairs its URL
    /// with a token meant for another server (and the other way round).
    pub fn from_env() -> Result<Self> {
        let env = |k: &str| std::env::var(k).ok().filter(|v| !v.trim().is_empty());
        if let Some(url) = env("INVENIORDM_URL") {
            return Self::new(url, env("INVENIORDM_TOKEN").as_deref());
        }
        let mut url = None;
        let mut token = None;
        if let Ok(iter) = dotenvy::dotenv_iter() {
            for (k, v) in iter.flatten() {
                match k.as_str() {
                    "INVENIORDM_URL" => url = Some(v),
                    "INVENIORDM_TOKEN" => token = Some(v),
                    _ => {}
                }
            }
        }
        match url {
            Some(url) => Self::new(url, token.as_deref()),
            None => Err(Error::Config(
                "INVENIORDM_URL is not set (e.g. INVENIORDM_URL=https://zenodo.org), in the environment or a .env file".into(),
            )),
        }
    }

    /// The API root (`…/api/`).
    pub fn api_url(&self) -> &Url {
        &self.inner.api
    }

    /// Whether a token is configured.
    pub fn has_token(&self) -> bool {
        self.inner.token.is_some()
    }

    /// Whether the server answers a record search (the seed's `connected`).
    pub async fn connected(&self) -> bool {
        let url = match self.url(&["records"]) {
            Ok(mut u) => {
                u.set_query(Some("size=1"));
                u
            }
            Err(_) => return false,
        };
        self.execute(self.request(Method::GET, url)).await.is_ok()
    }

    /// The URL of an API path made of segments; each segment is percent-encoded, so ids and
    /// file keys with `/`, `?`, `#`, `%`, spaces or non-ASCII characters stay one segment.
    pub(crate) fn url(&self, segments: &[&str]) -> Result<Url> {
        let mut path = self.inner.api.path().to_string();
        for (i, seg) in segments.iter().enumerate() {
            if seg.is_empty() || *seg == "." || *seg == ".." {
                return Err(Error::InvalidArgument(format!(
                    "{seg:?} cannot be used as an id or file key in a URL"
                )));
            }
            if i > 0 {
                path.push('/');
            }
            path.extend(utf8_percent_encode(seg, SEGMENT));
        }
        let mut u = self.inner.api.clone();
        u.set_path(&path);
        Ok(u)
    }

    /// A URL below the API root given as a relative path with an optional query
    /// (`"records?q=x"`); used by the raw escape hatch.
    pub(crate) fn relative_url(&self, path: &str) -> Result<Url> {
        let p = path.trim_start_matches('/');
        let p = p.strip_prefix("api/").unwrap_or(p);
        if p.contains("://") || p.starts_with("//") {
            return Err(Error::InvalidArgument(format!(
                "{path:?} must be a path relative to the API root, not a URL"
            )));
        }
        let url = self
            .inner
            .api
            .join(p)
            .map_err(|e| Error::InvalidArgument(format!("bad API path {path:?}: {e}")))?;
        if !self.is_this_server(&url) || !url.path().starts_with(self.inner.api.path()) {
            return Err(Error::InvalidArgument(format!(
                "{path:?} must be a path below the API root {}",
                self.inner.api
            )));
        }
        Ok(url)
    }

    /// Whether a URL has the API root's scheme, host and port.
    fn is_this_server(&self, u: &Url) -> bool {
        let a = &self.inner.api;
        u.scheme() == a.scheme()
            && u.host_str() == a.host_str()
            && u.port_or_known_default() == a.port_or_known_default()
    }

    /// Checks that an absolute link from a response (e.g. `links.next`) points at this server,
    /// so that the token is never sent anywhere else.
    pub(crate) fn same_origin(&self, link: &str) -> Result<Url> {
        let u = Url::parse(link)
            .map_err(|e| Error::InvalidArgument(format!("bad link {link:?}: {e}")))?;
        if !self.is_this_server(&u) {
            return Err(Error::InvalidArgument(format!(
                "refusing to follow a link to another server: {}",
                u.origin().ascii_serialization()
            )));
        }
        Ok(u)
    }

    pub(crate) fn request(&self, method: Method, url: Url) -> Request {
        Request {
            method,
            url,
            body: Body::Empty,
            accept: JSON,
            headers: Vec::new(),
        }
    }

    pub(crate) fn record_accept(&self) -> &'static str {
        self.inner.record_accept
    }

    /// Sends a request with retries; returns the response when its status is a success.
    pub(crate) async fn execute(&self, req: Request) -> Result<reqwest::Response> {
        let Request {
            method,
            url,
            body,
            accept,
            headers,
        } = req;
        let idempotent = matches!(
            method,
            Method::GET | Method::HEAD | Method::PUT | Method::DELETE | Method::OPTIONS
        );
        let path = url.path().to_string();
        let retry = &self.inner.retry;
        let start = Instant::now();
        let mut delay = retry.base_delay;
        let (json_body, mut stream_body) = match body {
            Body::Empty => (None, None),
            Body::Json(b) => (Some(b), None),
            Body::Stream(b, len) => (None, Some((b, len))),
        };
        let can_resend = stream_body.is_none();
        let mut attempt: u32 = 0;
        loop {
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
            if let Some((b, len)) = stream_body.take() {
                rb = rb
                    .header(reqwest::header::CONTENT_TYPE, "application/octet-stream")
                    .body(b);
                if let Some(l) = len {
                    rb = rb.header(reqwest::header::CONTENT_LENGTH, l);
                }
            }
            tracing::debug!(method = %method, path = %path, attempt, "request");
            let outcome = rb.send().await;
            let elapsed = start.elapsed();
            let retries_left =
                can_resend && attempt < retry.max_retries && elapsed < retry.max_elapsed;
            match outcome {
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
                    let retry_after = retry_after(resp.headers())
                        .filter(|_| matches!(status.as_u16(), 429 | 503));
                    let retryable = matches!(status.as_u16(), 429)
                        || (idempotent && matches!(status.as_u16(), 408 | 500 | 502 | 503 | 504));
                    if retryable && retries_left {
                        let wait = next_delay(&mut delay, retry, retry_after);
                        if elapsed + wait < retry.max_elapsed {
                            tracing::info!(method = %method, path = %path, status = status.as_u16(), wait_ms = wait.as_millis() as u64, "retrying");
                            tokio::time::sleep(wait).await;
                            attempt += 1;
                            continue;
                        }
                    }
                    return Err(api_error(&method, &path, resp).await);
                }
                Err(e) => {
                    let not_sent = e.is_connect();
                    if (idempotent || not_sent) && retries_left {
                        let wait = next_delay(&mut delay, retry, None);
                        if elapsed + wait < retry.max_elapsed {
                            tracing::info!(method = %method, path = %path, error = %e, wait_ms = wait.as_millis() as u64, "retrying");
                            tokio::time::sleep(wait).await;
                            attempt += 1;
                            continue;
                        }
                    }
                    return Err(transport_error(&method, &path, e));
                }
            }
        }
    }
}

fn next_delay(delay: &mut Duration, retry: &RetryConfig, retry_after: Option<u64>) -> Duration {
    // Decorrelated jitter: next = random(base, 3 * previous), capped.
    let base = retry.base_delay.as_millis() as u64;
    let upper = (delay.as_millis() as u64).saturating_mul(3).max(base + 1);
    let pick = rand::random_range(base..=upper);
    let mut d = Duration::from_millis(pick).min(retry.max_delay);
    *delay = d;
    if let Some(s) = retry_after {
        d = d
            .max(Duration::from_secs(s))
            .min(retry.max_delay.max(Duration::from_secs(s.min(300))));
    }
    d
}

fn retry_after(headers: &HeaderMap) -> Option<u64> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse()
        .ok()
}

fn transport_error(method: &Method, path: &str, e: reqwest::Error) -> Error {
    let what = if e.is_timeout() {
        "the request timed out"
    } else if e.is_connect() {
        "cannot connect to the server"
    } else if e.is_body() || e.is_decode() {
        "the connection broke while transferring the body"
    } else if e.is_redirect() {
        "too many redirects"
    } else {
        "the request failed"
    };
    let mut message = what.to_string();
    let mut src: Option<&dyn std::error::Error> = std::error::Error::source(&e);
    let mut depth = 0;
    while let Some(s) = src {
        if depth == 3 {
            break;
        }
        message.push_str(": ");
        message.push_str(&s.to_string());
        src = s.source();
        depth += 1;
    }
    Error::Transport {
        method: method.to_string(),
        path: path.to_string(),
        message,
        source: e.without_url(),
    }
}

/// Reads an error response into [`Error::Api`] (the body is read up to 64 KiB).
async fn api_error(method: &Method, path: &str, resp: reqwest::Response) -> Error {
    let status = resp.status();
    let retry_after = retry_after(resp.headers());
    let body = read_limited(resp, 64 * 1024).await;
    let parsed: Option<ErrorBody> = serde_json::from_slice(&body).ok();
    let (message, errors) = match parsed {
        Some(b) => {
            let msg = b
                .message
                .clone()
                .or_else(|| {
                    b.extra
                        .get("description")
                        .and_then(|v| v.as_str())
                        .map(str::to_string)
                })
                .unwrap_or_else(|| reason(status));
            (msg, b.errors.unwrap_or_default())
        }
        None => {
            let text = snippet(&body, 200);
            if text.is_empty() {
                (reason(status), Vec::new())
            } else {
                (format!("{} ({text})", reason(status)), Vec::new())
            }
        }
    };
    Error::Api {
        status: status.as_u16(),
        message,
        errors,
        method: method.to_string(),
        path: path.to_string(),
        retry_after,
    }
}

fn reason(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("unexpected status")
        .to_string()
}

async fn read_limited(mut resp: reqwest::Response, limit: usize) -> Vec<u8> {
    let mut out = Vec::new();
    while let Ok(Some(chunk)) = resp.chunk().await {
        let room = limit.saturating_sub(out.len());
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() >= limit {
            break;
        }
    }
    out
}

/// The first `n` characters of a body, on one line.
pub(crate) fn snippet(body: &[u8], n: usize) -> String {
    let text = String::from_utf8_lossy(body);
    let one_line: String = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let mut out: String = one_line.chars().take(n).collect();
    if one_line.chars().count() > n {
        out.push('…');
    }
    out
}

impl Client {
    /// Sends and decodes a JSON response.
    pub(crate) async fn json<T: DeserializeOwned>(&self, req: Request) -> Result<T> {
        let context = format!("{} {}", req.method, req.url.path());
        let resp = self.execute(req).await?;
        let body = resp.bytes().await.map_err(|e| Error::Decode {
            context: context.clone(),
            path: ".".into(),
            message: format!("the body could not be read: {e}"),
            snippet: String::new(),
        })?;
        decode(&context, &body)
    }

    /// Sends and decodes a record document, detecting Zenodo's legacy layout.
    pub(crate) async fn record(&self, mut req: Request) -> Result<Record> {
        req.accept = self.record_accept();
        let context = format!("{} {}", req.method, req.url.path());
        let value: serde_json::Value = self.json(req).await?;
        if Record::looks_legacy(&value) {
            return Err(Error::LegacyFormat { context });
        }
        from_value(&context, value)
    }

    /// Sends and expects an empty success (204 or any 2xx, body ignored).
    pub(crate) async fn empty(&self, req: Request) -> Result<()> {
        let resp = self.execute(req).await?;
        let _ = resp.bytes().await;
        Ok(())
    }
}

pub(crate) fn decode<T: DeserializeOwned>(context: &str, body: &[u8]) -> Result<T> {
    let de = &mut serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(de).map_err(|e| {
        let path = e.path().to_string();
        Error::Decode {
            context: context.to_string(),
            path,
            message: e.inner().to_string(),
            snippet: snippet(body, 200),
        }
    })
}

pub(crate) fn from_value<T: DeserializeOwned>(context: &str, v: serde_json::Value) -> Result<T> {
    let text = v.to_string();
    serde_path_to_error::deserialize(v).map_err(|e| Error::Decode {
        context: context.to_string(),
        path: e.path().to_string(),
        message: e.inner().to_string(),
        snippet: snippet(text.as_bytes(), 200),
    })
}

impl Request {
    pub(crate) fn json_body<T: serde::Serialize + ?Sized>(mut self, body: &T) -> Result<Self> {
        let bytes = serde_json::to_vec(body).map_err(|e| {
            Error::InvalidArgument(format!("cannot serialise the request body: {e}"))
        })?;
        self.body = Body::Json(Bytes::from(bytes));
        Ok(self)
    }

    pub(crate) fn stream_body(mut self, body: reqwest::Body, len: Option<u64>) -> Self {
        self.body = Body::Stream(body, len);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_base_accepts_site_or_api_roots() {
        for (input, want) in [
            ("https://zenodo.org", "https://zenodo.org/api/"),
            ("https://zenodo.org/", "https://zenodo.org/api/"),
            ("https://zenodo.org/api", "https://zenodo.org/api/"),
            ("https://zenodo.org/api/", "https://zenodo.org/api/"),
            (
                "http://127.0.0.1:5000/sub",
                "http://127.0.0.1:5000/sub/api/",
            ),
        ] {
            assert_eq!(api_base(input).expect("valid").as_str(), want, "{input}");
        }
        for bad in [
            "",
            "zenodo.org",
            "ftp://x",
            "https://u:p@x.org",
            "https://x.org/?access_token=1",
        ] {
            assert!(api_base(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn segments_are_encoded_one_by_one() {
        let c = Client::new("http://127.0.0.1:1", None).expect("client");
        let u = c
            .url(&[
                "records",
                "ab/c",
                "draft",
                "files",
                "a b#?%ü/x.csv",
                "content",
            ])
            .expect("url");
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:1/api/records/ab%2Fc/draft/files/a%20b%23%3F%25%C3%BC%2Fx.csv/content"
        );
        assert!(c.url(&["records", ".."]).is_err());
        assert!(c.url(&["records", ""]).is_err());
    }

    #[test]
    fn links_to_other_servers_are_refused() {
        let c = Client::new("http://127.0.0.1:5000", None).expect("client");
        assert!(
            c.same_origin("http://127.0.0.1:5000/api/records?page=2")
                .is_ok()
        );
        assert!(
            c.same_origin("http://evil.example/api/records?page=2")
                .is_err()
        );
        assert!(c.same_origin("https://127.0.0.1:5000/api/records").is_err());
    }

    #[test]
    fn zenodo_hosts_get_rdm_json() {
        let z = Client::new("https://sandbox.zenodo.org", None).expect("client");
        assert_eq!(z.record_accept(), RDM_JSON);
        let p = Client::new("https://repo.example.org", None).expect("client");
        assert_eq!(p.record_accept(), JSON);
    }
}
