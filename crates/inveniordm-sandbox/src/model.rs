//! The server's state: users, parents, drafts, records, files; kept in memory and written
//! through to the [`crate::store::Store`] (one table per kind of document).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::store::{Store, StoreError};

/// A user and the SHA-256 hashes of their tokens.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct User {
    /// Numeric id.
    pub id: i64,
    /// Name (login).
    pub name: String,
    /// Token hashes.
    pub tokens: Vec<String>,
}

impl User {
    /// The user's e-mail address: `NAME@sandbox.invalid`.
    pub fn email(&self) -> String {
        format!("{}@sandbox.invalid", self.name)
    }
}

/// A draft or a published record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Doc {
    /// Record id.
    pub id: String,
    /// Parent id.
    pub parent_id: String,
    /// Owner user id.
    pub owner: i64,
    /// Metadata as stored (vocabulary references by id).
    pub metadata: Map<String, Value>,
    /// Access settings.
    pub access: Map<String, Value>,
    /// `files.enabled`.
    pub files_enabled: bool,
    /// `files.default_preview`.
    #[serde(default)]
    pub default_preview: Option<String>,
    /// `files.order`.
    #[serde(default)]
    pub order: Vec<String>,
    /// Custom fields.
    #[serde(default)]
    pub custom_fields: Map<String, Value>,
    /// Persistent identifiers.
    #[serde(default)]
    pub pids: Map<String, Value>,
    /// Creation time.
    pub created: String,
    /// Update time.
    pub updated: String,
    /// Revision.
    pub revision_id: u64,
    /// Version index.
    pub index: u64,
    /// `draft`, `new_version_draft` or `published`.
    pub status: String,
    /// Whether a published record with this id exists.
    pub is_published: bool,
    /// Whether the files bucket is locked (edit drafts).
    #[serde(default)]
    pub locked: bool,
    /// Draft expiry.
    #[serde(default)]
    pub expires_at: Option<String>,
    /// A deleted record's tombstone, as stored (`removal_reason`, `note`, `removed_by`,
    /// `removal_date`, `citation_text`, `is_visible`, `deletion_policy`); `None` while the
    /// record is published.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tombstone: Option<Value>,
}

impl Doc {
    /// Whether the record was deleted.
    pub fn is_deleted(&self) -> bool {
        self.tombstone.is_some()
    }
}

/// A storage quota set by an administrator: of a record's files (all versions of its parent,
/// `parent:{id}`), or of the drafts a user makes (`user:{id}`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Quota {
    /// `parent:{id}` or `user:{id}`.
    pub id: String,
    /// The most bytes the files may hold together.
    pub quota_size: u64,
    /// The largest file.
    pub max_file_size: u64,
    /// The administrator's notes.
    pub notes: String,
}

/// One stored state of a published record (`/api/records/{id}/revisions`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Revision {
    /// The record.
    pub record: String,
    /// The number of the change that stored it (increasing over the whole server).
    pub transaction: u64,
    /// The record's creation time.
    pub created: String,
    /// When this state was stored.
    pub updated: String,
    /// The record as stored.
    pub json: Value,
}

impl State {
    /// Keeps the record's state as it is now as its newest revision.
    pub fn keep_revision(&mut self, d: &Doc) -> Revision {
        self.revision_seq += 1;
        let transaction = self.revision_seq;
        let r = Revision {
            record: d.id.clone(),
            transaction,
            created: d.created.clone(),
            updated: crate::util::now(),
            json: serde_json::to_value(d).unwrap_or(Value::Null),
        };
        self.revisions
            .entry(d.id.clone())
            .or_default()
            .push(r.clone());
        r
    }
}

/// An access link.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Link {
    /// Link id.
    pub id: String,
    /// Permission.
    pub permission: String,
    /// Expiry.
    pub expires_at: Option<String>,
    /// Description.
    pub description: Option<String>,
    /// Creation time.
    pub created_at: String,
    /// Secret token.
    pub token: String,
}

/// An access grant to a user or role.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Grant {
    /// `user`, `role` or `system_role`.
    pub subject_type: String,
    /// The user's or role's id.
    pub subject_id: String,
    /// `view`, `preview`, `edit` or `manage`.
    pub permission: String,
    /// `api:<user>` or `request:<id>`.
    pub origin: String,
}

/// The parent (concept) of all versions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Parent {
    /// Parent id.
    pub id: String,
    /// Owner.
    pub owner: i64,
    /// Access links.
    #[serde(default)]
    pub links: Vec<Link>,
    /// Access grants, in the order made (a grant's id is its index).
    #[serde(default)]
    pub grants: Vec<Grant>,
    /// Access settings (`allow_user_requests`, …); `None` for the defaults.
    #[serde(default)]
    pub settings: Option<Map<String, Value>>,
    /// The draft's review request, when one is set.
    #[serde(default)]
    pub review: Option<String>,
    /// Communities the record is in, in the order added.
    #[serde(default)]
    pub communities: Vec<String>,
    /// The default community.
    #[serde(default)]
    pub default_community: Option<String>,
    /// The concept's persistent identifiers (a concept DOI, made when a version with a DOI
    /// of the server's own is published).
    #[serde(default)]
    pub pids: Map<String, Value>,
}

impl Parent {
    /// A parent with no links, grants, review or communities.
    pub fn new(id: String, owner: i64) -> Self {
        Parent {
            id,
            owner,
            links: Vec::new(),
            grants: Vec::new(),
            settings: None,
            review: None,
            communities: Vec::new(),
            default_community: None,
            pids: Map::new(),
        }
    }

    /// The access settings with the defaults filled in.
    pub fn settings(&self) -> Map<String, Value> {
        let mut s = Map::new();
        s.insert("allow_user_requests".into(), Value::Bool(false));
        s.insert("allow_guest_requests".into(), Value::Bool(false));
        s.insert("accept_conditions_text".into(), Value::Null);
        s.insert("secret_link_expiration".into(), Value::from(0));
        if let Some(set) = &self.settings {
            for (k, v) in set {
                s.insert(k.clone(), v.clone());
            }
        }
        s
    }

    /// The strongest permission a user holds through grants, if any.
    pub fn granted(&self, user: i64) -> Option<&str> {
        const ORDER: &[&str] = &["view", "preview", "edit", "manage"];
        self.grants
            .iter()
            .filter(|g| g.subject_type == "user" && g.subject_id == user.to_string())
            .map(|g| g.permission.as_str())
            .max_by_key(|p| ORDER.iter().position(|o| o == p))
    }
}

/// A member of a community.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Membership {
    /// Membership id.
    pub id: String,
    /// The user.
    pub user: i64,
    /// `owner`, `manager`, `curator` or `reader`.
    pub role: String,
    /// Shown publicly.
    pub visible: bool,
    /// Creation time.
    pub created: String,
}

/// A community.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Community {
    /// Id (a UUID).
    pub id: String,
    /// Slug.
    pub slug: String,
    /// Metadata as given.
    pub metadata: Map<String, Value>,
    /// Access settings with the defaults filled in.
    pub access: Map<String, Value>,
    /// Custom fields.
    #[serde(default)]
    pub custom_fields: Map<String, Value>,
    /// Members (the creator is the owner).
    pub members: Vec<Membership>,
    /// The logo's bytes in hexadecimal (logos are small: at most 1 MB).
    #[serde(default)]
    pub logo: Option<String>,
    /// Creation time.
    pub created: String,
    /// Update time.
    pub updated: String,
    /// Revision.
    pub revision_id: u64,
    /// Deleted (a tombstone: reading it answers 410).
    #[serde(default)]
    pub deleted: bool,
    /// The dates from which an administrator features it.
    #[serde(default)]
    pub featured: Vec<Featured>,
    /// Whether it takes subcommunities (`children.allow`, set by administrators).
    #[serde(default)]
    pub children_allowed: bool,
    /// The community it is a subcommunity of.
    #[serde(default)]
    pub parent: Option<String>,
}

/// An entry of a featured community: from when it is shown (`start_date`, UTC).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Featured {
    /// The entry's number (increasing over the whole server).
    pub id: u64,
    /// From when, `YYYY-MM-DDTHH:MM:SS[.ffffff]+00:00`.
    pub start_date: String,
}

impl Community {
    /// The role of a user in the community.
    pub fn role_of(&self, user: Option<i64>) -> Option<&str> {
        let user = user?;
        self.members
            .iter()
            .find(|m| m.user == user)
            .map(|m| m.role.as_str())
    }

    /// Whether the user may decide on the community's requests (curator, manager, owner).
    pub fn curates(&self, user: Option<i64>) -> bool {
        matches!(self.role_of(user), Some("owner" | "manager" | "curator"))
    }

    /// Whether the user's submissions are accepted without review (the review policy).
    pub fn publishes_directly(&self, user: Option<i64>) -> bool {
        match self.access.get("review_policy").and_then(Value::as_str) {
            Some("open") => self.curates(user),
            Some("members") => self.role_of(user).is_some(),
            _ => false,
        }
    }
}

/// What a `community-invitation` request carries besides the common fields.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Invitation {
    /// The inviting community (creator and topic of the request).
    pub community: String,
    /// The role offered (changed while the invitation is open by a manager).
    pub role: String,
    /// When it expires (30 days after it was sent).
    pub expires_at: String,
}

/// A request: a community submission or inclusion, or an access request.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Request {
    /// Id (a UUID).
    pub id: String,
    /// Sequence number (shown in hexadecimal).
    pub number: u64,
    /// `community-submission`, `community-inclusion`, `user-access-request`.
    pub kind: String,
    /// Title (the record's title once submitted).
    pub title: String,
    /// `created`, `submitted`, `accepted`, `declined`, `cancelled`, `expired`.
    pub status: String,
    /// Creator.
    pub created_by: i64,
    /// Receiver: `{"community": id}` or `{"user": id}`.
    pub receiver: Map<String, Value>,
    /// The record or draft it is about.
    pub topic: String,
    /// Type-specific payload (access requests: message and permission).
    #[serde(default)]
    pub payload: Option<Map<String, Value>>,
    /// An invitation's: the community that invites (the creator and the topic), the role
    /// offered, and when the invitation lapses.
    #[serde(default)]
    pub invitation: Option<Invitation>,
    /// A subcommunity request's: the community that asks to join (creator and topic; the
    /// receiver is the parent).
    #[serde(default)]
    pub subcommunity: Option<String>,
    /// A membership request's: the community the creator asks to join (receiver and topic),
    /// the role they would get, and when the request lapses.
    #[serde(default)]
    pub joining: Option<Invitation>,
    /// Creation time.
    pub created: String,
    /// Update time.
    pub updated: String,
    /// Revision.
    pub revision_id: u64,
}

impl Request {
    /// The community that receives it, if any.
    pub fn community(&self) -> Option<&str> {
        self.receiver.get("community").and_then(Value::as_str)
    }

    /// The user that receives it, if any.
    pub fn receiving_user(&self) -> Option<i64> {
        self.receiver
            .get("user")
            .and_then(Value::as_str)
            .and_then(|u| u.parse().ok())
    }

    /// Whether the request is submitted and waiting.
    pub fn is_open(&self) -> bool {
        self.status == "submitted"
    }

    /// The status an action leads to, if the request's status allows it.
    pub fn next_status(&self, action: &str) -> Option<&'static str> {
        match (self.status.as_str(), action) {
            ("created", "submit") => Some("submitted"),
            ("submitted", "accept") => Some("accepted"),
            ("submitted", "decline") => Some("declined"),
            ("submitted", "cancel") => Some("cancelled"),
            ("submitted", "expire") => Some("expired"),
            _ => None,
        }
    }
}

/// An event of a request's timeline: a comment (`C`) or a log entry (`L`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Event {
    /// Id (a UUID).
    pub id: String,
    /// The request.
    pub request: String,
    /// `C` or `L`.
    pub kind: String,
    /// `{"content", "format"}` or `{"event", "format"}`.
    pub payload: Map<String, Value>,
    /// Author.
    pub created_by: i64,
    /// Creation time.
    pub created: String,
    /// Update time.
    pub updated: String,
    /// Revision.
    pub revision_id: u64,
    /// Order of creation (ties of equal timestamps).
    pub seq: u64,
    /// The comment this one replies to (v14's threads: one level deep).
    #[serde(default)]
    pub parent: Option<String>,
}

/// One file of a draft or record bucket.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FileRow {
    /// `d:<id>` (draft) or `r:<id>` (record).
    pub bucket: String,
    /// File key.
    pub key: String,
    /// `pending` or `completed`.
    pub status: String,
    /// Blob id of the content (None until uploaded).
    pub blob: Option<String>,
    /// Size of the content.
    pub size: Option<u64>,
    /// md5 of the content, hex.
    pub md5: Option<String>,
    /// Size declared at init.
    #[serde(default)]
    pub declared_size: Option<u64>,
    /// Checksum declared at init.
    #[serde(default)]
    pub declared_checksum: Option<String>,
    /// MIME type (at commit).
    pub mimetype: Option<String>,
    /// File metadata.
    #[serde(default)]
    pub metadata: Value,
    /// Access (`{"hidden": false}`).
    #[serde(default)]
    pub access: Value,
    /// Creation time.
    pub created: String,
    /// Update time.
    pub updated: String,
    /// File id.
    pub file_id: String,
    /// Version id.
    pub version_id: String,
    /// A multipart upload in progress (transfer type `M`): parts and part size.
    #[serde(default)]
    pub multipart: Option<(u32, u64)>,
    /// The parts received so far: part number to blob id.
    #[serde(default)]
    pub parts: BTreeMap<u32, String>,
    /// A fetch in progress (transfer type `F`): the URL (never shown).
    #[serde(default)]
    pub fetch: Option<String>,
    /// Why a fetch failed.
    #[serde(default)]
    pub fetch_error: Option<String>,
    /// A remote file (transfer type `R`): the URL content requests are redirected to
    /// (never shown).
    #[serde(default)]
    pub remote: Option<String>,
}

impl FileRow {
    /// The store id of this row.
    pub fn row_id(&self) -> String {
        format!("{}/{}", self.bucket, self.key)
    }

    /// Every blob this row holds: the content and the parts of a multipart upload.
    pub fn blobs(&self) -> Vec<String> {
        self.blob
            .iter()
            .chain(self.parts.values())
            .cloned()
            .collect()
    }
}

/// Everything the server knows.
#[derive(Debug, Default)]
pub struct State {
    /// Users.
    pub users: Vec<User>,
    /// Parents by id.
    pub parents: BTreeMap<String, Parent>,
    /// Drafts by id.
    pub drafts: BTreeMap<String, Doc>,
    /// Published records by id.
    pub records: BTreeMap<String, Doc>,
    /// Files by (bucket, key).
    pub files: BTreeMap<(String, String), FileRow>,
    /// Communities by id.
    pub communities: BTreeMap<String, Community>,
    /// Requests by id.
    pub requests: BTreeMap<String, Request>,
    /// Timeline events by id.
    pub events: BTreeMap<String, Event>,
    /// Every stored state of each published record, oldest first, by record id.
    pub revisions: BTreeMap<String, Vec<Revision>>,
    /// The number of the last revision stored (revisions are numbered over the whole server).
    pub revision_seq: u64,
    /// Storage quotas by id (`parent:{id}`, `user:{id}`).
    pub quotas: BTreeMap<String, Quota>,
    /// Parent ids by secret-link token (derived; entries of deleted links are ignored).
    link_tokens: std::collections::HashMap<String, String>,
}

impl State {
    /// Loads the state from the store.
    pub fn load(store: &Store) -> Result<Self, StoreError> {
        let mut st = State {
            users: store.all("users")?,
            ..State::default()
        };
        for p in store.all::<Parent>("parents")? {
            for l in &p.links {
                st.link_tokens.insert(l.token.clone(), p.id.clone());
            }
            st.parents.insert(p.id.clone(), p);
        }
        for d in store.all::<Doc>("drafts")? {
            st.drafts.insert(d.id.clone(), d);
        }
        for d in store.all::<Doc>("records")? {
            st.records.insert(d.id.clone(), d);
        }
        for f in store.all::<FileRow>("files")? {
            st.files.insert((f.bucket.clone(), f.key.clone()), f);
        }
        for c in store.all::<Community>("communities")? {
            st.communities.insert(c.id.clone(), c);
        }
        for r in store.all::<Request>("requests")? {
            st.requests.insert(r.id.clone(), r);
        }
        for e in store.all::<Event>("events")? {
            st.events.insert(e.id.clone(), e);
        }
        for q in store.all::<Quota>("quotas")? {
            st.quotas.insert(q.id.clone(), q);
        }
        for r in store.all::<Revision>("revisions")? {
            st.revision_seq = st.revision_seq.max(r.transaction);
            st.revisions.entry(r.record.clone()).or_default().push(r);
        }
        Ok(st)
    }

    /// Remembers which parent a new secret link belongs to.
    pub fn index_link(&mut self, parent: &str, token: &str) {
        self.link_tokens
            .insert(token.to_string(), parent.to_string());
    }

    /// The parent and link a secret-link token belongs to, when the link still exists.
    pub fn link_by_token(&self, token: &str) -> Option<(&Parent, &Link)> {
        let parent = self.parents.get(self.link_tokens.get(token)?)?;
        let link = parent.links.iter().find(|l| l.token == token)?;
        Some((parent, link))
    }

    /// The files of a bucket, in key order.
    pub fn bucket(&self, bucket: &str) -> Vec<&FileRow> {
        self.files
            .range((bucket.to_string(), String::new())..)
            .take_while(|((b, _), _)| b == bucket)
            .map(|(_, f)| f)
            .collect()
    }

    /// Published versions of a parent, newest first.
    pub fn versions_of(&self, parent: &str) -> Vec<&Doc> {
        let mut v: Vec<&Doc> = self
            .records
            .values()
            .filter(|d| d.parent_id == parent && !d.is_deleted())
            .collect();
        v.sort_by_key(|d| std::cmp::Reverse(d.index));
        v
    }

    /// The latest published version of a parent.
    pub fn latest_of(&self, parent: &str) -> Option<&Doc> {
        self.versions_of(parent).into_iter().next()
    }

    /// A new record id used by no draft, record or parent.
    pub fn fresh_id(&self) -> String {
        loop {
            let id = crate::util::new_record_id();
            if !self.drafts.contains_key(&id)
                && !self.records.contains_key(&id)
                && !self.parents.contains_key(&id)
            {
                return id;
            }
        }
    }

    /// Whether any blob is still referenced by a file row.
    pub fn blob_in_use(&self, blob: &str) -> bool {
        self.files
            .values()
            .any(|f| f.blob.as_deref() == Some(blob) || f.parts.values().any(|p| p == blob))
    }

    /// A community by id or slug.
    pub fn community(&self, id_or_slug: &str) -> Option<&Community> {
        self.communities
            .get(id_or_slug)
            .or_else(|| self.communities.values().find(|c| c.slug == id_or_slug))
    }

    /// The user with this id.
    pub fn user(&self, id: i64) -> Option<&User> {
        self.users.iter().find(|u| u.id == id)
    }

    /// The status a draft shows: its review's, when one is set.
    pub fn draft_status(&self, d: &Doc) -> String {
        let review = self
            .parents
            .get(&d.parent_id)
            .and_then(|p| p.review.as_ref())
            .and_then(|r| self.requests.get(r));
        match review.map(|r| r.status.as_str()) {
            Some("created") => "draft_with_review".into(),
            Some("submitted") => "in_review".into(),
            Some("declined") => "declined".into(),
            Some("expired") => "expired".into(),
            _ => d.status.clone(),
        }
    }

    /// Whether a user receives a request: a curator of its community, or its receiving user.
    pub fn receives(&self, r: &Request, user: Option<i64>) -> bool {
        match r.community() {
            Some(c) => self.communities.get(c).is_some_and(|c| c.curates(user)),
            None => user.is_some() && r.receiving_user() == user,
        }
    }

    /// Whether a user holds the permission of an action on a request, whatever its status:
    /// the creator submits and cancels, the receiver accepts and declines, the administrator
    /// does all of these; nobody expires a request by hand.
    pub fn may_act(&self, r: &Request, user: Option<i64>, admin: bool, action: &str) -> bool {
        if let Some(child) = &r.subcommunity {
            // The joining community's owners and managers cancel; the parent's decide.
            return match action {
                "cancel" => admin || self.manages(child, user),
                "accept" | "decline" => {
                    admin || r.community().is_some_and(|p| self.manages(p, user))
                }
                _ => false,
            };
        }
        if let Some(j) = &r.joining {
            // The community's owners and managers decide; the user who asked cancels.
            return match action {
                "cancel" => admin || (user.is_some() && user == Some(r.created_by)),
                "accept" | "decline" => admin || self.manages(&j.community, user),
                _ => false,
            };
        }
        if let Some(inv) = &r.invitation {
            // The inviting community's owners and managers cancel; the invitee decides.
            return match action {
                "cancel" => admin || self.manages(&inv.community, user),
                "accept" | "decline" => admin || (user.is_some() && r.receiving_user() == user),
                _ => false,
            };
        }
        match action {
            "submit" | "cancel" => admin || (user.is_some() && user == Some(r.created_by)),
            "accept" | "decline" => admin || self.receives(r, user),
            _ => false,
        }
    }

    /// Whether a user owns or manages a community.
    pub fn manages(&self, community: &str, user: Option<i64>) -> bool {
        self.communities
            .get(community)
            .is_some_and(|c| matches!(c.role_of(user), Some("owner" | "manager")))
    }

    /// The next request number.
    pub fn next_request_number(&self) -> u64 {
        self.requests.values().map(|r| r.number).max().unwrap_or(0) + 1
    }

    /// The timeline of a request, in order of creation.
    pub fn timeline(&self, request: &str) -> Vec<&Event> {
        let mut v: Vec<&Event> = self
            .events
            .values()
            .filter(|e| e.request == request)
            .collect();
        v.sort_by_key(|e| e.seq);
        v
    }
}

/// Per-parent version numbers, computed once for a request that renders many documents.
#[derive(Debug, Default)]
pub struct Index {
    latest: std::collections::HashMap<String, u64>,
    newest_draft: std::collections::HashMap<String, u64>,
}

impl Index {
    /// Builds the index of the state.
    pub fn new(st: &State) -> Self {
        let mut idx = Index::default();
        for r in st.records.values().filter(|r| !r.is_deleted()) {
            let e = idx.latest.entry(r.parent_id.clone()).or_insert(0);
            *e = (*e).max(r.index);
        }
        for d in st.drafts.values() {
            let e = idx.newest_draft.entry(d.parent_id.clone()).or_insert(0);
            *e = (*e).max(d.index);
        }
        idx
    }

    /// The index of the latest published version of a parent (0 if none).
    pub fn latest(&self, parent: &str) -> u64 {
        self.latest.get(parent).copied().unwrap_or(0)
    }

    /// The highest version index of the parent's drafts (0 if none).
    pub fn newest_draft(&self, parent: &str) -> u64 {
        self.newest_draft.get(parent).copied().unwrap_or(0)
    }
}
