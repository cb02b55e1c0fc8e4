//! Paging a search: the query string, page and size (read leniently, as the server does),
//! the window, and the links to other pages.

use crate::app::Ctx;
use crate::query::Query;
use crate::util::{ApiError, ApiResult};
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;

/// A query as the real server treats it: text that is not valid query syntax is searched as
/// plain words (the real server falls back to a multi-field match), and text without any word
/// matches nothing.
pub(crate) struct Lenient(Option<Query>);

/// Window of the search engine: `(page - 1) * size` must stay below it.
pub(crate) const MAX_RESULTS: u64 = 10_000;

pub(crate) struct Paging {
    pub(crate) size: u64,
    pub(crate) page: u64,
}

/// The `q` and `suggest` of a search (blank ones dropped); both at once is a 400, as on the
/// real server.
pub(crate) fn query_text(ctx: &Ctx) -> ApiResult<(Option<&str>, Option<&str>)> {
    let q = ctx.q("q").filter(|s| !s.trim().is_empty());
    let suggest = ctx.q("suggest").filter(|s| !s.trim().is_empty());
    if q.is_some() && suggest.is_some() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "Invalid querystring parameters.",
        ));
    }
    Ok((q, suggest))
}

pub(crate) fn paging(ctx: &Ctx, default_size: u64) -> ApiResult<Paging> {
    let mut errors = Vec::new();
    let mut num = |name: &str, default: u64| -> u64 {
        match ctx.q(name) {
            None => default,
            Some(s) => match s.trim().parse::<i64>() {
                Ok(n) if n >= 1 => n as u64,
                Ok(_) => {
                    errors.push((
                        name.to_string(),
                        "Must be greater than or equal to 1.".to_string(),
                    ));
                    default
                }
                Err(_) => {
                    errors.push((name.to_string(), "Not a valid integer.".to_string()));
                    default
                }
            },
        }
    };
    let size = num("size", default_size);
    let page = num("page", 1);
    if !errors.is_empty() {
        return Err(ApiError::validation(errors));
    }
    if (page - 1).saturating_mul(size) >= MAX_RESULTS || size > MAX_RESULTS {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "Invalid querystring parameters.",
        ));
    }
    Ok(Paging { size, page })
}

pub(crate) fn truthy(s: Option<&str>) -> bool {
    matches!(
        s.map(str::to_ascii_lowercase).as_deref(),
        Some("true" | "1" | "yes" | "on")
    )
}

/// Builds `links` with alphabetically sorted query strings.
pub(crate) fn links(
    base: &str,
    params: &BTreeMap<String, Vec<String>>,
    p: &Paging,
    total: u64,
) -> Value {
    let url = |page: u64| {
        let mut all = params.clone();
        all.insert("page".into(), vec![page.to_string()]);
        all.insert("size".into(), vec![p.size.to_string()]);
        let mut parts = Vec::new();
        for (k, vs) in &all {
            for v in vs {
                parts.push(format!("{}={}", query_encode(k), query_encode(v)));
            }
        }
        format!("{base}?{}", parts.join("&"))
    };
    let mut l = json!({"self": url(p.page)});
    if p.page > 1 {
        l["prev"] = json!(url(p.page - 1));
    }
    if p.page * p.size < total && p.page * p.size < MAX_RESULTS {
        l["next"] = json!(url(p.page + 1));
    }
    l
}

/// Query-string encoding as the real server writes its links: space as `+`, `:` and `/`
/// kept, everything else outside the unreserved set percent-encoded.
pub(crate) fn query_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b':' | b'/' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl Lenient {
    pub(crate) fn parse(q: &str) -> Self {
        match Query::parse(q) {
            Ok(query) => Lenient(Some(query)),
            Err(_) => {
                let words: Vec<String> = q
                    .split(|c: char| !c.is_alphanumeric())
                    .filter(|w| !w.is_empty())
                    .map(str::to_lowercase)
                    .collect();
                Lenient(
                    Query::parse(&words.join(" "))
                        .ok()
                        .filter(|_| !words.is_empty()),
                )
            }
        }
    }

    pub(crate) fn matches(&self, doc: &Value) -> bool {
        self.0.as_ref().is_some_and(|q| q.matches(doc))
    }

    /// Whether the query is decided by the fields given alone (a parsed query naming only
    /// them; words searched everywhere are not).
    pub(crate) fn uses_only(&self, fields: &[&str]) -> bool {
        self.0.as_ref().is_some_and(|q| q.uses_only(fields))
    }

    pub(crate) fn score(&self, doc: &Value) -> f64 {
        self.0.as_ref().map(|q| q.score(doc)).unwrap_or(0.0)
    }
}
