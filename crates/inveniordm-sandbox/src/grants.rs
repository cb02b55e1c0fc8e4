//! Sharing with people: access grants, a record's access settings, access requests, and the
//! users API that names the people.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::access::{can_read, can_read_files, owned_parent};
use crate::app::{App, Ctx, json_body};
use crate::model::{Grant, State};
use crate::render;
use crate::util::{self, ApiError, ApiResult, json_response};

const PERMISSIONS: &[&str] = &["view", "preview", "edit", "manage"];

fn no_grant() -> ApiError {
    ApiError::new(StatusCode::NOT_FOUND, "No grant found with the given ID.")
}

fn hits(grants: Vec<Value>) -> Value {
    let n = grants.len();
    json!({"hits": {"hits": grants, "total": n}})
}

fn with_id(g: &Grant, i: usize) -> Value {
    let mut v = render::grant_body(g);
    v["id"] = json!(i);
    v
}

/// The groups (roles) the sandbox knows.
const GROUPS: &[&str] = &["admin"];

/// One grant of a create body, checked.
fn grant_input(st: &State, v: &Value, user: i64, i: usize) -> Result<Grant, Vec<(String, String)>> {
    let mut errors = Vec::new();
    let at = |f: &str| format!("grants.{i}.{f}");
    let kind = v
        .pointer("/subject/type")
        .and_then(Value::as_str)
        .unwrap_or("");
    let id = match v.pointer("/subject/id") {
        Some(Value::String(s)) => s.clone(),
        Some(Value::Number(n)) => n.to_string(),
        _ => String::new(),
    };
    match kind {
        "user" => {
            let known = id.parse::<i64>().ok().and_then(|u| st.user(u)).is_some();
            if !known {
                errors.push((
                    at("subject.id"),
                    "Could not find the specified subject.".into(),
                ));
            }
        }
        // The sandbox's one group is its administrators' (`admin`), as on a fresh instance.
        "role" if !id.is_empty() => {
            if !GROUPS.contains(&id.as_str()) {
                errors.push((
                    at("subject.id"),
                    "Could not find the specified subject.".into(),
                ));
            }
        }
        "system_role" if !id.is_empty() => {}
        "role" | "system_role" => {
            errors.push((at("subject.id"), "Missing data for required field.".into()))
        }
        _ => errors.push((
            at("subject.type"),
            "Must be one of: user, role, system_role.".into(),
        )),
    }
    let permission = v.get("permission").and_then(Value::as_str).unwrap_or("");
    if !PERMISSIONS.contains(&permission) {
        errors.push((
            at("permission"),
            "Must be one of: view, preview, edit, manage.".into(),
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(Grant {
        subject_type: kind.into(),
        subject_id: id,
        permission: permission.into(),
        origin: format!("api:{user}"),
    })
}

/// `GET /api/records/{id}/access/grants` (or `…/access/users`, `…/access/groups`: the user
/// or group grants only).
pub(crate) fn list(app: &App, ctx: &Ctx, id: &str, by: By) -> ApiResult {
    let st = app.state();
    let p = owned_parent(&st, ctx, id)?;
    let out: Vec<Value> = st.parents[&p]
        .grants
        .iter()
        .enumerate()
        .filter(|(_, g)| by.subject().is_none_or(|k| g.subject_type == k))
        .map(|(i, g)| with_id(g, i))
        .collect();
    Ok(json_response(StatusCode::OK, &hits(out)))
}

/// `POST /api/records/{id}/access/grants`: `{"grants": [{subject, permission}, …]}`.
pub(crate) async fn create(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let user = ctx.require_user()?;
    {
        let st = app.state();
        owned_parent(&st, ctx, id)?;
    }
    let input = json_body(app, ctx, body).await?;
    let list = input
        .get("grants")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    if list.is_empty() || list.len() > 100 {
        return Err(ApiError::validation(vec![(
            "grants".into(),
            "Length must be between 1 and 100.".into(),
        )]));
    }
    let mut st = app.state();
    let p = owned_parent(&st, ctx, id)?;
    let mut new = Vec::new();
    let mut errors = Vec::new();
    for (i, v) in list.iter().enumerate() {
        match grant_input(&st, v, user, i) {
            Ok(g) => new.push(g),
            Err(e) => errors.extend(e),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let parent = st.parents.get_mut(&p).ok_or_else(ApiError::pid_not_found)?;
    for g in &new {
        let exists = parent
            .grants
            .iter()
            .any(|o| o.subject_type == g.subject_type && o.subject_id == g.subject_id);
        if exists {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "Grant for this user/role already exists within this record.",
            ));
        }
    }
    parent.grants.extend(new.iter().cloned());
    let parent = parent.clone();
    app.persist("parents", &p, &parent)?;
    let out: Vec<Value> = new.iter().enumerate().map(|(i, g)| with_id(g, i)).collect();
    Ok(json_response(StatusCode::CREATED, &hits(out)))
}

/// How a grant is named in a path: by its index (`…/access/grants/{index}`), or by the
/// user's (`…/access/users/{id}`) or the group's (`…/access/groups/{id}`) id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum By {
    /// Its index in the record's list.
    Index,
    /// A user's id.
    User,
    /// A group's (role's) id.
    Group,
}

impl By {
    /// The subject type a listing by this kind keeps (`None`: all).
    fn subject(self) -> Option<&'static str> {
        match self {
            By::Index => None,
            By::User => Some("user"),
            By::Group => Some("role"),
        }
    }
}

/// The grant a path names.
fn position(st: &State, parent: &str, key: &str, by: By) -> ApiResult<usize> {
    let grants = &st.parents[parent].grants;
    if let Some(kind) = by.subject() {
        let what = if by == By::User { "user" } else { "group" };
        return grants
            .iter()
            .position(|g| g.subject_type == kind && g.subject_id == key)
            .ok_or_else(|| {
                ApiError::new(
                    StatusCode::NOT_FOUND,
                    format!("No grant found by given {what} id."),
                )
            });
    }
    key.parse::<usize>()
        .ok()
        .filter(|i| *i < grants.len())
        .ok_or_else(no_grant)
}

/// `GET /api/records/{id}/access/grants/{index}` (or `…/access/users/{user}`).
pub(crate) fn get(app: &App, ctx: &Ctx, id: &str, key: &str, by: By) -> ApiResult {
    let st = app.state();
    let p = owned_parent(&st, ctx, id)?;
    let i = position(&st, &p, key, by)?;
    Ok(json_response(
        StatusCode::OK,
        &render::grant_body(&st.parents[&p].grants[i]),
    ))
}

/// `PATCH`/`PUT /api/records/{id}/access/grants/{index}`: a new permission.
pub(crate) async fn update(
    app: &App,
    ctx: &Ctx,
    id: &str,
    key: &str,
    by: By,
    body: Body,
) -> ApiResult {
    {
        let st = app.state();
        let p = owned_parent(&st, ctx, id)?;
        position(&st, &p, key, by)?;
    }
    let input = json_body(app, ctx, body).await?;
    let permission = input.get("permission").and_then(Value::as_str);
    if permission.is_some_and(|p| !PERMISSIONS.contains(&p)) {
        return Err(ApiError::validation(vec![(
            "permission".into(),
            "Must be one of: view, preview, edit, manage.".into(),
        )]));
    }
    let mut st = app.state();
    let p = owned_parent(&st, ctx, id)?;
    let i = position(&st, &p, key, by)?;
    let parent = st.parents.get_mut(&p).ok_or_else(ApiError::pid_not_found)?;
    if let Some(perm) = permission {
        parent.grants[i].permission = perm.to_string();
    }
    let out = render::grant_body(&parent.grants[i]);
    let parent = parent.clone();
    app.persist("parents", &p, &parent)?;
    Ok(json_response(StatusCode::OK, &out))
}

/// `DELETE /api/records/{id}/access/grants/{index}` (or `…/access/users/{user}`).
pub(crate) fn delete(app: &App, ctx: &Ctx, id: &str, key: &str, by: By) -> ApiResult {
    let mut st = app.state();
    let p = owned_parent(&st, ctx, id)?;
    let i = position(&st, &p, key, by)?;
    let parent = st.parents.get_mut(&p).ok_or_else(ApiError::pid_not_found)?;
    parent.grants.remove(i);
    let parent = parent.clone();
    app.persist("parents", &p, &parent)?;
    Ok(util::no_content())
}

/// `PUT /api/records/{id}/access`: the access settings; the answer is the record (or the
/// draft, for a record never published).
pub(crate) async fn settings(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    {
        let st = app.state();
        owned_parent(&st, ctx, id)?;
    }
    let input = json_body(app, ctx, body).await?;
    let Some(o) = input.as_object() else {
        return Err(ApiError::invalid_input());
    };
    let mut errors = Vec::new();
    let mut set = Map::new();
    for (k, v) in o {
        let ok = match k.as_str() {
            "allow_user_requests" | "allow_guest_requests" => v.is_boolean(),
            "accept_conditions_text" => v.is_string() || v.is_null(),
            "secret_link_expiration" => v.as_u64().is_some_and(|n| n <= 365),
            _ => {
                errors.push((k.clone(), "Unknown field.".into()));
                continue;
            }
        };
        if ok {
            set.insert(k.clone(), v.clone());
        } else if k == "secret_link_expiration" {
            errors.push((
                k.clone(),
                "Must be greater than or equal to 0 and less than or equal to 365.".into(),
            ));
        } else {
            errors.push((k.clone(), "Not a valid value.".into()));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut st = app.state();
    let p = owned_parent(&st, ctx, id)?;
    let parent = st.parents.get_mut(&p).ok_or_else(ApiError::pid_not_found)?;
    parent.settings = Some(set);
    let parent = parent.clone();
    app.persist("parents", &p, &parent)?;
    let (doc, draft) = match st.records.get(id) {
        Some(r) => (r, false),
        None => (&st.drafts[id], true),
    };
    // The answer holds the metadata as stored: vocabulary terms by id, without titles.
    let mut out = render::record(&st, &app.vocab, doc, draft, ctx);
    out["metadata"] = json!(doc.metadata);
    Ok(json_response(StatusCode::OK, &out))
}

/// `POST /api/records/{id}/access/request`: a signed-in user whose `email` is their own asks
/// the owner; anything else is a guest's request, confirmed by e-mail (which the sandbox does
/// not send).
pub(crate) async fn request_access(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let input = json_body(app, ctx, body).await?;
    let email = input.get("email").and_then(Value::as_str).unwrap_or("");
    let mut st = app.state();
    let user = ctx.user.filter(|u| {
        st.user(*u)
            .is_some_and(|x| x.email().eq_ignore_ascii_case(email))
    });
    let rec = crate::access::record_for(&st, id)?.clone();
    match user {
        Some(u) => {
            if !can_read(&st, ctx, &rec) || can_read_files(&st, ctx, &rec) {
                return Err(ApiError::forbidden());
            }
            let message = input.get("message").and_then(Value::as_str).unwrap_or("");
            let r = crate::requests::new_access_request(app, &mut st, id, u, message)?;
            Ok(json_response(
                StatusCode::OK,
                &render::request(&st, &r, ctx),
            ))
        }
        None => {
            let mut errors = Vec::new();
            for f in ["email", "full_name", "message"] {
                if input
                    .get(f)
                    .and_then(Value::as_str)
                    .is_none_or(str::is_empty)
                {
                    errors.push((
                        f.to_string(),
                        "Missing data for required field.".to_string(),
                    ));
                }
            }
            if !errors.is_empty() {
                return Err(ApiError::validation(errors));
            }
            Ok(json_response(
                StatusCode::OK,
                &json!({"message": "Verification link sent out, please check your e-mail inbox"}),
            ))
        }
    }
}

/// A user as the users API shows them (e-mail and account details to themselves and the
/// administrator only).
fn user_doc(st: &State, id: i64, ctx: &Ctx) -> Option<Value> {
    let u = st.user(id)?;
    let api = format!("{}/users/{id}", ctx.api);
    let mut v = json!({
        "id": id.to_string(),
        "links": {"self": api, "avatar": format!("{api}/avatar.svg")},
        "username": u.name,
        "profile": {"full_name": u.name},
        "identities": {},
        "is_current_user": ctx.user == Some(id),
    });
    if ctx.user == Some(id) || ctx.admin {
        v["email"] = json!(u.email());
        v["active"] = json!(true);
        v["confirmed"] = json!(true);
    }
    Some(v)
}

/// `GET /api/users`: signed-in users only.
pub(crate) fn users(app: &App, ctx: &Ctx) -> ApiResult {
    ctx.require_user()?;
    let st = app.state();
    let docs: Vec<Value> = st
        .users
        .iter()
        .filter_map(|u| {
            let mut d = user_doc(&st, u.id, ctx)?;
            // Searchable by e-mail too, as on the real server.
            d["_email"] = json!(u.email());
            Some(d)
        })
        .collect();
    drop(st);
    let base = format!("{}/users", ctx.api);
    let mut body =
        crate::search::list(ctx, docs, &base, &["bestmatch", "newest", "oldest"], |d| {
            d["username"].as_str().unwrap_or("").to_string()
        })?;
    if let Some(hits) = body.pointer_mut("/hits/hits").and_then(Value::as_array_mut) {
        for h in hits {
            if let Some(o) = h.as_object_mut() {
                o.remove("_email");
            }
        }
    }
    if let Some(o) = body.as_object_mut() {
        o.remove("aggregations");
        o.remove("page");
    }
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /api/users/{id}`.
pub(crate) fn user(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let st = app.state();
    let uid = id.parse::<i64>().ok();
    // No such user: 404 with no message, whoever asks; one the caller may not see: 403.
    if !uid.is_some_and(|i| st.users.iter().any(|u| u.id == i)) {
        return Ok(json_response(
            StatusCode::NOT_FOUND,
            &serde_json::json!({"status": 404, "message": null}),
        ));
    }
    let doc = uid
        .and_then(|i| user_doc(&st, i, ctx))
        .ok_or_else(ApiError::forbidden)?;
    Ok(json_response(StatusCode::OK, &doc))
}
