//! A community's members beyond listing them: roles and visibility changed, members removed
//! (or leaving), invitations (a `community-invitation` request the invitee accepts or
//! declines), and membership requests (off on a stock instance). These routes take the
//! community's id, never its slug.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::app::{App, Ctx, json_body_or_empty};
use crate::model::{Community, Invitation, State};
use crate::render;
use crate::util::{self, ApiError, ApiResult};

const ROLES: &[&str] = &["reader", "curator", "manager", "owner"];

/// The message of a member that is already one, invited, or unknown.
fn already(ctx: &Ctx) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        if ctx.rdm_version >= 14 {
            "One of the submitted entity is already a member or pending a decision. The entire action was cancelled."
        } else {
            "A member was already added or invited."
        },
    )
}

fn invalid_member() -> ApiError {
    ApiError::new(StatusCode::BAD_REQUEST, "Invalid member specified.")
}

fn schema(message: &str) -> ApiError {
    ApiError::validation(vec![("_schema".into(), message.into())])
}

/// The community of a members route: its id must be a UUID (a slug is refused), and it must
/// exist.
pub(crate) fn community_by_uuid<'a>(st: &'a State, id: &str) -> ApiResult<&'a Community> {
    let uuid = id.len() == 36
        && id.chars().enumerate().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        });
    if !uuid {
        return Err(ApiError::validation(vec![(
            "pid_value".into(),
            "Not a valid UUID.".into(),
        )]));
    }
    st.communities
        .get(id)
        .filter(|c| !c.deleted)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not found."))
}

/// The caller's role in the community (an administrator acts as an owner); anyone else is
/// refused (403).
fn caller_role(c: &Community, ctx: &Ctx) -> ApiResult<Option<String>> {
    if ctx.admin {
        return Ok(Some("owner".into()));
    }
    match c.role_of(ctx.user) {
        Some(r) => Ok(Some(r.to_string())),
        None => Err(ApiError::forbidden()),
    }
}

/// When an invitation or a request to join sent now lapses: in 30 days.
fn in_30_days() -> String {
    (chrono::Utc::now() + chrono::Duration::days(30))
        .format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
        .to_string()
}

/// A hit of the invitations or the requests to join: the user, the role offered, and the
/// request (`kind`) with, while it is open, the `actions` a manager takes on it (v14; v13's
/// hits have no links and no request type).
#[allow(clippy::too_many_arguments)]
fn pending_hit(
    st: &State,
    ctx: &Ctx,
    c: &Community,
    r: &crate::model::Request,
    user: i64,
    pending: &Invitation,
    kind: &str,
    actions: &[&str],
    permissions: Value,
) -> Value {
    let open = r.is_open();
    let mut hit = json!({
        "id": r.id,
        "member": render::member_entity(st, user, ctx),
        "role": pending.role,
        "visible": false,
        "is_current_user": ctx.user == Some(user),
        "permissions": permissions,
        "created": r.created,
        "updated": r.updated,
        "revision_id": 1,
        "request": {"id": r.id, "status": r.status, "is_open": open, "expires_at": pending.expires_at},
    });
    if ctx.rdm_version >= 14 {
        hit["group_notification_enabled"] = Value::Null;
        hit["request"]["type"] = json!(kind);
        let html = format!("{}/communities/{}/requests/{}", ctx.ui, c.slug, r.id);
        hit["links"] = if open {
            let links: serde_json::Map<String, Value> = actions
                .iter()
                .map(|a| {
                    (
                        a.to_string(),
                        json!(format!("{}/requests/{}/actions/{a}", ctx.api, r.id)),
                    )
                })
                .collect();
            json!({"actions": links, "self_html": html})
        } else {
            json!({"self_html": html})
        };
    }
    hit
}

/// Whether a role may hand out or change `role`: owners any, managers all but owner.
fn manages_role(caller: Option<&str>, role: &str) -> bool {
    match caller {
        Some("owner") => true,
        Some("manager") => role != "owner",
        _ => false,
    }
}

/// The users a body names (`{"members": [{"type": "user", "id": "3"}, …]}`), checked: 1 to
/// 100 entries; a type other than `user` is refused the way the real servers refuse it.
fn named_users(input: &Value, groups_forbidden: bool) -> ApiResult<Vec<i64>> {
    let Some(list) = input.get("members").and_then(Value::as_array) else {
        return Err(ApiError::validation(vec![(
            "members".into(),
            "Missing data for required field.".into(),
        )]));
    };
    if list.is_empty() || list.len() > 100 {
        return Err(ApiError::validation(vec![(
            "members".into(),
            "Length must be between 1 and 100.".into(),
        )]));
    }
    let mut out = Vec::new();
    for m in list {
        match m.get("type").and_then(Value::as_str) {
            Some("user") => {}
            Some("group") if groups_forbidden => return Err(ApiError::forbidden()),
            Some("email") => {
                return Err(schema("Invalid member type: email"));
            }
            Some("group") => return Err(invalid_member()),
            _ => {
                return Err(ApiError::validation(vec![(
                    "members.0.type".into(),
                    "Must be one of: user, group, email.".into(),
                )]));
            }
        }
        let id = m
            .get("id")
            .and_then(|v| {
                v.as_str()
                    .map(str::to_string)
                    .or_else(|| v.as_i64().map(|n| n.to_string()))
            })
            .and_then(|s| s.parse::<i64>().ok())
            .ok_or_else(invalid_member)?;
        out.push(id);
    }
    Ok(out)
}

fn role_of_input(input: &Value) -> ApiResult<Option<String>> {
    match input.get("role") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => match v.as_str() {
            Some(r) if ROLES.contains(&r) => Ok(Some(r.to_string())),
            _ => Err(ApiError::validation(vec![(
                "role".into(),
                "Invalid role.".into(),
            )])),
        },
    }
}

/// `PUT /api/communities/{id}/members` (and, on v14, `…/membership-requests`, the same code):
/// roles and visibility. Any member may call it; each change needs the caller to manage both
/// the old and the new role, except one's own visibility.
pub(crate) async fn update(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let input = json_body_or_empty(app, ctx, body).await?;
    let mut st = app.state();
    let mut c = community_by_uuid(&st, id)?.clone();
    let caller = caller_role(&c, ctx)?;
    let users = named_users(&input, false)?;
    let role = role_of_input(&input)?;
    let visible = input.get("visible").and_then(Value::as_bool);
    if role.is_none() && visible.is_none() && input.get("group_notification_enabled").is_none() {
        return Err(schema(if ctx.rdm_version >= 14 {
            "Missing fields 'role' and/or 'visible' and/or 'group_notification_enabled'."
        } else {
            "Missing fields 'role' and/or 'visible'."
        }));
    }
    // Pending invitations' roles change the same way.
    let mut invitations = Vec::new();
    for u in &users {
        let own = ctx.user == Some(*u);
        let pending = st.requests.values().find(|r| {
            r.is_open()
                && ((r.receiving_user() == Some(*u)
                    && r.invitation.as_ref().is_some_and(|i| i.community == c.id))
                    || (r.created_by == *u
                        && r.joining.as_ref().is_some_and(|j| j.community == c.id)))
        });
        let Some(current) = c
            .members
            .iter()
            .find(|m| m.user == *u)
            .map(|m| m.role.clone())
            .or_else(|| {
                pending
                    .and_then(|r| r.invitation.as_ref().or(r.joining.as_ref()))
                    .map(|i| i.role.clone())
            })
        else {
            return Err(invalid_member());
        };
        if let Some(r) = &role {
            if own {
                return Err(schema("You cannot change your own role."));
            }
            if !(manages_role(caller.as_deref(), &current) && manages_role(caller.as_deref(), r)) {
                return Err(ApiError::forbidden());
            }
        }
        if visible == Some(true) && !own {
            return Err(schema(
                "You can only set public visibility on your own membership.",
            ));
        }
        if visible == Some(false) && !own && !manages_role(caller.as_deref(), &current) {
            return Err(ApiError::forbidden());
        }
        if let Some(p) = pending
            && !c.members.iter().any(|m| m.user == *u)
        {
            invitations.push(p.id.clone());
        }
    }
    for m in c.members.iter_mut().filter(|m| users.contains(&m.user)) {
        if let Some(r) = &role {
            m.role = r.clone();
        }
        if let Some(v) = visible {
            m.visible = v;
        }
    }
    if !c.members.iter().any(|m| m.role == "owner") {
        return Err(schema("A community must have at least one owner."));
    }
    app.persist("communities", &c.id, &c)?;
    for rid in invitations {
        if let (Some(r), Some(new)) = (st.requests.get_mut(&rid), &role)
            && let Some(inv) = r.invitation.as_mut().or(r.joining.as_mut())
        {
            inv.role = new.clone();
            let r = r.clone();
            app.persist("requests", &r.id, &r)?;
        }
    }
    c.updated = util::now();
    st.communities.insert(c.id.clone(), c);
    Ok(util::no_content())
}

/// `DELETE /api/communities/{id}/members`: a manager of their roles removes members; a member
/// removes themselves (leaves). The last owner stays.
pub(crate) async fn remove(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let input = json_body_or_empty(app, ctx, body).await?;
    if !input.is_object() {
        return Err(schema("Invalid input type."));
    }
    let mut st = app.state();
    let mut c = community_by_uuid(&st, id)?.clone();
    let caller = caller_role(&c, ctx)?;
    let users = named_users(&input, false)?;
    for u in &users {
        let Some(m) = c.members.iter().find(|m| m.user == *u) else {
            return Err(invalid_member());
        };
        if ctx.user != Some(*u) && !manages_role(caller.as_deref(), &m.role) {
            return Err(ApiError::forbidden());
        }
    }
    c.members.retain(|m| !users.contains(&m.user));
    if !c.members.iter().any(|m| m.role == "owner") {
        return Err(schema("A community must have at least one owner."));
    }
    c.updated = util::now();
    app.persist("communities", &c.id, &c)?;
    st.communities.insert(c.id.clone(), c);
    Ok(util::no_content())
}

/// `POST /api/communities/{id}/members`: only groups are added directly (users are
/// invited); the sandbox has no groups, so any group is unknown, which the real servers
/// answer as an entity already a member.
pub(crate) async fn add(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let input = json_body_or_empty(app, ctx, body).await?;
    let st = app.state();
    let c = community_by_uuid(&st, id)?;
    caller_role(c, ctx)?;
    role_of_input(&input)?.ok_or_else(|| {
        ApiError::validation(vec![(
            "role".into(),
            "Missing data for required field.".into(),
        )])
    })?;
    let list = input.get("members").and_then(Value::as_array);
    if list.is_some_and(|l| {
        l.iter()
            .any(|m| m.get("type").and_then(Value::as_str) != Some("group"))
    }) {
        return Err(ApiError::forbidden());
    }
    Err(already(ctx))
}

/// `POST /api/communities/{id}/invitations`: owners and managers invite users with a role
/// (only owners invite owners); a `community-invitation` request goes to each, its message
/// the first comment. 204, no request id.
pub(crate) async fn invite(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let input = json_body_or_empty(app, ctx, body).await?;
    let mut st = app.state();
    let c = community_by_uuid(&st, id)?.clone();
    let caller = caller_role(&c, ctx)?;
    if !matches!(caller.as_deref(), Some("owner" | "manager")) {
        return Err(ApiError::forbidden());
    }
    let user = ctx.require_user()?;
    let users = named_users(&input, true)?;
    let role = role_of_input(&input)?.ok_or_else(|| {
        ApiError::validation(vec![(
            "role".into(),
            "Missing data for required field.".into(),
        )])
    })?;
    if !manages_role(caller.as_deref(), &role) {
        return Err(ApiError::forbidden());
    }
    if input.get("visible").and_then(Value::as_bool) == Some(true) {
        return Err(schema("Must be false"));
    }
    for u in &users {
        let pending = st.requests.values().any(|r| {
            r.is_open()
                && r.receiving_user() == Some(*u)
                && r.invitation.as_ref().is_some_and(|i| i.community == c.id)
        });
        if st.user(*u).is_none() || c.role_of(Some(*u)).is_some() || pending {
            return Err(already(ctx));
        }
    }
    let title = c
        .metadata
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let expires = in_30_days();
    for u in users {
        let mut receiver = serde_json::Map::new();
        receiver.insert("user".into(), json!(u.to_string()));
        crate::requests::new_invitation(
            app,
            &mut st,
            &format!("Invitation to join \"{title}\""),
            user,
            receiver,
            Invitation {
                community: c.id.clone(),
                role: role.clone(),
                expires_at: expires.clone(),
            },
            input.get("message").and_then(Value::as_str),
        )?;
    }
    Ok(util::no_content())
}

/// `GET /api/communities/{id}/invitations` (owners and managers): every invitation sent,
/// pending or not.
pub(crate) fn invitations(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let st = app.state();
    let c = community_by_uuid(&st, id)?;
    if !ctx.admin && !st.manages(&c.id, ctx.user) {
        return Err(ApiError::forbidden());
    }
    let docs: Vec<Value> = st
        .requests
        .values()
        .filter_map(|r| {
            r.invitation
                .as_ref()
                .filter(|i| i.community == c.id)
                .map(|i| (r, i))
        })
        .map(|(r, i)| {
            let open = r.is_open();
            pending_hit(
                &st,
                ctx,
                c,
                r,
                r.receiving_user().unwrap_or_default(),
                i,
                "community-invitation",
                &["cancel"],
                json!({"can_cancel": open, "can_update_role": open}),
            )
        })
        .collect();
    let base = format!("{}/communities/{}/invitations", ctx.api, c.id);
    drop(st);
    crate::communities::member_list(
        ctx,
        docs,
        &base,
        json!({
            "role": {"buckets": [], "label": "Role"},
            "status": {"buckets": [], "label": "Status"},
            "is_open": {"buckets": [], "label": "Status"},
        }),
    )
}

/// `POST /api/communities/{id}/membership-requests` `{"message"}`: a user who is not a member
/// asks to join a community whose member policy is open, where the instance allows it
/// (`COMMUNITIES_ALLOW_MEMBERSHIP_REQUESTS`, off on a stock instance: 403 for everyone). The
/// answer is the `community-membership-request`, 201; one pending request a user.
pub(crate) async fn request_membership(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let input = json_body_or_empty(app, ctx, body).await?;
    let mut st = app.state();
    let c = community_by_uuid(&st, id)?.clone();
    let open = c.access.get("member_policy").and_then(Value::as_str) == Some("open");
    if !app.limits.membership_requests || !open || c.role_of(ctx.user).is_some() {
        return Err(ApiError::forbidden());
    }
    let user = ctx.require_user()?;
    let pending = st.requests.values().any(|r| {
        r.is_open()
            && r.created_by == user
            && r.joining.as_ref().is_some_and(|j| j.community == c.id)
    });
    if pending {
        return Err(already(ctx));
    }
    let title = c
        .metadata
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("");
    let expires = in_30_days();
    let r = crate::requests::new_membership_request(
        app,
        &mut st,
        &format!("Request to join \"{title}\""),
        user,
        Invitation {
            community: c.id.clone(),
            role: "reader".into(),
            expires_at: expires,
        },
        input.get("message").and_then(Value::as_str),
    )?;
    Ok(util::json_response(
        StatusCode::CREATED,
        &render::request(&st, &r, ctx),
    ))
}

/// `GET /api/communities/{id}/membership-requests` (v14; v13 has only the `POST`): the
/// requests to join, pending or not, for the community's owners and managers, where the
/// instance allows them (403 for everyone otherwise).
pub(crate) fn membership_requests(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    if ctx.rdm_version < 14 {
        return util::not_allowed();
    }
    let st = app.state();
    let c = community_by_uuid(&st, id)?;
    let open = c.access.get("member_policy").and_then(Value::as_str) == Some("open");
    if !app.limits.membership_requests || !open || !(ctx.admin || st.manages(&c.id, ctx.user)) {
        return Err(ApiError::forbidden());
    }
    let docs: Vec<Value> = st
        .requests
        .values()
        .filter_map(|r| {
            r.joining
                .as_ref()
                .filter(|j| j.community == c.id)
                .map(|j| (r, j))
        })
        .map(|(r, j)| {
            pending_hit(
                &st,
                ctx,
                c,
                r,
                r.created_by,
                j,
                "community-membership-request",
                &["accept", "decline"],
                json!({"can_update_role": r.is_open()}),
            )
        })
        .collect();
    let base = format!("{}/communities/{}/membership-requests", ctx.api, c.id);
    drop(st);
    crate::communities::member_list(
        ctx,
        docs,
        &base,
        json!({
            "role": {"buckets": [], "label": "Role"},
            "status": {"buckets": [], "label": "Status"},
        }),
    )
}
