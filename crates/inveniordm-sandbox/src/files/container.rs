//! v14's look inside a ZIP file of a record or draft: `…/files/{key}/container` lists its
//! members from the central directory (without reading the rest), and
//! `…/files/{key}/container/{member}` sends one member, decompressed.

use std::io::{Read, Seek, SeekFrom};

use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde_json::json;

use crate::app::{App, Ctx};
use crate::render::bucket;
use crate::util::{ApiError, ApiResult, enc, json_response};

use super::{may_read_bucket, no_file};

/// At most this many members and folders are listed (`RECORDS_RESOURCES_ZIP_MAX_LISTING_ENTRIES`).
const MAX_LISTED: usize = 1000;

/// An archive with a member that expands more than this many times is refused as a
/// possible ZIP bomb (`RECORDS_RESOURCES_ZIP_MAX_RATIO`), as is one of more members
/// (`…_MAX_ENTRIES`) or more bytes once extracted (`…_MAX_TOTAL_UNCOMPRESSED`).
const MAX_RATIO: f64 = 200.0;
const MAX_ENTRIES: usize = 10_000;
const MAX_TOTAL: u64 = 500 * 1024 * 1024;

/// The checks the real servers make of a ZIP when it is uploaded; one that fails them is
/// never listed nor extracted (500).
fn suspicious(members: &[Member]) -> bool {
    let total: u64 = members.iter().map(|m| m.size).sum();
    members.len() > MAX_ENTRIES
        || total > MAX_TOTAL
        || members
            .iter()
            .any(|m| m.compressed > 0 && m.size as f64 / m.compressed as f64 > MAX_RATIO)
}

/// One member from the central directory.
struct Member {
    name: String,
    method: u16,
    crc: u32,
    compressed: u64,
    size: u64,
    offset: u64,
}

fn u16_at(b: &[u8], i: usize) -> u16 {
    u16::from_le_bytes([b[i], b[i + 1]])
}

fn u32_at(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]])
}

fn u64_at(b: &[u8], i: usize) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[i..i + 8]);
    u64::from_le_bytes(a)
}

fn bad() -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, "not a ZIP file")
}

/// The central directory of a ZIP file (ZIP64 included).
fn members(f: &mut std::fs::File) -> std::io::Result<Vec<Member>> {
    let len = f.seek(SeekFrom::End(0))?;
    let tail_len = len.min(22 + 65_535);
    f.seek(SeekFrom::Start(len - tail_len))?;
    let mut tail = vec![0u8; tail_len as usize];
    f.read_exact(&mut tail)?;
    let eocd = (0..tail.len().saturating_sub(21))
        .rev()
        .find(|&i| u32_at(&tail, i) == 0x0605_4b50)
        .ok_or_else(bad)?;
    let mut count = u64::from(u16_at(&tail, eocd + 10));
    let mut size = u64::from(u32_at(&tail, eocd + 12));
    let mut start = u64::from(u32_at(&tail, eocd + 16));
    if count == 0xFFFF || size == u64::from(u32::MAX) || start == u64::from(u32::MAX) {
        let loc = eocd
            .checked_sub(20)
            .filter(|&l| u32_at(&tail, l) == 0x0706_4b50)
            .ok_or_else(bad)?;
        f.seek(SeekFrom::Start(u64_at(&tail, loc + 8)))?;
        let mut r = [0u8; 56];
        f.read_exact(&mut r)?;
        if u32_at(&r, 0) != 0x0606_4b50 {
            return Err(bad());
        }
        count = u64_at(&r, 32);
        size = u64_at(&r, 40);
        start = u64_at(&r, 48);
    }
    if start.checked_add(size).is_none_or(|end| end > len) || count > size / 46 + 1 {
        return Err(bad());
    }
    f.seek(SeekFrom::Start(start))?;
    let mut dir = vec![0u8; size as usize];
    f.read_exact(&mut dir)?;
    let mut out = Vec::new();
    let mut i = 0usize;
    for _ in 0..count {
        if i + 46 > dir.len() || u32_at(&dir, i) != 0x0201_4b50 {
            return Err(bad());
        }
        let (name_len, extra_len, comment_len) = (
            usize::from(u16_at(&dir, i + 28)),
            usize::from(u16_at(&dir, i + 30)),
            usize::from(u16_at(&dir, i + 32)),
        );
        let end = i + 46 + name_len + extra_len + comment_len;
        if end > dir.len() {
            return Err(bad());
        }
        let mut m = Member {
            name: String::from_utf8_lossy(&dir[i + 46..i + 46 + name_len]).into_owned(),
            method: u16_at(&dir, i + 10),
            crc: u32_at(&dir, i + 16),
            compressed: u64::from(u32_at(&dir, i + 20)),
            size: u64::from(u32_at(&dir, i + 24)),
            offset: u64::from(u32_at(&dir, i + 42)),
        };
        // ZIP64 sizes and offset, in that order, for the fields that overflowed.
        let extra = &dir[i + 46 + name_len..i + 46 + name_len + extra_len];
        let mut j = 0;
        while j + 4 <= extra.len() {
            let (id, n) = (u16_at(extra, j), usize::from(u16_at(extra, j + 2)));
            if id == 1 {
                let (mut k, limit) = (j + 4, (j + 4 + n).min(extra.len()));
                for field in [&mut m.size, &mut m.compressed, &mut m.offset] {
                    if *field == u64::from(u32::MAX) && k + 8 <= limit {
                        *field = u64_at(extra, k);
                        k += 8;
                    }
                }
            }
            j += 4 + n;
        }
        out.push(m);
        i = end;
    }
    Ok(out)
}

/// The blob of a completed file the caller may read.
fn blob_of(
    app: &App,
    ctx: &Ctx,
    id: &str,
    key: &str,
    draft: bool,
) -> ApiResult<std::path::PathBuf> {
    let st = app.state();
    may_read_bucket(&st, ctx, id, draft)?;
    let f = st
        .files
        .get(&(bucket(id, draft), key.to_string()))
        .filter(|f| f.status == "completed")
        .ok_or_else(|| no_file(id, key))?;
    let blob = f.blob.as_ref().ok_or_else(|| no_file(id, key))?;
    if !key.to_ascii_lowercase().ends_with(".zip") {
        return Err(not_a_zip(()));
    }
    Ok(app.store.blob_path(blob))
}

/// A file that is not a ZIP: the real servers fail (no extractor for it).
fn not_a_zip<E>(_e: E) -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "The server encountered an internal error and was unable to complete your request. Either the server is overloaded or there is an error in the application.",
    )
}

fn mimetype(name: &str) -> String {
    mime_guess::from_path(name)
        .first_or_octet_stream()
        .essence_str()
        .to_string()
}

/// `GET …/files/{key}/container` (v14).
pub(crate) async fn list(app: &App, ctx: &Ctx, id: &str, key: &str, draft: bool) -> ApiResult {
    let path = blob_of(app, ctx, id, key, draft)?;
    let all = tokio::task::spawn_blocking(move || {
        std::fs::File::open(&path).and_then(|mut f| members(&mut f))
    })
    .await
    .map_err(not_a_zip)?
    .map_err(not_a_zip)?;
    if suspicious(&all) {
        return Err(not_a_zip(()));
    }
    let base = if draft {
        format!(
            "{}/records/{id}/draft/files/{}/container",
            ctx.api,
            enc(key)
        )
    } else {
        format!("{}/records/{id}/files/{}/container", ctx.api, enc(key))
    };
    let (mut entries, mut directories, mut truncated) = (Vec::new(), Vec::new(), false);
    for m in all {
        let name = m.name.trim_end_matches('/').to_string();
        if m.name.ends_with('/') {
            directories.push(json!({"key": name}));
        } else {
            let link = name.split('/').map(enc).collect::<Vec<_>>().join("/");
            entries.push(json!({
                "key": name,
                "size": m.size,
                "compressed_size": m.compressed,
                "mimetype": mimetype(&m.name),
                "crc": m.crc,
                "links": {"content": format!("{base}/{link}")},
            }));
        }
        if entries.len() + directories.len() >= MAX_LISTED {
            truncated = true;
            break;
        }
    }
    let total = entries.len();
    Ok(json_response(
        StatusCode::OK,
        &json!({"entries": entries, "truncated": truncated, "total": total, "directories": directories}),
    ))
}

/// `GET …/files/{key}/container/{member}` (v14): one member, decompressed (stored and
/// deflated members).
pub(crate) async fn extract(
    app: &App,
    ctx: &Ctx,
    id: &str,
    key: &str,
    member: &str,
    draft: bool,
) -> ApiResult {
    let path = blob_of(app, ctx, id, key, draft)?;
    let wanted = member.to_string();
    let found = tokio::task::spawn_blocking(move || -> std::io::Result<Option<Vec<u8>>> {
        let mut f = std::fs::File::open(&path)?;
        let all = members(&mut f)?;
        if suspicious(&all) {
            return Err(bad());
        }
        let Some(m) = all.into_iter().find(|m| m.name == wanted) else {
            return Ok(None);
        };
        f.seek(SeekFrom::Start(m.offset))?;
        let mut header = [0u8; 30];
        f.read_exact(&mut header)?;
        if u32_at(&header, 0) != 0x0403_4b50 {
            return Err(bad());
        }
        let skip = u64::from(u16_at(&header, 26)) + u64::from(u16_at(&header, 28));
        f.seek(SeekFrom::Current(skip as i64))?;
        let data = f.take(m.compressed);
        let mut out = Vec::with_capacity(m.size.min(64 << 20) as usize);
        match m.method {
            0 => {
                let mut data = data;
                data.read_to_end(&mut out)?;
            }
            8 => {
                flate2::read::DeflateDecoder::new(data).read_to_end(&mut out)?;
            }
            _ => return Err(bad()),
        }
        Ok(Some(out))
    })
    .await
    .map_err(not_a_zip)?
    .map_err(not_a_zip)?;
    let Some(bytes) = found else {
        return Err(no_file(id, member));
    };
    let name = member
        .rsplit('/')
        .next()
        .unwrap_or(member)
        .replace(['"', '\\', '\r', '\n'], "_");
    Response::builder()
        .status(StatusCode::OK)
        .header(header::CONTENT_TYPE, mimetype(member))
        .header(header::CONTENT_LENGTH, bytes.len())
        .header(
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{name}\""),
        )
        .body(Body::from(bytes))
        .map_err(not_a_zip)
}

/// Splits `…/files/{key}/container[/{member}]` into the key and the member, when the path
/// names a container (v14 only).
pub(crate) fn split<'a>(ctx: &Ctx, rest: &'a [&'a str]) -> Option<(String, Option<String>)> {
    if ctx.rdm_version < 14 {
        return None;
    }
    let at = rest
        .iter()
        .position(|s| *s == "container")
        .filter(|&i| i > 0)?;
    let key = rest[..at].join("/");
    let member = (at + 1 < rest.len()).then(|| rest[at + 1..].join("/"));
    Some((key, member))
}
