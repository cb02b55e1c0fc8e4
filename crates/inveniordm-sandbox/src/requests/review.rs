//! A draft's review: its submission to a community (`…/draft/review`,
//! `…/draft/actions/submit-review`).

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::access::draft_for;
use crate::app::{App, Ctx, json_body, json_body_or_empty};
use crate::model::{Request, State};
use crate::render;
use crate::util::{self, ApiError, ApiResult, json_response};

use super::check_submission_policy;
use super::comments::{add_event, comment_payload};
use super::state::{auto_accept, community_receiver, new_request, save};

// --- a draft's review -------------------------------------------------------------------

fn review_of<'a>(st: &'a State, ctx: &Ctx, id: &str) -> ApiResult<&'a Request> {
    let d = draft_for(st, ctx, id)?;
    st.parents
        .get(&d.parent_id)
        .and_then(|p| p.review.as_ref())
        .and_then(|r| st.requests.get(r))
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Review for draft not found"))
}

/// `GET /api/records/{id}/draft/review`.
pub(crate) fn get_review(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let st = app.state();
    let r = review_of(&st, ctx, id)?;
    Ok(json_response(StatusCode::OK, &render::request(&st, r, ctx)))
}

/// Unlinks a draft's review, deleting it if it was never submitted; refused while it is open.
fn unlink_review(app: &App, st: &mut State, parent_id: &str) -> ApiResult<()> {
    let Some(rid) = st.parents.get(parent_id).and_then(|p| p.review.clone()) else {
        return Ok(());
    };
    if let Some(r) = st.requests.get(&rid) {
        if r.is_open() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "An open review cannot be deleted.",
            ));
        }
        if r.status == "created" {
            st.requests.remove(&rid);
            app.unpersist("requests", &rid)?;
        }
    }
    if let Some(p) = st.parents.get_mut(parent_id) {
        p.review = None;
        let p = p.clone();
        app.persist("parents", parent_id, &p)?;
    }
    Ok(())
}

/// `PUT /api/records/{id}/draft/review`: `{"type": "community-submission", "receiver":
/// {"community": ID}}`.
pub(crate) async fn set_review(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let user = ctx.require_user()?;
    {
        let st = app.state();
        draft_for(&st, ctx, id)?;
    }
    let input = json_body(app, ctx, body).await?;
    let mut errors = Vec::new();
    if input.get("type").and_then(Value::as_str) != Some("community-submission") {
        errors.push(("type".to_string(), "Invalid review type.".to_string()));
    }
    let community = input
        .pointer("/receiver/community")
        .and_then(Value::as_str)
        .map(str::to_string);
    if community.is_none() {
        errors.push((
            "receiver".to_string(),
            "Missing data for required field.".to_string(),
        ));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut st = app.state();
    let d = draft_for(&st, ctx, id)?.clone();
    if d.is_published || d.status == "new_version_draft" {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "You cannot create a review for an already published record.",
        ));
    }
    let c = st
        .community(community.as_deref().unwrap_or(""))
        .filter(|c| !c.deleted)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not found."))?
        .clone();
    unlink_review(app, &mut st, &d.parent_id)?;
    let r = new_request(
        &st,
        "community-submission",
        "",
        user,
        community_receiver(&c.id),
        id,
    );
    save(app, &mut st, r.clone())?;
    if let Some(p) = st.parents.get_mut(&d.parent_id) {
        p.review = Some(r.id.clone());
        let p = p.clone();
        app.persist("parents", &d.parent_id, &p)?;
    }
    Ok(json_response(
        StatusCode::OK,
        &render::request(&st, &r, ctx),
    ))
}

/// `DELETE /api/records/{id}/draft/review`.
pub(crate) fn delete_review(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let mut st = app.state();
    review_of(&st, ctx, id)?;
    let parent = st.drafts[id].parent_id.clone();
    unlink_review(app, &mut st, &parent)?;
    Ok(util::no_content())
}

/// `POST /api/records/{id}/draft/actions/submit-review`: `{"payload": {…}, "require_review":
/// bool}`, both optional.
pub(crate) async fn submit_review(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let user = ctx.require_user()?;
    {
        let st = app.state();
        review_of(&st, ctx, id)?;
    }
    let input = json_body_or_empty(app, ctx, body).await?;
    let require_review = match input.get("require_review") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => *b,
        Some(_) => {
            return Err(ApiError::validation(vec![(
                "require_review".into(),
                "Must be a boolean, true or false".into(),
            )]));
        }
    };
    let message = comment_payload(&input, false)?;
    let mut st = app.state();
    let r = review_of(&st, ctx, id)?.clone();
    if r.status != "created" {
        // The real server fails with a 500 here (an unhandled CannotExecuteActionError).
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "Error for action 'submit': Could not execute the action",
        ));
    }
    let community = r.community().unwrap_or("").to_string();
    check_submission_policy(&st, &community, Some(user))
        .map_err(|m| ApiError::new(StatusCode::FORBIDDEN, m))?;
    let d = st.drafts[id].clone();
    crate::drafts::check_publishable(app, &st, &d)?;
    let mut r = r;
    r.status = "submitted".into();
    r.title = d
        .metadata
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    r.updated = util::now();
    r.revision_id += 1;
    save(app, &mut st, r.clone())?;
    if let Some(m) = message {
        add_event(app, &mut st, &r.id, "C", m, user)?;
    }
    let direct = st
        .communities
        .get(&community)
        .is_some_and(|c| c.publishes_directly(Some(user)));
    let r = if direct && !require_review {
        auto_accept(app, &mut st, r)?
    } else {
        r
    };
    let mut out = render::request(&st, &r, ctx);
    out["links"]["next_html"] = if r.is_open() {
        json!(format!("{}/me/requests/{}", ctx.ui, r.id))
    } else {
        json!(format!("{}/records/{id}", ctx.ui))
    };
    Ok(json_response(StatusCode::ACCEPTED, &out))
}
