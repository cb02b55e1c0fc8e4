//! Storage quotas: an administrator sets a record's (`POST /api/records/{id}/quota`) or a
//! user's (`POST /api/users/{id}/quota`, a route without the `/records` prefix, as on the real
//! servers); uploads past them are refused with the server's own reasons. On v14 an owner may
//! ask for more (`POST /api/records/{id}/quota-increase`), which a stock instance refuses.

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::app::{App, Ctx, json_body_or_empty};
use crate::model::{Quota, State};
use crate::util::{ApiError, ApiResult, json_response};

/// The limits a draft's uploads meet: the record's quota, else its owner's, else the
/// instance's; each with the reason the server gives when it is what refuses a file.
pub(crate) struct Limits {
    /// Bytes the bucket may still take.
    pub quota_left: u64,
    /// The largest file.
    pub max_file_size: u64,
}

impl Limits {
    /// The smaller limit and the reason the server gives for it (`Bucket quota exceeded.`
    /// or `Maximum file size exceeded.`, as invenio-files-rest words them).
    pub fn binding(&self) -> (u64, &'static str) {
        if self.quota_left < self.max_file_size {
            (self.quota_left, "Bucket quota exceeded.")
        } else {
            (self.max_file_size, "Maximum file size exceeded.")
        }
    }
}

/// The quota of a draft's files: its parent's, else its owner's (a user's quota is the one
/// their new records get), when an administrator set one.
pub(crate) fn quota_of<'a>(st: &'a State, parent: &str, owner: i64) -> Option<&'a Quota> {
    st.quotas
        .get(&format!("parent:{parent}"))
        .or_else(|| st.quotas.get(&format!("user:{owner}")))
}

/// Reads and checks a quota body: both sizes required, whole non-negative numbers.
fn quota_input(id: String, input: &Value) -> ApiResult<Quota> {
    let mut errors = Vec::new();
    let mut size = |field: &str| match input.get(field) {
        None | Some(Value::Null) => {
            errors.push((field.to_string(), "Missing data for required field.".into()));
            0
        }
        Some(v) => match v.as_u64() {
            Some(n) => n,
            None => {
                errors.push((field.to_string(), "Not a valid integer.".into()));
                0
            }
        },
    };
    let quota_size = size("quota_size");
    let max_file_size = size("max_file_size");
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    Ok(Quota {
        id,
        quota_size,
        max_file_size,
        notes: input
            .get("notes")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string(),
    })
}

fn store(app: &App, st: &mut State, q: Quota) -> ApiResult {
    app.persist("quotas", &q.id, &q)?;
    st.quotas.insert(q.id.clone(), q);
    Ok(json_response(StatusCode::OK, &json!({})))
}

/// `POST /api/records/{id}/quota` (a draft's or a record's id; administrators): the quota of
/// every version's files.
pub(crate) async fn set_record_quota(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let input = json_body_or_empty(app, ctx, body).await?;
    let mut st = app.state();
    let parent = st
        .drafts
        .get(id)
        .or_else(|| st.records.get(id))
        .map(|d| d.parent_id.clone())
        .ok_or_else(ApiError::pid_not_found)?;
    if !app.is_admin(ctx.user) {
        return Err(ApiError::forbidden());
    }
    let q = quota_input(format!("parent:{parent}"), &input)?;
    store(app, &mut st, q)
}

/// `POST /api/users/{id}/quota` (administrators): the quota of the records the user makes
/// from now on. An unknown user is answered 500, as the real servers do.
pub(crate) async fn set_user_quota(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    let input = json_body_or_empty(app, ctx, body).await?;
    if !app.is_admin(ctx.user) {
        return Err(ApiError::forbidden());
    }
    let q = quota_input(format!("user:{id}"), &input)?;
    let mut st = app.state();
    if !st.users.iter().any(|u| u.id.to_string() == id) {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.",
        ));
    }
    store(app, &mut st, q)
}

/// `POST /api/records/{id}/quota-increase` (v14): an owner's request for more room, which a
/// stock instance refuses to everyone (`RDM_IMMEDIATE_QUOTA_INCREASE_ENABLED` is off). v13
/// has no such route.
pub(crate) fn quota_increase(app: &App, id: &str) -> ApiResult {
    if app.limits.rdm_version < 14 {
        return Err(ApiError::route_not_found());
    }
    let st = app.state();
    if !st.records.contains_key(id) && !st.drafts.contains_key(id) {
        return Err(ApiError::pid_not_found());
    }
    Err(ApiError::forbidden())
}
