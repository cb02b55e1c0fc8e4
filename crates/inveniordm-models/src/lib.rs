//! Lossless serde types for the InvenioRDM REST API.
//!
//! Every object model keeps the keys it does not know in an `extra` map, and every enum keeps
//! values it does not know in `Other(String)`: a document read from any InvenioRDM version or
//! site and written back is unchanged. No I/O happens in this crate.
//!
//! ```
//! use inveniordm_models::Record;
//! let v = serde_json::json!({"id": "x", "custom_fields": {"site:thing": [1, 2]}, "future": null});
//! let r: Record = serde_json::from_value(v.clone()).unwrap();
//! assert_eq!(serde_json::to_value(&r).unwrap(), v);
//! ```
#![forbid(unsafe_code)]

#[doc(hidden)]
pub mod macros;

pub mod access;
#[doc(hidden)]
pub mod check;
pub mod community;
pub mod deletion;
pub mod edtf;
pub mod error;
pub mod fallbacks;
pub mod files;
mod id;
pub mod metadata;
pub mod query;
pub mod record;
pub mod request;
pub mod search;
pub mod user;
pub mod validate;
pub mod vocab;

/// A JSON object (string keys, JSON values).
pub type JsonMap = serde_json::Map<String, serde_json::Value>;

pub use access::{
    AccessGrant, AccessLink, AccessSettings, GrantPermission, GrantSubject, LinkPermission,
};
pub use community::{
    Community, CommunityAccess, CommunityMetadata, CommunityPolicy, CommunityVisibility, Featured,
    FeaturedHits, FeaturedList, Member, MemberEntity, MemberRole, ReviewPolicy,
};
pub use deletion::{DeletionStatus, Tombstone};
pub use error::{ErrorBody, FieldError};
pub use files::{ContainerEntry, ContainerListing, FileEntries, FileEntry, FileStatus, Files};
pub use id::MissingId;
pub use metadata::{
    AdditionalText, Affiliation, Award, Creator, DateEntry, Funder, Funding, I18n, Identifier,
    LocationFeature, Locations, Metadata, PersonOrOrg, PersonOrOrgKind, Reference,
    RelatedIdentifier, Right, Subject, VocabRef,
};
pub use query::{SearchQuery, VocQuery};
pub use record::{
    Access, AccessPolicy, AccessStatus, Embargo, Parent, Pid, Pids, Record, RecordStats,
    RecordStatus, Revision, StatsCounts, Versions,
};
pub use request::{EntityRef, EventPayload, InclusionResult, Request, RequestEvent, RequestStatus};
pub use search::{Hits, Results};
pub use user::{User, UserProfile};
pub use vocab::{VocType, VocabularyTerm};

id::identified! {
    Record => "record",
    Parent => "parent record",
    FileEntry => "file entry",
    User => "user",
    Community => "community",
    Member => "member",
    MemberEntity => "member entity",
    AccessLink => "access link",
    GrantSubject => "grant subject",
    Request => "request",
    RequestEvent => "request event",
    VocabularyTerm => "vocabulary term",
    Affiliation => "affiliation",
    Subject => "subject",
    Right => "right",
    Funder => "funder",
    Award => "award",
}
