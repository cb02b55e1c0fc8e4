//! Mirroring: a local copy of every record of a community or a query, kept up to date.
//!
//! The folder holds one folder per record, named by its id: `record.json` (the record as the
//! server lists it, every field kept) and `files/` (its files under their keys). A record's
//! `record.json` is written last, once each of its files is there and its md5 matched the
//! server's: a record whose `record.json` is present is complete, and one without it is
//! carried on by the next run (files already there are kept after their md5 is checked, a
//! partial download resumes). `mirror.json` at the top says what the folder mirrors, so that a
//! folder is never mixed with another source's records.
//!
//! A run lists the source (past the search window: the listing is split by id), compares each
//! record's `updated` and `revision_id` with its `record.json`, and fetches only the records
//! that are new or changed; of those, only the files whose md5 differs from the local copy.
//! Records that are no longer listed (removed from the community, deleted, or superseded by a
//! newer version when only latest versions are mirrored) are reported as gone, and removed
//! only when asked.

use std::collections::{BTreeSet, HashSet};
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::{Stream, StreamExt};
use inveniordm_models::{Record, SearchQuery};
use serde::{Deserialize, Serialize};

use super::RepoApi;
use super::batch::{DownloadFilesOptions, DownloadOutcome, ProgressFactory, local_path};
use crate::api::{OaiQuery, OaiRecord, Scope};
use crate::transfer::{DEFAULT_JOBS, part_path, write_whole};
use crate::{Client, Error, Result};

/// The name of the file that says what a mirror folder holds.
pub const MIRROR_MANIFEST: &str = "mirror.json";

/// The name of a record's document in its folder.
pub const RECORD_FILE: &str = "record.json";

/// The search engine's window on InvenioRDM: the most results one query serves.
const SEARCH_WINDOW: usize = 10_000;

/// Records listed ahead of those being fetched.
const LISTED_AHEAD: usize = 200;

/// What a mirror holds: the records of a community, or of a query, or both (a query within a
/// community); every published record when neither is given.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct MirrorSource {
    /// The community, by slug or id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community: Option<String>,
    /// A search query (the server's syntax).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub query: Option<String>,
    /// Every version of each record, not only the latest.
    #[serde(default)]
    pub all_versions: bool,
    /// Harvest over OAI-PMH instead of the REST API: each record's metadata in one format,
    /// no files (what instances that open only OAI-PMH to the public allow).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub oai: Option<OaiSource>,
}

/// An OAI-PMH harvest, for [`MirrorSource::oai`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct OaiSource {
    /// The metadata format (`oai_dc`, `datacite`, `marcxml`, …).
    pub metadata_prefix: String,
    /// Only this set (a community is `community-{slug}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub set: Option<String>,
}

impl OaiSource {
    /// Every record, in `metadata_prefix`.
    pub fn new(metadata_prefix: impl Into<String>) -> Self {
        Self {
            metadata_prefix: metadata_prefix.into(),
            set: None,
        }
    }

    /// Only the records of `set`.
    pub fn set(mut self, set: impl Into<String>) -> Self {
        self.set = Some(set.into());
        self
    }
}

impl MirrorSource {
    /// Every record of a community (by slug or id).
    pub fn community(community: impl Into<String>) -> Self {
        Self {
            community: Some(community.into()),
            ..Self::default()
        }
    }

    /// Every record a query matches.
    pub fn query(query: impl Into<String>) -> Self {
        Self {
            query: Some(query.into()),
            ..Self::default()
        }
    }

    /// Narrows the source to the records `query` matches.
    pub fn with_query(mut self, query: impl Into<String>) -> Self {
        self.query = Some(query.into());
        self
    }

    /// Mirrors every version, not only the latest of each record.
    pub fn all_versions(mut self, yes: bool) -> Self {
        self.all_versions = yes;
        self
    }

    /// Harvests over OAI-PMH (see [`OaiSource`]).
    pub fn oai(source: OaiSource) -> Self {
        Self {
            oai: Some(source),
            ..Self::default()
        }
    }
}

/// Options of [`RepoApi::mirror`].
#[derive(Clone)]
#[non_exhaustive]
pub struct MirrorOptions {
    /// Records fetched at the same time (a record's files come one after another); default
    /// [`DEFAULT_JOBS`].
    pub jobs: NonZeroUsize,
    /// Fetch the files (default); without, only each record's `record.json`.
    pub files: bool,
    /// Check the md5 of every local file, of unchanged records too, and fetch again what
    /// differs or is missing (default: unchanged records are trusted, their files were checked
    /// when written).
    pub verify: bool,
    /// Remove the folders of records that are no longer listed (default: keep them, report
    /// them as gone).
    pub prune: bool,
    /// The most results one search serves (InvenioRDM's window is 10 000): listings larger
    /// than this are split.
    pub window: usize,
    /// Progress of each file.
    pub progress: Option<ProgressFactory>,
}

impl Default for MirrorOptions {
    fn default() -> Self {
        Self {
            jobs: DEFAULT_JOBS,
            files: true,
            verify: false,
            prune: false,
            window: SEARCH_WINDOW,
            progress: None,
        }
    }
}

impl std::fmt::Debug for MirrorOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MirrorOptions")
            .field("jobs", &self.jobs)
            .field("files", &self.files)
            .field("verify", &self.verify)
            .field("prune", &self.prune)
            .field("window", &self.window)
            .finish()
    }
}

/// How a listed record compared with the local copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
#[non_exhaustive]
pub enum MirrorChange {
    /// Not in the folder before (or not complete there).
    New,
    /// In the folder, but the server's is newer (`updated` or `revision_id` differ).
    Changed,
    /// The same as the folder's: nothing fetched (with [`MirrorOptions::verify`], missing or
    /// damaged files are fetched again).
    Unchanged,
}

/// One record of a mirror run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct MirroredRecord {
    /// The record id.
    pub id: String,
    /// How it compared with the local copy.
    pub change: MirrorChange,
    /// Files fetched (downloaded, md5 checked).
    pub files_fetched: usize,
    /// Bytes of the files fetched.
    pub bytes_fetched: u64,
    /// Local files already there with the server's md5.
    pub files_kept: usize,
    /// Local files removed because the record no longer has them.
    pub files_removed: usize,
    /// The record's files could not be read with these credentials (restricted): its
    /// `record.json` is kept, its files are not.
    pub files_restricted: bool,
}

impl MirroredRecord {
    /// A record whose files were not touched (yet).
    fn nothing_fetched(id: String, change: MirrorChange) -> Self {
        Self {
            id,
            change,
            files_fetched: 0,
            bytes_fetched: 0,
            files_kept: 0,
            files_removed: 0,
            files_restricted: false,
        }
    }
}

/// What one step of a mirror run did.
#[derive(Debug)]
#[non_exhaustive]
pub enum MirrorEvent {
    /// A listed record, now complete in the folder.
    Record(MirroredRecord),
    /// A listed record that could not be mirrored; the next run tries it again.
    Failed {
        /// The record id.
        id: String,
        /// What went wrong.
        error: Error,
    },
    /// A record in the folder that the source no longer lists.
    Gone {
        /// The record id.
        id: String,
        /// Whether its folder was removed ([`MirrorOptions::prune`]).
        removed: bool,
    },
}

/// The sums of a mirror run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct MirrorReport {
    /// Records listed by the source.
    pub listed: usize,
    /// Records new to the folder.
    pub new: usize,
    /// Records changed on the server since the last run.
    pub changed: usize,
    /// Records the same as the folder's.
    pub unchanged: usize,
    /// Records that could not be mirrored (see the events).
    pub failed: usize,
    /// Records in the folder no longer listed.
    pub gone: usize,
    /// Of those, removed.
    pub removed: usize,
    /// Files fetched.
    pub files_fetched: usize,
    /// Bytes fetched.
    pub bytes_fetched: u64,
}

impl MirrorReport {
    /// Adds one event to the sums.
    pub fn add(&mut self, event: &MirrorEvent) {
        match event {
            MirrorEvent::Record(r) => {
                self.listed += 1;
                match r.change {
                    MirrorChange::New => self.new += 1,
                    MirrorChange::Changed => self.changed += 1,
                    MirrorChange::Unchanged => self.unchanged += 1,
                }
                self.files_fetched += r.files_fetched;
                self.bytes_fetched += r.bytes_fetched;
            }
            MirrorEvent::Failed { .. } => {
                self.listed += 1;
                self.failed += 1;
            }
            MirrorEvent::Gone { removed, .. } => {
                self.gone += 1;
                self.removed += usize::from(*removed);
            }
        }
    }
}

/// What `mirror.json` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct Manifest {
    /// The server's API root.
    server: String,
    /// The source as the user gave it.
    source: MirrorSource,
    /// The community's id, when the source names a community.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    community_id: Option<String>,
    /// OAI-PMH: when the server answered the first page of the last complete harvest (the
    /// next one asks only for what changed since).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    harvested_until: Option<String>,
}

impl RepoApi<'_> {
    /// Makes `dir` a verified local copy of the records of `source`, and returns the sums.
    /// The events one by one: [`mirror_stream`](Self::mirror_stream).
    ///
    /// Records that fail (a file whose md5 does not match, a broken connection) do not stop
    /// the others; they are counted in [`MirrorReport::failed`] and tried again by the next
    /// run. A listing that fails stops the run with its error (nothing is reported gone).
    ///
    /// ```no_run
    /// # async fn demo(client: inveniordm::Client) -> inveniordm::Result<()> {
    /// use inveniordm::repo::{MirrorOptions, MirrorSource};
    /// let report = client
    ///     .repo()
    ///     .mirror(&MirrorSource::community("ocean-lab"), "ocean-lab".as_ref(), &MirrorOptions::default())
    ///     .await?;
    /// println!("{} records, {} new, {} changed, {} files fetched", report.listed, report.new, report.changed, report.files_fetched);
    /// # Ok(()) }
    /// ```
    pub async fn mirror(
        &self,
        source: &MirrorSource,
        dir: &Path,
        opts: &MirrorOptions,
    ) -> Result<MirrorReport> {
        let mut report = MirrorReport::default();
        let mut events = std::pin::pin!(self.mirror_stream(source, dir, opts));
        while let Some(event) = events.next().await {
            report.add(&event?);
        }
        Ok(report)
    }

    /// [`mirror`](Self::mirror), one event per record as it completes (records are fetched
    /// [`MirrorOptions::jobs`] at a time, so in no particular order), then one per record
    /// gone from the source. An `Err` item (the folder cannot be used, the listing failed)
    /// ends the stream.
    pub fn mirror_stream(
        &self,
        source: &MirrorSource,
        dir: &Path,
        opts: &MirrorOptions,
    ) -> impl Stream<Item = Result<MirrorEvent>> + Send + use<> {
        let client = self.client.clone();
        if let Some(oai) = source.oai.clone() {
            return oai_mirror(client, source.clone(), oai, dir.to_path_buf(), opts.prune).boxed();
        }
        let (source, dir, opts) = (source.clone(), dir.to_path_buf(), opts.clone());
        let listed: Arc<Mutex<HashSet<String>>> = Arc::default();
        let listing_failed = Arc::new(AtomicBool::new(false));
        let (seen, failed) = (listed.clone(), listing_failed.clone());
        let (gone_dir, prune) = (dir.clone(), opts.prune);
        let records = futures_util::stream::once(async move {
            let scope = prepare(&client, &source, &dir).await?;
            let mut query = SearchQuery::all().all_versions(source.all_versions);
            query.q = source.query.clone();
            query.size = Some(100);
            // The listing runs ahead of the fetches by at most a few pages: records wait in
            // a bounded channel, so memory stays flat however many records there are.
            let (tx, rx) = tokio::sync::mpsc::channel::<Result<Record>>(LISTED_AHEAD);
            let lister = client.clone();
            let window = opts.window.max(1);
            tokio::spawn(async move {
                let mut records =
                    std::pin::pin!(lister.query().records_split(scope, query, window));
                while let Some(r) = records.next().await {
                    let stop = r.is_err();
                    // The receiver gone (the run was dropped): nothing more to list.
                    if tx.send(r).await.is_err() || stop {
                        break;
                    }
                }
            });
            let listing = futures_util::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|r| (r, rx))
            });
            Ok::<_, Error>((client, dir, opts, listing))
        })
        .flat_map(move |prepared| match prepared {
            Err(e) => futures_util::stream::iter(vec![Err(e)]).boxed(),
            Ok((client, dir, opts, listing)) => {
                let (seen, failed) = (seen.clone(), failed.clone());
                let jobs = opts.jobs.get();
                listing
                    .map(move |item| {
                        let (client, dir, opts) = (client.clone(), dir.clone(), opts.clone());
                        let (seen, failed) = (seen.clone(), failed.clone());
                        async move {
                            let record = match item {
                                Ok(r) => r,
                                Err(e) => {
                                    failed.store(true, Ordering::SeqCst);
                                    return Err(e);
                                }
                            };
                            let id = record.require_id()?.to_string();
                            seen.lock().expect("not poisoned").insert(id.clone());
                            Ok(match mirror_record(&client, &dir, record, &opts).await {
                                Ok(r) => MirrorEvent::Record(r),
                                Err(error) => MirrorEvent::Failed { id, error },
                            })
                        }
                    })
                    .buffer_unordered(jobs)
                    .boxed()
            }
        });
        // Once every listed record is through: the folders the listing did not name.
        let gone = futures_util::stream::once(async move {
            if listing_failed.load(Ordering::SeqCst) {
                return Vec::new();
            }
            let listed = std::mem::take(&mut *listed.lock().expect("not poisoned"));
            match gone_records(&gone_dir, &listed, prune).await {
                Ok(events) => events.into_iter().map(Ok).collect(),
                Err(e) => vec![Err(e)],
            }
        })
        .flat_map(futures_util::stream::iter);
        records
            .chain(gone)
            .scan(false, |stopped, item| {
                // An error ends the stream: nothing after it (not the gone records of a
                // listing that did not finish).
                if *stopped {
                    return std::future::ready(None);
                }
                *stopped = item.is_err();
                std::future::ready(Some(item))
            })
            .boxed()
    }
}

/// The file of an OAI-PMH record's header (identifier, datestamp, sets), written after its
/// metadata.
const OAI_HEADER: &str = "oai.json";

/// The file of an OAI-PMH record's metadata, as the server sent it.
const OAI_METADATA: &str = "metadata.xml";

/// A mirror harvested over OAI-PMH: each record's metadata (`metadata.xml`) and header
/// (`oai.json`, written last) in a folder named by its id. Without `prune`, only what changed
/// since the last complete harvest is asked for; with it, everything, and the records no
/// longer listed are removed. Runs in a task of its own; events come through a bounded
/// channel.
fn oai_mirror(
    client: Client,
    source: MirrorSource,
    oai: OaiSource,
    dir: PathBuf,
    prune: bool,
) -> futures_util::stream::BoxStream<'static, Result<MirrorEvent>> {
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<MirrorEvent>>(LISTED_AHEAD);
    tokio::spawn(async move {
        let done = harvest(&client, &source, &oai, &dir, prune, &tx).await;
        if let Err(e) = done {
            let _ = tx.send(Err(e)).await;
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|r| (r, rx)) })
        .boxed()
}

async fn harvest(
    client: &Client,
    source: &MirrorSource,
    oai: &OaiSource,
    dir: &Path,
    prune: bool,
    tx: &tokio::sync::mpsc::Sender<Result<MirrorEvent>>,
) -> Result<()> {
    let fresh = Manifest {
        server: client.api_url().to_string(),
        source: source.clone(),
        community_id: None,
        harvested_until: None,
    };
    let mut manifest = checked_manifest(dir, &fresh).await?;
    let mut query = OaiQuery::new(oai.metadata_prefix.clone());
    query.set = oai.set.clone();
    if !prune {
        query.from = manifest.harvested_until.clone();
    }
    let api = client.oai();
    let mut seen: HashSet<String> = HashSet::new();
    let mut started: Option<String> = None;
    let mut token: Option<String> = None;
    loop {
        let page = api.list_records(&query, token.as_deref()).await?;
        if !page.response_date.is_empty() {
            started.get_or_insert(page.response_date.clone());
        }
        for record in page.records {
            let event = oai_record(dir, record, prune).await;
            if let Ok(MirrorEvent::Record(r)) = &event {
                seen.insert(r.id.clone());
            }
            // The receiver gone (the run was dropped): stop harvesting.
            if tx.send(event).await.is_err() {
                return Ok(());
            }
        }
        match page.resumption_token {
            Some(t) if token.as_deref() != Some(t.as_str()) => token = Some(t),
            Some(_) => {
                return Err(Error::unexpected(
                    "harvesting over OAI-PMH",
                    "the server gave the same resumption token twice",
                ));
            }
            None => break,
        }
    }
    if prune {
        for event in gone_records_marked(dir, &seen, OAI_HEADER, true).await? {
            if tx.send(Ok(event)).await.is_err() {
                return Ok(());
            }
        }
    }
    // An empty harvest (no answer date) leaves the mark where it was.
    if started.is_some() {
        manifest.harvested_until = started;
    }
    write_manifest(dir, &manifest).await
}

/// Writes one harvested record when it is new or changed (by its datestamp).
async fn oai_record(dir: &Path, record: OaiRecord, prune: bool) -> Result<MirrorEvent> {
    let id = record.record_id().to_string();
    let rdir = record_dir(dir, &id)?;
    if record.deleted {
        let existed = rdir.join(OAI_HEADER).exists();
        let removed = prune && existed && {
            tokio::fs::remove_dir_all(&rdir)
                .await
                .map_err(|e| Error::io(format!("cannot remove {}", rdir.display()), e))?;
            true
        };
        return Ok(MirrorEvent::Gone { id, removed });
    }
    let header = rdir.join(OAI_HEADER);
    let old: Option<serde_json::Value> = tokio::fs::read(&header)
        .await
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let metadata = record.metadata.clone().unwrap_or_default().into_bytes();
    // Datestamps are whole seconds: a change within the second of the last harvest keeps
    // the datestamp, so the metadata itself is compared too.
    let same_metadata = || std::fs::read(rdir.join(OAI_METADATA)).is_ok_and(|m| m == metadata);
    let change = match &old {
        None => MirrorChange::New,
        Some(o)
            if o.get("datestamp").and_then(|d| d.as_str()) == Some(record.datestamp.as_str())
                && same_metadata() =>
        {
            MirrorChange::Unchanged
        }
        Some(_) => MirrorChange::Changed,
    };
    if change != MirrorChange::Unchanged {
        let head = serde_json::to_vec_pretty(&serde_json::json!({
            "identifier": record.identifier,
            "datestamp": record.datestamp,
            "sets": record.sets,
        }))
        .map_err(Error::internal)?;
        let (m, h) = (rdir.join(OAI_METADATA), header);
        tokio::task::spawn_blocking(move || {
            write_whole(&m, &metadata)?;
            write_whole(&h, &head)
        })
        .await
        .map_err(Error::internal)??;
    }
    Ok(MirrorEvent::Record(MirroredRecord::nothing_fetched(
        id, change,
    )))
}

/// Checks (or writes) the folder's manifest and finds what to list.
async fn prepare(client: &Client, source: &MirrorSource, dir: &Path) -> Result<Scope> {
    let community_id = match &source.community {
        Some(c) => Some(client.communities().get(c).await?.require_id()?.to_string()),
        None => None,
    };
    let manifest = Manifest {
        server: client.api_url().to_string(),
        source: source.clone(),
        community_id: community_id.clone(),
        harvested_until: None,
    };
    checked_manifest(dir, &manifest).await?;
    Ok(match community_id {
        Some(id) => Scope::Community(id),
        None => Scope::Published,
    })
}

/// The folder's manifest when it mirrors the same source from the same server (written
/// when the folder is new or empty); a folder of another source, or of something else, is
/// refused.
async fn checked_manifest(dir: &Path, manifest: &Manifest) -> Result<Manifest> {
    let path = dir.join(MIRROR_MANIFEST);
    match tokio::fs::read(&path).await {
        Ok(bytes) => {
            let old: Manifest = serde_json::from_slice(&bytes).map_err(|e| {
                Error::Usage(format!(
                    "{} is not a mirror manifest ({e}); mirror into another folder",
                    path.display()
                ))
            })?;
            // The same community by slug or by id is the same source.
            let same_source = old.server == manifest.server
                && old.community_id == manifest.community_id
                && old.source.query == manifest.source.query
                && old.source.all_versions == manifest.source.all_versions
                && old.source.oai == manifest.source.oai;
            if !same_source {
                return Err(Error::Usage(format!(
                    "{} mirrors {} ({}); mirror {} into another folder",
                    dir.display(),
                    describe(&old.source),
                    old.server,
                    describe(&manifest.source)
                )));
            }
            Ok(old)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            if tokio::fs::try_exists(dir).await.unwrap_or(false) {
                let mut entries = tokio::fs::read_dir(dir)
                    .await
                    .map_err(|e| Error::io(format!("cannot read {}", dir.display()), e))?;
                if entries
                    .next_entry()
                    .await
                    .map_err(|e| Error::io(format!("cannot read {}", dir.display()), e))?
                    .is_some()
                {
                    return Err(Error::Usage(format!(
                        "{} is not empty and is not a mirror (it has no {MIRROR_MANIFEST}); mirror into a new or empty folder",
                        dir.display()
                    )));
                }
            }
            write_manifest(dir, manifest).await?;
            Ok(manifest.clone())
        }
        Err(e) => Err(Error::io(format!("cannot read {}", path.display()), e)),
    }
}

async fn write_manifest(dir: &Path, manifest: &Manifest) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(manifest).map_err(Error::internal)?;
    let path = dir.join(MIRROR_MANIFEST);
    tokio::task::spawn_blocking(move || write_whole(&path, &bytes))
        .await
        .map_err(Error::internal)?
}

fn describe(source: &MirrorSource) -> String {
    let mut parts = Vec::new();
    if let Some(c) = &source.community {
        parts.push(format!("the community {c}"));
    }
    if let Some(q) = &source.query {
        parts.push(format!("the query {q:?}"));
    }
    if let Some(o) = &source.oai {
        parts.push(format!(
            "OAI-PMH {}{}",
            o.metadata_prefix,
            o.set
                .as_deref()
                .map(|s| format!(" of the set {s}"))
                .unwrap_or_default()
        ));
    }
    if parts.is_empty() {
        parts.push("every published record".into());
    }
    if source.all_versions {
        parts.push("all versions".into());
    }
    parts.join(", ")
}

/// A record's folder: its id must be a plain name.
fn record_dir(dir: &Path, id: &str) -> Result<PathBuf> {
    let plain = !id.is_empty()
        && id != "."
        && id != ".."
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.');
    if !plain {
        return Err(Error::unexpected(
            "mirroring a record",
            format!("the record id {id:?} cannot name a folder"),
        ));
    }
    Ok(dir.join(id))
}

/// Brings one record's folder up to date.
async fn mirror_record(
    client: &Client,
    dir: &Path,
    record: Record,
    opts: &MirrorOptions,
) -> Result<MirroredRecord> {
    let id = record.require_id()?.to_string();
    let rdir = record_dir(dir, &id)?;
    let doc = rdir.join(RECORD_FILE);
    let local: Option<Record> = match tokio::fs::read(&doc).await {
        Ok(bytes) => serde_json::from_slice(&bytes).ok(),
        Err(_) => None,
    };
    let change = match &local {
        None => MirrorChange::New,
        Some(l) if l.updated == record.updated && l.revision_id == record.revision_id => {
            MirrorChange::Unchanged
        }
        Some(_) => MirrorChange::Changed,
    };
    let mut out = MirroredRecord::nothing_fetched(id.clone(), change);
    if change == MirrorChange::Unchanged && !opts.verify {
        return Ok(out);
    }
    let files_dir = rdir.join("files");
    let has_files = record
        .files
        .as_ref()
        .is_some_and(|f| f.enabled != Some(false));
    let mut keys: BTreeSet<String> = BTreeSet::new();
    if opts.files && has_files {
        let dl = DownloadFilesOptions {
            jobs: NonZeroUsize::MIN,
            draft: false,
            // The mirror owns its folder: a file the server changed replaces the old copy.
            overwrite: true,
            progress: opts.progress.clone(),
        };
        match client
            .repo()
            .download_files(&id, None, &files_dir, &dl)
            .await
        {
            Ok(results) => {
                for (key, r) in results {
                    match r? {
                        DownloadOutcome::Downloaded(d) => {
                            out.files_fetched += 1;
                            out.bytes_fetched += d.size;
                        }
                        _ => out.files_kept += 1,
                    }
                    keys.insert(key);
                }
            }
            // Files the caller may not read: the record is kept, its files are not.
            Err(e) if matches!(e.status(), Some(401 | 403)) => out.files_restricted = true,
            Err(e) => return Err(e),
        }
    }
    if opts.files && !out.files_restricted {
        out.files_removed = remove_other_files(&files_dir, &keys).await?;
    }
    let bytes = serde_json::to_vec_pretty(&record).map_err(Error::internal)?;
    tokio::task::spawn_blocking(move || write_whole(&doc, &bytes))
        .await
        .map_err(Error::internal)??;
    Ok(out)
}

/// Removes the files below `files_dir` that are not `keys` (nor a partial download of one),
/// and the folders that leaves empty; returns how many files went.
async fn remove_other_files(files_dir: &Path, keys: &BTreeSet<String>) -> Result<usize> {
    let (files_dir, keys) = (files_dir.to_path_buf(), keys.clone());
    tokio::task::spawn_blocking(move || {
        if !files_dir.is_dir() {
            return Ok(0);
        }
        let mut keep: HashSet<PathBuf> = HashSet::new();
        for k in &keys {
            let p = local_path(&files_dir, k)?;
            keep.insert(part_path(&p));
            keep.insert(p);
        }
        let mut removed = 0;
        let mut stack = vec![files_dir.clone()];
        let mut folders = Vec::new();
        // Bounded by the folder's own entries: each is visited once.
        while let Some(d) = stack.pop() {
            let entries = std::fs::read_dir(&d)
                .map_err(|e| Error::io(format!("cannot read {}", d.display()), e))?;
            for entry in entries {
                let entry =
                    entry.map_err(|e| Error::io(format!("cannot read {}", d.display()), e))?;
                let p = entry.path();
                let kind = entry
                    .file_type()
                    .map_err(|e| Error::io(format!("cannot read {}", p.display()), e))?;
                if kind.is_dir() {
                    stack.push(p.clone());
                    folders.push(p);
                } else if !keep.contains(&p) {
                    std::fs::remove_file(&p)
                        .map_err(|e| Error::io(format!("cannot remove {}", p.display()), e))?;
                    removed += 1;
                }
            }
        }
        // Deepest first; a folder that still holds something stays.
        folders.sort_by_key(|f| std::cmp::Reverse(f.components().count()));
        for f in folders {
            let _ = std::fs::remove_dir(&f);
        }
        Ok(removed)
    })
    .await
    .map_err(Error::internal)?
}

/// The records of the folder (a folder with a `record.json`) that `listed` does not hold;
/// removed with `prune`.
async fn gone_records(
    dir: &Path,
    listed: &HashSet<String>,
    prune: bool,
) -> Result<Vec<MirrorEvent>> {
    gone_records_marked(dir, listed, RECORD_FILE, prune).await
}

/// The records of the folder (a folder holding `marker`) that `listed` does not hold;
/// removed with `prune`.
async fn gone_records_marked(
    dir: &Path,
    listed: &HashSet<String>,
    marker: &'static str,
    prune: bool,
) -> Result<Vec<MirrorEvent>> {
    let (dir, listed) = (dir.to_path_buf(), listed.clone());
    tokio::task::spawn_blocking(move || {
        let mut out = Vec::new();
        let entries = std::fs::read_dir(&dir)
            .map_err(|e| Error::io(format!("cannot read {}", dir.display()), e))?;
        let mut names = Vec::new();
        for entry in entries {
            let entry =
                entry.map_err(|e| Error::io(format!("cannot read {}", dir.display()), e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if entry.path().join(marker).is_file() && !listed.contains(&name) {
                names.push(name);
            }
        }
        names.sort();
        for id in names {
            let removed = prune && {
                let p = dir.join(&id);
                std::fs::remove_dir_all(&p)
                    .map_err(|e| Error::io(format!("cannot remove {}", p.display()), e))?;
                true
            };
            out.push(MirrorEvent::Gone { id, removed });
        }
        Ok(out)
    })
    .await
    .map_err(Error::internal)?
}
