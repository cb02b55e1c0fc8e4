//! Requests, the actions open to a user, and timeline events as the API serves them.

use serde_json::{Map, Value, json};

use crate::app::Ctx;
use crate::model::State;

/// The actions a user may take on a request now.
pub fn request_actions(
    st: &State,
    r: &crate::model::Request,
    user: Option<i64>,
    admin: bool,
) -> Vec<&'static str> {
    ["submit", "accept", "decline", "cancel"]
        .into_iter()
        .filter(|a| st.may_act(r, user, admin, a) && r.next_status(a).is_some())
        .collect()
}

/// A request as the API serves it to `ctx`'s user.
pub fn request(st: &State, r: &crate::model::Request, ctx: &Ctx) -> Value {
    let api = format!("{}/requests/{}", ctx.api, r.id);
    let mut actions = Map::new();
    for a in request_actions(st, r, ctx.user, ctx.admin) {
        actions.insert(a.into(), json!(format!("{api}/actions/{a}")));
    }
    let html = if r.kind == "user-access-request" {
        format!("{}/access/requests/{}", ctx.ui, r.id)
    } else {
        format!("{}/requests/{}", ctx.ui, r.id)
    };
    let links = json!({
        "actions": actions,
        "comments": format!("{api}/comments"),
        "self": api,
        "self_html": html,
        "timeline": format!("{api}/timeline"),
    });
    let closed = matches!(
        r.status.as_str(),
        "accepted" | "declined" | "cancelled" | "expired"
    );
    let mut out = json!({
        "created": r.created,
        "created_by": {"user": r.created_by.to_string()},
        "expires_at": null,
        "id": r.id,
        "is_closed": closed,
        "is_expired": r.status == "expired",
        "is_open": r.is_open(),
        "links": links,
        "number": format!("{:x}", r.number),
        "receiver": r.receiver,
        "reviewers": [],
        "revision_id": r.revision_id,
        "status": r.status,
        "title": r.title,
        "topic": {"record": r.topic},
        "type": r.kind,
        "updated": r.updated,
    });
    if let Some(p) = &r.payload {
        out["payload"] = json!(p);
    }
    if let Some(child) = &r.subcommunity {
        out["created_by"] = json!({"community": child});
        out["topic"] = json!({"community": child});
    }
    if let Some(j) = &r.joining {
        out["topic"] = json!({"community": j.community});
        out["expires_at"] = json!(j.expires_at);
        out["is_expired"] = json!(false);
    }
    if let Some(inv) = &r.invitation {
        out["created_by"] = json!({"community": inv.community});
        out["topic"] = json!({"community": inv.community});
        out["expires_at"] = json!(inv.expires_at);
        out["is_expired"] = json!(false);
        let mut role = inv.role.clone();
        if let Some(first) = role.get_mut(0..1) {
            first.make_ascii_uppercase();
        }
        out["description"] = json!(format!("You will join as \"{role}\"."));
    }
    if ctx.rdm_version >= 14 {
        // v14: attachments, lockable conversations, threaded replies.
        if let Some(o) = out.as_object_mut() {
            o.remove("reviewers");
        }
        out["files"] = json!({"enabled": true});
        let events = st.timeline(&r.id);
        let last = events.iter().rev().find(|e| e.kind == "C");
        out["last_activity_at"] = json!(
            events
                .last()
                .map(|e| e.created.clone())
                .unwrap_or_else(|| r.updated.clone())
        );
        out["last_reply"] = match last {
            Some(e) => json!({
                "created": e.created,
                "created_by": event_author(e),
                "id": e.id,
                "links": {},
                "parent_id": null,
                "permissions": {},
                "revision_id": e.revision_id,
                "type": e.kind,
                "updated": e.updated,
            }),
            None => Value::Null,
        };
        out["links"]["lock"] = json!(format!("{api}/lock"));
        out["links"]["unlock"] = json!(format!("{api}/unlock"));
        out["links"]["timeline_focused"] = json!(format!("{api}/timeline_focused"));
    }
    out
}

fn event_author(e: &crate::model::Event) -> Value {
    if e.created_by < 0 {
        json!({"user": "system"})
    } else {
        json!({"user": e.created_by.to_string()})
    }
}

/// A timeline event or comment as the API serves it to `ctx`'s user.
pub fn event(e: &crate::model::Event, ctx: &Ctx) -> Value {
    let mine = ctx.user == Some(e.created_by);
    let mut out = json!({
        "id": e.id,
        "created": e.created,
        "updated": e.updated,
        "links": {"self": format!("{}/requests/{}/comments/{}", ctx.api, e.request, e.id)},
        "revision_id": e.revision_id,
        "type": e.kind,
        "created_by": event_author(e),
        "payload": e.payload,
    });
    if e.kind == "C" {
        out["permissions"] = json!({"can_update_comment": mine, "can_delete_comment": mine});
    }
    if ctx.rdm_version >= 14 {
        let comment = format!("{}/requests/{}/comments/{}", ctx.api, e.request, e.id);
        out["parent_id"] = json!(e.parent);
        if e.kind == "C" {
            out["links"]["self_html"] = json!(format!(
                "{}/me/requests/{}#commentevent-{}",
                ctx.ui, e.request, e.id
            ));
            // A reply has no replies of its own: threads are one level deep.
            if e.parent.is_none() {
                out["links"]["reply"] = json!(format!("{comment}/reply"));
                out["links"]["replies"] = json!(format!("{comment}/replies"));
                out["links"]["replies_focused"] = json!(format!("{comment}/replies_focused"));
            }
            out["permissions"]["can_reply_comment"] = json!(ctx.user.is_some());
        }
    }
    out
}
