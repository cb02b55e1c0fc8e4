//! A draft's files: uploads (one stream or in parts), files fetched by the server or linked
//! by URL, and downloads of a draft's files.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::StreamExt;
use inveniordm_models::FileEntry;

use super::download::download_entry;
use super::file_meta;
use super::hash::md5_until;
use super::multipart;
use super::options::{
    DownloadOptions, Downloaded, FetchOptions, Multipart, RemoteFile, UploadOptions,
};
use crate::api::UploadBody;
use crate::transport::{BeforeRetry, BodyFactory};
use crate::{Error, Result};

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
        let meta = file_meta(path).await?;
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
        let mut registered = opts.registered;
        // A server that refused a single stream this large already (413) gets parts at once.
        let refused_before = opts.multipart == Multipart::Auto
            && size >= self.client.inner.body_refused_at.load(Ordering::Relaxed);
        if !registered && (opts.multipart.applies(size) || refused_before) {
            let parallel = UploadOptions { ..opts.clone() };
            match multipart::upload(self, id, path, &key, size, &parallel).await? {
                multipart::Outcome::Committed(entry, local_md5) => {
                    return self.verified(id, &key, *entry, &local_md5).await;
                }
                multipart::Outcome::Single { registered: r } => registered = r,
            }
        }
        if !registered {
            self.file_upload_start(id, &key).await?;
        }
        // The md5 is computed on a thread of its own, reading the file beside the upload (the
        // second read comes from the page cache), so that hashing and sending overlap.
        let stop_hashing = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let hashing = {
            let path = path.to_path_buf();
            let stop = stop_hashing.clone();
            tokio::task::spawn_blocking(move || md5_until(&path, &stop))
        };
        // The body is made afresh for every attempt the transport's retry policy allows, and
        // progress only counts bytes past the furthest point any attempt reached.
        let high_water = Arc::new(AtomicU64::new(0));
        let factory: BodyFactory = {
            let path = path.to_path_buf();
            let progress = opts.progress.clone();
            let high_water = high_water.clone();
            Arc::new(move || {
                let path = path.clone();
                let progress = progress.clone();
                let high_water = high_water.clone();
                Box::pin(async move {
                    let file = tokio::fs::File::open(&path)
                        .await
                        .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
                    let mut sent = 0u64;
                    let stream = tokio_util::io::ReaderStream::with_capacity(file, 256 * 1024).map(
                        move |chunk| {
                            if let Ok(c) = &chunk {
                                sent += c.len() as u64;
                                let before = high_water.fetch_max(sent, Ordering::Relaxed);
                                if let Some(p) = &progress
                                    && sent > before
                                {
                                    p(sent - before);
                                }
                            }
                            chunk
                        },
                    );
                    let (body, len) = UploadBody::from_stream(stream, Some(size)).into_parts();
                    Ok((body, len))
                })
            })
        };
        // A transfer that broke may make the server drop the entry: register it again.
        let hook: BeforeRetry = {
            let client = self.client.clone();
            let id = id.to_string();
            let key = key.clone();
            Arc::new(move || {
                let client = client.clone();
                let id = id.clone();
                let key = key.clone();
                Box::pin(async move {
                    let drafts = client.drafts();
                    match drafts.file_metadata(&id, &key).await {
                        Err(e) if e.is_not_found() => {
                            tracing::info!(key = %key, "the server dropped the entry; registering it again");
                            drafts.file_upload_start(&id, &key).await.map(|_| ())
                        }
                        _ => Ok(()),
                    }
                })
            })
        };
        if let Err(e) = self.file_upload_content_with(id, &key, factory, hook).await {
            stop_hashing.store(true, Ordering::Relaxed);
            // A body larger than the server takes (stock v14 takes 100 MiB): in parts then,
            // when the caller left the choice to the library.
            if e.status() == Some(413) && opts.multipart == Multipart::Auto && size > 0 {
                tracing::info!(key = %key, size, "the server refused one stream this large; sending parts");
                self.client
                    .inner
                    .body_refused_at
                    .fetch_min(size, Ordering::Relaxed);
                let _ = self.file_delete(id, &key).await;
                let parts = UploadOptions {
                    multipart: Multipart::Always,
                    registered: false,
                    ..opts.clone()
                };
                return match multipart::upload(self, id, path, &key, size, &parts).await? {
                    multipart::Outcome::Committed(entry, local_md5) => {
                        self.verified(id, &key, *entry, &local_md5).await
                    }
                    multipart::Outcome::Single { .. } => Err(e),
                };
            }
            return Err(e);
        }
        let local_md5 = hashing
            .await
            .map_err(|e| Error::internal(format!("hashing stopped: {e}")))?
            .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
        let entry = self.commit(id, &key).await?;
        self.verified(id, &key, entry, &local_md5).await
    }

    /// Commits an upload; when the answer is lost (a gateway error, a connection broken
    /// after sending), the entry is read back and a completed one is taken as committed.
    pub(crate) async fn commit(&self, id: &str, key: &str) -> Result<FileEntry> {
        match self.file_upload_complete(id, key).await {
            Ok(e) => Ok(e),
            Err(e) if e.maybe_applied() => match self.file_metadata(id, key).await {
                Ok(entry) if entry.is_completed() => {
                    tracing::info!(key, error = %e, "the commit's answer was lost; the server shows it committed");
                    Ok(entry)
                }
                _ => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    /// The committed entry when the server's md5 is the local one; a mismatch removes the bad
    /// file from the draft and is [`Error::Checksum`].
    async fn verified(
        &self,
        id: &str,
        key: &str,
        entry: FileEntry,
        local_md5: &str,
    ) -> Result<FileEntry> {
        match entry.md5() {
            Some(m) if m.eq_ignore_ascii_case(local_md5) => Ok(entry),
            // A server that reports no md5 (another algorithm, a multipart etag) cannot be
            // checked: the file stays, unverified.
            None => {
                tracing::warn!(key = %key, checksum = ?entry.checksum, "the server reported no md5; the upload is not verified");
                Ok(entry)
            }
            Some(m) => {
                let expected = format!("md5:{m}");
                // The committed file is known to be wrong: remove it rather than leave it.
                let _ = self.file_delete(id, key).await;
                Err(Error::Checksum {
                    key: key.to_string(),
                    expected,
                    actual: format!("md5:{local_md5}"),
                })
            }
        }
    }

    /// Registers a file that the server fetches itself from `url` (transfer type `F`), and
    /// waits up to [`FetchOptions::wait`] for it to be complete. The server must allow the
    /// URL's domain (`RECORDS_RESOURCES_FILES_ALLOWED_DOMAINS`; on a stock InvenioRDM only
    /// administrators may fetch). With [`FetchOptions::md5`], the server's checksum must match
    /// it, or the file is removed and the answer is [`Error::Checksum`]. The URL may hold
    /// credentials: it is never logged nor put in an error.
    pub async fn file_fetch(
        &self,
        id: &str,
        key: &str,
        url: &str,
        opts: &FetchOptions,
    ) -> Result<FileEntry> {
        let (expected_md5, wait) = (opts.md5.as_deref(), opts.wait);
        let init = by_url(key, "F", url);
        self.file_upload_start_many(id, &[init]).await?;
        let started = std::time::Instant::now();
        loop {
            let entry = self.file_metadata(id, key).await?;
            if entry.is_completed() && entry.md5().is_some() {
                return match expected_md5 {
                    Some(m) => self.verified(id, key, entry, &m.to_ascii_lowercase()).await,
                    None => Ok(entry),
                };
            }
            let error = entry
                .transfer
                .as_ref()
                .and_then(|t| t.get("error"))
                .and_then(|e| e.as_str())
                .map(str::to_string);
            if entry.status == Some(inveniordm_models::FileStatus::Failed) || error.is_some() {
                return Err(Error::TransferFailed {
                    key: key.to_string(),
                    message: error.unwrap_or_else(|| "the server could not fetch the file".into()),
                });
            }
            if started.elapsed() >= wait {
                return Err(Error::TransferFailed {
                    key: key.to_string(),
                    message: format!(
                        "not fetched within {} s; the server may still complete it (see the draft's files)",
                        wait.as_secs()
                    ),
                });
            }
            tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        }
    }

    /// Registers a remote file (transfer type `R`): an entry whose content requests the
    /// server answers with a redirect to `url`, holding no bytes itself. The server must allow
    /// the URL's domain (`RECORDS_RESOURCES_FILES_ALLOWED_REMOTE_DOMAINS`; on a stock
    /// InvenioRDM only administrators may register remote files, and only administrators
    /// are redirected, others get 403). The entry is complete at once; `size` and `md5`
    /// (hex) are recorded as declared, so downloads can be verified against them.
    ///
    /// The server keeps one file per URL: a URL registered before keeps the size and
    /// checksum declared then. When that checksum is not `md5`, the new entry is removed
    /// again and the answer is [`Error::Checksum`]. The URL may hold credentials: it is never
    /// logged nor put in an error.
    pub async fn file_remote(
        &self,
        id: &str,
        key: &str,
        url: &str,
        declared: &RemoteFile,
    ) -> Result<FileEntry> {
        let (size, md5) = (declared.size, declared.md5.as_deref());
        let mut init = by_url(key, "R", url);
        init.size = size;
        init.checksum = md5.map(|m| format!("md5:{}", m.to_ascii_lowercase()));
        let listing = self.file_upload_start_many(id, &[init]).await?;
        let entry = match listing.get(key) {
            Some(e) => e.clone(),
            None => self.file_metadata(id, key).await?,
        };
        match md5 {
            Some(m) => self.verified(id, key, entry, &m.to_ascii_lowercase()).await,
            None => Ok(entry),
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

/// The init entry of a file registered by URL (transfer type `F` or `R`).
fn by_url(key: &str, kind: &str, url: &str) -> FileEntry {
    let mut transfer = inveniordm_models::JsonMap::new();
    transfer.insert("type".into(), kind.into());
    transfer.insert("url".into(), url.into());
    FileEntry {
        transfer: Some(transfer),
        ..FileEntry::init(key)
    }
}
