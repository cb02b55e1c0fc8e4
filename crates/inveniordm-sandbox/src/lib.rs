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

pub mod access;
pub mod app;
pub mod check;
pub mod cli;
pub mod communities;
pub mod drafts;
pub mod export;
pub mod faults;
pub mod files;
pub mod grants;
pub mod links;
pub mod model;
pub mod pages;
pub mod prefix_hash;
pub mod query;
pub mod records;
pub mod render;
pub mod requests;
pub mod routes;
pub mod sandbox;
pub mod search;
pub mod server;
pub mod store;
pub mod util;
pub mod validate;
pub mod vocab;
pub mod vocabularies;

pub use app::Counters;
pub use faults::{Faults, Hold, HoldAt};
pub use sandbox::{Sandbox, SandboxConfig, StartError};
