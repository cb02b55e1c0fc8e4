//! File endpoints: init, content (streamed in and out, with Range), commit, metadata,
//! delete, import.

use axum::body::Body;
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use futures_util::StreamExt;
use md5::{Digest, Md5};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};

use crate::access::{can_read_files, draft_for, record_for};
use crate::app::{App, Ctx, json_body};
use crate::model::{Doc, FileRow, State};
use crate::render::{self, bucket};
use crate::util::{self, ApiError, ApiResult, json_response};

const MAX_FILES: usize = 100;

/// A draft of the caller's (anonymous callers are refused before the look-up).
fn owned_draft<'a>(st: &'a State, ctx: &Ctx, id: &str) -> ApiResult<&'a Doc> {
    ctx.require_user()?;
    draft_for(st, ctx, id)
}

fn no_file(id: &str, key: &str) -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        format!("Record '{id}' has no file '{key}'."),
    )
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

/// `POST …/draft/files`: registers keys.
pub async fn init(app: &App, ctx: &Ctx, id: &str, body: Body) -> ApiResult {
    {
        let st = app.state();
        owned_draft(&st, ctx, id)?;
    }
    let input = json_body(app, ctx, body).await?;
    let Some(list) = input.as_array() else {
        return Err(ApiError::invalid_input());
    };
    let mut errors = Vec::new();
    let mut rows = Vec::new();
    let now = util::now();
    for (i, item) in list.iter().enumerate() {
        let Some(o) = item.as_object() else {
            errors.push((format!("{i}"), "Invalid input type.".into()));
            continue;
        };
        for k in o.keys() {
            if ![
                "key",
                "size",
                "checksum",
                "storage_class",
                "metadata",
                "access",
                "transfer",
            ]
            .contains(&k.as_str())
            {
                errors.push((format!("{i}.{k}"), "Unknown field.".into()));
            }
        }
        let key = match o.get("key") {
            Some(Value::String(k)) if !k.is_empty() => k.clone(),
            _ => {
                errors.push((
                    format!("{i}.key"),
                    "Missing data for required field.".into(),
                ));
                continue;
            }
        };
        let declared_size = match o.get("size") {
            None | Some(Value::Null) => None,
            Some(v) => match v.as_u64() {
                Some(s) => Some(s),
                None => {
                    errors.push((format!("{i}.size"), "Not a valid integer.".into()));
                    None
                }
            },
        };
        let multipart = match o
            .get("transfer")
            .and_then(|t| t.get("type"))
            .and_then(Value::as_str)
        {
            None | Some("L") => None,
            Some("M") => match multipart_plan(&o["transfer"], declared_size) {
                Ok(plan) => Some(plan),
                Err(m) => {
                    errors.push((format!("{i}.transfer"), m));
                    None
                }
            },
            Some("F" | "R") => None,
            Some(_) => {
                errors.push((
                    format!("{i}.transfer.type"),
                    "Only local (L), fetch (F), remote (R) and multipart (M) transfers are supported by the sandbox."
                        .into(),
                ));
                None
            }
        };
        let mut url_of = |kind: &str, domains: &[String], http_only: bool| match o
            .get("transfer")
            .filter(|t| t.get("type").and_then(Value::as_str) == Some(kind))
        {
            None => None,
            Some(t) => match allowed_url(t.get("url"), domains, http_only) {
                Ok(u) => Some(u),
                Err(m) => {
                    errors.push((format!("{i}.transfer.url"), m));
                    None
                }
            },
        };
        let fetch = url_of("F", &app.limits.fetch_domains, true);
        let remote = url_of("R", &app.limits.remote_domains, false);
        let by_url = o
            .get("transfer")
            .and_then(|t| t.get("type"))
            .is_some_and(|t| t == "F" || t == "R");
        if by_url && !ctx.admin {
            // Only administrators may register files by URL on a stock instance.
            return Err(ApiError::forbidden());
        }
        rows.push(FileRow {
            bucket: bucket(id, true),
            key,
            status: "pending".into(),
            blob: None,
            size: None,
            md5: None,
            declared_size,
            declared_checksum: o
                .get("checksum")
                .and_then(Value::as_str)
                .map(str::to_string),
            mimetype: None,
            metadata: o.get("metadata").cloned().unwrap_or(Value::Null),
            access: o.get("access").cloned().unwrap_or(Value::Null),
            created: now.clone(),
            updated: now.clone(),
            file_id: util::uuid(),
            version_id: util::uuid(),
            multipart,
            // A multipart upload is written in place: its parts go straight into one blob,
            // named now and kept under part number 0 (parts are numbered from 1).
            parts: if multipart.is_some() {
                std::iter::once((0, util::random_hex(16))).collect()
            } else {
                Default::default()
            },
            fetch,
            fetch_error: None,
            remote,
        });
    }
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    let mut st = app.state();
    let d = owned_draft(&st, ctx, id)?.clone();
    if !d.files_enabled {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Files are not enabled.",
        ));
    }
    let existing = st.bucket(&bucket(id, true)).len();
    if existing + rows.len() > MAX_FILES {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "Uploading selected files will result in exceeding the max amount per record.",
        ));
    }
    for r in &rows {
        if st.files.contains_key(&(r.bucket.clone(), r.key.clone()))
            || rows.iter().filter(|x| x.key == r.key).count() > 1
        {
            return Err(ApiError::new(
                StatusCode::BAD_REQUEST,
                format!("File with key {} already exists.", r.key),
            ));
        }
    }
    let mut fetches = Vec::new();
    for mut r in rows {
        if let Some(url) = r.remote.clone() {
            remote_entry(&st, &mut r, &url);
        }
        app.persist("files", &r.row_id(), &r)?;
        if let Some(u) = &r.fetch {
            fetches.push((
                r.bucket.clone(),
                r.key.clone(),
                r.file_id.clone(),
                u.clone(),
            ));
        }
        st.files.insert((r.bucket.clone(), r.key.clone()), r);
    }
    // The server fetches in the background, as the real one does in a task.
    if let Some(handle) = app.handle() {
        for (bucket, key, file_id, url) in fetches {
            tokio::spawn(fetch_file(handle.clone(), bucket, key, file_id, url));
        }
    }
    Ok(json_response(
        StatusCode::CREATED,
        &render::file_listing(&st, &d, true, ctx),
    ))
}

/// Completes a new remote file's entry: complete at once, with the declared size and
/// checksum, or those of the file another entry registered with the same URL (the real
/// server keeps one file per URL).
fn remote_entry(st: &State, r: &mut FileRow, url: &str) {
    if let Some(same) = st.files.values().find(|f| f.remote.as_deref() == Some(url)) {
        r.file_id = same.file_id.clone();
        r.size = same.size;
        r.declared_checksum = same.declared_checksum.clone();
    } else {
        r.size = Some(r.declared_size.unwrap_or(0));
    }
    r.md5 = r
        .declared_checksum
        .as_deref()
        .and_then(|c| c.strip_prefix("md5:"))
        .map(str::to_string);
    mark_completed(r);
}

/// The URL of a fetch or remote transfer, on an allowed `host:port` (and over plain HTTP
/// when the sandbox has to fetch it itself).
fn allowed_url(url: Option<&Value>, domains: &[String], http_only: bool) -> Result<String, String> {
    let Some(u) = url.and_then(Value::as_str) else {
        return Err("Missing data for required field.".into());
    };
    let parsed = url::Url::parse(u).map_err(|_| "Not a valid URL.".to_string())?;
    let domain = match (parsed.host_str(), parsed.port_or_known_default()) {
        (Some(h), Some(p)) if parsed.port().is_some() => format!("{h}:{p}"),
        (Some(h), _) => h.to_string(),
        _ => return Err("Not a valid URL.".into()),
    };
    if !domains.contains(&domain) {
        return Err("Domain not allowed".into());
    }
    if http_only && parsed.scheme() != "http" {
        return Err("The sandbox fetches over plain HTTP only.".into());
    }
    Ok(u.to_string())
}

/// Fetches a file for a transfer of type `F` and completes its entry (or notes the error).
async fn fetch_file(
    app: std::sync::Arc<App>,
    bucket: String,
    key: String,
    file_id: String,
    url: String,
) {
    let outcome = fetch_into_blob(&app, &url).await;
    let mut st = app.state();
    let k = (bucket, key);
    let Some(f) = st
        .files
        .get_mut(&k)
        .filter(|f| f.file_id == file_id && f.status == "pending")
    else {
        if let Ok((blob, _, _)) = outcome {
            app.drop_blob(blob);
        }
        return;
    };
    match outcome {
        Ok((blob, size, md5)) => {
            f.blob = Some(blob);
            f.size = Some(size);
            f.md5 = Some(md5);
            f.fetch = None;
            mark_completed(f);
        }
        Err(e) => {
            f.status = "failed".into();
            f.fetch_error = Some(e);
            f.updated = util::now();
        }
    }
    let f = f.clone();
    let _ = app.persist("files", &f.row_id(), &f);
}

/// GET over plain HTTP/1.1 into a new blob: its id, size and md5.
async fn fetch_into_blob(app: &App, url: &str) -> Result<(String, u64, String), String> {
    use tokio::io::AsyncBufReadExt;
    let u = url::Url::parse(url).map_err(|e| e.to_string())?;
    let host = u.host_str().ok_or("no host")?.to_string();
    let port = u.port_or_known_default().unwrap_or(80);
    let path = match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    };
    let conn = tokio::time::timeout(
        std::time::Duration::from_secs(30),
        tokio::net::TcpStream::connect((host.as_str(), port)),
    )
    .await
    .map_err(|_| "connecting timed out".to_string())?
    .map_err(|e| format!("cannot connect: {e}"))?;
    let mut conn = tokio::io::BufReader::new(conn);
    conn.get_mut()
        .write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        )
        .await
        .map_err(|e| format!("cannot send: {e}"))?;
    let mut status = String::new();
    conn.read_line(&mut status)
        .await
        .map_err(|e| e.to_string())?;
    if status.split_whitespace().nth(1) != Some("200") {
        return Err(format!("the source answered {}", status.trim()));
    }
    let mut length: Option<u64> = None;
    loop {
        let mut line = String::new();
        if conn.read_line(&mut line).await.map_err(|e| e.to_string())? == 0 {
            return Err("the source closed the connection".into());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            let k = k.trim().to_ascii_lowercase();
            if k == "content-length" {
                length = v.trim().parse().ok();
            }
            if k == "transfer-encoding" && v.trim().eq_ignore_ascii_case("chunked") {
                return Err("the sandbox does not fetch chunked bodies".into());
            }
        }
    }
    let mut out = BlobOut::create(app).await.map_err(|e| e.to_string())?;
    let mut buf = vec![0u8; 256 * 1024];
    let limit = app.limits.max_file_size;
    let result: Result<(), String> = async {
        loop {
            let n = conn.read(&mut buf).await.map_err(|e| e.to_string())?;
            if n == 0 {
                break;
            }
            if out.size + n as u64 > limit {
                return Err("File size limit exceeded.".into());
            }
            out.write(&buf[..n]).await.map_err(|e| e.to_string())?;
        }
        if let Some(l) = length.filter(|l| *l != out.size) {
            return Err(format!("the source sent {} of {l} bytes", out.size));
        }
        Ok(())
    }
    .await;
    if let Err(e) = result {
        out.abandon().await;
        return Err(e);
    }
    out.finish(app).await.map_err(|e| e.to_string())
}

/// The parts and part size of a multipart init, checked against the declared size: every
/// part but the last is `part_size` bytes, the last one at least one byte.
fn multipart_plan(transfer: &Value, size: Option<u64>) -> Result<(u32, u64), String> {
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

/// `DELETE …/draft/files`: deletes every file.
pub async fn delete_all(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    let mut st = app.state();
    let d = owned_draft(&st, ctx, id)?;
    if d.locked {
        return Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "Bucket is locked for modifications.",
        ));
    }
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
                let d = owned_draft(&st, ctx, id)?;
                if d.locked {
                    return Err(ApiError::new(
                        StatusCode::FORBIDDEN,
                        "Bucket is locked for modifications.",
                    ));
                }
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

/// Streams a file's content (bounded memory), honouring a single `Range`.
async fn content(app: &App, ctx: &Ctx, id: &str, key: &str, draft: bool) -> ApiResult {
    let f = {
        let st = app.state();
        if draft {
            owned_draft(&st, ctx, id)?;
        } else {
            let r = record_for(&st, id)?;
            if !can_read_files(&st, ctx, r) {
                return Err(ApiError::forbidden());
            }
        }
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

/// Holds a request body to `rate` bytes a second (`Limits::conn_rate`; 0: no cap), as a
/// server behind a per-connection bandwidth cap does.
struct Throttle {
    rate: u64,
    started: std::time::Instant,
    bytes: u64,
}

impl Throttle {
    fn new(rate: u64) -> Self {
        Throttle {
            rate,
            started: std::time::Instant::now(),
            bytes: 0,
        }
    }

    async fn took(&mut self, n: usize) {
        if self.rate == 0 {
            return;
        }
        self.bytes += n as u64;
        let due = std::time::Duration::from_secs_f64(self.bytes as f64 / self.rate as f64);
        let spent = self.started.elapsed();
        if due > spent {
            tokio::time::sleep(due - spent).await;
        }
    }
}

/// Writes a part's body into `path` at `offset`: exactly `expected` bytes, or an error (the
/// part is then not counted; what was written is overwritten when it is sent again).
async fn receive_at(
    app: &App,
    body: Body,
    path: &std::path::Path,
    offset: u64,
    expected: u64,
) -> ApiResult<()> {
    let mut out = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(false)
        .open(path)
        .await
        .map_err(internal)?;
    out.seek(std::io::SeekFrom::Start(offset))
        .await
        .map_err(internal)?;
    let mut out = tokio::io::BufWriter::with_capacity(1 << 20, out);
    let mut stream = body.into_data_stream();
    let mut throttle = Throttle::new(app.limits.conn_rate);
    let mut got = 0u64;
    while let Some(chunk) = stream.next().await {
        let c = chunk.map_err(|_| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "The request body could not be read.",
            )
        })?;
        got += c.len() as u64;
        if got > expected {
            return Err(ApiError::new(StatusCode::BAD_REQUEST, "too long"));
        }
        out.write_all(&c).await.map_err(internal)?;
        throttle.took(c.len()).await;
    }
    if got != expected {
        return Err(ApiError::new(StatusCode::BAD_REQUEST, "too short"));
    }
    out.flush().await.map_err(internal)?;
    Ok(())
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

/// The bytes a draft's files may still take (`Limits::max_record_bytes` less what its other
/// completed files hold).
fn room_left(app: &App, id: &str, key: &str) -> u64 {
    let st = app.state();
    let used: u64 = st
        .bucket(&bucket(id, true))
        .iter()
        .filter(|f| f.key != key && f.status == "completed")
        .filter_map(|f| f.size)
        .sum();
    app.limits.max_record_bytes.saturating_sub(used)
}

/// Streams a body to a new blob, hashing it: the blob id, the size and the hex md5. The body
/// must be `declared` bytes long when that is given. Nothing is left behind on failure.
async fn receive(
    app: &App,
    body: Body,
    declared: Option<u64>,
    limit: u64,
) -> ApiResult<(String, u64, String)> {
    let mut out = BlobOut::create(app).await.map_err(internal)?;
    let mut stream = body.into_data_stream();
    let mut broken = None;
    let mut throttle = Throttle::new(app.limits.conn_rate);
    while let Some(chunk) = stream.next().await {
        match chunk {
            Ok(c) => {
                if out.size + c.len() as u64 > limit {
                    broken = Some(ApiError::new(
                        StatusCode::BAD_REQUEST,
                        "File size limit exceeded.",
                    ));
                    break;
                }
                if out.write(&c).await.is_err() {
                    broken = Some(internal(()));
                    break;
                }
                throttle.took(c.len()).await;
            }
            Err(_) => {
                broken = Some(ApiError::new(
                    StatusCode::BAD_REQUEST,
                    "File upload transfer failed.",
                ));
                break;
            }
        }
    }
    if broken.is_none() && declared.is_some_and(|l| l != out.size) {
        broken = Some(ApiError::new(
            StatusCode::BAD_REQUEST,
            "File upload transfer failed.",
        ));
    }
    if let Some(err) = broken {
        out.abandon().await;
        return Err(err);
    }
    out.finish(app).await.map_err(internal)
}

/// 500, for a failure of the sandbox's own storage.
fn internal<E>(_e: E) -> ApiError {
    ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
}

/// A new content blob being written: a temporary file, hashed as it is written, renamed to
/// its blob id once complete and flushed, removed when abandoned.
struct BlobOut {
    blob: String,
    tmp: std::path::PathBuf,
    out: tokio::fs::File,
    hasher: Md5,
    size: u64,
}

impl BlobOut {
    async fn create(app: &App) -> std::io::Result<BlobOut> {
        let blob = util::random_hex(16);
        let tmp = app.store.blob_path(&format!("tmp-{blob}"));
        let out = tokio::fs::File::create(&tmp).await?;
        Ok(BlobOut {
            blob,
            tmp,
            out,
            hasher: Md5::new(),
            size: 0,
        })
    }

    async fn write(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        self.hasher.update(bytes);
        self.size += bytes.len() as u64;
        self.out.write_all(bytes).await
    }

    /// Flushes, syncs and renames the blob: its id, size and hex md5.
    async fn finish(mut self, app: &App) -> std::io::Result<(String, u64, String)> {
        let done = async {
            self.out.flush().await?;
            self.out.sync_all().await?;
            tokio::fs::rename(&self.tmp, app.store.blob_path(&self.blob)).await
        }
        .await;
        if let Err(e) = done {
            let _ = tokio::fs::remove_file(&self.tmp).await;
            return Err(e);
        }
        let md5 = util::hex(&self.hasher.finalize());
        Ok((self.blob, self.size, md5))
    }

    async fn abandon(self) {
        drop(self.out);
        let _ = tokio::fs::remove_file(&self.tmp).await;
    }
}

/// `PUT …/content`: streams the body to a temporary blob, hashing it; renamed when complete.
async fn upload(app: &App, ctx: &Ctx, id: &str, key: &str, body: Body) -> ApiResult {
    // The entry this upload is for: it must still be this one, pending and unlocked, when the
    // bytes have arrived.
    let file_id = {
        let mut st = app.state();
        let d = owned_draft(&st, ctx, id)?;
        if d.locked {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "Bucket is locked for modifications.",
            ));
        }
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
    let limit = app.limits.max_file_size.min(room_left(app, id, key));
    if declared.is_some_and(|l| l > limit) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "File size limit exceeded.",
        ));
    }
    let (blob, size, md5) = match receive(app, body, declared, limit).await {
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

/// `PUT …/content/{n}`: part `n` of a multipart upload. Every part but the last is exactly
/// `part_size` bytes; parts may come in any order, and a part sent again replaces the earlier
/// one.
async fn upload_part(app: &App, ctx: &Ctx, id: &str, key: &str, n: u32, body: Body) -> ApiResult {
    let (file_id, expected, part_size, in_place, again) = {
        let st = app.state();
        let d = owned_draft(&st, ctx, id)?;
        if d.locked {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "Bucket is locked for modifications.",
            ));
        }
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
    let (blob, size, _md5) = receive(app, body, Some(expected), limit)
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
async fn commit_parts(app: &App, ctx: &Ctx, id: &str, key: &str) -> ApiResult {
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

/// `POST …/commit`.
async fn commit(app: &App, ctx: &Ctx, id: &str, key: &str) -> ApiResult {
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
