//! Comments: the comment endpoints and the events a request's timeline is made of.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::app::{App, Ctx, json_body};
use crate::model::{Event, State};
use crate::render;
use crate::util::{self, ApiError, ApiResult, json_response};

use super::readable;

/// The `payload` of a comment body, checked: `{"content": non-empty, "format": "html"}`.
pub(super) fn comment_payload(
    input: &Value,
    required: bool,
) -> ApiResult<Option<Map<String, Value>>> {
    let Some(p) = input.get("payload") else {
        if required {
            return Err(ApiError::validation(vec![(
                "payload".into(),
                "Missing data for required field.".into(),
            )]));
        }
        return Ok(None);
    };
    let Some(o) = p.as_object() else {
        return Err(ApiError::validation(vec![(
            "payload".into(),
            "Invalid input type.".into(),
        )]));
    };
    let content = o.get("content").and_then(Value::as_str).unwrap_or("");
    if content.trim().is_empty() {
        return Err(ApiError::validation(vec![(
            "payload.content".into(),
            "Missing data for required field.".into(),
        )]));
    }
    let format = o.get("format").and_then(Value::as_str).unwrap_or("html");
    if format != "html" {
        return Err(ApiError::validation(vec![(
            "payload.format".into(),
            "Must be one of: html.".into(),
        )]));
    }
    let mut out = Map::new();
    // The real server decodes character references before it sanitises the HTML, so an
    // escaped `&lt;b&gt;` is stored as `<b>`.
    let content = content
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&");
    out.insert("content".into(), json!(content));
    out.insert("format".into(), json!("html"));
    Ok(Some(out))
}

/// Adds an event to a request's timeline.
pub(super) fn add_event(
    app: &App,
    st: &mut State,
    request: &str,
    kind: &str,
    payload: Map<String, Value>,
    user: i64,
) -> ApiResult<Event> {
    let now = util::now();
    let seq = st.events.values().map(|e| e.seq).max().unwrap_or(0) + 1;
    let e = Event {
        id: util::uuid(),
        request: request.to_string(),
        kind: kind.to_string(),
        payload,
        created_by: user,
        created: now.clone(),
        updated: now,
        revision_id: 1,
        seq,
        parent: None,
    };
    app.persist("events", &e.id, &e)?;
    st.events.insert(e.id.clone(), e.clone());
    Ok(e)
}

pub(super) fn log_event(
    app: &App,
    st: &mut State,
    request: &str,
    event: &str,
    user: i64,
) -> ApiResult<()> {
    let mut p = Map::new();
    p.insert("event".into(), json!(event));
    p.insert("format".into(), json!("html"));
    add_event(app, st, request, "L", p, user).map(|_| ())
}

/// `POST /api/requests/{id}/comments`.
pub(crate) async fn comment(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let user = ctx.require_user()?;
    {
        let st = app.state();
        readable(&st, ctx, id)?;
    }
    let input = json_body(app, ctx, body).await?;
    let payload = comment_payload(&input, true)?.unwrap_or_default();
    let mut st = app.state();
    readable(&st, ctx, id)?;
    let e = add_event(app, &mut st, id, "C", payload, user)?;
    Ok(json_response(StatusCode::CREATED, &render::event(&e, ctx)))
}

pub(super) fn comment_of<'a>(
    st: &'a State,
    ctx: &Ctx,
    id: &str,
    event: &str,
) -> ApiResult<&'a Event> {
    readable(st, ctx, id)?;
    st.events
        .get(event)
        .filter(|e| e.request == id)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not found."))
}

/// `GET /api/requests/{id}/comments/{event}`.
pub(crate) fn get_comment(app: &App, ctx: &Ctx, id: &str, event: &str) -> ApiResult {
    ctx.require_user()?;
    let st = app.state();
    let e = comment_of(&st, ctx, id, event)?;
    Ok(json_response(StatusCode::OK, &render::event(e, ctx)))
}

/// `PUT /api/requests/{id}/comments/{event}`: its author only.
pub(crate) async fn update_comment(
    app: &App,
    ctx: &Ctx,
    id: &str,
    event: &str,
    body: Body,
) -> ApiResult {
    let user = ctx.require_user()?;
    {
        let st = app.state();
        comment_of(&st, ctx, id, event)?;
    }
    let input = json_body(app, ctx, body).await?;
    let payload = comment_payload(&input, true)?.unwrap_or_default();
    let mut st = app.state();
    let mut e = comment_of(&st, ctx, id, event)?.clone();
    if e.created_by != user || e.kind != "C" {
        return Err(ApiError::forbidden());
    }
    e.payload = payload;
    e.updated = util::now();
    e.revision_id += 1;
    app.persist("events", &e.id, &e)?;
    st.events.insert(e.id.clone(), e.clone());
    Ok(json_response(StatusCode::OK, &render::event(&e, ctx)))
}

/// `DELETE /api/requests/{id}/comments/{event}`: the comment stays in the timeline as a
/// "deleted a comment" entry.
pub(crate) fn delete_comment(app: &App, ctx: &Ctx, id: &str, event: &str) -> ApiResult {
    let user = ctx.require_user()?;
    let mut st = app.state();
    let mut e = comment_of(&st, ctx, id, event)?.clone();
    if e.created_by != user || e.kind != "C" {
        return Err(ApiError::forbidden());
    }
    e.kind = "L".into();
    let mut p = Map::new();
    p.insert("event".into(), json!("comment_deleted"));
    p.insert("content".into(), json!("deleted a comment"));
    p.insert("format".into(), json!("html"));
    e.payload = p;
    e.updated = util::now();
    e.revision_id += 1;
    app.persist("events", &e.id, &e)?;
    st.events.insert(e.id.clone(), e);
    Ok(util::no_content())
}
