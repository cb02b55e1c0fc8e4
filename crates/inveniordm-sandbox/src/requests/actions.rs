//! Any request: reading it, updating its title and description, and its actions (accept,
//! decline, cancel, submit, expire).

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::app::{App, Ctx, json_body, json_body_or_empty};
use crate::render;
use crate::util::{self, ApiError, ApiResult, json_response};

use super::comments::{add_event, comment_payload};
use super::readable;
use super::state::{accept, close, save};

// --- requests ------------------------------------------------------------------------------

/// `GET /api/requests/{id}`.
pub(crate) fn get(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    ctx.require_user()?;
    let st = app.state();
    let r = readable(&st, ctx, id)?;
    Ok(json_response(StatusCode::OK, &render::request(&st, r, ctx)))
}

/// `PUT /api/requests/{id}`: the title and description (the creator).
pub(crate) async fn update(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let user = ctx.require_user()?;
    {
        let st = app.state();
        readable(&st, ctx, id)?;
    }
    let input = json_body(app, ctx, body).await?;
    let mut st = app.state();
    let mut r = readable(&st, ctx, id)?.clone();
    if r.created_by != user {
        return Err(ApiError::forbidden());
    }
    if let Some(t) = input.get("title").and_then(Value::as_str) {
        r.title = t.to_string();
    }
    let mut payload = r.payload.clone().unwrap_or_default();
    if let Some(d) = input.get("description").and_then(Value::as_str) {
        payload.insert("description".into(), json!(d));
        r.payload = Some(payload);
    }
    r.updated = util::now();
    r.revision_id += 1;
    save(app, &mut st, r.clone())?;
    Ok(json_response(
        StatusCode::OK,
        &render::request(&st, &r, ctx),
    ))
}

/// `POST /api/requests/{id}/actions/{action}` with an optional comment.
pub(crate) async fn action(app: &App, ctx: &Ctx, id: &str, action: &str, body: Body) -> ApiResult {
    let user = ctx.require_user()?;
    {
        let st = app.state();
        readable(&st, ctx, id)?;
    }
    if !["accept", "decline", "cancel", "submit", "expire"].contains(&action) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("Error for action '{action}': No such action available"),
        ));
    }
    let input = json_body_or_empty(app, ctx, body).await?;
    let message = comment_payload(&input, false)?;
    let mut st = app.state();
    let r = readable(&st, ctx, id)?.clone();
    if !st.may_act(&r, Some(user), ctx.admin, action) {
        return Err(ApiError::forbidden());
    }
    let Some(next) = r.next_status(action) else {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("Error for action '{action}': Could not execute the action"),
        ));
    };
    let r = match next {
        "accepted" => accept(app, &mut st, r, user)?,
        "submitted" => {
            let mut r = r;
            r.status = "submitted".into();
            r.updated = util::now();
            r.revision_id += 1;
            save(app, &mut st, r.clone())?;
            r
        }
        other => close(app, &mut st, r, other, user)?,
    };
    if let Some(m) = message {
        add_event(app, &mut st, &r.id, "C", m, user)?;
    }
    Ok(json_response(
        StatusCode::OK,
        &render::request(&st, &r, ctx),
    ))
}

/// `DELETE /api/requests/{id}`: a request still in `created` (never submitted) is deleted by
/// its creator, with its timeline; any other state cannot be deleted (400 for an
/// administrator, who passes the permission check, 403 for anyone else). A draft whose review
/// it was is left without one.
pub(crate) fn delete(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let user = ctx.require_user()?;
    let mut st = app.state();
    let r = st
        .requests
        .get(id)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not found."))?
        .clone();
    let allowed = r.status == "created" && (r.created_by == user || ctx.admin);
    if !allowed {
        // Administrators pass the permission check, and the action then fails.
        if ctx.admin {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "Error for action 'delete': Could not execute the action",
            ));
        }
        return Err(ApiError::forbidden());
    }
    app.unpersist("requests", id)?;
    st.requests.remove(id);
    let events: Vec<String> = st
        .events
        .values()
        .filter(|e| e.request == id)
        .map(|e| e.id.clone())
        .collect();
    for e in events {
        app.unpersist("events", &e)?;
        st.events.remove(&e);
    }
    let parents: Vec<String> = st
        .parents
        .values()
        .filter(|p| p.review.as_deref() == Some(id))
        .map(|p| p.id.clone())
        .collect();
    for pid in parents {
        if let Some(p) = st.parents.get_mut(&pid) {
            p.review = None;
            let p = p.clone();
            app.persist("parents", &pid, &p)?;
        }
    }
    Ok(util::no_content())
}
