//! Published records: read, export, latest version.

use axum::http::{HeaderValue, StatusCode, header};

use crate::access::can_read;
use crate::app::{App, Ctx};
use crate::render::{self, record_response, redirect};
use crate::util::{ApiError, ApiResult};

pub(crate) fn get_record(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let accept = ctx
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let export = crate::export::negotiate(accept)?;
    record_as(app, ctx, id, export)
}

/// `GET /records/{id}/export/{name}` (the site's export route).
pub(crate) fn export_route(app: &App, ctx: &Ctx, id: &str, name: &str) -> ApiResult {
    let export = crate::export::by_route_name(name).ok_or_else(ApiError::route_not_found)??;
    record_as(app, ctx, id, export)
}

/// A published record as its JSON document or as an export.
pub(crate) fn record_as(
    app: &App,
    ctx: &Ctx,
    id: &str,
    export: Option<crate::export::Export>,
) -> ApiResult {
    let st = app.state();
    if let Some(d) = st.records.get(id) {
        if d.is_deleted() {
            // Administrators read a deleted record with its tombstone when they ask for it;
            // others get the tombstone (410), after the read check a published record gets.
            let include = ctx
                .q("include_deleted")
                .is_some_and(|v| v == "true" || v == "1");
            if !(include && ctx.admin) {
                if !crate::access::may_read(&st, ctx, d) {
                    return Err(ApiError::forbidden());
                }
                return Err(ApiError::deleted(d.tombstone.as_ref()));
            }
        } else if !can_read(&st, ctx, d) {
            return Err(ApiError::forbidden());
        }
        if let Some(x) = export {
            let rec = render::record(&st, &app.vocab, d, false, ctx);
            return crate::export::respond(&rec, x, &ctx.ui, ctx.q("style"), ctx.rdm_version);
        }
        let mut r = record_response(app, &st, d, false, ctx, StatusCode::OK);
        if let Ok(v) = HeaderValue::from_str(&format!(
            "<{}/records/{id}> ; rel=\"linkset\" ; type=\"application/linkset+json\"",
            ctx.api
        )) {
            r.headers_mut().insert(header::LINK, v);
        }
        return Ok(r);
    }
    if st.parents.contains_key(id)
        && let Some(latest) = st.latest_of(id)
    {
        return Ok(redirect(
            StatusCode::FOUND,
            &format!("{}/records/{}", ctx.api, latest.id),
        ));
    }
    if st.drafts.contains_key(id) {
        return Err(ApiError::pid_not_registered());
    }
    Err(ApiError::pid_not_found())
}

pub(crate) fn latest(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let st = app.state();
    let parent = if let Some(r) = st.records.get(id) {
        r.parent_id.clone()
    } else if let Some(d) = st.drafts.get(id) {
        d.parent_id.clone()
    } else if st.parents.contains_key(id) {
        id.to_string()
    } else {
        return Err(ApiError::pid_not_found());
    };
    match st.latest_of(&parent) {
        Some(l) if can_read(&st, ctx, l) => Ok(redirect(
            StatusCode::MOVED_PERMANENTLY,
            &format!("{}/records/{}", ctx.api, l.id),
        )),
        Some(_) => Err(ApiError::forbidden()),
        None => Err(ApiError::pid_not_registered()),
    }
}

/// `GET /api/records/{id}/revisions` (administrators): every stored state of the record,
/// newest first; with a revision id, that one (and the one before it with
/// `include_previous=true`).
pub(crate) fn revisions(app: &App, ctx: &Ctx, id: &str, one: Option<&str>) -> ApiResult {
    let st = app.state();
    crate::access::any_record(&st, id)?;
    if !ctx.admin {
        return Err(ApiError::forbidden());
    }
    let all: Vec<&crate::model::Revision> = st
        .revisions
        .get(id)
        .map(|v| v.iter().rev().collect())
        .unwrap_or_default();
    let shown: Vec<&crate::model::Revision> = match one {
        None => all,
        Some(n) => {
            let n: u64 = n.parse().map_err(|_| ApiError::route_not_found())?;
            let Some(at) = all.iter().position(|r| r.transaction == n) else {
                return Err(ApiError::new(StatusCode::NOT_FOUND, "Not found."));
            };
            let previous = ctx
                .q("include_previous")
                .is_some_and(|v| v == "true" || v == "1");
            all.into_iter()
                .skip(at)
                .take(if previous { 2 } else { 1 })
                .collect()
        }
    };
    let body: Vec<serde_json::Value> = shown
        .iter()
        .map(|r| {
            // Written as HTTP dates, as the real server's JSON provider writes them.
            let http_date = |t: &str| {
                chrono::DateTime::parse_from_rfc3339(t)
                    .map(|d| d.format("%a, %d %b %Y %H:%M:%S GMT").to_string())
                    .unwrap_or_else(|_| t.to_string())
            };
            serde_json::json!({
                "updated": http_date(&r.updated),
                "created": http_date(&r.created),
                "revision_id": r.transaction,
                "json": r.json,
            })
        })
        .collect();
    Ok(crate::util::json_response(
        StatusCode::OK,
        &serde_json::Value::Array(body),
    ))
}
