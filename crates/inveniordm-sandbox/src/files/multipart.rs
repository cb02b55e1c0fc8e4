//! Multipart uploads (transfer type `M`): the plan checked at init, parts written in place
//! (or as blobs of their own), and the commit that completes the file and its md5.

use axum::body::Body;
use axum::http::{StatusCode, header};
use serde_json::{Value, json};
use tokio::io::AsyncReadExt;

use crate::app::{App, Ctx};
use crate::render::{self, bucket};
use crate::util::{self, ApiError, ApiResult, json_response};

use super::blob::{BlobOut, receive, receive_at};
use super::{internal, mark_completed, no_file, owned_draft, too_large, unlocked_draft};

/// The parts and part size of a multipart init, checked against the declared size: every
/// part but the last is `part_size` bytes, the last one at least one byte.
pub(super) fn multipart_plan(transfer: &Value, size: Option<u64>) -> Result<(u32, u64), String> {
    let parts = transfer.get("parts").and_then(Value::as_u64);
    let part_size = transfer.get("part_size").and_then(Value::as_u64);
    let (Some(parts), Some(part_size), Some(size)) = (parts, part_size, size) else {
        return Err("A multipart transfer needs the size, parts and part_size.".into());
    };
    if parts == 0 || parts > 10_000 || part_size == 0 {
        return Err("parts must be 1 to 10000 and part_size at least 1.".into());
    }
    let fits = (parts - 1)
        .checked_mul(part_size)
        .is_some_and(|before| before < size)
        && parts.checked_mul(part_size).is_some_and(|all| all >= size);
    if !fits {
        return Err(format!(
            "{parts} parts of {part_size} bytes do not make a file of {size} bytes."
        ));
    }
    Ok((parts as u32, part_size))
}

/// `PUT …/content/{n}`: part `n` of a multipart upload. Every part but the last is exactly
/// `part_size` bytes; parts may come in any order, and a part sent again replaces the earlier
/// one.
pub(super) async fn upload_part(
    app: &App,
    ctx: &Ctx,
    id: &str,
    key: &str,
    n: u32,
    body: Body,
) -> ApiResult {
    let (file_id, expected, part_size, in_place, again) = {
        let st = app.state();
        unlocked_draft(&st, ctx, id)?;
        let f = st
            .files
            .get(&(bucket(id, true), key.to_string()))
            .ok_or_else(|| no_file(id, key))?;
        let (Some((parts, part_size)), Some(size)) = (f.multipart, f.declared_size) else {
            return Err(no_file(id, key));
        };
        if n == 0 || n > parts {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("Part {n} does not exist: the upload has parts 1 to {parts}."),
            ));
        }
        let expected = if n < parts {
            part_size
        } else {
            size - u64::from(parts - 1) * part_size
        };
        (
            f.file_id.clone(),
            expected,
            part_size,
            f.parts.get(&0).cloned(),
            f.parts.contains_key(&n),
        )
    };
    let declared: Option<u64> = ctx
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.parse().ok());
    if declared.is_some_and(|l| l > app.limits.max_content_length) {
        return Err(too_large(body).await);
    }
    if declared.is_some_and(|l| l != expected) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            format!("Part {n} must be {expected} bytes."),
        ));
    }
    // A body of another length than the part's is reported as such.
    let wrong_size = |e: ApiError| {
        if e.status == StatusCode::BAD_REQUEST {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("Part {n} must be {expected} bytes."),
            )
        } else {
            e
        }
    };
    if let Some(blob) = in_place {
        // Straight into the file at the part's offset: nothing to join at the commit.
        if again {
            app.prefix_hashes.part_again(&blob);
        }
        let offset = u64::from(n - 1) * part_size;
        receive_at(app, body, &app.store.blob_path(&blob), offset, expected)
            .await
            .map_err(wrong_size)?;
        let mut st = app.state();
        let k = (bucket(id, true), key.to_string());
        let Some(f) = st
            .files
            .get_mut(&k)
            .filter(|f| f.file_id == file_id && f.multipart.is_some() && f.status == "pending")
        else {
            return Ok(json_response(
                StatusCode::OK,
                &json!({"errors": "File upload transfer failed."}),
            ));
        };
        f.parts.insert(n, blob.clone());
        f.updated = util::now();
        let f = f.clone();
        app.persist("files", &f.row_id(), &f)?;
        drop(st);
        if let (Some(handle), Some((parts, part_size)), Some(size)) =
            (app.handle(), f.multipart, f.declared_size)
        {
            crate::prefix_hash::advance(
                handle,
                crate::prefix_hash::Layout {
                    row: k.clone(),
                    blob,
                    part_size,
                    parts,
                    size,
                },
            );
        }
        return Ok(json_response(
            StatusCode::OK,
            &render::file_entry(&f, id, true, ctx),
        ));
    }
    // An upload begun before parts were written in place: a blob per part, joined at the
    // commit.
    let limit = app.limits.max_file_size;
    let (blob, size, _md5) = receive(
        app,
        body,
        Some(expected),
        (limit, "File size limit exceeded."),
    )
    .await
    .map_err(wrong_size)?;
    let _ = size;
    let mut st = app.state();
    let k = (bucket(id, true), key.to_string());
    let Some(f) = st
        .files
        .get_mut(&k)
        .filter(|f| f.file_id == file_id && f.multipart.is_some() && f.status == "pending")
    else {
        app.drop_blob(blob);
        return Ok(json_response(
            StatusCode::OK,
            &json!({"errors": "File upload transfer failed."}),
        ));
    };
    if let Some(old) = f.parts.insert(n, blob) {
        app.drop_blob(old);
    }
    f.updated = util::now();
    let f = f.clone();
    app.persist("files", &f.row_id(), &f)?;
    Ok(json_response(
        StatusCode::OK,
        &render::file_entry(&f, id, true, ctx),
    ))
}

/// The blob, size and parts (count, size) of a multipart upload written in place (`None`: an
/// upload whose parts are blobs of their own).
fn parts_row_in_place(app: &App, k: &(String, String)) -> Option<(String, u64, (u32, u64))> {
    let st = app.state();
    let f = st.files.get(k)?;
    let blob = f.parts.get(&0)?.clone();
    Some((blob, f.declared_size?, f.multipart?))
}

/// Finishes the md5 of a committed multipart file and records it, unless the entry has
/// changed meanwhile: the hashing that followed the parts goes on now that every part is
/// there (from the start when it never began or went stale).
async fn hash_in_background(
    app: std::sync::Arc<App>,
    layout: crate::prefix_hash::Layout,
    file_id: String,
) {
    let (k, blob, parts) = (layout.row.clone(), layout.blob.clone(), layout.parts);
    let mut md5 = None;
    let mut restarts = 0;
    // Bounded: a minute a part (one takes well under a second), two fresh starts at most.
    for _ in 0..6000 * (u64::from(parts) + 1) {
        if let Some(m) = app.prefix_hashes.finished(&blob, parts) {
            md5 = Some(m);
            break;
        }
        if app.prefix_hashes.resume(&blob) {
            restarts += 1;
            if restarts > 2 {
                break;
            }
        }
        crate::prefix_hash::advance(app.clone(), layout.clone());
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    app.prefix_hashes.forget(&blob);
    let Some(md5) = md5 else {
        tracing::warn!(key = %k.1, "the md5 of a committed file could not be computed");
        return;
    };
    let mut st = app.state();
    if let Some(f) = st
        .files
        .get_mut(&k)
        .filter(|f| f.file_id == file_id && f.blob.as_deref() == Some(blob.as_str()))
    {
        f.md5 = Some(md5);
        let f = f.clone();
        let _ = app.persist("files", &f.row_id(), &f);
    }
}

/// Joins the parts of a multipart upload into one blob: its id, size and md5.
async fn join_parts(app: &App, parts: &[String]) -> ApiResult<(String, u64, String)> {
    let mut out = BlobOut::create(app).await.map_err(internal)?;
    let mut buf = vec![0u8; 256 * 1024];
    let copied: std::io::Result<()> = async {
        for p in parts {
            let mut input = tokio::fs::File::open(app.store.blob_path(p)).await?;
            loop {
                let n = input.read(&mut buf).await?;
                if n == 0 {
                    break;
                }
                out.write(&buf[..n]).await?;
            }
        }
        Ok(())
    }
    .await;
    if let Err(e) = copied {
        out.abandon().await;
        return Err(internal(e));
    }
    out.finish(app).await.map_err(internal)
}

/// The commit of a multipart upload: the parts joined into the file. Like the real server,
/// the answer has no checksum yet; the file's `md5:` shows from the next read on.
pub(super) async fn commit_parts(app: &App, ctx: &Ctx, id: &str, key: &str) -> ApiResult {
    let k = (bucket(id, true), key.to_string());
    let (file_id, parts) = {
        let st = app.state();
        owned_draft(&st, ctx, id)?;
        let f = st.files.get(&k).ok_or_else(|| no_file(id, key))?;
        let (count, _) = f.multipart.unwrap_or((0, 0));
        let missing: Vec<String> = (1..=count)
            .filter(|n| !f.parts.contains_key(n))
            .map(|n| n.to_string())
            .collect();
        if !missing.is_empty() {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("Parts missing: {}.", missing.join(", ")),
            ));
        }
        (
            f.file_id.clone(),
            f.parts.values().cloned().collect::<Vec<_>>(),
        )
    };
    let in_place = parts_row_in_place(app, &k);
    let layout =
        in_place.as_ref().map(
            |(blob, size, (count, part_size))| crate::prefix_hash::Layout {
                row: k.clone(),
                blob: blob.clone(),
                part_size: *part_size,
                parts: *count,
                size: *size,
            },
        );
    let (blob, size, md5) = match in_place {
        Some((blob, size, (count, _))) => {
            // Written in place: made durable, and hashed after the answer, off the request's
            // path (the real server answers `checksum: null` and computes it later too).
            let path = app.store.blob_path(&blob);
            let file = tokio::fs::OpenOptions::new()
                .write(true)
                .open(&path)
                .await
                .map_err(internal)?;
            file.set_len(size).await.map_err(internal)?;
            file.sync_all().await.map_err(internal)?;
            // Hashed as the parts came, when the last ones are done already.
            let md5 = app.prefix_hashes.finished(&blob, count);
            (blob, size, md5)
        }
        None => {
            let (b, s, m) = join_parts(app, &parts).await?;
            (b, s, Some(m))
        }
    };
    let mut st = app.state();
    let Some(f) = st
        .files
        .get_mut(&k)
        .filter(|f| f.file_id == file_id && f.multipart.is_some())
    else {
        app.drop_blob(blob);
        return Err(no_file(id, key));
    };
    for p in std::mem::take(&mut f.parts).into_values() {
        if p != blob {
            app.drop_blob(p);
        }
    }
    f.multipart = None;
    f.blob = Some(blob.clone());
    f.size = Some(size);
    let hash_later = md5.is_none();
    f.md5 = md5;
    if f.remote.is_none() {
        mark_completed(f);
    }
    let f = f.clone();
    app.persist("files", &f.row_id(), &f)?;
    drop(st);
    match (hash_later, app.handle(), layout) {
        (true, Some(handle), Some(layout)) => {
            tokio::spawn(hash_in_background(handle, layout, f.file_id.clone()));
        }
        _ => app.prefix_hashes.forget(&blob),
    }
    let mut entry = render::file_entry(&f, id, true, ctx);
    entry["checksum"] = Value::Null;
    Ok(json_response(StatusCode::OK, &entry))
}
