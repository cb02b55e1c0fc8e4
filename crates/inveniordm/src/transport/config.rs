//! Client configuration: the builder, the API root, the environment.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use secrecy::SecretString;
use url::Url;

use super::pacing::Pacer;
use super::retry::RetryConfig;
use super::{Client, Inner, JSON, RDM_JSON};
use crate::error::{Error, Result};

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

/// Default time to establish a connection.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(20);
/// Default longest silence while waiting for an answer or for the next bytes of a body.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(120);

/// Builds a [`Client`].
///
/// ```
/// use std::time::Duration;
/// let client = inveniordm::Client::builder("https://repo.example.org")
///     .token("secret-token")
///     .read_timeout(Duration::from_secs(60))
///     .user_agent("my-pipeline/1.0")
///     .header("X-Site-Key", "another-secret")
///     .build()
///     .unwrap();
/// assert_eq!(client.api_url().as_str(), "https://repo.example.org/api/");
/// assert!(!format!("{client:?}").contains("secret-token"));
/// ```
pub struct ClientBuilder {
    url: String,
    token: Option<SecretString>,
    timeout: Option<Duration>,
    connect_timeout: Duration,
    read_timeout: Duration,
    user_agent: String,
    headers: Vec<(String, String)>,
    retry: RetryConfig,
    format: RecordFormat,
    pacing: bool,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Header values may be secrets (site keys, proxies' credentials): names only.
        let header_names: Vec<&str> = self.headers.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("ClientBuilder")
            .field("url", &self.url)
            .field("token", &self.token.as_ref().map(|_| "[REDACTED]"))
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("user_agent", &self.user_agent)
            .field("headers", &header_names)
            .field("retry", &self.retry)
            .field("format", &self.format)
            .field("pacing", &self.pacing)
            .finish()
    }
}

impl ClientBuilder {
    pub(super) fn new(url: String) -> Self {
        Self {
            url,
            token: None,
            timeout: None,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            user_agent: format!("inveniordm/{}", crate::VERSION),
            headers: Vec::new(),
            retry: RetryConfig::default(),
            format: RecordFormat::Auto,
            pacing: true,
        }
    }

    /// Sets the personal access token (sent as `Authorization: Bearer …`, never in a URL).
    pub fn token(mut self, token: impl Into<String>) -> Self {
        let t: String = token.into();
        self.token = (!t.trim().is_empty()).then(|| SecretString::from(t.trim().to_string()));
        self
    }

    /// Total time a request may take from sending to the end of its response body, file
    /// downloads and uploads included (default: none, since a large transfer may rightly take
    /// hours; the [read timeout](Self::read_timeout) catches a stalled server).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Longest silence allowed (default 120 s): while waiting for an answer, between two
    /// chunks of a response body, or while the server takes none of an upload's bytes. A
    /// stalled server fails with [`Error::Stalled`] after this long instead of hanging
    /// (idempotent requests are retried first); a transfer that keeps moving is never cut,
    /// however long it takes.
    pub fn read_timeout(mut self, timeout: Duration) -> Self {
        self.read_timeout = timeout;
        self
    }

    /// Connection timeout (default 20 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout;
        self
    }

    /// Sets the `User-Agent` (InvenioRDM rate-limits by user agent and address, and Zenodo
    /// asks clients to name themselves). The default is `inveniordm/VERSION`; a tool built on
    /// the library names itself first, as `irdm` does: `irdm/1.2.0 inveniordm/0.1.0`.
    pub fn user_agent(mut self, ua: impl Into<String>) -> Self {
        self.user_agent = ua.into();
        self
    }

    /// Adds a header sent with every request. (Like any client header, it follows redirects
    /// to other hosts; only `Authorization` is dropped there. Put secrets in the token.)
    /// Its value never appears in `Debug` output.
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Sets the retry policy.
    pub fn retry(mut self, retry: RetryConfig) -> Self {
        self.retry = retry;
        self
    }

    /// Paces requests from the server's `X-RateLimit-Limit/Remaining/Reset` headers so that a
    /// long run stays under the limit instead of bouncing off 429s (default on). The budget is
    /// shared by every clone of the client, so concurrent transfers share it too.
    pub fn rate_pacing(mut self, on: bool) -> Self {
        self.pacing = on;
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
                read_timeout: self.read_timeout,
                pacer: self.pacing.then(Pacer::default),
                body_refused_at: std::sync::atomic::AtomicU64::new(u64::MAX),
            }),
        })
    }
}

/// The API base: `https://host/api/` from `https://host`, `https://host/`, or `https://host/api`.
pub(super) fn api_base(url: &str) -> Result<Url> {
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

impl Client {
    /// A builder for a client of the server at `url` (site root or API root).
    pub fn builder(url: impl Into<String>) -> ClientBuilder {
        ClientBuilder::new(url.into())
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
    /// The token is taken from the same place as the URL (see [`crate::env`]), so a `.env`
    /// file never pairs its URL with a token meant for another server (and the other way
    /// round).
    pub fn from_env() -> Result<Self> {
        let found = crate::env::from_environment();
        match found.url {
            Some(url) => Self::new(url.value, found.token.as_ref().map(|t| t.value.as_str())),
            None => Err(Error::Config(
                "INVENIORDM_URL is not set (e.g. INVENIORDM_URL=https://zenodo.org), in the environment or a .env file".into(),
            )),
        }
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
    fn builder_debug_hides_header_values_and_token() {
        let b = Client::builder("https://x.org")
            .token("tok-secret-1")
            .header("X-Api-Key", "hdr-secret-2");
        let s = format!("{b:?}");
        assert!(!s.contains("tok-secret-1"), "{s}");
        assert!(!s.contains("hdr-secret-2"), "{s}");
        assert!(s.contains("X-Api-Key"), "{s}");
    }

    #[test]
    fn zenodo_hosts_get_rdm_json() {
        let z = Client::new("https://sandbox.zenodo.org", None).expect("client");
        assert_eq!(z.record_accept(), RDM_JSON);
        let p = Client::new("https://repo.example.org", None).expect("client");
        assert_eq!(p.record_accept(), JSON);
    }
}
