//! Fault injection: errors, lost answers, dropped downloads and latency, for testing clients.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use serde_json::json;

use crate::util;

/// Fault injection, off by default. Each rate is a probability from 0.0 to 1.0 applied to
/// every `/api` request.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// 429 Too Many Requests (with `Retry-After: 1`), nothing done.
    pub rate_429: f64,
    /// 500, nothing done.
    pub rate_500: f64,
    /// 503, nothing done.
    pub rate_503: f64,
    /// 504, nothing done.
    pub rate_504: f64,
    /// 504 returned *after* a write request (POST, PUT, PATCH, DELETE) was carried out, as
    /// gateways do on a slow publish.
    pub rate_504_after: f64,
    /// File downloads whose connection is dropped halfway through the body.
    pub rate_drop: f64,
    /// The first this many file downloads are dropped halfway through the body (then none,
    /// unless `rate_drop` says so): a connection that breaks once.
    pub drop_first: u32,
    /// Latency added to every request, in milliseconds.
    pub latency_ms: u64,
    /// A request the server stops answering, once (see [`Hold`]).
    pub hold: Option<Arc<Hold>>,
    /// New drafts show in the owner's search (`/api/user/records`) only this many
    /// milliseconds after they were created, as a real server's search indexes them late.
    pub index_delay_ms: u64,
    /// Committed files are answered without a checksum, always (a server that never
    /// reports the md5, or has not computed it yet).
    pub withhold_checksums: bool,
    /// The first this many file commits are carried out and then answered 504, as a
    /// gateway does whose backend was slow: the client must look before it commits again.
    pub lose_commits: u32,
    /// The first upload of this multipart part number (1-based; 0: none) is answered 403 and
    /// not stored, as an expired part URL or a rotated token is; later ones are taken.
    pub refuse_part_once: u64,
    /// The first upload of this multipart part number (1-based; 0: none) is answered 500 and
    /// not stored, as a backend that failed once; later ones are taken.
    pub fail_part_once: u64,
    /// Every multipart part is answered 403, as Zenodo does (zenodo-rdm#1443).
    pub refuse_all_parts: bool,
}

/// Where a [`Hold`] stops the server.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum HoldAt {
    /// After a draft was created (`POST /api/records`), before its answer.
    AfterCreate,
    /// Midway through the content of the draft file with this key: some bytes are read,
    /// nothing is stored, the entry stays pending.
    UploadContent(String),
    /// After a publish was carried out, before its answer.
    AfterPublish,
    /// After a new version's draft was made (`POST /api/records/{id}/versions`), before its
    /// answer.
    AfterNewVersion,
}

/// A request the server stops answering, the first time it comes: it waits (up to a
/// minute, then drops the connection) as a server does whose answer never arrives. For
/// testing what a client does when it is killed at that moment: [`reached`](Self::reached)
/// says when the server got there.
#[derive(Debug)]
pub struct Hold {
    at: HoldAt,
    /// Matching requests still to let through before the one held.
    pass: std::sync::atomic::AtomicU32,
    taken: AtomicBool,
    reached: AtomicBool,
}

impl Hold {
    /// A hold at `at`, to put in [`Faults::hold`].
    pub fn new(at: HoldAt) -> Arc<Self> {
        Self::nth(at, 0)
    }

    /// A hold at `at` that lets the first `pass` matching requests through and holds the
    /// next one (the second publish, the second upload of a key, …).
    pub fn nth(at: HoldAt, pass: u32) -> Arc<Self> {
        Arc::new(Self {
            at,
            pass: std::sync::atomic::AtomicU32::new(pass),
            taken: AtomicBool::new(false),
            reached: AtomicBool::new(false),
        })
    }

    /// Whether a request got to the hold (it holds only that one): the create or the
    /// publish is carried out, or the upload's first bytes are read.
    pub fn reached(&self) -> bool {
        self.reached.load(Ordering::SeqCst)
    }

    /// The held request got there.
    pub(crate) fn arrive(&self) {
        self.reached.store(true, Ordering::SeqCst);
    }

    /// Whether this request is the one to hold (`segs`: the decoded path). The first match
    /// after those to let through takes the hold; later ones pass.
    pub(crate) fn takes(&self, method: &Method, segs: &[&str]) -> Option<&HoldAt> {
        let hit = match (&self.at, segs) {
            (HoldAt::AfterCreate, ["api", "records"]) => method == Method::POST,
            (HoldAt::UploadContent(key), ["api", "records", _, "draft", "files", k, "content"]) => {
                method == Method::PUT && k == key
            }
            (HoldAt::AfterPublish, ["api", "records", _, "draft", "actions", "publish"]) => {
                method == Method::POST
            }
            (HoldAt::AfterNewVersion, ["api", "records", _, "versions"]) => method == Method::POST,
            _ => false,
        };
        if !hit {
            return None;
        }
        let passing = self
            .pass
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        (!passing && !self.taken.swap(true, Ordering::SeqCst)).then_some(&self.at)
    }

    /// How long a held request waits before its connection is dropped.
    pub(crate) const WAIT: std::time::Duration = std::time::Duration::from_secs(60);
}

impl Faults {
    fn roll(p: f64) -> bool {
        p > 0.0 && rand::random::<f64>() < p
    }

    fn error(status: StatusCode, message: &str) -> Response {
        let mut r = util::json_response(
            status,
            &json!({"status": status.as_u16(), "message": message}),
        );
        if status == StatusCode::TOO_MANY_REQUESTS {
            r.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        r
    }

    /// A fault answered instead of handling the request.
    pub(crate) fn roll_before(&self) -> Option<Response> {
        if Self::roll(self.rate_429) {
            return Some(Self::error(
                StatusCode::TOO_MANY_REQUESTS,
                "injected fault: 1 per 1 second",
            ));
        }
        if Self::roll(self.rate_500) {
            return Some(Self::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "Internal server error",
            ));
        }
        if Self::roll(self.rate_503) {
            return Some(Self::error(
                StatusCode::SERVICE_UNAVAILABLE,
                "injected fault: service unavailable",
            ));
        }
        if Self::roll(self.rate_504) {
            return Some(Self::error(
                StatusCode::GATEWAY_TIMEOUT,
                "injected fault: gateway timeout",
            ));
        }
        None
    }

    /// A fault answered after handling the request.
    pub(crate) fn roll_after(&self) -> Option<Response> {
        Self::roll(self.rate_504_after).then(|| {
            Self::error(
                StatusCode::GATEWAY_TIMEOUT,
                "injected fault: gateway timeout after the action",
            )
        })
    }

    /// Whether to drop this download halfway (`dropped` counts the downloads dropped so far
    /// by `drop_first`).
    pub(crate) fn roll_drop(&self, dropped: &std::sync::atomic::AtomicU32) -> bool {
        let first = dropped
            .fetch_update(
                std::sync::atomic::Ordering::SeqCst,
                std::sync::atomic::Ordering::SeqCst,
                |n| (n < self.drop_first).then_some(n + 1),
            )
            .is_ok();
        first || Self::roll(self.rate_drop)
    }
}
