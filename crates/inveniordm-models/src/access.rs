//! Access links (secret share links) of a record.

use crate::{json_object, string_enum};

string_enum! {
    /// What an access link lets its holder do.
    pub enum LinkPermission {
        /// See the record and its files.
        View => "view",
        /// See the draft too.
        Preview => "preview",
        /// Edit.
        Edit => "edit",
    }
}

json_object! {
    /// An access link (`/records/{id}/access/links/{link_id}`).
    pub struct AccessLink {
        /// Link id.
        "id" => id: String,
        /// Permission.
        "permission" => permission: LinkPermission,
        /// Expiry date (`YYYY-MM-DD` or an ISO timestamp), `null` for none.
        "expires_at" => expires_at: String,
        /// Description.
        "description" => description: String,
        /// Creation time.
        "created_at" => created_at: String,
        /// The secret token (only shown to managers).
        "token" => token: String,
        /// Origin (`"api"`, …).
        "origin" => origin: String,
    }
}

impl AccessLink {
    /// A link to create with this permission.
    pub fn with_permission(permission: LinkPermission) -> Self {
        Self {
            permission: Some(permission),
            ..Self::default()
        }
    }
}

string_enum! {
    /// What a grant lets its user or role do with a record.
    pub enum GrantPermission {
        /// See the record and its files.
        View => "view",
        /// See the draft too.
        Preview => "preview",
        /// Edit.
        Edit => "edit",
        /// Edit and share.
        Manage => "manage",
    }
}

json_object! {
    /// Who a grant is for: `{"type": "user", "id": "3"}` (or `role`, `system_role`).
    pub struct GrantSubject {
        /// `user`, `role` or `system_role`.
        "type" => kind: String,
        /// The user's or role's id.
        "id" => id: String,
    }
}

json_object! {
    /// An access grant of a record (`/records/{id}/access/grants`).
    ///
    /// ```
    /// use inveniordm_models::{AccessGrant, GrantPermission};
    /// let g = AccessGrant::to_user("3", GrantPermission::View);
    /// assert_eq!(
    ///     serde_json::to_value(&g).unwrap(),
    ///     serde_json::json!({"permission": "view", "subject": {"type": "user", "id": "3"}}),
    /// );
    /// ```
    pub struct AccessGrant {
        /// The grant's id: its index in the record's list of grants (in lists only).
        "id" => id: u64,
        /// Who it is for.
        "subject" => subject: GrantSubject,
        /// What it allows.
        "permission" => permission: GrantPermission,
        /// Where it came from (`api`, `request:…`, …).
        "origin" => origin: String,
        /// A message to the user (on create).
        "message" => message: String,
        /// Whether to notify the user (on create).
        "notify" => notify: bool,
    }
}

impl AccessGrant {
    /// A grant to a group, by the group's id (InvenioRDM names groups `role` subjects; a
    /// group's id is its name where it was made through the API, `admin` for the
    /// administrators of a fresh instance).
    ///
    /// ```
    /// use inveniordm_models::{AccessGrant, GrantPermission};
    /// let g = AccessGrant::to_group("admin", GrantPermission::View);
    /// assert_eq!(
    ///     serde_json::to_value(&g).unwrap(),
    ///     serde_json::json!({"permission": "view", "subject": {"type": "role", "id": "admin"}}),
    /// );
    /// ```
    pub fn to_group(group_id: impl Into<String>, permission: GrantPermission) -> Self {
        Self {
            subject: Some(GrantSubject {
                kind: Some("role".into()),
                id: Some(group_id.into()),
                ..GrantSubject::default()
            }),
            permission: Some(permission),
            ..Self::default()
        }
    }

    /// A grant to a user by id.
    pub fn to_user(user_id: impl Into<String>, permission: GrantPermission) -> Self {
        Self {
            subject: Some(GrantSubject {
                kind: Some("user".into()),
                id: Some(user_id.into()),
                ..GrantSubject::default()
            }),
            permission: Some(permission),
            ..Self::default()
        }
    }
}

json_object! {
    /// A record's access settings (`PUT /records/{id}/access`): who may ask for access.
    pub struct AccessSettings {
        /// Whether signed-in users may request access.
        "allow_user_requests" => allow_user_requests: bool,
        /// Whether guests may request access.
        "allow_guest_requests" => allow_guest_requests: bool,
        /// Conditions shown to those who ask (HTML).
        "accept_conditions_text" => accept_conditions_text: String,
        /// Days a secret link made for an accepted request lasts (0: no expiry).
        "secret_link_expiration" => secret_link_expiration: u64,
    }
}
