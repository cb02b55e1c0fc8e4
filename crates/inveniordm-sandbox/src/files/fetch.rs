//! The hand-written HTTP/1.1 client that fetches a file for a transfer of type `F`, in the
//! background, into a new blob.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::app::App;
use crate::util;

use super::blob::BlobOut;
use super::mark_completed;

/// One step of a fetch (connecting, sending, each read), given up when it makes no progress
/// for `limit` (`Limits::fetch_idle`): a source that stops sending (or never answers) fails
/// the entry, as any other failed fetch does (`failed`, the reason in `fetch_error`), rather
/// than leaving it pending forever. The error says which step timed out.
async fn idle<T>(
    limit: Duration,
    what: &str,
    step: impl std::future::Future<Output = T>,
) -> Result<T, String> {
    tokio::time::timeout(limit, step)
        .await
        .map_err(|_| format!("{what} timed out after {} s", limit.as_secs()))
}

/// Fetches a file for a transfer of type `F` and completes its entry (or notes the error).
pub(super) async fn fetch_file(
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

/// GET over plain HTTP/1.1 into a new blob: its id, size and md5. Each step may wait
/// `Limits::fetch_idle` at most.
async fn fetch_into_blob(app: &App, url: &str) -> Result<(String, u64, String), String> {
    use tokio::io::AsyncBufReadExt;
    let idle_limit = app.limits.fetch_idle;
    let u = url::Url::parse(url).map_err(|e| e.to_string())?;
    let host = u.host_str().ok_or("no host")?.to_string();
    let port = u.port_or_known_default().unwrap_or(80);
    let path = match u.query() {
        Some(q) => format!("{}?{q}", u.path()),
        None => u.path().to_string(),
    };
    let conn = idle(
        idle_limit,
        "connecting",
        tokio::net::TcpStream::connect((host.as_str(), port)),
    )
    .await?
    .map_err(|e| format!("cannot connect: {e}"))?;
    let mut conn = tokio::io::BufReader::new(conn);
    idle(
        idle_limit,
        "sending the request",
        conn.get_mut().write_all(
            format!("GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nConnection: close\r\n\r\n")
                .as_bytes(),
        ),
    )
    .await?
    .map_err(|e| format!("cannot send: {e}"))?;
    let mut status = String::new();
    idle(
        idle_limit,
        "waiting for the answer",
        conn.read_line(&mut status),
    )
    .await?
    .map_err(|e| e.to_string())?;
    if status.split_whitespace().nth(1) != Some("200") {
        return Err(format!("the source answered {}", status.trim()));
    }
    let mut length: Option<u64> = None;
    loop {
        let mut line = String::new();
        let n = idle(idle_limit, "reading the headers", conn.read_line(&mut line))
            .await?
            .map_err(|e| e.to_string())?;
        if n == 0 {
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
            let n = idle(idle_limit, "reading the body", conn.read(&mut buf))
                .await?
                .map_err(|e| e.to_string())?;
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
