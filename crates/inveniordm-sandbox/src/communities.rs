//! Communities: create, search, read, update, delete, logo, members.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value, json};

use crate::app::{App, Ctx, json_body};
use crate::model::{Community, Membership, State};
use crate::render;
use crate::util::{self, ApiError, ApiResult, json_response};

/// Largest logo accepted.
const MAX_LOGO: usize = 1_000_000;

/// The access keys of a community, with their defaults.
const ACCESS_DEFAULTS: &[(&str, &str, &[&str])] = &[
    ("visibility", "public", &["public", "restricted"]),
    ("members_visibility", "public", &["public", "restricted"]),
    // v14's default (v13's is open: see `create`).
    ("member_policy", "closed", &["open", "closed"]),
    ("record_submission_policy", "open", &["open", "closed"]),
    ("review_policy", "closed", &["open", "closed", "members"]),
];

/// A community the caller may see (404 for an unknown one, 410 for a deleted one).
pub(crate) fn visible<'a>(st: &'a State, ctx: &Ctx, id_or_slug: &str) -> ApiResult<&'a Community> {
    let c = st
        .community(id_or_slug)
        .ok_or_else(ApiError::pid_not_found)?;
    if c.deleted {
        return Err(ApiError::new(
            StatusCode::GONE,
            "The record has been deleted.",
        ));
    }
    let restricted = c.access.get("visibility").and_then(Value::as_str) == Some("restricted");
    if restricted && c.role_of(ctx.user).is_none() {
        return Err(ApiError::forbidden());
    }
    Ok(c)
}

/// The slug, metadata and access of a community body.
type Fields = (String, Map<String, Value>, Map<String, Value>);

/// Checks a community body; the slug, metadata and access to store.
fn fields(st: &State, input: &Value, current: Option<&Community>) -> ApiResult<Fields> {
    let Some(o) = input.as_object() else {
        return Err(ApiError::invalid_input());
    };
    let mut errors = Vec::new();
    let slug = match o.get("slug") {
        Some(Value::String(s)) => {
            let s = s.trim().to_lowercase();
            let ok = !s.is_empty()
                && s.len() <= 100
                && s.chars()
                    .all(|c| c.is_alphanumeric() || c == '-' || c == '_');
            if !ok {
                errors.push((
                    "slug".to_string(),
                    "The identifier should contain only lower case letters, numbers, or -_."
                        .to_string(),
                ));
            } else if st
                .communities
                .values()
                .any(|c| c.slug == s && current.is_none_or(|cur| cur.id != c.id))
            {
                errors.push((
                    "slug".to_string(),
                    "A community with this identifier already exists.".to_string(),
                ));
            }
            s
        }
        Some(_) => {
            errors.push(("slug".into(), "Not a valid string.".into()));
            String::new()
        }
        None => match current {
            Some(c) => c.slug.clone(),
            None => {
                errors.push(("slug".into(), "Missing data for required field.".into()));
                String::new()
            }
        },
    };
    let metadata = match o.get("metadata") {
        Some(Value::Object(m)) => {
            match m.get("title") {
                Some(Value::String(t)) if !t.trim().is_empty() && t.len() <= 250 => {}
                Some(Value::String(t)) if t.len() > 250 => errors.push((
                    "metadata.title".into(),
                    "Length must be between 1 and 250.".into(),
                )),
                _ => errors.push((
                    "metadata.title".into(),
                    "Missing data for required field.".into(),
                )),
            }
            m.clone()
        }
        _ => {
            errors.push(("metadata".into(), "Missing data for required field.".into()));
            Map::new()
        }
    };
    let mut access = current.map(|c| c.access.clone()).unwrap_or_default();
    match o.get("access") {
        Some(Value::Object(a)) => {
            for (k, v) in a {
                // The documentation's older name of the submission policy.
                let key = if k == "record_policy" {
                    "record_submission_policy"
                } else {
                    k.as_str()
                };
                match ACCESS_DEFAULTS.iter().find(|(n, _, _)| *n == key) {
                    Some((_, _, allowed)) => match v.as_str() {
                        Some(s) if allowed.contains(&s) => {
                            access.insert(key.to_string(), json!(s));
                        }
                        _ => errors.push((
                            format!("access.{key}"),
                            format!("Must be one of: {}.", allowed.join(", ")),
                        )),
                    },
                    None => errors.push((format!("access.{k}"), "Unknown field.".into())),
                }
            }
        }
        Some(_) => errors.push(("access".into(), "Invalid input type.".into())),
        None if current.is_none() => {
            errors.push(("access".into(), "Missing data for required field.".into()))
        }
        None => {}
    }
    for (k, default, _) in ACCESS_DEFAULTS {
        access
            .entry(k.to_string())
            .or_insert_with(|| json!(default));
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok((slug, metadata, access))
}

/// A new community, `user` its owner.
fn owned_by(
    user: i64,
    slug: String,
    metadata: Map<String, Value>,
    access: Map<String, Value>,
) -> Community {
    let now = util::now();
    Community {
        id: util::uuid(),
        slug,
        metadata,
        access,
        custom_fields: Map::new(),
        members: vec![Membership {
            id: util::uuid(),
            user,
            role: "owner".into(),
            visible: false,
            created: now.clone(),
        }],
        logo: None,
        created: now.clone(),
        updated: now,
        revision_id: 2,
        deleted: false,
        featured: Vec::new(),
        children_allowed: false,
        parent: None,
    }
}

/// The community a subcommunity request makes (`{"community": {"slug", "title"}}`): public,
/// open to members and submissions, `user` its owner; not yet stored.
pub(crate) fn new_community(
    st: &State,
    slug: &str,
    title: &str,
    user: i64,
) -> ApiResult<Community> {
    let input = json!({
        "slug": slug,
        "metadata": {"title": title},
        "access": {"visibility": "public", "member_policy": "open", "record_submission_policy": "open"},
    });
    let (slug, metadata, access) = fields(st, &input, None)?;
    Ok(owned_by(user, slug, metadata, access))
}

/// `POST /api/communities`.
pub(crate) async fn create(app: &App, ctx: &Ctx, body: Body) -> ApiResult {
    let user = ctx.require_user()?;
    let input = json_body(app, ctx, body).await?;
    let mut st = app.state();
    let (slug, metadata, mut access) = fields(&st, &input, None)?;
    // v13 leaves a new community open to membership requests, v14 closed.
    if app.limits.rdm_version < 14 && input.pointer("/access/member_policy").is_none() {
        access.insert("member_policy".into(), json!("open"));
    }
    let mut c = owned_by(user, slug, metadata, access);
    c.custom_fields = input
        .get("custom_fields")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    app.persist("communities", &c.id, &c)?;
    let out = render::community(&st, &c, ctx);
    st.communities.insert(c.id.clone(), c);
    Ok(json_response(StatusCode::CREATED, &out))
}

/// `GET /api/communities/{id}`.
pub(crate) fn get(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let st = app.state();
    let c = visible(&st, ctx, id)?;
    Ok(json_response(
        StatusCode::OK,
        &render::community(&st, c, ctx),
    ))
}

/// `PUT /api/communities/{id}`: owners and managers.
pub(crate) async fn update(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    ctx.require_user()?;
    {
        let st = app.state();
        let c = visible(&st, ctx, id)?;
        if !matches!(c.role_of(ctx.user), Some("owner" | "manager")) {
            return Err(ApiError::forbidden());
        }
    }
    let input = json_body(app, ctx, body).await?;
    let mut st = app.state();
    let c = visible(&st, ctx, id)?.clone();
    crate::app::check_revision(ctx, c.revision_id)?;
    let (slug, metadata, access) = fields(&st, &input, Some(&c))?;
    let mut c = c;
    c.slug = slug;
    c.metadata = metadata;
    c.access = access;
    if let Some(cf) = input.get("custom_fields").and_then(Value::as_object) {
        c.custom_fields = cf.clone();
    }
    // Whether it takes subcommunities: the system's (an administrator's) to set.
    if let Some(allow) = input.pointer("/children/allow").and_then(Value::as_bool)
        && allow != c.children_allowed
    {
        if !app.is_admin(ctx.user) {
            return Err(ApiError::forbidden());
        }
        c.children_allowed = allow;
    }
    c.updated = util::now();
    c.revision_id += 1;
    app.persist("communities", &c.id, &c)?;
    let out = render::community(&st, &c, ctx);
    st.communities.insert(c.id.clone(), c);
    Ok(json_response(StatusCode::OK, &out))
}

/// `DELETE /api/communities/{id}`: the owner; refused while requests to it are open.
pub(crate) fn delete(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    ctx.require_user()?;
    let mut st = app.state();
    let c = visible(&st, ctx, id)?.clone();
    if c.role_of(ctx.user) != Some("owner") {
        return Err(ApiError::forbidden());
    }
    let open = st
        .requests
        .values()
        .filter(|r| r.is_open() && r.community() == Some(c.id.as_str()))
        .count();
    if open > 0 {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!(
                "There is {open} request open for this community. Close it before deleting the community."
            ),
        ));
    }
    let mut gone = c.clone();
    gone.deleted = true;
    gone.updated = util::now();
    gone.revision_id += 1;
    app.persist("communities", &gone.id, &gone)?;
    st.communities.insert(gone.id.clone(), gone);
    let parents: Vec<String> = st
        .parents
        .values()
        .filter(|p| p.communities.contains(&c.id))
        .map(|p| p.id.clone())
        .collect();
    for pid in parents {
        if let Some(p) = st.parents.get_mut(&pid) {
            p.communities.retain(|x| *x != c.id);
            if p.default_community.as_deref() == Some(c.id.as_str()) {
                p.default_community = p.communities.first().cloned();
            }
            let p = p.clone();
            app.persist("parents", &pid, &p)?;
        }
    }
    Ok(util::no_content())
}

/// `GET /api/communities` and `GET /api/user/communities`.
pub(crate) fn search(app: &App, ctx: &Ctx, mine: bool) -> ApiResult {
    let me = if mine {
        Some(ctx.require_user()?)
    } else {
        ctx.user
    };
    let st = app.state();
    let docs: Vec<Value> = st
        .communities
        .values()
        .filter(|c| !c.deleted)
        .filter(|c| {
            if mine {
                c.role_of(me).is_some()
            } else {
                c.access.get("visibility").and_then(Value::as_str) != Some("restricted")
                    || c.role_of(me).is_some()
            }
        })
        .map(|c| render::community(&st, c, ctx))
        .collect();
    drop(st);
    let base = if mine {
        format!("{}/user/communities", ctx.api)
    } else {
        format!("{}/communities", ctx.api)
    };
    let sorts: &[&str] = &["newest", "oldest", "updated-desc"];
    let mut body = crate::search::list(ctx, docs, &base, sorts, |d| {
        d.pointer("/metadata/title")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    })?;
    body["aggregations"] = json!({
        "type": {"buckets": [], "label": "Type"},
        "visibility": {"buckets": [], "label": "Visibility"},
    });
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /api/communities/{id}/members` (members only) and `…/members/public`.
pub(crate) fn members(app: &App, ctx: &Ctx, id: &str, public: bool) -> ApiResult {
    let st = app.state();
    let c = visible(&st, ctx, id)?;
    if !public && c.role_of(ctx.user).is_none() {
        return Err(ApiError::forbidden());
    }
    let docs: Vec<Value> = c
        .members
        .iter()
        .filter(|m| !public || m.visible)
        .map(|m| render::member(&st, m, ctx))
        .collect();
    let base = if public {
        format!("{}/communities/{}/members/public", ctx.api, c.id)
    } else {
        format!("{}/communities/{}/members", ctx.api, c.id)
    };
    drop(st);
    member_list(
        ctx,
        docs,
        &base,
        json!({
            "role": {"buckets": [], "label": "Role"},
            "visibility": {"buckets": [], "label": "Visibility"},
        }),
    )
}

/// A list of member hits (members, invitations) sorted by name by default, with these
/// (empty) facets.
pub(crate) fn member_list(ctx: &Ctx, docs: Vec<Value>, base: &str, facets: Value) -> ApiResult {
    let mut body = crate::search::list(ctx, docs, base, &["name", "newest", "oldest"], |d| {
        d.pointer("/member/name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string()
    })?;
    body["aggregations"] = facets;
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /api/communities/{id}/logo`.
pub(crate) fn logo(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let st = app.state();
    let c = visible(&st, ctx, id)?;
    let Some(hex) = &c.logo else {
        return Err(ApiError::new(
            StatusCode::NOT_FOUND,
            "No logo exists for this community.",
        ));
    };
    let bytes: Vec<u8> = (0..hex.len() / 2)
        .filter_map(|i| u8::from_str_radix(hex.get(2 * i..2 * i + 2)?, 16).ok())
        .collect();
    let mime = sniff(&bytes);
    let mut r = Response::new(Body::from(bytes));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(mime));
    Ok(r)
}

/// The MIME type of an image by its first bytes.
fn sniff(b: &[u8]) -> &'static str {
    if b.starts_with(b"\x89PNG") {
        "image/png"
    } else if b.starts_with(b"\xff\xd8") {
        "image/jpeg"
    } else if b.starts_with(b"GIF8") {
        "image/gif"
    } else if b.starts_with(b"<svg") || b.starts_with(b"<?xml") {
        "image/svg+xml"
    } else {
        "application/octet-stream"
    }
}

/// `PUT /api/communities/{id}/logo`: owners and managers.
pub(crate) async fn set_logo(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    ctx.require_user()?;
    {
        let st = app.state();
        let c = visible(&st, ctx, id)?;
        if !matches!(c.role_of(ctx.user), Some("owner" | "manager")) {
            return Err(ApiError::forbidden());
        }
    }
    let bytes = axum::body::to_bytes(body, MAX_LOGO).await.map_err(|_| {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The data value transmitted exceeds the capacity limit.",
        )
    })?;
    let mut st = app.state();
    let mut c = visible(&st, ctx, id)?.clone();
    c.logo = Some(bytes.iter().map(|b| format!("{b:02x}")).collect());
    c.updated = util::now();
    app.persist("communities", &c.id, &c)?;
    let out = render::community(&st, &c, ctx);
    st.communities.insert(c.id.clone(), c);
    Ok(json_response(StatusCode::OK, &out))
}

/// `DELETE /api/communities/{id}/logo`.
pub(crate) fn delete_logo(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    ctx.require_user()?;
    let mut st = app.state();
    let mut c = visible(&st, ctx, id)?.clone();
    if !matches!(c.role_of(ctx.user), Some("owner" | "manager")) {
        return Err(ApiError::forbidden());
    }
    c.logo = None;
    app.persist("communities", &c.id, &c)?;
    st.communities.insert(c.id.clone(), c);
    Ok(util::no_content())
}
