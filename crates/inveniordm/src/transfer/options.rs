//! The options and results of single-file transfers.

use std::num::NonZeroUsize;
use std::path::PathBuf;
use std::sync::Arc;

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
    /// The size of a part (default [`DEFAULT_PART_SIZE`](super::DEFAULT_PART_SIZE), larger for files that would need
    /// more than [`MAX_PARTS`](super::MAX_PARTS) parts).
    pub part_size: Option<u64>,
    /// Parts sent at once (default [`DEFAULT_JOBS`]).
    pub parallel_parts: NonZeroUsize,
    /// A file in which a multipart upload notes the parts the server confirmed. With it, an
    /// interrupted upload keeps its pending entry, and the same upload started again sends
    /// only the missing parts; the file is removed when the upload is done. Without it, a
    /// failed multipart upload removes its entry.
    pub journal: Option<PathBuf>,
    /// How long to wait after a multipart commit for the md5 the server computes (default:
    /// [`checksum_wait_for`](super::checksum_wait_for) the file's size). When it does not come, the upload is returned
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

/// Files of this size and more go in parts when [`Multipart::Auto`] is chosen: 4 GiB.
///
/// Parts cost more than one stream wherever it was measured (1.08× on a real v13, and the
/// server computes the md5 again after the commit, a second read of the whole file), so they
/// are chosen only where what they buy outweighs that: resuming part by part (an interrupted
/// stream of 4 GiB re-sends on average 2 GiB, far more than the parts' overhead of a few
/// percent), and the storages that take no single stream past 5 GiB. Where a connection is
/// capped (Zenodo: parallel connections go about 3× faster) ask for parts with
/// [`Multipart::Always`]; docs/benchmarks.md has the figures.
pub const MULTIPART_THRESHOLD: u64 = 4 * 1024 * 1024 * 1024;

/// How an upload is sent.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Multipart {
    /// In parts from [`MULTIPART_THRESHOLD`] on, in one stream below.
    #[default]
    Auto,
    /// Always in parts.
    Always,
    /// Always in one stream.
    Never,
}

impl Multipart {
    /// Whether a file of `size` bytes goes in parts.
    pub fn applies(self, size: u64) -> bool {
        match self {
            Multipart::Auto => size >= MULTIPART_THRESHOLD,
            Multipart::Always => true,
            Multipart::Never => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn fetch_options_take_an_md5_and_a_wait() {
        let d = FetchOptions::default();
        assert_eq!((d.md5.as_deref(), d.wait), (None, Duration::from_secs(60)));
        let o = FetchOptions::default()
            .md5("9e107d9d372bb6826bd81d3542a419d6")
            .wait(Duration::from_secs(5));
        assert_eq!(o.md5.as_deref(), Some("9e107d9d372bb6826bd81d3542a419d6"));
        assert_eq!(o.wait, Duration::from_secs(5));
    }

    #[test]
    fn options_show_their_settings_and_not_their_callback() {
        let seen = Arc::new(std::sync::atomic::AtomicU64::new(0));
        let s = seen.clone();
        let progress: Progress = Arc::new(move |n| {
            s.fetch_add(n, std::sync::atomic::Ordering::Relaxed);
        });
        let up = UploadOptions {
            key: Some("data.csv".into()),
            progress: Some(progress.clone()),
            part_size: Some(8 << 20),
            ..UploadOptions::default()
        };
        let text = format!("{up:?}");
        for field in [
            "data.csv",
            "8388608",
            "parallel_parts: 4",
            "multipart: Auto",
        ] {
            assert!(text.contains(field), "{field} in {text}");
        }
        assert!(!text.contains("progress"), "{text}");
        let down = DownloadOptions {
            progress: Some(progress),
            resume: true,
            overwrite: false,
        };
        assert_eq!(
            format!("{down:?}"),
            "DownloadOptions { resume: true, overwrite: false }"
        );
    }

    #[test]
    fn parts_are_chosen_from_4_gib_on_unless_asked_otherwise() {
        assert_eq!(MULTIPART_THRESHOLD, 1 << 32);
        assert!(!Multipart::Auto.applies((1 << 32) - 1));
        assert!(Multipart::Auto.applies(1 << 32));
        assert!(Multipart::Always.applies(0));
        assert!(!Multipart::Never.applies(u64::MAX));
    }
}
