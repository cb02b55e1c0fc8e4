use inveniordm_models::{Access, FileEntry, Files, JsonMap, Record};
use reqwest::Method;
use reqwest::header::{HeaderName, HeaderValue};

use super::content::{Download, UploadBody};
use crate::transport::{BeforeRetry, BodyFactory};
use crate::{Client, Error, Result};

/// Drafts. See [`Client::drafts`].
#[derive(Debug, Clone, Copy)]
pub struct DraftsApi<'a> {
    pub(crate) client: &'a Client,
}

/// Top-level keys the server computes; they are not sent back on update.
const READ_ONLY: &[&str] = &[
    "id",
    "links",
    "revision_id",
    "created",
    "updated",
    "expires_at",
    "is_published",
    "is_draft",
    "status",
    "versions",
    "parent",
    "errors",
    "stats",
    "deletion_status",
    "tombstone",
    "ui",
    "swh",
    "media_files",
];

impl DraftsApi<'_> {
    /// `GET /api/records/{id}/draft`.
    pub async fn get(&self, id: &str) -> Result<Record> {
        let url = self.client.url(&["records", id, "draft"])?;
        self.client
            .record(self.client.request(Method::GET, url))
            .await
    }

    /// `DELETE /api/records/{id}/draft`: discards a draft (an edit draft: the published
    /// record stays).
    pub async fn delete(&self, id: &str) -> Result<()> {
        let url = self.client.url(&["records", id, "draft"])?;
        self.client
            .empty(self.client.request(Method::DELETE, url))
            .await
    }

    /// `POST /api/records/{id}/draft/actions/publish`. A draft with problems is refused with
    /// [`Error::Api`](crate::Error::Api) listing the field errors.
    pub async fn publish(&self, id: &str) -> Result<Record> {
        let url = self
            .client
            .url(&["records", id, "draft", "actions", "publish"])?;
        self.client
            .record(self.client.request(Method::POST, url))
            .await
    }

    /// `POST /api/records/{id}/draft`: a draft of a published record to change its metadata
    /// (the seed's `from_record`). Files stay locked; use a new version to change them.
    pub async fn edit(&self, id: &str) -> Result<Record> {
        let url = self.client.url(&["records", id, "draft"])?;
        self.client
            .record(self.client.request(Method::POST, url))
            .await
    }

    /// `POST /api/records/{id}/versions`: a draft of a new version (new id, same parent;
    /// v13 drops `publication_date` and `version`, files are not carried over).
    pub async fn new_version(&self, id: &str) -> Result<Record> {
        let url = self.client.url(&["records", id, "versions"])?;
        self.client
            .record(self.client.request(Method::POST, url))
            .await
    }

    /// `POST /api/records`: creates a draft. Missing `access` becomes public/public and
    /// missing `files` becomes enabled (as the seed did). Validation problems are returned in
    /// [`Record::errors`], not as an error.
    pub async fn create(&self, draft: &Record) -> Result<Record> {
        let mut body = draft_body(draft);
        body.entry("access")
            .or_insert_with(|| serde_json::to_value(Access::public()).unwrap_or_default());
        body.entry("files")
            .or_insert_with(|| serde_json::json!({"enabled": true}));
        let url = self.client.url(&["records"])?;
        let req = self.client.request(Method::POST, url).json_body(&body)?;
        self.client.record(req).await
    }

    /// `PUT /api/records/{id}/draft`: replaces the draft's metadata, access, files settings,
    /// custom fields and pids with those of `draft` (everything the server does not compute,
    /// including keys this library does not model). Sends `If-Match` with `draft.revision_id`
    /// when set, so a concurrent change gives a 412 instead of being overwritten.
    ///
    /// When an attempt's answer is lost (a gateway error, a connection broken after sending)
    /// and the retry is then refused with 412, the first attempt may have been the one that
    /// changed the revision; and when the last attempt's answer is lost, the change may be
    /// there too. In both cases the draft is read again, and if it holds every value that was
    /// sent, the update is reported as done (with the draft as the server has it). Otherwise
    /// the error stands: a 412 means someone else changed the draft.
    pub async fn update(&self, id: &str, draft: &Record) -> Result<Record> {
        let body = draft_body(draft);
        let url = self.client.url(&["records", id, "draft"])?;
        let context = format!("PUT {}", url.path());
        let mut req = self.client.request(Method::PUT, url).json_body(&body)?;
        req.accept = self.client.record_accept();
        if let Some(rev) = draft.revision_id {
            // A bare integer: the server rejects the quoted ETag form.
            req = req.header(HeaderName::from_static("if-match"), HeaderValue::from(rev));
        }
        let (outcome, trace) = self.client.execute_traced(req).await;
        match outcome {
            Ok(resp) => self.client.read_record(&context, resp).await,
            // A 412 after an attempt that may have gone through, or a last attempt whose
            // answer was lost: look at the draft before reporting a failure.
            Err(e)
                if (e.is_precondition_failed() && trace.maybe_applied_before)
                    || e.maybe_applied() =>
            {
                tracing::warn!(id, error = %e, "the update's outcome is unknown; checking whether it was applied");
                let Ok(current) = self.get(id).await else {
                    return Err(e);
                };
                let server = serde_json::Value::Object(draft_body(&current));
                if holds(&serde_json::Value::Object(body), &server) {
                    tracing::info!(id, "the draft holds the change: it was applied");
                    Ok(current)
                } else {
                    Err(e)
                }
            }
            Err(e) => Err(e),
        }
    }

    /// `GET /api/records/{id}/draft/files-archive`: every file of the draft in one ZIP, as a
    /// stream (see [`RecordsApi::files_archive`](super::RecordsApi::files_archive)).
    pub async fn files_archive(&self, id: &str) -> Result<Download> {
        let url = self
            .client
            .url(&["records", id, "draft", "files-archive"])?;
        Download::start(self.client, url, None).await
    }

    /// `GET /api/records/{id}/draft/files`.
    pub async fn files(&self, id: &str) -> Result<Files> {
        let url = self.client.url(&["records", id, "draft", "files"])?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }

    /// `GET /api/records/{id}/draft/files/{key}`.
    pub async fn file_metadata(&self, id: &str, key: &str) -> Result<FileEntry> {
        let url = self.client.url(&["records", id, "draft", "files", key])?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }

    /// `GET /api/records/{id}/draft/files/{key}/container` (InvenioRDM v14): the members of
    /// a ZIP file of the draft (see [`RecordsApi::container`](super::RecordsApi::container)).
    pub async fn container(
        &self,
        id: &str,
        key: &str,
    ) -> Result<inveniordm_models::ContainerListing> {
        super::records::container(
            self.client,
            &["records", id, "draft", "files", key, "container"],
        )
        .await
    }

    /// `GET /api/records/{id}/draft/files/{key}/content`: the bytes as a stream.
    pub async fn file_download(&self, id: &str, key: &str) -> Result<Download> {
        let url = self
            .client
            .url(&["records", id, "draft", "files", key, "content"])?;
        Download::start(self.client, url, None).await
    }

    /// `DELETE /api/records/{id}/draft/files/{key}`.
    pub async fn file_delete(&self, id: &str, key: &str) -> Result<()> {
        let url = self.client.url(&["records", id, "draft", "files", key])?;
        self.client
            .empty(self.client.request(Method::DELETE, url))
            .await
    }

    /// `POST /api/records/{id}/draft/files` with `[{"key": key}]`: registers an upload.
    /// Returns the draft's whole file listing.
    pub async fn file_upload_start(&self, id: &str, key: &str) -> Result<Files> {
        self.file_upload_start_many(id, &[FileEntry::init(key)])
            .await
    }

    /// `POST /api/records/{id}/draft/files` with several entries (key, and optionally size,
    /// checksum, metadata).
    pub async fn file_upload_start_many(&self, id: &str, entries: &[FileEntry]) -> Result<Files> {
        let url = self.client.url(&["records", id, "draft", "files"])?;
        let req = self.client.request(Method::POST, url).json_body(entries)?;
        self.client.json(req).await
    }

    /// `PUT /api/records/{id}/draft/files/{key}/content`: streams the content
    /// (`application/octet-stream`). The file stays `pending` until committed.
    ///
    /// A stream can be sent once, so this request is not retried; the upload helpers
    /// ([`file_upload`](Self::file_upload)) read the file again for each attempt instead.
    pub async fn file_upload_content(
        &self,
        id: &str,
        key: &str,
        body: UploadBody,
    ) -> Result<FileEntry> {
        let url = self
            .client
            .url(&["records", id, "draft", "files", key, "content"])?;
        let (b, len) = body.into_parts();
        let req = self.client.request(Method::PUT, url).stream_body(b, len);
        self.content_answer(key, req).await
    }

    /// [`file_upload_content`](Self::file_upload_content) with a body made afresh for each
    /// attempt the retry policy allows, and a step run before each retry.
    pub(crate) async fn file_upload_content_with(
        &self,
        id: &str,
        key: &str,
        body: BodyFactory,
        before_retry: BeforeRetry,
    ) -> Result<FileEntry> {
        let url = self
            .client
            .url(&["records", id, "draft", "files", key, "content"])?;
        let req = self
            .client
            .request(Method::PUT, url)
            .replayable_body(body)
            .before_retry(before_retry);
        self.content_answer(key, req).await
    }

    async fn content_answer(&self, key: &str, req: crate::transport::Request) -> Result<FileEntry> {
        let value: serde_json::Value = self.client.json(req).await?;
        // A failed transfer is answered with 200 and `{"errors": "File upload transfer
        // failed."}`; the server has dropped the entry.
        if let Some(msg) = value.get("errors").and_then(serde_json::Value::as_str) {
            return Err(Error::TransferFailed {
                key: key.to_string(),
                message: msg.to_string(),
            });
        }
        crate::transport::from_value(&format!("PUT content of {key}"), value)
    }

    /// `POST /api/records/{id}/draft/files/{key}/commit`: completes an upload; the server
    /// reports the final size and `md5:` checksum.
    pub async fn file_upload_complete(&self, id: &str, key: &str) -> Result<FileEntry> {
        let url = self
            .client
            .url(&["records", id, "draft", "files", key, "commit"])?;
        self.client
            .json(self.client.request(Method::POST, url))
            .await
    }

    /// `POST /api/records/{id}/draft/actions/files-import`: links every file of the previous
    /// version into a new-version draft (no bytes are copied).
    pub async fn files_import(&self, id: &str) -> Result<Files> {
        let url = self
            .client
            .url(&["records", id, "draft", "actions", "files-import"])?;
        self.client
            .json(self.client.request(Method::POST, url))
            .await
    }

    /// `POST /api/records/{id}/draft/pids/doi`: reserves a DOI for the draft.
    pub async fn reserve_doi(&self, id: &str) -> Result<Record> {
        let url = self.client.url(&["records", id, "draft", "pids", "doi"])?;
        self.client
            .record(self.client.request(Method::POST, url))
            .await
    }

    /// `DELETE /api/records/{id}/draft/pids/doi`: discards a reserved DOI (the server answers
    /// with the draft). When a retried attempt finds the DOI already gone, the draft is read
    /// and returned.
    pub async fn discard_doi(&self, id: &str) -> Result<Record> {
        let url = self.client.url(&["records", id, "draft", "pids", "doi"])?;
        let context = format!("DELETE {}", url.path());
        let mut req = self.client.request(Method::DELETE, url);
        req.accept = self.client.record_accept();
        let resp = self.client.execute(req).await?;
        if resp.status().as_u16() == 404 || resp.status().as_u16() == 204 {
            // An earlier attempt discarded it; its answer was lost.
            let _ = resp.bytes().await;
            return self.get(id).await;
        }
        self.client.read_record(&context, resp).await
    }
}

/// Whether `server` holds every value of `sent`: objects key by key, lists item by item (same
/// length), other values equal. Keys the server adds (vocabulary titles, computed fields) are
/// allowed.
fn holds(sent: &serde_json::Value, server: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (sent, server) {
        (Value::Object(a), Value::Object(b)) => a.iter().all(|(k, v)| match b.get(k) {
            Some(w) => holds(v, w),
            // A null or empty value sent may be dropped by the server.
            None => {
                v.is_null()
                    || v.as_array().is_some_and(Vec::is_empty)
                    || v.as_object().is_some_and(|o| o.is_empty())
            }
        }),
        (Value::Array(a), Value::Array(b)) => {
            a.len() == b.len() && a.iter().zip(b).all(|(x, y)| holds(x, y))
        }
        (a, b) => a == b,
    }
}

/// The body of a draft create or update: everything but the keys the server computes, with
/// only the settings part of `files`.
fn draft_body(draft: &Record) -> JsonMap {
    let mut map = match serde_json::to_value(draft) {
        Ok(serde_json::Value::Object(m)) => m,
        _ => JsonMap::new(),
    };
    for k in READ_ONLY {
        map.remove(*k);
    }
    strip_vocabulary_output(&mut map);
    if let Some(files) = &draft.files
        && let Ok(v) = serde_json::to_value(files.settings())
    {
        map.insert("files".into(), v);
    }
    if let Some(media) = &draft.media_files
        && let Ok(v) = serde_json::to_value(media.settings())
    {
        map.insert("media_files".into(), v);
    }
    map
}

/// Removes what the server derives from a vocabulary entry and refuses on input: a license
/// given by `id` comes back with `title`, `description`, `icon` and `props`, and sending `icon`
/// back is answered with "Unknown field." (observed on v13 and v14). The server fills them in
/// again from the vocabulary, so nothing is lost.
fn strip_vocabulary_output(body: &mut JsonMap) {
    let Some(serde_json::Value::Object(metadata)) = body.get_mut("metadata") else {
        return;
    };
    if let Some(serde_json::Value::Array(rights)) = metadata.get_mut("rights") {
        for r in rights.iter_mut() {
            if let serde_json::Value::Object(o) = r
                && o.get("id").is_some_and(serde_json::Value::is_string)
            {
                for k in ["title", "description", "icon", "props"] {
                    o.remove(k);
                }
            }
        }
    }
}
