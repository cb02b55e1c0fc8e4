//! Deleting published records (administrators), restoring them, and an owner's deletion
//! within the grace period (v14, when the instance allows it).

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::access::any_record;
use crate::app::{App, Ctx, check_revision, json_body_or_empty};
use crate::model::{Doc, State};
use crate::render;
use crate::util::{self, ApiError, ApiResult, json_response};

/// The removal reasons an owner may give (v14 tags them `deletion-request`).
const OWNER_REASONS: &[&str] = &[
    "duplicate",
    "retracted",
    "test-record",
    "copyright",
    "personal-data",
];

/// How long after its creation an owner may delete a record at once (v14's grace period).
const GRACE_DAYS: i64 = 30;

/// The tombstone of a deletion: why, by whom, when, and how to cite what was there.
fn tombstone(app: &App, st: &State, d: &Doc, ctx: &Ctx, reason: &str, input: &Value) -> Value {
    let citation = match input.get("citation_text").and_then(Value::as_str) {
        Some(c) if !c.is_empty() => c.to_string(),
        _ => {
            let rec = render::record(st, &app.vocab, d, false, ctx);
            crate::export::citation(&rec, None).unwrap_or_default()
        }
    };
    json!({
        "note": input.get("note").and_then(Value::as_str).unwrap_or(""),
        "removed_by": {"user": ctx.user.map(|u| u.to_string()).unwrap_or_default()},
        "removal_date": util::now(),
        "citation_text": citation,
        "is_visible": input.get("is_visible").and_then(Value::as_bool).unwrap_or(true),
        "removal_reason": {"id": reason},
    })
}

/// Marks a record deleted (the previous version, if any, becomes the latest).
fn mark_deleted(app: &App, st: &mut State, id: &str, t: Value) -> ApiResult<()> {
    let d = st.records.get_mut(id).ok_or_else(ApiError::pid_not_found)?;
    d.tombstone = Some(t);
    d.revision_id += 1;
    d.updated = util::now();
    let d = d.clone();
    app.persist("records", id, &d)?;
    app.keep_revision(st, &d)
}

/// `DELETE /api/records/{id}/delete`: an administrator removes a record, leaving a tombstone.
pub(crate) async fn delete_record(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let input = json_body_or_empty(app, ctx, body).await?;
    let mut st = app.state();
    let d = any_record(&st, id)?.clone();
    if !ctx.admin {
        return Err(ApiError::forbidden());
    }
    if d.is_deleted() {
        return Err(ApiError::deletion_status());
    }
    check_revision(ctx, d.revision_id)?;
    let reason = match input.pointer("/removal_reason/id").and_then(Value::as_str) {
        None => {
            return Err(ApiError::validation(vec![(
                "removal_reason".into(),
                "Missing data for required field.".into(),
            )]));
        }
        // The real server takes an unknown reason, deletes the record and then answers 500 to
        // every read of it (docs/quirks.md 43); the sandbox refuses it, as the client does.
        Some(r) if app.vocab.term("removalreasons", r).is_none() => {
            return Err(ApiError::invalid_value(r));
        }
        Some(r) => r.to_string(),
    };
    let t = tombstone(app, &st, &d, ctx, &reason, &input);
    mark_deleted(app, &mut st, id, t)?;
    Ok(util::no_content())
}

/// `POST /api/records/{id}/restore`: an administrator brings a deleted record back.
pub(crate) fn restore_record(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let mut st = app.state();
    let d = any_record(&st, id)?.clone();
    if !ctx.admin {
        return Err(ApiError::forbidden());
    }
    if !d.is_deleted() {
        // The real server answers 500 here (docs/quirks.md 43).
        return Err(ApiError::deletion_status());
    }
    let r = st.records.get_mut(id).ok_or_else(ApiError::pid_not_found)?;
    r.tombstone = None;
    r.revision_id += 1;
    r.updated = util::now();
    let r = r.clone();
    app.persist("records", id, &r)?;
    app.keep_revision(&mut st, &r)?;
    Ok(render::record_response(
        app,
        &st,
        &r,
        false,
        ctx,
        StatusCode::OK,
    ))
}

/// `POST /api/records/{id}/request-deletion` (v14): the owner deletes the record at once
/// within the grace period when the instance allows it (`immediate_deletion`); otherwise 403,
/// as on a stock instance. v13 has no such route.
pub(crate) async fn request_deletion(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    if app.limits.rdm_version < 14 {
        return Err(ApiError::route_not_found());
    }
    let input = json_body_or_empty(app, ctx, body).await?;
    let user = ctx.user.ok_or_else(ApiError::forbidden)?;
    let mut st = app.state();
    let d = any_record(&st, id)?.clone();
    if d.is_deleted() {
        return Err(ApiError::deletion_status());
    }
    let young = chrono::DateTime::parse_from_rfc3339(&d.created)
        .map(|c| {
            chrono::Utc::now() - c.with_timezone(&chrono::Utc) < chrono::Duration::days(GRACE_DAYS)
        })
        .unwrap_or(false);
    if !(app.limits.immediate_deletion && d.owner == user && young) {
        return Err(ApiError::forbidden());
    }
    let reason = input.get("reason").and_then(Value::as_str).unwrap_or("");
    if !OWNER_REASONS.contains(&reason) {
        return Err(ApiError::validation(vec![(
            "_schema".into(),
            "Invalid removal reason".into(),
        )]));
    }
    let comment = input.get("comment").and_then(Value::as_str);
    if comment.is_some_and(|c| c.chars().count() < 25) {
        return Err(ApiError::validation(vec![(
            "payload.comment".into(),
            "Shorter than minimum length 25.".into(),
        )]));
    }
    let mut payload = Map::new();
    payload.insert("reason".into(), json!(reason));
    if let Some(c) = comment {
        payload.insert("comment".into(), json!(c));
    }
    payload.insert("policy_id".into(), json!("grace-period-v1"));
    let r = crate::requests::accepted_deletion(app, &mut st, &d, user, payload)?;
    let mut t = tombstone(app, &st, &d, ctx, reason, &json!({}));
    t["deletion_policy"] = json!({"id": "grace-period-v1"});
    mark_deleted(app, &mut st, id, t)?;
    let body = render::request(&st, &r, ctx);
    Ok(json_response(StatusCode::OK, &body))
}
