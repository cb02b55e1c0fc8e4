//! Changing the files of a published record (v14): with an edit draft open, an administrator
//! (the only one a stock instance's policy allows) asks for a file modification; the request
//! is accepted at once and the edit draft's files are unlocked until it is published.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::access::record_for;
use crate::app::{App, Ctx, json_body_or_empty};
use crate::render;
use crate::util::{ApiError, ApiResult, json_response};

/// The shortest comment the request keeps; a shorter one is left out.
const MIN_COMMENT: usize = 25;

/// `POST /api/records/{id}/file-modification` (v14). v13 has no such route.
pub(crate) async fn file_modification(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    if app.limits.rdm_version < 14 {
        return Err(ApiError::route_not_found());
    }
    let input = json_body_or_empty(app, ctx, body).await?;
    let mut st = app.state();
    let record = record_for(&st, id)?.clone();
    if !app.is_admin(ctx.user) {
        return Err(ApiError::forbidden());
    }
    let user = ctx.require_user()?;
    let open = st
        .requests
        .values()
        .any(|r| r.kind == "file-modification" && r.topic == id && r.is_open());
    if open {
        return Err(ApiError::validation(vec![(
            "_schema".into(),
            "A file modification request for this record already exists.".into(),
        )]));
    }
    // The edit draft whose files the accepted request unlocks.
    if !st.drafts.contains_key(id) {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "Not found."));
    }
    let mut payload = Map::new();
    if let Some(c) = input.get("comment").and_then(Value::as_str)
        && c.chars().count() >= MIN_COMMENT
    {
        payload.insert("comment".into(), json!(c));
    }
    payload.insert("policy_id".into(), json!("file-modification-admin-v1"));
    let title = format!(
        "File modification request for \"{}\"",
        record
            .metadata
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or("")
    );
    let r = crate::requests::accepted_request(
        app,
        &mut st,
        "file-modification",
        &title,
        &record,
        user,
        payload,
    )?;
    if let Some(d) = st.drafts.get_mut(id) {
        d.locked = false;
        let d = d.clone();
        app.persist("drafts", id, &d)?;
    }
    let body = render::request(&st, &r, ctx);
    Ok(json_response(StatusCode::OK, &body))
}
