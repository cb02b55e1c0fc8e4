//! Streamed, verified file transfers.
//!
//! Uploads read the file once: the bytes are hashed (md5) as they are sent, and the server's
//! checksum after commit must match. Downloads are written to `.<name>.inveniordm-part`, hashed as they
//! arrive, checked against the server's checksum and only then renamed to the final name, so
//! an interrupted or corrupt transfer never leaves a file that looks complete.

use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use futures_util::{Stream, StreamExt, TryStreamExt};
use inveniordm_models::FileEntry;
use md5::{Digest, Md5};
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};
use tokio::io::{AsyncReadExt, AsyncSeekExt, AsyncWriteExt};
use url::Url;

use crate::{Client, Error, Result};

/// A progress callback: called with the number of bytes just transferred.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// A streamed request body for file content, with its length when known.
pub struct UploadBody {
    body: reqwest::Body,
    len: Option<u64>,
}

impl std::fmt::Debug for UploadBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadBody")
            .field("len", &self.len)
            .finish()
    }
}

impl UploadBody {
    /// A body from bytes in memory.
    pub fn from_bytes(bytes: impl Into<Bytes>) -> Self {
        let b: Bytes = bytes.into();
        let len = b.len() as u64;
        Self {
            body: reqwest::Body::from(b),
            len: Some(len),
        }
    }

    /// A body from a stream of chunks; `len` is sent as `Content-Length` when given (some
    /// servers require it).
    pub fn from_stream<S, E>(stream: S, len: Option<u64>) -> Self
    where
        S: Stream<Item = std::result::Result<Bytes, E>> + Send + Sync + 'static,
        E: Into<Box<dyn std::error::Error + Send + Sync>> + 'static,
    {
        Self {
            body: reqwest::Body::wrap_stream(stream),
            len,
        }
    }

    /// A body streamed from an open file (its length from the file's metadata).
    pub async fn from_file(file: tokio::fs::File) -> Result<Self> {
        let len = file
            .metadata()
            .await
            .map_err(|e| Error::io("reading the file's size", e))?
            .len();
        Ok(Self::from_stream(
            tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024),
            Some(len),
        ))
    }

    pub(crate) fn into_parts(self) -> (reqwest::Body, Option<u64>) {
        (self.body, self.len)
    }
}

/// A file's content being downloaded: a stream of byte chunks, never buffered whole.
pub struct Download {
    /// HTTP status (200, or 206 for a ranged request the server honoured).
    pub status: u16,
    /// `Content-Length`, when the server sent it.
    pub content_length: Option<u64>,
    /// `Content-Range` of a 206 answer, as (first byte, total size).
    pub content_range: Option<(u64, Option<u64>)>,
    stream: Pin<Box<dyn Stream<Item = Result<Bytes>> + Send>>,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download")
            .field("status", &self.status)
            .field("content_length", &self.content_length)
            .field("content_range", &self.content_range)
            .finish()
    }
}

impl Stream for Download {
    type Item = Result<Bytes>;
    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.stream.as_mut().poll_next(cx)
    }
}

/// Parses `bytes START-END/TOTAL` (TOTAL may be `*`).
fn parse_content_range(v: &str) -> Option<(u64, Option<u64>)> {
    let rest = v.trim().strip_prefix("bytes ")?;
    let (range, total) = rest.split_once('/')?;
    let (start, _) = range.split_once('-')?;
    Some((start.trim().parse().ok()?, total.trim().parse().ok()))
}

impl Download {
    pub(crate) async fn start(client: &Client, url: Url, from: Option<u64>) -> Result<Self> {
        let path = url.path().to_string();
        let retry_url = url.clone();
        let mut req = client.request(Method::GET, url);
        req.accept = "*/*";
        if let Some(offset) = from.filter(|o| *o > 0)
            && let Ok(v) = HeaderValue::from_str(&format!("bytes={offset}-"))
        {
            req = req.header(HeaderName::from_static("range"), v);
        }
        let resp = match client.execute(req).await {
            // The part already held everything (or more): start over.
            Err(Error::Api { status: 416, .. }) if from.is_some() => {
                return Box::pin(Self::start(client, retry_url, None)).await;
            }
            other => other?,
        };
        let status = resp.status().as_u16();
        if !matches!(status, 200 | 206) {
            return Err(Error::InvalidArgument(format!(
                "GET {path}: expected the file's content, the server answered {status}"
            )));
        }
        let content_length = resp.content_length();
        let content_range = resp
            .headers()
            .get(reqwest::header::CONTENT_RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_content_range);
        let stream = resp.bytes_stream().map_err(move |e| Error::Transport {
            method: "GET".into(),
            path: path.clone(),
            message: "the connection broke while downloading".into(),
            source: e.without_url(),
        });
        Ok(Self {
            status,
            content_length,
            content_range,
            stream: Box::pin(stream),
        })
    }

    /// Reads the whole content into memory (for small files only).
    pub async fn bytes(mut self) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        while let Some(chunk) = self.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok(out)
    }
}

/// Options of [`DraftsApi::file_upload_with`](crate::api::DraftsApi::file_upload_with).
#[derive(Clone, Default)]
pub struct UploadOptions {
    /// The file key (default: the file's name).
    pub key: Option<String>,
    /// Progress callback.
    pub progress: Option<Progress>,
    /// How often a broken content transfer is tried again (default 3).
    pub retries: Option<u32>,
    /// The key is already registered on the draft (e.g. by one
    /// [`file_upload_start_many`](crate::api::DraftsApi::file_upload_start_many) for many files),
    /// so the start step is skipped.
    pub registered: bool,
}

impl std::fmt::Debug for UploadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadOptions")
            .field("key", &self.key)
            .field("retries", &self.retries)
            .field("registered", &self.registered)
            .finish()
    }
}

/// Options of the `download_to` helpers.
#[derive(Clone, Default)]
pub struct DownloadOptions {
    /// Progress callback.
    pub progress: Option<Progress>,
    /// Continue a partial file left by an interrupted download (when the server honours
    /// `Range`; otherwise the download starts over).
    pub resume: bool,
    /// Replace an existing destination file (default: refuse).
    pub overwrite: bool,
}

impl std::fmt::Debug for DownloadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadOptions")
            .field("resume", &self.resume)
            .field("overwrite", &self.overwrite)
            .finish()
    }
}

/// What a verified download wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    /// The final path.
    pub path: PathBuf,
    /// Bytes in the file.
    pub size: u64,
    /// Hex md5 of the file.
    pub md5: String,
    /// Bytes that were reused from an interrupted download.
    pub resumed_from: u64,
    /// Whether the md5 was compared with the server's (false when the server reported none).
    pub verified: bool,
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl crate::api::DraftsApi<'_> {
    /// Uploads a local file to a draft: start, stream the content, commit, and check the
    /// server's md5 against the one computed while sending (one read of the file).
    ///
    /// The key is the file's name. A checksum mismatch deletes the bad file from the draft and
    /// returns [`Error::Checksum`].
    pub async fn file_upload(&self, id: &str, path: &Path) -> Result<FileEntry> {
        self.file_upload_with(id, path, &UploadOptions::default())
            .await
    }

    /// [`file_upload`](Self::file_upload) with a key, a progress callback and retries.
    pub async fn file_upload_with(
        &self,
        id: &str,
        path: &Path,
        opts: &UploadOptions,
    ) -> Result<FileEntry> {
        let meta = tokio::fs::metadata(path)
            .await
            .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        if !meta.is_file() {
            return Err(Error::InvalidArgument(format!(
                "{} is not a file",
                path.display()
            )));
        }
        let key = match &opts.key {
            Some(k) => k.clone(),
            None => path
                .file_name()
                .and_then(|n| n.to_str())
                .ok_or_else(|| {
                    Error::InvalidArgument(format!("{} has no usable file name", path.display()))
                })?
                .to_string(),
        };
        let size = meta.len();
        if !opts.registered {
            self.file_upload_start(id, &key).await?;
        }
        let retries = opts.retries.unwrap_or(3);
        let mut attempt = 0;
        let local_md5 = loop {
            let hasher = Arc::new(Mutex::new(Md5::new()));
            let file = tokio::fs::File::open(path)
                .await
                .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
            let h = hasher.clone();
            let progress = opts.progress.clone();
            let stream =
                tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024).map(move |chunk| {
                    if let Ok(c) = &chunk {
                        if let Ok(mut g) = h.lock() {
                            g.update(c);
                        }
                        if let Some(p) = &progress {
                            p(c.len() as u64);
                        }
                    }
                    chunk
                });
            let body = UploadBody::from_stream(stream, Some(size));
            match self.file_upload_content(id, &key, body).await {
                Ok(_) => {
                    let digest = hasher
                        .lock()
                        .map(|g| g.clone().finalize())
                        .map_err(|_| Error::InvalidArgument("hash state poisoned".into()))?;
                    break hex(&digest);
                }
                Err(e) if e.is_retryable() && attempt < retries => {
                    attempt += 1;
                    tracing::info!(key = %key, attempt, error = %e, "upload broke; trying again");
                    tokio::time::sleep(Duration::from_millis(500 * u64::from(attempt))).await;
                    // A failed transfer makes the server drop the entry: register it again.
                    match self.file_metadata(id, &key).await {
                        Err(e2) if e2.is_not_found() => {
                            self.file_upload_start(id, &key).await?;
                        }
                        _ => {}
                    }
                }
                Err(e) => return Err(e),
            }
        };
        let entry = self.file_upload_complete(id, &key).await?;
        match entry.md5() {
            Some(m) if m.eq_ignore_ascii_case(&local_md5) => Ok(entry),
            // A server that reports no md5 (another algorithm, a multipart etag) cannot be
            // checked: the file stays, unverified.
            None => {
                tracing::warn!(key = %key, checksum = ?entry.checksum, "the server reported no md5; the upload is not verified");
                Ok(entry)
            }
            Some(m) => {
                let expected = format!("md5:{m}");
                // The committed file is known to be wrong: remove it rather than leave it.
                let _ = self.file_delete(id, &key).await;
                Err(Error::Checksum {
                    key,
                    expected,
                    actual: format!("md5:{local_md5}"),
                })
            }
        }
    }

    /// Downloads a draft file to `dest`, verified against the server's md5.
    pub async fn download_to(
        &self,
        id: &str,
        key: &str,
        dest: &Path,
        opts: &DownloadOptions,
    ) -> Result<Downloaded> {
        let entry = self.file_metadata(id, key).await?;
        download_entry(self.client, id, true, key, &entry, dest, opts).await
    }
}

impl crate::api::RecordsApi<'_> {
    /// Downloads a record file to `dest`, verified against the server's md5.
    pub async fn download_to(
        &self,
        id: &str,
        key: &str,
        dest: &Path,
        opts: &DownloadOptions,
    ) -> Result<Downloaded> {
        let entry = self.file_metadata(id, key).await?;
        download_entry(self.client, id, false, key, &entry, dest, opts).await
    }
}

/// The partial file next to `dest` that a download writes before renaming it:
/// `.<name>.inveniordm-part` (hidden, and not a name a record's file is likely to have).
pub fn part_path(dest: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(dest.file_name().unwrap_or_default());
    name.push(".inveniordm-part");
    dest.with_file_name(name)
}

/// The md5 state and length of a local file, read in one pass.
pub(crate) async fn hash_file(path: &Path) -> Result<(Md5, u64)> {
    let mut f = tokio::fs::File::open(path)
        .await
        .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
    let mut hasher = Md5::new();
    let mut len = 0u64;
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = f
            .read(&mut buf)
            .await
            .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        if n == 0 {
            return Ok((hasher, len));
        }
        hasher.update(&buf[..n]);
        len += n as u64;
    }
}

/// Downloads one file described by `entry` (its size and md5 are the expectations) from a
/// draft or a record to `dest`.
pub(crate) async fn download_entry(
    client: &Client,
    id: &str,
    draft: bool,
    key: &str,
    entry: &FileEntry,
    dest: &Path,
    opts: &DownloadOptions,
) -> Result<Downloaded> {
    let url = if draft {
        client.url(&["records", id, "draft", "files", key, "content"])?
    } else {
        client.url(&["records", id, "files", key, "content"])?
    };
    download_verified(client, url, key, entry, dest, opts).await
}

async fn download_verified(
    client: &Client,
    url: Url,
    key: &str,
    entry: &FileEntry,
    dest: &Path,
    opts: &DownloadOptions,
) -> Result<Downloaded> {
    let expected_md5 = entry.md5();
    let expected_size = entry.size;
    if !opts.overwrite && tokio::fs::try_exists(dest).await.unwrap_or(false) {
        return Err(Error::InvalidArgument(format!(
            "{} already exists (choose another folder or allow overwriting)",
            dest.display()
        )));
    }
    if let Some(parent) = dest.parent().filter(|p| !p.as_os_str().is_empty()) {
        tokio::fs::create_dir_all(parent)
            .await
            .map_err(|e| Error::io(format!("cannot create {}", parent.display()), e))?;
    }
    let part = part_path(dest);
    let mut hasher = Md5::new();
    let mut have = 0u64;
    if opts.resume && tokio::fs::try_exists(&part).await.unwrap_or(false) {
        (hasher, have) = hash_file(&part).await?;
        // A part larger than the file cannot be a prefix of it.
        if expected_size.is_some_and(|size| have > size) {
            hasher = Md5::new();
            have = 0;
        }
    }
    let complete_already = have > 0 && expected_size == Some(have);
    let mut dl = if complete_already {
        None
    } else {
        Some(Download::start(client, url.clone(), Some(have)).await?)
    };
    // Append only to a 206 that starts exactly where the part ends and describes this file.
    let continues = |d: &Download| {
        d.status == 206
            && d.content_range.is_some_and(|(start, total)| {
                start == have
                    && (expected_size.is_none() || total.is_none() || total == expected_size)
            })
    };
    if let Some(d) = &dl
        && have > 0
        && !continues(d)
    {
        if d.status == 206 {
            // A range we did not ask for: fetch the whole file instead.
            dl = Some(Download::start(client, url, None).await?);
        }
        hasher = Md5::new();
        have = 0;
    }
    let resumed_from = have;
    if let Some(p) = &opts.progress
        && have > 0
    {
        p(have);
    }
    let mut size = have;
    if let Some(mut dl) = dl {
        let mut file = if have > 0 {
            let mut f = tokio::fs::OpenOptions::new()
                .append(true)
                .open(&part)
                .await
                .map_err(|e| Error::io(format!("opening {}", part.display()), e))?;
            f.seek(std::io::SeekFrom::End(0))
                .await
                .map_err(|e| Error::io(format!("seeking {}", part.display()), e))?;
            f
        } else {
            tokio::fs::File::create(&part)
                .await
                .map_err(|e| Error::io(format!("creating {}", part.display()), e))?
        };
        while let Some(chunk) = dl.next().await {
            let chunk = chunk?; // the part stays for a later resume
            hasher.update(&chunk);
            file.write_all(&chunk)
                .await
                .map_err(|e| Error::io(format!("writing {}", part.display()), e))?;
            size += chunk.len() as u64;
            if let Some(p) = &opts.progress {
                p(chunk.len() as u64);
            }
        }
        file.flush()
            .await
            .map_err(|e| Error::io(format!("writing {}", part.display()), e))?;
        file.sync_all()
            .await
            .map_err(|e| Error::io(format!("syncing {}", part.display()), e))?;
    }
    let md5 = hex(&hasher.finalize());
    if let Some(expected) = expected_size
        && expected != size
    {
        let _ = tokio::fs::remove_file(&part).await;
        return Err(Error::Checksum {
            key: key.to_string(),
            expected: format!("{expected} bytes"),
            actual: format!("{size} bytes"),
        });
    }
    if let Some(expected) = expected_md5
        && !expected.eq_ignore_ascii_case(&md5)
    {
        let _ = tokio::fs::remove_file(&part).await;
        return Err(Error::Checksum {
            key: key.to_string(),
            expected: format!("md5:{expected}"),
            actual: format!("md5:{md5}"),
        });
    }
    tokio::fs::rename(&part, dest).await.map_err(|e| {
        Error::io(
            format!("renaming {} to {}", part.display(), dest.display()),
            e,
        )
    })?;
    Ok(Downloaded {
        path: dest.to_path_buf(),
        size,
        md5,
        resumed_from,
        verified: expected_md5.is_some(),
    })
}
