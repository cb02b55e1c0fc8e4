//! Access links and grants as the API serves them.

use serde_json::{Value, json};

/// An access link as the API serves it.
pub fn link(l: &crate::model::Link) -> Value {
    let mut v = json!({
        "id": l.id,
        "created_at": l.created_at,
        "permission": l.permission,
        "description": l.description.clone().unwrap_or_default(),
        "token": l.token,
    });
    if let Some(e) = &l.expires_at {
        v["expires_at"] = json!(e);
    }
    v
}

/// A grant as the API serves it (without its index).
pub fn grant_body(g: &crate::model::Grant) -> Value {
    json!({
        "permission": g.permission,
        "subject": {"id": g.subject_id, "type": g.subject_type},
        "origin": g.origin,
    })
}
