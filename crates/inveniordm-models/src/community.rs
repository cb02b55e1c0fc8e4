//! Communities (`/api/communities`) and their members.

use std::collections::BTreeMap;

use crate::metadata::{Affiliation, VocabRef};
use crate::{JsonMap, json_object, string_enum};

string_enum! {
    /// Who can see a community (or its member list).
    pub enum CommunityVisibility {
        /// Everyone.
        Public => "public",
        /// Members only.
        Restricted => "restricted",
    }
}

string_enum! {
    /// Whether a community takes something from anyone (`open`) or from members only
    /// (`closed`); used by the member and record-submission policies.
    pub enum CommunityPolicy {
        /// Anyone may ask.
        Open => "open",
        /// Members only.
        Closed => "closed",
    }
}

string_enum! {
    /// Who must have their submissions reviewed (v13 `review_policy`).
    pub enum ReviewPolicy {
        /// Everyone's submissions are reviewed.
        Closed => "closed",
        /// Curators and owners may publish without review.
        Open => "open",
        /// Members may publish without review.
        Members => "members",
    }
}

json_object! {
    /// A community's `access` settings.
    pub struct CommunityAccess {
        /// Who can see the community.
        "visibility" => visibility: CommunityVisibility,
        /// Who can see its members.
        "members_visibility" => members_visibility: CommunityVisibility,
        /// Who may ask to join.
        "member_policy" => member_policy: CommunityPolicy,
        /// Who may submit records (v13 name).
        "record_submission_policy" => record_submission_policy: CommunityPolicy,
        /// Who may submit records (the documentation's older name).
        "record_policy" => record_policy: CommunityPolicy,
        /// Whose submissions are reviewed.
        "review_policy" => review_policy: ReviewPolicy,
    }
}

json_object! {
    /// A community's descriptive metadata.
    pub struct CommunityMetadata {
        /// Title (required).
        "title" => title: String,
        /// Short description.
        "description" => description: String,
        /// Curation policy (HTML).
        "curation_policy" => curation_policy: String,
        /// About page (HTML).
        "page" => page: String,
        /// Community type (`communitytypes` vocabulary).
        "type" => kind: VocabRef,
        /// Web site.
        "website" => website: String,
        /// Organisations (by ROR id or by name).
        "organizations" => organizations: Vec<Affiliation>,
        /// Funding (kept as JSON).
        "funding" => funding: Vec<JsonMap>,
    }
}

json_object! {
    /// A community (`/api/communities/{id}`).
    ///
    /// ```
    /// use inveniordm_models::Community;
    /// let c = Community::new_with("my-lab", "My lab");
    /// assert_eq!(serde_json::to_value(&c).unwrap()["metadata"]["title"], "My lab");
    /// ```
    pub struct Community {
        /// The community's id (a UUID).
        "id" => id: String,
        /// The short name used in URLs.
        "slug" => slug: String,
        /// Access settings.
        "access" => access: CommunityAccess,
        /// Metadata.
        "metadata" => metadata: CommunityMetadata,
        /// Custom fields.
        "custom_fields" => custom_fields: JsonMap,
        /// Revision.
        "revision_id" => revision_id: u64,
        /// Creation time.
        "created" => created: String,
        /// Update time.
        "updated" => updated: String,
        /// Links (`self`, `self_html`, `logo`, `members`, `requests`, `records`, …).
        "links" => links: BTreeMap<String, serde_json::Value>,
    }
}

impl Community {
    /// A community to create: a slug, a title and public visibility.
    pub fn new_with(slug: impl Into<String>, title: impl Into<String>) -> Self {
        Self {
            slug: Some(slug.into()),
            access: Some(CommunityAccess {
                visibility: Some(CommunityVisibility::Public),
                ..CommunityAccess::default()
            }),
            metadata: Some(CommunityMetadata {
                title: Some(title.into()),
                ..CommunityMetadata::default()
            }),
            ..Self::default()
        }
    }

    /// The title, if set.
    pub fn title(&self) -> Option<&str> {
        self.metadata.as_ref()?.title.as_deref()
    }

    /// A link by name.
    pub fn link(&self, name: &str) -> Option<&str> {
        self.links.as_ref()?.get(name)?.as_str()
    }
}

string_enum! {
    /// A member's role in a community.
    pub enum MemberRole {
        /// Owner: everything.
        Owner => "owner",
        /// Manager: members and settings.
        Manager => "manager",
        /// Curator: reviews submissions.
        Curator => "curator",
        /// Reader: sees restricted content.
        Reader => "reader",
    }
}

json_object! {
    /// Who a member is (`{"type": "user", "id": "3", "name": …}`).
    pub struct MemberEntity {
        /// `user` or `group`.
        "type" => kind: String,
        /// The user's or group's id.
        "id" => id: String,
        /// Display name.
        "name" => name: String,
        /// Description (affiliation).
        "description" => description: String,
        /// Avatar URL.
        "avatar" => avatar: String,
    }
}

json_object! {
    /// A member of a community (`/api/communities/{id}/members`).
    pub struct Member {
        /// Membership id.
        "id" => id: String,
        /// The user or group.
        "member" => member: MemberEntity,
        /// Role.
        "role" => role: MemberRole,
        /// Whether the membership is shown publicly.
        "visible" => visible: bool,
        /// Whether this is the caller.
        "is_current_user" => is_current_user: bool,
        /// What the caller may do with this membership (kept as JSON).
        "permissions" => permissions: JsonMap,
        /// Revision.
        "revision_id" => revision_id: u64,
        /// Creation time.
        "created" => created: String,
        /// Update time.
        "updated" => updated: String,
    }
}

json_object! {
    /// An entry that features a community from a date (`/api/communities/{id}/featured`,
    /// administrators).
    ///
    /// ```
    /// use inveniordm_models::Featured;
    /// let f: Featured = serde_json::from_str(r#"{"id": 3, "start_date": "2026-12-01T00:00:00+00:00"}"#).unwrap();
    /// assert_eq!(f.id, Some(3));
    /// ```
    pub struct Featured {
        /// The entry's number.
        "id" => id: u64,
        /// From when the community is featured (UTC).
        "start_date" => start_date: String,
    }
}

json_object! {
    /// A list of featured entries, as `GET /api/communities/{id}/featured` answers it.
    pub struct FeaturedList {
        /// The entries.
        "hits" => hits: FeaturedHits,
    }
}

json_object! {
    /// The entries of a [`FeaturedList`].
    pub struct FeaturedHits {
        /// The entries.
        "hits" => hits: Vec<Featured>,
        /// How many.
        "total" => total: u64,
    }
}
