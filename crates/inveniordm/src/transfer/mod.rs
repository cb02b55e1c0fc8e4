//! Streamed, verified file transfers.
//!
//! Uploads hash the file (md5) on a thread of their own while the bytes are sent (a second
//! read, served from the page cache), and the server's checksum after commit must match. Downloads are written to `.<name>.inveniordm-part`, hashed as they
//! arrive, checked against the server's checksum and only then renamed to the final name, so
//! an interrupted or corrupt transfer never leaves a file that looks complete.

use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::StreamExt;
use inveniordm_models::FileEntry;
use md5::{Digest, Md5};
use url::Url;

mod multipart;
mod sink;

pub use crate::api::{Download, UploadBody};
use crate::transport::{Backoff, BeforeRetry, BodyFactory};
use crate::{Client, Error, Result};
pub use multipart::{
    DEFAULT_PART_SIZE, MAX_PARTS, MULTIPART_THRESHOLD, Multipart, checksum_wait_for, part_size_for,
};

/// How many transfers (files, or parts of a file) run at once unless asked otherwise.
pub const DEFAULT_JOBS: NonZeroUsize = NonZeroUsize::new(4).expect("4 is not zero");

/// A progress callback: called with the number of bytes just transferred.
pub type Progress = Arc<dyn Fn(u64) + Send + Sync>;

/// Options of [`DraftsApi::file_upload_with`](crate::api::DraftsApi::file_upload_with).
#[derive(Clone)]
pub struct UploadOptions {
    /// The file key (default: the file's name).
    pub key: Option<String>,
    /// Progress callback.
    pub progress: Option<Progress>,
    /// The key is already registered on the draft (e.g. by one
    /// [`file_upload_start_many`](crate::api::DraftsApi::file_upload_start_many) for many files),
    /// so the start step is skipped (and the file goes in one stream).
    pub registered: bool,
    /// In parts (transfer type `M`) or in one stream; by default in parts from
    /// [`MULTIPART_THRESHOLD`] on. A server that refuses parts gets one stream instead.
    pub multipart: Multipart,
    /// The size of a part (default [`DEFAULT_PART_SIZE`], larger for files that would need
    /// more than [`MAX_PARTS`] parts).
    pub part_size: Option<u64>,
    /// Parts sent at once (default [`DEFAULT_JOBS`]).
    pub parallel_parts: NonZeroUsize,
    /// A file in which a multipart upload notes the parts the server confirmed. With it, an
    /// interrupted upload keeps its pending entry, and the same upload started again sends
    /// only the missing parts; the file is removed when the upload is done. Without it, a
    /// failed multipart upload removes its entry.
    pub journal: Option<PathBuf>,
    /// How long to wait after a multipart commit for the md5 the server computes (default:
    /// [`checksum_wait_for`] the file's size). When it does not come, the upload is returned
    /// unverified (the entry has no md5).
    pub checksum_wait: Option<std::time::Duration>,
}

impl Default for UploadOptions {
    fn default() -> Self {
        Self {
            key: None,
            progress: None,
            registered: false,
            multipart: Multipart::default(),
            part_size: None,
            parallel_parts: DEFAULT_JOBS,
            journal: None,
            checksum_wait: None,
        }
    }
}

impl std::fmt::Debug for UploadOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadOptions")
            .field("key", &self.key)
            .field("registered", &self.registered)
            .field("multipart", &self.multipart)
            .field("part_size", &self.part_size)
            .field("parallel_parts", &self.parallel_parts)
            .field("journal", &self.journal)
            .field("checksum_wait", &self.checksum_wait)
            .finish()
    }
}

/// How [`DraftsApi::file_fetch`](crate::api::DraftsApi::file_fetch) registers a file the
/// server fetches.
///
/// ```
/// use std::time::Duration;
/// use inveniordm::transfer::FetchOptions;
/// let opts = FetchOptions::default().md5("9e107d9d372bb6826bd81d3542a419d6").wait(Duration::from_secs(300));
/// assert_eq!(opts.wait, Duration::from_secs(300));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOptions {
    /// The md5 (hex) the file must have: compared with the server's once it has fetched it.
    pub md5: Option<String>,
    /// How long to wait for the server to complete the fetch (default 60 s).
    pub wait: std::time::Duration,
}

impl Default for FetchOptions {
    fn default() -> Self {
        Self {
            md5: None,
            wait: std::time::Duration::from_secs(60),
        }
    }
}

impl FetchOptions {
    /// With the md5 (hex) the file must have.
    pub fn md5(mut self, md5: impl Into<String>) -> Self {
        self.md5 = Some(md5.into());
        self
    }

    /// With how long to wait for the fetch to complete.
    pub fn wait(mut self, wait: std::time::Duration) -> Self {
        self.wait = wait;
        self
    }
}

/// What the depositor declares of a remote file
/// ([`DraftsApi::file_remote`](crate::api::DraftsApi::file_remote)); recorded as declared, so
/// downloads can be verified against it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteFile {
    /// Size in bytes.
    pub size: Option<u64>,
    /// md5 (hex).
    pub md5: Option<String>,
}

impl RemoteFile {
    /// Declares the size and md5 (hex).
    pub fn new(size: u64, md5: impl Into<String>) -> Self {
        Self {
            size: Some(size),
            md5: Some(md5.into()),
        }
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

/// Writes a small file whole or not at all: a temporary file beside it, flushed to disk,
/// renamed over it. Its folder is created when missing.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    // A name of its own (never a file of the user's beside it), created new.
    let tmp = dir.join(format!(
        ".{name}.{}-{}.inveniordm-tmp",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ));
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(format!("cannot write {}", path.display()), e));
    }
    // The rename is durable once the folder is: sync it (where folders can be opened).
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The metadata of a local file that must be a regular file (a folder or a missing path is an
/// error that names it).
pub(crate) async fn file_meta(path: &Path) -> Result<std::fs::Metadata> {
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    if !meta.is_file() {
        return Err(Error::InvalidArgument(format!(
            "{} is not a file",
            path.display()
        )));
    }
    Ok(meta)
}

pub(crate) fn hex(bytes: &[u8]) -> String {
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

/// The partial file next to `dest` that a download writes before renaming it:
/// `.<name>.inveniordm-part` (hidden, and not a name a record's file is likely to have).
pub fn part_path(dest: &Path) -> PathBuf {
    let mut name = std::ffi::OsString::from(".");
    name.push(dest.file_name().unwrap_or_default());
    name.push(".inveniordm-part");
    dest.with_file_name(name)
}

/// The md5 state and length of a local file, read in one pass on a thread of its own.
pub(crate) async fn hash_file(path: &Path) -> Result<(Md5, u64)> {
    let p = path.to_path_buf();
    tokio::task::spawn_blocking(move || hash_path(&p))
        .await
        .map_err(|e| Error::internal(format!("hashing stopped: {e}")))?
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))
}

/// The md5 state and length of a local file, read in 1 MiB blocks (blocking).
pub(crate) fn hash_path(path: &Path) -> std::io::Result<(Md5, u64)> {
    hash_path_until(path, &std::sync::atomic::AtomicBool::new(false))
}

/// The hex md5 of a local file (blocking), given up as soon as `stop` is set.
pub(crate) fn md5_until(
    path: &Path,
    stop: &std::sync::atomic::AtomicBool,
) -> std::io::Result<String> {
    hash_path_until(path, stop).map(|(h, _)| hex(&h.finalize()))
}

/// [`hash_path`], stopped (with an error) as soon as `stop` is set: an upload that failed
/// does not read the rest of its file.
pub(crate) fn hash_path_until(
    path: &Path,
    stop: &std::sync::atomic::AtomicBool,
) -> std::io::Result<(Md5, u64)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Md5::new();
    let mut len = 0u64;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        if stop.load(Ordering::Relaxed) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "the upload stopped",
            ));
        }
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok((h, len));
        }
        h.update(&buf[..n]);
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
    // A remote file registered without a size reports 0: nothing to check against.
    let expected_size = entry
        .size
        .filter(|&s| !(entry.is_remote() && s == 0 && expected_md5.is_none()));
    if !opts.overwrite && tokio::fs::try_exists(dest).await.unwrap_or(false) {
        return Err(Error::WouldOverwrite {
            what: dest.display().to_string(),
        });
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
    let mut resumed_from = have;
    if let Some(p) = &opts.progress
        && have > 0
    {
        p(have);
    }
    // Progress is reported up to the furthest byte reached, so a restarted body is not
    // counted twice.
    let mut reported = have;
    let mut backoff = Backoff::new(client.retry_config());
    let mut sink: Option<sink::Sink> = None;
    let complete_already = have > 0 && expected_size == Some(have);
    // Each turn fetches the rest of the body; a body that breaks off is continued (Range) or
    // started over, as often as the retry policy allows.
    if !complete_already {
        loop {
            let mut dl = Download::start(client, url.clone(), Some(have)).await?;
            // Append only to a 206 that starts exactly where the part ends and describes this file.
            let continues = dl.status == 206
                && dl.content_range.is_some_and(|(start, total)| {
                    start == have
                        && (expected_size.is_none() || total.is_none() || total == expected_size)
                });
            if have > 0 && !continues {
                if dl.status == 206 {
                    // A range we did not ask for: fetch the whole file instead.
                    dl = Download::start(client, url.clone(), None).await?;
                }
                if let Some(old) = sink.take() {
                    let _ = old.finish(false).await;
                }
                hasher = Md5::new();
                have = 0;
                resumed_from = 0;
            }
            let mut s = match sink.take() {
                Some(s) => s,
                None => {
                    let f = if have > 0 {
                        tokio::fs::OpenOptions::new()
                            .append(true)
                            .open(&part)
                            .await
                            .map_err(|e| Error::io(format!("opening {}", part.display()), e))?
                    } else {
                        tokio::fs::File::create(&part)
                            .await
                            .map_err(|e| Error::io(format!("creating {}", part.display()), e))?
                    };
                    sink::Sink::start(f.into_std().await, hasher.clone(), &part)
                }
            };
            let mut broke = None;
            while let Some(chunk) = dl.next().await {
                let chunk = match chunk {
                    Ok(c) => c,
                    Err(e) => {
                        broke = Some(e);
                        break;
                    }
                };
                have += chunk.len() as u64;
                s.push(chunk).await?;
                if let Some(p) = &opts.progress
                    && have > reported
                {
                    p(have - reported);
                    reported = have;
                }
            }
            let Some(e) = broke else {
                hasher = s.finish(true).await?;
                break;
            };
            if have > 0 {
                backoff.progressed();
            }
            match backoff.next(None) {
                Some(wait) => {
                    tracing::info!(key, at = have, error = %e, wait_ms = wait.as_millis() as u64, "the download broke off; continuing it");
                    sink = Some(s);
                    tokio::time::sleep(wait).await;
                }
                // The part stays (written out) for a later resume.
                None => {
                    let _ = s.finish(false).await;
                    return Err(e);
                }
            }
        }
    }
    let size = have;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_write_leaves_the_files_beside_it_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("journal.json");
        let users = dir.path().join("journal.tmp");
        std::fs::write(&users, b"the user's own file").expect("write");
        write_whole(&target, b"{}").expect("written");
        write_whole(&target, b"{\"a\": 1}").expect("written again");
        assert_eq!(std::fs::read(&target).expect("read"), b"{\"a\": 1}");
        assert_eq!(std::fs::read(&users).expect("read"), b"the user's own file");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        assert_eq!(left.len(), 2, "no temporary file left: {left:?}");
    }
}
