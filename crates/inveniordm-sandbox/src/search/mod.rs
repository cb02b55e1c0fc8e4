//! Searches: records, the user's records, versions, vocabularies.

use crate::access::can_read;
use crate::app::{App, Ctx, check_accept};
use crate::model::Doc;
use crate::render;
use crate::util::{ApiError, ApiResult, json_response};
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeMap;

mod facets;
pub(crate) mod paging;

use self::facets::*;
use self::paging::*;

fn created(d: &Value) -> &str {
    d.get("created").and_then(Value::as_str).unwrap_or("")
}

fn updated(d: &Value) -> &str {
    d.get("updated").and_then(Value::as_str).unwrap_or("")
}

/// `GET /api/records` (`user = false`) and `GET /api/user/records` (`user = true`).
pub fn records(app: &App, ctx: &Ctx, user: bool) -> ApiResult {
    records_in(app, ctx, user, None)
}

/// `GET /api/communities/{id}/records`: the published records of a community.
pub fn community_records(app: &App, ctx: &Ctx, id_or_slug: &str) -> ApiResult {
    let id = {
        let st = app.state();
        match st.community(id_or_slug) {
            Some(c) => c.id.clone(),
            None => return Err(ApiError::pid_not_found()),
        }
    };
    records_in(app, ctx, false, Some(&id))
}

fn records_in(app: &App, ctx: &Ctx, user: bool, community: Option<&str>) -> ApiResult {
    check_accept(ctx)?;
    let me = if user {
        Some(ctx.require_user()?)
    } else {
        ctx.user
    };
    let (q, suggest) = query_text(ctx)?;
    let query = Lenient::parse(q.or(suggest).unwrap_or(""));
    let p = paging(ctx, 25)?;
    // Every sort option of a stock v13 and v14, on both searches.
    let sorts: &[&str] = &[
        "bestmatch",
        "newest",
        "oldest",
        "version",
        "updated-desc",
        "updated-asc",
        "mostviewed",
        "mostdownloaded",
    ];
    let has_q = q.is_some() || suggest.is_some();
    let sort = match ctx.q("sort").filter(|s| !s.is_empty()) {
        Some(s) if sorts.contains(&s) => s.to_string(),
        Some(s) => {
            return Err(ApiError::validation(vec![(
                "_schema".into(),
                format!("Invalid sort option '{s}'."),
            )]));
        }
        None if has_q => "bestmatch".into(),
        None if user => "updated-desc".into(),
        None => "newest".into(),
    };
    let all_versions = truthy(ctx.q("allversions"));
    let facets: &[&str] = if user {
        &[
            "access_status",
            "is_published",
            "resource_type",
            "file_type",
        ]
    } else {
        &["access_status", "file_type", "resource_type"]
    };
    let mut selected: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (k, v) in &ctx.query {
        if facets.contains(&k.as_str()) {
            selected.entry(k.clone()).or_default().push(v.clone());
        }
    }
    // A query on ids alone (what listings past the window send, `id:ab*`) is decided before
    // a record is rendered: only the records it matches are.
    let by_id = query.uses_only(&["id"]);
    let skip = |id: &str| by_id && !query.matches(&json!({ "id": id }));
    let st = app.state();
    let idx = crate::model::Index::new(&st);
    let mut docs: Vec<Value> = Vec::new();
    if user {
        let uid = me.unwrap_or(-1);
        // Drafts too new for the (imitated) index: `Faults::index_delay_ms`.
        let delay = app.faults.index_delay_ms;
        let indexed_before = (delay > 0).then(|| {
            (chrono::Utc::now() - chrono::Duration::milliseconds(delay as i64))
                .format("%Y-%m-%dT%H:%M:%S%.6f+00:00")
                .to_string()
        });
        for d in st.drafts.values().filter(|d| {
            d.owner == uid
                && !skip(&d.id)
                && indexed_before
                    .as_deref()
                    .is_none_or(|t| d.created.as_str() <= t)
        }) {
            let newest = idx.newest_draft(&d.parent_id).max(idx.latest(&d.parent_id));
            // The latest draft only (`is_latest_draft`): an edit draft of an older version
            // is not listed once a newer version exists.
            if all_versions || d.index >= newest {
                docs.push(hit(render::record_with(
                    &st, &idx, &app.vocab, d, true, ctx,
                )));
            }
        }
        for r in st
            .records
            .values()
            .filter(|r| r.owner == uid && !st.drafts.contains_key(&r.id) && !skip(&r.id))
        {
            let has_newer_draft = idx.newest_draft(&r.parent_id) > r.index;
            let latest = idx.latest(&r.parent_id) == r.index;
            if all_versions || (latest && !has_newer_draft) {
                docs.push(hit(render::record_with(
                    &st, &idx, &app.vocab, r, false, ctx,
                )));
            }
        }
    } else {
        for r in st.records.values() {
            if skip(&r.id) || !can_read(&st, ctx, r) {
                continue;
            }
            if let Some(c) = community
                && !st
                    .parents
                    .get(&r.parent_id)
                    .is_some_and(|p| p.communities.iter().any(|x| x == c))
            {
                continue;
            }
            if !all_versions && idx.latest(&r.parent_id) != r.index {
                continue;
            }
            docs.push(hit(render::record_with(
                &st, &idx, &app.vocab, r, false, ctx,
            )));
        }
    }
    drop(st);
    let matched: Vec<&Value> = docs.iter().filter(|d| query.matches(d)).collect();
    let aggs = aggregations(app, facets, &matched, &selected);
    let mut hits: Vec<&Value> = matched
        .into_iter()
        .filter(|d| passes_filters(d, facets, &selected))
        .collect();
    match sort.as_str() {
        "bestmatch" => {
            let mut scored: Vec<(f64, &Value)> =
                hits.iter().map(|d| (query.score(d), *d)).collect();
            scored.sort_by(|a, b| {
                b.0.partial_cmp(&a.0)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(created(b.1).cmp(created(a.1)))
            });
            hits = scored.into_iter().map(|(_, d)| d).collect();
        }
        "oldest" => hits.sort_by(|a, b| created(a).cmp(created(b))),
        "updated-desc" => hits.sort_by(|a, b| updated(b).cmp(updated(a))),
        "updated-asc" => hits.sort_by(|a, b| updated(a).cmp(updated(b))),
        "version" => hits.sort_by(|a, b| {
            let i = |d: &Value| {
                d.pointer("/versions/index")
                    .and_then(Value::as_u64)
                    .unwrap_or(0)
            };
            i(b).cmp(&i(a)).then(created(b).cmp(created(a)))
        }),
        _ => hits.sort_by(|a, b| created(b).cmp(created(a))),
    }
    let total = hits.len() as u64;
    let page: Vec<Value> = hits
        .into_iter()
        .skip(((p.page - 1) * p.size) as usize)
        .take(p.size as usize)
        .cloned()
        .collect();
    let mut params: BTreeMap<String, Vec<String>> = selected.clone();
    params.insert("sort".into(), vec![sort.clone()]);
    if let Some(q) = q {
        params.insert("q".into(), vec![q.to_string()]);
    }
    if let Some(s) = suggest {
        params.insert("suggest".into(), vec![s.to_string()]);
    }
    if all_versions {
        params.insert("allversions".into(), vec!["True".into()]);
    }
    let base = if let Some(c) = community {
        format!("{}/communities/{c}/records", ctx.api)
    } else if user {
        format!("{}/user/records", ctx.api)
    } else {
        format!("{}/records", ctx.api)
    };
    let ui = render::wants_ui(ctx);
    let mut page = page;
    if ui {
        for h in page.iter_mut() {
            render::add_ui(&app.vocab, h);
        }
    }
    let mut body = json!({
        "hits": {"hits": page, "total": total},
        "aggregations": aggs,
        "sortBy": sort,
        "links": links(&base, &params, &p, total),
    });
    if !ui {
        // The real server's vnd serializer leaves `page` out.
        body["page"] = json!(p.page);
    }
    Ok(render::negotiated(json_response(StatusCode::OK, &body), ui))
}

/// `GET /api/records/{id}/versions`.
pub fn versions(app: &App, ctx: &Ctx, id: &str) -> ApiResult {
    check_accept(ctx)?;
    let p = paging(ctx, 25)?;
    let st = app.state();
    let idx = crate::model::Index::new(&st);
    let parent = if let Some(r) = st.records.get(id) {
        r.parent_id.clone()
    } else if let Some(d) = st.drafts.get(id) {
        if ctx.user != Some(d.owner) {
            return Err(ApiError::forbidden());
        }
        d.parent_id.clone()
    } else {
        return Err(ApiError::pid_not_found());
    };
    let all: Vec<&Doc> = st
        .versions_of(&parent)
        .into_iter()
        .filter(|r| can_read(&st, ctx, r))
        .collect();
    let total = all.len() as u64;
    let hits: Vec<Value> = all
        .into_iter()
        .skip(((p.page - 1) * p.size) as usize)
        .take(p.size as usize)
        .map(|r| hit(render::record_with(&st, &idx, &app.vocab, r, false, ctx)))
        .collect();
    let mut params = BTreeMap::new();
    params.insert("sort".to_string(), vec!["version".to_string()]);
    if truthy(ctx.q("allversions")) {
        params.insert("allversions".into(), vec!["True".into()]);
    }
    let body = json!({
        "hits": {"hits": hits, "total": total},
        "sortBy": "version",
        "page": p.page,
        "links": links(&format!("{}/records/{id}/versions", ctx.api), &params, &p, total),
    });
    Ok(json_response(StatusCode::OK, &body))
}

/// A search hit: record entries without per-file links or storage class.
fn hit(mut doc: Value) -> Value {
    render::entries_summary(&mut doc, false);
    // The search index keeps less of a record's communities than the record itself.
    if let Some(entries) = doc
        .pointer_mut("/parent/communities/entries")
        .and_then(Value::as_array_mut)
    {
        for e in entries {
            if let Some(o) = e.as_object_mut() {
                o.remove("custom_fields");
            }
            if let Some(m) = e.get_mut("metadata").and_then(Value::as_object_mut) {
                m.remove("description");
            }
        }
    }
    doc
}

/// A search over documents other than records (communities, requests, members, users): `q`
/// over every field, one of `sorts` (the first is the default without `q`; `bestmatch` is the
/// default with one), paging and links. `sort_key` gives a document's key for the `name`
/// and `title` sorts.
pub(crate) fn list(
    ctx: &Ctx,
    docs: Vec<Value>,
    base: &str,
    sorts: &[&str],
    sort_key: fn(&Value) -> String,
) -> ApiResult<Value> {
    let (q, suggest) = query_text(ctx)?;
    let text = q.or(suggest);
    let query = Lenient::parse(text.unwrap_or(""));
    let p = paging(ctx, 25)?;
    let sort = match ctx.q("sort").filter(|s| !s.is_empty()) {
        Some(s) if sorts.contains(&s) || s == "bestmatch" => s.to_string(),
        Some(s) => {
            return Err(ApiError::validation(vec![(
                "_schema".into(),
                format!("Invalid sort option '{s}'."),
            )]));
        }
        None if text.is_some() => "bestmatch".into(),
        None => sorts.first().copied().unwrap_or("newest").to_string(),
    };
    let mut hits: Vec<Value> = if text.is_some() {
        docs.into_iter().filter(|d| query.matches(d)).collect()
    } else {
        docs
    };
    match sort.as_str() {
        "bestmatch" if text.is_some() => {
            let mut scored: Vec<(f64, Value)> =
                hits.into_iter().map(|d| (query.score(&d), d)).collect();
            scored.sort_by(|a, b| {
                b.0.partial_cmp(&a.0)
                    .unwrap_or(std::cmp::Ordering::Equal)
                    .then(created(&b.1).cmp(created(&a.1)))
            });
            hits = scored.into_iter().map(|(_, d)| d).collect();
        }
        "oldest" => hits.sort_by(|a, b| created(a).cmp(created(b))),
        "name" | "title" => hits.sort_by_key(|d| sort_key(d).to_lowercase()),
        "updated-desc" => hits.sort_by(|a, b| updated(b).cmp(updated(a))),
        // Featured communities come in the order the caller put them (by featured date).
        "featured" => {}
        _ => hits.sort_by(|a, b| created(b).cmp(created(a))),
    }
    let total = hits.len() as u64;
    let page: Vec<Value> = hits
        .into_iter()
        .skip(((p.page - 1) * p.size) as usize)
        .take(p.size as usize)
        .collect();
    let mut params: BTreeMap<String, Vec<String>> = BTreeMap::new();
    params.insert("sort".into(), vec![sort.clone()]);
    if let Some(q) = q {
        params.insert("q".into(), vec![q.to_string()]);
    }
    if let Some(s) = suggest {
        params.insert("suggest".into(), vec![s.to_string()]);
    }
    Ok(json!({
        "hits": {"hits": page, "total": total},
        "aggregations": {},
        "sortBy": sort,
        "page": p.page,
        "links": links(base, &params, &p, total),
    }))
}
