//! Multipart uploads (transfer type `M`): the file in parts, several at once, each retried on
//! its own, verified against the md5 the server computes after the commit.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use futures_util::StreamExt;
use inveniordm_models::FileEntry;
use reqwest::Method;
use tokio::io::{AsyncReadExt, AsyncSeekExt};

use super::options::{Progress, UploadOptions};
use crate::api::{DraftsApi, UploadBody};
use crate::transport::BodyFactory;
use crate::{Error, Result};

/// The part size chosen when none is given: 64 MiB, or more for files that would need
/// over 10 000 parts.
pub const DEFAULT_PART_SIZE: u64 = 64 * 1024 * 1024;

/// The most parts a multipart upload has.
pub const MAX_PARTS: u64 = 10_000;

/// How long to wait for the md5 a server computes after a multipart commit, when no wait is
/// given: 30 s, and 1 s more for every 64 MiB (a server reads the file again to hash it).
pub fn checksum_wait_for(size: u64) -> std::time::Duration {
    std::time::Duration::from_secs(30 + size / (64 * 1024 * 1024))
}

/// The part size for a file: the one asked for, or [`DEFAULT_PART_SIZE`] grown until the
/// file fits in [`MAX_PARTS`] parts.
pub fn part_size_for(size: u64, asked: Option<u64>) -> Result<u64> {
    let part = match asked {
        Some(0) => {
            return Err(Error::InvalidArgument(
                "the part size must be at least 1 byte".into(),
            ));
        }
        Some(p) => p,
        None => DEFAULT_PART_SIZE.max(size.div_ceil(MAX_PARTS)),
    };
    if size.div_ceil(part) > MAX_PARTS {
        return Err(Error::InvalidArgument(format!(
            "{size} bytes in parts of {part} make more than {MAX_PARTS} parts: choose a larger part size"
        )));
    }
    Ok(part)
}

/// What a multipart upload has done so far, kept in a small JSON file so that the same
/// upload run again sends only the parts the server has not confirmed. It names the file by
/// size and modification time: a changed file starts over.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Journal {
    draft: String,
    key: String,
    size: u64,
    modified_ns: u128,
    part_size: u64,
    parts: u64,
    file_id: Option<String>,
    done: std::collections::BTreeSet<u64>,
}

impl Journal {
    fn read(path: &Path) -> Option<Journal> {
        serde_json::from_slice(&std::fs::read(path).ok()?).ok()
    }

    /// Writes the journal whole or not at all (a temporary file renamed).
    fn write(&self, path: &Path) -> Result<()> {
        let bytes = serde_json::to_vec(self)
            .map_err(|e| Error::internal(format!("cannot write the upload journal: {e}")))?;
        super::write_whole(path, &bytes)
    }
}

fn modified_ns(path: &Path) -> u128 {
    std::fs::metadata(path)
        .and_then(|m| m.modified())
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// The part URLs of a pending multipart entry, by part number.
fn part_urls(entry: &FileEntry) -> Vec<(u64, String)> {
    entry
        .links
        .as_ref()
        .and_then(|l| l.get("parts"))
        .and_then(|p| p.as_array())
        .map(|ps| {
            ps.iter()
                .filter_map(|p| {
                    Some((
                        p.get("part")?.as_u64()?,
                        p.get("url")?.as_str()?.to_string(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Part URLs, confirmed parts and file id from the journal of an earlier run of this very
/// upload, when the server still holds its pending entry.
type Resumed = (
    Vec<(u64, String)>,
    std::collections::BTreeSet<u64>,
    Option<String>,
);

async fn resumable(api: &DraftsApi<'_>, journal: &Journal, path: &Path) -> Option<Resumed> {
    let earlier = Journal::read(path)?;
    let same = earlier.draft == journal.draft
        && earlier.key == journal.key
        && earlier.size == journal.size
        && earlier.modified_ns == journal.modified_ns
        && earlier.part_size == journal.part_size;
    if !same {
        return None;
    }
    let entry = api.file_metadata(&journal.draft, &journal.key).await.ok()?;
    let multipart = entry
        .transfer
        .as_ref()
        .and_then(|t| t.get("type"))
        .and_then(|t| t.as_str())
        == Some("M");
    if entry.is_completed() || !multipart || entry.file_id != earlier.file_id {
        return None;
    }
    let urls = part_urls(&entry);
    (urls.len() as u64 == earlier.parts).then_some((urls, earlier.done, earlier.file_id))
}

/// Removes the pending entry an earlier run of this upload left when it cannot be carried on
/// (the file or the part size changed since), so that the upload starts over instead of
/// being refused ("already exists"). Only the entry that run made (its file id is in the
/// journal), and only while it is pending: a completed file is never touched here.
async fn discard_stale(api: &DraftsApi<'_>, journal: &Journal, path: &Path) -> Result<()> {
    let Some(earlier) = Journal::read(path) else {
        return Ok(());
    };
    if earlier.draft != journal.draft || earlier.key != journal.key || earlier.file_id.is_none() {
        return Ok(());
    }
    let Ok(entry) = api.file_metadata(&journal.draft, &journal.key).await else {
        return Ok(());
    };
    if !entry.is_completed() && entry.file_id == earlier.file_id {
        tracing::info!(
            key = journal.key,
            "the file or the part size changed since an interrupted upload: its parts are discarded"
        );
        api.file_delete(&journal.draft, &journal.key).await?;
    }
    Ok(())
}

/// What became of a multipart upload.
pub(crate) enum Outcome {
    /// Uploaded and committed (verification is the caller's).
    Committed(Box<FileEntry>, String),
    /// The server does not take parts: send the file in one stream. `registered` says whether
    /// the (pending, single-stream) entry already exists.
    Single { registered: bool },
}

/// Uploads `path` in parts. A server that refuses parts (403, as Zenodo does) gets its
/// pending entry removed and the caller falls back to one stream. Any other failure removes
/// the entry too, unless the options name a journal: then the entry stays pending and the
/// same upload run again sends only the parts still missing.
pub(crate) async fn upload(
    api: &DraftsApi<'_>,
    id: &str,
    path: &Path,
    key: &str,
    size: u64,
    opts: &UploadOptions,
) -> Result<Outcome> {
    let part_size = part_size_for(size, opts.part_size)?;
    let parts = size.div_ceil(part_size).max(1);
    let mut journal = Journal {
        draft: id.to_string(),
        key: key.to_string(),
        size,
        modified_ns: modified_ns(path),
        part_size,
        parts,
        file_id: None,
        done: Default::default(),
    };
    let earlier = match &opts.journal {
        Some(j) => resumable(api, &journal, j).await,
        None => None,
    };
    let urls = match earlier {
        Some((urls, done, file_id)) => {
            tracing::info!(key, done = done.len(), parts, "resuming a multipart upload");
            journal.file_id = file_id;
            journal.done = done;
            urls
        }
        None => {
            if let Some(j) = &opts.journal {
                discard_stale(api, &journal, j).await?;
            }
            let mut init = FileEntry::init(key);
            init.size = Some(size);
            let mut transfer = inveniordm_models::JsonMap::new();
            transfer.insert("type".into(), "M".into());
            transfer.insert("parts".into(), parts.into());
            transfer.insert("part_size".into(), part_size.into());
            init.transfer = Some(transfer);
            let listing = api.file_upload_start_many(id, &[init]).await?;
            let entry = listing.get(key);
            journal.file_id = entry.and_then(|e| e.file_id.clone());
            entry.map(part_urls).unwrap_or_default()
        }
    };
    if urls.is_empty() {
        // An entry without part links is an ordinary pending one: the server ignored `M`.
        tracing::info!(
            key,
            "the server offers no part URLs; uploading in one stream"
        );
        return Ok(Outcome::Single { registered: true });
    }
    if urls.len() as u64 != parts {
        let _ = api.file_delete(id, key).await;
        return Err(Error::unexpected(
            format!("uploading {key}"),
            format!(
                "the server offered {} part URLs for {parts} parts",
                urls.len()
            ),
        ));
    }
    if let Some(j) = &opts.journal {
        journal.write(j)?;
    }

    // The md5 of the whole file is computed on its own thread while the parts are sent, and
    // stops when the upload does.
    let stop_hashing = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let hashing = {
        let path = path.to_path_buf();
        let stop = stop_hashing.clone();
        tokio::task::spawn_blocking(move || super::md5_until(&path, &stop))
    };
    let done_before = journal.done.clone();
    if let Some(p) = &opts.progress {
        // The parts an earlier run sent count as transferred.
        let reused: u64 = done_before
            .iter()
            .map(|n| part_size.min(size.saturating_sub((n - 1) * part_size)))
            .sum();
        if reused > 0 {
            p(reused);
        }
    }
    let journal = std::sync::Mutex::new(journal);
    let jobs = opts.parallel_parts.get();
    let mut sends = futures_util::stream::iter(
        urls.into_iter()
            .filter(|(n, _)| !done_before.contains(n))
            .map(|(n, url)| {
                let offset = (n - 1) * part_size;
                let len = part_size.min(size.saturating_sub(offset));
                let journal = &journal;
                async move {
                    let progress = opts.progress.clone();
                    send_part(api, path.to_path_buf(), n, url, offset, len, progress).await?;
                    if let Some(j) = &opts.journal {
                        let snapshot = {
                            let mut g = journal
                                .lock()
                                .map_err(|_| Error::internal("the upload journal is poisoned"))?;
                            g.done.insert(n);
                            g.clone()
                        };
                        snapshot.write(j)?;
                    }
                    Ok(())
                }
            }),
    )
    .buffer_unordered(jobs);
    // Parts the server holds: an earlier run's, and this run's as they are confirmed. The
    // first failure (after the transport's own retries: it is final) stops the scheduling;
    // the parts in flight are dropped with the stream.
    let mut accepted = done_before.len();
    let mut failure: Option<Error> = None;
    while let Some(r) = sends.next().await {
        match r {
            Ok(()) => accepted += 1,
            Err(e) => {
                failure = Some(e);
                break;
            }
        }
    }
    drop(sends);
    if let Some(e) = failure {
        stop_hashing.store(true, std::sync::atomic::Ordering::Relaxed);
        if e.status() == Some(403) && accepted == 0 {
            // The server takes no parts at all (Zenodo answers 403): one stream instead.
            let _ = api.file_delete(id, key).await;
            if let Some(j) = &opts.journal {
                let _ = std::fs::remove_file(j);
            }
            tracing::info!(key, "the server refused the parts; uploading in one stream");
            return Ok(Outcome::Single { registered: false });
        }
        match &opts.journal {
            // The confirmed parts stay, with the entry and the journal: the same upload run
            // again sends only the rest (never the whole file again, in one stream).
            Some(_) => tracing::warn!(
                key,
                accepted,
                parts,
                error = %e,
                "a part failed; the parts on the server and the journal are kept: run the same upload again to send the rest"
            ),
            // Without a journal the parts cannot be found again: nothing is left pending.
            None => {
                let _ = api.file_delete(id, key).await;
            }
        }
        return Err(e);
    }
    let local = hashing
        .await
        .map_err(|e| Error::internal(format!("hashing stopped: {e}")))?
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    api.commit(id, key).await?;
    if let Some(j) = &opts.journal {
        let _ = std::fs::remove_file(j);
    }
    // The server computes the checksum after the commit, reading the whole file: wait for
    // it, as long as the file's size makes reasonable.
    let wait = opts
        .checksum_wait
        .unwrap_or_else(|| checksum_wait_for(size));
    let started = std::time::Instant::now();
    let mut pause = std::time::Duration::from_millis(250);
    let mut entry = api.file_metadata(id, key).await?;
    while entry.md5().is_none() && started.elapsed() < wait {
        tokio::time::sleep(pause.min(wait.saturating_sub(started.elapsed()))).await;
        pause = (pause * 3 / 2).min(std::time::Duration::from_secs(5));
        entry = api.file_metadata(id, key).await?;
    }
    if entry.md5().is_none() {
        tracing::warn!(
            key,
            seconds = wait.as_secs(),
            "the server reported no md5 in time"
        );
    }
    Ok(Outcome::Committed(Box::new(entry), local))
}

/// Sends part `n` (`len` bytes from `offset`); the transport retries it alone, reading the
/// part again for each attempt, and progress counts each byte once.
async fn send_part(
    api: &DraftsApi<'_>,
    path: PathBuf,
    n: u64,
    url: String,
    offset: u64,
    len: u64,
    progress: Option<Progress>,
) -> Result<()> {
    let url = api.client.same_origin(&url)?;
    let high_water = Arc::new(AtomicU64::new(0));
    let factory: BodyFactory = Arc::new(move || {
        let path = path.clone();
        let progress = progress.clone();
        let high_water = high_water.clone();
        Box::pin(async move {
            let mut file = tokio::fs::File::open(&path)
                .await
                .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
            file.seek(std::io::SeekFrom::Start(offset))
                .await
                .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
            let mut done = 0u64;
            let stream = tokio_util::io::ReaderStream::with_capacity(file.take(len), 256 * 1024)
                .map(move |chunk| {
                    if let Ok(c) = &chunk {
                        done += c.len() as u64;
                        let before = high_water.fetch_max(done, Ordering::Relaxed);
                        if let Some(p) = &progress
                            && done > before
                        {
                            p(done - before);
                        }
                    }
                    chunk
                });
            Ok(UploadBody::from_stream(stream, Some(len)).into_parts())
        })
    });
    let req = api
        .client
        .request(Method::PUT, url)
        .replayable_body(factory);
    let answer: serde_json::Value = api.client.json(req).await?;
    if let Some(msg) = answer.get("errors").and_then(|v| v.as_str()) {
        return Err(Error::TransferFailed {
            key: format!("part {n}"),
            message: msg.to_string(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIB: u64 = 1024 * 1024;

    #[test]
    fn the_checksum_wait_grows_one_second_per_64_mib() {
        assert_eq!(checksum_wait_for(0).as_secs(), 30);
        assert_eq!(checksum_wait_for(64 * MIB - 1).as_secs(), 30);
        assert_eq!(checksum_wait_for(640 * MIB).as_secs(), 40);
    }

    #[test]
    fn parts_are_64_mib_unless_the_file_needs_more_than_10_000() {
        assert_eq!(part_size_for(1, None).expect("small"), 64 * MIB);
        assert_eq!(DEFAULT_PART_SIZE, 64 * MIB);
        let huge = MAX_PARTS * 64 * MIB + 1;
        let part = part_size_for(huge, None).expect("huge");
        assert_eq!(part, huge.div_ceil(MAX_PARTS));
        assert!(huge.div_ceil(part) <= MAX_PARTS);
    }

    #[test]
    fn a_part_size_asked_for_may_make_exactly_10_000_parts_not_more() {
        assert_eq!(
            part_size_for(MAX_PARTS * 10, Some(10)).expect("10 000 parts"),
            10
        );
        assert!(matches!(
            part_size_for(MAX_PARTS * 10 + 1, Some(10)),
            Err(Error::InvalidArgument(_))
        ));
        assert!(matches!(
            part_size_for(100, Some(0)),
            Err(Error::InvalidArgument(_))
        ));
    }
}
