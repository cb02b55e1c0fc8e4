//! The HTTP layer: one handler that authenticates, applies rate limits and injected faults,
//! and dispatches on the decoded path segments.

use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Request, State as AxState};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::Response;
use percent_encoding::percent_decode_str;

use crate::app::{App, Ctx};
use crate::util::ApiError;

/// An upload held midway: some of its body is read, then nothing until the wait is over;
/// nothing is stored.
async fn held_upload(body: axum::body::Body, hold: Option<&crate::faults::Hold>) -> Response {
    use futures_util::StreamExt;
    let mut stream = body.into_data_stream();
    let mut read = 0usize;
    while read < 64 * 1024 {
        match stream.next().await {
            Some(Ok(chunk)) => read += chunk.len(),
            _ => break,
        }
    }
    if let Some(h) = hold {
        h.arrive();
    }
    tokio::time::sleep(crate::faults::Hold::WAIT).await;
    ApiError::new(StatusCode::GATEWAY_TIMEOUT, "held upload").response()
}

/// A multipart part refused (403, nothing stored) after its body was read whole, so the client
/// sees the answer and not a broken connection.
/// Whether a request is the upload of a multipart part, and which: `…/draft/files/{key}/
/// content/{n}`.
fn part_number(method: &Method, s: &[&str]) -> Option<u64> {
    if method != Method::PUT || s.len() < 8 || s[3] != "draft" || s[4] != "files" {
        return None;
    }
    (s[s.len() - 2] == "content").then(|| s[s.len() - 1].parse().ok())?
}

/// The one handler behind every route.
pub async fn handle(AxState(app): AxState<Arc<App>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let f = &app.faults;
    if f.latency_ms > 0 {
        tokio::time::sleep(Duration::from_millis(f.latency_ms)).await;
    }
    let query: Vec<(String, String)> = parts
        .uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let token = bearer(&parts.headers).or_else(|| {
        query
            .iter()
            .find(|(k, _)| k == "access_token")
            .map(|(_, v)| v.clone())
    });
    let user = token.as_deref().and_then(|t| app.user_of_token(t));
    // A secret link (`?token=`) lets its holder see the record it belongs to.
    let link = query.iter().find(|(k, _)| k == "token").and_then(|(_, t)| {
        let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
        let st = app.state();
        st.link_by_token(t)
            .filter(|(_, l)| {
                l.expires_at
                    .as_deref()
                    .is_none_or(|e| e.get(..10).unwrap_or(e) > today.as_str())
            })
            .map(|(p, l)| (p.id.clone(), l.permission.clone()))
    });
    let host = parts
        .headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || "-.:[]".contains(c))
        })
        .unwrap_or("localhost")
        .to_string();
    let ctx = Ctx {
        user,
        admin: app.is_admin(user),
        api: format!("http://{host}/api"),
        ui: format!("http://{host}"),
        query,
        headers: parts.headers.clone(),
        rdm_version: app.limits.rdm_version,
        link,
        withhold_checksums: app.faults.withhold_checksums,
    };
    let ua = parts
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    // Budgets are per client, as on the real server: user agent and address.
    let peer = parts
        .extensions
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|c| c.0.ip().to_string())
        .unwrap_or_default();
    // Searches have a budget of their own where the server says so (Zenodo: 30 a minute).
    let search = parts.method == Method::GET && {
        let last = parts
            .uri
            .path()
            .trim_end_matches('/')
            .rsplit('/')
            .next()
            .unwrap_or("");
        matches!(
            last,
            "records" | "versions" | "communities" | "requests" | "users"
        )
    };
    let (limit, class) = match app.limits.search_rate_limit {
        Some(l) if search => (l, "search"),
        _ => (app.limits.rate_limit_per_minute, "all"),
    };
    let (remaining, reset) = app.rate_take(&format!("{ua}|{peer}|{class}"), limit);
    app.counters
        .requests
        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    if search {
        app.counters
            .searches
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    }
    let mut resp = if remaining.is_none() {
        app.counters
            .rate_limited
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            if app.limits.rate_window_secs == 60 {
                format!("{limit} per 1 minute")
            } else {
                format!("{limit} per {} seconds", app.limits.rate_window_secs)
            },
        )
        .response()
    } else if let Some(r) = parts
        .uri
        .path()
        .starts_with("/api/")
        .then(|| app.faults.roll_before())
        .flatten()
    {
        r
    } else {
        let segs = decode_segments(parts.uri.path());
        // Only writes are answered 504 after the fact (as gateways do on a slow publish).
        let after = if parts.method == Method::GET || parts.method == Method::HEAD {
            None
        } else {
            app.faults.roll_after()
        };
        let r = match segs {
            Some(segs) => {
                let s: Vec<&str> = segs.iter().map(String::as_str).collect();
                let hold = app
                    .faults
                    .hold
                    .as_ref()
                    .and_then(|h| h.takes(&parts.method, &s));
                if let Some(crate::faults::HoldAt::UploadContent(_)) = hold {
                    return held_upload(body, app.faults.hold.as_deref()).await;
                }
                if let Some(n) = part_number(&parts.method, &s) {
                    let once = app.faults.refuse_part_once == n
                        && !app
                            .part_refused
                            .swap(true, std::sync::atomic::Ordering::SeqCst);
                    let fail = app.faults.fail_part_once == n
                        && !app
                            .part_failed
                            .swap(true, std::sync::atomic::Ordering::SeqCst);
                    if once || fail || app.faults.refuse_all_parts {
                        app.counters
                            .parts_faulted
                            .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        crate::util::drain(body).await;
                        return if fail {
                            ApiError::new(
                                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                                "Internal server error.",
                            )
                            .response()
                        } else {
                            ApiError::forbidden().response()
                        };
                    }
                }
                let r = app
                    .durable(async {
                        crate::routes::route(&app, &ctx, &parts.method, &s, body)
                            .await
                            .unwrap_or_else(|e| e.response())
                    })
                    .await;
                if let (Some(_), Some(h)) = (hold, &app.faults.hold) {
                    h.arrive();
                    tokio::time::sleep(crate::faults::Hold::WAIT).await;
                }
                if part_number(&parts.method, &s).is_some() && r.status().is_success() {
                    app.counters
                        .parts_stored
                        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                }
                let commit = parts.method == Method::POST
                    && matches!(
                        s.as_slice(),
                        ["api", "records", _, "draft", "files", _, "commit"]
                    );
                if commit
                    && r.status().is_success()
                    && app
                        .commits_lost
                        .fetch_update(
                            std::sync::atomic::Ordering::SeqCst,
                            std::sync::atomic::Ordering::SeqCst,
                            |n| (n < app.faults.lose_commits).then_some(n + 1),
                        )
                        .is_ok()
                {
                    ApiError::new(
                        StatusCode::GATEWAY_TIMEOUT,
                        "injected fault: the commit was carried out, its answer lost",
                    )
                    .response()
                } else {
                    r
                }
            }
            None => ApiError::route_not_found().response(),
        };
        match after {
            Some(fault) if parts.uri.path().starts_with("/api/") => fault,
            _ => r,
        }
    };
    let h = resp.headers_mut();
    h.insert("x-ratelimit-limit", HeaderValue::from(limit));
    h.insert(
        "x-ratelimit-remaining",
        HeaderValue::from(remaining.unwrap_or(0)),
    );
    h.insert("x-ratelimit-reset", HeaderValue::from(reset));
    if !h.contains_key(header::RETRY_AFTER) {
        // The real server sends the length of the rate-limit window.
        h.insert(
            header::RETRY_AFTER,
            HeaderValue::from(app.limits.rate_window_secs),
        );
    }
    // The security headers every real API response carries.
    for (k, v) in [
        ("permissions-policy", "interest-cohort=()"),
        ("x-frame-options", "sameorigin"),
        ("x-xss-protection", "1; mode=block"),
        ("x-content-type-options", "nosniff"),
        (
            "content-security-policy",
            "default-src 'self'; object-src 'none'",
        ),
        ("referrer-policy", "strict-origin-when-cross-origin"),
    ] {
        h.insert(k, HeaderValue::from_static(v));
    }
    if let Some(u) = user {
        h.insert("x-user-id", HeaderValue::from(u));
    }
    if matches!(
        parts.method,
        Method::POST | Method::PUT | Method::PATCH | Method::DELETE
    ) && let Ok(v) = HeaderValue::from_str(&format!(
        "csrftoken={}; Max-Age=604800; Path=/; SameSite=Lax",
        crate::util::random_hex(16)
    )) {
        h.insert(header::SET_COOKIE, v);
    }
    resp
}

fn bearer(h: &HeaderMap) -> Option<String> {
    let v = h.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = v.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim().to_string())
}

/// Splits a raw path into percent-decoded segments; `None` if a segment is not UTF-8.
fn decode_segments(path: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    for (i, raw) in path.split('/').enumerate() {
        if i == 0 {
            continue;
        }
        out.push(percent_decode_str(raw).decode_utf8().ok()?.into_owned());
    }
    Some(out)
}
