//! Workflows on top of the endpoint methods: the steps a deposit takes, with the checks a
//! careful person would make between them.
//!
//! The low-level API ([`crate::api`]) maps one call to one request and hides nothing. This
//! module is where several requests make one operation.

mod batch;
mod check;
pub mod citation;
pub mod deposit;
mod handles;
mod walk;

pub use batch::{
    DownloadFilesOptions, DownloadOutcome, ProgressFactory, UploadFilesOptions, UploadOutcome,
    journal_path, local_path, md5_file,
};
pub use deposit::{
    DEFAULT_ADOPT_WAIT, DepositJournal, DepositOutcome, DepositPlan, DepositReport, DepositSpec,
    DepositStage, DepositTarget, FileStep, Finish, JournalFile, PlannedFile,
};
pub use handles::{DraftHandle, FileAction, FilePolicy, RecordHandle, SyncPlan, plan_sync};
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
