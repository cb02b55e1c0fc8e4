//! Requests: a draft's review (submission to a community), a record's inclusion in
//! communities, access requests; their actions, comments and timeline. This module holds
//! who may see a request and who may submit to a community; each concern is a file of its
//! own:
//!
//! * `state`: the state machine (new requests, accepting, closing);
//! * `review`: a draft's review;
//! * `actions`: reading, updating and acting on any request;
//! * `listing`: the searches of requests;
//! * `comments`: comments and the timeline;
//! * `inclusion`: a record's communities and inclusion requests;
//! * `access_request`: a user's access request to a record.

mod access_request;
mod actions;
mod comments;
mod inclusion;
mod listing;
mod review;
mod state;
mod threads;

use axum::http::StatusCode;
use serde_json::Value;

use crate::app::Ctx;
use crate::model::{Request, State};
use crate::util::{ApiError, ApiResult};

pub(crate) use self::access_request::new_access_request;
pub(crate) use self::actions::{action, delete, get, update};
pub(crate) use self::comments::{comment, delete_comment, get_comment, update_comment};
pub(crate) use self::inclusion::{
    add_communities, record_communities, remove_communities, set_default_community,
};
pub(crate) use self::listing::{community_requests, record_requests, search};
pub(crate) use self::review::{delete_review, get_review, set_review, submit_review};
pub(crate) use self::state::{
    accepted_deletion, accepted_request, new_invitation, new_join_request, new_membership_request,
};
pub(crate) use self::threads::{replies, reply, timeline, timeline_focused};

/// The author id of what the server does by itself.
pub(crate) const SYSTEM: i64 = -1;

/// Whether a user may see a request: its creator, its receiver (a community's curators), or
/// the owner of its record.
fn may_read(st: &State, r: &Request, user: Option<i64>, admin: bool) -> bool {
    let Some(u) = user else { return false };
    if r.created_by == u || admin {
        return true;
    }
    if let Some(inv) = &r.invitation
        && st.manages(&inv.community, user)
    {
        return true;
    }
    if let Some(child) = &r.subcommunity
        && st.manages(child, user)
    {
        return true;
    }
    if r.status == "created" {
        return false;
    }
    st.receives(r, user)
}

/// Refuses a submission to a community that takes them from members only.
fn check_submission_policy(
    st: &State,
    community: &str,
    user: Option<i64>,
) -> Result<(), &'static str> {
    let Some(c) = st.communities.get(community) else {
        return Err("Community not found.");
    };
    let closed = c
        .access
        .get("record_submission_policy")
        .and_then(Value::as_str)
        == Some("closed")
        || c.access.get("visibility").and_then(Value::as_str) == Some("restricted");
    if closed && c.role_of(user).is_none() {
        return Err("Submission to this community is only allowed to community members.");
    }
    Ok(())
}

fn readable<'a>(st: &'a State, ctx: &Ctx, id: &str) -> ApiResult<&'a Request> {
    let r = st
        .requests
        .get(id)
        .ok_or_else(|| ApiError::new(StatusCode::NOT_FOUND, "Not found."))?;
    if !may_read(st, r, ctx.user, ctx.admin) {
        return Err(ApiError::forbidden());
    }
    Ok(r)
}
