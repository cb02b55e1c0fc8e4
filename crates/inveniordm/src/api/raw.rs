use reqwest::Method;
use serde_json::Value;

use crate::{Client, Result};

/// JSON in and out on any path below the API root. See [`Client::raw`].
///
/// ```
/// # async fn demo(client: inveniordm::Client) -> inveniordm::Result<()> {
/// let stats = client.raw().post("stats", &serde_json::json!({"views": {"stat": "record-view", "params": {"recid": "abcd1-23456"}}})).await?;
/// let communities = client.raw().get("communities?q=ocean").await?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Copy)]
pub struct RawApi<'a> {
    pub(crate) client: &'a Client,
}

impl RawApi<'_> {
    /// `GET` a relative API path (`"communities?q=x"`).
    pub async fn get(&self, path: &str) -> Result<Value> {
        self.send(Method::GET, path, None).await
    }

    /// `POST` JSON to a relative API path.
    pub async fn post(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(Method::POST, path, Some(body)).await
    }

    /// `PUT` JSON to a relative API path.
    pub async fn put(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(Method::PUT, path, Some(body)).await
    }

    /// `PATCH` JSON to a relative API path.
    pub async fn patch(&self, path: &str, body: &Value) -> Result<Value> {
        self.send(Method::PATCH, path, Some(body)).await
    }

    /// `GET` an absolute link from a response (such as `links.next`); it must point at this
    /// client's server, so the token is never sent elsewhere.
    pub async fn get_link(&self, link: &str) -> Result<Value> {
        let url = self.client.same_origin(link)?;
        self.json_or_null(self.client.request(Method::GET, url))
            .await
    }

    /// `DELETE` a relative API path; the body, if any, as JSON (`null` when empty).
    pub async fn delete(&self, path: &str) -> Result<Value> {
        self.send(Method::DELETE, path, None).await
    }

    async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Result<Value> {
        let url = self.client.relative_url(path)?;
        let mut req = self.client.request(method, url);
        if let Some(b) = body {
            req = req.json_body(b)?;
        }
        self.json_or_null(req).await
    }

    /// Sends a request; its answer as JSON, `null` when the body is empty.
    async fn json_or_null(&self, req: crate::transport::Request) -> Result<Value> {
        let context = format!("{} {}", req.method, req.url.path());
        let resp = self.client.execute(req).await?;
        let bytes = self.client.read_body(&context, resp).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Value::Null);
        }
        crate::transport::decode_json(&context, &bytes)
    }
}
