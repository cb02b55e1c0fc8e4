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
}

impl FileRow {
    /// The store id of this row.
    pub fn row_id(&self) -> String {
        format!("{}/{}", self.bucket, self.key)
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
            .filter(|d| d.parent_id == parent)
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
        self.files.values().any(|f| f.blob.as_deref() == Some(blob))
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
        for r in st.records.values() {
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
