//! The shared state of a running sandbox (the app, its writer thread, limits) and what every
//! handler uses: the request context, body and header checks, URL encoding of links.

use crate::faults::Faults;
use crate::model::State;
use crate::store::{Op, Store};
use crate::util::{ApiError, ApiResult};
use crate::vocab::Vocabularies;
use axum::http::StatusCode;
use axum::response::Response;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, Weak};
use std::time::{SystemTime, UNIX_EPOCH};

mod http;
mod writer;

pub use self::http::*;
use self::writer::Writer;

tokio::task_local! {
    /// The latest commit a request's changes were handed to (0: none).
    static PENDING: std::cell::Cell<u64>;
}

/// SHA-256 of a token, hex.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Limits and behaviour of a running server.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Largest JSON request body.
    pub max_json_body: usize,
    /// Largest file content.
    pub max_file_size: u64,
    /// Requests per window per client (user agent + address).
    pub rate_limit_per_minute: u32,
    /// Searches per window per client, counted apart from the rest (`None`: searches count
    /// in the one budget).
    pub search_rate_limit: Option<u32>,
    /// The most bytes a record's files may hold together.
    pub max_record_bytes: u64,
    /// Bytes a second one upload request's body is read at (0: no cap), as a server behind a
    /// per-connection bandwidth cap.
    pub conn_rate: u64,
    /// The largest request body (`MAX_CONTENT_LENGTH`): a larger single-stream upload or part
    /// is answered 413.
    pub max_content_length: u64,
    /// Window length in seconds (60 on real servers).
    pub rate_window_secs: u64,
    /// DOI prefix for reservations.
    pub doi_prefix: String,
    /// InvenioRDM major version imitated (13 or 14).
    pub rdm_version: u8,
    /// Whether owners may delete their records within the grace period (v14,
    /// `RDM_IMMEDIATE_RECORD_DELETION_ENABLED`; off on a stock instance).
    pub immediate_deletion: bool,
    /// Whether users may ask to join communities whose member policy is open
    /// (`COMMUNITIES_ALLOW_MEMBERSHIP_REQUESTS`).
    pub membership_requests: bool,
    /// Whether a record can only be published through a community
    /// (`RDM_COMMUNITY_REQUIRED_TO_PUBLISH`).
    pub community_required: bool,
    /// Hosts (`host:port`) files may be fetched from (transfer type `F`,
    /// `RECORDS_RESOURCES_FILES_ALLOWED_DOMAINS`).
    pub fetch_domains: Vec<String>,
    /// How long a fetch may make no progress before it fails.
    pub fetch_idle: std::time::Duration,
    /// Hosts (`host:port`) remote files may point to (transfer type `R`,
    /// `RECORDS_RESOURCES_FILES_ALLOWED_REMOTE_DOMAINS`).
    pub remote_domains: Vec<String>,
    /// The custom fields drafts may carry (`RDM_CUSTOM_FIELDS`), by name.
    pub custom_fields: Vec<String>,
}

/// Counts of what a sandbox did since it started.
#[derive(Debug, Default)]
pub struct Counters {
    /// Multipart parts stored.
    pub parts_stored: AtomicU64,
    /// Multipart parts answered with a fault (`refuse_part_once`, `refuse_all_parts`,
    /// `fail_part_once`) and not stored.
    pub parts_faulted: AtomicU64,
    /// Requests answered 429 for the rate limit.
    pub rate_limited: AtomicU64,
    /// API requests answered (any status).
    pub requests: AtomicU64,
    /// Of those, searches (counted in the search budget where there is one).
    pub searches: AtomicU64,
    /// Single-stream uploads whose entry was checked and whose body is being read.
    pub uploads_begun: AtomicU64,
    /// File contents being sent (whole or a range), of records and drafts.
    pub downloads: AtomicU64,
    /// Bytes of file content those answers carry.
    pub bytes_sent: AtomicU64,
}

/// The name of the default user, the instance's administrator.
pub const ADMIN: &str = "sandbox";

/// Shared server state.
pub struct App {
    /// The documents.
    pub st: Mutex<State>,
    /// Persistence.
    pub store: Arc<Store>,
    /// Vocabularies.
    pub vocab: Vocabularies,
    /// Limits.
    pub limits: Limits,
    /// Fault injection.
    pub faults: Faults,
    /// Users by token hash (tokens are fixed at start).
    tokens: HashMap<String, i64>,
    /// The administrator's user id.
    admin: Option<i64>,
    /// Downloads dropped so far by `Faults::drop_first`.
    pub dropped: std::sync::atomic::AtomicU32,
    /// Commit answers lost so far by `Faults::lose_commits`.
    pub commits_lost: std::sync::atomic::AtomicU32,
    /// Whether `Faults::refuse_part_once` was spent.
    pub part_refused: std::sync::atomic::AtomicBool,
    /// Whether `Faults::fail_part_once` was spent.
    pub part_failed: std::sync::atomic::AtomicBool,
    /// What the server did so far, for tests and benchmarks
    /// ([`Sandbox::counters`](crate::Sandbox::counters)).
    pub counters: Arc<Counters>,
    /// The md5s of multipart files being computed as their parts arrive.
    pub prefix_hashes: crate::prefix_hash::PrefixHashes,
    rate: Mutex<HashMap<String, (u64, u32)>>,
    journal: Mutex<Vec<Op>>,
    writer: Writer,
    /// The app itself, for work that outlives a request (fetch transfers).
    me: Weak<App>,
}

/// The locked state. When released, the changes recorded while it was held are handed to the
/// writer thread, which commits them to SQLite in one transaction and then removes content
/// blobs no file uses any more. If a commit fails, the state is reloaded from the store and
/// the requests whose changes were lost are answered 500, so no answer claims what the disk
/// does not hold.
pub struct StateGuard<'a> {
    guard: std::sync::MutexGuard<'a, State>,
    app: &'a App,
}

impl std::ops::Deref for StateGuard<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        &self.guard
    }
}

impl std::ops::DerefMut for StateGuard<'_> {
    fn deref_mut(&mut self) -> &mut State {
        &mut self.guard
    }
}

impl Drop for StateGuard<'_> {
    fn drop(&mut self) {
        let ops = std::mem::take(&mut *self.app.journal());
        if ops.is_empty() {
            return;
        }
        let seq = self.app.writer.submit(ops);
        let _ = PENDING.try_with(|p| p.set(p.get().max(seq)));
    }
}

impl App {
    /// Starts an app over a loaded state (and its writer thread).
    pub fn start(st: State, store: Store, limits: Limits, faults: Faults) -> Arc<Self> {
        let store = Arc::new(store);
        let tokens = st
            .users
            .iter()
            .flat_map(|u| u.tokens.iter().map(move |t| (t.clone(), u.id)))
            .collect();
        let admin = st.users.iter().find(|u| u.name == ADMIN).map(|u| u.id);
        Arc::new_cyclic(|weak| Self {
            st: Mutex::new(st),
            store: store.clone(),
            vocab: Vocabularies::load(),
            limits,
            faults,
            tokens,
            admin,
            dropped: std::sync::atomic::AtomicU32::new(0),
            commits_lost: std::sync::atomic::AtomicU32::new(0),
            part_refused: std::sync::atomic::AtomicBool::new(false),
            part_failed: std::sync::atomic::AtomicBool::new(false),
            counters: Arc::default(),
            prefix_hashes: Default::default(),
            rate: Mutex::new(HashMap::new()),
            journal: Mutex::new(Vec::new()),
            writer: Writer::start(store, weak.clone()),
            me: weak.clone(),
        })
    }

    /// Runs a request's handler; answers only once the changes it made are committed (500
    /// when their commit failed).
    pub async fn durable<F: std::future::Future<Output = Response>>(&self, f: F) -> Response {
        let (resp, seq) = PENDING
            .scope(std::cell::Cell::new(0), async {
                let r = f.await;
                (r, PENDING.with(|p| p.get()))
            })
            .await;
        if seq > 0 && !self.writer.wait(seq).await {
            return ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
                .response();
        }
        resp
    }

    /// The user a token belongs to.
    pub fn user_of_token(&self, token: &str) -> Option<i64> {
        self.tokens.get(&hash_token(token)).copied()
    }

    /// The app as a shared handle (for background work).
    pub fn handle(&self) -> Option<Arc<App>> {
        self.me.upgrade()
    }

    /// Whether a user is the administrator.
    pub fn is_admin(&self, user: Option<i64>) -> bool {
        user.is_some() && user == self.admin
    }

    /// Locks the state. Changes made through the guard are written to the store in one
    /// transaction when it is released (see [`StateGuard`]).
    pub fn state(&self) -> StateGuard<'_> {
        StateGuard {
            guard: self.st.lock().unwrap_or_else(|e| e.into_inner()),
            app: self,
        }
    }

    /// Records a document write; it reaches the store when the state lock is released.
    pub fn persist<T: serde::Serialize>(
        &self,
        table: &'static str,
        id: &str,
        doc: &T,
    ) -> ApiResult<()> {
        let doc = serde_json::to_string(doc).map_err(|e| {
            tracing::error!(error = %e, "document not serialisable");
            ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
        })?;
        self.journal().push(Op::Put {
            table,
            id: id.to_string(),
            doc,
        });
        Ok(())
    }

    /// Records a content blob to remove after the next commit, unless a file still uses it.
    pub fn drop_blob(&self, blob: String) {
        self.journal().push(Op::DropBlob(blob));
    }

    fn journal(&self) -> std::sync::MutexGuard<'_, Vec<Op>> {
        self.journal.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Removes every file of a bucket, and the contents no other file shares.
    pub fn clear_bucket(&self, st: &mut State, bucket: &str) -> ApiResult<()> {
        let keys: Vec<(String, String)> = st
            .bucket(bucket)
            .iter()
            .map(|f| (f.bucket.clone(), f.key.clone()))
            .collect();
        let mut blobs = Vec::new();
        for k in keys {
            if let Some(f) = st.files.remove(&k) {
                self.unpersist("files", &f.row_id())?;
                blobs.extend(f.blobs());
            }
        }
        for b in blobs {
            self.drop_blob(b);
        }
        Ok(())
    }

    /// Copies every file of one bucket into another; the copies share the contents.
    pub fn copy_bucket(&self, st: &mut State, from: &str, to: &str) -> ApiResult<()> {
        let files: Vec<crate::model::FileRow> = st.bucket(from).into_iter().cloned().collect();
        for mut f in files {
            f.bucket = to.to_string();
            self.persist("files", &f.row_id(), &f)?;
            st.files.insert((f.bucket.clone(), f.key.clone()), f);
        }
        Ok(())
    }

    /// Keeps a published record's state as its newest revision, in memory and in the store.
    pub fn keep_revision(&self, st: &mut State, d: &crate::model::Doc) -> ApiResult<()> {
        let rev = st.keep_revision(d);
        self.persist("revisions", &format!("{}:{}", d.id, rev.transaction), &rev)
    }

    /// Records a document deletion; it reaches the store when the state lock is released.
    pub fn unpersist(&self, table: &'static str, id: &str) -> ApiResult<()> {
        self.journal().push(Op::Delete {
            table,
            id: id.to_string(),
        });
        Ok(())
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl App {
    /// Takes one request from the client's budget; `None` when exhausted. Returns the reset time.
    pub(crate) fn rate_take(&self, key: &str, limit: u32) -> (Option<u32>, u64) {
        let now = now_secs();
        let len = self.limits.rate_window_secs.max(1);
        let window = now / len;
        let reset = (window + 1) * len;
        let mut map = self.rate.lock().unwrap_or_else(|e| e.into_inner());
        if map.len() > 10_000 {
            map.retain(|_, (w, _)| *w == window);
            if map.len() > 10_000 {
                // Too many distinct clients in one minute: start the window afresh rather
                // than grow without bound.
                map.clear();
            }
        }
        let entry = map.entry(key.to_string()).or_insert((window, 0));
        if entry.0 != window {
            *entry = (window, 0);
        }
        if entry.1 >= limit {
            return (None, reset);
        }
        entry.1 += 1;
        (Some(limit - entry.1), reset)
    }
}

impl crate::prefix_hash::Host for App {
    fn prefix_hashes(&self) -> &crate::prefix_hash::PrefixHashes {
        &self.prefix_hashes
    }

    fn blob_path(&self, blob: &str) -> std::path::PathBuf {
        self.store.blob_path(blob)
    }

    fn part_stored(&self, row: &(String, String), n: u32, blob: &str) -> bool {
        let st = self.state();
        st.files.get(row).is_some_and(|f| {
            f.parts.get(&n).map(String::as_str) == Some(blob)
                || (f.status == "completed" && f.blob.as_deref() == Some(blob))
        })
    }
}
