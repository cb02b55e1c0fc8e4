//! A single-stream upload: `PUT …/content` (the body streamed into a blob) and
//! `POST …/commit`.

use axum::body::Body;
use axum::http::{StatusCode, header};
use serde_json::{Value, json};

use crate::app::{App, Ctx};
use crate::render::{self, bucket};
use crate::util::{self, ApiError, ApiResult, json_response};

use super::blob::receive;
use super::multipart::commit_parts;
use super::{mark_completed, no_file, owned_draft, too_large, unlocked_draft};

/// The limits an upload to a draft meets: the quota an administrator set for the record (or
/// its owner), else the instance's (`Limits::max_record_bytes`, `Limits::max_file_size`),
/// less what the draft's other completed files hold.
fn limits(app: &App, id: &str, key: &str) -> crate::quota::Limits {
    let st = app.state();
    let used: u64 = st
        .bucket(&bucket(id, true))
        .iter()
        .filter(|f| f.key != key && f.status == "completed")
        .filter_map(|f| f.size)
        .sum();
    let (quota, max_file_size) = match st
        .drafts
        .get(id)
        .and_then(|d| crate::quota::quota_of(&st, &d.parent_id, d.owner))
    {
        Some(q) => (q.quota_size, q.max_file_size),
        None => (app.limits.max_record_bytes, app.limits.max_file_size),
    };
    crate::quota::Limits {
        quota_left: quota.saturating_sub(used),
        max_file_size,
    }
}

/// `PUT …/content`: streams the body to a temporary blob, hashing it; renamed when complete.
pub(super) async fn upload(app: &App, ctx: &Ctx, id: &str, key: &str, body: Body) -> ApiResult {
    // The entry this upload is for: it must still be this one, pending and unlocked, when the
    // bytes have arrived.
    let file_id = {
        let mut st = app.state();
        unlocked_draft(&st, ctx, id)?;
        let k = (bucket(id, true), key.to_string());
        let f = st.files.get(&k).ok_or_else(|| no_file(id, key))?;
        if f.multipart.is_some() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                "This file is uploaded in parts: send each part to its URL in links.parts.",
            ));
        }
        if f.status == "completed" {
            // The real server drops the entry and reports a failed transfer.
            if let Some(f) = st.files.remove(&k) {
                app.unpersist("files", &f.row_id())?;
                for b in f.blobs() {
                    app.drop_blob(b);
                }
            }
            return Ok(json_response(
                StatusCode::OK,
                &json!({"errors": "File upload transfer failed."}),
            ));
        }
        f.file_id.clone()
    };
    app.counters
        .uploads_begun
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    if let Some(ct) = ctx
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        let mime = ct
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        if mime != "application/octet-stream" && !mime.is_empty() {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "Invalid 'Content-Type' header. Expected one of: application/octet-stream",
            ));
        }
    }
    let declared: Option<u64> = ctx
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.parse().ok());
    if declared.is_some_and(|l| l > app.limits.max_content_length) {
        return Err(too_large(body).await);
    }
    // Refused on the declared length, before a byte is read, with the binding limit's reason.
    let (limit, reason) = limits(app, id, key).binding();
    if declared.is_some_and(|l| l > limit) {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, reason));
    }
    let (blob, size, md5) = match receive(app, body, declared, (limit, reason)).await {
        Ok(r) => r,
        Err(err) => {
            // A failed transfer removes the entry, as on the real server.
            let mut st = app.state();
            let k = (bucket(id, true), key.to_string());
            if st
                .files
                .get(&k)
                .is_some_and(|f| f.file_id == file_id && f.status == "pending")
                && let Some(f) = st.files.remove(&k)
            {
                app.unpersist("files", &f.row_id())?;
                for b in f.blobs() {
                    app.drop_blob(b);
                }
            }
            return Err(err);
        }
    };
    let entry = {
        let mut st = app.state();
        let locked = st.drafts.get(id).is_none_or(|d| d.locked);
        let k = (bucket(id, true), key.to_string());
        let current = st
            .files
            .get_mut(&k)
            .filter(|f| !locked && f.file_id == file_id && f.status == "pending");
        let Some(f) = current else {
            // The entry was committed, replaced, deleted or locked meanwhile: this upload must
            // not change it.
            app.drop_blob(blob);
            return Ok(json_response(
                StatusCode::OK,
                &json!({"errors": "File upload transfer failed."}),
            ));
        };
        let old = f.blob.replace(blob);
        f.size = Some(size);
        f.md5 = Some(md5);
        f.updated = util::now();
        let f = f.clone();
        app.persist("files", &f.row_id(), &f)?;
        if let Some(b) = old {
            app.drop_blob(b);
        }
        render::file_entry(&f, id, true, ctx)
    };
    Ok(json_response(StatusCode::OK, &entry))
}

/// `POST …/commit`.
pub(super) async fn commit(app: &App, ctx: &Ctx, id: &str, key: &str) -> ApiResult {
    let is_multipart = {
        let st = app.state();
        st.files
            .get(&(bucket(id, true), key.to_string()))
            .is_some_and(|f| f.multipart.is_some())
    };
    if is_multipart {
        return commit_parts(app, ctx, id, key).await;
    }
    let mut st = app.state();
    owned_draft(&st, ctx, id)?;
    let f = st
        .files
        .get_mut(&(bucket(id, true), key.to_string()))
        .ok_or_else(|| no_file(id, key))?;
    if f.remote.is_some() {
        // Nothing to commit: the answer is the entry, touched.
        f.updated = util::now();
    } else if f.blob.is_none() {
        // The real server raises a bare exception here.
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error",
        ));
    }
    mark_completed(f);
    let f = f.clone();
    app.persist("files", &f.row_id(), &f)?;
    let mut entry = render::file_entry(&f, id, true, ctx);
    if f.metadata.is_null() {
        // The commit response shows `null` where listings show `{}`.
        entry["metadata"] = Value::Null;
    }
    Ok(json_response(StatusCode::OK, &entry))
}
