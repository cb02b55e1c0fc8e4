//! Responses: error mapping and decoding.

use std::time::Duration;

use inveniordm_models::{ErrorBody, Record};
use reqwest::{Method, StatusCode};
use serde::de::DeserializeOwned;

use futures_util::StreamExt;

use super::idle::{ReadError, response_chunks};
use super::retry::retry_after;
use super::{Client, Request};
use crate::error::{Error, Result};

/// A failure to send a request or read its answer, with what went wrong in words.
pub(crate) fn transport_error(method: &Method, path: &str, e: reqwest::Error) -> Error {
    use crate::error::TransportReason;
    let (what, reason) = if e.is_timeout() {
        (
            "the request timed out (a longer timeout can be set)",
            TransportReason::Timeout,
        )
    } else if e.is_connect() {
        ("cannot connect to the server", TransportReason::Connect)
    } else if e.is_body() || e.is_decode() {
        (
            "the connection broke while transferring the body",
            TransportReason::Body,
        )
    } else if e.is_redirect() {
        ("too many redirects", TransportReason::Other)
    } else {
        ("the request failed", TransportReason::Other)
    };
    let what = what.to_string();
    let mut message = what;
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
        reason,
        source: Box::new(e.without_url()),
    }
}

/// The error of a server that stalled.
pub(crate) fn stalled(method: &Method, path: &str, limit: Duration) -> Error {
    Error::Stalled {
        method: method.to_string(),
        path: path.to_string(),
        seconds: limit.as_secs(),
    }
}

/// Reads an error response into [`Error::Api`] (the body is read up to 64 KiB).
pub(crate) async fn api_error(
    method: &Method,
    path: &str,
    resp: reqwest::Response,
    limit: Duration,
) -> Error {
    let status = resp.status();
    let retry_after = retry_after(resp.headers()).map(|d| d.as_secs());
    let body = read_limited(resp, 64 * 1024, limit).await;
    let mut parsed: Option<ErrorBody> = serde_json::from_slice(&body).ok();
    if status.as_u16() == 410
        && let Some(tombstone) = parsed.as_mut().and_then(|b| b.tombstone.take())
    {
        return Error::Deleted {
            method: method.to_string(),
            path: path.to_string(),
            tombstone: Box::new(tombstone),
        };
    }
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
        None if oai_error(&body).is_some() => {
            let (code, text) = oai_error(&body).unwrap_or_default();
            (format!("{code}: {text}"), Vec::new())
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

/// The code and text of an OAI-PMH error answer (`<error code="badArgument">…</error>`, sent
/// with a 422 by invenio-oaiserver).
pub(crate) fn oai_error(body: &[u8]) -> Option<(String, String)> {
    let text = std::str::from_utf8(body).ok()?;
    let at = text.find("<error code=\"")? + "<error code=\"".len();
    let code_end = at + text[at..].find('"')?;
    let code = text[at..code_end].to_string();
    let rest = &text[code_end..];
    let message = match (rest.find('>'), rest.find("</error>")) {
        (Some(open), Some(close)) if open < close && !rest[..open].ends_with('/') => {
            rest[open + 1..close].trim().to_string()
        }
        _ => String::new(),
    };
    Some((code, message))
}

fn reason(status: StatusCode) -> String {
    status
        .canonical_reason()
        .unwrap_or("unexpected status")
        .to_string()
}

async fn read_limited(resp: reqwest::Response, limit: usize, idle: Duration) -> Vec<u8> {
    let mut out = Vec::new();
    let mut chunks = std::pin::pin!(response_chunks(resp, idle));
    while let Some(Ok(chunk)) = chunks.next().await {
        let room = limit.saturating_sub(out.len());
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() >= limit {
            break;
        }
    }
    out
}

/// Whether an answer broke off midway (the connection broke or stalled in the body).
fn broke_off(e: &Error) -> bool {
    matches!(
        e,
        Error::Transport {
            reason: crate::error::TransportReason::Body,
            ..
        } | Error::Stalled { .. }
    )
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
        self.read_once_more(req, &context, |resp| self.read_json(&context, resp))
            .await
    }

    /// Sends `req` and reads its answer with `read`; when the answer broke off midway and
    /// `req` is a plain read, it is asked once more.
    async fn read_once_more<T, F, Fut>(&self, req: Request, context: &str, read: F) -> Result<T>
    where
        F: Fn(reqwest::Response) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        let again = self.read_again(&req);
        let resp = self.execute(req).await?;
        match (read(resp).await, again) {
            (Err(e), Some(again)) if broke_off(&e) => {
                tracing::info!(context = %context, error = %e, "the answer broke off; reading again");
                let resp = self.execute(again).await?;
                read(resp).await
            }
            (r, _) => r,
        }
    }

    /// The request to send again when a read's answer breaks off (`None` when retries are
    /// off or it is no plain read).
    fn read_again(&self, req: &Request) -> Option<Request> {
        (self.retry_config().max_retries > 0)
            .then(|| req.again())
            .flatten()
    }

    /// Reads a whole (JSON) response body; each chunk must come within the read timeout.
    pub(crate) async fn read_body(
        &self,
        context: &str,
        resp: reqwest::Response,
    ) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        let limit = self.read_timeout();
        let mut chunks = std::pin::pin!(response_chunks(resp, limit));
        while let Some(chunk) = chunks.next().await {
            match chunk {
                Ok(c) => out.extend_from_slice(&c),
                Err(ReadError::Stalled) => {
                    let (method, path) = context.split_once(' ').unwrap_or(("GET", context));
                    return Err(Error::Stalled {
                        method: method.to_string(),
                        path: path.to_string(),
                        seconds: limit.as_secs(),
                    });
                }
                Err(ReadError::Http(e)) => {
                    // The connection broke mid-body: a network failure (a read can be run
                    // again), not a document that does not decode.
                    let (method, path) = context.split_once(' ').unwrap_or(("GET", context));
                    let method = Method::from_bytes(method.as_bytes()).unwrap_or(Method::GET);
                    return Err(transport_error(&method, path, e));
                }
            }
        }
        Ok(out)
    }

    /// Decodes a JSON response that was already received.
    pub(crate) async fn read_json<T: DeserializeOwned>(
        &self,
        context: &str,
        resp: reqwest::Response,
    ) -> Result<T> {
        let body = self.read_body(context, resp).await?;
        decode_json(context, &body)
    }

    /// Sends and decodes a record document, detecting Zenodo's legacy layout.
    pub(crate) async fn record(&self, mut req: Request) -> Result<Record> {
        req.accept = self.record_accept();
        let context = format!("{} {}", req.method, req.url.path());
        self.read_once_more(req, &context, |resp| self.read_record(&context, resp))
            .await
    }

    /// Decodes a record document that was already received.
    pub(crate) async fn read_record(
        &self,
        context: &str,
        resp: reqwest::Response,
    ) -> Result<Record> {
        let value: serde_json::Value = self.read_json(context, resp).await?;
        if Record::looks_legacy(&value) {
            return Err(Error::LegacyFormat {
                context: context.to_string(),
            });
        }
        from_value(context, value)
    }

    /// Sends and expects an empty success (204 or any 2xx, body ignored).
    pub(crate) async fn empty(&self, req: Request) -> Result<()> {
        let context = format!("{} {}", req.method, req.url.path());
        let resp = self.execute(req).await?;
        let _ = self.read_body(&context, resp).await;
        Ok(())
    }
}

/// Logs, at debug level, every value that did not fit its typed field and was kept in `extra`.
fn log_fallbacks(context: &str, fallbacks: &[inveniordm_models::fallbacks::Fallback]) {
    for f in fallbacks {
        tracing::debug!(
            context,
            model = f.model,
            key = f.key,
            "a value did not fit its typed field; kept in `extra`"
        );
    }
}

pub(crate) fn decode_json<T: DeserializeOwned>(context: &str, body: &[u8]) -> Result<T> {
    let (result, fallbacks) = inveniordm_models::fallbacks::watch(|| {
        let de = &mut serde_json::Deserializer::from_slice(body);
        serde_path_to_error::deserialize(de)
    });
    log_fallbacks(context, &fallbacks);
    result.map_err(|e: serde_path_to_error::Error<serde_json::Error>| {
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
    let (result, fallbacks) =
        inveniordm_models::fallbacks::watch(|| serde_path_to_error::deserialize(v));
    log_fallbacks(context, &fallbacks);
    result.map_err(
        |e: serde_path_to_error::Error<serde_json::Error>| Error::Decode {
            context: context.to_string(),
            path: e.path().to_string(),
            message: e.inner().to_string(),
            snippet: snippet(text.as_bytes(), 200),
        },
    )
}
