//! The behaviour suite: plain `async fn`s that take a client, run against an in-process
//! sandbox on every `cargo test` and against a real InvenioRDM when `INVENIORDM_URL` and
//! `INVENIORDM_TOKEN` are set. Each scenario creates its own drafts, so they run in any order.

#![allow(dead_code, missing_docs)]

use std::path::Path;

use futures_util::StreamExt;
use inveniordm::api::Scope;
use inveniordm::models::*;
use inveniordm::transfer::{DownloadOptions, FetchOptions, RemoteFile, UploadBody};
use inveniordm::{Client, Error};
use md5::{Digest, Md5};

/// What a scenario gets.
pub struct Env {
    /// Authenticated client.
    pub client: Client,
    /// Anonymous client of the same server.
    pub anon: Client,
    /// A second user of the same server, with no role anywhere (the main user curates).
    pub second: Client,
    /// The second user's username.
    pub second_username: String,
    /// The second user's e-mail address.
    pub second_email: String,
    /// The `host:port` the server may fetch files from (transfer type `F`); the fetch
    /// scenario serves a file there.
    pub fetch_host: String,
    /// A scratch folder.
    pub dir: std::path::PathBuf,
    /// A word unique to this run, to find its own records in searches.
    pub tag: String,
    /// Whether the server is a real InvenioRDM (some of its answers depend on its setup).
    pub real: bool,
    /// The InvenioRDM major version the server is (or imitates), when known
    /// (`INVENIORDM_RDM_VERSION` for a real server): scenarios whose answers differ by version
    /// are strict where it is known.
    pub rdm_version: Option<u8>,
    /// Whether owners may delete their records within the grace period
    /// (`RDM_IMMEDIATE_RECORD_DELETION_ENABLED`), when known (`INVENIORDM_IMMEDIATE_DELETION`).
    pub immediate_deletion: Option<bool>,
    /// Whether users may ask to join communities (`COMMUNITIES_ALLOW_MEMBERSHIP_REQUESTS`),
    /// when known (`INVENIORDM_MEMBERSHIP_REQUESTS`).
    pub membership_requests: Option<bool>,
    /// Real projects' CITATION.cff and codemeta.json files (see [`citation_files`]).
    pub citation_files: Vec<std::path::PathBuf>,
}

/// The real-world citation files: the chrono crate's CITATION.cff from cargo's copy of the
/// crate (a dependency of the sandbox, so always there), and every file in the folder
/// `INVENIORDM_CITATION_FILES` names (`scripts/real-world-citations` fills it). With
/// `required`, a missing folder fails the run rather than narrow the check.
pub fn citation_files(required: bool) -> Vec<std::path::PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = std::process::Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: serde_json::Value = serde_json::from_slice(&out.stdout).expect("cargo metadata JSON");
    let chrono = meta["packages"]
        .as_array()
        .into_iter()
        .flatten()
        .find(|p| p["name"] == "chrono")
        .and_then(|p| p["manifest_path"].as_str())
        .map(|m| Path::new(m).with_file_name("CITATION.cff"))
        .expect("chrono is a dependency");
    assert!(chrono.is_file(), "{} is missing", chrono.display());
    let mut files = vec![chrono];
    match std::env::var_os("INVENIORDM_CITATION_FILES") {
        Some(dir) => {
            let mut more: Vec<_> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("INVENIORDM_CITATION_FILES {dir:?}: {e}"))
                .filter_map(|e| e.ok().map(|e| e.path()))
                .collect();
            more.sort();
            assert!(
                !more.is_empty(),
                "INVENIORDM_CITATION_FILES {dir:?} is empty"
            );
            files.extend(more);
        }
        None => assert!(
            !required,
            "set INVENIORDM_CITATION_FILES to a folder of real-world citation files (scripts/real-world-citations DIR)"
        ),
    }
    files
}

pub type Scenario = for<'a> fn(&'a Env) -> futures_util::future::BoxFuture<'a, ()>;

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        /// Every scenario, by name.
        pub fn all() -> Vec<(&'static str, Scenario)> {
            vec![$((stringify!($name), |e| Box::pin($name(e)))),*]
        }
    };
}

/// Calls `$m!` with the name of every scenario: the one list everything else is built from.
#[allow(unused_macros)]
macro_rules! for_each_scenario {
    ($m:ident) => {
        $m!(
            deposit_publish_download,
            validation_problems_are_data,
            file_states_and_checksums,
            keys_that_need_encoding,
            edit_published_record,
            new_version_keeps_and_replaces_files,
            access_links_lifecycle,
            search_paging_and_vocabularies,
            error_statuses,
            restricted_records_are_hidden,
            doi_reserve_and_discard,
            discard_a_draft,
            raw_escape_hatch,
            update_round_trip_changes_nothing,
            resumed_and_corrupt_downloads,
            many_files_at_once,
            next_version_in_one_call,
            exports_in_every_format,
            community_lifecycle,
            community_review_accept,
            community_review_decline_and_cancel,
            curator_submission_with_and_without_review,
            record_added_to_a_second_community,
            grants_share_a_restricted_record,
            access_request_reaches_the_owner,
            multipart_upload,
            listing_split_by_id,
            fetch_by_url,
            remote_file,
            handle_edit_changes_only_what_it_changes,
            handle_concurrent_edit_is_detected,
            new_version_file_policies,
            citation_files_make_publishable_metadata,
            real_world_citation_files_publish,
            release_sequence_makes_versions_of_one_concept,
            titles_are_stored_trimmed,
            a_file_past_the_body_limit_is_uploaded,
            record_deletion_and_tombstone,
            files_archive_is_whole_and_checked,
            record_revisions_for_administrators,
            community_requests_inbox,
            default_community_of_a_record,
            mirror_a_community,
            quota_limits_uploads,
            file_modification_of_a_published_record,
            request_threads_and_deletion,
            community_rename_restore_and_featured,
            community_members_and_invitations,
            group_grants_of_a_record,
            zip_container_listing,
            oai_pmh_harvest,
            subcommunities_join_their_parent,
            membership_requests_to_join,
        );
    };
}

for_each_scenario!(scenarios);

mod sharing;
pub use sharing::*;
mod handles;
pub use handles::*;
mod releases;
pub use releases::*;
mod deletion;
pub use deletion::*;
mod archive;
pub use archive::*;
mod revisions;
pub use revisions::*;
mod mirror;
pub use mirror::*;
mod quota;
pub use quota::*;
mod threads;
pub use threads::*;
mod community_admin;
pub use community_admin::*;
mod members;
pub use members::*;
mod container;
pub use container::*;
mod oai;
pub use oai::*;

/// The scenarios for an instance that publishes only through communities.
pub fn community_required() -> Vec<(&'static str, Scenario)> {
    vec![("community_required_to_publish", |e| {
        Box::pin(community_required_to_publish(e))
    })]
}

fn md5_hex(data: &[u8]) -> String {
    Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

pub fn metadata(title: &str) -> Metadata {
    let mut m = Metadata::default();
    m.title = Some(title.into());
    m.resource_type = Some(VocabRef::id("dataset"));
    m.publication_date = Some("2026-11-26".into());
    m.creators = Some(vec![Creator::person("Lovelace", "Ada")]);
    m.description = Some("Written by the conformance suite.".into());
    m.languages = Some(vec![VocabRef::id("eng")]);
    m.rights = Some(vec![Right {
        id: Some("cc-by-4.0".into()),
        ..Right::default()
    }]);
    m.version = Some("v1.0".into());
    m
}

pub fn new_draft(title: &str) -> Record {
    Record {
        metadata: Some(metadata(title)),
        access: Some(Access::public()),
        files: Some(Files::enabled()),
        ..Record::default()
    }
}

pub(crate) fn id(r: &Record) -> String {
    r.id.clone().expect("the server returns an id")
}

pub(crate) async fn write(env: &Env, name: &str, data: &[u8]) -> std::path::PathBuf {
    let p = env.dir.join(name.replace('/', "_"));
    tokio::fs::write(&p, data)
        .await
        .expect("write scratch file");
    p
}

/// Creates a draft with one file and publishes it.
pub async fn published(env: &Env, title: &str, files: &[(&str, &[u8])]) -> Record {
    let d = env
        .client
        .drafts()
        .create(&new_draft(title))
        .await
        .expect("create draft");
    let did = id(&d);
    for (key, data) in files {
        let p = write(env, key, data).await;
        let opts = inveniordm::transfer::UploadOptions {
            key: Some(key.to_string()),
            ..Default::default()
        };
        env.client
            .drafts()
            .file_upload_with(&did, &p, &opts)
            .await
            .expect("upload");
    }
    env.client.drafts().publish(&did).await.expect("publish")
}

/// The user id of the second user.
pub(crate) async fn second_id(env: &Env) -> String {
    env.second
        .users()
        .resolve(&env.second_username)
        .await
        .expect("the second user")
        .id
        .clone()
        .expect("an id")
}

pub(crate) fn api_status(e: &Error) -> u16 {
    e.status()
        .unwrap_or_else(|| panic!("expected a server error, got {e}"))
}

async fn deposit_publish_download(env: &Env) {
    let c = &env.client;
    assert!(c.connected().await, "connected()");
    let title = format!("Ocean temperature {}", env.tag);
    let draft = c.drafts().create(&new_draft(&title)).await.expect("create");
    assert_eq!(draft.is_draft, Some(true));
    assert_eq!(draft.is_published, Some(false));
    // Only the missing files are reported: the metadata is complete.
    let fields: Vec<&str> = draft
        .validation_errors()
        .iter()
        .map(|e| e.field_name())
        .collect();
    assert!(
        fields.iter().all(|f| *f == "files.enabled"),
        "unexpected problems: {fields:?}"
    );
    let did = id(&draft);
    let got = c.drafts().get(&did).await.expect("get draft");
    assert_eq!(got.title(), Some(title.as_str()));
    assert!(got.errors.is_none(), "GET draft never carries errors");

    let data: Vec<u8> = (0..200_000u32).flat_map(|i| i.to_le_bytes()).collect();
    let path = write(env, "data.bin", &data).await;
    let entry = c
        .drafts()
        .file_upload(&did, &path)
        .await
        .expect("file_upload");
    assert_eq!(entry.md5(), Some(md5_hex(&data).as_str()));
    assert_eq!(entry.size, Some(data.len() as u64));
    assert!(entry.is_completed());
    let listing = c.drafts().files(&did).await.expect("draft files");
    assert_eq!(listing.iter().count(), 1);
    let meta = c
        .drafts()
        .file_metadata(&did, "data.bin")
        .await
        .expect("draft file metadata");
    assert_eq!(meta.checksum, entry.checksum);
    let bytes = c
        .drafts()
        .file_download(&did, "data.bin")
        .await
        .expect("draft download")
        .bytes()
        .await
        .expect("read");
    assert_eq!(md5_hex(&bytes), md5_hex(&data));

    let record = c.drafts().publish(&did).await.expect("publish");
    assert_eq!(record.id.as_deref(), Some(did.as_str()));
    assert_eq!(record.is_published, Some(true));
    assert_eq!(record.is_draft, Some(false));
    let got = c.records().get(&did).await.expect("get record");
    assert_eq!(got.title(), Some(title.as_str()));
    assert_eq!(
        got.metadata
            .as_ref()
            .and_then(|m| m.creators.as_ref())
            .map(Vec::len),
        Some(1)
    );
    let files = c.records().files(&did).await.expect("record files");
    let e = files.get("data.bin").expect("file listed");
    assert_eq!(e.md5(), Some(md5_hex(&data).as_str()));
    let fm = c
        .records()
        .file_metadata(&did, "data.bin")
        .await
        .expect("record file metadata");
    assert_eq!(fm.size, Some(data.len() as u64));
    // Stream the download chunk by chunk.
    let mut dl = env
        .anon
        .records()
        .file_download(&did, "data.bin")
        .await
        .expect("download");
    let mut h = Md5::new();
    let mut n = 0usize;
    while let Some(chunk) = dl.next().await {
        let chunk = chunk.expect("chunk");
        n += chunk.len();
        h.update(&chunk);
    }
    assert_eq!(n, data.len());
    let dest = env.dir.join("out").join("data.bin");
    let done = c
        .records()
        .download_to(&did, "data.bin", &dest, &DownloadOptions::default())
        .await
        .expect("download_to");
    assert_eq!(done.md5, md5_hex(&data));
    assert_eq!(tokio::fs::read(&dest).await.expect("read back"), data);
    assert!(
        !inveniordm::transfer::part_path(&dest).exists(),
        "no .part left behind"
    );
    // A second download to the same place is refused instead of overwriting.
    let again = c
        .records()
        .download_to(&did, "data.bin", &dest, &DownloadOptions::default())
        .await;
    assert!(
        matches!(again, Err(Error::WouldOverwrite { .. })),
        "{again:?}"
    );
}

async fn validation_problems_are_data(env: &Env) {
    let c = &env.client;
    let mut d = new_draft("x");
    if let Some(m) = d.metadata.as_mut() {
        m.title = Some(String::new());
        m.publication_date = Some("26/11/2026".into());
        m.creators = None;
    }
    let draft = c
        .drafts()
        .create(&d)
        .await
        .expect("a draft with problems is still saved");
    let fields: Vec<&str> = draft
        .validation_errors()
        .iter()
        .map(|e| e.field_name())
        .collect();
    for f in [
        "metadata.title",
        "metadata.publication_date",
        "metadata.creators",
    ] {
        assert!(fields.contains(&f), "{f} not reported in {fields:?}");
    }
    let did = id(&draft);
    let err = c
        .drafts()
        .publish(&did)
        .await
        .expect_err("publish must be refused");
    assert_eq!(api_status(&err), 400);
    let fields: Vec<&str> = err.field_errors().iter().map(|e| e.field_name()).collect();
    assert!(fields.contains(&"metadata.title"), "{fields:?}");
    assert!(fields.contains(&"metadata.creators"), "{fields:?}");
    assert!(err.is_validation());
    // Fixing the draft with an update (If-Match from the stored revision) makes it publishable
    // once a file is there.
    let mut fixed = c.drafts().get(&did).await.expect("get");
    fixed.metadata = Some(metadata(&format!("Fixed {}", env.tag)));
    let fixed = c.drafts().update(&did, &fixed).await.expect("update");
    let fields: Vec<&str> = fixed
        .validation_errors()
        .iter()
        .map(|e| e.field_name())
        .collect();
    assert!(fields.iter().all(|f| *f == "files.enabled"), "{fields:?}");
    let mut md = fixed.clone();
    md.files = Some(Files::disabled());
    let md = c.drafts().update(&did, &md).await.expect("metadata-only");
    assert!(md.validation_errors().is_empty(), "{:?}", md.errors);
    c.drafts()
        .publish(&did)
        .await
        .expect("publish metadata-only");
}

async fn file_states_and_checksums(env: &Env) {
    let c = &env.client;
    let d = c
        .drafts()
        .create(&new_draft(&format!("Files {}", env.tag)))
        .await
        .expect("create");
    let did = id(&d);
    let listing = c
        .drafts()
        .file_upload_start(&did, "raw.txt")
        .await
        .expect("start");
    let e = listing.get("raw.txt").expect("entry listed");
    assert_eq!(e.status, Some(FileStatus::Pending));
    let body = b"hello from the conformance suite\n".to_vec();
    let e = c
        .drafts()
        .file_upload_content(&did, "raw.txt", UploadBody::from_bytes(body.clone()))
        .await
        .expect("content");
    assert_eq!(
        e.status,
        Some(FileStatus::Pending),
        "still pending before commit"
    );
    let e = c
        .drafts()
        .file_upload_complete(&did, "raw.txt")
        .await
        .expect("commit");
    assert_eq!(e.status, Some(FileStatus::Completed));
    assert_eq!(
        e.checksum.as_deref(),
        Some(format!("md5:{}", md5_hex(&body)).as_str())
    );
    assert_eq!(e.size, Some(body.len() as u64));
    c.drafts()
        .file_upload_start(&did, "gone.txt")
        .await
        .expect("start 2");
    c.drafts()
        .file_delete(&did, "gone.txt")
        .await
        .expect("delete file");
    let err = c
        .drafts()
        .file_metadata(&did, "gone.txt")
        .await
        .expect_err("deleted");
    assert!(err.is_not_found(), "{err}");
    // A key registered twice is refused.
    let err = c
        .drafts()
        .file_upload_start(&did, "raw.txt")
        .await
        .expect_err("duplicate key");
    assert_eq!(api_status(&err), 400);
    // Publishing with a pending file is refused.
    c.drafts()
        .file_upload_start(&did, "pending.txt")
        .await
        .expect("start 3");
    let err = c.drafts().publish(&did).await.expect_err("pending file");
    assert!(
        err.field_errors().iter().any(|f| f.field_name() == "files"),
        "{err}"
    );
    c.drafts()
        .file_delete(&did, "pending.txt")
        .await
        .expect("delete pending");
    c.drafts().publish(&did).await.expect("publish");
}

async fn keys_that_need_encoding(env: &Env) {
    let c = &env.client;
    let d = c
        .drafts()
        .create(&new_draft(&format!("Keys {}", env.tag)))
        .await
        .expect("create");
    let did = id(&d);
    let keys = [
        "dir/sub file.csv",
        "hash#and?query.txt",
        "per%cent 100%.dat",
        "Laboratórna diagnostika.txt",
    ];
    for (i, k) in keys.iter().enumerate() {
        let data = format!("content {i} of {k}");
        let p = write(env, &format!("k{i}"), data.as_bytes()).await;
        let opts = inveniordm::transfer::UploadOptions {
            key: Some(k.to_string()),
            ..Default::default()
        };
        let e = c
            .drafts()
            .file_upload_with(&did, &p, &opts)
            .await
            .unwrap_or_else(|e| panic!("upload {k}: {e}"));
        assert_eq!(e.key.as_deref(), Some(*k));
    }
    c.drafts().publish(&did).await.expect("publish");
    for (i, k) in keys.iter().enumerate() {
        let m = c
            .records()
            .file_metadata(&did, k)
            .await
            .unwrap_or_else(|e| panic!("metadata {k}: {e}"));
        assert_eq!(m.key.as_deref(), Some(*k));
        let got = c
            .records()
            .file_download(&did, k)
            .await
            .expect("download")
            .bytes()
            .await
            .expect("read");
        assert_eq!(String::from_utf8_lossy(&got), format!("content {i} of {k}"));
    }
}

async fn edit_published_record(env: &Env) {
    let c = &env.client;
    let r = published(env, &format!("Edit me {}", env.tag), &[("a.txt", b"aaa")]).await;
    let rid = id(&r);
    let d = c.drafts().edit(&rid).await.expect("edit");
    assert_eq!(d.id.as_deref(), Some(rid.as_str()));
    assert_eq!(d.is_draft, Some(true));
    assert_eq!(d.is_published, Some(true));
    // Files of a published record are locked: content cannot be added on an edit draft, and
    // the half-registered file then blocks publishing it. Discarding the edit draft leaves
    // the record untouched.
    let p = write(env, "b.txt", b"bbb").await;
    assert!(
        c.drafts().file_upload(&rid, &p).await.is_err(),
        "upload to an edit draft must fail"
    );
    let err = c
        .drafts()
        .publish(&rid)
        .await
        .expect_err("the pending file blocks the publish");
    assert!(
        err.field_errors().iter().any(|f| f.field_name() == "files"),
        "{err}"
    );
    c.drafts()
        .delete(&rid)
        .await
        .expect("discard the edit draft");
    let a = c
        .records()
        .file_download(&rid, "a.txt")
        .await
        .expect("dl")
        .bytes()
        .await
        .expect("read");
    assert_eq!(a, b"aaa", "the record's file is untouched");
    let files = c.records().files(&rid).await.expect("files");
    assert_eq!(
        files
            .iter()
            .map(|f| f.key.clone().unwrap_or_default())
            .collect::<Vec<_>>(),
        vec!["a.txt"]
    );
    let mut d = c.drafts().edit(&rid).await.expect("edit again");
    let new_title = format!("Edited {}", env.tag);
    if let Some(m) = d.metadata.as_mut() {
        m.title = Some(new_title.clone());
    }
    // A stale revision is refused.
    let mut stale = d.clone();
    stale.revision_id = d.revision_id.map(|r| r.saturating_sub(1));
    let err = c
        .drafts()
        .update(&rid, &stale)
        .await
        .expect_err("stale If-Match");
    assert!(err.is_precondition_failed(), "{err}");
    let d = c.drafts().update(&rid, &d).await.expect("update");
    assert_eq!(d.title(), Some(new_title.as_str()));
    let pubd = c.drafts().publish(&rid).await.expect("publish edit");
    assert_eq!(pubd.id.as_deref(), Some(rid.as_str()));
    assert_eq!(pubd.title(), Some(new_title.as_str()));
    assert_eq!(
        pubd.metadata
            .as_ref()
            .and_then(|m| m.publication_date.as_deref()),
        Some("2026-11-26")
    );
    let files = c.records().files(&rid).await.expect("files");
    assert_eq!(
        files
            .iter()
            .map(|f| f.key.clone().unwrap_or_default())
            .collect::<Vec<_>>(),
        vec!["a.txt"]
    );
}

async fn new_version_keeps_and_replaces_files(env: &Env) {
    let c = &env.client;
    let v1 = published(
        env,
        &format!("Versioned {}", env.tag),
        &[("keep.txt", b"keep"), ("old.txt", b"old")],
    )
    .await;
    let v1id = id(&v1);
    let nv = c.drafts().new_version(&v1id).await.expect("new version");
    let v2id = id(&nv);
    assert_ne!(v2id, v1id);
    assert_eq!(nv.parent_id(), v1.parent_id());
    assert_eq!(nv.versions.as_ref().and_then(|v| v.index), Some(2));
    assert_eq!(
        nv.metadata.as_ref().and_then(|m| m.version.as_deref()),
        None,
        "version is dropped"
    );
    assert_eq!(
        c.drafts().files(&v2id).await.expect("files").iter().count(),
        0,
        "no files carried over"
    );
    // Asking again gives the same pending draft.
    let again = c.drafts().new_version(&v1id).await.expect("again");
    assert_eq!(again.id.as_deref(), Some(v2id.as_str()));
    let imported = c.drafts().files_import(&v2id).await.expect("files-import");
    assert_eq!(imported.iter().count(), 2);
    c.drafts()
        .file_delete(&v2id, "old.txt")
        .await
        .expect("delete old");
    let p = write(env, "new.txt", b"new").await;
    c.drafts().file_upload(&v2id, &p).await.expect("upload new");
    let mut d = c.drafts().get(&v2id).await.expect("get");
    if let Some(m) = d.metadata.as_mut() {
        m.publication_date = Some("2026-11-27".into());
        m.version = Some("v2.0".into());
    }
    c.drafts().update(&v2id, &d).await.expect("update");
    let v2 = c.drafts().publish(&v2id).await.expect("publish v2");
    assert_eq!(v2.versions.as_ref().and_then(|v| v.is_latest), Some(true));
    let versions = c.records().versions(&v1id).await.expect("versions");
    assert_eq!(versions.total(), 2);
    assert_eq!(
        versions.items()[0].id.as_deref(),
        Some(v2id.as_str()),
        "newest first"
    );
    let latest = c.records().latest_version(&v1id).await.expect("latest");
    assert_eq!(latest.id.as_deref(), Some(v2id.as_str()));
    let mut keys: Vec<String> = c
        .records()
        .files(&v2id)
        .await
        .expect("files")
        .iter()
        .filter_map(|f| f.key.clone())
        .collect();
    keys.sort();
    assert_eq!(keys, vec!["keep.txt", "new.txt"]);
    let old = c.records().files(&v1id).await.expect("v1 files");
    assert!(old.get("old.txt").is_some(), "v1 keeps its files");
    for (key, want) in [("old.txt", &b"old"[..]), ("keep.txt", &b"keep"[..])] {
        let got = c
            .records()
            .file_download(&v1id, key)
            .await
            .expect("dl")
            .bytes()
            .await
            .expect("read");
        assert_eq!(got, want, "v1's {key} keeps its content");
    }
    let kept = c
        .records()
        .file_download(&v2id, "keep.txt")
        .await
        .expect("dl")
        .bytes()
        .await
        .expect("read");
    assert_eq!(kept, b"keep");
}

async fn access_links_lifecycle(env: &Env) {
    let c = &env.client;
    let r = published(env, &format!("Shared {}", env.tag), &[("s.txt", b"s")]).await;
    let rid = id(&r);
    let links = c.records().access_links();
    let created = links
        .create(&rid, &AccessLink::with_permission(LinkPermission::View))
        .await
        .expect("create link");
    let lid = created.id.clone().expect("link id");
    assert_eq!(created.permission, Some(LinkPermission::View));
    assert!(created.token.is_some());
    let list = links.list(&rid).await.expect("list");
    assert!(
        list.items()
            .iter()
            .any(|l| l.id.as_deref() == Some(lid.as_str()))
    );
    let got = links.get(&rid, &lid).await.expect("get");
    assert_eq!(got.id.as_deref(), Some(lid.as_str()));
    let mut change = AccessLink::with_permission(LinkPermission::Preview);
    change.expires_at = Some("2099-12-31".into());
    let updated = links.update(&rid, &lid, &change).await.expect("update");
    assert_eq!(updated.permission, Some(LinkPermission::Preview));
    links.delete(&rid, &lid).await.expect("delete");
    let list = links.list(&rid).await.expect("list");
    assert!(
        !list
            .items()
            .iter()
            .any(|l| l.id.as_deref() == Some(lid.as_str()))
    );
    let err = links
        .create(
            &rid,
            &AccessLink::with_permission(LinkPermission::Other("admin".into())),
        )
        .await
        .expect_err("bad permission");
    assert_eq!(api_status(&err), 400);
}

async fn search_paging_and_vocabularies(env: &Env) {
    let c = &env.client;
    let word = format!("zq{}", env.tag.to_lowercase());
    for i in 0..3 {
        published(
            env,
            &format!("Search {word} number {i}"),
            &[("x.txt", b"x")],
        )
        .await;
    }
    // Published records are searchable at once on the sandbox; a real server indexes quickly
    // but asynchronously, so allow it a few seconds.
    let mut page = None;
    for _ in 0..30 {
        let p = c
            .query()
            .records(&SearchQuery::new(word.clone()).size(2).sort("newest"))
            .await
            .expect("search");
        if p.total() == 3 {
            page = Some(p);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    }
    let page = page.expect("three hits");
    assert_eq!(page.items().len(), 2);
    assert!(page.next_link().is_some());
    assert_eq!(page.sort_by.as_deref(), Some("newest"));
    let next = c
        .query()
        .next_page(&page)
        .await
        .expect("next")
        .expect("a second page");
    assert_eq!(next.items().len(), 1);
    assert!(next.next_link().is_none());
    assert!(next.link("prev").is_some());
    use futures_util::TryStreamExt;
    let streamed: Vec<Record> = c
        .query()
        .records_stream(Scope::Published, SearchQuery::new(word.clone()).size(1))
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(streamed.len(), 3, "every page followed");
    let mut ids: Vec<_> = streamed.iter().filter_map(|r| r.id.clone()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 3);
    let mine = c
        .query()
        .user_records(&SearchQuery::new(word.clone()))
        .await
        .expect("user records");
    assert_eq!(mine.total(), 3);
    let same = c
        .query()
        .records_of(Scope::Mine, &SearchQuery::new(word.clone()))
        .await
        .expect("records_of");
    assert_eq!(same.total(), 3);
    let phrase = c
        .query()
        .records(&SearchQuery::new(format!("\"{word} number 1\"")))
        .await
        .expect("phrase");
    assert_eq!(phrase.total(), 1);
    let filtered = c
        .query()
        .records(&SearchQuery::new(word.clone()).filter("resource_type", "dataset"))
        .await
        .expect("facet");
    assert_eq!(filtered.total(), 3);
    let none = c
        .query()
        .records(&SearchQuery::new(word.clone()).filter("resource_type", "software"))
        .await
        .expect("facet");
    assert_eq!(none.total(), 0);
    let all_versions = c
        .query()
        .records(&SearchQuery::new(word.clone()).all_versions(true))
        .await
        .expect("allversions");
    assert_eq!(all_versions.total(), 3);
    // Vocabularies.
    let eng = c
        .query()
        .term(&VocType::Languages, "eng")
        .await
        .expect("term");
    assert_eq!(
        eng.title
            .as_ref()
            .and_then(|t| t.get("en"))
            .map(String::as_str),
        Some("English")
    );
    let langs = c
        .query()
        .vocabulary(&VocType::Languages, &VocQuery::new().q("english"))
        .await
        .expect("languages");
    assert!(langs.items().iter().any(|t| t.id.as_deref() == Some("eng")));
    let rt = c
        .query()
        .vocabulary(&VocType::ResourceTypes, &VocQuery::new().size(5))
        .await
        .expect("resource types");
    assert_eq!(rt.items().len(), 5);
    assert!(rt.total() > 5 && rt.next_link().is_some());
    let lic = c
        .query()
        .term(&VocType::Licenses, "cc-by-4.0")
        .await
        .expect("license");
    assert_eq!(lic.id.as_deref(), Some("cc-by-4.0"));
    let funders = c
        .query()
        .vocabulary(&VocType::Funders, &VocQuery::new().size(3))
        .await
        .expect("funders");
    assert!(funders.total() > 0);
}

async fn error_statuses(env: &Env) {
    let c = &env.client;
    let err = c
        .records()
        .get("zzzzz-zzzzz")
        .await
        .expect_err("unknown id");
    assert!(err.is_not_found(), "{err}");
    let err = env
        .anon
        .drafts()
        .create(&new_draft("Anonymous"))
        .await
        .expect_err("anonymous write");
    assert!(err.is_permission_denied(), "{err}");
    let err = c
        .query()
        .records(&SearchQuery::all().size(0))
        .await
        .expect_err("size 0");
    assert_eq!(api_status(&err), 400);
    assert!(
        err.field_errors().iter().any(|f| f.field_name() == "size"),
        "{err}"
    );
    let err = c
        .query()
        .records(&SearchQuery::all().size(100).page(200))
        .await
        .expect_err("past the window");
    assert_eq!(api_status(&err), 400);
    let d = c
        .drafts()
        .create(&new_draft(&format!("Errors {}", env.tag)))
        .await
        .expect("create");
    let did = id(&d);
    let err = c
        .records()
        .get(&did)
        .await
        .expect_err("a draft is not a record");
    assert_eq!(api_status(&err), 404);
    let err = c
        .drafts()
        .new_version(&did)
        .await
        .expect_err("versions of a draft");
    assert_eq!(api_status(&err), 404);
    let err = env
        .anon
        .drafts()
        .get(&did)
        .await
        .expect_err("someone else's draft");
    assert!(err.is_permission_denied(), "{err}");
    let mut bad = new_draft("Unknown vocabulary");
    if let Some(m) = bad.metadata.as_mut() {
        m.resource_type = Some(VocabRef::id("no-such-type"));
    }
    let err = c
        .drafts()
        .create(&bad)
        .await
        .expect_err("unknown vocabulary id");
    assert_eq!(api_status(&err), 400);
}

async fn restricted_records_are_hidden(env: &Env) {
    let c = &env.client;
    let mut d = new_draft(&format!("Restricted {}", env.tag));
    d.access = Some(Access {
        record: Some(AccessPolicy::Restricted),
        files: Some(AccessPolicy::Restricted),
        ..Access::default()
    });
    d.files = Some(Files::disabled());
    let d = c.drafts().create(&d).await.expect("create");
    let rid = id(&d);
    c.drafts().publish(&rid).await.expect("publish");
    let own = c.records().get(&rid).await.expect("owner reads");
    assert_eq!(
        own.access.as_ref().and_then(|a| a.record.clone()),
        Some(AccessPolicy::Restricted)
    );
    let err = env
        .anon
        .records()
        .get(&rid)
        .await
        .expect_err("anonymous read");
    assert!(err.is_permission_denied(), "{err}");
    let q = format!("id:{rid}");
    // Wait until the owner finds it (the index is up to date), then search as someone else.
    let mut indexed = false;
    for _ in 0..40 {
        if c.query()
            .records(&SearchQuery::new(q.clone()))
            .await
            .expect("search")
            .total()
            == 1
        {
            indexed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert!(indexed, "the owner finds the restricted record");
    let found = env
        .anon
        .query()
        .records(&SearchQuery::new(q))
        .await
        .expect("search");
    assert_eq!(
        found.total(),
        0,
        "restricted records are not listed for others"
    );
    // A secret link lets its holder in; a wrong one does not.
    let link = c
        .records()
        .access_links()
        .create(&rid, &AccessLink::with_permission(LinkPermission::View))
        .await
        .expect("link");
    let token = link.token.expect("the link's secret");
    let seen = env
        .anon
        .raw()
        .get(&format!("records/{rid}?token={token}"))
        .await
        .expect("read with the secret link");
    assert_eq!(seen["id"].as_str(), Some(rid.as_str()));
    let err = env
        .anon
        .raw()
        .get(&format!("records/{rid}?token=not-{token}"))
        .await
        .expect_err("a wrong secret");
    assert!(err.is_permission_denied(), "{err}");
}

async fn doi_reserve_and_discard(env: &Env) {
    let c = &env.client;
    let d = c
        .drafts()
        .create(&new_draft(&format!("DOI {}", env.tag)))
        .await
        .expect("create");
    let did = id(&d);
    let r = c.drafts().reserve_doi(&did).await.expect("reserve a DOI");
    let doi = r.doi().expect("a DOI").to_string();
    assert!(doi.starts_with("10."), "{doi}");
    let back = c.drafts().discard_doi(&did).await.expect("discard");
    assert!(back.doi().is_none());
}

async fn discard_a_draft(env: &Env) {
    let c = &env.client;
    let d = c
        .drafts()
        .create(&new_draft(&format!("Discard {}", env.tag)))
        .await
        .expect("create");
    let did = id(&d);
    c.drafts().delete(&did).await.expect("delete");
    let err = c.drafts().get(&did).await.expect_err("gone");
    assert!(err.is_not_found(), "{err}");
}

async fn raw_escape_hatch(env: &Env) {
    let v = env
        .client
        .raw()
        .get("records?size=1")
        .await
        .expect("raw get");
    assert!(v["hits"]["hits"].is_array());
    let err = env
        .client
        .raw()
        .get("https://elsewhere.example/api/records")
        .await
        .expect_err("absolute URL refused");
    assert!(matches!(err, Error::InvalidArgument(_)));
    let body = serde_json::to_value(new_draft(&format!("Raw {}", env.tag))).expect("json");
    let created = env
        .client
        .raw()
        .post("records", &body)
        .await
        .expect("raw post");
    let rid = created["id"].as_str().expect("id").to_string();
    let fetched = env
        .client
        .raw()
        .get(&format!("records/{rid}/draft"))
        .await
        .expect("raw get draft");
    assert_eq!(fetched["id"], created["id"]);
    env.client
        .raw()
        .delete(&format!("records/{rid}/draft"))
        .await
        .expect("raw delete");
}

async fn update_round_trip_changes_nothing(env: &Env) {
    let c = &env.client;
    let mut d = new_draft(&format!("Round trip {}", env.tag));
    if let Some(m) = d.metadata.as_mut() {
        m.subjects = Some(vec![Subject {
            subject: Some("oceanography".into()),
            ..Default::default()
        }]);
        m.dates = Some(vec![DateEntry {
            date: Some("2020-01/2020-06".into()),
            kind: Some(VocabRef::id("collected")),
            ..Default::default()
        }]);
        m.related_identifiers = Some(vec![RelatedIdentifier {
            identifier: Some("10.1234/related".into()),
            scheme: Some("doi".into()),
            relation_type: Some(VocabRef::id("issupplementto")),
            ..Default::default()
        }]);
        m.additional_descriptions = Some(vec![AdditionalText {
            description: Some("Methods text.".into()),
            kind: Some(VocabRef::id("methods")),
            ..Default::default()
        }]);
        m.funding = Some(vec![Funding {
            funder: Some(Funder {
                id: Some("00k4n6c32".into()),
                ..Default::default()
            }),
            ..Default::default()
        }]);
        m.locations = Some(Locations {
            features: Some(vec![LocationFeature {
                geometry: Some(serde_json::json!({"type": "Point", "coordinates": [6.05, 46.23]})),
                place: Some("Geneva".into()),
                ..Default::default()
            }]),
            ..Default::default()
        });
        m.references = Some(vec![Reference {
            reference: Some("A reference.".into()),
            ..Default::default()
        }]);
        m.publisher = Some("Conformance".into());
        m.sizes = Some(vec!["1 file".into()]);
        m.formats = Some(vec!["text/plain".into()]);
        m.identifiers = Some(vec![Identifier {
            identifier: Some("local-1".into()),
            scheme: Some("other".into()),
            ..Default::default()
        }]);
    }
    let created = c.drafts().create(&d).await.expect("create");
    let problems: Vec<String> = created
        .validation_errors()
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert!(problems.is_empty(), "{problems:?}");
    let did = id(&created);
    let before = c.drafts().get(&did).await.expect("get");
    // The draft as read, sent back unchanged: nothing may change but the revision.
    let after_put = c.drafts().update(&did, &before).await.expect("update");
    let problems: Vec<String> = after_put
        .validation_errors()
        .iter()
        .filter(|e| e.field_name() != "files.enabled")
        .map(|e| e.to_string())
        .collect();
    assert!(
        problems.is_empty(),
        "sending a draft back unchanged reported {problems:?}"
    );
    let after = c.drafts().get(&did).await.expect("get again");
    assert_eq!(after.metadata, before.metadata);
    assert_eq!(after.access, before.access);
    assert_eq!(after.pids, before.pids);
    assert_eq!(after.custom_fields, before.custom_fields);
    assert_eq!(
        after.files.as_ref().map(Files::settings),
        before.files.as_ref().map(Files::settings)
    );
    assert!(after.revision_id > before.revision_id);
}

async fn resumed_and_corrupt_downloads(env: &Env) {
    let c = &env.client;
    let data: Vec<u8> = (0..500_000u32)
        .map(|i| (i.wrapping_mul(7919) >> 5) as u8)
        .collect();
    let r = published(env, &format!("Resume {}", env.tag), &[("r.bin", &data)]).await;
    let rid = id(&r);
    let opts = DownloadOptions {
        resume: true,
        ..Default::default()
    };
    // A correct partial download is continued (or restarted when the server ignores Range).
    let dest = env.dir.join("resume").join("r.bin");
    std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
    std::fs::write(inveniordm::transfer::part_path(&dest), &data[..123_456]).expect("write part");
    let done = c
        .records()
        .download_to(&rid, "r.bin", &dest, &opts)
        .await
        .expect("resumed");
    if env.real {
        // Real InvenioRDM answers Range with the whole file: starting over is right there.
        assert!(
            done.resumed_from == 123_456 || done.resumed_from == 0,
            "{}",
            done.resumed_from
        );
        println!(
            "  resumed_and_corrupt_downloads: lenient on a real server; resumed from {}",
            done.resumed_from
        );
    } else {
        // The sandbox honours Range: the download must go on from the partial file.
        assert_eq!(
            done.resumed_from, 123_456,
            "resuming is pinned where Range works"
        );
    }
    assert_eq!(std::fs::read(&dest).expect("read"), data);
    // A corrupt partial download never becomes the file: either the server ignored Range and
    // it started over, or the checksum caught it and the partial file is gone.
    let dest = env.dir.join("corrupt").join("r.bin");
    std::fs::create_dir_all(dest.parent().expect("parent")).expect("mkdir");
    let part = inveniordm::transfer::part_path(&dest);
    std::fs::write(&part, vec![0u8; 1000]).expect("write part");
    match c.records().download_to(&rid, "r.bin", &dest, &opts).await {
        Ok(_) => {
            // Only a server that ignores Range can hand over a whole, correct file here.
            assert!(
                env.real,
                "the sandbox resumes, so the corrupt start must be caught"
            );
            assert_eq!(std::fs::read(&dest).expect("read"), data)
        }
        Err(Error::Checksum { .. }) => {
            assert!(
                !dest.exists() && !part.exists(),
                "nothing left that looks complete"
            );
            c.records()
                .download_to(&rid, "r.bin", &dest, &opts)
                .await
                .expect("second try");
            assert_eq!(std::fs::read(&dest).expect("read"), data);
        }
        Err(e) => panic!("{e}"),
    }
}

async fn many_files_at_once(env: &Env) {
    use inveniordm::repo::{
        DownloadFilesOptions, DownloadOutcome, UploadFilesOptions, UploadOutcome,
    };
    let c = &env.client;
    let d = c
        .drafts()
        .create(&new_draft(&format!("Batch {}", env.tag)))
        .await
        .expect("create");
    let did = id(&d);
    let mut files = Vec::new();
    for i in 0..6 {
        let key = if i % 2 == 0 {
            format!("part-{i}.bin")
        } else {
            format!("sub/dir/part-{i}.bin")
        };
        let data: Vec<u8> = (0..(20_000 + i * 997))
            .map(|b| (b * (i + 3)) as u8)
            .collect();
        files.push((write(env, &format!("batch-{i}"), &data).await, key));
    }
    let opts = UploadFilesOptions {
        jobs: std::num::NonZeroUsize::new(3).expect("not zero"),
        ..Default::default()
    };
    let first = c
        .repo()
        .upload_files(&did, &files, &opts)
        .await
        .expect("upload");
    assert_eq!(first.len(), 6);
    assert!(
        first
            .iter()
            .all(|(_, r)| matches!(r, Ok(UploadOutcome::Uploaded { .. }))),
        "{first:?}"
    );
    let again = c
        .repo()
        .upload_files(&did, &files, &opts)
        .await
        .expect("again");
    assert!(
        again
            .iter()
            .all(|(_, r)| matches!(r, Ok(UploadOutcome::AlreadyThere(_)))),
        "{again:?}"
    );
    // Other content under an existing key: refused unless replacing, and then replaced.
    let changed = write(env, "batch-changed", b"changed").await;
    let one = vec![(changed, files[0].1.clone())];
    assert!(
        c.repo().upload_files(&did, &one, &opts).await.is_err(),
        "replacing needs consent"
    );
    let replaced = c
        .repo()
        .upload_files(
            &did,
            &one,
            &UploadFilesOptions {
                replace: true,
                ..opts.clone()
            },
        )
        .await
        .expect("replace");
    assert!(matches!(replaced[0].1, Ok(UploadOutcome::Uploaded { .. })));
    c.drafts().publish(&did).await.expect("publish");

    let out = env.dir.join("batch-out");
    let dopts = DownloadFilesOptions {
        jobs: std::num::NonZeroUsize::new(3).expect("not zero"),
        ..Default::default()
    };
    let got = c
        .repo()
        .download_files(&did, None, &out, &dopts)
        .await
        .expect("download");
    assert_eq!(got.len(), 6);
    for (key, r) in &got {
        assert!(
            matches!(r, Ok(DownloadOutcome::Downloaded(d)) if d.verified),
            "{key}: {r:?}"
        );
    }
    assert_eq!(
        std::fs::read(out.join("part-0.bin")).expect("read"),
        b"changed"
    );
    let expected1 = std::fs::read(&files[1].0).expect("read");
    assert_eq!(
        std::fs::read(out.join("sub/dir/part-1.bin")).expect("read"),
        expected1
    );
    let again = c
        .repo()
        .download_files(&did, None, &out, &dopts)
        .await
        .expect("again");
    assert!(
        again
            .iter()
            .all(|(_, r)| matches!(r, Ok(DownloadOutcome::AlreadyThere(_))))
    );
    std::fs::write(out.join("part-2.bin"), b"local edit").expect("write");
    assert!(
        c.repo()
            .download_files(&did, Some(&["part-2.bin".to_string()]), &out, &dopts)
            .await
            .is_err(),
        "no silent overwrite"
    );
    assert_eq!(
        std::fs::read(out.join("part-2.bin")).expect("read"),
        b"local edit"
    );
    let some = c
        .repo()
        .download_files(
            &did,
            Some(&["part-2.bin".to_string()]),
            &out,
            &DownloadFilesOptions {
                overwrite: true,
                ..dopts.clone()
            },
        )
        .await
        .expect("overwrite");
    assert_eq!(some.len(), 1);
    // Keys the record lacks are each reported; the keys it has are still fetched, and a key
    // named twice is fetched once.
    let keys: Vec<String> = ["nope", "part-0.bin", "gone/x", "part-0.bin"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let mixed = c
        .repo()
        .download_files(&did, Some(&keys), &out, &dopts)
        .await
        .expect("the batch runs");
    assert_eq!(mixed.len(), 3, "{mixed:?}");
    let missing: Vec<&str> = mixed
        .iter()
        .filter(|(_, r)| matches!(r, Err(e) if e.is_not_found()))
        .map(|(k, _)| k.as_str())
        .collect();
    assert_eq!(missing, ["nope", "gone/x"]);
    assert!(mixed.iter().any(|(k, r)| k == "part-0.bin" && r.is_ok()));
}

async fn next_version_in_one_call(env: &Env) {
    let c = &env.client;
    let v1 = published(
        env,
        &format!("Planned versions {}", env.tag),
        &[("a.txt", b"a1"), ("b.txt", b"b1"), ("c.txt", b"c1")],
    )
    .await;
    let v1id = id(&v1);
    let mut m = metadata(&format!("Planned versions {} (v2)", env.tag));
    m.version = Some("v2".into());
    m.publication_date = Some("2026-11-27".into());
    let plan = inveniordm::repo::NewVersionPlan {
        remove: vec!["b.txt".into()],
        add: vec![
            (write(env, "c2", b"c2").await, "c.txt".into()),
            (write(env, "d2", b"d2").await, "d.txt".into()),
        ],
        metadata: Some(m),
        publish: true,
        jobs: std::num::NonZeroUsize::new(2).expect("not zero"),
        ..Default::default()
    };
    let v2 = c
        .repo()
        .new_version(&v1id, &plan)
        .await
        .expect("new version");
    let v2id = id(&v2);
    assert_ne!(v2id, v1id);
    assert_eq!(v2.is_published, Some(true));
    assert_eq!(
        v2.metadata.as_ref().and_then(|m| m.version.as_deref()),
        Some("v2")
    );
    let mut keys: Vec<String> = c
        .records()
        .files(&v2id)
        .await
        .expect("files")
        .iter()
        .filter_map(|f| f.key.clone())
        .collect();
    keys.sort();
    assert_eq!(keys, vec!["a.txt", "c.txt", "d.txt"]);
    for (rid, key, want) in [
        (&v2id, "a.txt", &b"a1"[..]),
        (&v2id, "c.txt", b"c2"),
        (&v2id, "d.txt", b"d2"),
        (&v1id, "b.txt", b"b1"),
        (&v1id, "c.txt", b"c1"),
    ] {
        let got = c
            .records()
            .file_download(rid, key)
            .await
            .expect("dl")
            .bytes()
            .await
            .expect("read");
        assert_eq!(got, want, "{rid} {key}");
    }
}

/// Whether a text is well-formed XML.
fn well_formed_xml(text: &str) -> Result<(), String> {
    let mut r = quick_xml::Reader::from_str(text);
    let mut depth: i64 = 0;
    let mut elements = 0;
    loop {
        match r.read_event() {
            Ok(quick_xml::events::Event::Start(_)) => {
                depth += 1;
                elements += 1;
            }
            Ok(quick_xml::events::Event::Empty(_)) => elements += 1,
            Ok(quick_xml::events::Event::End(_)) => depth -= 1,
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(_) => {}
            Err(e) => return Err(e.to_string()),
        }
    }
    if depth != 0 || elements == 0 {
        return Err(format!(
            "unbalanced or empty ({depth} open, {elements} elements)"
        ));
    }
    Ok(())
}

/// Every export format the server offers, fetched and parsed; on the sandbox, the formats it
/// does not produce answer 406.
async fn exports_in_every_format(env: &Env) {
    use inveniordm::api::ExportFormat;
    let c = &env.client;
    let title = format!("Exported {}", env.tag);
    let r = published(env, &title, &[("data.csv", b"t,v\n1,2\n")]).await;
    let rid = id(&r);
    // What the sandbox produces; a real server serves them all.
    let sandbox_serves = ["json", "rdm-json", "csl", "datacite-json", "bibtex"];
    for name in ExportFormat::names() {
        let f = ExportFormat::from_name(name).expect("a known name");
        let got = c.records().export(&rid, &f).await;
        let x = match got {
            Err(e) if !env.real && !sandbox_serves.contains(&name) => {
                assert_eq!(e.status(), Some(406), "{name}: {e}");
                continue;
            }
            other => other.unwrap_or_else(|e| panic!("{name}: {e}")),
        };
        let text = x.text();
        let ct = x.content_type.clone().unwrap_or_default();
        match name {
            "bibtex" => {
                assert!(text.trim_start().starts_with('@'), "{name}: {text}");
                assert!(
                    text.contains(&title) && text.contains("Lovelace"),
                    "{name}: {text}"
                );
                assert!(
                    text.contains(&rid),
                    "{name}: the key names the record: {text}"
                );
            }
            "csl" => {
                let v: serde_json::Value = serde_json::from_str(&text).expect("CSL-JSON");
                assert_eq!(v["title"], title.as_str());
                assert_eq!(v["id"], rid.as_str());
                assert_eq!(v["author"][0]["family"], "Lovelace");
                assert_eq!(v["type"], "dataset");
            }
            "datacite-json" => {
                let v: serde_json::Value = serde_json::from_str(&text).expect("DataCite JSON");
                assert_eq!(v["titles"][0]["title"], title.as_str());
                assert_eq!(v["creators"][0]["familyName"], "Lovelace");
                assert_eq!(v["types"]["resourceTypeGeneral"], "Dataset");
                // v13 lists the record's address under `identifiers`, v14 under
                // `alternateIdentifiers`.
                let ids = format!("{}{}", v["identifiers"], v["alternateIdentifiers"]);
                assert!(
                    ids.contains(&rid),
                    "the record's identifier is there: {ids}"
                );
            }
            "json" | "rdm-json" => {
                let v: Record = serde_json::from_str(&text).expect("a record");
                assert_eq!(v.id.as_deref(), Some(rid.as_str()));
            }
            "json-ld" | "geojson" | "linkset" | "codemeta" => {
                let v: serde_json::Value =
                    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}: {text}"));
                assert!(v.is_object() || v.is_array(), "{name}: {text}");
            }
            "datacite-xml" | "dublincore" | "marcxml" | "dcat" => {
                well_formed_xml(&text).unwrap_or_else(|e| panic!("{name} is not XML: {e}: {text}"));
                assert!(text.contains(&title), "{name} holds the title");
            }
            "csv" | "csv-simple" => {
                let header = text.lines().next().unwrap_or("");
                assert!(header.contains(','), "{name}: {text}");
                assert!(text.contains(&title), "{name} holds the title");
            }
            "cff" => {
                assert!(text.contains("cff-version"), "{name}: {text}");
                assert!(text.contains(&title), "{name} holds the title");
            }
            other => panic!("no check for {other}"),
        }
        assert!(!ct.is_empty(), "{name}: a content type");
    }
    let cite = c
        .records()
        .cite(&rid, Some("apa"), None)
        .await
        .expect("citation");
    assert!(cite.contains(&title) && cite.contains("Lovelace"), "{cite}");
    assert!(
        c.records()
            .cite(&rid, Some("no-such-style"), None)
            .await
            .is_err()
    );
}

pub async fn multipart_upload(env: &Env) {
    use inveniordm::transfer::{Multipart, UploadOptions};
    let c = &env.client;
    let d = c
        .drafts()
        .create(&new_draft(&format!("Multipart {}", env.tag)))
        .await
        .expect("create");
    let did = id(&d);
    // 2.5 MB in parts of 1 MB: two full parts and a short last one.
    let data: Vec<u8> = (0..2_500_000u32)
        .map(|i| (i.wrapping_mul(31) >> 3) as u8)
        .collect();
    let p = write(env, "parts.bin", &data).await;
    let opts = UploadOptions {
        multipart: Multipart::Always,
        part_size: Some(1_000_000),
        parallel_parts: std::num::NonZeroUsize::new(3).expect("not zero"),
        ..UploadOptions::default()
    };
    let entry = c
        .drafts()
        .file_upload_with(&did, &p, &opts)
        .await
        .expect("multipart upload");
    assert!(entry.is_completed());
    assert_eq!(
        entry.md5(),
        Some(md5_hex(&data).as_str()),
        "the server's md5"
    );
    assert_eq!(entry.size, Some(data.len() as u64));
    let back = c
        .drafts()
        .file_download(&did, "parts.bin")
        .await
        .expect("download")
        .bytes()
        .await
        .expect("body");
    assert!(back == data, "the parts were joined in order");
    // A part size that would make too many parts is refused before anything is sent.
    let err = c
        .drafts()
        .file_upload_with(
            &did,
            &p,
            &UploadOptions {
                key: Some("tiny-parts.bin".into()),
                part_size: Some(100),
                ..opts.clone()
            },
        )
        .await
        .expect_err("25 000 parts");
    assert!(matches!(err, Error::InvalidArgument(_)), "{err}");
    let listing = c.drafts().files(&did).await.expect("files");
    assert!(
        listing.get("tiny-parts.bin").is_none(),
        "nothing was registered"
    );
    c.drafts()
        .publish(&did)
        .await
        .expect("publish with a multipart file");
}

pub async fn listing_split_by_id(env: &Env) {
    use futures_util::TryStreamExt;
    let c = &env.client;
    let word = format!("Split{}", env.tag);
    let mut made = std::collections::BTreeSet::new();
    for i in 0..6 {
        let mut d = new_draft(&format!("{word} {i}"));
        d.files = Some(Files::disabled());
        made.insert(id(&c.drafts().create(&d).await.expect("create")));
    }
    let q = SearchQuery::new(format!("metadata.title:{word}"));
    let mut seen = 0;
    for _ in 0..40 {
        seen = c.query().user_records(&q).await.expect("search").total();
        if seen == 6 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    assert_eq!(seen, 6, "the six drafts are indexed");
    // A window of two: the query is split by id, each draft comes once.
    let listed: Vec<Record> = c
        .query()
        .records_split(Scope::Mine, q, 2)
        .try_collect()
        .await
        .expect("split listing");
    let ids: Vec<String> = listed.iter().filter_map(|r| r.id.clone()).collect();
    let unique: std::collections::BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(ids.len(), 6, "no draft twice: {ids:?}");
    assert_eq!(unique, made);
}

/// Stops a source of [`serve_bytes`] and waits until its port is free again (an aborted
/// task drops its listener only when it is next run: the next scenario may bind the port).
async fn stop(server: tokio::task::JoinHandle<()>) {
    server.abort();
    let _ = server.await;
}

/// A small HTTP source on `host` serving `body` at `path` (404 elsewhere) for a bounded
/// number of connections; the flag turns true if a request carried an `Authorization`
/// header.
async fn serve_bytes(
    host: &str,
    path: &str,
    body: Vec<u8>,
) -> (
    tokio::task::JoinHandle<()>,
    std::sync::Arc<std::sync::atomic::AtomicBool>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind(host)
        .await
        .unwrap_or_else(|e| panic!("serving on {host}: {e}"));
    let saw_auth = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let seen = saw_auth.clone();
    let wanted = format!("GET {path} ");
    let server = tokio::spawn(async move {
        // A bounded number of connections: the scenarios make a few each.
        for _ in 0..8 {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let body = body.clone();
            let wanted = wanted.clone();
            let seen = seen.clone();
            tokio::spawn(async move {
                let mut req = vec![0u8; 8192];
                let n = s.read(&mut req).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&req[..n]).to_ascii_lowercase();
                if head.contains("\r\nauthorization:") {
                    seen.store(true, std::sync::atomic::Ordering::SeqCst);
                }
                let reply = if head.starts_with(&wanted.to_ascii_lowercase()) {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/octet-stream\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend_from_slice(&body);
                    r
                } else {
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .to_vec()
                };
                let _ = s.write_all(&reply).await;
            });
        }
    });
    (server, saw_auth)
}

pub async fn fetch_by_url(env: &Env) {
    let c = &env.client;
    let body: Vec<u8> = (0..400_000u32)
        .map(|i| (i.wrapping_mul(7) >> 2) as u8)
        .collect();
    let (server, _) = serve_bytes(&env.fetch_host, "/source.bin", body.clone()).await;
    let d = c
        .drafts()
        .create(&new_draft(&format!("Fetched {}", env.tag)))
        .await
        .expect("create");
    let did = id(&d);
    let url = format!("http://{}/source.bin", env.fetch_host);
    let wait = std::time::Duration::from_secs(60);
    let entry = c
        .drafts()
        .file_fetch(
            &did,
            "source.bin",
            &url,
            &FetchOptions::default().md5(md5_hex(&body)).wait(wait),
        )
        .await
        .expect("the server fetched the file");
    assert_eq!(entry.size, Some(body.len() as u64));
    assert_eq!(entry.md5(), Some(md5_hex(&body).as_str()));
    let back = c
        .drafts()
        .file_download(&did, "source.bin")
        .await
        .expect("download")
        .bytes()
        .await
        .expect("body");
    assert!(back == body, "the fetched bytes are the source's");
    let refused = c
        .drafts()
        .file_fetch(
            &did,
            "elsewhere.bin",
            "http://198.51.100.7/x.bin",
            &FetchOptions::default().wait(wait),
        )
        .await
        .expect_err("a domain the server does not allow");
    assert_eq!(refused.status(), Some(400), "{refused}");
    stop(server).await;
}

pub async fn remote_file(env: &Env) {
    let c = &env.client;
    let body: Vec<u8> = (0..150_000u32)
        .map(|i| (i.wrapping_mul(13) >> 3) as u8)
        .collect();
    let md5 = md5_hex(&body);
    // The server keeps one file per URL, so each run links its own.
    let path = format!("/linked-{}.bin", env.tag);
    let (server, saw_auth) = serve_bytes(&env.fetch_host, &path, body.clone()).await;
    let url = format!("http://{}{path}", env.fetch_host);
    let d = c
        .drafts()
        .create(&new_draft(&format!("Remote {}", env.tag)))
        .await
        .expect("create");
    let did = id(&d);
    let entry = c
        .drafts()
        .file_remote(
            &did,
            "linked.bin",
            &url,
            &RemoteFile::new(body.len() as u64, md5.clone()),
        )
        .await
        .expect("an administrator links a remote file");
    assert!(entry.is_remote(), "{entry:?}");
    assert!(entry.is_completed(), "complete at once: {entry:?}");
    assert_eq!(entry.size, Some(body.len() as u64));
    assert_eq!(entry.md5(), Some(md5.as_str()));
    let shown = serde_json::to_value(&entry).expect("json");
    assert!(
        !shown.to_string().contains(&path),
        "the URL is never shown: {shown}"
    );
    // The same URL again, declared with nothing: the server's one file for that URL.
    let again = c
        .drafts()
        .file_remote(&did, "again.bin", &url, &RemoteFile::default())
        .await
        .expect("the same URL under a second key");
    assert_eq!(again.md5(), Some(md5.as_str()), "{again:?}");
    assert_eq!(again.size, Some(body.len() as u64));
    c.drafts()
        .file_delete(&did, "again.bin")
        .await
        .expect("delete");
    let refused = c
        .drafts()
        .file_remote(
            &did,
            "elsewhere.bin",
            "http://198.51.100.7/x.bin",
            &RemoteFile::default(),
        )
        .await
        .expect_err("a domain the server does not allow");
    assert_eq!(refused.status(), Some(400), "{refused}");
    let theirs = env
        .second
        .drafts()
        .create(&new_draft(&format!("Remote, second user {}", env.tag)))
        .await
        .expect("create as the second user");
    let denied = env
        .second
        .drafts()
        .file_remote(&id(&theirs), "linked.bin", &url, &RemoteFile::default())
        .await
        .expect_err("only administrators link remote files");
    assert_eq!(denied.status(), Some(403), "{denied}");
    let record = c
        .drafts()
        .publish(&did)
        .await
        .expect("publish with a remote file");
    assert_eq!(record.is_published, Some(true));
    let listed = c.records().files(&did).await.expect("files");
    let e = listed
        .get("linked.bin")
        .expect("the remote file is published");
    assert!(e.is_remote(), "{e:?}");
    // The administrator's download is sent on to the URL, and checked against the md5
    // declared; the token does not follow it there.
    let dest = env.dir.join(format!("remote-{}.bin", env.tag));
    let got = c
        .records()
        .download_to(&did, "linked.bin", &dest, &Default::default())
        .await
        .expect("download through the redirect");
    assert_eq!(got.md5, md5);
    assert!(std::fs::read(&dest).expect("read") == body);
    assert!(
        !saw_auth.load(std::sync::atomic::Ordering::SeqCst),
        "the token was sent to the remote host"
    );
    // Others cannot follow it, even on a public record.
    let other = env
        .anon
        .records()
        .file_download(&did, "linked.bin")
        .await
        .expect_err("a guest is not sent on");
    assert_eq!(other.status(), Some(403), "{other}");
    stop(server).await;
}

pub async fn run_all(env: &Env) -> (usize, Vec<(String, String)>) {
    run(env, all()).await
}

pub async fn run(
    env: &Env,
    scenarios: Vec<(&'static str, Scenario)>,
) -> (usize, Vec<(String, String)>) {
    use futures_util::FutureExt;
    let mut passed = 0;
    let mut failed = Vec::new();
    for (name, f) in scenarios {
        let started = std::time::Instant::now();
        let r = std::panic::AssertUnwindSafe(f(env)).catch_unwind().await;
        match r {
            Ok(()) => {
                passed += 1;
                eprintln!("  ok   {name} ({:.1}s)", started.elapsed().as_secs_f64());
            }
            Err(p) => {
                let msg = p
                    .downcast_ref::<String>()
                    .cloned()
                    .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                    .unwrap_or_default();
                eprintln!("  FAIL {name}: {msg}");
                failed.push((name.to_string(), msg));
            }
        }
    }
    (passed, failed)
}

pub fn exists(p: &Path) -> bool {
    p.exists()
}
