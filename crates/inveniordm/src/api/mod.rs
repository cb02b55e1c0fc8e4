//! The low-level API: one method per REST endpoint, the server's JSON back as a model.
//!
//! Sub-APIs mirror the seed: [`Client::query`], [`Client::records`], [`Client::drafts`],
//! [`RecordsApi::access_links`], [`RecordsApi::grants`], [`Client::communities`],
//! [`Client::requests`], [`Client::users`], plus [`Client::raw`] for endpoints the typed layer lacks.

mod access;
mod communities;
mod content;
mod deletion;
mod drafts;
mod exports;
mod members;
mod oai;
mod query;
mod quota;
mod raw;
mod records;
mod requests;
mod review;
mod subcommunities;
mod users;

pub use access::{GrantsApi, GuestRequest};
pub use communities::CommunitiesApi;
pub use content::{Download, UploadBody};
pub use deletion::{DeletionRequest, Removal};
pub use drafts::DraftsApi;
pub use exports::{Export, ExportFormat, SITE_FORMATS};
pub use members::Invitation;
pub use oai::{OaiApi, OaiPage, OaiQuery, OaiRecord, OaiSet};
pub use query::{QueryApi, Scope};
pub use quota::{MIN_MODIFICATION_COMMENT, Quota};
pub use raw::RawApi;
pub use records::{AccessLinksApi, RecordsApi};
pub use requests::RequestsApi;
pub use review::{Inclusion, SubmitReview};
pub use subcommunities::Joining;
pub use users::UsersApi;

use crate::{Client, Result};

impl Client {
    /// `GET` a search endpoint below the API root with the query's parameters.
    pub(crate) async fn search_page<T: serde::de::DeserializeOwned>(
        &self,
        segs: &[&str],
        query: &inveniordm_models::SearchQuery,
    ) -> Result<T> {
        let url = self.url(segs)?;
        let req = self
            .request(reqwest::Method::GET, url)
            .query(&query.to_pairs());
        self.json(req).await
    }
}

impl Client {
    /// Vocabulary and record searches.
    pub fn query(&self) -> QueryApi<'_> {
        QueryApi { client: self }
    }

    /// Published records: get, files, versions, downloads, access links.
    pub fn records(&self) -> RecordsApi<'_> {
        RecordsApi { client: self }
    }

    /// Drafts: create, update, files, publish, edit, new version, DOI.
    pub fn drafts(&self) -> DraftsApi<'_> {
        DraftsApi { client: self }
    }

    /// Communities: search, create, update, delete, logo, records, members.
    pub fn communities(&self) -> CommunitiesApi<'_> {
        CommunitiesApi { client: self }
    }

    /// Requests: search, actions (accept, decline, cancel, …), comments, timeline.
    pub fn requests(&self) -> RequestsApi<'_> {
        RequestsApi { client: self }
    }

    /// Users: search and get (to name the user of a grant).
    pub fn users(&self) -> UsersApi<'_> {
        UsersApi { client: self }
    }

    /// JSON in and out on any API path (an escape hatch for endpoints the typed layer lacks).
    pub fn raw(&self) -> RawApi<'_> {
        RawApi { client: self }
    }
}
