use inveniordm_models::{AccessGrant, AccessSettings, GrantPermission, Record, Request, Results};
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

    /// `GET /api/records/{id}/access/grants/{index}` (a grant's id is its index in the
    /// list; deleting one renumbers those after it).
    pub async fn get(&self, id: &str, index: u64) -> Result<AccessGrant> {
        let index = index.to_string();
        let url = self
            .client
            .url(&["records", id, "access", "grants", &index])?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }

    /// `PATCH /api/records/{id}/access/grants/{index}`: changes the permission.
    pub async fn update(&self, id: &str, index: u64, grant: &AccessGrant) -> Result<AccessGrant> {
        let index = index.to_string();
        let url = self
            .client
            .url(&["records", id, "access", "grants", &index])?;
        let req = self
            .client
            .request(Method::PATCH, url)
            .json_body(&writable(grant))?;
        self.client.json(req).await
    }

    /// `DELETE /api/records/{id}/access/grants/{index}`.
    pub async fn delete(&self, id: &str, index: u64) -> Result<()> {
        let index = index.to_string();
        let url = self
            .client
            .url(&["records", id, "access", "grants", &index])?;
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

    /// `GET /api/records/{id}/access/groups`: the grants to groups (subjects of type
    /// `role`; make one with [`AccessGrant::to_group`]).
    pub async fn groups(&self, id: &str) -> Result<Results<AccessGrant>> {
        let url = self.client.url(&["records", id, "access", "groups"])?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }

    /// `PATCH /api/records/{id}/access/groups/{group_id}`: another permission for a group's
    /// grant.
    pub async fn update_group(
        &self,
        id: &str,
        group_id: &str,
        permission: GrantPermission,
    ) -> Result<AccessGrant> {
        let url = self
            .client
            .url(&["records", id, "access", "groups", group_id])?;
        let req = self
            .client
            .request(Method::PATCH, url)
            .json_body(&serde_json::json!({ "permission": permission }))?;
        self.client.json(req).await
    }

    /// `DELETE /api/records/{id}/access/groups/{group_id}`: removes a group's grant.
    pub async fn delete_group(&self, id: &str, group_id: &str) -> Result<()> {
        let url = self
            .client
            .url(&["records", id, "access", "groups", group_id])?;
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

impl<'a> super::RecordsApi<'a> {
    /// Named users' and roles' access to a record (`/records/{id}/access/grants`).
    pub fn grants(&self) -> GrantsApi<'a> {
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
    /// to a record whose files the caller cannot read. `email` must be the caller's own
    /// address (the server treats any other request as a guest's). The answer is the request
    /// made, which the owner accepts or declines through [`Client::requests`].
    pub async fn request_access(&self, id: &str, email: &str, message: &str) -> Result<Request> {
        let url = self.client.url(&["records", id, "access", "request"])?;
        let req = self
            .client
            .request(Method::POST, url)
            .json_body(&json!({ "email": email, "message": message }))?;
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
