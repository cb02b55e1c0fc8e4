//! What to do next, said after an error: a record that is a draft, a draft that is published,
//! a community that requires review, a field to set.

use crate::output;
use anyhow::Result;
use inveniordm::Client;

/// A record command given a draft's id: say so, and name the draft command. (The look-up is
/// made only after a 404, so it costs nothing when the id is right.)
pub(crate) async fn hint_record<T>(c: &Client, id: &str, r: inveniordm::Result<T>) -> Result<T> {
    hint_not_found(r, async { c.drafts().get(id).await.is_ok() }, || {
        format!(
            "{id} is a draft, not a published record: see it with `irdm draft get {id}` (files: `irdm draft files {id}`)"
        )
    })
    .await
}

/// A draft command given the id of a published record that has no draft.
pub(crate) async fn hint_draft<T>(c: &Client, id: &str, r: inveniordm::Result<T>) -> Result<T> {
    hint_not_found(r, async { c.records().get(id).await.is_ok() }, || {
        format!(
            "{id} is a published record with no draft: see it with `irdm record get {id}`; `irdm draft edit {id}` opens a draft of it to change"
        )
    })
    .await
}

/// A 404 with a hint when `other_kind` (awaited only after the 404) finds the id elsewhere.
pub(crate) async fn hint_not_found<T>(
    r: inveniordm::Result<T>,
    other_kind: impl std::future::Future<Output = bool>,
    hint: impl FnOnce() -> String,
) -> Result<T> {
    match r {
        Ok(v) => Ok(v),
        Err(e) if e.is_not_found() && other_kind.await => {
            Err(anyhow::Error::from(e).context(output::Hint(hint())))
        }
        Err(e) => Err(e.into()),
    }
}

/// For a publish refused because the repository publishes only through communities, the
/// command that submits the draft for review instead.
pub(crate) fn community_hint(id: &str, e: &inveniordm::Error) -> Option<String> {
    match e {
        inveniordm::Error::Api {
            status: 400,
            message,
            ..
        } if message.contains("without selecting a community") => Some(format!(
            "this repository publishes only through a community: submit it for review with `irdm review submit {id} --community ID_OR_SLUG` (find one with `irdm communities list`)"
        )),
        inveniordm::Error::Api {
            status: 400,
            message,
            ..
        } if message.contains("open review request") => Some(format!(
            "{id} is submitted to a community: it is published when a curator accepts (see `irdm review get {id}`), or cancel the request first"
        )),
        _ => None,
    }
}

/// For a publish refused on fields, the command that sets them.
pub(crate) fn set_hint(id: &str, e: &inveniordm::Error) -> Option<String> {
    let fields: Vec<&str> = e
        .field_errors()
        .iter()
        .map(|f| f.field_name())
        .filter(|f| f.starts_with("metadata.") || f.starts_with("custom_fields."))
        .collect();
    if fields.is_empty() {
        return None;
    }
    let sets: Vec<String> = fields.iter().map(|f| format!("--set {f}=VALUE")).collect();
    Some(format!(
        "set it with: irdm draft update {id} {}",
        sets.join(" ")
    ))
}
