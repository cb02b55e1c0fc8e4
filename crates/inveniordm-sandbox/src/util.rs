//! Small helpers: ids, timestamps, the JSON error envelope, responses.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde_json::{Value, json};

/// Crockford base32 without the confusable letters, as InvenioRDM record ids use.
const ALPHABET: &[u8] = b"0123456789abcdefghjkmnpqrstvwxyz";

/// A new record id, `xxxxx-xxxxx`.
pub fn new_record_id() -> String {
    let mut s = String::with_capacity(11);
    for i in 0..10 {
        if i == 5 {
            s.push('-');
        }
        s.push(ALPHABET[rand::random_range(0..ALPHABET.len())] as char);
    }
    s
}

/// A random hex string of `n` bytes.
pub fn random_hex(n: usize) -> String {
    (0..n)
        .map(|_| format!("{:02x}", rand::random::<u8>()))
        .collect()
}

/// A UUID-shaped random id.
pub fn uuid() -> String {
    uuid_from_hex(&random_hex(16))
}

/// The first 32 hex digits of `h` in UUID form (`8-4-4-4-12`).
pub fn uuid_from_hex(h: &str) -> String {
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// An empty 204 answer.
pub fn no_content() -> Response {
    let mut r = Response::new(Body::empty());
    *r.status_mut() = StatusCode::NO_CONTENT;
    r
}

/// Now, as InvenioRDM writes timestamps (`2026-11-26T10:00:00.123456+00:00`).
pub fn now() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
        .to_string()
}

/// A draft's expiry, naive with a space separator as real servers write it.
pub fn expires_at() -> String {
    chrono::Utc::now()
        .format("%Y-%m-%d %H:%M:%S%.6f")
        .to_string()
}

/// A timestamp from [`now`] in the naive, space-separated form of `expires_at`.
pub fn naive(ts: &str) -> String {
    ts.replacen('T', " ", 1)
        .trim_end_matches("+00:00")
        .to_string()
}

/// A JSON response.
pub fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut r = Response::new(Body::from(body.to_string()));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    r
}

/// An error in the API's envelope.
#[derive(Debug, Clone)]
pub struct ApiError {
    /// HTTP status.
    pub status: StatusCode,
    /// Message.
    pub message: String,
    /// Field errors.
    pub errors: Vec<(String, String)>,
    /// A deleted record's tombstone, shown with 410.
    pub tombstone: Option<Value>,
}

impl ApiError {
    /// An error with a status and message.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            message: message.into(),
            errors: Vec::new(),
            tombstone: None,
        }
    }

    /// 400 "A validation error occurred." with field errors.
    pub fn validation(errors: Vec<(String, String)>) -> Self {
        Self {
            status: StatusCode::BAD_REQUEST,
            message: "A validation error occurred.".into(),
            errors,
            tombstone: None,
        }
    }

    /// 400 "A validation error occurred." for a body that is not the JSON type expected.
    pub fn invalid_input() -> Self {
        Self::validation(vec![("_schema".into(), "Invalid input type.".into())])
    }

    /// 403 "Permission denied."
    pub fn forbidden() -> Self {
        Self::new(StatusCode::FORBIDDEN, "Permission denied.")
    }

    /// 404 for an unknown id.
    pub fn pid_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "The persistent identifier does not exist.",
        )
    }

    /// 404 for an id that exists only as a draft.
    pub fn pid_not_registered() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "The persistent identifier is not registered.",
        )
    }

    /// 404 for an unknown route.
    pub fn route_not_found() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "The requested URL was not found on the server. If you entered the URL manually please check your spelling and try again.",
        )
    }

    /// 400 "Invalid value X." (unknown vocabulary id).
    pub fn invalid_value(v: &str) -> Self {
        Self::new(StatusCode::BAD_REQUEST, format!("Invalid value {v}."))
    }

    /// A deleted record: 410 "Record deleted" with its tombstone, or 404 "Record not found"
    /// when the tombstone is hidden.
    pub fn deleted(tombstone: Option<&Value>) -> Self {
        let t = tombstone.cloned().unwrap_or(Value::Null);
        if t.get("is_visible").and_then(Value::as_bool) == Some(false) {
            return Self::new(StatusCode::NOT_FOUND, "Record not found");
        }
        Self {
            tombstone: Some(t),
            ..Self::new(StatusCode::GONE, "Record deleted")
        }
    }

    /// 400 for a record in the wrong state for a deletion or a restore.
    pub fn deletion_status() -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "Record in unexpected deletion status.",
        )
    }

    /// The JSON body.
    pub fn body(&self) -> Value {
        let mut b = json!({"status": self.status.as_u16(), "message": self.message});
        if !self.errors.is_empty() {
            b["errors"] = group_errors(&self.errors);
        }
        if let Some(t) = &self.tombstone {
            b["tombstone"] = t.clone();
        }
        b
    }

    /// As a response.
    pub fn response(&self) -> Response {
        json_response(self.status, &self.body())
    }
}

/// Groups (field, message) pairs into `[{"field", "messages": [...]}]`, keeping order.
pub fn group_errors(errors: &[(String, String)]) -> Value {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (f, m) in errors {
        match out.iter_mut().find(|(k, _)| k == f) {
            Some((_, ms)) => {
                if !ms.contains(m) {
                    ms.push(m.clone())
                }
            }
            None => out.push((f.clone(), vec![m.clone()])),
        }
    }
    Value::Array(
        out.into_iter()
            .map(|(f, ms)| json!({"field": f, "messages": ms}))
            .collect(),
    )
}

/// Result type of handlers.
pub type ApiResult<T = Response> = Result<T, ApiError>;

/// 405, as the real server words it.
pub fn not_allowed() -> ApiResult {
    Err(ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "The method is not allowed for the requested URL.",
    ))
}

const SEGMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes one path segment (for links).
pub fn enc(s: &str) -> String {
    utf8_percent_encode(s, SEGMENT).to_string()
}

/// Bytes as lower-case hex (md5s, hashes).
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Reads a request body to its end and drops it, so that an answer given without using it
/// reaches the client rather than a closed connection.
pub async fn drain(body: axum::body::Body) {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    while let Some(Ok(_)) = stream.next().await {}
}
