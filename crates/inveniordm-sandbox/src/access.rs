//! Who may see and change what: ownership of drafts and records, restricted access, secret
//! links.

use serde_json::Value;

use crate::app::Ctx;
use crate::model::{Doc, State};
use crate::util::{ApiError, ApiResult};

/// The draft with this id, if the caller may see it.
/// The draft with this id, if the caller owns it.
pub fn draft_for<'a>(st: &'a State, ctx: &Ctx, id: &str) -> ApiResult<&'a Doc> {
    let d = match st.drafts.get(id) {
        Some(d) => d,
        None => return Err(ApiError::pid_not_found()),
    };
    match ctx.user {
        Some(u) if u == d.owner => Ok(d),
        _ => Err(ApiError::forbidden()),
    }
}

/// Whether the caller holds a secret link of this record's parent.
pub(crate) fn has_link(ctx: &Ctx, d: &Doc) -> bool {
    ctx.link
        .as_ref()
        .is_some_and(|(parent, _)| *parent == d.parent_id)
}

/// Whether the caller holds a grant on this record's parent.
pub(crate) fn has_grant(st: &State, ctx: &Ctx, d: &Doc) -> bool {
    ctx.user.is_some_and(|u| {
        st.parents
            .get(&d.parent_id)
            .is_some_and(|p| p.granted(u).is_some())
    })
}

/// Whether the caller may read a published record.
pub fn can_read(st: &State, ctx: &Ctx, d: &Doc) -> bool {
    // A deleted record is read through its tombstone only (see `record_for`).
    !d.is_deleted() && may_read(st, ctx, d)
}

/// Whether the record's access settings let the caller read it, deleted or not.
pub fn may_read(st: &State, ctx: &Ctx, d: &Doc) -> bool {
    d.access.get("record").and_then(Value::as_str) != Some("restricted")
        || ctx.user == Some(d.owner)
        || has_link(ctx, d)
        || has_grant(st, ctx, d)
}

/// Whether the caller may read a record's files.
pub fn can_read_files(st: &State, ctx: &Ctx, d: &Doc) -> bool {
    can_read(st, ctx, d)
        && (d.access.get("files").and_then(Value::as_str) != Some("restricted")
            || ctx.user == Some(d.owner)
            || has_link(ctx, d)
            || has_grant(st, ctx, d))
}

/// The published record with this id (404 telling a draft-only id from an unknown one).
pub fn record_for<'a>(st: &'a State, id: &str) -> ApiResult<&'a Doc> {
    let r = any_record(st, id)?;
    if r.is_deleted() {
        return Err(ApiError::deleted(r.tombstone.as_ref()));
    }
    Ok(r)
}

/// The published record with this id, deleted or not (404 telling a draft-only id from an
/// unknown one).
pub fn any_record<'a>(st: &'a State, id: &str) -> ApiResult<&'a Doc> {
    match st.records.get(id) {
        Some(r) => Ok(r),
        None if st.drafts.contains_key(id) => Err(ApiError::pid_not_registered()),
        None => Err(ApiError::pid_not_found()),
    }
}

pub(crate) fn owned_record<'a>(st: &'a State, ctx: &Ctx, id: &str) -> ApiResult<&'a Doc> {
    let user = ctx.require_user()?;
    let r = record_for(st, id)?;
    if r.owner != user {
        return Err(ApiError::forbidden());
    }
    Ok(r)
}

/// The parent of a record or draft id, if the caller owns it.
pub(crate) fn owned_parent(st: &State, ctx: &Ctx, id: &str) -> ApiResult<String> {
    let user = ctx.require_user()?;
    let doc = st
        .records
        .get(id)
        .or_else(|| st.drafts.get(id))
        .ok_or_else(ApiError::pid_not_found)?;
    if doc.owner != user {
        return Err(ApiError::forbidden());
    }
    Ok(doc.parent_id.clone())
}
