//! Changing the files of a published record in place (InvenioRDM v14): edit, unlock, change,
//! publish, in one call.

use std::collections::BTreeSet;
use std::path::PathBuf;

use inveniordm_models::{Record, Request};

use super::RepoApi;
use super::batch::UploadFilesOptions;
use crate::{Error, Result};

/// What [`RepoApi::modify_files`] changes.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct FileChanges {
    /// Local files to upload, as (path, key): a key the record has is replaced.
    pub upload: Vec<(PathBuf, String)>,
    /// Keys of the record's files to remove.
    pub remove: Vec<String>,
    /// Why (at least [`MIN_MODIFICATION_COMMENT`](crate::api::MIN_MODIFICATION_COMMENT)
    /// characters), kept with the request.
    pub comment: Option<String>,
    /// Publish the edit at the end (otherwise the edit draft is left for a look before
    /// publishing).
    pub publish: bool,
    /// How files are uploaded (`replace` is always on: replacing is the point).
    pub upload_options: UploadFilesOptions,
}

/// What [`RepoApi::modify_files`] did.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ModifiedFiles {
    /// The accepted file modification request.
    pub request: Request,
    /// Keys uploaded (verified).
    pub uploaded: Vec<String>,
    /// Keys removed.
    pub removed: Vec<String>,
    /// The record as published, when [`FileChanges::publish`] was asked.
    pub published: Option<Record>,
}

impl RepoApi<'_> {
    /// Changes the files of the published record `id` without a new version (InvenioRDM v14,
    /// where the instance's policy allows it: administrators on a stock instance): opens (or
    /// takes) its edit draft, asks for a file modification, removes and uploads what
    /// `changes` says, and publishes if asked.
    ///
    /// Everything that can be checked first is: the keys to remove must be files of the
    /// record, the files to upload must be readable, no key may be both removed and
    /// uploaded; a refusal of the modification (403, or 404 on v13) comes before any file
    /// changes, and the edit draft this call opened for it is discarded again. A failed upload leaves the edit draft with the changes made so far: run the
    /// same call again, or discard the draft (`drafts().delete(id)`) to go back.
    pub async fn modify_files(&self, id: &str, changes: &FileChanges) -> Result<ModifiedFiles> {
        let record = self.client.records().files(id).await?;
        let have: BTreeSet<String> = record.iter().filter_map(|e| e.key.clone()).collect();
        let uploading: BTreeSet<&str> = changes.upload.iter().map(|(_, k)| k.as_str()).collect();
        for key in &changes.remove {
            if !have.contains(key) {
                return Err(Error::NoSuchFile {
                    id: id.to_string(),
                    key: key.clone(),
                    available: have.iter().cloned().collect(),
                });
            }
            if uploading.contains(key.as_str()) {
                return Err(Error::InvalidArgument(format!(
                    "{key:?} is both removed and uploaded: an upload replaces it already"
                )));
            }
        }
        for (path, _) in &changes.upload {
            crate::transfer::file_meta(path).await?;
        }
        if changes.upload.is_empty() && changes.remove.is_empty() {
            return Err(Error::InvalidArgument(
                "no file to upload or remove: nothing would change".into(),
            ));
        }
        let drafts = self.client.drafts();
        let had_draft = match drafts.get(id).await {
            Ok(_) => true,
            Err(e) if e.is_not_found() => false,
            Err(e) => return Err(e),
        };
        drafts.edit(id).await?;
        let request = match self
            .client
            .records()
            .file_modification(id, changes.comment.as_deref())
            .await
        {
            Ok(r) => r,
            Err(e) => {
                // Refused: the edit draft this call opened is discarded again (one the
                // caller had open is left as it was).
                if !had_draft && let Err(d) = drafts.delete(id).await {
                    tracing::warn!(id, error = %d, "the edit draft opened for the file modification could not be discarded");
                }
                return Err(e);
            }
        };
        let mut removed = Vec::new();
        for key in &changes.remove {
            drafts.file_delete(id, key).await?;
            removed.push(key.clone());
        }
        let mut opts = changes.upload_options.clone();
        opts.replace = true;
        let mut uploaded = Vec::new();
        for (key, r) in self.upload_files(id, &changes.upload, &opts).await? {
            r?;
            uploaded.push(key);
        }
        let published = if changes.publish {
            Some(self.publish(id).await?)
        } else {
            None
        };
        Ok(ModifiedFiles {
            request,
            uploaded,
            removed,
            published,
        })
    }
}
