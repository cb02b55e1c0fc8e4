//! Access links (secret share links) of a record.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::access::owned_parent;
use crate::app::{App, Ctx, json_body};
use crate::model::Link;
use crate::render::{self};
use crate::util::{self, ApiError, ApiResult, json_response};

pub(crate) fn list_links(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let st = app.state();
    let p = owned_parent(&st, ctx, id)?;
    let links: Vec<Value> = st
        .parents
        .get(&p)
        .map(|p| p.links.iter().map(render::link).collect())
        .unwrap_or_default();
    let n = links.len();
    Ok(json_response(
        StatusCode::OK,
        &json!({"hits": {"hits": links, "total": n}}),
    ))
}

pub(crate) fn get_link(app: &App, ctx: &Ctx, id: &str, link_id: &str) -> ApiResult {
    let st = app.state();
    let p = owned_parent(&st, ctx, id)?;
    let l = st
        .parents
        .get(&p)
        .and_then(|p| p.links.iter().find(|l| l.id == link_id))
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not found."))?;
    Ok(json_response(StatusCode::OK, &render::link(l)))
}

/// Permission, expiry (`Some(None)` clears it) and description of a link body.
type LinkFields = (Option<String>, Option<Option<String>>, Option<String>);

pub(crate) fn link_fields(input: &Value, creating: bool) -> ApiResult<LinkFields> {
    let Some(o) = input.as_object() else {
        return Err(ApiError::invalid_input());
    };
    let mut errors = Vec::new();
    let permission = match o.get("permission") {
        Some(Value::String(p)) if ["view", "preview", "edit"].contains(&p.as_str()) => {
            Some(p.clone())
        }
        Some(Value::String(_)) | Some(_) => {
            errors.push((
                "permission".into(),
                "Must be one of: view, preview, edit.".into(),
            ));
            None
        }
        None if creating => {
            errors.push((
                "permission".into(),
                "An access permission level is required".into(),
            ));
            None
        }
        None => None,
    };
    let expires_at = match o.get("expires_at") {
        None => None,
        Some(Value::Null) => Some(None),
        Some(Value::String(s)) => {
            let date = s.get(..10).unwrap_or("");
            if chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").is_err() {
                errors.push(("expires_at".into(), "Not a valid date.".into()));
                None
            } else if date <= chrono::Utc::now().format("%Y-%m-%d").to_string().as_str() {
                errors.push((
                    "expires_at".into(),
                    "Expiration date must be set to the future.".into(),
                ));
                None
            } else {
                Some(Some(s.clone()))
            }
        }
        Some(_) => {
            errors.push(("expires_at".into(), "Not a valid date.".into()));
            None
        }
    };
    let description = o
        .get("description")
        .and_then(Value::as_str)
        .map(str::to_string);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok((permission, expires_at, description))
}

pub(crate) async fn create_link(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    {
        let st = app.state();
        owned_parent(&st, ctx, id)?;
    }
    let input = json_body(app, ctx, body).await?;
    let (permission, expires_at, description) = link_fields(&input, true)?;
    let mut st = app.state();
    let p = owned_parent(&st, ctx, id)?;
    let link = Link {
        id: util::uuid(),
        permission: permission.unwrap_or_else(|| "view".into()),
        expires_at: expires_at.flatten(),
        description,
        created_at: util::now(),
        token: util::random_hex(32),
    };
    let parent = st.parents.get_mut(&p).ok_or_else(ApiError::pid_not_found)?;
    parent.links.push(link.clone());
    let parent = parent.clone();
    st.index_link(&p, &link.token);
    app.persist("parents", &p, &parent)?;
    Ok(json_response(StatusCode::CREATED, &render::link(&link)))
}

pub(crate) async fn update_link(
    app: &App,
    ctx: &Ctx,
    id: &str,
    link_id: &str,
    body: Body,
) -> ApiResult {
    {
        let st = app.state();
        owned_parent(&st, ctx, id)?;
    }
    let input = json_body(app, ctx, body).await?;
    let (permission, expires_at, description) = link_fields(&input, false)?;
    let mut st = app.state();
    let p = owned_parent(&st, ctx, id)?;
    let parent = st.parents.get_mut(&p).ok_or_else(ApiError::pid_not_found)?;
    let l = parent
        .links
        .iter_mut()
        .find(|l| l.id == link_id)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not found."))?;
    if let Some(pm) = permission {
        l.permission = pm;
    }
    if let Some(e) = expires_at {
        l.expires_at = e;
    }
    if description.is_some() {
        l.description = description;
    }
    let out = render::link(l);
    let parent = parent.clone();
    app.persist("parents", &p, &parent)?;
    Ok(json_response(StatusCode::OK, &out))
}

pub(crate) fn delete_link(app: &App, ctx: &Ctx, id: &str, link_id: &str) -> ApiResult {
    let mut st = app.state();
    let p = owned_parent(&st, ctx, id)?;
    let parent = st.parents.get_mut(&p).ok_or_else(ApiError::pid_not_found)?;
    let before = parent.links.len();
    parent.links.retain(|l| l.id != link_id);
    if parent.links.len() == before {
        return Err(ApiError::new(StatusCode::NOT_FOUND, "Not found."));
    }
    let parent = parent.clone();
    app.persist("parents", &p, &parent)?;
    Ok(util::no_content())
}
