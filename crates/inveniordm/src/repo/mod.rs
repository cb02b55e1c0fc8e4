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

/// What [`RepoApi::new_version`] makes of a record's next version.
#[derive(Debug, Clone, Default)]
pub struct NewVersionPlan {
    /// Keys of the previous version's files to leave out.
    pub remove: Vec<String>,
    /// Local files to add, as (path, key); a key the previous version has is replaced.
    pub add: Vec<(PathBuf, String)>,
    /// Metadata of the new version (replaces the copied metadata; on v13 the copy lacks
    /// `publication_date` and `version`, so set them here or the publish is refused).
    pub metadata: Option<Metadata>,
    /// Publish the new version at the end.
    pub publish: bool,
    /// Files uploaded at the same time.
    pub jobs: usize,
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

    /// Makes the next version of a published record: creates (or reuses) the new-version
    /// draft, links the previous version's files into it, leaves out and replaces files as
    /// planned, uploads the new ones (verified), sets the metadata and, if asked, publishes.
    /// Returns the draft, or the record when published.
    ///
    /// Files that are kept are linked, never copied or re-sent.
    pub async fn new_version(&self, record_id: &str, plan: &NewVersionPlan) -> Result<Record> {
        let drafts = self.client.drafts();
        let draft = drafts.new_version(record_id).await?;
        let id = draft.id.clone().ok_or_else(|| {
            Error::InvalidArgument("the server returned a draft without an id".into())
        })?;
        let files_on = draft.files.as_ref().and_then(|f| f.enabled) != Some(false);
        let mut present = drafts.files(&id).await?;
        if files_on && present.iter().next().is_none() {
            let previous = self.client.records().files(record_id).await?;
            if previous.iter().next().is_some() {
                // The import answers with the draft's listing.
                present = drafts.files_import(&id).await?;
            }
        }
        for key in plan.remove.iter().chain(plan.add.iter().map(|(_, k)| k)) {
            if present.get(key).is_some() {
                drafts.file_delete(&id, key).await?;
            }
        }
        if !plan.add.is_empty() {
            let opts = UploadFilesOptions {
                jobs: plan.jobs,
                ..UploadFilesOptions::default()
            };
            for (key, r) in self.upload_files(&id, &plan.add, &opts).await? {
                r.map_err(|e| {
                    tracing::warn!(key = %key, error = %e, "upload failed");
                    e
                })?;
            }
        }
        let mut current = drafts.get(&id).await?;
        if let Some(m) = &plan.metadata {
            current.metadata = Some(m.clone());
            current = drafts.update(&id, &current).await?;
        }
        if plan.publish {
            return self.publish(&id).await;
        }
        Ok(current)
    }
}
