//! Records and drafts: the document served by `/api/records/{id}` and `/api/records/{id}/draft`.

use std::collections::BTreeMap;

use crate::files::Files;
use crate::metadata::Metadata;
use crate::{FieldError, JsonMap, json_object, string_enum};

json_object! {
    /// A record or a draft (InvenioRDM uses one document for both).
    ///
    /// Drafts have `is_draft: true`; an edit draft of a published record also has
    /// `is_published: true`. `errors` is only present in the responses of draft create and
    /// update: validation problems are data, not failures.
    ///
    /// ```
    /// use inveniordm_models::Record;
    /// let json = serde_json::json!({"id": "abcd1-23456", "metadata": {"title": "Ocean"}, "site_extra": 1});
    /// let record: Record = serde_json::from_value(json.clone()).unwrap();
    /// assert_eq!(record.title(), Some("Ocean"));
    /// assert_eq!(serde_json::to_value(&record).unwrap(), json); // unknown keys survive
    /// ```
    pub struct Record {
        /// The record id (`xxxxx-xxxxx` on InvenioRDM, a number as a string on Zenodo).
        "id" => id: String,
        /// Persistent identifiers (`doi`, `oai`, …).
        "pids" => pids: Pids,
        /// The parent (concept) shared by all versions.
        "parent" => parent: Parent,
        /// Version information.
        "versions" => versions: Versions,
        /// Whether a published record with this id exists.
        "is_published" => is_published: bool,
        /// Whether this document is a draft.
        "is_draft" => is_draft: bool,
        /// `draft`, `published`, `new_version_draft`, `in_review`, …
        "status" => status: RecordStatus,
        /// Descriptive metadata.
        "metadata" => metadata: Metadata,
        /// Site-specific custom fields (kept as JSON).
        "custom_fields" => custom_fields: JsonMap,
        /// Access settings.
        "access" => access: Access,
        /// File settings and, on records, the file entries.
        "files" => files: Files,
        /// Media files (previews and the like).
        "media_files" => media_files: Files,
        /// Revision number, the value to send as `If-Match`.
        "revision_id" => revision_id: u64,
        /// Creation timestamp (ISO 8601, as the server wrote it).
        "created" => created: String,
        /// Last update timestamp (ISO 8601, as the server wrote it).
        "updated" => updated: String,
        /// Draft expiry (drafts only; a naive timestamp with a space separator on real servers).
        "expires_at" => expires_at: String,
        /// Links to related endpoints and pages.
        "links" => links: BTreeMap<String, serde_json::Value>,
        /// Validation problems reported by a draft create or update.
        "errors" => errors: Vec<FieldError>,
        /// Views and downloads (published records; drafts have none).
        "stats" => stats: RecordStats,
        /// Whether the record was deleted (published records).
        "deletion_status" => deletion_status: crate::deletion::DeletionStatus,
        /// Why and when a deleted record was removed (shown to administrators reading it
        /// with deleted records included).
        "tombstone" => tombstone: crate::deletion::Tombstone,
    }
}

json_object! {
    /// A record's views and downloads, of this version and of all versions.
    ///
    /// ```
    /// use inveniordm_models::Record;
    /// let r: Record = serde_json::from_value(serde_json::json!({"stats": {
    ///     "this_version": {"views": 3, "unique_views": 2, "downloads": 1, "unique_downloads": 1, "data_volume": 2048.0},
    ///     "all_versions": {"views": 5, "unique_views": 4, "downloads": 1, "unique_downloads": 1, "data_volume": 2048.0}}})).unwrap();
    /// let s = r.stats.unwrap();
    /// assert_eq!(s.all_versions.unwrap().views, Some(5));
    /// assert_eq!(s.this_version.unwrap().data_volume_bytes(), Some(2048.0));
    /// ```
    pub struct RecordStats {
        /// This version.
        "this_version" => this_version: StatsCounts,
        /// All versions of the record's concept.
        "all_versions" => all_versions: StatsCounts,
    }
}

json_object! {
    /// Counts of views and downloads.
    pub struct StatsCounts {
        /// Views of the record's page.
        "views" => views: u64,
        /// Views, once per visitor and day.
        "unique_views" => unique_views: u64,
        /// File downloads.
        "downloads" => downloads: u64,
        /// Downloads, once per visitor and day.
        "unique_downloads" => unique_downloads: u64,
        /// Bytes downloaded, as the server wrote the number (a float on InvenioRDM).
        "data_volume" => data_volume: serde_json::Number,
    }
}

impl StatsCounts {
    /// The bytes downloaded, as a number.
    pub fn data_volume_bytes(&self) -> Option<f64> {
        self.data_volume
            .as_ref()
            .and_then(serde_json::Number::as_f64)
    }
}

impl Record {
    /// The title, when the metadata has one.
    pub fn title(&self) -> Option<&str> {
        self.metadata.as_ref()?.title.as_deref()
    }

    /// The validation problems reported with this draft (empty when none).
    pub fn validation_errors(&self) -> &[FieldError] {
        self.errors.as_deref().unwrap_or(&[])
    }

    /// The access settings of the record's parent (`parent.access.settings`: who may ask for
    /// access), when the document carries them.
    pub fn access_settings(&self) -> Option<crate::AccessSettings> {
        let v = self.parent.as_ref()?.access.as_ref()?.get("settings")?;
        serde_json::from_value(v.clone()).ok()
    }

    /// A link by name, when it is a string (e.g. `"self_html"`).
    pub fn link(&self, name: &str) -> Option<&str> {
        self.links.as_ref()?.get(name)?.as_str()
    }

    /// The DOI, when one is registered or reserved.
    pub fn doi(&self) -> Option<&str> {
        self.pids.as_ref()?.get("doi")?.identifier.as_deref()
    }

    /// The id of the parent (concept) record.
    pub fn parent_id(&self) -> Option<&str> {
        self.parent.as_ref()?.id.as_deref()
    }

    /// True when this document looks like Zenodo's legacy JSON rather than RDM JSON
    /// (an integer id, `conceptrecid`, or `files` given as a list).
    pub fn looks_legacy(value: &serde_json::Value) -> bool {
        value.get("conceptrecid").is_some()
            || value.get("id").is_some_and(serde_json::Value::is_number)
            || value.get("files").is_some_and(serde_json::Value::is_array)
    }
}

string_enum! {
    /// The state of a record or draft (`status`).
    pub enum RecordStatus {
        /// A draft never published.
        Draft => "draft",
        /// Published (also the status of an edit draft of a published record).
        Published => "published",
        /// A draft of a new version.
        NewVersionDraft => "new_version_draft",
        /// A draft with a community review attached.
        DraftWithReview => "draft_with_review",
        /// Submitted for community review.
        InReview => "in_review",
        /// The community declined it.
        Declined => "declined",
        /// The review expired.
        Expired => "expired",
    }
}

/// Persistent identifiers by scheme (`doi`, `oai`, …).
pub type Pids = BTreeMap<String, Pid>;

json_object! {
    /// One persistent identifier.
    pub struct Pid {
        /// The identifier, e.g. `10.1234/abcd1-23456`.
        "identifier" => identifier: String,
        /// `datacite`, `external`, `oai`, …
        "provider" => provider: String,
        /// The client (e.g. `datacite`).
        "client" => client: String,
    }
}

impl Pid {
    /// An externally managed identifier (e.g. a DOI you registered yourself).
    pub fn external(identifier: impl Into<String>) -> Self {
        Self {
            identifier: Some(identifier.into()),
            provider: Some("external".into()),
            ..Self::default()
        }
    }
}

json_object! {
    /// The parent (concept) record shared by all versions.
    pub struct Parent {
        /// Parent id.
        "id" => id: String,
        /// Parent access: owners, grants, links, settings (kept as JSON; the shape varies by version).
        "access" => access: JsonMap,
        /// Communities the record belongs to.
        "communities" => communities: JsonMap,
        /// The draft's community review, when one is set (`id`, `type`, `receiver`, …).
        "review" => review: crate::request::Request,
        /// Concept persistent identifiers.
        "pids" => pids: Pids,
    }
}

json_object! {
    /// Version information of a record.
    pub struct Versions {
        /// 1-based index of this version (may be `null` in production data).
        "index" => index: u64,
        /// Whether this is the latest published version.
        "is_latest" => is_latest: bool,
        /// Whether this is the latest draft.
        "is_latest_draft" => is_latest_draft: bool,
    }
}

string_enum! {
    /// Who may see a record or its files.
    pub enum AccessPolicy {
        /// Everyone.
        Public => "public",
        /// Owners and people it is shared with.
        Restricted => "restricted",
    }
}

string_enum! {
    /// The computed access status of a record.
    pub enum AccessStatus {
        /// Public record and files.
        Open => "open",
        /// Files under embargo.
        Embargoed => "embargoed",
        /// Restricted.
        Restricted => "restricted",
        /// No files.
        MetadataOnly => "metadata-only",
    }
}

json_object! {
    /// Access settings of a record.
    pub struct Access {
        /// Who sees the record.
        "record" => record: AccessPolicy,
        /// Who sees the files.
        "files" => files: AccessPolicy,
        /// Embargo settings.
        "embargo" => embargo: Embargo,
        /// Computed status (read-only).
        "status" => status: AccessStatus,
    }
}

impl Access {
    /// Public record and public files.
    pub fn public() -> Self {
        Self {
            record: Some(AccessPolicy::Public),
            files: Some(AccessPolicy::Public),
            ..Self::default()
        }
    }
}

json_object! {
    /// An embargo.
    pub struct Embargo {
        /// Whether the embargo is active.
        "active" => active: bool,
        /// End date (`YYYY-MM-DD`).
        "until" => until: String,
        /// Reason shown to visitors.
        "reason" => reason: String,
    }
}

json_object! {
    /// One stored state of a published record (`GET /api/records/{id}/revisions`,
    /// administrators): the record as the database held it after a change.
    pub struct Revision {
        /// The number of the change that stored it (a transaction number, increasing over the
        /// whole server; not the record's `revision_id`).
        "revision_id" => revision_id: u64,
        /// The record's creation time (an HTTP date on InvenioRDM:
        /// `Sun, 06 Dec 2026 23:49:36 GMT`).
        "created" => created: String,
        /// When this state was stored (an HTTP date).
        "updated" => updated: String,
        /// The record as stored (the database's JSON, not the API's document).
        "json" => json: JsonMap,
    }
}
