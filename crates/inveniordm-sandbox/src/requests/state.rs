//! The request state machine: a new request, stored; what accepting one does; declining
//! and cancelling; the automatic acceptance of what may be included directly.

use serde_json::{Map, Value, json};

use crate::app::App;
use crate::model::{Grant, Request, State};
use crate::util::{self, ApiError, ApiResult};

use super::SYSTEM;
use super::comments::{add_event, log_event};

pub(super) fn save(app: &App, st: &mut State, r: Request) -> ApiResult<()> {
    app.persist("requests", &r.id, &r)?;
    st.requests.insert(r.id.clone(), r);
    Ok(())
}

/// A new request, not yet stored.
pub(super) fn new_request(
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
        invitation: None,
        subcommunity: None,
        joining: None,
        created: now.clone(),
        updated: now,
        revision_id: 2,
    }
}

pub(super) fn community_receiver(id: &str) -> Map<String, Value> {
    let mut m = Map::new();
    m.insert("community".into(), json!(id));
    m
}

/// Carries out what accepting a request means, then marks it accepted.
pub(super) fn accept(app: &App, st: &mut State, r: Request, user: i64) -> ApiResult<Request> {
    if let Some(child) = r.subcommunity.clone() {
        let parent = r.community().map(str::to_string);
        if let Some(c) = st.communities.get_mut(&child) {
            c.parent = parent;
            let c = c.clone();
            app.persist("communities", &c.id, &c)?;
        }
        return mark_accepted(app, st, r, user);
    }
    let joiner = match (&r.invitation, &r.joining) {
        (Some(inv), _) => Some((
            inv.clone(),
            r.receiving_user().ok_or_else(ApiError::invalid_input)?,
        )),
        (None, Some(j)) => Some((j.clone(), r.created_by)),
        _ => None,
    };
    if let Some((inv, invitee)) = joiner {
        // The invitee (or the user who asked) joins with the role offered now, hidden.
        if let Some(c) = st.communities.get_mut(&inv.community) {
            c.members.retain(|m| m.user != invitee);
            c.members.push(crate::model::Membership {
                id: r.id.clone(),
                user: invitee,
                role: inv.role.clone(),
                visible: false,
                created: util::now(),
            });
            let c = c.clone();
            app.persist("communities", &c.id, &c)?;
        }
        return mark_accepted(app, st, r, user);
    }
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
    mark_accepted(app, st, r, user)
}

/// Marks a request accepted (what accepting it means is done): stored, and logged in its
/// timeline.
fn mark_accepted(app: &App, st: &mut State, mut r: Request, user: i64) -> ApiResult<Request> {
    r.status = "accepted".into();
    r.updated = util::now();
    r.revision_id += 1;
    save(app, st, r.clone())?;
    log_event(app, st, &r.id, "accepted", user)?;
    Ok(r)
}

/// Declines or cancels a request; a cancelled submission leaves its draft without review.
pub(super) fn close(
    app: &App,
    st: &mut State,
    mut r: Request,
    status: &str,
    user: i64,
) -> ApiResult<Request> {
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

/// Accepts at once what the caller may include directly, with the server's note.
pub(super) fn auto_accept(app: &App, st: &mut State, r: Request) -> ApiResult<Request> {
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

/// A record-deletion request the server accepted at once (an owner's deletion within the
/// grace period); the caller deletes the record.
pub(crate) fn accepted_deletion(
    app: &App,
    st: &mut State,
    record: &crate::model::Doc,
    user: i64,
    payload: Map<String, Value>,
) -> ApiResult<Request> {
    let title = record
        .metadata
        .get("title")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    accepted_request(app, st, "record-deletion", &title, record, user, payload)
}

/// A request of `kind` about `record`, made by `user` and accepted at once by the system (a
/// policy of the instance allowed it): record deletions and file modifications.
pub(crate) fn accepted_request(
    app: &App,
    st: &mut State,
    kind: &str,
    title: &str,
    record: &crate::model::Doc,
    user: i64,
    payload: Map<String, Value>,
) -> ApiResult<Request> {
    let mut r = new_request(st, kind, title, user, Map::new(), &record.id);
    r.payload = Some(payload);
    r.status = "accepted".into();
    r.revision_id = 3;
    save(app, st, r.clone())?;
    log_event(app, st, &r.id, "accepted", SYSTEM)?;
    Ok(r)
}

/// Sends an invitation: a `community-invitation` request, submitted at once, to the user in
/// `receiver`, from the community in `invitation` (sent by `user`, whose message is its first
/// comment).
pub(crate) fn new_invitation(
    app: &App,
    st: &mut State,
    title: &str,
    user: i64,
    receiver: Map<String, Value>,
    invitation: crate::model::Invitation,
    message: Option<&str>,
) -> ApiResult<Request> {
    let mut r = new_request(
        st,
        "community-invitation",
        title,
        user,
        receiver,
        &invitation.community,
    );
    r.status = "submitted".into();
    r.invitation = Some(invitation);
    save(app, st, r.clone())?;
    if let Some(m) = message.filter(|m| !m.trim().is_empty()) {
        let mut p = Map::new();
        p.insert("content".into(), json!(m));
        p.insert("format".into(), json!("html"));
        add_event(app, st, &r.id, "C", p, user)?;
    }
    Ok(r)
}

/// A subcommunity's request to join `parent`, by `user` for the community `child`: accepted at
/// once when the caller manages the parent too (or is an administrator), submitted otherwise.
pub(crate) fn new_join_request(
    app: &App,
    st: &mut State,
    title: &str,
    user: i64,
    parent: &str,
    child: &str,
    at_once: bool,
) -> ApiResult<Request> {
    let mut r = new_request(
        st,
        "subcommunity",
        title,
        user,
        community_receiver(parent),
        child,
    );
    r.status = "submitted".into();
    r.subcommunity = Some(child.to_string());
    save(app, st, r.clone())?;
    if at_once {
        return accept(app, st, r, user);
    }
    Ok(r)
}

/// A user's request to join a community (`community-membership-request`), submitted, with the
/// user's message as its first comment.
pub(crate) fn new_membership_request(
    app: &App,
    st: &mut State,
    title: &str,
    user: i64,
    joining: crate::model::Invitation,
    message: Option<&str>,
) -> ApiResult<Request> {
    let community = joining.community.clone();
    let mut r = new_request(
        st,
        "community-membership-request",
        title,
        user,
        community_receiver(&community),
        &community,
    );
    r.status = "submitted".into();
    r.joining = Some(joining);
    save(app, st, r.clone())?;
    if let Some(m) = message.filter(|m| !m.trim().is_empty()) {
        let mut p = Map::new();
        p.insert("content".into(), json!(m));
        p.insert("format".into(), json!("html"));
        add_event(app, st, &r.id, "C", p, user)?;
    }
    Ok(r)
}
