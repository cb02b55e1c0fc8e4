//! Workflows on top of the endpoint methods: the steps a deposit takes, with the checks a
//! careful person would make between them.
//!
//! The low-level API ([`crate::api`]) maps one call to one request and hides nothing. This
//! module is where several requests make one operation.

mod batch;

pub use batch::{
    DownloadFilesOptions, DownloadOutcome, ProgressFactory, UploadFilesOptions, UploadOutcome,
    local_path, md5_file,
};
use inveniordm_models::Record;

use crate::{Client, Error, Result};

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

/// Whether a failure leaves open that the server carried out the request: a gateway timeout
/// or error, or a connection that broke after the request was sent.
fn ambiguous(e: &Error) -> bool {
    match e {
        Error::Api { status, .. } => matches!(status, 500 | 502 | 503 | 504),
        Error::Transport { message, .. } => !message.starts_with("cannot connect"),
        _ => false,
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
            Err(e) if ambiguous(&e) => {
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
}
