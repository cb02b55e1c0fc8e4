//! Requests: a draft's review (submission to a community), a record's inclusion in
//! communities, access requests; their actions, comments and timeline.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::access::{can_read, draft_for, record_for};
use crate::app::{App, Ctx, json_body, json_body_or_empty};
use crate::model::{Event, Grant, Request, State};
use crate::render;
use crate::util::{self, ApiError, ApiResult, json_response};

/// The author id of what the server does by itself.
pub(crate) const SYSTEM: i64 = -1;

/// The `payload` of a comment body, checked: `{"content": non-empty, "format": "html"}`.
fn comment_payload(input: &Value, required: bool) -> ApiResult<Option<Map<String, Value>>> {
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
fn add_event(
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
    };
    app.persist("events", &e.id, &e)?;
    st.events.insert(e.id.clone(), e.clone());
    Ok(e)
}

fn log_event(app: &App, st: &mut State, request: &str, event: &str, user: i64) -> ApiResult<()> {
    let mut p = Map::new();
    p.insert("event".into(), json!(event));
    p.insert("format".into(), json!("html"));
    add_event(app, st, request, "L", p, user).map(|_| ())
}

fn save(app: &App, st: &mut State, r: Request) -> ApiResult<()> {
    app.persist("requests", &r.id, &r)?;
    st.requests.insert(r.id.clone(), r);
    Ok(())
}

/// A new request, not yet stored.
fn new_request(
    st: &State,
    kind: &str,
    title: &str,
    creator: i64,
    receiver: Map<String, Value>,
    topic: &str,
) -> Request {
    let now = util::now();
    Request {
        id: util::uuid(),
        number: st.next_request_number(),
        kind: kind.into(),
        title: title.into(),
        status: "created".into(),
        created_by: creator,
        receiver,
        topic: topic.into(),
        payload: None,
        created: now.clone(),
        updated: now,
        revision_id: 2,
    }
}

fn community_receiver(id: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("community".into(), json!(id));
    m
}

/// Whether a user may see a request: its creator, its receiver (a community's curators), or
/// the owner of its record.
fn may_read(st: &State, r: &Request, user: Option<i64>, admin: bool) -> bool {
    let Some(u) = user else { return false };
    if r.created_by == u || admin {
        return true;
    }
    if r.status == "created" {
        return false;
    }
    st.receives(r, user)
}

/// Carries out what accepting a request means, then marks it accepted.
fn accept(app: &App, st: &mut State, mut r: Request, user: i64) -> ApiResult<Request> {
    let parent_of = |st: &State, id: &str| {
        st.drafts
            .get(id)
            .or_else(|| st.records.get(id))
            .map(|d| d.parent_id.clone())
    };
    let parent_id = parent_of(st, &r.topic).ok_or_else(ApiError::pid_not_found)?;
    match r.kind.as_str() {
        "community-submission" => {
            crate::drafts::publish_checked(app, st, &r.topic)?;
            if let (Some(p), Some(c)) = (st.parents.get_mut(&parent_id), r.community()) {
                p.review = None;
                if !p.communities.iter().any(|x| x == c) {
                    p.communities.push(c.to_string());
                }
                p.default_community = Some(c.to_string());
            }
        }
        "community-inclusion" => {
            if let (Some(p), Some(c)) = (st.parents.get_mut(&parent_id), r.community()) {
                if !p.communities.iter().any(|x| x == c) {
                    p.communities.push(c.to_string());
                }
                if p.default_community.is_none() {
                    p.default_community = Some(c.to_string());
                }
            }
        }
        "user-access-request" => {
            let permission = r
                .payload
                .as_ref()
                .and_then(|p| p.get("permission"))
                .and_then(Value::as_str)
                .unwrap_or("view")
                .to_string();
            if let Some(p) = st.parents.get_mut(&parent_id) {
                let subject = r.created_by.to_string();
                p.grants
                    .retain(|g| !(g.subject_type == "user" && g.subject_id == subject));
                p.grants.push(Grant {
                    subject_type: "user".into(),
                    subject_id: subject,
                    permission,
                    origin: format!("request:{}", r.id),
                });
            }
        }
        _ => {}
    }
    if let Some(p) = st.parents.get(&parent_id) {
        let p = p.clone();
        app.persist("parents", &parent_id, &p)?;
    }
    r.status = "accepted".into();
    r.updated = util::now();
    r.revision_id += 1;
    save(app, st, r.clone())?;
    log_event(app, st, &r.id, "accepted", user)?;
    Ok(r)
}

/// Declines or cancels a request; a cancelled submission leaves its draft without review.
fn close(app: &App, st: &mut State, mut r: Request, status: &str, user: i64) -> ApiResult<Request> {
    if status == "cancelled" && r.kind == "community-submission" {
        let parent = st.drafts.get(&r.topic).map(|d| d.parent_id.clone());
        if let Some(pid) = parent
            && let Some(p) = st.parents.get_mut(&pid)
            && p.review.as_deref() == Some(r.id.as_str())
        {
            p.review = None;
            let p = p.clone();
            app.persist("parents", &pid, &p)?;
        }
    }
    r.status = status.to_string();
    r.updated = util::now();
    r.revision_id += 1;
    save(app, st, r.clone())?;
    log_event(app, st, &r.id, status, user)?;
    Ok(r)
}

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

/// Refuses a submission to a community that takes them from members only.
fn check_submission_policy(
    st: &State,
    community: &str,
    user: Option<i64>,
) -> Result<(), &'static str> {
    let Some(c) = st.communities.get(community) else {
        return Err("Community not found.");
    };
    let closed = c
        .access
        .get("record_submission_policy")
        .and_then(Value::as_str)
        == Some("closed")
        || c.access.get("visibility").and_then(Value::as_str) == Some("restricted");
    if closed && c.role_of(user).is_none() {
        return Err("Submission to this community is only allowed to community members.");
    }
    Ok(())
}

/// Accepts at once what the caller may include directly, with the server's note.
fn auto_accept(app: &App, st: &mut State, r: Request) -> ApiResult<Request> {
    let r = accept(app, st, r, SYSTEM)?;
    let mut p = Map::new();
    p.insert(
        "content".into(),
        json!("This request has been automatically accepted, as the uploader can submit to community directly without review."),
    );
    p.insert("format".into(), json!("html"));
    add_event(app, st, &r.id, "C", p, SYSTEM)?;
    Ok(r)
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

// --- requests ------------------------------------------------------------------------------

fn readable<'a>(st: &'a State, ctx: &Ctx, id: &str) -> ApiResult<&'a Request> {
    let r = st
        .requests
        .get(id)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not found."))?;
    if !may_read(st, r, ctx.user, ctx.admin) {
        return Err(ApiError::forbidden());
    }
    Ok(r)
}

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

/// `GET /api/requests/` (every request the caller may see) and `GET /api/user/requests`
/// (those it created or that name it as receiver; never unsubmitted ones).
pub(crate) fn search(app: &App, ctx: &Ctx, mine: bool) -> ApiResult {
    let user = ctx.require_user()?;
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
        .filter(|r| {
            if mine {
                r.status != "created" && (r.created_by == user || r.receiving_user() == Some(user))
            } else {
                may_read(&st, r, Some(user), ctx.admin)
            }
        })
        .filter(|r| is_open.is_none_or(|o| r.is_open() == o))
        .filter(|r| kinds.is_empty() || kinds.contains(&r.kind.as_str()))
        .filter(|r| statuses.is_empty() || statuses.contains(&r.status.as_str()))
        .map(|r| render::request(&st, r, ctx))
        .collect();
    drop(st);
    let base = if mine {
        format!("{}/user/requests", ctx.api)
    } else {
        format!("{}/requests/", ctx.api)
    };
    request_page(ctx, docs, &base)
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

fn comment_of<'a>(st: &'a State, ctx: &Ctx, id: &str, event: &str) -> ApiResult<&'a Event> {
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

/// `GET /api/requests/{id}/timeline`: oldest first.
pub(crate) fn timeline(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    ctx.require_user()?;
    let st = app.state();
    readable(&st, ctx, id)?;
    let docs: Vec<Value> = st
        .timeline(id)
        .into_iter()
        .map(|e| {
            let mut v = render::event(e, ctx);
            if ctx.rdm_version >= 14 {
                // Replies are threaded under their comment (the sandbox has none).
                v["children"] = json!([]);
                v["children_count"] = json!(0);
            }
            v
        })
        .collect();
    drop(st);
    let base = format!("{}/requests/{id}/timeline", ctx.api);
    let mut body = crate::search::list(ctx, docs, &base, &["oldest", "newest"], |_| String::new())?;
    if let Some(o) = body.as_object_mut() {
        o.remove("aggregations");
    }
    Ok(json_response(StatusCode::OK, &body))
}

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

/// Creates a user's access request (from `grants.rs`): the owner receives it.
pub(crate) fn new_access_request(
    app: &App,
    st: &mut State,
    record: &str,
    user: i64,
    message: &str,
) -> ApiResult<Request> {
    let rec = st
        .records
        .get(record)
        .ok_or_else(ApiError::pid_not_found)?
        .clone();
    if let Some(open) = st.requests.values().find(|r| {
        r.kind == "user-access-request" && r.topic == record && r.created_by == user && r.is_open()
    }) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("Identical access requests already exist: {}", open.id),
        ));
    }
    let mut receiver = Map::new();
    receiver.insert("user".into(), json!(rec.owner.to_string()));
    let title = rec
        .metadata
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("");
    let mut r = new_request(st, "user-access-request", title, user, receiver, record);
    let mut payload = Map::new();
    payload.insert("message".into(), json!(message));
    payload.insert("permission".into(), json!("view"));
    r.payload = Some(payload);
    r.status = "submitted".into();
    r.revision_id = 3;
    save(app, st, r.clone())?;
    // The message opens the conversation.
    if !message.trim().is_empty() {
        let mut m = Map::new();
        m.insert("content".into(), json!(message));
        m.insert("format".into(), json!("html"));
        add_event(app, st, &r.id, "C", m, user)?;
    }
    Ok(r)
}
