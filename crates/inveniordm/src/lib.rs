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
//! let id = draft.id.as_deref().unwrap_or_default();
//! client.drafts().file_upload(id, Path::new("data.csv")).await?; // streamed, md5 checked
//! let record = client.drafts().publish(id).await?;
//! # let _ = record; Ok(()) }
//! ```
#![forbid(unsafe_code)]

pub mod api;
pub mod env;
mod error;
pub mod repo;
pub mod transfer;
mod transport;

pub use error::{Error, Result};

/// This library's version, as its default `User-Agent` names it (`inveniordm/VERSION`).
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
pub use transport::{
    Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_READ_TIMEOUT, RecordFormat, RetryConfig,
};

/// The models (re-exported from `inveniordm-models`).
pub use inveniordm_models as models;
