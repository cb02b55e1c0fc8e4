//! A user's access request to a record, received by the record's owner.

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::app::App;
use crate::model::{Request, State};
use crate::util::{ApiError, ApiResult};

use super::comments::add_event;
use super::state::{new_request, save};

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
