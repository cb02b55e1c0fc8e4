//! `POST …/draft/files`: registering keys, with their transfer: local (`L`), fetch (`F`),
//! remote (`R`) or multipart (`M`).

use axum::body::Body;
use axum::http::StatusCode;
use serde_json::Value;

use crate::app::{App, Ctx, json_body};
use crate::model::{FileRow, State};
use crate::render::{self, bucket};
use crate::util::{self, ApiError, ApiResult, json_response};

use super::fetch::fetch_file;
use super::multipart::multipart_plan;
use super::{mark_completed, owned_draft};

const MAX_FILES: usize = 100;

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
