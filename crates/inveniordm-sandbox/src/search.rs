//! Searches: records, the user's records, versions, vocabularies.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use crate::access::can_read;
use crate::app::{App, Ctx, check_accept};
use crate::model::Doc;
use crate::query::Query;
use crate::render;
use crate::util::{ApiError, ApiResult, json_response};

/// A query as the real server treats it: text that is not valid query syntax is searched as
/// plain words (the real server falls back to a multi-field match), and text without any word
/// matches nothing.
pub(crate) struct Lenient(Option<Query>);

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

/// Window of the search engine: `(page - 1) * size` must stay below it.
const MAX_RESULTS: u64 = 10_000;

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

fn truthy(s: Option<&str>) -> bool {
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

/// Facet values of a rendered record.
fn facet_values(doc: &Value, facet: &str) -> Vec<(String, Option<String>)> {
    match facet {
        "resource_type" => {
            let id = doc
                .pointer("/metadata/resource_type/id")
                .and_then(Value::as_str)
                .unwrap_or("");
            if id.is_empty() {
                return vec![];
            }
            let top = id.split('-').next().unwrap_or(id).to_string();
            if top == id {
                vec![(top, None)]
            } else {
                vec![(top, Some(id.to_string()))]
            }
        }
        "access_status" => doc
            .pointer("/access/status")
            .and_then(Value::as_str)
            .map(|s| vec![(s.to_string(), None)])
            .unwrap_or_default(),
        "file_type" => {
            let mut out: Vec<(String, Option<String>)> = Vec::new();
            if let Some(Value::Object(entries)) = doc.pointer("/files/entries") {
                for e in entries.values() {
                    if let Some(x) = e.get("ext").and_then(Value::as_str)
                        && !out.iter().any(|(k, _)| k == x)
                    {
                        out.push((x.to_string(), None));
                    }
                }
            }
            out
        }
        "is_published" => {
            let p = doc
                .get("is_published")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            vec![(p.to_string(), None)]
        }
        _ => vec![],
    }
}

fn facet_label(app: &App, facet: &str, key: &str) -> String {
    match facet {
        "resource_type" => app
            .vocab
            .title_en("resourcetypes", key)
            .unwrap_or_else(|| key.to_string()),
        "access_status" => match key {
            "open" => "Open".into(),
            "restricted" => "Restricted".into(),
            "embargoed" => "Embargoed".into(),
            "metadata-only" => "Metadata-only".into(),
            k => k.to_string(),
        },
        "is_published" => {
            if key == "true" {
                "Published".into()
            } else {
                "Unpublished".into()
            }
        }
        "file_type" => key.to_uppercase(),
        _ => key.to_string(),
    }
}

/// A facet bucket: key, (count, sub-buckets).
type Bucket = (String, (u64, BTreeMap<String, u64>));

fn aggregations(
    app: &App,
    facets: &[&str],
    docs: &[&Value],
    selected: &BTreeMap<String, Vec<String>>,
) -> Value {
    let mut out = Map::new();
    for f in facets {
        let mut counts: BTreeMap<String, (u64, BTreeMap<String, u64>)> = BTreeMap::new();
        for d in docs {
            for (k, sub) in facet_values(d, f) {
                let e = counts.entry(k).or_default();
                e.0 += 1;
                if let Some(s) = sub {
                    *e.1.entry(s).or_default() += 1;
                }
            }
        }
        let mut buckets: Vec<Bucket> = counts.into_iter().collect();
        buckets.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
        let sel = selected.get(*f).cloned().unwrap_or_default();
        let buckets: Vec<Value> = buckets
            .into_iter()
            .map(|(k, (n, subs))| {
                let mut b = json!({"key": k, "doc_count": n, "label": facet_label(app, f, &k), "is_selected": sel.iter().any(|s| s == &k || s.starts_with(&format!("{k}::")))});
                if *f == "resource_type" {
                    let inner: Vec<Value> = subs
                        .into_iter()
                        .map(|(s, c)| json!({"key": s, "doc_count": c, "label": facet_label(app, f, &s), "is_selected": sel.iter().any(|x| x.ends_with(&format!("::{s}")))}))
                        .collect();
                    b["inner"] = json!({"buckets": inner});
                }
                b
            })
            .collect();
        let label = match *f {
            "resource_type" => "Resource types",
            "access_status" => "Access status",
            "file_type" => "File type",
            "is_published" => "Status",
            other => other,
        };
        out.insert(
            (*f).to_string(),
            json!({"buckets": buckets, "label": label}),
        );
    }
    Value::Object(out)
}

fn passes_filters(doc: &Value, facets: &[&str], selected: &BTreeMap<String, Vec<String>>) -> bool {
    for f in facets {
        let Some(wanted) = selected.get(*f) else {
            continue;
        };
        let vals = facet_values(doc, f);
        let ok = wanted.iter().any(|w| {
            let (top, sub) = match w.split_once("::") {
                Some((t, s)) => (t, Some(s)),
                None => (w.as_str(), None),
            };
            vals.iter().any(|(k, s)| {
                k == top
                    && (sub.is_none() || s.as_deref() == sub || (s.is_none() && sub == Some(top)))
            })
        });
        if !ok {
            return false;
        }
    }
    true
}

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

/// Query-string encoding as the real server writes its links: space as `+`, `:` and `/`
/// kept, everything else outside the unreserved set percent-encoded.
fn query_encode(s: &str) -> String {
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
