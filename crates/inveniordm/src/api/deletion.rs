//! Deleting published records (administrators), restoring them, reading them with their
//! tombstone, and an owner's deletion request (v14).

use inveniordm_models::{Record, Request, VocQuery, VocType};
use reqwest::Method;
use serde_json::{Map, json};

use crate::{Error, Result};

/// Why a record is removed, for [`RecordsApi::delete`](super::RecordsApi::delete).
///
/// ```
/// use inveniordm::api::Removal;
/// let r = Removal::because("spam").note("Advertising, not research.");
/// assert!(r.visible);
/// assert!(!Removal::because("personal-data").hidden().visible);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Removal {
    /// A term of the `removalreasons` vocabulary: `spam`, `retracted`, `duplicate`,
    /// `test-record`, `copyright`, `personal-data`, …
    pub reason: String,
    /// A note shown on the tombstone.
    pub note: Option<String>,
    /// How to cite what was there (default: the server's citation of the record).
    pub citation_text: Option<String>,
    /// Whether the tombstone is shown (410 with it); a hidden one answers 404.
    pub visible: bool,
}

impl Removal {
    /// A removal for this reason, with a visible tombstone.
    pub fn because(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            note: None,
            citation_text: None,
            visible: true,
        }
    }

    /// With a note for the tombstone.
    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.note = Some(note.into());
        self
    }

    /// With the tombstone hidden (the record then answers 404, as if it never was).
    pub fn hidden(mut self) -> Self {
        self.visible = false;
        self
    }
}

/// An owner's request to delete a record (InvenioRDM v14,
/// [`RecordsApi::request_deletion`](super::RecordsApi::request_deletion)).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletionRequest {
    /// A term of the `removalreasons` vocabulary that owners may give (v14 tags them
    /// `deletion-request`: `duplicate`, `retracted`, `test-record`, `copyright`,
    /// `personal-data`).
    pub reason: String,
    /// Why, in words (at least 25 characters when given).
    pub comment: Option<String>,
}

impl super::RecordsApi<'_> {
    /// `DELETE /api/records/{id}/delete`: removes a published record, leaving a tombstone
    /// (administrators; others get 403). Reading it then fails with [`Error::Deleted`].
    ///
    /// The reason is checked first (`GET /api/vocabularies/removalreasons/{reason}`): a server
    /// given an unknown reason deletes the record and can then no longer show it (every read
    /// answers 500, docs/quirks.md 43), so an unknown reason is refused here with
    /// [`Error::InvalidArgument`] naming the known ones, and nothing is sent. So is the
    /// record (with deleted records included): one deleted already is refused with
    /// [`Error::Usage`] (v13 would answer 500, v14 400).
    pub async fn delete(&self, id: &str, removal: &Removal) -> Result<()> {
        self.known_reason(&removal.reason).await?;
        let deleted = match self.get_including_deleted(id).await {
            Ok(r) => r.deletion_status.and_then(|s| s.is_deleted) == Some(true),
            Err(Error::Deleted { .. }) => true,
            Err(e) => return Err(e),
        };
        if deleted {
            return Err(Error::Usage(format!(
                "{id} is deleted already; nothing was sent"
            )));
        }
        let url = self.client.url(&["records", id, "delete"])?;
        let mut body = Map::new();
        body.insert("removal_reason".into(), json!({"id": removal.reason}));
        if let Some(n) = &removal.note {
            body.insert("note".into(), json!(n));
        }
        if let Some(c) = &removal.citation_text {
            body.insert("citation_text".into(), json!(c));
        }
        body.insert("is_visible".into(), json!(removal.visible));
        let req = self.client.request(Method::DELETE, url).json_body(&body)?;
        self.client.empty(req).await
    }

    /// `POST /api/records/{id}/restore`: brings a deleted record back (administrators); the
    /// answer is the record. A record that is not deleted is refused with [`Error::Usage`]
    /// after reading it (the server would answer 500, docs/quirks.md 43).
    pub async fn restore(&self, id: &str) -> Result<Record> {
        if self.get(id).await.is_ok() {
            return Err(Error::Usage(format!(
                "{id} is not deleted: there is nothing to restore"
            )));
        }
        let url = self.client.url(&["records", id, "restore"])?;
        let req = self.client.request(Method::POST, url);
        self.client.record(req).await
    }

    /// `GET /api/records/{id}?include_deleted=true`: a record even when it is deleted, with
    /// its [`tombstone`](Record::tombstone) and
    /// [`deletion_status`](Record::deletion_status) (administrators; for others a deleted
    /// record is [`Error::Deleted`] as with [`get`](Self::get)).
    pub async fn get_including_deleted(&self, id: &str) -> Result<Record> {
        let url = self.client.url(&["records", id])?;
        let req = self
            .client
            .request(Method::GET, url)
            .query(&[("include_deleted".to_string(), "true".to_string())]);
        self.client.record(req).await
    }

    /// `POST /api/records/{id}/request-deletion` (InvenioRDM v14): the owner asks for the
    /// record's deletion. Where the instance lets owners delete their records within a grace
    /// period (`RDM_IMMEDIATE_RECORD_DELETION_ENABLED`, 30 days), the request comes back
    /// accepted and the record is deleted; where it lets them ask
    /// (`RDM_REQUEST_RECORD_DELETION_ENABLED`), it comes back submitted, for an administrator
    /// to accept. Both are off on a stock instance: 403. v13 has no such route (404).
    pub async fn request_deletion(&self, id: &str, request: &DeletionRequest) -> Result<Request> {
        let url = self.client.url(&["records", id, "request-deletion"])?;
        let mut body = Map::new();
        body.insert("reason".into(), json!(request.reason));
        if let Some(c) = &request.comment {
            body.insert("comment".into(), json!(c));
        }
        let req = self.client.request(Method::POST, url).json_body(&body)?;
        self.client.json(req).await
    }

    /// Whether the removal reason is a term the server knows; an error naming the known ones
    /// otherwise.
    async fn known_reason(&self, reason: &str) -> Result<()> {
        let query = self.client.query();
        match query.term(&VocType::RemovalReasons, reason).await {
            Ok(_) => Ok(()),
            Err(e) if e.is_not_found() => {
                let known: Vec<String> = query
                    .vocabulary(&VocType::RemovalReasons, &VocQuery::new().size(100))
                    .await
                    .map(|page| page.items().iter().filter_map(|t| t.id.clone()).collect())
                    .unwrap_or_default();
                Err(Error::InvalidArgument(format!(
                    "{reason:?} is not a removal reason this server knows{}; nothing was sent",
                    if known.is_empty() {
                        String::new()
                    } else {
                        format!(" (it knows: {})", known.join(", "))
                    }
                )))
            }
            Err(e) => Err(e),
        }
    }
}
