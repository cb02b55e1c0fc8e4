//! The shared state of a running sandbox (the app, its writer thread, limits) and what every
//! handler uses: the request context, body and header checks, URL encoding of links.

use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

use crate::faults::Faults;
use crate::model::State;
use crate::store::{Op, Store};
use crate::util::{ApiError, ApiResult};
use crate::vocab::Vocabularies;

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
    /// Requests answered 429 for the rate limit.
    pub rate_limited: AtomicU64,
    /// API requests answered (any status).
    pub requests: AtomicU64,
    /// Of those, searches (counted in the search budget where there is one).
    pub searches: AtomicU64,
    /// Single-stream uploads whose entry was checked and whose body is being read.
    pub uploads_begun: AtomicU64,
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

tokio::task_local! {
    /// The latest commit a request's changes were handed to (0: none).
    static PENDING: std::cell::Cell<u64>;
}

/// The one thread that writes to SQLite. Handlers change the state in memory under the lock
/// and hand the changes over; the commits (with their fsync) happen on this thread, several
/// batches in one transaction when they queue up, so no async worker and no other request
/// waits for the disk. A request is answered only once its own changes are committed.
struct Writer {
    tx: Mutex<std::sync::mpsc::Sender<Batch>>,
    next: AtomicU64,
    done: tokio::sync::watch::Sender<u64>,
    failed: Mutex<BTreeSet<u64>>,
}

struct Batch {
    seq: u64,
    ops: Vec<Op>,
}

impl Writer {
    fn start(store: Arc<Store>, app: Weak<App>) -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<Batch>();
        let (done, _) = tokio::sync::watch::channel(0u64);
        let done_tx = done.clone();
        let spawned = std::thread::Builder::new()
            .name("sandbox-writer".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut batches = vec![first];
                    while batches.len() < 256 {
                        match rx.try_recv() {
                            Ok(b) => batches.push(b),
                            Err(_) => break,
                        }
                    }
                    commit(&store, &app, &batches);
                    let last = batches.iter().map(|b| b.seq).max().unwrap_or(0);
                    done_tx.send_replace(last);
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "the writer thread did not start; changes will not be saved");
        }
        Self {
            tx: Mutex::new(tx),
            next: AtomicU64::new(1),
            done,
            failed: Mutex::new(BTreeSet::new()),
        }
    }

    /// Hands changes over; returns their commit number. Called with the state lock held, so
    /// commits keep the order of the changes.
    fn submit(&self, ops: Vec<Op>) -> u64 {
        let seq = self.next.fetch_add(1, Ordering::SeqCst);
        let tx = self.tx.lock().unwrap_or_else(|e| e.into_inner());
        if tx.send(Batch { seq, ops }).is_err() {
            tracing::error!("the writer thread is gone; a change was not saved");
            self.failed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(seq);
            self.done.send_replace(seq);
        }
        seq
    }

    /// Waits until commit `seq` is done; false when it failed.
    async fn wait(&self, seq: u64) -> bool {
        let mut rx = self.done.subscribe();
        if rx.wait_for(|d| *d >= seq).await.is_err() {
            return false;
        }
        !self
            .failed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&seq)
    }
}

/// Commits batches in one transaction (on the writer thread); then removes the content blobs
/// no file uses any more, or, when the commit failed, reloads the state from the store.
fn commit(store: &Store, app: &Weak<App>, batches: &[Batch]) {
    let ops: Vec<Op> = batches.iter().flat_map(|b| b.ops.iter().cloned()).collect();
    let result = store.apply(&ops);
    let Some(app) = app.upgrade() else { return };
    match result {
        Ok(()) => {
            let blobs: Vec<&String> = ops
                .iter()
                .filter_map(|op| match op {
                    Op::DropBlob(b) => Some(b),
                    _ => None,
                })
                .collect();
            if !blobs.is_empty() {
                let st = app.st.lock().unwrap_or_else(|e| e.into_inner());
                for b in blobs {
                    if !st.blob_in_use(b) {
                        let _ = std::fs::remove_file(store.blob_path(b));
                    }
                }
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "store commit failed; reloading the state from the store");
            {
                let mut failed = app.writer.failed.lock().unwrap_or_else(|e| e.into_inner());
                if failed.len() > 10_000 {
                    failed.clear();
                }
                failed.extend(batches.iter().map(|b| b.seq));
            }
            let mut st = app.st.lock().unwrap_or_else(|e| e.into_inner());
            match State::load(store) {
                Ok(fresh) => *st = fresh,
                Err(e) => tracing::error!(error = %e, "reloading the state failed"),
            }
        }
    }
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

    /// Records a document deletion; it reaches the store when the state lock is released.
    pub fn unpersist(&self, table: &'static str, id: &str) -> ApiResult<()> {
        self.journal().push(Op::Delete {
            table,
            id: id.to_string(),
        });
        Ok(())
    }
}

/// What a handler knows about the request.
pub struct Ctx {
    /// Authenticated user.
    pub user: Option<i64>,
    /// Whether that user is the instance's administrator (the default user `sandbox`, as the
    /// first user of an instance set up by `scripts/inveniordm-up`): it sees administrative
    /// fields and may act on every request.
    pub admin: bool,
    /// API root, e.g. `http://127.0.0.1:5000/api`.
    pub api: String,
    /// UI root, e.g. `http://127.0.0.1:5000`.
    pub ui: String,
    /// Decoded query pairs.
    pub query: Vec<(String, String)>,
    /// Request headers.
    pub headers: HeaderMap,
    /// InvenioRDM major version imitated.
    pub rdm_version: u8,
    /// The secret link given as `?token=`: (parent id, permission), when valid.
    pub link: Option<(String, String)>,
    /// Committed files are shown without their checksum (`Faults::withhold_checksums`).
    pub withhold_checksums: bool,
}

impl Ctx {
    /// The first value of a query parameter.
    pub fn q(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The user, or 403.
    pub fn require_user(&self) -> ApiResult<i64> {
        self.user.ok_or_else(ApiError::forbidden)
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

/// Reads a JSON body: checks the content type, the size limit and the syntax.
pub async fn json_body(app: &App, ctx: &Ctx, body: Body) -> ApiResult<Value> {
    json_body_of(app, ctx, body, "application/json").await
}

/// [`json_body`] for an endpoint that names other accepted types in its 415 message.
pub async fn json_body_of(app: &App, ctx: &Ctx, body: Body, accepted: &str) -> ApiResult<Value> {
    json_or(app, ctx, body, accepted, None).await
}

/// [`json_body`] for an endpoint whose body is optional: an empty body is `{}`.
pub async fn json_body_or_empty(app: &App, ctx: &Ctx, body: Body) -> ApiResult<Value> {
    json_or(
        app,
        ctx,
        body,
        "application/json",
        Some(Value::Object(Map::new())),
    )
    .await
}

/// Reads a JSON body; an empty one is `empty`, or a 400 without it.
async fn json_or(
    app: &App,
    ctx: &Ctx,
    body: Body,
    accepted: &str,
    empty: Option<Value>,
) -> ApiResult<Value> {
    if let Some(ct) = ctx.headers.get(header::CONTENT_TYPE) {
        let ct = ct.to_str().unwrap_or("").to_ascii_lowercase();
        let mime = ct.split(';').next().unwrap_or("").trim();
        if mime != "application/json" && !mime.is_empty() {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                format!("Invalid 'Content-Type' header. Expected one of: {accepted}"),
            ));
        }
    }
    let bytes = axum::body::to_bytes(body, app.limits.max_json_body)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "The data value transmitted exceeds the capacity limit.",
            )
        })?;
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return empty.ok_or_else(|| {
            ApiError::new(
                StatusCode::BAD_REQUEST,
                "Unable to decode JSON data in request body.",
            )
        });
    }
    serde_json::from_slice(&bytes).map_err(|_| {
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "Unable to decode JSON data in request body.",
        )
    })
}

/// What the record endpoints offer, as the real server lists it in its 406 message.
const RECORD_ACCEPT: &str = "Invalid 'Accept' header. Expected one of: application/json, application/ld+json, application/vnd.inveniordm.v1.full+csv, application/vnd.inveniordm.v1.simple+csv, application/marcxml+xml, application/vnd.inveniordm.v1+json, application/vnd.citationstyles.csl+json, application/vnd.datacite.datacite+json, application/vnd.geo+json, application/vnd.datacite.datacite+xml, application/ld+json;profile=\"https://datapackage.org/profiles/2.0/datapackage.json\", application/x-dc+xml, text/x-bibliography, application/x-bibtex, application/dcat+xml, application/linkset+json";

/// The media types of an `Accept` header, lower case, without parameters.
pub fn media_types(accept: &str) -> impl Iterator<Item = String> + '_ {
    accept.split(',').map(|part| {
        part.split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase()
    })
}

/// The 406 of the record endpoints, with the real server's list of formats.
pub fn not_acceptable() -> ApiError {
    ApiError::new(StatusCode::NOT_ACCEPTABLE, RECORD_ACCEPT)
}

/// Checks the `Accept` header of a JSON endpoint (406 when nothing JSON is acceptable).
pub fn check_accept(ctx: &Ctx) -> ApiResult<()> {
    let Some(a) = ctx
        .headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
    else {
        return Ok(());
    };
    let ok = media_types(a)
        .any(|m| m.is_empty() || m == "*/*" || m == "application/*" || m.contains("json"));
    if ok {
        Ok(())
    } else {
        Err(ApiError::new(StatusCode::NOT_ACCEPTABLE, RECORD_ACCEPT))
    }
}

/// Parses `If-Match` as the real server does: a bare integer, 400 otherwise.
pub fn if_match(ctx: &Ctx) -> ApiResult<Option<u64>> {
    let Some(v) = ctx.headers.get(header::IF_MATCH) else {
        return Ok(None);
    };
    v.to_str()
        .ok()
        .and_then(|s| s.trim().parse::<u64>().ok())
        .map(Some)
        .ok_or_else(|| {
            ApiError::validation(vec![("if_match".into(), "Not a valid integer.".into())])
        })
}

/// 412 when `If-Match` does not match the revision.
pub fn check_revision(ctx: &Ctx, revision: u64) -> ApiResult<()> {
    match if_match(ctx)? {
        Some(r) if r != revision => Err(ApiError::new(
            StatusCode::PRECONDITION_FAILED,
            format!("Revision id provided({r}) doesn't match record's one({revision})"),
        )),
        _ => Ok(()),
    }
}

/// A JSON response with an `ETag` of the revision.
pub fn with_etag(mut r: Response, revision: u64) -> Response {
    if let Ok(v) = HeaderValue::from_str(&format!("\"{revision}\"")) {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
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
