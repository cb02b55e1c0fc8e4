//! A community's new name (`…/rename`), its restoration after a deletion (`…/restore`), and
//! featured communities (administrators): v13 and v14 alike.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::app::{App, Ctx, check_revision, json_body, json_body_or_empty, with_etag};
use crate::communities::visible;
use crate::model::{Community, Featured, State};
use crate::render;
use crate::util::{self, ApiError, ApiResult, json_response};

/// Whether the caller owns the community (an administrator may act as any owner).
fn owns(app: &App, ctx: &Ctx, c: &Community) -> bool {
    c.role_of(ctx.user) == Some("owner") || app.is_admin(ctx.user)
}

fn store(app: &App, st: &mut State, mut c: Community) -> ApiResult<Community> {
    c.updated = util::now();
    c.revision_id += 1;
    app.persist("communities", &c.id, &c)?;
    st.communities.insert(c.id.clone(), c.clone());
    Ok(c)
}

/// `POST /api/communities/{id}/rename` `{"slug"}`: owners; only the slug changes.
pub(crate) async fn rename(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let input = json_body(app, ctx, body).await?;
    let mut st = app.state();
    let c = visible(&st, ctx, id)?.clone();
    if !owns(app, ctx, &c) {
        return Err(ApiError::forbidden());
    }
    check_revision(ctx, c.revision_id)?;
    let slug = match input.get("slug") {
        None | Some(Value::Null) => {
            return Err(ApiError::validation(vec![(
                "slug".into(),
                "Missing data for required field.".into(),
            )]));
        }
        Some(v) => v.as_str().unwrap_or("").to_string(),
    };
    let problem = if slug == c.slug {
        Some("A new ID value is required for the renaming.")
    } else if slug.is_empty()
        || !slug
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || ch == '-' || ch == '_')
    {
        Some("The identifier should contain only letters, numbers, or dashes.")
    } else if st
        .communities
        .values()
        .any(|o| o.slug.eq_ignore_ascii_case(&slug))
    {
        Some("A community with this identifier already exists.")
    } else {
        None
    };
    if let Some(p) = problem {
        return Err(ApiError::validation(vec![("slug".into(), p.into())]));
    }
    let mut c = c;
    c.slug = slug;
    let c = store(app, &mut st, c)?;
    let out = render::community(&st, &c, ctx);
    Ok(with_etag(
        json_response(StatusCode::OK, &out),
        c.revision_id,
    ))
}

/// `POST /api/communities/{id}/restore`: owners bring a deleted community back. One that is
/// not deleted fails with 500 (before any permission check), as on the real servers.
pub(crate) fn restore(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let mut st = app.state();
    let c = st
        .community(id)
        .ok_or_else(ApiError::pid_not_found)?
        .clone();
    if !c.deleted {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.",
        ));
    }
    if !owns(app, ctx, &c) {
        return Err(ApiError::forbidden());
    }
    let mut c = c;
    c.deleted = false;
    let c = store(app, &mut st, c)?;
    Ok(json_response(
        StatusCode::OK,
        &render::community(&st, &c, ctx),
    ))
}

// --- featured ------------------------------------------------------------------------------

fn admin(app: &App, ctx: &Ctx) -> ApiResult<()> {
    if app.is_admin(ctx.user) {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

/// A `start_date` as the server stores it (UTC, `+00:00`): naive ISO times are UTC, `Z` and
/// `+00:00` are kept; dates alone and other offsets are refused.
fn start_date(input: &Value) -> ApiResult<String> {
    let Some(s) = input.get("start_date").and_then(Value::as_str) else {
        return Err(ApiError::validation(vec![(
            "start_date".into(),
            "Missing data for required field.".into(),
        )]));
    };
    let invalid =
        || ApiError::validation(vec![("start_date".into(), "Not a valid datetime.".into())]);
    let t = s.trim().replace(' ', "T");
    let (naive, offset) = if let Some(n) = t.strip_suffix('Z') {
        (n.to_string(), "+00:00")
    } else if let Some(n) = t.strip_suffix("+00:00") {
        (n.to_string(), "+00:00")
    } else if t.len() > 19 && matches!(t.as_bytes()[t.len() - 6], b'+' | b'-') {
        // Another offset: the real servers' database refuses it (500).
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.",
        ));
    } else {
        (t.clone(), "+00:00")
    };
    let parsed = chrono::NaiveDateTime::parse_from_str(&naive, "%Y-%m-%dT%H:%M:%S%.f")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(&naive, "%Y-%m-%dT%H:%M"))
        .map_err(|_| invalid())?;
    let micros = parsed.and_utc().timestamp_subsec_micros();
    let base = parsed.format("%Y-%m-%dT%H:%M:%S").to_string();
    Ok(if micros > 0 {
        format!("{base}.{micros:06}{offset}")
    } else {
        format!("{base}{offset}")
    })
}

/// An entry as the server shows it: v13 writes the time without its offset (UTC).
fn featured_doc(f: &Featured, ctx: &Ctx) -> Value {
    let start = if ctx.rdm_version >= 14 {
        f.start_date.clone()
    } else {
        f.start_date.trim_end_matches("+00:00").to_string()
    };
    json!({"id": f.id, "start_date": start})
}

fn entry_id(fid: &str) -> ApiResult<u64> {
    fid.parse().map_err(|_| {
        ApiError::validation(vec![("featured_id".into(), "Not a valid integer.".into())])
    })
}

fn no_entry(fid: u64, c: &Community) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!(
            "A featured community entry with {{'id': {fid}, 'community_id': UUID('{}')}} does not exist.",
            c.id
        ),
    )
}

/// `GET /api/communities/{id}/featured` (administrators): the community's entries.
pub(crate) fn featured_list(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let st = app.state();
    let c = st.community(id).ok_or_else(ApiError::pid_not_found)?;
    admin(app, ctx)?;
    let hits: Vec<Value> = c.featured.iter().map(|f| featured_doc(f, ctx)).collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({"hits": {"hits": hits, "total": c.featured.len()}}),
    ))
}

/// `POST /api/communities/{id}/featured` `{"start_date"}` (administrators): 201 with the entry.
pub(crate) async fn feature(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let input = json_body_or_empty(app, ctx, body).await?;
    let mut st = app.state();
    let c = st
        .community(id)
        .ok_or_else(ApiError::pid_not_found)?
        .clone();
    admin(app, ctx)?;
    let start = start_date(&input)?;
    let next = st
        .communities
        .values()
        .flat_map(|c| c.featured.iter().map(|f| f.id))
        .max()
        .unwrap_or(0)
        + 1;
    let f = Featured {
        id: next,
        start_date: start,
    };
    let mut c = c;
    c.featured.push(f.clone());
    app.persist("communities", &c.id, &c)?;
    st.communities.insert(c.id.clone(), c);
    Ok(json_response(StatusCode::CREATED, &featured_doc(&f, ctx)))
}

/// `PUT /api/communities/{id}/featured/{fid}` `{"start_date"}` (administrators).
pub(crate) async fn update_featured(
    app: &App,
    ctx: &Ctx,
    id: &str,
    fid: &str,
    body: Body,
) -> ApiResult {
    let input = json_body_or_empty(app, ctx, body).await?;
    let fid = entry_id(fid)?;
    let mut st = app.state();
    let mut c = st
        .community(id)
        .ok_or_else(ApiError::pid_not_found)?
        .clone();
    admin(app, ctx)?;
    let start = start_date(&input)?;
    let Some(f) = c.featured.iter_mut().find(|f| f.id == fid) else {
        return Err(no_entry(fid, &c));
    };
    f.start_date = start;
    let f = f.clone();
    app.persist("communities", &c.id, &c)?;
    st.communities.insert(c.id.clone(), c);
    Ok(json_response(StatusCode::OK, &featured_doc(&f, ctx)))
}

/// `DELETE /api/communities/{id}/featured/{fid}` (administrators; a missing entry is a 404
/// for anyone).
pub(crate) fn unfeature(app: &App, ctx: &Ctx, id: &str, fid: &str) -> ApiResult {
    let fid = entry_id(fid)?;
    let mut st = app.state();
    let mut c = st
        .community(id)
        .ok_or_else(ApiError::pid_not_found)?
        .clone();
    if !c.featured.iter().any(|f| f.id == fid) {
        return Err(no_entry(fid, &c));
    }
    admin(app, ctx)?;
    c.featured.retain(|f| f.id != fid);
    app.persist("communities", &c.id, &c)?;
    st.communities.insert(c.id.clone(), c);
    Ok(util::no_content())
}

/// `GET /api/communities/featured`: public communities featured from a date already past,
/// the most recently featured first.
pub(crate) fn featured_search(app: &App, ctx: &Ctx) -> ApiResult {
    let st = app.state();
    let now = chrono::Utc::now()
        .format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
        .to_string();
    let mut shown: Vec<(&str, &Community)> = st
        .communities
        .values()
        .filter(|c| {
            !c.deleted && c.access.get("visibility").and_then(Value::as_str) != Some("restricted")
        })
        .filter_map(|c| {
            c.featured
                .iter()
                .map(|f| f.start_date.as_str())
                .filter(|s| *s <= now.as_str())
                .max()
                .map(|s| (s, c))
        })
        .collect();
    shown.sort_by(|a, b| b.0.cmp(a.0));
    let docs: Vec<Value> = shown
        .into_iter()
        .map(|(_, c)| render::community(&st, c, ctx))
        .collect();
    drop(st);
    let base = format!("{}/communities/featured", ctx.api);
    let mut body = crate::search::list(ctx, docs, &base, &["featured"], |_| String::new())?;
    body["aggregations"] = json!({
        "type": {"buckets": [], "label": "Type"},
        "visibility": {"buckets": [], "label": "Visibility"},
    });
    Ok(json_response(StatusCode::OK, &body))
}

// --- subcommunities ------------------------------------------------------------------------

/// `POST /api/communities/{id}/actions/join-request` `{"community_id"}` or
/// `{"community": {"slug", "title"}}` (a new community, made for the caller): a community
/// asks to become a subcommunity of `id`, by an owner of it. The parent must take
/// subcommunities (checked first, for anyone). Accepted at once when the caller also manages
/// the parent.
pub(crate) async fn join_request(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let input = json_body_or_empty(app, ctx, body).await?;
    let mut st = app.state();
    let parent = crate::members::community_by_uuid(&st, id)?.clone();
    if !parent.children_allowed {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "Parent community does not accept subcommunities.",
        ));
    }
    let user = ctx.require_user()?;
    let child = match (input.get("community_id"), input.get("community")) {
        (Some(cid), _) => {
            let cid = cid.as_str().unwrap_or("");
            st.communities
                .get(cid)
                .filter(|c| !c.deleted)
                .cloned()
                .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not found."))?
        }
        (None, Some(new)) => {
            let title = new.get("title").and_then(Value::as_str).unwrap_or("");
            if title.is_empty() {
                return Err(ApiError::validation(vec![(
                    "community.title".into(),
                    "Missing data for required field.".into(),
                )]));
            }
            let made = crate::communities::new_community(
                &st,
                new.get("slug").and_then(Value::as_str).unwrap_or(""),
                title,
                user,
            )?;
            app.persist("communities", &made.id, &made)?;
            st.communities.insert(made.id.clone(), made.clone());
            made
        }
        (None, None) => {
            return Err(ApiError::validation(vec![(
                "_schema".into(),
                "Either community_id or community should be provided.".into(),
            )]));
        }
    };
    if !(owns(app, ctx, &child)) {
        return Err(ApiError::forbidden());
    }
    let title = format!(
        "Inclusion of subcommunity \"{}\"",
        child
            .metadata
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or("")
    );
    let at_once = owns(app, ctx, &parent) || st.manages(&parent.id, ctx.user);
    let r = crate::requests::new_join_request(
        app, &mut st, &title, user, &parent.id, &child.id, at_once,
    )?;
    Ok(json_response(
        StatusCode::CREATED,
        &render::request(&st, &r, ctx),
    ))
}

/// `GET /api/communities/{id}/subcommunities`: the communities whose parent it is, newest
/// first.
pub(crate) fn subcommunities(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let st = app.state();
    let parent = visible(&st, ctx, id)?;
    let docs: Vec<Value> = st
        .communities
        .values()
        .filter(|c| !c.deleted && c.parent.as_deref() == Some(parent.id.as_str()))
        .filter(|c| {
            c.access.get("visibility").and_then(Value::as_str) != Some("restricted")
                || c.role_of(ctx.user).is_some()
        })
        .map(|c| {
            // In a listing the parent comes without its custom fields.
            let mut v = render::community(&st, c, ctx);
            if let Some(p) = v.get_mut("parent").and_then(Value::as_object_mut) {
                p.remove("custom_fields");
            }
            v
        })
        .collect();
    let base = format!("{}/communities/{}/subcommunities", ctx.api, parent.id);
    drop(st);
    let mut body = crate::search::list(ctx, docs, &base, &["newest", "oldest"], |_| String::new())?;
    body["aggregations"] = json!({
        "type": {"buckets": [], "label": "Type"},
        "visibility": {"buckets": [], "label": "Visibility"},
    });
    Ok(json_response(StatusCode::OK, &body))
}
