//! A record's communities: listing them, inclusion requests, removal.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::access::{can_read, record_for};
use crate::app::{App, Ctx, json_body};
use crate::render;
use crate::util::{ApiError, ApiResult, json_response};

use super::check_submission_policy;
use super::comments::{add_event, comment_payload};
use super::state::{auto_accept, community_receiver, new_request, save};

// --- a record's communities and requests -------------------------------------------------

/// `GET /api/records/{id}/communities`.
pub(crate) fn record_communities(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let st = app.state();
    let r = record_for(&st, id)?;
    if !can_read(&st, ctx, r) {
        return Err(ApiError::forbidden());
    }
    let docs: Vec<Value> = st
        .parents
        .get(&r.parent_id)
        .map(|p| {
            p.communities
                .iter()
                .filter_map(|c| st.communities.get(c))
                .map(|c| {
                    let mut v = render::community(&st, c, ctx);
                    if let Some(o) = v.as_object_mut() {
                        o.remove("is_verified");
                    }
                    if let Some(l) = v["links"].as_object_mut() {
                        l.remove("featured");
                    }
                    v
                })
                .collect()
        })
        .unwrap_or_default();
    drop(st);
    let base = format!("{}/records/{id}/communities", ctx.api);
    let mut body = crate::search::list(ctx, docs, &base, &["newest", "oldest"], |_| String::new())?;
    body["aggregations"] = json!({
        "type": {"buckets": [], "label": "Type"},
        "visibility": {"buckets": [], "label": "Visibility"},
    });
    Ok(json_response(StatusCode::OK, &body))
}

/// The `communities` list of a body, 1 to `max` entries.
fn community_list(input: &Value, max: usize) -> ApiResult<Vec<Value>> {
    let list = input
        .get("communities")
        .and_then(Value::as_array)
        .cloned()
        .ok_or_else(|| {
            ApiError::validation(vec![(
                "communities".into(),
                "Missing data for required field.".into(),
            )])
        })?;
    if list.is_empty() || list.len() > max {
        return Err(ApiError::validation(vec![(
            "communities".into(),
            format!("Length must be between 1 and {max}."),
        )]));
    }
    Ok(list)
}

/// `POST /api/records/{id}/communities`: inclusion requests, accepted at once where the
/// owner may include directly and did not ask for review.
pub(crate) async fn add_communities(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let user = ctx.require_user()?;
    {
        let st = app.state();
        let r = record_for(&st, id)?;
        if r.owner != user {
            return Err(ApiError::forbidden());
        }
    }
    let input = json_body(app, ctx, body).await?;
    let list = community_list(&input, 10)?;
    let mut st = app.state();
    let rec = record_for(&st, id)?.clone();
    let mut processed = Vec::new();
    let mut errors = Vec::new();
    for entry in list {
        let given = entry
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let require_review = entry.get("require_review").and_then(Value::as_bool) == Some(true);
        let Some(c) = st.community(&given).filter(|c| !c.deleted).cloned() else {
            errors.push(json!({"community_id": given, "message": "Community not found."}));
            continue;
        };
        let included = st
            .parents
            .get(&rec.parent_id)
            .is_some_and(|p| p.communities.contains(&c.id));
        if included {
            errors.push(json!({"community_id": given, "message": "The record is already included in this community."}));
            continue;
        }
        let pending = st.requests.values().any(|r| {
            r.kind == "community-inclusion"
                && r.topic == id
                && r.is_open()
                && r.community() == Some(c.id.as_str())
        });
        if pending {
            errors.push(json!({"community_id": given, "message": "There is already an open inclusion request for this community."}));
            continue;
        }
        if let Err(m) = check_submission_policy(&st, &c.id, Some(user)) {
            errors.push(json!({"community_id": given, "message": m}));
            continue;
        }
        let title = rec
            .metadata
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or("");
        let mut r = new_request(
            &st,
            "community-inclusion",
            title,
            user,
            community_receiver(&c.id),
            id,
        );
        r.status = "submitted".into();
        r.revision_id = 3;
        save(app, &mut st, r.clone())?;
        if let Some(text) = entry.pointer("/comment/payload") {
            let m = comment_payload(&json!({"payload": text}), false)?;
            if let Some(m) = m {
                add_event(app, &mut st, &r.id, "C", m, user)?;
            }
        }
        let r = if c.publishes_directly(Some(user)) && !require_review {
            auto_accept(app, &mut st, r)?
        } else {
            r
        };
        processed.push(json!({
            "community_id": given,
            "request": render::request(&st, &r, ctx),
            "request_id": r.id,
        }));
    }
    if processed.is_empty() {
        return Ok(json_response(
            StatusCode::BAD_REQUEST,
            &json!({"errors": errors}),
        ));
    }
    let mut out = json!({"processed": processed});
    if !errors.is_empty() {
        out["errors"] = json!(errors);
    }
    Ok(json_response(StatusCode::OK, &out))
}

/// `DELETE /api/records/{id}/communities`: the record's owner or the community's curators.
pub(crate) async fn remove_communities(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let user = ctx.require_user()?;
    {
        let st = app.state();
        record_for(&st, id)?;
    }
    let input = json_body(app, ctx, body).await?;
    let list = community_list(&input, 10)?;
    let mut st = app.state();
    let rec = record_for(&st, id)?.clone();
    let mut removed = 0;
    let mut errors = Vec::new();
    for entry in list {
        let given = entry
            .get("id")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        let c = st.community(&given).cloned();
        let in_it = c.as_ref().is_some_and(|c| {
            st.parents
                .get(&rec.parent_id)
                .is_some_and(|p| p.communities.contains(&c.id))
        });
        let Some(c) = c.filter(|_| in_it) else {
            errors.push(json!({"community": given, "message": "The record is not included in this community."}));
            continue;
        };
        if rec.owner != user && !c.curates(Some(user)) {
            errors.push(json!({"community": given, "message": "Permission denied."}));
            continue;
        }
        if app.limits.community_required
            && st
                .parents
                .get(&rec.parent_id)
                .is_some_and(|p| p.communities.len() == 1)
        {
            errors.push(json!({"community": given, "message": "A record should be part of at least 1 community."}));
            continue;
        }
        if let Some(p) = st.parents.get_mut(&rec.parent_id) {
            p.communities.retain(|x| *x != c.id);
            if p.default_community.as_deref() == Some(c.id.as_str()) {
                p.default_community = p.communities.first().cloned();
            }
            let p = p.clone();
            app.persist("parents", &rec.parent_id, &p)?;
        }
        removed += 1;
    }
    let status = if removed == 0 {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let out = if errors.is_empty() {
        json!({})
    } else {
        json!({ "errors": errors })
    };
    Ok(json_response(status, &out))
}

/// `PUT /api/records/{id}/communities`: sets the record's default community (`{"default":
/// id}`, or `null` to clear it), for its owner, the curators of its communities and
/// administrators. The answer is the parent as stored.
pub(crate) async fn set_default_community(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let input = crate::app::json_body(app, ctx, body).await?;
    let user = ctx.require_user()?;
    let mut st = app.state();
    let rec = record_for(&st, id)?.clone();
    let parent = st
        .parents
        .get(&rec.parent_id)
        .cloned()
        .ok_or_else(ApiError::pid_not_found)?;
    let curator = parent
        .communities
        .iter()
        .any(|c| st.communities.get(c).is_some_and(|c| c.curates(Some(user))));
    if !(rec.owner == user || ctx.admin || curator) {
        return Err(ApiError::forbidden());
    }
    let default = match input.get("default") {
        None | Some(Value::Null) => None,
        Some(Value::String(c)) => Some(c.clone()),
        Some(_) => {
            return Err(ApiError::validation(vec![(
                "default".into(),
                "Not a valid string.".into(),
            )]));
        }
    };
    if let Some(c) = &default
        && !parent.communities.contains(c)
    {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "Cannot set community as the default. The record has not been added to the community.",
        ));
    }
    let mut parent = parent;
    parent.default_community = default;
    app.persist("parents", &parent.id, &parent)?;
    let body = json!({
        "id": parent.id,
        "communities": {"ids": parent.communities, "default": parent.default_community},
    });
    st.parents.insert(parent.id.clone(), parent);
    Ok(json_response(StatusCode::OK, &body))
}
