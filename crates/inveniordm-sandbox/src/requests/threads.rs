//! The timeline of a request, and v14's threaded comments: replies to a comment (one level
//! deep), a comment's replies, and the page of a timeline that holds a given event (v13 has
//! none of the thread routes).

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::app::{App, Ctx, json_body};
use crate::model::{Event, State};
use crate::render;
use crate::util::{ApiError, ApiResult, json_response};

use super::comments::{add_event, comment_of, comment_payload};
use super::readable;

/// Replies shown under their comment in a timeline (`REQUESTS_COMMENT_PREVIEW_LIMIT`).
const PREVIEW: usize = 5;

/// The replies of a comment, oldest first.
fn replies_of<'a>(st: &'a State, e: &Event) -> Vec<&'a Event> {
    st.timeline(&e.request)
        .into_iter()
        .filter(|r| r.parent.as_deref() == Some(e.id.as_str()))
        .collect()
}

/// A timeline hit: on v14, the event with its newest replies (at most [`PREVIEW`], newest
/// first) and how many it has.
pub(super) fn with_children(st: &State, e: &Event, ctx: &Ctx) -> Value {
    let mut v = render::event(e, ctx);
    if ctx.rdm_version >= 14 {
        let replies = replies_of(st, e);
        let children: Vec<Value> = replies
            .iter()
            .rev()
            .take(PREVIEW)
            .map(|r| render::event(r, ctx))
            .collect();
        v["children"] = json!(children);
        v["children_count"] = json!(replies.len());
    }
    v
}

fn v14(ctx: &Ctx) -> ApiResult<()> {
    if ctx.rdm_version < 14 {
        return Err(ApiError::route_not_found());
    }
    Ok(())
}

/// `GET /api/requests/{id}/timeline`: oldest first.
pub(crate) fn timeline(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    ctx.require_user()?;
    let st = app.state();
    readable(&st, ctx, id)?;
    let docs: Vec<Value> = st
        .timeline(id)
        .into_iter()
        .filter(|e| e.parent.is_none())
        .map(|e| with_children(&st, e, ctx))
        .collect();
    drop(st);
    let base = format!("{}/requests/{id}/timeline", ctx.api);
    let mut body = crate::search::list(ctx, docs, &base, &["oldest", "newest"], |_| String::new())?;
    if let Some(o) = body.as_object_mut() {
        o.remove("aggregations");
    }
    Ok(json_response(StatusCode::OK, &body))
}

/// `POST /api/requests/{id}/comments/{event}/reply` (v14).
pub(crate) async fn reply(app: &App, ctx: &Ctx, id: &str, event: &str, body: Body) -> ApiResult {
    v14(ctx)?;
    let user = ctx.require_user()?;
    {
        let st = app.state();
        comment_of(&st, ctx, id, event)?;
    }
    let input = json_body(app, ctx, body).await?;
    let payload = comment_payload(&input, true)?.unwrap_or_default();
    let mut st = app.state();
    let parent = comment_of(&st, ctx, id, event)?.clone();
    if parent.parent.is_some() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "Nested children are not allowed. You cannot reply to a comment that is already a reply. Only one level of parent-child relationships is supported.",
        ));
    }
    let mut e = add_event(app, &mut st, id, "C", payload, user)?;
    e.parent = Some(parent.id);
    app.persist("events", &e.id, &e)?;
    st.events.insert(e.id.clone(), e.clone());
    Ok(json_response(StatusCode::CREATED, &render::event(&e, ctx)))
}

/// `GET /api/requests/{id}/comments/{event}/replies` (v14): oldest first.
pub(crate) fn replies(app: &App, ctx: &Ctx, id: &str, event: &str) -> ApiResult {
    v14(ctx)?;
    ctx.require_user()?;
    let st = app.state();
    let parent = comment_of(&st, ctx, id, event)?;
    let docs: Vec<Value> = replies_of(&st, parent)
        .into_iter()
        .map(|r| with_children(&st, r, ctx))
        .collect();
    let base = format!("{}/requests/{id}/comments/{event}/replies", ctx.api);
    drop(st);
    let mut body = crate::search::list(ctx, docs, &base, &["oldest", "newest"], |_| String::new())?;
    if let Some(o) = body.as_object_mut() {
        o.remove("aggregations");
    }
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /api/requests/{id}/timeline_focused?focus_event_id=…&size=…` (v14): the timeline's
/// page that holds the event (for a reply, its comment's); page 1 for an event it does not
/// know. `size` is required: without it the real server fails (500).
pub(crate) fn timeline_focused(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    v14(ctx)?;
    ctx.require_user()?;
    let Some(size) = ctx
        .q("size")
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|s| *s > 0)
    else {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.",
        ));
    };
    let focus = ctx.q("focus_event_id").map(str::to_string);
    if let Some(f) = &focus
        && uuid_shaped(f).is_none()
    {
        return Err(ApiError::validation(vec![(
            "focus_event_id".into(),
            "Not a valid UUID.".into(),
        )]));
    }
    let page = {
        let st = app.state();
        readable(&st, ctx, id)?;
        let top: Vec<&Event> = st
            .timeline(id)
            .into_iter()
            .filter(|e| e.parent.is_none())
            .collect();
        let target = focus.as_deref().and_then(|f| st.events.get(f));
        if let Some(t) = target
            && t.request != id
        {
            return Err(ApiError::forbidden());
        }
        let anchor = target.map(|t| t.parent.clone().unwrap_or_else(|| t.id.clone()));
        anchor
            .and_then(|a| top.iter().position(|e| e.id == a))
            .map(|i| i / size + 1)
            .unwrap_or(1)
    };
    let mut query: Vec<(String, String)> = ctx
        .query
        .iter()
        .filter(|(k, _)| k == "size")
        .cloned()
        .collect();
    query.push(("page".into(), page.to_string()));
    query.push(("sort".into(), "oldest".into()));
    let paged = Ctx {
        user: ctx.user,
        admin: ctx.admin,
        api: ctx.api.clone(),
        ui: ctx.ui.clone(),
        query,
        headers: ctx.headers.clone(),
        rdm_version: ctx.rdm_version,
        link: ctx.link.clone(),
        withhold_checksums: ctx.withhold_checksums,
    };
    // The links point at the plain timeline, as the real server's do.
    timeline(app, &paged, id)
}

/// `s` when it is a UUID in its usual form.
fn uuid_shaped(s: &str) -> Option<&str> {
    let parts: Vec<&str> = s.split('-').collect();
    let lens = [8, 4, 4, 4, 12];
    (parts.len() == 5
        && parts
            .iter()
            .zip(lens)
            .all(|(p, n)| p.len() == n && p.chars().all(|c| c.is_ascii_hexdigit())))
    .then_some(s)
}
