//! Serving a file's content: streamed out with bounded memory, honouring a single `Range`.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use futures_util::StreamExt;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use crate::app::{App, Ctx};
use crate::render::bucket;
use crate::util::{ApiError, ApiResult, json_response};

use super::{may_read_bucket, no_file};

/// Streams a file's content (bounded memory), honouring a single `Range`.
pub(super) async fn content(app: &App, ctx: &Ctx, id: &str, key: &str, draft: bool) -> ApiResult {
    let f = {
        let st = app.state();
        may_read_bucket(&st, ctx, id, draft)?;
        st.files
            .get(&(bucket(id, draft), key.to_string()))
            .cloned()
            .ok_or_else(|| no_file(id, key))?
    };
    if let Some(url) = &f.remote {
        // Only administrators are sent on to a remote file's URL.
        if !ctx.admin {
            return Err(ApiError::forbidden());
        }
        let mut r = Response::new(Body::empty());
        *r.status_mut() = StatusCode::FOUND;
        let location = HeaderValue::from_str(url).map_err(|_| ApiError::forbidden())?;
        r.headers_mut().insert(header::LOCATION, location);
        // The real server's redirect has an empty body typed as HTML.
        r.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        );
        return Ok(r);
    }
    // The real server has no object to send until the upload is committed, and fails.
    let Some(blob) = f.blob.as_ref().filter(|_| f.status == "completed") else {
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal server error",
        ));
    };
    let path = app.store.blob_path(blob);
    // Deleted between the look-up and here: gone, as if it had never been.
    let mut file = tokio::fs::File::open(&path)
        .await
        .map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => no_file(id, key),
            _ => ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"),
        })?;
    let total = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    let (start, end, partial) = match ctx
        .headers
        .get(header::RANGE)
        .and_then(|v| v.to_str().ok())
        .and_then(|r| parse_range(r, total))
    {
        Some(Ok((s, e))) => (s, e, true),
        Some(Err(())) => {
            let mut r = json_response(
                StatusCode::RANGE_NOT_SATISFIABLE,
                &json!({"status": 416, "message": "Requested Range Not Satisfiable"}),
            );
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{total}")) {
                r.headers_mut().insert(header::CONTENT_RANGE, v);
            }
            return Ok(r);
        }
        None => (0, total.saturating_sub(1), false),
    };
    let len = if total == 0 { 0 } else { end - start + 1 };
    if start > 0 {
        file.seek(std::io::SeekFrom::Start(start))
            .await
            .map_err(|_| {
                ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
            })?;
    }
    let drop_at = app.faults.roll_drop(&app.dropped).then_some(len / 2);
    app.counters
        .downloads
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    app.counters
        .bytes_sent
        .fetch_add(len, std::sync::atomic::Ordering::SeqCst);
    let stream = tokio_util::io::ReaderStream::with_capacity(file.take(len), 64 * 1024);
    let mut sent = 0u64;
    let stream = stream.map(move |chunk| {
        let chunk = chunk?;
        if let Some(at) = drop_at
            && sent + chunk.len() as u64 > at
        {
            return Err(std::io::Error::new(
                std::io::ErrorKind::ConnectionAborted,
                "injected fault: connection dropped",
            ));
        }
        sent += chunk.len() as u64;
        Ok(chunk)
    });
    let mime = f
        .mimetype
        .clone()
        .unwrap_or_else(|| "application/octet-stream".into());
    let name = key
        .rsplit('/')
        .next()
        .unwrap_or(key)
        .replace(['"', '\\', '\r', '\n'], "_");
    let mut b = Response::builder()
        .status(if partial {
            StatusCode::PARTIAL_CONTENT
        } else {
            StatusCode::OK
        })
        .header(header::CONTENT_TYPE, mime)
        .header(header::CONTENT_LENGTH, len)
        .header(header::ACCEPT_RANGES, "bytes")
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{}\"", name.escape_default()),
        )
        .header(header::LAST_MODIFIED, last_modified(&f.updated));
    if let Some(md5) = &f.md5 {
        b = b
            .header(header::ETAG, format!("\"md5:{md5}\""))
            .header("content-md5", md5.clone());
    }
    if partial {
        b = b.header(
            header::CONTENT_RANGE,
            format!("bytes {start}-{end}/{total}"),
        );
    }
    b.body(Body::from_stream(stream))
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"))
}

/// Parses `bytes=a-b`, `bytes=a-`, `bytes=-n`; `None` when absent or not a single byte range.
fn parse_range(h: &str, total: u64) -> Option<Result<(u64, u64), ()>> {
    let spec = h.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (a, b) = spec.split_once('-')?;
    let (a, b) = (a.trim(), b.trim());
    let r = if a.is_empty() {
        let n: u64 = b.parse().ok()?;
        if n == 0 || total == 0 {
            return Some(Err(()));
        }
        (total.saturating_sub(n), total - 1)
    } else {
        let s: u64 = a.parse().ok()?;
        let e: u64 = if b.is_empty() {
            total.saturating_sub(1)
        } else {
            b.parse::<u64>().ok()?.min(total.saturating_sub(1))
        };
        if s >= total || e < s {
            return Some(Err(()));
        }
        (s, e)
    };
    Some(Ok(r))
}

/// `Last-Modified` from an ISO timestamp.
fn last_modified(iso: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(iso)
        .map(|t| {
            t.with_timezone(&chrono::Utc)
                .format("%a, %d %b %Y %H:%M:%S GMT")
                .to_string()
        })
        .unwrap_or_else(|_| "Thu, 01 Jan 2026 00:00:00 GMT".into())
}
