use inveniordm_models::{AccessGrant, AccessSettings, Record, Request, Results};
use reqwest::Method;
use serde_json::json;

use crate::{Client, Error, Result};

/// Access grants of a record: named users and roles. See [`super::RecordsApi::grants`].
#[derive(Debug, Clone, Copy)]
pub struct GrantsApi<'a> {
    pub(crate) client: &'a Client,
}

impl GrantsApi<'_> {
    /// `GET /api/records/{id}/access/grants`.
    pub async fn list(&self, id: &str) -> Result<Results<AccessGrant>> {
        let url = self.client.url(&["records", id, "access", "grants"])?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }

    /// `POST /api/records/{id}/access/grants`: adds grants (1 to 100); the server answers
    /// with the grants it made.
    pub async fn create(&self, id: &str, grants: &[AccessGrant]) -> Result<Results<AccessGrant>> {
        if grants.is_empty() || grants.len() > 100 {
            return Err(Error::InvalidArgument(format!(
                "a request makes 1 to 100 grants, not {}",
                grants.len()
            )));
        }
        let body: Vec<AccessGrant> = grants.iter().map(writable).collect();
        let url = self.client.url(&["records", id, "access", "grants"])?;
        let req = self
            .client
            .request(Method::POST, url)
            .json_body(&json!({ "grants": body }))?;
        self.client.json(req).await
    }

    /// `GET /api/records/{id}/access/grants/{grant_id}`.
    pub async fn get(&self, id: &str, grant_id: &str) -> Result<AccessGrant> {
        let url = self
            .client
            .url(&["records", id, "access", "grants", grant_id])?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }

    /// `PATCH /api/records/{id}/access/grants/{grant_id}`: changes the permission.
    pub async fn update(
        &self,
        id: &str,
        grant_id: &str,
        grant: &AccessGrant,
    ) -> Result<AccessGrant> {
        let url = self
            .client
            .url(&["records", id, "access", "grants", grant_id])?;
        let req = self
            .client
            .request(Method::PATCH, url)
            .json_body(&writable(grant))?;
        self.client.json(req).await
    }

    /// `DELETE /api/records/{id}/access/grants/{grant_id}`.
    pub async fn delete(&self, id: &str, grant_id: &str) -> Result<()> {
        let url = self
            .client
            .url(&["records", id, "access", "grants", grant_id])?;
        self.client
            .empty(self.client.request(Method::DELETE, url))
            .await
    }

    /// `GET /api/records/{id}/access/users`: the grants to users, by user.
    pub async fn users(&self, id: &str) -> Result<Results<AccessGrant>> {
        let url = self.client.url(&["records", id, "access", "users"])?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }

    /// `DELETE /api/records/{id}/access/users/{user_id}`: removes a user's grant.
    pub async fn delete_user(&self, id: &str, user_id: &str) -> Result<()> {
        let url = self
            .client
            .url(&["records", id, "access", "users", user_id])?;
        self.client
            .empty(self.client.request(Method::DELETE, url))
            .await
    }
}

/// The fields of a grant the server accepts on input.
fn writable(g: &AccessGrant) -> AccessGrant {
    AccessGrant {
        id: None,
        origin: None,
        ..g.clone()
    }
}

/// A guest's access request: who asks and why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuestRequest {
    /// E-mail address the answer goes to.
    pub email: String,
    /// Full name.
    pub full_name: String,
    /// Why access is wanted.
    pub message: String,
}

impl super::RecordsApi<'_> {
    /// Named users' and roles' access to a record (`/records/{id}/access/grants`).
    pub fn grants(&self) -> GrantsApi<'_> {
        GrantsApi {
            client: self.client,
        }
    }

    /// `PUT /api/records/{id}/access`: who may ask for access (user and guest requests), the
    /// conditions shown to them, and how long links made for accepted requests last. The
    /// server answers with the record or draft.
    pub async fn set_access_settings(&self, id: &str, settings: &AccessSettings) -> Result<Record> {
        let url = self.client.url(&["records", id, "access"])?;
        let req = self.client.request(Method::PUT, url).json_body(settings)?;
        self.client.record(req).await
    }

    /// `POST /api/records/{id}/access/request` as a signed-in user: asks the owner for access
    /// (the record must allow user requests). The answer is the request made.
    pub async fn request_access(&self, id: &str, message: &str) -> Result<Request> {
        let url = self.client.url(&["records", id, "access", "request"])?;
        let req = self
            .client
            .request(Method::POST, url)
            .json_body(&json!({ "message": message }))?;
        self.client.json(req).await
    }

    /// `POST /api/records/{id}/access/request` as a guest (the record must allow guest
    /// requests); the server answers with what it recorded, as JSON.
    pub async fn request_access_as_guest(
        &self,
        id: &str,
        guest: &GuestRequest,
    ) -> Result<serde_json::Value> {
        let url = self.client.url(&["records", id, "access", "request"])?;
        let req = self.client.request(Method::POST, url).json_body(&json!({
            "email": guest.email,
            "full_name": guest.full_name,
            "message": guest.message,
            "consent_to_share_personal_data": "true",
        }))?;
        self.client.json(req).await
    }
}
