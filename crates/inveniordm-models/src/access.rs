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
