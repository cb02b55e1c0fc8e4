//! The searches of requests: every request the caller may see, the caller's own, and those
//! about a record.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::app::{App, Ctx};
use crate::render;
use crate::util::{ApiError, ApiResult, json_response};

use super::may_read;

/// `GET /api/requests/` (every request the caller may see) and `GET /api/user/requests`
/// (those it created or that name it as receiver; never unsubmitted ones).
pub(crate) fn search(app: &App, ctx: &Ctx, mine: bool) -> ApiResult {
    let user = ctx.require_user()?;
    let base = if mine {
        format!("{}/user/requests", ctx.api)
    } else {
        format!("{}/requests/", ctx.api)
    };
    listing(app, ctx, &base, |st, r| {
        if mine {
            r.status != "created" && (r.created_by == user || r.receiving_user() == Some(user))
        } else {
            may_read(st, r, Some(user), ctx.admin)
        }
    })
}

/// `GET /api/communities/{id}/requests`: the requests a community receives (its curators'
/// inbox; never unsubmitted ones), for its curators, managers and owners.
pub(crate) fn community_requests(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    ctx.require_user()?;
    {
        let st = app.state();
        let c = st
            .communities
            .get(id)
            .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Community not found."))?;
        if !(ctx.admin || c.curates(ctx.user)) {
            return Err(ApiError::forbidden());
        }
    }
    let base = format!("{}/communities/{id}/requests", ctx.api);
    // v14 leaves requests to join out of the community's inbox (they have their own list).
    let v14 = ctx.rdm_version >= 14;
    listing(app, ctx, &base, |_, r| {
        r.status != "created" && r.community() == Some(id) && !(v14 && r.joining.is_some())
    })
}

/// A page of the requests `keep` keeps, filtered by the query's `is_open`, `type` and
/// `status`.
fn listing(
    app: &App,
    ctx: &Ctx,
    base: &str,
    keep: impl Fn(&crate::model::State, &crate::model::Request) -> bool,
) -> ApiResult {
    let st = app.state();
    let flag = |name: &str| {
        ctx.q(name)
            .map(|v| matches!(v.to_ascii_lowercase().as_str(), "true" | "1" | "yes"))
    };
    let is_open = flag("is_open");
    let kinds: Vec<&str> = ctx
        .query
        .iter()
        .filter(|(k, _)| k == "type")
        .map(|(_, v)| v.as_str())
        .collect();
    let statuses: Vec<&str> = ctx
        .query
        .iter()
        .filter(|(k, _)| k == "status")
        .map(|(_, v)| v.as_str())
        .collect();
    let docs: Vec<Value> = st
        .requests
        .values()
        .filter(|r| keep(&st, r))
        .filter(|r| is_open.is_none_or(|o| r.is_open() == o))
        .filter(|r| kinds.is_empty() || kinds.contains(&r.kind.as_str()))
        .filter(|r| statuses.is_empty() || statuses.contains(&r.status.as_str()))
        .map(|r| render::request(&st, r, ctx))
        .collect();
    drop(st);
    request_page(ctx, docs, base)
}

/// A page of requests as the requests searches answer it.
fn request_page(ctx: &Ctx, docs: Vec<Value>, base: &str) -> ApiResult {
    let mut body = crate::search::list(ctx, docs, base, &["newest", "oldest"], |d| {
        d["title"].as_str().unwrap_or("").to_string()
    })?;
    body["aggregations"] = json!({
        "type": {"buckets": [], "label": "Type"},
        "status": {"buckets": [], "label": "Status"},
    });
    if let Some(o) = body.as_object_mut() {
        // The real server's request searches leave `page` out.
        o.remove("page");
    }
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /api/records/{id}/requests`: the requests about a record the caller may see.
pub(crate) fn record_requests(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let user = ctx.require_user()?;
    let st = app.state();
    if !st.records.contains_key(id) && !st.drafts.contains_key(id) {
        return Err(ApiError::pid_not_found());
    }
    let owner = st
        .records
        .get(id)
        .or_else(|| st.drafts.get(id))
        .map(|d| d.owner);
    let docs: Vec<Value> = st
        .requests
        .values()
        .filter(|r| {
            r.topic == id && (owner == Some(user) || may_read(&st, r, Some(user), ctx.admin))
        })
        .map(|r| render::request(&st, r, ctx))
        .collect();
    drop(st);
    let base = format!("{}/records/{id}/requests", ctx.api);
    request_page(ctx, docs, &base)
}
