//! Many files at once: parallel, verified uploads to a draft and downloads into a folder.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use futures_util::StreamExt;
use inveniordm_models::{FileEntry, Files};
use md5::Digest;

use super::RepoApi;
use crate::transfer::{
    DownloadOptions, Downloaded, Progress, UploadOptions, download_entry, hash_file, part_path,
};
use std::num::NonZeroUsize;

use crate::transfer::DEFAULT_JOBS;
use crate::{Error, Result};

/// Makes the progress callback of one file from its key and size (e.g. one progress bar each).
pub type ProgressFactory = Arc<dyn Fn(&str, u64) -> Progress + Send + Sync>;

/// Options of [`RepoApi::upload_files`].
#[derive(Clone)]
pub struct UploadFilesOptions {
    /// Files sent at the same time (default [`DEFAULT_JOBS`]).
    pub jobs: NonZeroUsize,
    /// Replace files the draft already has with different content (default: refuse).
    pub replace: bool,
    /// Progress of each file.
    pub progress: Option<ProgressFactory>,
    /// Which files go in parts (default: those from
    /// [`MULTIPART_THRESHOLD`](crate::transfer::MULTIPART_THRESHOLD) on).
    pub multipart: crate::transfer::Multipart,
    /// The part size (default: [`DEFAULT_PART_SIZE`](crate::transfer::DEFAULT_PART_SIZE)).
    pub part_size: Option<u64>,
    /// Parts of one file sent at once (default [`DEFAULT_JOBS`]).
    pub parallel_parts: NonZeroUsize,
    /// A folder for the journals of multipart uploads (one small file per draft and key):
    /// with it, an upload interrupted midway keeps its pending entry, and the same call made
    /// again sends only the parts still missing.
    pub journal_dir: Option<PathBuf>,
    /// How long to wait after a multipart commit for the server's md5 (see
    /// [`UploadOptions::checksum_wait`]).
    pub checksum_wait: Option<std::time::Duration>,
}

/// The journal file of the upload of `key` to `draft` in `dir`.
pub fn journal_path(dir: &std::path::Path, draft: &str, key: &str) -> PathBuf {
    use md5::{Digest, Md5};
    let name = crate::transfer::hex(&Md5::digest(format!("{draft}\n{key}").as_bytes()));
    dir.join(format!("{name}.json"))
}

impl Default for UploadFilesOptions {
    fn default() -> Self {
        Self {
            jobs: DEFAULT_JOBS,
            replace: false,
            progress: None,
            multipart: crate::transfer::Multipart::default(),
            part_size: None,
            parallel_parts: DEFAULT_JOBS,
            journal_dir: None,
            checksum_wait: None,
        }
    }
}

impl std::fmt::Debug for UploadFilesOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UploadFilesOptions")
            .field("jobs", &self.jobs)
            .field("replace", &self.replace)
            .field("multipart", &self.multipart)
            .field("part_size", &self.part_size)
            .finish()
    }
}

/// What happened to one file of a batch upload.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum UploadOutcome {
    /// Uploaded.
    Uploaded {
        /// The committed entry, as the server reported it.
        entry: FileEntry,
        /// Whether the server's own md5 was seen and equal to the local one. `false` when the
        /// server had reported no md5 yet (it computes it after a multipart commit) or
        /// reports another algorithm: the bytes arrived, but nobody compared them.
        verified: bool,
    },
    /// The draft already had it, with the same md5 as the local file: nothing sent.
    AlreadyThere(FileEntry),
}

impl UploadOutcome {
    /// The server's entry.
    pub fn entry(&self) -> &FileEntry {
        match self {
            Self::Uploaded { entry, .. } | Self::AlreadyThere(entry) => entry,
        }
    }

    /// Whether the server's md5 was seen equal to the local file's (always true for a file
    /// that was already there: it was compared before anything was sent).
    pub fn verified(&self) -> bool {
        match self {
            Self::Uploaded { verified, .. } => *verified,
            Self::AlreadyThere(_) => true,
        }
    }
}

/// Options of [`RepoApi::download_files`].
#[derive(Clone)]
pub struct DownloadFilesOptions {
    /// Files fetched at the same time (default [`DEFAULT_JOBS`]).
    pub jobs: NonZeroUsize,
    /// Read the draft's files instead of the published record's.
    pub draft: bool,
    /// Replace local files whose content differs (default: refuse).
    pub overwrite: bool,
    /// Progress of each file.
    pub progress: Option<ProgressFactory>,
}

impl Default for DownloadFilesOptions {
    fn default() -> Self {
        Self {
            jobs: DEFAULT_JOBS,
            draft: false,
            overwrite: false,
            progress: None,
        }
    }
}

impl std::fmt::Debug for DownloadFilesOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadFilesOptions")
            .field("jobs", &self.jobs)
            .field("draft", &self.draft)
            .field("overwrite", &self.overwrite)
            .finish()
    }
}

/// What happened to one file of a batch download.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DownloadOutcome {
    /// Downloaded (and verified when the server reported an md5).
    Downloaded(Downloaded),
    /// A local file with the same md5 was already there: nothing fetched.
    AlreadyThere(PathBuf),
}

/// The md5 of a local file, hex.
pub async fn md5_file(path: &Path) -> Result<String> {
    let (hasher, _) = hash_file(path).await?;
    Ok(crate::transfer::hex(&hasher.finalize()))
}

/// A safe local path for a file key below `root`: `/` separates folders; empty parts and `.`
/// are skipped; `..`, NUL and keys that are nothing but folders are refused everywhere.
///
/// Where the file system forbids more, so does this: on Windows a key holding `\`, `:` (a
/// drive or stream name), `*?"<>|`, or a reserved device name (`CON`, `NUL`, `COM1`, …) cannot
/// be written as-is and is refused with an error that says so (nothing is renamed behind the
/// user's back). On Linux and other Unix systems such keys are written unchanged, e.g.
/// `2026-12-02T10:00.csv`.
pub fn local_path(root: &Path, key: &str) -> Result<PathBuf> {
    let mut p = root.to_path_buf();
    for part in key.split('/') {
        if part.is_empty() || part == "." {
            continue;
        }
        if part == ".." || part.contains('\0') {
            return Err(Error::Usage(format!(
                "the file key {key:?} cannot be written safely below {}",
                root.display()
            )));
        }
        if cfg!(windows) && !windows_name_ok(part) {
            return Err(Error::Usage(format!(
                "the file key {key:?} cannot be written as-is on Windows (no \\, :, *, ?, \", <, >, | or device names such as CON or NUL in file names); download it on another system or give the files other keys"
            )));
        }
        p.push(part);
    }
    if p == root {
        return Err(Error::Usage(format!(
            "the file key {key:?} has no file name"
        )));
    }
    Ok(p)
}

/// Whether Windows can hold a file or folder of this name.
fn windows_name_ok(part: &str) -> bool {
    let stem = part.split('.').next().unwrap_or("").to_ascii_uppercase();
    let device = ["CON", "PRN", "AUX", "NUL"].contains(&stem.as_str())
        || ((stem.starts_with("COM") || stem.starts_with("LPT"))
            && stem.len() == 4
            && stem.as_bytes()[3].is_ascii_digit());
    !device
        && !part.ends_with(['.', ' '])
        && !part.chars().any(|c| c < ' ' || "\\:*?\"<>|".contains(c))
}

/// Whether the file system holding `dir` treats names that differ only in case as one (a
/// probe file is created and looked up in the other case); false when it cannot tell.
fn case_insensitive(dir: &Path) -> bool {
    if std::fs::create_dir_all(dir).is_err() {
        return cfg!(any(windows, target_os = "macos"));
    }
    let name = format!(".inveniordm-case-probe-{}", std::process::id());
    let probe = dir.join(&name);
    if std::fs::write(&probe, b"").is_err() {
        return cfg!(any(windows, target_os = "macos"));
    }
    let other = dir.join(name.to_uppercase());
    let folded = other.exists();
    let _ = std::fs::remove_file(&probe);
    folded
}

impl RepoApi<'_> {
    /// Uploads local files to a draft under the given keys.
    ///
    /// Every local file is checked first, and only then is the draft changed: files the draft
    /// already has with the same md5 are skipped, pending ones are sent again, and completed
    /// ones with other content are replaced only with `replace` (otherwise nothing is done and
    /// an error says which key). All keys are registered in one request, then the contents
    /// are streamed `jobs` at a time, each verified against the server's md5.
    ///
    /// Returns one result per file, in the order given; the outer error is for the planning
    /// steps.
    pub async fn upload_files(
        &self,
        draft: &str,
        files: &[(PathBuf, String)],
        opts: &UploadFilesOptions,
    ) -> Result<Vec<(String, Result<UploadOutcome>)>> {
        self.upload_files_known(draft, files, opts, &BTreeMap::new())
            .await
    }

    /// [`upload_files`](Self::upload_files) with the md5s (hex) of some local files known
    /// already (a deposit hashed them for its journal), so they are not read again.
    pub(crate) async fn upload_files_known(
        &self,
        draft: &str,
        files: &[(PathBuf, String)],
        opts: &UploadFilesOptions,
        known: &BTreeMap<&Path, &str>,
    ) -> Result<Vec<(String, Result<UploadOutcome>)>> {
        let mut seen = std::collections::BTreeSet::new();
        for (p, k) in files {
            if !seen.insert(k) {
                return Err(Error::InvalidArgument(format!(
                    "two files would get the key {k:?} (one is {})",
                    p.display()
                )));
            }
        }
        let existing: Files = self.client.drafts().files(draft).await?;
        let mut outcomes: BTreeMap<usize, Result<UploadOutcome>> = BTreeMap::new();
        let mut todo = Vec::new();
        let mut replace = Vec::new();
        for (i, (path, key)) in files.iter().enumerate() {
            let meta = crate::transfer::file_meta(path).await?;
            if let Some(e) = existing.get(key) {
                if e.is_completed()
                    && e.size == Some(meta.len())
                    && e.md5().map(str::to_ascii_lowercase)
                        == Some(match known.get(path.as_path()) {
                            Some(m) => (*m).to_string(),
                            None => md5_file(path).await?,
                        })
                {
                    outcomes.insert(i, Ok(UploadOutcome::AlreadyThere(e.clone())));
                    continue;
                }
                if e.is_completed() && !opts.replace {
                    return Err(Error::WouldOverwrite {
                        what: format!("the draft's file {key}"),
                    });
                }
                // A pending multipart upload with a journal is continued, not replaced.
                let resumable = !e.is_completed()
                    && opts
                        .journal_dir
                        .as_ref()
                        .is_some_and(|d| journal_path(d, draft, key).is_file());
                if !resumable {
                    replace.push(key.clone());
                }
            }
            todo.push((
                i,
                path.clone(),
                key.clone(),
                opts.multipart.applies(meta.len()),
            ));
        }
        for key in &replace {
            self.client.drafts().file_delete(draft, key).await?;
        }
        // Files sent in one stream are registered together; those sent in parts register
        // their parts themselves.
        let single: Vec<&String> = todo.iter().filter(|t| !t.3).map(|t| &t.2).collect();
        for chunk in single.chunks(100) {
            let entries: Vec<FileEntry> = chunk
                .iter()
                .map(|k| FileEntry::init((*k).clone()))
                .collect();
            self.client
                .drafts()
                .file_upload_start_many(draft, &entries)
                .await?;
        }
        let client = self.client.clone();
        let (multipart, part_size, parallel_parts) =
            (opts.multipart, opts.part_size, opts.parallel_parts);
        let journal_dir = opts.journal_dir.clone();
        let checksum_wait = opts.checksum_wait;
        let results: Vec<(usize, Result<UploadOutcome>)> =
            futures_util::stream::iter(todo.into_iter().map(|(i, path, key, in_parts)| {
                let client = client.clone();
                let draft = draft.to_string();
                let progress = opts.progress.clone();
                let journal_dir = journal_dir.clone();
                async move {
                    let len = tokio::fs::metadata(&path)
                        .await
                        .map(|m| m.len())
                        .unwrap_or(0);
                    let upload = UploadOptions {
                        key: Some(key.clone()),
                        progress: progress.map(|f| f(&key, len)),
                        registered: !in_parts,
                        multipart,
                        part_size,
                        parallel_parts,
                        journal: journal_dir.as_ref().map(|d| journal_path(d, &draft, &key)),
                        checksum_wait,
                    };
                    // An entry returned with an md5 was compared with the local one (a
                    // mismatch is an error); one without could not be.
                    let r = client
                        .drafts()
                        .file_upload_with(&draft, &path, &upload)
                        .await
                        .map(|entry| UploadOutcome::Uploaded {
                            verified: entry.md5().is_some(),
                            entry,
                        });
                    (i, r)
                }
            }))
            .buffer_unordered(opts.jobs.get())
            .collect()
            .await;
        outcomes.extend(results);
        Ok(outcomes
            .into_iter()
            .map(|(i, r)| (files[i].1.clone(), r))
            .collect())
    }

    /// Downloads a record's (or, with `draft`, a draft's) files into `dir`, each verified
    /// against the server's size and md5, `jobs` at a time; `keys` limits it to some files.
    ///
    /// Keys become paths below `dir` (`/` makes folders); keys that would leave `dir` or that
    /// would share a local file are refused before anything is fetched. A local file with the
    /// same md5 is kept as it is; one with other content is replaced only with `overwrite`.
    /// Interrupted downloads resume. A key named twice is fetched once; a key the record does
    /// not have is that key's failure ([`Error::NoSuchFile`]) and the others are still fetched.
    pub async fn download_files(
        &self,
        id: &str,
        keys: Option<&[String]>,
        dir: &Path,
        opts: &DownloadFilesOptions,
    ) -> Result<Vec<(String, Result<DownloadOutcome>)>> {
        let listing = if opts.draft {
            self.client.drafts().files(id).await?
        } else {
            self.client.records().files(id).await?
        };
        let all: Vec<FileEntry> = listing.iter().cloned().collect();
        let mut outcomes: Vec<(String, Result<DownloadOutcome>)> = Vec::new();
        // Each key once, in the order first given; a key the record lacks is reported as that
        // key's failure, and the others are still fetched.
        let mut chosen: Vec<FileEntry> = Vec::new();
        match keys {
            None => chosen = all.clone(),
            Some(keys) => {
                let mut asked = std::collections::BTreeSet::new();
                for k in keys {
                    if !asked.insert(k.as_str()) {
                        continue;
                    }
                    match all.iter().find(|e| e.key.as_deref() == Some(k.as_str())) {
                        Some(e) => chosen.push(e.clone()),
                        None => outcomes.push((
                            k.clone(),
                            Err(Error::NoSuchFile {
                                id: id.to_string(),
                                key: k.clone(),
                                available: all.iter().filter_map(|e| e.key.clone()).collect(),
                            }),
                        )),
                    }
                }
            }
        }
        // Two keys must never write the same local file (or one another's partial file); on
        // a file system that ignores case, keys that differ only in case would.
        let fold = case_insensitive(dir);
        let mut claimed: BTreeMap<String, String> = BTreeMap::new();
        let mut plan = Vec::new();
        for e in chosen {
            let key = e.key.clone().unwrap_or_default();
            let dest = local_path(dir, &key)?;
            for p in [dest.clone(), part_path(&dest)] {
                let name = p.to_string_lossy();
                let name = if fold {
                    name.to_lowercase()
                } else {
                    name.into_owned()
                };
                if let Some(other) = claimed.insert(name, key.clone())
                    && other != key
                {
                    return Err(Error::Usage(format!(
                        "the keys {other:?} and {key:?} would be saved to the same local file{}",
                        if fold {
                            " (this file system ignores case)"
                        } else {
                            ""
                        }
                    )));
                }
            }
            plan.push((e, key, dest));
        }
        let mut todo = Vec::new();
        for (e, key, dest) in plan {
            if tokio::fs::try_exists(&dest).await.unwrap_or(false) {
                if let Some(m) = e.md5()
                    && m.eq_ignore_ascii_case(&md5_file(&dest).await?)
                {
                    outcomes.push((key, Ok(DownloadOutcome::AlreadyThere(dest))));
                    continue;
                }
                if !opts.overwrite {
                    return Err(Error::WouldOverwrite {
                        what: dest.display().to_string(),
                    });
                }
            }
            todo.push((e, key, dest));
        }
        let client = self.client.clone();
        let results: Vec<(String, Result<DownloadOutcome>)> =
            futures_util::stream::iter(todo.into_iter().map(|(e, key, dest)| {
                let client = client.clone();
                let id = id.to_string();
                let progress = opts.progress.clone();
                let (draft, overwrite) = (opts.draft, opts.overwrite);
                async move {
                    let dl = DownloadOptions {
                        progress: progress.map(|f| f(&key, e.size.unwrap_or(0))),
                        resume: true,
                        overwrite,
                    };
                    // The listing already describes the file: no second look-up per file.
                    let r = download_entry(&client, &id, draft, &key, &e, &dest, &dl).await;
                    (key, r.map(DownloadOutcome::Downloaded))
                }
            }))
            .buffer_unordered(opts.jobs.get())
            .collect()
            .await;
        outcomes.extend(results);
        Ok(outcomes)
    }
}
