//! An async client for the InvenioRDM REST API.
//!
//! The low-level layer is curl with types: one method per endpoint ([`api`]), the server's
//! JSON back as a [`models`] type that keeps every key it does not know. File transfers are
//! streamed and verified ([`transfer`]). Retries, authentication and error mapping live in one
//! place (the transport), so every endpoint behaves the same.
//!
//! ```no_run
//! # async fn demo() -> inveniordm::Result<()> {
//! use inveniordm::{Client, models::{Creator, Metadata, Record, VocabRef}};
//! use std::path::Path;
//!
//! let client = Client::from_env()?; // INVENIORDM_URL, INVENIORDM_TOKEN, .env
//! let mut draft = Record::default();
//! let mut m = Metadata::default();
//! m.title = Some("Ocean temperature profiles".into());
//! m.resource_type = Some(VocabRef::id("dataset"));
//! m.publication_date = Some("2026-11-26".into());
//! m.creators = Some(vec![Creator::person("Lovelace", "Ada")]);
//! draft.metadata = Some(m);
//! let draft = client.drafts().create(&draft).await?;          // problems in draft.errors
//! let id = draft.require_id()?;
//! client.drafts().file_upload(id, Path::new("data.csv")).await?; // streamed, md5 checked
//! let record = client.drafts().publish(id).await?;
//! # let _ = record; Ok(()) }
//! ```
//!
//! # The sub-APIs, and where their methods live
//!
//! Every endpoint is a method of a handler got from the [`Client`] (cheap to clone: clones
//! share one connection pool and one rate budget). A handler's methods are spread over the
//! files of their concern; this table lists them all.
//!
//! | handler | what | methods defined in |
//! |---|---|---|
//! | [`client.query()`](api::QueryApi) | record and vocabulary searches, listings past the window | `api/query.rs` |
//! | [`client.records()`](api::RecordsApi) | published records: get, files, versions, exports, communities, deletion | `api/records.rs`, `api/exports.rs`, `api/review.rs` (communities), `api/access.rs` (access settings), `api/deletion.rs` (delete, restore, deletion requests), `transfer/download.rs` (downloads) |
//! | [`client.records().access_links()`](api::AccessLinksApi) | secret links | `api/records.rs` |
//! | [`client.records().grants()`](api::GrantsApi) | grants to people and groups | `api/access.rs` |
//! | [`client.drafts()`](api::DraftsApi) | drafts: create, update, publish, versions, files, review | `api/drafts.rs`, `api/review.rs` (review), `transfer/upload.rs` (uploads, fetched and remote files, downloads) |
//! | [`client.communities()`](api::CommunitiesApi) | communities and their members | `api/communities.rs` |
//! | [`client.requests()`](api::RequestsApi) | reviews, inclusions, access requests, comments | `api/requests.rs` |
//! | [`client.users()`](api::UsersApi) | users | `api/users.rs` |
//! | [`client.raw()`](api::RawApi) | any path, JSON in and out | `api/raw.rs` |
//! | [`client.repo()`](repo::RepoApi) | workflows: publish with a check, journaled deposits, new versions, batch transfers, checked archives, handles | `repo/mod.rs`, `repo/batch.rs`, `repo/archive.rs`, `repo/check.rs`, `repo/deposit/`, `repo/handles/` |
//!
//! One call of each:
//!
//! ```no_run
//! # async fn demo(client: inveniordm::Client) -> inveniordm::Result<()> {
//! use inveniordm::api::{ExportFormat, Scope, SubmitReview};
//! use inveniordm::models::{SearchQuery, VocType, VocQuery};
//! use std::path::Path;
//!
//! let page = client.query().records(&SearchQuery::new("ocean").size(10)).await?;
//! let mine = client.query().records_all(Scope::Mine, SearchQuery::all());
//! let langs = client.query().vocabulary(&VocType::Languages, &VocQuery::new().q("eng")).await?;
//! let record = client.records().get("abcde-12345").await?;
//! let bibtex = client.records().export("abcde-12345", &ExportFormat::Bibtex).await?;
//! let links = client.records().access_links().list("abcde-12345").await?;
//! let grants = client.records().grants().list("abcde-12345").await?;
//! let draft = client.drafts().new_version("abcde-12345").await?;
//! let id = draft.require_id()?;
//! client.drafts().file_upload(id, Path::new("data.csv")).await?;
//! client.drafts().submit_review(id, &SubmitReview::new()).await?;
//! let community = client.communities().get("ocean-lab").await?;
//! let request = client.requests().accept("rq-id", None).await?;
//! let ada = client.users().resolve("ada@example.org").await?;
//! let any = client.raw().get("records?size=1").await?;
//! let published = client.repo().publish(id).await?;
//! # let _ = (page, mine, langs, record, bibtex, links, grants, community, request, ada, any, published);
//! # Ok(()) }
//! ```
//!
//! Optional behaviour goes in option structs with a `Default` (or small builders), never in
//! positional flags: [`api::SubmitReview`], [`transfer::FetchOptions`],
//! [`transfer::UploadOptions`], [`repo::UploadFilesOptions`], [`repo::NewVersionPlan`],
//! [`repo::DepositSpec`].
//!
//! Errors are one [`Error`] whose variants say what happened (the server refused, the network
//! failed, a checksum did not match, the caller's argument, an unusable journal, an ambiguous
//! choice, a conflict with a change made meanwhile, an answer that breaks the protocol, an
//! internal fault); [`Error::needs_change`], [`Error::is_retryable`] and
//! [`Error::maybe_applied`] say what to do about one.
#![forbid(unsafe_code)]

pub mod api;
pub mod env;
mod error;
pub mod repo;
pub mod transfer;
mod transport;

pub use error::{BoxError, Error, Result, TransportReason};

/// This library's version, as its default `User-Agent` names it (`inveniordm/VERSION`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub use transport::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, RecordFormat, RetryConfig,
};

/// The models (re-exported from `inveniordm-models`).
pub use inveniordm_models as models;
