//! What every handler uses of a request: its context (who, when, where), JSON bodies, the
//! `Accept` and `If-Match` checks and the `ETag` of an answer.

use super::*;
use crate::util::{ApiError, ApiResult};
use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value};

/// What a handler knows about the request.
pub struct Ctx {
    /// Authenticated user.
    pub user: Option<i64>,
    /// Whether that user is the instance's administrator (the default user `sandbox`, as the
    /// first user of an instance set up by `scripts/inveniordm-up`): it sees administrative
    /// fields and may act on every request.
    pub admin: bool,
    /// API root, e.g. `http://127.0.0.1:5000/api`.
    pub api: String,
    /// UI root, e.g. `http://127.0.0.1:5000`.
    pub ui: String,
    /// Decoded query pairs.
    pub query: Vec<(String, String)>,
    /// Request headers.
    pub headers: HeaderMap,
    /// InvenioRDM major version imitated.
    pub rdm_version: u8,
    /// The secret link given as `?token=`: (parent id, permission), when valid.
    pub link: Option<(String, String)>,
    /// Committed files are shown without their checksum (`Faults::withhold_checksums`).
    pub withhold_checksums: bool,
}

impl Ctx {
    /// The first value of a query parameter.
    pub fn q(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The user, or 403.
    pub fn require_user(&self) -> ApiResult<i64> {
        self.user.ok_or_else(ApiError::forbidden)
    }
}

/// Reads a JSON body: checks the content type, the size limit and the syntax.
pub async fn json_body(app: &App, ctx: &Ctx, body: Body) -> ApiResult<Value> {
    json_body_of(app, ctx, body, "application/json").await
}

/// [`json_body`] for an endpoint that names other accepted types in its 415 message.
pub async fn json_body_of(app: &App, ctx: &Ctx, body: Body, accepted: &str) -> ApiResult<Value> {
    json_or(app, ctx, body, accepted, None).await
}

/// [`json_body`] for an endpoint whose body is optional: an empty body is `{}`.
pub async fn json_body_or_empty(app: &App, ctx: &Ctx, body: Body) -> ApiResult<Value> {
    json_or(
        app,
        ctx,
        body,
        "application/json",
        Some(Value::Object(Map::new())),
    )
    .await
}

/// Reads a JSON body; an empty one is `empty`, or a 400 without it.
async fn json_or(
    app: &App,
    ctx: &Ctx,
    body: Body,
    accepted: &str,
    empty: Option<Value>,
) -> ApiResult<Value> {
    if let Some(ct) = ctx.headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
        let mime = ct.split(';').next().unwrap_or("").trim();
        if mime != "application/json" && !mime.is_empty() {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("Invalid 'Content-Type' header. Expected one of: {accepted}"),
            ));
        }
    }
    let bytes = axum::body::to_bytes(body, app.limits.max_json_body)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The data value transmitted exceeds the capacity limit.",
            )
        })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return empty.ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "Unable to decode JSON data in request body.",
            )
        });
    }
    serde_json::from_slice(&bytes).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "Unable to decode JSON data in request body.",
        )
    })
}

/// What the record endpoints offer, as the real server lists it in its 406 message.
const RECORD_ACCEPT: &str = "Invalid 'Accept' header. Expected one of: application/json, application/ld+json, application/vnd.inveniordm.v1.full+csv, application/vnd.inveniordm.v1.simple+csv, application/marcxml+xml, application/vnd.inveniordm.v1+json, application/vnd.citationstyles.csl+json, application/vnd.datacite.datacite+json, application/vnd.geo+json, application/vnd.datacite.datacite+xml, application/ld+json;profile=\"https://datapackage.org/profiles/2.0/datapackage.json\", application/x-dc+xml, text/x-bibliography, application/x-bibtex, application/dcat+xml, application/linkset+json";

/// The media types of an `Accept` header, lower case, without parameters.
pub fn media_types(accept: &str) -> impl Iterator<Item = String> + '_ {
    accept.split(',').map(|part| {
        part.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    })
}

/// The 406 of the record endpoints, with the real server's list of formats.
pub fn not_acceptable() -> ApiError {
    ApiError::new(StatusCode::NOT_ACCEPTABLE, RECORD_ACCEPT)
}

/// Checks the `Accept` header of a JSON endpoint (406 when nothing JSON is acceptable).
pub fn check_accept(ctx: &Ctx) -> ApiResult<()> {
    let Some(a) = ctx
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(());
    };
    let ok = media_types(a)
        .any(|m| m.is_empty() || m == "*/*" || m == "application/*" || m.contains("json"));
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::NOT_ACCEPTABLE, RECORD_ACCEPT))
    }
}

/// Parses `If-Match` as the real server does: a bare integer, 400 otherwise.
pub fn if_match(ctx: &Ctx) -> ApiResult<Option<u64>> {
    let Some(v) = ctx.headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    v.to_str()
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::validation(vec![("if_match".into(), "Not a valid integer.".into())])
        })
}

/// 412 when `If-Match` does not match the revision.
pub fn check_revision(ctx: &Ctx, revision: u64) -> ApiResult<()> {
    match if_match(ctx)? {
        Some(r) if r != revision => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            format!("Revision id provided({r}) doesn't match record's one({revision})"),
        )),
        _ => Ok(()),
    }
}

/// A JSON response with an `ETag` of the revision.
pub fn with_etag(mut r: Response, revision: u64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("\"{revision}\"")) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}
