//! Communities and their members as the API serves them.

use serde_json::{Value, json};

use crate::app::Ctx;
use crate::model::State;

/// A community as the API serves it.
pub fn community(st: &State, c: &crate::model::Community, ctx: &Ctx) -> Value {
    let api = format!("{}/communities/{}", ctx.api, c.id);
    let html = format!("{}/communities/{}", ctx.ui, c.slug);
    let mut out = community_v13(c, &api, &html);
    out["children"] = json!({"allow": c.children_allowed});
    if c.children_allowed {
        out["links"]["subcommunities"] = json!(format!("{api}/subcommunities"));
    }
    // A subcommunity shows its parent whole (without the parent's links).
    if let Some(p) = c.parent.as_ref().and_then(|p| st.communities.get(p)) {
        let papi = format!("{}/communities/{}", ctx.api, p.id);
        let phtml = format!("{}/communities/{}", ctx.ui, p.slug);
        let mut parent = community_v13(p, &papi, &phtml);
        parent["links"] = json!({});
        parent["children"] = json!({"allow": p.children_allowed});
        if !ctx.admin
            && let Some(o) = parent.as_object_mut()
        {
            o.remove("is_verified");
        }
        out["parent"] = parent;
    }
    if ctx.rdm_version >= 14 {
        out["links"]["collection_trees"] = json!(format!("{api}/collection-trees"));
    }
    // Whether it is verified, and where it is featured, is for administrators' eyes.
    if !ctx.admin {
        if let Some(o) = out.as_object_mut() {
            o.remove("is_verified");
        }
        if let Some(l) = out["links"].as_object_mut() {
            l.remove("featured");
        }
    }
    out
}

fn community_v13(c: &crate::model::Community, api: &str, html: &str) -> Value {
    json!({
        "id": c.id,
        "created": c.created,
        "updated": c.updated,
        "links": {
            "featured": format!("{api}/featured"),
            "self": api,
            "self_html": format!("{html}/"),
            "settings_html": format!("{html}/settings"),
            "logo": format!("{api}/logo"),
            "rename": format!("{api}/rename"),
            "members": format!("{api}/members"),
            "public_members": format!("{api}/members/public"),
            "invitations": format!("{api}/invitations"),
            "requests": format!("{api}/requests"),
            "records": format!("{api}/records"),
            "membership_requests": format!("{api}/membership-requests"),
        },
        "revision_id": c.revision_id,
        "slug": c.slug,
        "metadata": c.metadata,
        "access": c.access,
        "custom_fields": c.custom_fields,
        "is_verified": false,
        "deletion_status": {"is_deleted": false, "status": "P"},
        "children": {"allow": false},
    })
}

/// A community member as the API serves it.
/// A user as a member entity: `{"type": "user", "id", "name", "description", "avatar"}`.
pub fn member_entity(st: &State, user: i64, ctx: &Ctx) -> Value {
    let name = st.user(user).map(|u| u.name.clone()).unwrap_or_default();
    json!({
        "type": "user",
        "id": user.to_string(),
        "name": name,
        "description": "",
        "avatar": format!("{}/users/{}/avatar.svg", ctx.api, user),
    })
}

pub fn member(st: &State, m: &crate::model::Membership, ctx: &Ctx) -> Value {
    let me = ctx.user == Some(m.user);
    let mut out = json!({
        "id": m.id,
        "member": member_entity(st, m.user, ctx),
        "role": m.role,
        "visible": m.visible,
        "is_current_user": me,
        "permissions": {
            "can_leave": me,
            "can_delete": !me && m.role != "owner",
            "can_update_role": !me && m.role != "owner",
            "can_update_visible": me,
        },
        "created": m.created,
        "updated": m.created,
        "revision_id": 1,
    });
    if ctx.rdm_version >= 14 {
        out["group_notification_enabled"] = Value::Null;
        out["permissions"]["can_update_group_notification"] = json!(false);
        out["links"] = json!({});
    }
    out
}
