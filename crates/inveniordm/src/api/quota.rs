//! Storage quotas (administrators, v13 and v14), quota increases and the modification of a
//! published record's files (v14).

use inveniordm_models::Request;
use reqwest::Method;
use serde_json::{Map, json};

use crate::{Error, Result};

/// A storage quota: the most bytes a record's files may hold together, and the largest file.
///
/// ```
/// use inveniordm::api::Quota;
/// let q = Quota::new(50_000_000_000, 20_000_000_000).notes("Survey data, agreed by e-mail");
/// assert_eq!(q.max_file_size, 20_000_000_000);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Quota {
    /// Bytes all files may hold together.
    pub quota_size: u64,
    /// Bytes one file may hold.
    pub max_file_size: u64,
    /// Why the quota was set (kept by the server for administrators).
    pub notes: Option<String>,
}

impl Quota {
    /// A quota of `quota_size` bytes in all, `max_file_size` bytes a file.
    pub fn new(quota_size: u64, max_file_size: u64) -> Self {
        Self {
            quota_size,
            max_file_size,
            notes: None,
        }
    }

    /// With a note on why.
    pub fn notes(mut self, notes: impl Into<String>) -> Self {
        self.notes = Some(notes.into());
        self
    }

    fn body(&self) -> Map<String, serde_json::Value> {
        let mut body = Map::new();
        body.insert("quota_size".into(), json!(self.quota_size));
        body.insert("max_file_size".into(), json!(self.max_file_size));
        if let Some(n) = &self.notes {
            body.insert("notes".into(), json!(n));
        }
        body
    }
}

/// The shortest comment a file modification request keeps (the server silently leaves out a
/// shorter one, so it is refused here instead).
pub const MIN_MODIFICATION_COMMENT: usize = 25;

impl super::RecordsApi<'_> {
    /// `POST /api/records/{id}/quota` (administrators): the quota of a record's files, every
    /// version of it (`id` may be a draft's). Uploads past it are refused by the server with
    /// `Bucket quota exceeded.` or `Maximum file size exceeded.`, before the body is read.
    /// The server has no route to read a quota back.
    pub async fn set_quota(&self, id: &str, quota: &Quota) -> Result<()> {
        let url = self.client.url(&["records", id, "quota"])?;
        let req = self
            .client
            .request(Method::POST, url)
            .json_body(&quota.body())?;
        self.client.empty(req).await
    }

    /// `POST /api/records/{id}/quota-increase` (InvenioRDM v14): the owner asks for a quota of
    /// `quota_size_gb` gigabytes (10⁹ bytes). Where the instance grants increases at once
    /// (`RDM_IMMEDIATE_QUOTA_INCREASE_ENABLED` and its policies), the request comes back
    /// accepted; a stock instance refuses everyone (403). v13 has no such route (404).
    pub async fn request_quota_increase(&self, id: &str, quota_size_gb: u64) -> Result<Request> {
        let url = self.client.url(&["records", id, "quota-increase"])?;
        let req = self
            .client
            .request(Method::POST, url)
            .json_body(&json!({ "quota_size": quota_size_gb }))?;
        self.client.json(req).await
    }

    /// `POST /api/records/{id}/file-modification` (InvenioRDM v14): unlocks the files of the
    /// record's edit draft (open it first with [`DraftsApi::edit`](super::DraftsApi::edit)),
    /// so that files can be removed, replaced and added before the draft is published again:
    /// a typo in a data file without a new version. The request comes back accepted when the
    /// instance's policy allows it (administrators on a stock instance; owners within a
    /// grace period where configured), and the server refuses it otherwise (403). Without an
    /// edit draft the server answers 404. v13 has no such route (404).
    ///
    /// A `comment` shorter than [`MIN_MODIFICATION_COMMENT`] characters is refused here
    /// (the server would drop it without a word).
    pub async fn file_modification(&self, id: &str, comment: Option<&str>) -> Result<Request> {
        let mut body = Map::new();
        if let Some(c) = comment {
            if c.chars().count() < MIN_MODIFICATION_COMMENT {
                return Err(Error::InvalidArgument(format!(
                    "a file modification comment needs at least {MIN_MODIFICATION_COMMENT} characters (the server drops shorter ones); nothing was sent"
                )));
            }
            body.insert("comment".into(), json!(c));
        }
        let url = self.client.url(&["records", id, "file-modification"])?;
        let req = self.client.request(Method::POST, url).json_body(&body)?;
        self.client.json(req).await
    }
}

impl super::UsersApi<'_> {
    /// `POST /api/users/{id}/quota` (administrators): the quota of the records the user
    /// creates from now on (records made before keep theirs). The user is looked up first:
    /// real servers answer an unknown user with a 500.
    pub async fn set_quota(&self, id: &str, quota: &Quota) -> Result<()> {
        self.get(id).await?;
        let url = self.client.url(&["users", id, "quota"])?;
        let req = self
            .client
            .request(Method::POST, url)
            .json_body(&quota.body())?;
        self.client.empty(req).await
    }
}
