//! Vocabulary endpoints: searches and terms of `/api/vocabularies/{type}` and of the special
//! vocabularies (`/api/affiliations`, …).

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::app::{App, Ctx, check_accept};
use crate::search::paging::{Lenient, links, paging, query_text};
use crate::util::{ApiError, ApiResult, enc, json_response};

/// `GET /api/vocabularies/{type}` and `GET /api/{affiliations|funders|awards|names|subjects}`.
pub fn vocabulary(app: &App, ctx: &Ctx, t: &str) -> ApiResult {
    check_accept(ctx)?;
    if !app.vocab.has_type(t) {
        return Err(ApiError::route_not_found());
    }
    let (q, suggest) = query_text(ctx)?;
    let query = Lenient::parse(q.unwrap_or(""));
    let p = paging(ctx, 25)?;
    let name_sort = if ["affiliations", "funders", "names"].contains(&t) {
        "name"
    } else {
        "title"
    };
    let has_q = q.is_some() || suggest.is_some();
    let sort = match ctx.q("sort").filter(|s| !s.is_empty()) {
        Some(s) if ["bestmatch", "title", "name", "newest", "oldest"].contains(&s) => s.to_string(),
        Some(s) => {
            return Err(ApiError::validation(vec![(
                "_schema".into(),
                format!("Invalid sort option '{s}'."),
            )]));
        }
        None if has_q => "bestmatch".into(),
        None => name_sort.into(),
    };
    let tags: Vec<&str> = ctx
        .query
        .iter()
        .filter(|(k, _)| k == "tags")
        .map(|(_, v)| v.as_str())
        .collect();
    let label = |v: &Value| -> String {
        v.pointer("/title/en")
            .or_else(|| v.get("name"))
            .or_else(|| v.get("subject"))
            .or_else(|| v.get("id"))
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_lowercase()
    };
    let mut hits: Vec<&Value> = app
        .vocab
        .terms(t)
        .iter()
        .filter(|v| query.matches(v))
        .filter(|v| match suggest {
            None => true,
            Some(s) => {
                let s = s.to_lowercase();
                let text = v.to_string().to_lowercase();
                s.split_whitespace().all(|w| text.contains(w))
            }
        })
        .filter(|v| {
            tags.is_empty()
                || v.get("tags")
                    .and_then(Value::as_array)
                    .is_some_and(|ts| tags.iter().all(|t| ts.iter().any(|x| x == t)))
        })
        .collect();
    if sort == "bestmatch" {
        // Each term scored once (not once per comparison).
        let mut scored: Vec<(f64, usize, String, &Value)> = hits
            .into_iter()
            .map(|v| {
                let l = label(v);
                (query.score(v), l.chars().count(), l, v)
            })
            .collect();
        scored.sort_by(|a, b| {
            b.0.partial_cmp(&a.0)
                .unwrap_or(std::cmp::Ordering::Equal)
                // Like the engine's field-length norm: among equal matches, shorter titles
                // first ("English" before "Old English").
                .then(a.1.cmp(&b.1))
                .then(a.2.cmp(&b.2))
        });
        hits = scored.into_iter().map(|(_, _, _, v)| v).collect();
    } else {
        hits.sort_by_cached_key(|a| label(a));
    }
    let total = hits.len() as u64;
    let page: Vec<Value> = hits
        .into_iter()
        .skip(((p.page - 1) * p.size) as usize)
        .take(p.size as usize)
        .map(|v| app.vocab.render(t, v, &ctx.api))
        .collect();
    let mut params = BTreeMap::new();
    params.insert("sort".to_string(), vec![sort.clone()]);
    if let Some(q) = q {
        params.insert("q".into(), vec![q.to_string()]);
    }
    if let Some(s) = suggest {
        params.insert("suggest".into(), vec![s.to_string()]);
    }
    let base = if crate::vocab::SPECIAL.contains(&t) {
        format!("{}/{t}", ctx.api)
    } else {
        format!("{}/vocabularies/{}", ctx.api, enc(t))
    };
    let body = json!({
        "hits": {"hits": page, "total": total},
        "sortBy": sort,
        "page": p.page,
        "links": links(&base, &params, &p, total),
    });
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /api/vocabularies/{type}/{id}`.
pub fn term(app: &App, ctx: &Ctx, t: &str, id: &str) -> ApiResult {
    check_accept(ctx)?;
    if !app.vocab.has_type(t) {
        return Err(ApiError::route_not_found());
    }
    let term = app.vocab.term(t, id).ok_or_else(ApiError::pid_not_found)?;
    Ok(crate::app::with_etag(
        json_response(StatusCode::OK, &app.vocab.render(t, term, &ctx.api)),
        1,
    ))
}
