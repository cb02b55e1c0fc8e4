//! File endpoints: init, content (streamed in and out, with Range), commit, metadata,
//! delete, import. This module routes them and holds what they share; each concern is a
//! file of its own:
//!
//! * `transfer`: registering keys (`POST …/draft/files`) with their transfer type;
//! * `fetch`: the HTTP client that fetches a file for a transfer of type `F`;
//! * `range`: serving a file's content, honouring a single `Range`;
//! * `blob`: request bodies streamed into content blobs;
//! * `upload`: a single-stream upload (`PUT …/content`) and its commit;
//! * `multipart`: uploads in parts (transfer type `M`) and their commit.

mod archive;
mod blob;
mod container;
mod fetch;
mod multipart;
mod range;
mod transfer;
mod upload;

use axum::body::Body;
use axum::http::{Method, StatusCode};

use crate::access::{can_read_files, draft_for, record_for};
use crate::app::{App, Ctx, json_body};
use crate::model::{Doc, FileRow, State};
use crate::render::{self, bucket};
use crate::util::{self, ApiError, ApiResult, json_response};

pub use self::transfer::init;

pub(crate) use self::archive::archive;
use self::multipart::upload_part;
use self::range::content;
use self::upload::{commit, upload};

/// A draft of the caller's (anonymous callers are refused before the look-up).
fn owned_draft<'a>(st: &'a State, ctx: &Ctx, id: &str) -> ApiResult<&'a Doc> {
    ctx.require_user()?;
    draft_for(st, ctx, id)
}

/// Whether the caller may read the files of a draft (theirs) or of a published record (as its
/// access settings say).
fn may_read_bucket(st: &State, ctx: &Ctx, id: &str, draft: bool) -> ApiResult<()> {
    if draft {
        owned_draft(st, ctx, id)?;
    } else if !can_read_files(st, ctx, record_for(st, id)?) {
        return Err(ApiError::forbidden());
    }
    Ok(())
}

/// A draft of the caller's whose files may change: an edit draft's bucket is locked (403).
fn unlocked_draft<'a>(st: &'a State, ctx: &Ctx, id: &str) -> ApiResult<&'a Doc> {
    let d = owned_draft(st, ctx, id)?;
    if d.locked {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Bucket is locked for modifications.",
        ));
    }
    Ok(d)
}

fn no_file(id: &str, key: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("Record '{id}' has no file '{key}'."),
    )
}

/// 500, for a failure of the sandbox's own storage.
fn internal<E>(_e: E) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
}

/// Marks an entry complete: status, MIME type from its key, update time.
fn mark_completed(f: &mut FileRow) {
    f.status = "completed".into();
    f.mimetype = Some(
        mime_guess::from_path(&f.key)
            .first_or_octet_stream()
            .essence_str()
            .to_string(),
    );
    f.updated = util::now();
}

/// `GET …/draft/files` and `GET …/files`.
pub fn list(app: &App, ctx: &Ctx, id: &str, draft: bool) -> ApiResult {
    let st = app.state();
    let d = if draft {
        owned_draft(&st, ctx, id)?
    } else {
        let r = record_for(&st, id)?;
        if !can_read_files(&st, ctx, r) {
            return Err(ApiError::forbidden());
        }
        r
    };
    Ok(json_response(
        StatusCode::OK,
        &render::file_listing(&st, d, draft, ctx),
    ))
}

/// `DELETE …/draft/files`: deletes every file.
pub async fn delete_all(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let mut st = app.state();
    unlocked_draft(&st, ctx, id)?;
    app.clear_bucket(&mut st, &bucket(id, true))?;
    Ok(util::no_content())
}

/// Routes `…/draft/files/{key…}[/content|/commit]`.
pub async fn draft_file(
    app: &App,
    ctx: &Ctx,
    m: &Method,
    id: &str,
    rest: &[&str],
    body: Body,
) -> ApiResult {
    let last = rest.last().copied().unwrap_or("");
    let get = *m == Method::GET || *m == Method::HEAD;
    if get && let Some((key, member)) = container::split(ctx, rest) {
        return match member {
            None => container::list(app, ctx, id, &key, true).await,
            Some(m) => container::extract(app, ctx, id, &key, &m, true).await,
        };
    }
    // `…/content/{n}`: a part of a multipart upload.
    if rest.len() > 2
        && rest[rest.len() - 2] == "content"
        && *m == Method::PUT
        && let Ok(n) = last.parse::<u32>()
    {
        let key = rest[..rest.len() - 2].join("/");
        let is_multipart = {
            let st = app.state();
            st.files
                .get(&(bucket(id, true), key.clone()))
                .is_some_and(|f| f.multipart.is_some())
        };
        if is_multipart {
            return upload_part(app, ctx, id, &key, n, body).await;
        }
    }
    if rest.len() > 1 && last == "content" {
        let key = rest[..rest.len() - 1].join("/");
        if get {
            return content(app, ctx, id, &key, true).await;
        }
        if *m == Method::PUT {
            return upload(app, ctx, id, &key, body).await;
        }
    }
    if rest.len() > 1 && last == "commit" && *m == Method::POST {
        return commit(app, ctx, id, &rest[..rest.len() - 1].join("/")).await;
    }
    let key = rest.join("/");
    match *m {
        Method::GET | Method::HEAD => {
            let st = app.state();
            owned_draft(&st, ctx, id)?;
            let f = st
                .files
                .get(&(bucket(id, true), key.clone()))
                .ok_or_else(|| no_file(id, &key))?;
            Ok(json_response(
                StatusCode::OK,
                &render::file_entry(f, id, true, ctx),
            ))
        }
        Method::PUT => {
            {
                let st = app.state();
                owned_draft(&st, ctx, id)?;
            }
            let input = json_body(app, ctx, body).await?;
            let Some(o) = input.as_object() else {
                return Err(ApiError::invalid_input());
            };
            if let Some(k) = o
                .keys()
                .find(|k| !["metadata", "access"].contains(&k.as_str()))
            {
                return Err(ApiError::validation(vec![(
                    k.clone(),
                    "Unknown field.".into(),
                )]));
            }
            let mut st = app.state();
            owned_draft(&st, ctx, id)?;
            let f = st
                .files
                .get_mut(&(bucket(id, true), key.clone()))
                .ok_or_else(|| no_file(id, &key))?;
            if let Some(md) = o.get("metadata") {
                f.metadata = md.clone();
            }
            if let Some(a) = o.get("access") {
                f.access = a.clone();
            }
            f.updated = util::now();
            let f = f.clone();
            app.persist("files", &f.row_id(), &f)?;
            Ok(json_response(
                StatusCode::OK,
                &render::file_entry(&f, id, true, ctx),
            ))
        }
        Method::DELETE => {
            {
                let mut st = app.state();
                unlocked_draft(&st, ctx, id)?;
                let f = st
                    .files
                    .remove(&(bucket(id, true), key.clone()))
                    .ok_or_else(|| no_file(id, &key))?;
                app.unpersist("files", &f.row_id())?;
                for b in f.blobs() {
                    app.drop_blob(b);
                }
            };
            Ok(util::no_content())
        }
        _ => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "The method is not allowed for the requested URL.",
        )),
    }
}

/// `GET …/files/{key…}[/content]` of a published record.
pub async fn record_file(app: &App, ctx: &Ctx, id: &str, rest: &[&str]) -> ApiResult {
    if let Some((key, member)) = container::split(ctx, rest) {
        return match member {
            None => container::list(app, ctx, id, &key, false).await,
            Some(m) => container::extract(app, ctx, id, &key, &m, false).await,
        };
    }
    if rest.len() > 1 && rest.last() == Some(&"content") {
        let key = rest[..rest.len() - 1].join("/");
        let exists = app
            .state()
            .files
            .contains_key(&(bucket(id, false), key.clone()));
        if exists
            || !app
                .state()
                .files
                .contains_key(&(bucket(id, false), rest.join("/")))
        {
            return content(app, ctx, id, &key, false).await;
        }
    }
    let key = rest.join("/");
    let st = app.state();
    let r = record_for(&st, id)?;
    if !can_read_files(&st, ctx, r) {
        return Err(ApiError::forbidden());
    }
    let f = st
        .files
        .get(&(bucket(id, false), key.clone()))
        .ok_or_else(|| no_file(id, &key))?;
    Ok(json_response(
        StatusCode::OK,
        &render::file_entry(f, id, false, ctx),
    ))
}

/// `POST …/draft/actions/files-import`: links the files of the latest published version.
pub fn import(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let mut st = app.state();
    let d = owned_draft(&st, ctx, id)?.clone();
    let err = |m: &str| ApiError::validation(vec![("files.enabled".into(), m.into())]);
    if !d.files_enabled {
        return Err(err("Files support must be enabled."));
    }
    if !st.bucket(&bucket(id, true)).is_empty() {
        return Err(err("Please remove all files first."));
    }
    let Some(latest) = st.latest_of(&d.parent_id).cloned() else {
        return Err(ApiError::pid_not_registered());
    };
    let files: Vec<FileRow> = st
        .bucket(&bucket(&latest.id, false))
        .into_iter()
        .cloned()
        .collect();
    if files.is_empty() {
        return Err(err("The record has no files."));
    }
    for mut f in files {
        f.bucket = bucket(id, true);
        f.updated = util::now();
        app.persist("files", &f.row_id(), &f)?;
        st.files.insert((f.bucket.clone(), f.key.clone()), f);
    }
    Ok(json_response(
        StatusCode::CREATED,
        &render::file_listing(&st, &d, true, ctx),
    ))
}

/// A request body larger than `MAX_CONTENT_LENGTH`, as Flask answers it; the body is read
/// and dropped first, so that the client sees the answer rather than a closed connection.
async fn too_large(body: Body) -> ApiError {
    util::drain(body).await;
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "The data value transmitted exceeds the capacity limit.",
    )
}
