//! Workflows on top of the endpoint methods: the steps a deposit takes, with the checks a
//! careful person would make between them.
//!
//! The low-level API ([`crate::api`]) maps one call to one request and hides nothing. This
//! module is where several requests make one operation.
//!
//! # Journaled deposits
//!
//! [`RepoApi::deposit`] goes from nothing to a published record (or a submitted review), or to
//! the next version of a record, in steps that can be interrupted at any point and carried on
//! by making the same call again.
//!
//! The journal is a small JSON file that says how far the deposit got: the draft it made,
//! whether a publish or a submission was sent, and *what* was deposited (a fingerprint of the
//! metadata and of each file's key, size and md5). It is written before each step that
//! changes the server, whole or not at all, so that a process killed at any moment leaves a
//! journal from which the next run can tell what happened:
//!
//! - killed while a first draft was being created (the answer lost), the next run looks for
//!   that draft among the caller's own, reading the search again for a while since servers
//!   index late: unpublished, with the title as the server stores it, created after the
//!   server's own clock said the create began, not seen before it, holding no files and
//!   being nobody's next version. One such draft is carried on; several stop the deposit with
//!   their ids and the way to name the right one ([`DepositSpec::adopt`]); none, and a draft
//!   is created;
//! - killed while a new version's draft was being made, the next run asks for it again: the
//!   server answers with the new-version draft that exists, never a second one;
//! - killed mid-upload, the next run uploads only the files the draft does not hold with the
//!   same md5 (a multipart upload with a journal of its own goes on from its last part);
//! - killed while a publish (or a submission) was on its way, the next run looks at the
//!   server first: a record that is published is the result, never published twice.
//!
//! A deposit that is over and is asked again with the same content answers with its record
//! and sends nothing. Asked with other content (a new release), it becomes the next version
//! when the spec says so ([`DepositTarget::NextVersion`], [`DepositTarget::NextVersionOf`]);
//! otherwise it is refused with [`Error::Usage`] and nothing is changed: a release is never
//! dropped silently, and never published as a record of its own by mistake.

mod archive;
mod batch;
mod check;
pub mod citation;
mod deposit;
mod handles;
mod mirror;
mod modify;
mod walk;

pub use archive::{Archive, ArchiveOptions, ArchivedFile, ExtractedMember};
pub use batch::{
    DownloadFilesOptions, DownloadOutcome, ProgressFactory, UploadFilesOptions, UploadOutcome,
    journal_path, local_path, md5_file,
};
pub use deposit::{
    DEFAULT_ADOPT_WAIT, DepositJournal, DepositOutcome, DepositPlan, DepositReport, DepositSpec,
    DepositStage, DepositTarget, FileStep, Finish, JournalFile, PlannedFile,
};
pub use handles::{DraftHandle, FileAction, FilePolicy, RecordHandle, SyncPlan, plan_sync};
pub use mirror::{
    MIRROR_MANIFEST, MirrorChange, MirrorEvent, MirrorOptions, MirrorReport, MirrorSource,
    MirroredRecord, OaiSource, RECORD_FILE,
};
pub use modify::{FileChanges, ModifiedFiles};
use std::path::PathBuf;
pub use walk::{FolderRules, IGNORE_FILE, collect_blocking, collect_files};

use inveniordm_models::{Metadata, Record};

use crate::{Client, Error, Result};

/// What the next version of a record is made of: one plan for
/// [`RecordHandle::new_version`] (which returns the draft to change further) and
/// [`RepoApi::new_version`] (which can publish it in the same call).
///
/// The files start as `files` says (the previous version's linked, by default); then the keys
/// in `remove` are left out and the files in `add` uploaded (verified; a key the draft holds is
/// replaced). Kept files are linked, never copied or sent again.
#[derive(Debug, Clone)]
pub struct NewVersionPlan {
    /// Which files the version starts with (default [`FilePolicy::Keep`]).
    pub files: FilePolicy,
    /// Keys of the previous version's files to leave out.
    pub remove: Vec<String>,
    /// Local files to add, as (path, key); a key the previous version has is replaced.
    pub add: Vec<(PathBuf, String)>,
    /// Metadata of the new version (replaces the copied metadata; on v13 the copy lacks
    /// `publication_date` and `version`, so set them here or the publish is refused).
    pub metadata: Option<Metadata>,
    /// Publish the new version at the end ([`RepoApi::new_version`] only: a handle's
    /// [`new_version`](RecordHandle::new_version) returns the draft).
    pub publish: bool,
    /// Files uploaded at the same time (default [`DEFAULT_JOBS`](crate::transfer::DEFAULT_JOBS)).
    pub jobs: std::num::NonZeroUsize,
}

impl Default for NewVersionPlan {
    fn default() -> Self {
        Self {
            files: FilePolicy::default(),
            remove: Vec::new(),
            add: Vec::new(),
            metadata: None,
            publish: false,
            jobs: crate::transfer::DEFAULT_JOBS,
        }
    }
}

impl NewVersionPlan {
    /// A plan that starts the files as `files` says, and changes nothing else.
    pub fn with_files(files: FilePolicy) -> Self {
        Self {
            files,
            ..Self::default()
        }
    }
}

/// Workflows. See [`Client::repo`].
#[derive(Debug, Clone, Copy)]
pub struct RepoApi<'a> {
    pub(crate) client: &'a Client,
}

impl Client {
    /// Workflows built from several requests (publishing with a check after an ambiguous
    /// failure, …).
    pub fn repo(&self) -> RepoApi<'_> {
        RepoApi { client: self }
    }
}

impl RepoApi<'_> {
    /// Publishes a draft. When the answer is lost (a 5xx from a gateway, or a connection that
    /// broke after sending, as happens on slow publishes), it looks at the server: if the draft
    /// is gone and the record is there, the publish happened and the record is returned;
    /// otherwise the original error is.
    ///
    /// Publishing is not repeated blindly: a second publish of a draft that was published
    /// would fail, and one that was not could hide the first error.
    pub async fn publish(&self, id: &str) -> Result<Record> {
        let drafts = self.client.drafts();
        match drafts.publish(id).await {
            Ok(r) => Ok(r),
            Err(e) if e.maybe_applied() => {
                tracing::warn!(id, error = %e, "publish failed ambiguously; checking the server");
                let draft_gone = matches!(drafts.get(id).await, Err(ref d) if d.is_not_found());
                if draft_gone
                    && let Ok(record) = self.client.records().get(id).await
                    && record.is_published != Some(false)
                {
                    tracing::info!(id, "the record was published despite the error");
                    return Ok(record);
                }
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Makes the next version of a published record as `plan` says (see
    /// [`NewVersionPlan`] and [`RecordHandle::new_version`], which this calls) and, if the
    /// plan says so, publishes it. Returns the record when published, the draft otherwise.
    pub async fn new_version(&self, record_id: &str, plan: &NewVersionPlan) -> Result<Record> {
        let handle = self.record(record_id).await?.ok_or_else(|| {
            Error::Usage(format!(
                "there is no published record {record_id} to make a new version of"
            ))
        })?;
        let draft = handle.new_version(plan).await?;
        if plan.publish {
            return draft.publish().await;
        }
        Ok(draft.record().clone())
    }
}
