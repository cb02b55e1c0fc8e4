//! Documents as the API serves them: records, drafts, file entries, listings. This module
//! gathers them; each resource or concern is a file of its own:
//!
//! * `file`: buckets, file entries and listings;
//! * `expand`: metadata with its vocabulary references expanded;
//! * `record`: records and drafts;
//! * `access`: access links and grants;
//! * `ui`: the `ui` block of display strings;
//! * `response`: JSON answers, content negotiation and redirects;
//! * `community`: communities and their members;
//! * `request`: requests and their timeline events.

mod access;
mod community;
mod expand;
mod file;
mod record;
mod request;
mod response;
mod ui;

pub use self::access::{grant_body, link};
pub use self::community::{community, member, member_entity};
pub use self::file::{bucket, file_entry, file_listing};
pub use self::record::{entries_summary, record, record_with};
pub use self::request::{event, request};
pub use self::response::{
    draft_response, negotiated, record_response, record_response_with, redirect, wants_ui,
};
pub use self::ui::{add_ui, strip_tags};
