use inveniordm_models::{EventPayload, Request, RequestEvent, Results, SearchQuery};
use reqwest::Method;
use serde_json::json;

use crate::{Client, Error, Result};

/// Requests: community submissions and inclusions, access requests. See
/// [`Client::requests`].
#[derive(Debug, Clone, Copy)]
pub struct RequestsApi<'a> {
    pub(crate) client: &'a Client,
}

/// The body of an action or a comment: `{"payload": {"content": …, "format": "html"}}`, or
/// no body without a message.
fn message_body(message: Option<&EventPayload>) -> Option<serde_json::Value> {
    message.map(|m| json!({ "payload": m }))
}

impl RequestsApi<'_> {
    /// `GET /api/requests`: the requests the caller may see (those it created and those it
    /// decides on). `query.filter("is_open", "true")` keeps the open ones.
    pub async fn search(&self, query: &SearchQuery) -> Result<Results<Request>> {
        // The server answers `/api/requests` with a redirect to `/api/requests/`.
        let mut url = self.client.url(&["requests"])?;
        let path = format!("{}/", url.path());
        url.set_path(&path);
        let req = self
            .client
            .request(Method::GET, url)
            .query(&query.to_pairs());
        self.client.json(req).await
    }

    /// `GET /api/user/requests`: the requests the caller created or received.
    pub async fn mine(&self, query: &SearchQuery) -> Result<Results<Request>> {
        self.client.search_page(&["user", "requests"], query).await
    }

    /// `GET /api/requests/{id}`.
    pub async fn get(&self, id: &str) -> Result<Request> {
        let url = self.client.url(&["requests", id])?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }

    /// `PUT /api/requests/{id}`: changes the title or description (the rest is the
    /// server's).
    pub async fn update(&self, id: &str, request: &Request) -> Result<Request> {
        let url = self.client.url(&["requests", id])?;
        let mut body = serde_json::Map::new();
        if let Some(t) = &request.title {
            body.insert("title".into(), t.clone().into());
        }
        if let Some(d) = &request.description {
            body.insert("description".into(), d.clone().into());
        }
        let req = self.client.request(Method::PUT, url).json_body(&body)?;
        self.client.json(req).await
    }

    /// `POST /api/requests/{id}/actions/{action}`: accept, decline, cancel, expire, submit,
    /// or any other action the request type offers (see [`Request::actions`]), with an
    /// optional message that joins the timeline.
    pub async fn action(
        &self,
        id: &str,
        action: &str,
        message: Option<&EventPayload>,
    ) -> Result<Request> {
        if action.is_empty() || action.contains('/') {
            return Err(Error::InvalidArgument(format!(
                "{action:?} is not a request action (accept, decline, cancel, …)"
            )));
        }
        let url = self.client.url(&["requests", id, "actions", action])?;
        let mut req = self.client.request(Method::POST, url);
        if let Some(b) = message_body(message) {
            req = req.json_body(&b)?;
        }
        self.client.json(req).await
    }

    /// Accepts a request (its receiver only). Accepting a submission publishes the draft in
    /// the community.
    pub async fn accept(&self, id: &str, message: Option<&EventPayload>) -> Result<Request> {
        self.action(id, "accept", message).await
    }

    /// Declines a request (its receiver only). A declined submission leaves the draft to its
    /// owner to change.
    pub async fn decline(&self, id: &str, message: Option<&EventPayload>) -> Result<Request> {
        self.action(id, "decline", message).await
    }

    /// Cancels a request (its creator only).
    pub async fn cancel(&self, id: &str, message: Option<&EventPayload>) -> Result<Request> {
        self.action(id, "cancel", message).await
    }

    /// Expires a request (where the server allows it).
    pub async fn expire(&self, id: &str) -> Result<Request> {
        self.action(id, "expire", None).await
    }

    /// `POST /api/requests/{id}/comments`: adds a comment.
    pub async fn comment(&self, id: &str, comment: &EventPayload) -> Result<RequestEvent> {
        let url = self.client.url(&["requests", id, "comments"])?;
        let req = self
            .client
            .request(Method::POST, url)
            .json_body(&json!({ "payload": comment }))?;
        self.client.json(req).await
    }

    /// `GET /api/requests/{id}/comments/{event_id}`.
    pub async fn get_comment(&self, id: &str, event_id: &str) -> Result<RequestEvent> {
        let url = self.client.url(&["requests", id, "comments", event_id])?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }

    /// `PUT /api/requests/{id}/comments/{event_id}`: changes a comment's text.
    pub async fn update_comment(
        &self,
        id: &str,
        event_id: &str,
        comment: &EventPayload,
    ) -> Result<RequestEvent> {
        let url = self.client.url(&["requests", id, "comments", event_id])?;
        let req = self
            .client
            .request(Method::PUT, url)
            .json_body(&json!({ "payload": comment }))?;
        self.client.json(req).await
    }

    /// `DELETE /api/requests/{id}/comments/{event_id}`.
    pub async fn delete_comment(&self, id: &str, event_id: &str) -> Result<()> {
        let url = self.client.url(&["requests", id, "comments", event_id])?;
        self.client
            .empty(self.client.request(Method::DELETE, url))
            .await
    }

    /// `POST /api/requests/{id}/comments/{comment_id}/reply` (InvenioRDM v14): a reply to a
    /// comment of the timeline. Threads are one level deep: a reply to a reply is refused
    /// (400). v13 has no such route (404).
    pub async fn reply(
        &self,
        id: &str,
        comment_id: &str,
        reply: &EventPayload,
    ) -> Result<RequestEvent> {
        let url = self
            .client
            .url(&["requests", id, "comments", comment_id, "reply"])?;
        let req = self
            .client
            .request(Method::POST, url)
            .json_body(&json!({ "payload": reply }))?;
        self.client.json(req).await
    }

    /// `GET /api/requests/{id}/comments/{comment_id}/replies` (InvenioRDM v14): a comment's
    /// replies, oldest first.
    pub async fn replies(
        &self,
        id: &str,
        comment_id: &str,
        query: &SearchQuery,
    ) -> Result<Results<RequestEvent>> {
        self.client
            .search_page(&["requests", id, "comments", comment_id, "replies"], query)
            .await
    }

    /// `GET /api/requests/{id}/timeline_focused` (InvenioRDM v14): the page of the timeline,
    /// `size` events a page, that holds the event `event_id` (for a reply, its comment); the
    /// first page when the server does not know the event. Its `page` says which page it is.
    pub async fn timeline_focused(
        &self,
        id: &str,
        event_id: &str,
        size: u64,
    ) -> Result<Results<RequestEvent>> {
        if size == 0 {
            return Err(Error::InvalidArgument(
                "a timeline page holds at least one event".into(),
            ));
        }
        let url = self.client.url(&["requests", id, "timeline_focused"])?;
        // The server needs `size` (it fails without it).
        let req = self.client.request(Method::GET, url).query(&[
            ("focus_event_id".to_string(), event_id.to_string()),
            ("size".to_string(), size.to_string()),
        ]);
        self.client.json(req).await
    }

    /// `DELETE /api/requests/{id}`: deletes a request that was never submitted (status
    /// `created`), by its creator. Any other state is refused (403, or 400 for an
    /// administrator). To withdraw a draft's review, use
    /// [`DraftsApi::delete_review`](super::DraftsApi::delete_review): deleting its request
    /// here leaves the draft pointing at a request that no longer exists on real servers.
    pub async fn delete(&self, id: &str) -> Result<()> {
        let url = self.client.url(&["requests", id])?;
        self.client
            .empty(self.client.request(Method::DELETE, url))
            .await
    }

    /// `GET /api/requests/{id}/timeline`: comments and events, oldest first.
    pub async fn timeline(&self, id: &str, query: &SearchQuery) -> Result<Results<RequestEvent>> {
        self.client
            .search_page(&["requests", id, "timeline"], query)
            .await
    }
}
