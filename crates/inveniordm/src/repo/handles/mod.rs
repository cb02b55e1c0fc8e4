//! Handles: drafts and records with the operations a depositor thinks in (see [`DraftHandle`]).

use std::collections::BTreeMap;
use std::num::NonZeroUsize;
use std::path::{Path, PathBuf};

use inveniordm_models::{Access, FieldError, FileEntry, Metadata, Record};
use serde_json::{Map, Value};

use crate::repo::NewVersionPlan;
use crate::{Client, Error, Result};

mod merge;
mod sync;

use merge::{apply, diff, overlaps};
pub use sync::{FileAction, SyncPlan, plan_sync};

/// The parts of a draft a save may change: what the caller edits.
const EDITABLE: &[&str] = &["metadata", "access", "custom_fields", "pids", "files"];
/// How often a save reads the draft again when its revision moved between read and write.
const SAVE_ATTEMPTS: usize = 3;

/// A draft, as read, with the caller's changes on top.
///
/// A [`DraftHandle`] remembers the draft as it was read. [`DraftHandle::save`] sends the
/// server's *latest* state plus the caller's changes (computed against what was read), so
/// reserved DOIs, `files.enabled`, custom fields and keys the models do not know are never
/// dropped; a change someone else made meanwhile to a part the caller changed too is an
/// [`Error::Conflict`] that names the parts, never overwritten.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use inveniordm::models::{Creator, Files, Metadata, Record, VocabRef};
/// use inveniordm::repo::{FilePolicy, NewVersionPlan};
/// # let sandbox = inveniordm_sandbox::Sandbox::start(Default::default()).await?;
/// # let client = inveniordm::Client::new(sandbox.url(), Some(sandbox.token()))?;
/// let repo = client.repo();
/// let mut m = Metadata::default();
/// m.title = Some("Ocean temperature".into());
/// m.resource_type = Some(VocabRef::id("dataset"));
/// m.publication_date = Some("2026-12-03".into());
/// m.creators = Some(vec![Creator::person("Lovelace", "Ada")]);
/// let draft = repo
///     .create_draft(&Record { metadata: Some(m), files: Some(Files::disabled()), ..Default::default() })
///     .await?;
/// let record = draft.publish().await?;
/// let id = record.require_id()?;
///
/// // Someone edits the description while we edit the title: both changes are kept.
/// let handle = repo.record(id).await?.expect("published");
/// let mut mine = handle.edit().await?;
/// let mut theirs = client.drafts().get(&id).await?;
/// theirs.metadata.as_mut().unwrap().description = Some("Theirs".into());
/// client.drafts().update(&id, &theirs).await?;
/// mine.metadata_mut().title = Some("Ocean temperature, 2026".into());
/// assert!(mine.save().await?.is_empty());
/// let saved = mine.record().metadata.clone().unwrap();
/// assert_eq!(saved.description.as_deref(), Some("Theirs"));
/// assert_eq!(saved.title.as_deref(), Some("Ocean temperature, 2026"));
/// mine.publish().await?;
///
/// // The next version starts empty here (`Keep` would link the files, `Reconcile` match a folder).
/// let plan = NewVersionPlan::with_files(FilePolicy::Replace);
/// let mut next = handle.new_version(&plan).await?;
/// next.metadata_mut().version = Some("2".into());
/// assert!(next.files().await?.is_empty());
/// # Ok(()) }
/// ```
///
/// A handle owns a clone of its [`Client`] (cheap: the connection pool is shared), so it can
/// move into a spawned task.
#[derive(Debug, Clone)]
pub struct DraftHandle {
    client: Client,
    id: String,
    base: Record,
    current: Record,
}

/// A published record. See [`RepoApi::record`](crate::repo::RepoApi::record).
#[derive(Debug, Clone)]
pub struct RecordHandle {
    client: Client,
    id: String,
    record: Record,
}

/// What a new version starts with.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum FilePolicy {
    /// The previous version's files, linked (nothing is sent again).
    #[default]
    Keep,
    /// No files: the version starts empty.
    Replace,
    /// The files of a folder: what is unchanged (same key, same md5) is linked, what is new
    /// or changed is uploaded, and what the folder no longer has is left out.
    Reconcile(PathBuf),
}

impl<'a> crate::repo::RepoApi<'a> {
    /// The draft with this id, or `None` when there is none (never created, published,
    /// or discarded).
    pub async fn draft(&self, id: &str) -> Result<Option<DraftHandle>> {
        match self.client.drafts().get(id).await {
            Ok(d) => Ok(Some(DraftHandle::new(self.client, d)?)),
            Err(e) if e.is_not_found() || e.status() == Some(410) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates a draft and returns its handle; the server's validation problems are in
    /// [`DraftHandle::problems`].
    pub async fn create_draft(&self, record: &Record) -> Result<DraftHandle> {
        let d = self.client.drafts().create(record).await?;
        DraftHandle::new(self.client, d)
    }

    /// Published records matching `query`, as handles, page by page as the stream is read.
    pub fn records_matching(
        &self,
        query: inveniordm_models::SearchQuery,
    ) -> impl futures_util::Stream<Item = Result<RecordHandle>> + Send + use<'a> {
        use futures_util::StreamExt;
        let client = self.client;
        client
            .query()
            .records_stream(crate::api::Scope::Published, query)
            .map(move |r| r.and_then(|record| RecordHandle::new(client, record)))
    }

    /// The caller's own drafts and records matching `query`, page by page as the stream is
    /// read (a draft is `is_published: false`; open it with [`draft`](Self::draft)).
    pub fn own_matching(
        &self,
        query: inveniordm_models::SearchQuery,
    ) -> impl futures_util::Stream<Item = Result<Record>> + Send + use<'a> {
        self.client
            .query()
            .records_stream(crate::api::Scope::Mine, query)
    }

    /// The published record with this id, or `None` when there is none.
    pub async fn record(&self, id: &str) -> Result<Option<RecordHandle>> {
        match self.client.records().get(id).await {
            Ok(r) => Ok(Some(RecordHandle::new(self.client, r)?)),
            Err(e) if e.is_not_found() || e.status() == Some(410) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

impl DraftHandle {
    /// A handle of a draft the server answered with (it must have an id).
    pub(crate) fn new(client: &Client, draft: Record) -> Result<Self> {
        Ok(DraftHandle {
            client: client.clone(),
            id: draft.require_id()?.to_string(),
            base: draft.clone(),
            current: draft,
        })
    }

    /// The draft's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The draft as the caller sees it: as read (or last saved), with the changes made since.
    pub fn record(&self) -> &Record {
        &self.current
    }

    /// The metadata, to change; saved by [`save`](Self::save).
    pub fn metadata_mut(&mut self) -> &mut Metadata {
        self.current.metadata.get_or_insert_with(Metadata::default)
    }

    /// The access settings, to change; saved by [`save`](Self::save).
    pub fn access_mut(&mut self) -> &mut Access {
        self.current.access.get_or_insert_with(Access::default)
    }

    /// The custom fields, to change; saved by [`save`](Self::save).
    pub fn custom_fields_mut(&mut self) -> &mut Map<String, Value> {
        self.current.custom_fields.get_or_insert_with(Map::new)
    }

    /// Turns files on (a record with files) or off (metadata-only); saved by
    /// [`save`](Self::save). A draft that holds files cannot be turned off.
    pub fn set_files_enabled(&mut self, enabled: bool) {
        self.current
            .files
            .get_or_insert_with(inveniordm_models::Files::default)
            .enabled = Some(enabled);
    }

    /// The validation problems the server reported with the last read or save.
    pub fn problems(&self) -> &[FieldError] {
        self.current.errors.as_deref().unwrap_or(&[])
    }

    /// The parts the caller changed since the draft was read or saved, as JSON pointers
    /// (`/metadata/title`, …).
    pub fn changes(&self) -> Vec<String> {
        diff(&editable(&self.base), &editable(&self.current))
            .into_iter()
            .map(|(p, _)| p)
            .collect()
    }

    /// Saves the changes: reads the server's latest draft, applies the caller's changes to
    /// it and writes it with `If-Match`. Returns the server's validation problems (data, not
    /// failures). When someone else changed a part the caller changed too since the draft
    /// was read, nothing is written and the answer is [`Error::Conflict`]; changes to other
    /// parts are kept.
    pub async fn save(&mut self) -> Result<Vec<FieldError>> {
        let mine = diff(&editable(&self.base), &editable(&self.current));
        if mine.is_empty() {
            return Ok(self.problems().to_vec());
        }
        let id = self.id().to_string();
        let drafts = self.client.drafts();
        let mut last = None;
        for _ in 0..SAVE_ATTEMPTS {
            let latest = drafts.get(&id).await?;
            let theirs = diff(&editable(&self.base), &editable(&latest));
            let clash: Vec<String> = mine
                .iter()
                .filter(|(p, _)| theirs.iter().any(|(q, _)| overlaps(p, q)))
                .map(|(p, _)| p.clone())
                .collect();
            if !clash.is_empty() {
                return Err(Error::Conflict {
                    id,
                    changed: theirs.into_iter().map(|(p, _)| p).collect(),
                    clash,
                });
            }
            let mut doc = serde_json::to_value(&latest)
                .map_err(|e| Error::internal(format!("the draft cannot be written: {e}")))?;
            for (pointer, value) in &mine {
                apply(&mut doc, pointer, value.clone());
            }
            let merged: Record = serde_json::from_value(doc).map_err(|e| {
                Error::InvalidArgument(format!("the changes do not make a draft: {e}"))
            })?;
            match drafts.update(&id, &merged).await {
                Ok(saved) => {
                    self.base = saved.clone();
                    self.current = saved;
                    return Ok(self.problems().to_vec());
                }
                // Changed again between the read and the write: read again.
                Err(e) if e.is_precondition_failed() => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| Error::internal("the draft could not be saved")))
    }

    /// Saves, then publishes (with the check after an ambiguous failure of
    /// [`RepoApi::publish`](crate::repo::RepoApi::publish)). Validation problems that stop
    /// the publish come back as the publish's error.
    pub async fn publish(mut self) -> Result<Record> {
        self.save().await?;
        self.client.repo().publish(self.id()).await
    }

    /// Discards the draft (a new version's or an edit's draft: the record stays).
    pub async fn delete(self) -> Result<()> {
        self.client.drafts().delete(self.id()).await
    }

    /// Saves, then submits the draft for review to `community` (id) with a message.
    pub async fn submit_review(
        mut self,
        community: &str,
        message: Option<&str>,
    ) -> Result<inveniordm_models::Request> {
        self.save().await?;
        let drafts = self.client.drafts();
        drafts.set_review(self.id(), community).await?;
        let how = crate::api::SubmitReview {
            message: message.map(inveniordm_models::EventPayload::text),
            ..Default::default()
        };
        drafts.submit_review(self.id(), &how).await
    }

    /// The draft's files, by key.
    pub async fn files(&self) -> Result<BTreeMap<String, FileEntry>> {
        Ok(by_key(self.client.drafts().files(self.id()).await?))
    }

    /// Plans how the draft's files become those of `folder` (see [`plan_sync`]).
    pub async fn plan_sync(&self, folder: &Path) -> Result<SyncPlan> {
        let files = self.files().await?;
        plan_sync(files.iter().map(|(k, e)| (k.as_str(), e.md5())), folder).await
    }

    /// Carries out a plan of [`plan_sync`](Self::plan_sync): removes what goes, uploads what
    /// is new or changed (verified, `jobs` at a time). Returns the number of files uploaded.
    pub async fn apply_sync(&self, plan: &SyncPlan, jobs: NonZeroUsize) -> Result<usize> {
        let drafts = self.client.drafts();
        for key in plan.removals() {
            drafts.file_delete(self.id(), &key).await?;
        }
        let uploads = plan.uploads();
        if uploads.is_empty() {
            return Ok(0);
        }
        upload_all(&self.client, self.id(), &uploads, jobs).await?;
        Ok(uploads.len())
    }
}

impl RecordHandle {
    /// A handle of a record the server answered with (it must have an id).
    pub(crate) fn new(client: &Client, record: Record) -> Result<Self> {
        Ok(RecordHandle {
            client: client.clone(),
            id: record.require_id()?.to_string(),
            record,
        })
    }

    /// The record's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// The record as read.
    pub fn record(&self) -> &Record {
        &self.record
    }

    /// The record's files, by key.
    pub async fn files(&self) -> Result<BTreeMap<String, FileEntry>> {
        Ok(by_key(self.client.records().files(self.id()).await?))
    }

    /// The draft that edits this record's metadata (created, or the one that exists).
    pub async fn edit(&self) -> Result<DraftHandle> {
        let d = self.client.drafts().edit(self.id()).await?;
        DraftHandle::new(&self.client, d)
    }

    /// Every version of this record, page by page as the stream is read.
    pub fn versions(&self) -> impl futures_util::Stream<Item = Result<Record>> + Send + '_ {
        self.client.records().versions_stream(self.id())
    }

    /// The record's access links (secret links to share it).
    pub async fn access_links(&self) -> Result<Vec<inveniordm_models::AccessLink>> {
        Ok(self
            .client
            .records()
            .access_links()
            .list(self.id())
            .await?
            .hits
            .hits)
    }

    /// Makes an access link (`view`, `preview` or `edit`; see
    /// [`AccessLink`](inveniordm_models::AccessLink)).
    pub async fn create_access_link(
        &self,
        link: &inveniordm_models::AccessLink,
    ) -> Result<inveniordm_models::AccessLink> {
        self.client
            .records()
            .access_links()
            .create(self.id(), link)
            .await
    }

    /// The record's access grants (people and roles it is shared with).
    pub async fn grants(&self) -> Result<Vec<inveniordm_models::AccessGrant>> {
        Ok(self
            .client
            .records()
            .grants()
            .list(self.id())
            .await?
            .hits
            .hits)
    }

    /// Shares the record: adds grants, and returns the record's grants as the server lists
    /// them after.
    pub async fn grant(
        &self,
        grants: &[inveniordm_models::AccessGrant],
    ) -> Result<Vec<inveniordm_models::AccessGrant>> {
        Ok(self
            .client
            .records()
            .grants()
            .create(self.id(), grants)
            .await?
            .hits
            .hits)
    }

    /// The latest version of this record.
    pub async fn latest(&self) -> Result<RecordHandle> {
        let r = self.client.records().latest_version(self.id()).await?;
        RecordHandle::new(&self.client, r)
    }

    /// Makes the next version's draft (or takes the one that exists: the server answers with
    /// it) as `plan` says: its files start as [`NewVersionPlan::files`] says (see
    /// [`FilePolicy`]), then `remove` and `add` are applied and `metadata` set. The metadata
    /// is otherwise the server's copy of this version's. Never a silently empty or stale
    /// version: `Keep` links every file, `Reconcile` checks each key by md5. `publish` is for
    /// [`RepoApi::new_version`](crate::repo::RepoApi::new_version); here the draft is returned
    /// to change further.
    pub async fn new_version(&self, plan: &NewVersionPlan) -> Result<DraftHandle> {
        let drafts = self.client.drafts();
        let draft = drafts.new_version(self.id()).await?;
        let mut handle = DraftHandle::new(&self.client, draft)?;
        let id = handle.id().to_string();
        let previous = self.files().await?;
        let present = drafts.files(&id).await?;
        let files_on = handle.current.files.as_ref().and_then(|f| f.enabled) != Some(false);
        let wants_previous = !matches!(plan.files, FilePolicy::Replace);
        if wants_previous && files_on && present.iter().next().is_none() && !previous.is_empty() {
            drafts.files_import(&id).await?;
        }
        if matches!(plan.files, FilePolicy::Replace) {
            // A draft reused from before may hold files: start empty.
            for key in by_key(present).keys() {
                drafts.file_delete(&id, key).await?;
            }
        }
        let jobs = plan.jobs;
        if let FilePolicy::Reconcile(folder) = &plan.files {
            let sync = handle.plan_sync(folder).await?;
            handle.apply_sync(&sync, jobs).await?;
        }
        if !plan.remove.is_empty() || !plan.add.is_empty() {
            let now = handle.files().await?;
            for key in plan.remove.iter().chain(plan.add.iter().map(|(_, k)| k)) {
                if now.contains_key(key) {
                    drafts.file_delete(&id, key).await?;
                }
            }
            upload_all(&self.client, &id, &plan.add, jobs).await?;
        }
        if let Some(m) = &plan.metadata {
            *handle.metadata_mut() = m.clone();
            handle.save().await?;
        }
        Ok(handle)
    }
}

/// Uploads files to a draft `jobs` at a time (verified); the first failure is the error.
async fn upload_all(
    client: &Client,
    draft: &str,
    files: &[(PathBuf, String)],
    jobs: NonZeroUsize,
) -> Result<()> {
    let opts = crate::repo::UploadFilesOptions {
        jobs,
        ..Default::default()
    };
    for (key, r) in client.repo().upload_files(draft, files, &opts).await? {
        r.map_err(|e| {
            tracing::warn!(key = %key, error = %e, "upload failed");
            e
        })?;
    }
    Ok(())
}

fn by_key(files: inveniordm_models::Files) -> BTreeMap<String, FileEntry> {
    files
        .iter()
        .filter_map(|e| e.key.clone().map(|k| (k, e.clone())))
        .collect()
}

/// The parts of a draft a save sends, as JSON (files: the settings only).
fn editable(r: &Record) -> Value {
    let doc = serde_json::to_value(r).unwrap_or(Value::Null);
    let mut out = Map::new();
    for k in EDITABLE {
        let mut v = doc.get(*k).cloned().unwrap_or(Value::Null);
        if *k == "files"
            && let Value::Object(m) = &mut v
        {
            m.remove("entries");
            m.remove("links");
            m.remove("count");
            m.remove("total_bytes");
        }
        out.insert((*k).to_string(), v);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Handles own their client: they can move into a spawned task and outlive the code that
    /// made them.
    #[test]
    fn handles_can_move_into_spawned_tasks() {
        fn movable<T: Send + Sync + 'static>() {}
        movable::<DraftHandle>();
        movable::<RecordHandle>();
    }
}
