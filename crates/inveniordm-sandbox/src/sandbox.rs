//! Starting and stopping a sandbox.

use std::net::SocketAddr;
use std::path::PathBuf;

use crate::app::{App, Limits, hash_token};
use crate::faults::Faults;
use crate::model::{State, User};
use crate::store::{self, Store};
use crate::{server, util};

/// How to start a sandbox.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Address to listen on (port 0 picks a free port). Default `127.0.0.1:0`.
    pub listen: SocketAddr,
    /// Folder for the database and file contents; `None` keeps everything in memory (and a
    /// temporary folder for contents, removed on stop).
    pub data_dir: Option<PathBuf>,
    /// Token of the default user `sandbox`; `None` creates a random one.
    pub token: Option<String>,
    /// More users: (name, token).
    pub users: Vec<(String, String)>,
    /// Fault injection.
    pub faults: Faults,
    /// Largest JSON body (default 10 MiB; larger gives 413).
    pub max_json_body: usize,
    /// Largest file (default 50 GiB).
    pub max_file_size: u64,
    /// Requests per minute per client (default 10 000).
    pub rate_limit_per_minute: u32,
    /// Searches (a `GET` of records, the user's records, versions, communities, requests or
    /// users) per window per client, counted apart from the other requests, as Zenodo does;
    /// `None` (the default): searches count in the one budget.
    pub search_rate_limit: Option<u32>,
    /// The most bytes one record's files may hold together (default: no limit but the file
    /// size).
    pub max_record_bytes: u64,
    /// Bytes a second at which one upload request's body is read (0, the default: no cap),
    /// as behind a per-connection bandwidth cap: parts sent in parallel then go faster than
    /// one stream, as on Zenodo.
    pub conn_rate: u64,
    /// The largest request body a file upload (one stream, or one part) may have; larger ones
    /// are answered 413, as Flask's `MAX_CONTENT_LENGTH` does. `None` (the default): as the
    /// imitated version, which is no limit for v13 and 100 MiB for v14 (its stock
    /// configuration, which v14.0.5 enforces on file content; see docs/quirks.md).
    pub max_content_length: Option<u64>,
    /// Length of a rate-limit window in seconds (default 60): the budget is
    /// `rate_limit_per_minute` requests per window.
    pub rate_window_secs: u64,
    /// DOI prefix of reservations (default `10.1234`).
    pub doi_prefix: String,
    /// The InvenioRDM major version to behave like: 13 (default) or 14 (new-version drafts
    /// keep `publication_date`; records get `quota_increase`, `file_modification` and
    /// `request_deletion` links).
    pub rdm_version: u8,
    /// Publish only through a community, as an instance with
    /// `RDM_COMMUNITY_REQUIRED_TO_PUBLISH = True`: a direct publish of a draft in no
    /// community answers 400 "Cannot publish without selecting a community.".
    pub community_required: bool,
    /// Hosts (`host:port`) the sandbox may fetch files from for a transfer of type `F`
    /// (plain HTTP); none by default.
    pub fetch_domains: Vec<String>,
    /// How long a fetch of a file (transfer type `F`) may make no progress (connecting,
    /// sending, waiting for the answer, reading) before it fails, in seconds (default 30).
    pub fetch_idle_secs: u64,
    /// Whether owners may delete their own records within 30 days of their creation (v14,
    /// `RDM_IMMEDIATE_RECORD_DELETION_ENABLED`; off on a stock instance).
    pub immediate_deletion: bool,
    /// Whether users may ask to join communities whose member policy is open
    /// (`COMMUNITIES_ALLOW_MEMBERSHIP_REQUESTS`; off on a stock instance).
    pub membership_requests: bool,
    /// Hosts (`host:port`) remote files (transfer type `R`) may point to; none by default.
    pub remote_domains: Vec<String>,
    /// The custom fields drafts may carry, by name (`code:codeRepository`, …), as an
    /// instance's `RDM_CUSTOM_FIELDS`: their values are kept as given; any other custom field
    /// is refused with "Unknown field.". None by default, as on a stock instance.
    pub custom_fields: Vec<String>,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            data_dir: None,
            token: None,
            users: Vec::new(),
            faults: Faults::default(),
            max_json_body: 10 * 1024 * 1024,
            max_file_size: 50 * 1024 * 1024 * 1024,
            rate_limit_per_minute: 10_000,
            search_rate_limit: None,
            max_record_bytes: u64::MAX,
            conn_rate: 0,
            max_content_length: None,
            rate_window_secs: 60,
            doi_prefix: "10.1234".into(),
            rdm_version: 13,
            community_required: false,
            fetch_domains: Vec::new(),
            fetch_idle_secs: 30,
            immediate_deletion: false,
            membership_requests: false,
            remote_domains: Vec::new(),
            custom_fields: Vec::new(),
        }
    }
}

impl SandboxConfig {
    /// A busy production server, as Zenodo is: 1 000 requests and 30 searches a minute per
    /// client (announced in `X-RateLimit-*` headers, 429 beyond), multipart parts refused with
    /// 403 (zenodo-rdm#1443), at most 100 files and 50 GB per record. `window_secs` shortens
    /// the minute (the budgets stay), so that long runs can be tested in minutes.
    pub fn zenodo(window_secs: u64) -> Self {
        Self {
            rate_limit_per_minute: 1_000,
            search_rate_limit: Some(30),
            rate_window_secs: window_secs.max(1),
            max_file_size: 50_000_000_000,
            max_record_bytes: 50_000_000_000,
            faults: Faults {
                refuse_all_parts: true,
                ..Faults::default()
            },
            ..Self::default()
        }
    }

    /// The limits and behaviour a server started with this configuration has.
    pub fn limits(&self) -> Limits {
        Limits {
            max_json_body: self.max_json_body,
            max_file_size: self.max_file_size,
            rate_limit_per_minute: self.rate_limit_per_minute.max(1),
            search_rate_limit: self.search_rate_limit.map(|l| l.max(1)),
            max_record_bytes: self.max_record_bytes,
            conn_rate: self.conn_rate,
            max_content_length: self
                .max_content_length
                .unwrap_or(if self.rdm_version >= 14 {
                    100 * 1024 * 1024
                } else {
                    u64::MAX
                }),
            rate_window_secs: self.rate_window_secs.max(1),
            doi_prefix: self.doi_prefix.clone(),
            rdm_version: self.rdm_version,
            community_required: self.community_required,
            fetch_domains: self.fetch_domains.clone(),
            fetch_idle: std::time::Duration::from_secs(self.fetch_idle_secs.max(1)),
            immediate_deletion: self.immediate_deletion,
            membership_requests: self.membership_requests,
            remote_domains: self.remote_domains.clone(),
            custom_fields: self.custom_fields.clone(),
        }
    }
}

/// Why a sandbox could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// The data folder or database could not be opened.
    #[error("cannot open the data folder: {0}")]
    Store(#[from] store::StoreError),
    /// The address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The error.
        source: std::io::Error,
    },
    /// A folder could not be created.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// A running sandbox. Dropping it stops the server (use [`Sandbox::stop`] to wait for it).
#[derive(Debug)]
pub struct Sandbox {
    addr: SocketAddr,
    url: String,
    token: String,
    users: Vec<(String, String)>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
    temp: Option<PathBuf>,
    counters: std::sync::Arc<crate::app::Counters>,
}

impl Sandbox {
    /// Starts a sandbox on the current tokio runtime.
    pub async fn start(config: SandboxConfig) -> Result<Sandbox, StartError> {
        let (db, blobs, temp) = match &config.data_dir {
            Some(d) => {
                std::fs::create_dir_all(d)?;
                (Some(d.join("sandbox.db")), d.join("files"), None)
            }
            None => {
                let t = std::env::temp_dir()
                    .join(format!("inveniordm-sandbox-{}", util::random_hex(8)));
                (None, t.join("files"), Some(t))
            }
        };
        let store = Store::open(db.as_deref(), &blobs)?;
        let mut st = State::load(&store)?;
        // Leftovers of interrupted uploads are never complete files, and contents no file
        // refers to were left by a crash between writing and recording them. Only files with
        // the names the sandbox gives are ever removed (the folder is refused at open when it
        // holds anything else).
        if let Ok(rd) = std::fs::read_dir(&blobs) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                if store::is_blob_name(&name)
                    && (name.starts_with("tmp-") || !st.blob_in_use(&name))
                    && e.file_type().is_ok_and(|t| t.is_file())
                {
                    let _ = std::fs::remove_file(e.path());
                }
            }
        }
        let token = config.token.clone().unwrap_or_else(|| util::random_hex(24));
        let mut users = vec![("sandbox".to_string(), token.clone())];
        for (name, tok) in &config.users {
            if users.iter().any(|(n, _)| n == name) {
                return Err(StartError::Io(std::io::Error::other(format!(
                    "the user {name:?} is given twice (\"sandbox\" is the default user)"
                ))));
            }
            users.push((name.clone(), tok.clone()));
        }
        // Only the tokens given at this start work: earlier ones are revoked.
        for u in st.users.iter_mut() {
            if !users.iter().any(|(n, _)| *n == u.name) && !u.tokens.is_empty() {
                u.tokens.clear();
                store.put("users", &u.id.to_string(), &*u)?;
            }
        }
        for (name, tok) in &users {
            let h = hash_token(tok);
            let next_id = st.users.iter().map(|u| u.id).max().unwrap_or(0) + 1;
            let u = match st.users.iter_mut().find(|u| &u.name == name) {
                Some(u) => u,
                None => {
                    st.users.push(User {
                        id: next_id,
                        name: name.clone(),
                        tokens: Vec::new(),
                    });
                    st.users
                        .last_mut()
                        .ok_or_else(|| std::io::Error::other("user list"))?
                }
            };
            // The tokens given at this start replace earlier ones: a token handed out by an
            // earlier run on the same data folder stops working.
            u.tokens = vec![h];
            let u = u.clone();
            store.put("users", &u.id.to_string(), &u)?;
        }
        let app = App::start(st, store, config.limits(), config.faults.clone());
        let counters = app.counters.clone();
        let router = axum::Router::new()
            .fallback(server::handle)
            .with_state(app)
            .into_make_service_with_connect_info::<SocketAddr>();
        let listener = tokio::net::TcpListener::bind(config.listen)
            .await
            .map_err(|source| StartError::Bind {
                addr: config.listen,
                source,
            })?;
        let addr = listener.local_addr()?;
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, router)
                .with_graceful_shutdown(async {
                    let _ = rx.await;
                })
                .await;
        });
        Ok(Sandbox {
            addr,
            url: format!("http://{addr}"),
            token,
            users,
            shutdown: Some(tx),
            task: Some(task),
            temp,
            counters,
        })
    }

    /// The site root, e.g. `http://127.0.0.1:40123` (the API is below `/api`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// How many multipart parts this sandbox has stored since it started (for tests that
    /// check what a client sent again).
    pub fn parts_stored(&self) -> u64 {
        self.counters
            .parts_stored
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// What the sandbox did since it started: requests answered, 429s, parts stored.
    pub fn counters(&self) -> &crate::app::Counters {
        &self.counters
    }

    /// The default user's token.
    pub fn token(&self) -> &str {
        &self.token
    }

    /// The token of a user by name.
    pub fn token_of(&self, name: &str) -> Option<&str> {
        self.users
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, t)| t.as_str())
    }

    /// Stops the server and waits for it.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(mut t) = self.task.take() {
            // Let requests in flight finish (bounded), so that a restart on the same data
            // folder never runs beside the old instance.
            if tokio::time::timeout(std::time::Duration::from_secs(10), &mut t)
                .await
                .is_err()
            {
                t.abort();
                let _ = t.await;
            }
        }
    }

    /// Waits until the server stops (it runs until stopped or the process ends).
    pub async fn wait(mut self) {
        if let Some(t) = self.task.take() {
            let _ = t.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            t.abort();
        }
        if let Some(t) = self.temp.take() {
            let _ = std::fs::remove_dir_all(t);
        }
    }
}
