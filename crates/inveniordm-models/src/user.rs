//! Users (`/api/users`).

use std::collections::BTreeMap;

use crate::{JsonMap, json_object};

json_object! {
    /// A user's profile.
    pub struct UserProfile {
        /// Full name.
        "full_name" => full_name: String,
        /// Affiliations (free text).
        "affiliations" => affiliations: String,
    }
}

json_object! {
    /// A user as the users API shows it (`/api/users/{id}`).
    pub struct User {
        /// User id (a number, as a string).
        "id" => id: String,
        /// Username.
        "username" => username: String,
        /// E-mail address (when the caller may see it).
        "email" => email: String,
        /// Profile.
        "profile" => profile: UserProfile,
        /// Preferences (kept as JSON).
        "preferences" => preferences: JsonMap,
        /// Whether the account is active.
        "active" => active: bool,
        /// Whether the e-mail is confirmed.
        "confirmed" => confirmed: bool,
        /// Whether this is the caller.
        "is_current_user" => is_current_user: bool,
        /// Revision.
        "revision_id" => revision_id: u64,
        /// Creation time.
        "created" => created: String,
        /// Update time.
        "updated" => updated: String,
        /// Links (`self`, `avatar`).
        "links" => links: BTreeMap<String, serde_json::Value>,
    }
}
