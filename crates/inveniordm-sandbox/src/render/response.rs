//! HTTP answers: content negotiation (the `ui` variant), record and draft responses with
//! their ETag, and redirects.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use crate::app::{App, Ctx, with_etag};
use crate::model::{Doc, State};
use crate::util::json_response;

use super::record::record;
use super::ui::add_ui;

/// Whether the client asked for `application/vnd.inveniordm.v1+json` (RDM JSON with a `ui`
/// block of display strings).
pub fn wants_ui(ctx: &Ctx) -> bool {
    ctx.headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| {
            a.to_ascii_lowercase()
                .contains("application/vnd.inveniordm.v1+json")
        })
}

/// Sets the negotiated content type.
pub fn negotiated(mut r: axum::response::Response, ui: bool) -> axum::response::Response {
    if ui {
        r.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/vnd.inveniordm.v1+json"),
        );
    }
    r
}

/// A record or draft as its JSON answer (with the `ui` block when asked for, and its ETag).
pub fn record_response(
    app: &App,
    st: &State,
    d: &Doc,
    draft: bool,
    ctx: &Ctx,
    status: StatusCode,
) -> Response {
    record_response_with(app, st, d, draft, ctx, status, |_| {})
}

/// [`record_response`] with a change made to the document before it is sent.
pub fn record_response_with(
    app: &App,
    st: &State,
    d: &Doc,
    draft: bool,
    ctx: &Ctx,
    status: StatusCode,
    tweak: impl FnOnce(&mut Value),
) -> Response {
    let mut body = record(st, &app.vocab, d, draft, ctx);
    tweak(&mut body);
    let ui = wants_ui(ctx);
    if ui {
        add_ui(&app.vocab, &mut body);
    }
    negotiated(with_etag(json_response(status, &body), d.revision_id), ui)
}

/// A draft as its JSON answer, with its validation problems in `errors`.
pub fn draft_response(
    app: &App,
    st: &State,
    d: &Doc,
    ctx: &Ctx,
    status: StatusCode,
    errors: &[(String, String)],
    tweak: impl FnOnce(&mut Value),
) -> Response {
    record_response_with(app, st, d, true, ctx, status, |body| {
        if !errors.is_empty() {
            body["errors"] = crate::util::group_errors(errors);
        }
        tweak(body);
    })
}

/// A redirect with the real server's JSON body.
pub fn redirect(status: StatusCode, location: &str) -> Response {
    let mut r = json_response(
        status,
        &json!({"status": status.as_u16(), "message": "Redirecting...", "location": location}),
    );
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}
