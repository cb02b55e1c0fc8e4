//! Checks shared by the fuzz targets (`fuzz/`) and the tests that replay their corpus: the
//! query parser and the request handlers take any input without a panic, and every answer
//! is a well-formed HTTP answer (a status, and JSON where JSON is announced).

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request};
use serde_json::{Value, json};

use crate::app::{App, Limits, hash_token};
use crate::faults::Faults;
use crate::model::{State, User};
use crate::query::Query;
use crate::sandbox::SandboxConfig;
use crate::store::Store;

/// A document for queries to run against.
fn doc() -> Value {
    json!({
        "id": "abcde-12345",
        "created": "2026-01-01T00:00:00+00:00",
        "metadata": {
            "title": "Ocean temperature profiles",
            "creators": [{"person_or_org": {"name": "Lovelace, Ada", "family_name": "Lovelace"}}],
            "publication_date": "2026-01-01",
            "resource_type": {"id": "dataset"},
            "subjects": [{"subject": "Oceanography"}],
        },
        "files": {"count": 2, "entries": {"a.csv": {"size": 10}}},
        "versions": {"index": 3},
    })
}

/// Parses `data` (as text) as a search query and runs it against a document.
pub fn query(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(q) = Query::parse(text) {
        let d = doc();
        let _ = q.matches(&d);
        let _ = q.score(&d);
        let _ = q.is_match_all();
    }
}

/// A sandbox app driven without sockets: requests go straight to the handler.
pub struct Harness {
    rt: tokio::runtime::Runtime,
    app: Arc<App>,
    dir: tempfile_free::Dir,
    served: usize,
}

/// The token the harness's user `sandbox` holds.
pub const TOKEN: &str = "fuzz-token";

impl Harness {
    /// A fresh app with an empty state in memory (file contents in a temporary folder).
    pub fn new() -> Self {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let dir = tempfile_free::Dir::new();
        let app = Self::app(&dir.0);
        Self {
            rt,
            app,
            dir,
            served: 0,
        }
    }

    fn app(blobs: &std::path::Path) -> Arc<App> {
        let store = Store::open(None, blobs).expect("an in-memory store");
        let mut st = State::load(&store).expect("an empty state");
        st.users.push(User {
            id: 1,
            name: "sandbox".into(),
            tokens: vec![hash_token(TOKEN)],
        });
        // The defaults, with small bodies and no rate limit.
        let limits = Limits {
            max_json_body: 1024 * 1024,
            max_file_size: 1024 * 1024,
            rate_limit_per_minute: u32::MAX,
            ..SandboxConfig::default().limits()
        };
        App::start(st, store, limits, Faults::default())
    }

    /// Sends one request made from `data`: the first byte picks the method, the bytes up to
    /// the first newline are the path below `/api/` (with a query; `~` first for a site path),
    /// the next byte says whether the token is sent (even) and which `Accept` is asked for,
    /// and the rest is the body.
    pub fn request(&mut self, data: &[u8]) {
        // A long run makes many documents; start afresh now and then to keep memory flat.
        self.served += 1;
        if self.served.is_multiple_of(2_000) {
            let _ = std::fs::remove_dir_all(&self.dir.0);
            self.app = Self::app(&self.dir.0);
        }
        let Some((&m, rest)) = data.split_first() else {
            return;
        };
        let method = [
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
            Method::HEAD,
        ][usize::from(m) % 6]
            .clone();
        let (line, body) = match rest.iter().position(|b| *b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &[][..]),
        };
        let (control, body) = match body.split_first() {
            Some((a, b)) => (*a, b),
            None => (1, body),
        };
        let Ok(path) = std::str::from_utf8(line) else {
            return;
        };
        // A path starting with `~` is a site path (the export route), others are below /api.
        let uri = match path.strip_prefix('~') {
            Some(site) => format!("/{}", site.trim_start_matches('/')),
            None => format!("/api/{}", path.trim_start_matches('/')),
        };
        let mut req = Request::builder()
            .method(method)
            .uri(uri)
            .header("content-type", "application/json");
        if control % 2 == 0 {
            req = req.header("authorization", format!("Bearer {TOKEN}"));
        }
        let accept = [
            None,
            Some("application/json"),
            Some("application/vnd.inveniordm.v1+json"),
            Some("application/x-bibtex"),
            Some("application/vnd.citationstyles.csl+json"),
            Some("application/vnd.datacite.datacite+json"),
            Some("text/x-bibliography"),
            Some("application/ld+json, text/html;q=0.5"),
        ][usize::from(control / 2) % 8];
        if let Some(a) = accept {
            req = req.header("accept", a);
        }
        let Ok(req) = req.body(Body::from(body.to_vec())) else {
            return;
        };
        let app = self.app.clone();
        self.rt.block_on(async move {
            let resp = crate::server::handle(axum::extract::State(app), req).await;
            let status = resp.status();
            let is_json = resp
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("json"));
            let bytes = axum::body::to_bytes(resp.into_body(), 64 * 1024 * 1024)
                .await
                .unwrap_or_default();
            assert!(status.as_u16() >= 200 && status.as_u16() < 600);
            if is_json && !bytes.is_empty() {
                assert!(
                    serde_json::from_slice::<Value>(&bytes).is_ok(),
                    "a {status} answer announced JSON but is not JSON"
                );
            }
        });
    }
}

impl Default for Harness {
    fn default() -> Self {
        Self::new()
    }
}

/// A temporary folder removed on drop (the crate has no temp-file dependency outside tests).
mod tempfile_free {
    /// The folder.
    pub struct Dir(pub std::path::PathBuf);

    impl Dir {
        pub fn new() -> Self {
            Dir(std::env::temp_dir()
                .join(format!("inveniordm-check-{}", crate::util::random_hex(8))))
        }
    }

    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
