use inveniordm_models::{
    Community, Featured, FeaturedList, Member, Record, Request, Results, SearchQuery,
};
use reqwest::Method;
use serde_json::json;

use crate::{Client, Result};

/// Communities. See [`Client::communities`].
#[derive(Debug, Clone, Copy)]
pub struct CommunitiesApi<'a> {
    pub(crate) client: &'a Client,
}

/// Keys of a community the server computes; they are not sent on create or update.
const READ_ONLY: &[&str] = &[
    "id",
    "links",
    "revision_id",
    "created",
    "updated",
    "deletion_status",
    "tombstone",
    "children",
    "parent",
    "theme",
];

/// The body to send for a community: everything but the computed keys.
pub(super) fn writable(c: &Community) -> Result<serde_json::Value> {
    let mut v = serde_json::to_value(c)
        .map_err(|e| crate::Error::internal(format!("cannot serialise the community: {e}")))?;
    if let Some(o) = v.as_object_mut() {
        for k in READ_ONLY {
            o.remove(*k);
        }
    }
    Ok(v)
}

impl CommunitiesApi<'_> {
    /// `GET /api/communities`: a page of communities matching `query`.
    pub async fn search(&self, query: &SearchQuery) -> Result<Results<Community>> {
        self.client.search_page(&["communities"], query).await
    }

    /// `GET /api/user/communities`: the communities the caller is a member of.
    pub async fn mine(&self, query: &SearchQuery) -> Result<Results<Community>> {
        self.client
            .search_page(&["user", "communities"], query)
            .await
    }

    /// `GET /api/communities/{id}`: one community, by id or by slug.
    pub async fn get(&self, id_or_slug: &str) -> Result<Community> {
        let url = self.client.url(&["communities", id_or_slug])?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }

    /// `POST /api/communities`: creates a community (the caller becomes its owner). Needs at
    /// least a slug and a title ([`Community::new_with`]).
    pub async fn create(&self, community: &Community) -> Result<Community> {
        let url = self.client.url(&["communities"])?;
        let req = self
            .client
            .request(Method::POST, url)
            .json_body(&writable(community)?)?;
        self.client.json(req).await
    }

    /// `PUT /api/communities/{id}`: replaces the community's metadata and access with those of
    /// `community` (keys this library does not model included). Sends `If-Match` with its
    /// `revision_id` when set.
    pub async fn update(&self, id_or_slug: &str, community: &Community) -> Result<Community> {
        let url = self.client.url(&["communities", id_or_slug])?;
        let mut req = self
            .client
            .request(Method::PUT, url)
            .json_body(&writable(community)?)?;
        if let Some(rev) = community.revision_id {
            req = req.header(
                reqwest::header::HeaderName::from_static("if-match"),
                reqwest::header::HeaderValue::from(rev),
            );
        }
        self.client.json(req).await
    }

    /// `DELETE /api/communities/{id}`.
    pub async fn delete(&self, id_or_slug: &str) -> Result<()> {
        let url = self.client.url(&["communities", id_or_slug])?;
        self.client
            .empty(self.client.request(Method::DELETE, url))
            .await
    }

    /// `POST /api/communities/{id}/rename`: gives the community a new slug (owners); nothing
    /// else changes. With `revision`, the server refuses it if the community changed since
    /// (412).
    pub async fn rename(
        &self,
        id_or_slug: &str,
        new_slug: &str,
        revision: Option<u64>,
    ) -> Result<Community> {
        let url = self.client.url(&["communities", id_or_slug, "rename"])?;
        let mut req = self
            .client
            .request(Method::POST, url)
            .json_body(&json!({ "slug": new_slug }))?;
        if let Some(rev) = revision {
            // A bare number: the server refuses a quoted one here.
            req = req.header(
                reqwest::header::HeaderName::from_static("if-match"),
                reqwest::header::HeaderValue::from(rev),
            );
        }
        self.client.json(req).await
    }

    /// `POST /api/communities/{id}/restore`: brings a deleted community back (owners). Real
    /// servers answer 500 for a community that is not deleted, so it is read first and
    /// refused here with [`Error::Usage`](crate::Error::Usage) when it is not.
    pub async fn restore(&self, id_or_slug: &str) -> Result<Community> {
        match self.get(id_or_slug).await {
            Ok(_) => {
                return Err(crate::Error::Usage(format!(
                    "the community {id_or_slug} is not deleted: there is nothing to restore"
                )));
            }
            Err(e) if e.status() == Some(410) => {}
            Err(e) => return Err(e),
        }
        let url = self.client.url(&["communities", id_or_slug, "restore"])?;
        let req = self.client.request(Method::POST, url);
        self.client.json(req).await
    }

    /// `GET /api/communities/featured`: public communities featured from a date already past.
    pub async fn featured(&self, query: &SearchQuery) -> Result<Results<Community>> {
        self.client
            .search_page(&["communities", "featured"], query)
            .await
    }

    /// `GET /api/communities/{id}/featured` (administrators): the entries that feature it.
    pub async fn featured_entries(&self, id_or_slug: &str) -> Result<Vec<Featured>> {
        let url = self.client.url(&["communities", id_or_slug, "featured"])?;
        let list: FeaturedList = self
            .client
            .json(self.client.request(Method::GET, url))
            .await?;
        Ok(list.hits.and_then(|h| h.hits).unwrap_or_default())
    }

    /// `POST /api/communities/{id}/featured` (administrators): features the community from
    /// `start_date`, an ISO time in UTC (`2026-12-24T00:00:00`, with `Z` or `+00:00` or
    /// without an offset). Other offsets are refused here: real servers fail on them (500).
    pub async fn feature(&self, id_or_slug: &str, start_date: &str) -> Result<Featured> {
        check_utc(start_date)?;
        let url = self.client.url(&["communities", id_or_slug, "featured"])?;
        let req = self
            .client
            .request(Method::POST, url)
            .json_body(&json!({ "start_date": start_date }))?;
        self.client.json(req).await
    }

    /// `PUT /api/communities/{id}/featured/{entry}` (administrators): a new start date.
    pub async fn update_featured(
        &self,
        id_or_slug: &str,
        entry: u64,
        start_date: &str,
    ) -> Result<Featured> {
        check_utc(start_date)?;
        let entry = entry.to_string();
        let url = self
            .client
            .url(&["communities", id_or_slug, "featured", &entry])?;
        let req = self
            .client
            .request(Method::PUT, url)
            .json_body(&json!({ "start_date": start_date }))?;
        self.client.json(req).await
    }

    /// `DELETE /api/communities/{id}/featured/{entry}` (administrators).
    pub async fn unfeature(&self, id_or_slug: &str, entry: u64) -> Result<()> {
        let entry = entry.to_string();
        let url = self
            .client
            .url(&["communities", id_or_slug, "featured", &entry])?;
        self.client
            .empty(self.client.request(Method::DELETE, url))
            .await
    }

    /// `GET /api/communities/{id}/logo`: the logo's bytes.
    pub async fn logo(&self, id_or_slug: &str) -> Result<Vec<u8>> {
        let url = self.client.url(&["communities", id_or_slug, "logo"])?;
        let context = format!("GET {}", url.path());
        let mut req = self.client.request(Method::GET, url);
        req.accept = "*/*";
        let resp = self.client.execute(req).await?;
        Ok(self.client.read_body(&context, resp).await?.to_vec())
    }

    /// `PUT /api/communities/{id}/logo`: sets the logo (an image's bytes).
    pub async fn set_logo(&self, id_or_slug: &str, image: Vec<u8>) -> Result<()> {
        let url = self.client.url(&["communities", id_or_slug, "logo"])?;
        let req = self
            .client
            .request(Method::PUT, url)
            .bytes_body(image.into());
        self.client.empty(req).await
    }

    /// `DELETE /api/communities/{id}/logo`.
    pub async fn delete_logo(&self, id_or_slug: &str) -> Result<()> {
        let url = self.client.url(&["communities", id_or_slug, "logo"])?;
        self.client
            .empty(self.client.request(Method::DELETE, url))
            .await
    }

    /// `GET /api/communities/{id}/records`: the records the community holds.
    pub async fn records(&self, id_or_slug: &str, query: &SearchQuery) -> Result<Results<Record>> {
        let url = self.client.url(&["communities", id_or_slug, "records"])?;
        let mut req = self
            .client
            .request(Method::GET, url)
            .query(&query.to_pairs());
        req.accept = self.client.record_accept();
        self.client.json(req).await
    }

    /// `GET /api/communities/{id}/members`: the members (for members of the community).
    pub async fn members(&self, id_or_slug: &str, query: &SearchQuery) -> Result<Results<Member>> {
        self.client
            .search_page(&["communities", id_or_slug, "members"], query)
            .await
    }

    /// `GET /api/communities/{id}/requests`: the requests the community receives (its
    /// curators' inbox: submissions and inclusions, never unsubmitted ones), for its
    /// curators, managers and owners. `id` is the community's id, not its slug (the server
    /// filters by the value as given); filter with the query's `is_open`, `type`, `status`.
    pub async fn requests(&self, id: &str, query: &SearchQuery) -> Result<Results<Request>> {
        self.client
            .search_page(&["communities", id, "requests"], query)
            .await
    }

    /// `GET /api/communities/{id}/members/public`: the members anyone may see.
    pub async fn public_members(
        &self,
        id_or_slug: &str,
        query: &SearchQuery,
    ) -> Result<Results<Member>> {
        self.client
            .search_page(&["communities", id_or_slug, "members", "public"], query)
            .await
    }
}

/// Refuses a time with an offset other than UTC's (the real servers' database fails on it).
fn check_utc(start_date: &str) -> Result<()> {
    let t = start_date.trim();
    let offset = t.len() > 19
        && matches!(t.as_bytes()[t.len() - 6], b'+' | b'-')
        && !t.ends_with("+00:00")
        && !t.ends_with("-00:00");
    if offset {
        return Err(crate::Error::InvalidArgument(format!(
            "{start_date:?}: give the start date in UTC (ending in Z or +00:00, or with no offset)"
        )));
    }
    Ok(())
}
