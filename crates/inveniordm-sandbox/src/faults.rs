//! Fault injection: errors, lost answers, dropped downloads and latency, for testing clients.

use axum::http::{HeaderValue, StatusCode, header};
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
