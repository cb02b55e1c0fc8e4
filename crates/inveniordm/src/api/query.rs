use inveniordm_models::{Record, RecordQuery, Results, VocQuery, VocType, VocabularyTerm};
use reqwest::Method;

use crate::{Client, Result};

/// Searches: vocabularies and records. See [`Client::query`].
#[derive(Debug, Clone, Copy)]
pub struct QueryApi<'a> {
    pub(crate) client: &'a Client,
}

impl QueryApi<'_> {
    /// `GET /api/vocabularies/{type}` (or `/api/{type}` for affiliations, funders, awards,
    /// names, subjects): a page of terms.
    pub async fn vocabulary(
        &self,
        voc: &VocType,
        query: &VocQuery,
    ) -> Result<Results<VocabularyTerm>> {
        let segs = voc.path_segments();
        let url = self.client.url(&segs)?;
        let req = self
            .client
            .request(Method::GET, url)
            .query(&query.to_pairs());
        self.client.json(req).await
    }

    /// `GET /api/vocabularies/{type}/{id}`: one term.
    pub async fn term(&self, voc: &VocType, id: &str) -> Result<VocabularyTerm> {
        let mut segs = voc.path_segments();
        segs.push(id);
        let url = self.client.url(&segs)?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }

    /// `GET /api/records`: published records (latest versions unless `all_versions`).
    pub async fn records(&self, query: &RecordQuery) -> Result<Results<Record>> {
        self.search(&["records"], query).await
    }

    /// `GET /api/user/records`: the caller's own drafts and records (needs a token).
    pub async fn user_records(&self, query: &RecordQuery) -> Result<Results<Record>> {
        self.search(&["user", "records"], query).await
    }

    /// Records, or the user's own when `user` is true (the seed's signature).
    pub async fn records_of(&self, user: bool, query: &RecordQuery) -> Result<Results<Record>> {
        if user {
            self.user_records(query).await
        } else {
            self.records(query).await
        }
    }

    /// The page after `page`, following its `next` link; `None` on the last page.
    ///
    /// The link must point at the same server as the client (the token is never sent
    /// elsewhere).
    pub async fn next_page(&self, page: &Results<Record>) -> Result<Option<Results<Record>>> {
        let Some(next) = page.next_link() else {
            return Ok(None);
        };
        let url = self.client.same_origin(next)?;
        let mut req = self.client.request(Method::GET, url);
        req.accept = self.client.record_accept();
        Ok(Some(self.client.json(req).await?))
    }

    async fn search(&self, segs: &[&str], query: &RecordQuery) -> Result<Results<Record>> {
        let url = self.client.url(segs)?;
        let mut req = self
            .client
            .request(Method::GET, url)
            .query(&query.to_pairs());
        req.accept = self.client.record_accept();
        self.client.json(req).await
    }
}
