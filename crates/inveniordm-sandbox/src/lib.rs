//! A local InvenioRDM-compatible server: the REST API of records, drafts, files, versions,
//! access links and grants, DOIs, vocabularies, communities and requests (reviews,
//! inclusions, access requests), over SQLite and a folder of file blobs.
//!
//! Point any InvenioRDM client (this project's, the Python ones, curl) at it to develop and
//! test without a real repository.
//!
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! use inveniordm_sandbox::{Sandbox, SandboxConfig};
//! let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
//! println!("API at {}/api, token {}", sandbox.url(), sandbox.token());
//! sandbox.stop().await;
//! # }
//! ```
#![forbid(unsafe_code)]

mod access;
mod app;
#[doc(hidden)]
pub mod check;
pub mod cli;
mod communities;
mod community_admin;
mod deletion;
mod drafts;
mod export;
mod faults;
mod file_modification;
mod files;
mod grants;
mod links;
mod members;
mod model;
mod oai;
mod pages;
mod prefix_hash;
mod query;
mod quota;
mod records;
mod render;
mod requests;
mod routes;
mod sandbox;
mod search;
mod server;
mod store;
mod util;
mod validate;
mod vocab;
mod vocabularies;

pub use app::Counters;
pub use faults::{Faults, Hold, HoldAt};
pub use sandbox::{Sandbox, SandboxConfig, StartError};
