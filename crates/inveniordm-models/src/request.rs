//! Requests (`/api/requests`): community submissions and inclusions, access requests, and
//! their timeline of comments and events.

use std::collections::BTreeMap;

use crate::{JsonMap, json_object, string_enum};

string_enum! {
    /// Where a request is in its life.
    pub enum RequestStatus {
        /// Created, not submitted yet (a draft's review before `submit-review`).
        Created => "created",
        /// Submitted: waiting for the receiver.
        Submitted => "submitted",
        /// Accepted by the receiver.
        Accepted => "accepted",
        /// Declined by the receiver.
        Declined => "declined",
        /// Cancelled by the creator.
        Cancelled => "cancelled",
        /// Expired.
        Expired => "expired",
        /// Deleted before it was submitted.
        Deleted => "deleted",
    }
}

impl RequestStatus {
    /// Whether a request in this status can still be acted on by the receiver.
    pub fn is_open(&self) -> bool {
        matches!(self, Self::Submitted)
    }
}

json_object! {
    /// A reference to an entity: `{"user": "3"}`, `{"community": "<uuid>"}`,
    /// `{"record": "<id>"}`, `{"email": "…"}`.
    pub struct EntityRef {
        /// A user id.
        "user" => user: String,
        /// A community id.
        "community" => community: String,
        /// A record id.
        "record" => record: String,
        /// A group id.
        "group" => group: String,
        /// An e-mail address (guests).
        "email" => email: String,
    }
}

impl EntityRef {
    /// A reference to a community.
    pub fn community(id: impl Into<String>) -> Self {
        Self {
            community: Some(id.into()),
            ..Self::default()
        }
    }

    /// A reference to a user.
    pub fn user(id: impl Into<String>) -> Self {
        Self {
            user: Some(id.into()),
            ..Self::default()
        }
    }
}

/// The request type of a draft's submission to a community.
pub const COMMUNITY_SUBMISSION: &str = "community-submission";
/// The request type of a published record's inclusion in a community.
pub const COMMUNITY_INCLUSION: &str = "community-inclusion";
/// The request type of a signed-in user's access request.
pub const USER_ACCESS_REQUEST: &str = "user-access-request";
/// The request type of a guest's access request.
pub const GUEST_ACCESS_REQUEST: &str = "guest-access-request";

json_object! {
    /// A request (`/api/requests/{id}`).
    pub struct Request {
        /// The request's id (a UUID).
        "id" => id: String,
        /// The human-facing number (a string).
        "number" => number: String,
        /// The type: `community-submission`, `community-inclusion`, `user-access-request`, …
        "type" => kind: String,
        /// Title.
        "title" => title: String,
        /// Description.
        "description" => description: String,
        /// Status.
        "status" => status: RequestStatus,
        /// Whether the receiver can act on it.
        "is_open" => is_open: bool,
        /// Whether it is over (accepted, declined, cancelled, expired).
        "is_closed" => is_closed: bool,
        /// Whether it expired.
        "is_expired" => is_expired: bool,
        /// Expiry time.
        "expires_at" => expires_at: String,
        /// Who created it.
        "created_by" => created_by: EntityRef,
        /// Who decides.
        "receiver" => receiver: EntityRef,
        /// What it is about.
        "topic" => topic: EntityRef,
        /// Type-specific data (kept as JSON).
        "payload" => payload: JsonMap,
        /// Revision.
        "revision_id" => revision_id: u64,
        /// Creation time.
        "created" => created: String,
        /// Update time.
        "updated" => updated: String,
        /// Links: `self`, `comments`, `timeline` and `actions` (the actions the caller may take).
        "links" => links: BTreeMap<String, serde_json::Value>,
    }
}

impl Request {
    /// A review to set on a draft: a submission to this community.
    pub fn submission_to(community_id: impl Into<String>) -> Self {
        Self {
            kind: Some(COMMUNITY_SUBMISSION.into()),
            receiver: Some(EntityRef::community(community_id)),
            ..Self::default()
        }
    }

    /// The actions the caller may take now, with their URLs, from `links.actions`.
    pub fn actions(&self) -> BTreeMap<String, String> {
        self.links
            .as_ref()
            .and_then(|l| l.get("actions"))
            .and_then(|a| a.as_object())
            .map(|a| {
                a.iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A link by name.
    pub fn link(&self, name: &str) -> Option<&str> {
        self.links.as_ref()?.get(name)?.as_str()
    }
}

json_object! {
    /// The content of a comment or an action's message: `{"content": "…", "format": "html"}`;
    /// log events carry `event` (`submitted`, `accepted`, …) instead.
    pub struct EventPayload {
        /// The text (HTML).
        "content" => content: String,
        /// `html`.
        "format" => format: String,
        /// For log events: what happened.
        "event" => event: String,
    }
}

impl EventPayload {
    /// A message in HTML format. The text is escaped, so it shows as written.
    pub fn text(text: &str) -> Self {
        let mut escaped = String::with_capacity(text.len());
        for c in text.chars() {
            match c {
                '&' => escaped.push_str("&amp;"),
                '<' => escaped.push_str("&lt;"),
                '>' => escaped.push_str("&gt;"),
                '"' => escaped.push_str("&quot;"),
                c => escaped.push(c),
            }
        }
        Self {
            content: Some(escaped),
            format: Some("html".into()),
            ..Self::default()
        }
    }
}

json_object! {
    /// An event of a request's timeline: a comment (`type` `C`) or a log entry (`L`).
    pub struct RequestEvent {
        /// Event id.
        "id" => id: String,
        /// `C` (comment), `L` (log), `T` (timeline), …
        "type" => kind: String,
        /// The comment, or what happened.
        "payload" => payload: EventPayload,
        /// Who wrote it.
        "created_by" => created_by: EntityRef,
        /// Revision.
        "revision_id" => revision_id: u64,
        /// Creation time.
        "created" => created: String,
        /// Update time.
        "updated" => updated: String,
        /// Links.
        "links" => links: BTreeMap<String, serde_json::Value>,
        /// What the caller may do with it (kept as JSON).
        "permissions" => permissions: JsonMap,
        /// The comment this one replies to (InvenioRDM v14; `null` for a comment of the
        /// timeline itself).
        "parent_id" => parent_id: String,
        /// In a v14 timeline: the newest replies of this comment (a preview, at most five).
        "children" => children: Vec<RequestEvent>,
        /// In a v14 timeline: how many replies this comment has.
        "children_count" => children_count: u64,
    }
}

json_object! {
    /// The answer to adding a record to communities: what was processed and what was not.
    pub struct InclusionResult {
        /// The inclusions made or requested (kept as JSON: `community_id`, `request_id`, …).
        "processed" => processed: Vec<JsonMap>,
        /// The communities refused, with the reason (kept as JSON).
        "errors" => errors: Vec<JsonMap>,
    }
}
