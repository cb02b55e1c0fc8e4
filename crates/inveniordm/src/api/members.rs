//! A community's members beyond the list: roles and visibility, removal and leaving,
//! invitations, and membership requests.
//!
//! These routes take the community's id (a UUID), not its slug: a slug given here is looked
//! up first.

use inveniordm_models::{Member, MemberRole, Request, Results, SearchQuery};
use reqwest::Method;
use serde_json::{Value, json};

use crate::{Error, Result};

/// An invitation to join a community, for [`CommunitiesApi::invite`](super::CommunitiesApi::invite).
///
/// ```
/// use inveniordm::api::Invitation;
/// use inveniordm::models::MemberRole;
/// let i = Invitation::new(["3"], MemberRole::from("curator")).message("Welcome aboard!");
/// assert_eq!(i.users, ["3"]);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Invitation {
    /// The users invited, by id.
    pub users: Vec<String>,
    /// The role offered (only owners may offer `owner`).
    pub role: MemberRole,
    /// A message, the invitation's first comment.
    pub message: Option<String>,
}

impl Invitation {
    /// An invitation of `users` (ids) with `role`.
    pub fn new<I, S>(users: I, role: MemberRole) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        Self {
            users: users.into_iter().map(Into::into).collect(),
            role,
            message: None,
        }
    }

    /// With a message.
    pub fn message(mut self, message: impl Into<String>) -> Self {
        self.message = Some(message.into());
        self
    }
}

/// The `members` list of a body: each user id as an entity.
fn entities(users: &[&str]) -> Value {
    Value::Array(
        users
            .iter()
            .map(|u| json!({"type": "user", "id": u}))
            .collect(),
    )
}

/// Whether `s` is a UUID in its usual form.
fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| {
            if [8, 13, 18, 23].contains(&i) {
                c == '-'
            } else {
                c.is_ascii_hexdigit()
            }
        })
}

impl super::CommunitiesApi<'_> {
    /// The community's id: `id_or_slug` when it is one, otherwise looked up by slug.
    async fn uuid(&self, id_or_slug: &str) -> Result<String> {
        if is_uuid(id_or_slug) {
            return Ok(id_or_slug.to_string());
        }
        Ok(self.get(id_or_slug).await?.require_id()?.to_string())
    }

    /// A page of the member-like list `tail` (invitations, requests to join).
    async fn member_search(
        &self,
        id_or_slug: &str,
        tail: &str,
        query: &SearchQuery,
    ) -> Result<Results<Member>> {
        let id = self.uuid(id_or_slug).await?;
        self.client
            .search_page(&["communities", &id, tail], query)
            .await
    }

    async fn members_call(
        &self,
        method: Method,
        id_or_slug: &str,
        tail: &str,
        body: Value,
    ) -> Result<()> {
        let id = self.uuid(id_or_slug).await?;
        let url = self.client.url(&["communities", &id, tail])?;
        let req = self.client.request(method, url).json_body(&body)?;
        self.client.empty(req).await
    }

    /// `PUT /api/communities/{id}/members`: gives `users` (ids) another role and/or
    /// visibility. A manager changes the roles they manage (an owner any, a manager all but
    /// owners'), never their own; only members themselves make their membership public.
    /// Refusals: 400 with the server's reason (`You cannot change your own role.`, `Invalid
    /// member specified.`, …), 403 without the right.
    pub async fn update_members(
        &self,
        id_or_slug: &str,
        users: &[&str],
        role: Option<&MemberRole>,
        visible: Option<bool>,
    ) -> Result<()> {
        if role.is_none() && visible.is_none() {
            return Err(Error::InvalidArgument(
                "give a role or a visibility to change: nothing would change".into(),
            ));
        }
        let mut body = json!({ "members": entities(users) });
        if let Some(r) = role {
            body["role"] = json!(r);
        }
        if let Some(v) = visible {
            body["visible"] = json!(v);
        }
        self.members_call(Method::PUT, id_or_slug, "members", body)
            .await
    }

    /// `DELETE /api/communities/{id}/members`: removes `users` (ids) from the community (a
    /// manager of their roles), or the caller themselves (see [`leave`](Self::leave)). The
    /// last owner cannot go (400).
    pub async fn remove_members(&self, id_or_slug: &str, users: &[&str]) -> Result<()> {
        self.members_call(
            Method::DELETE,
            id_or_slug,
            "members",
            json!({ "members": entities(users) }),
        )
        .await
    }

    /// Leaves the community: the caller's own membership is removed.
    pub async fn leave(&self, id_or_slug: &str) -> Result<()> {
        let id = self.uuid(id_or_slug).await?;
        let page = self.members(&id, &SearchQuery::all().size(100)).await?;
        let me = page
            .items()
            .iter()
            .find(|m| m.is_current_user == Some(true))
            .and_then(|m| m.member.as_ref())
            .and_then(|e| e.id.clone())
            .ok_or_else(|| {
                Error::Usage(format!(
                    "you are not a member of the community {id_or_slug}"
                ))
            })?;
        self.remove_members(&id, &[me.as_str()]).await
    }

    /// `POST /api/communities/{id}/invitations`: invites users (owners and managers; only
    /// owners offer `owner`). Each invitee gets a `community-invitation` request to accept
    /// or decline ([`RequestsApi::accept`](super::RequestsApi::accept)); the server answers
    /// without the requests' ids (find them in [`invitations`](Self::invitations)). A user
    /// who is a member or invited already is refused (400), the whole call with them.
    pub async fn invite(&self, id_or_slug: &str, invitation: &Invitation) -> Result<()> {
        if invitation.users.is_empty() {
            return Err(Error::InvalidArgument("nobody to invite".into()));
        }
        let users: Vec<&str> = invitation.users.iter().map(String::as_str).collect();
        let mut body = json!({ "members": entities(&users), "role": invitation.role });
        if let Some(m) = &invitation.message {
            body["message"] = json!(m);
        }
        self.members_call(Method::POST, id_or_slug, "invitations", body)
            .await
    }

    /// `GET /api/communities/{id}/invitations` (owners and managers): every invitation sent,
    /// pending or not; each hit's `request` (kept in [`Member`]'s extra keys) says its
    /// request's id and status.
    pub async fn invitations(
        &self,
        id_or_slug: &str,
        query: &SearchQuery,
    ) -> Result<Results<Member>> {
        self.member_search(id_or_slug, "invitations", query).await
    }

    /// `GET /api/communities/{id}/membership-requests` (InvenioRDM v14; owners and managers):
    /// the requests to join, pending or not; each hit's `request` (in [`Member`]'s extra keys)
    /// names its request, which they accept or decline
    /// ([`RequestsApi::accept`](super::RequestsApi::accept)); the role a pending one would
    /// get changes with [`update_members`](Self::update_members). Refused (403) where the
    /// instance does not allow membership requests.
    pub async fn membership_requests(
        &self,
        id_or_slug: &str,
        query: &SearchQuery,
    ) -> Result<Results<Member>> {
        self.member_search(id_or_slug, "membership-requests", query)
            .await
    }

    /// `POST /api/communities/{id}/membership-requests`: asks to join a community whose
    /// member policy is `open` (the caller becomes a reader when a manager accepts). Off on a
    /// stock instance (`COMMUNITIES_ALLOW_MEMBERSHIP_REQUESTS`): refused with 403 there, and
    /// for a community whose policy is closed, and for a member.
    pub async fn request_membership(
        &self,
        id_or_slug: &str,
        message: Option<&str>,
    ) -> Result<Request> {
        let id = self.uuid(id_or_slug).await?;
        let url = self
            .client
            .url(&["communities", &id, "membership-requests"])?;
        let body = match message {
            Some(m) => json!({ "message": m }),
            None => json!({}),
        };
        let req = self.client.request(Method::POST, url).json_body(&body)?;
        self.client.json(req).await
    }
}
