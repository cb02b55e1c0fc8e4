use inveniordm_models::{Community, EventPayload, InclusionResult, Request, Results, SearchQuery};
use reqwest::Method;
use serde_json::json;

use crate::{Error, Result};

/// A community to add a record to, with how.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Inclusion {
    /// The community's id or slug.
    pub community: String,
    /// Ask for a review even where the caller may include the record directly.
    pub require_review: bool,
    /// A message for the curators.
    pub comment: Option<String>,
}

impl Inclusion {
    /// An inclusion in this community, reviewed only where the community requires it.
    pub fn of(community: impl Into<String>) -> Self {
        Self {
            community: community.into(),
            ..Self::default()
        }
    }
}

/// How a draft is submitted for review ([`DraftsApi::submit_review`](super::DraftsApi::submit_review)).
///
/// ```
/// use inveniordm::api::SubmitReview;
/// use inveniordm::models::EventPayload;
/// let how = SubmitReview::new().message(EventPayload::text("Please have a look")).require_review();
/// assert!(how.require_review);
/// ```
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SubmitReview {
    /// A message for the curators.
    pub message: Option<EventPayload>,
    /// Ask for a review even where the caller may publish in the community directly (where
    /// the server would otherwise accept and publish at once).
    pub require_review: bool,
}

impl SubmitReview {
    /// A submission without a message, reviewed only where the community requires it.
    pub fn new() -> Self {
        Self::default()
    }

    /// With a message for the curators.
    pub fn message(mut self, message: EventPayload) -> Self {
        self.message = Some(message);
        self
    }

    /// Asks for a review even where the caller may publish directly.
    pub fn require_review(mut self) -> Self {
        self.require_review = true;
        self
    }
}

impl super::DraftsApi<'_> {
    /// `GET /api/records/{id}/draft/review`: the draft's review request.
    pub async fn review(&self, id: &str) -> Result<Request> {
        let url = self.client.url(&["records", id, "draft", "review"])?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }

    /// `PUT /api/records/{id}/draft/review`: sets the community the draft is to be submitted
    /// to (a request in status `created`; the draft's status becomes `draft_with_review`).
    pub async fn set_review(&self, id: &str, community_id: &str) -> Result<Request> {
        let url = self.client.url(&["records", id, "draft", "review"])?;
        let req = self
            .client
            .request(Method::PUT, url)
            .json_body(&Request::submission_to(community_id))?;
        self.client.json(req).await
    }

    /// `DELETE /api/records/{id}/draft/review`: removes a review not yet submitted.
    pub async fn delete_review(&self, id: &str) -> Result<()> {
        let url = self.client.url(&["records", id, "draft", "review"])?;
        self.client
            .empty(self.client.request(Method::DELETE, url))
            .await
    }

    /// `POST /api/records/{id}/draft/actions/submit-review`: submits the draft to the
    /// community of its review, as `how` says (a message for the curators; whether to ask for
    /// a review where the caller may publish in the community directly, in which case the
    /// server otherwise accepts at once and publishes). The answer is the request, with its
    /// new status.
    pub async fn submit_review(&self, id: &str, how: &SubmitReview) -> Result<Request> {
        let url = self
            .client
            .url(&["records", id, "draft", "actions", "submit-review"])?;
        let mut body = serde_json::Map::new();
        if let Some(m) = &how.message {
            body.insert("payload".into(), json!(m));
        }
        if how.require_review {
            body.insert("require_review".into(), true.into());
        }
        let req = self.client.request(Method::POST, url).json_body(&body)?;
        self.client.json(req).await
    }
}

impl super::RecordsApi<'_> {
    /// `GET /api/records/{id}/communities`: the communities a published record is in.
    pub async fn communities(&self, id: &str, query: &SearchQuery) -> Result<Results<Community>> {
        self.client
            .search_page(&["records", id, "communities"], query)
            .await
    }

    /// `PUT /api/records/{id}/communities`: sets the record's default community (one it is
    /// in), or clears it with `None`; for its owner, the curators of its communities and
    /// administrators. The answer is the record's parent as stored (its
    /// `communities.default`). A community the record is not in is refused (400).
    pub async fn set_default_community(
        &self,
        id: &str,
        community: Option<&str>,
    ) -> Result<inveniordm_models::Parent> {
        let url = self.client.url(&["records", id, "communities"])?;
        let req = self
            .client
            .request(Method::PUT, url)
            .json_body(&json!({ "default": community }))?;
        self.client.json(req).await
    }

    /// `POST /api/records/{id}/communities`: adds a published record to communities (up to
    /// 10). Each becomes an inclusion request, accepted at once where the caller may include
    /// directly and did not ask for review. Communities the server refused are in
    /// [`InclusionResult::errors`]; when it refused them all the answer is an error.
    pub async fn add_to_communities(
        &self,
        id: &str,
        inclusions: &[Inclusion],
    ) -> Result<InclusionResult> {
        if inclusions.is_empty() || inclusions.len() > 10 {
            return Err(Error::InvalidArgument(format!(
                "a record is added to 1 to 10 communities at a time, not {}",
                inclusions.len()
            )));
        }
        let list: Vec<serde_json::Value> = inclusions
            .iter()
            .map(|i| {
                let mut c = json!({"id": i.community});
                if i.require_review {
                    c["require_review"] = true.into();
                }
                if let Some(text) = &i.comment {
                    c["comment"] = json!({ "payload": EventPayload::text(text) });
                }
                c
            })
            .collect();
        let url = self.client.url(&["records", id, "communities"])?;
        let req = self
            .client
            .request(Method::POST, url)
            .json_body(&json!({ "communities": list }))?;
        self.client.json(req).await
    }

    /// `DELETE /api/records/{id}/communities`: removes a record from communities (by id).
    pub async fn remove_from_communities(
        &self,
        id: &str,
        community_ids: &[&str],
    ) -> Result<InclusionResult> {
        if community_ids.is_empty() {
            return Err(Error::InvalidArgument(
                "name at least one community to remove the record from".into(),
            ));
        }
        let list: Vec<serde_json::Value> = community_ids.iter().map(|c| json!({"id": c})).collect();
        let url = self.client.url(&["records", id, "communities"])?;
        let req = self
            .client
            .request(Method::DELETE, url)
            .json_body(&json!({ "communities": list }))?;
        self.client.json(req).await
    }

    /// `GET /api/records/{id}/requests`: the requests about a record (inclusions, access
    /// requests).
    pub async fn requests(&self, id: &str, query: &SearchQuery) -> Result<Results<Request>> {
        self.client
            .search_page(&["records", id, "requests"], query)
            .await
    }
}
