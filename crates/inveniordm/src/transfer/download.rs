//! Downloads: to a `.part` file, hashed as the bytes arrive, resumed where the server honours
//! `Range`, checked and only then renamed.

use std::path::{Path, PathBuf};

use futures_util::StreamExt;
use inveniordm_models::FileEntry;
use md5::{Digest, Md5};
use url::Url;

use super::hash::{hash_file, hex};
use super::options::{DownloadOptions, Downloaded};
use super::sink;
use crate::api::Download;
use crate::transport::Backoff;
use crate::{Client, Error, Result};

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

pub(crate) async fn download_verified(
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
