//! Subcommunities: a community asks to join another (a `subcommunity` request the parent's
//! owners and managers decide), where the parent takes subcommunities.

use inveniordm_models::{Community, Request, Results, SearchQuery};
use reqwest::Method;
use serde_json::json;

use crate::Result;

/// The community that asks to join, for
/// [`CommunitiesApi::join_request`](super::CommunitiesApi::join_request).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Joining {
    /// A community of the caller's, by id or slug.
    Existing(String),
    /// A new community the server makes for the caller (public, open to members and
    /// submissions).
    New {
        /// Its slug.
        slug: String,
        /// Its title.
        title: String,
    },
}

impl super::CommunitiesApi<'_> {
    /// `POST /api/communities/{id}/actions/join-request`: asks for `child` to become a
    /// subcommunity of `parent` (an owner of the child asks). The parent must take
    /// subcommunities ([`set_children_allowed`](Self::set_children_allowed)), otherwise 400
    /// `Parent community does not accept subcommunities.` The request comes back accepted
    /// when the caller manages the parent too, submitted for its owners and managers
    /// otherwise.
    pub async fn join_request(&self, parent: &str, child: &Joining) -> Result<Request> {
        let parent_id = self.get(parent).await?.require_id()?.to_string();
        let body = match child {
            Joining::Existing(c) => {
                let id = self.get(c).await?.require_id()?.to_string();
                json!({ "community_id": id })
            }
            Joining::New { slug, title } => json!({ "community": {"slug": slug, "title": title} }),
        };
        let url = self
            .client
            .url(&["communities", &parent_id, "actions", "join-request"])?;
        let req = self.client.request(Method::POST, url).json_body(&body)?;
        self.client.json(req).await
    }

    /// `GET /api/communities/{id}/subcommunities`: its subcommunities, newest first.
    pub async fn subcommunities(
        &self,
        id_or_slug: &str,
        query: &SearchQuery,
    ) -> Result<Results<Community>> {
        self.client
            .search_page(&["communities", id_or_slug, "subcommunities"], query)
            .await
    }

    /// Lets a community take subcommunities, or not (`children.allow`; administrators): the
    /// community is read and written back with the setting changed.
    pub async fn set_children_allowed(&self, id_or_slug: &str, allow: bool) -> Result<Community> {
        let current = self.get(id_or_slug).await?;
        let id = current.require_id()?.to_string();
        let mut body = super::communities::writable(&current)?;
        body["children"] = json!({ "allow": allow });
        let url = self.client.url(&["communities", &id])?;
        let req = self.client.request(Method::PUT, url).json_body(&body)?;
        self.client.json(req).await
    }
}
