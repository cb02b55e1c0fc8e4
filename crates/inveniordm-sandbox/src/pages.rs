//! The pages behind the `self_html` links: a small read-only HTML view of the records (a
//! search page and a record page with its files and versions), built from the same
//! documents the API answers, with no script.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use crate::app::{App, Ctx};
use crate::util::ApiResult;

/// Escapes text for HTML.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// What stays as it is in a path segment or a query value: letters, digits and `-._~`.
const KEEP: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Percent-encodes a path segment or a query value.
fn enc(s: &str) -> String {
    percent_encoding::utf8_percent_encode(s, KEEP).to_string()
}

fn text<'a>(v: &'a Value, pointer: &str) -> &'a str {
    v.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:0 auto;padding:0 1rem;color:#222}\
header{display:flex;gap:1rem;align-items:center;justify-content:space-between;border-bottom:1px solid #ddd;padding:.5rem 0}\
header a{font-weight:600;text-decoration:none;color:#234}\
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.3rem .5rem;border-bottom:1px solid #eee}\
.meta{color:#666;font-size:.9rem}.hit{margin:1rem 0}.hit h2{font-size:1.1rem;margin:0}\
code{font-size:.85rem}";

/// A whole page.
fn page(status: StatusCode, title: &str, q: &str, body: &str) -> Response {
    let html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
<title>{} · inveniordm-sandbox</title><style>{STYLE}</style></head><body>\
<header><a href=\"/\">inveniordm-sandbox</a>\
<form action=\"/search\" method=\"get\"><input type=\"search\" name=\"q\" value=\"{}\" aria-label=\"Search records\"> \
<button type=\"submit\">Search</button></form></header><main>{body}</main></body></html>\n",
        esc(title),
        esc(q)
    );
    let mut r = Response::new(axum::body::Body::from(html));
    *r.status_mut() = status;
    r.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    r
}

fn error_page(status: StatusCode, what: &str) -> Response {
    page(
        status,
        what,
        "",
        &format!("<h1>{}</h1><p><a href=\"/\">All records</a></p>", esc(what)),
    )
}

/// The request as the API sees it: JSON asked for, with these query pairs.
fn api_ctx(ctx: &Ctx, query: Vec<(String, String)>) -> Ctx {
    let mut headers: HeaderMap = ctx.headers.clone();
    headers.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
    Ctx {
        user: ctx.user,
        admin: ctx.admin,
        api: ctx.api.clone(),
        ui: ctx.ui.clone(),
        query,
        headers,
        rdm_version: ctx.rdm_version,
        link: ctx.link.clone(),
        withhold_checksums: ctx.withhold_checksums,
    }
}

/// The JSON document of an API answer, or the answer's status.
async fn document(r: ApiResult) -> Result<Value, StatusCode> {
    let resp = r.unwrap_or_else(|e| e.response());
    let status = resp.status();
    if !status.is_success() {
        return Err(status);
    }
    let bytes = axum::body::to_bytes(resp.into_body(), 64 << 20)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)?;
    serde_json::from_slice(&bytes).map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)
}

fn creators(doc: &Value) -> String {
    doc.pointer("/metadata/creators")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|c| {
            let p = &c["person_or_org"];
            let name = match p["name"].as_str() {
                Some(n) => n.to_string(),
                None => [text(p, "/family_name"), text(p, "/given_name")]
                    .iter()
                    .filter(|s| !s.is_empty())
                    .copied()
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            format!("<span class=\"creator\">{}</span>", esc(&name))
        })
        .collect::<Vec<_>>()
        .join("; ")
}

/// A size as InvenioRDM's record page shows it: decimal units (`4.8 MB`), as its file
/// listing formats them.
fn human_size(n: u64) -> String {
    const UNITS: [&str; 5] = ["Bytes", "kB", "MB", "GB", "TB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1000.0 && u < UNITS.len() - 1 {
        v /= 1000.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} Bytes")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

fn meta_line(doc: &Value) -> String {
    let mut parts = Vec::new();
    let rt = doc
        .pointer("/metadata/resource_type/title/en")
        .and_then(Value::as_str)
        .or_else(|| {
            doc.pointer("/metadata/resource_type/id")
                .and_then(Value::as_str)
        });
    if let Some(rt) = rt {
        parts.push(esc(rt));
    }
    let date = text(doc, "/metadata/publication_date");
    if !date.is_empty() {
        parts.push(format!("Published {}", esc(date)));
    }
    let version = text(doc, "/metadata/version");
    if !version.is_empty() {
        parts.push(format!("Version {}", esc(version)));
    }
    if doc["is_published"] == Value::Bool(false) {
        parts.push("Draft, not published".into());
    }
    parts.join(" · ")
}

/// `GET /` and `GET /search?q=…&page=…`: published records.
pub(crate) async fn search(app: &App, ctx: &Ctx) -> Response {
    let q = ctx.q("q").unwrap_or("").to_string();
    let page_no: u64 = ctx
        .q("page")
        .and_then(|p| p.parse().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    let size = 20u64;
    let mut query = vec![
        ("page".to_string(), page_no.to_string()),
        ("size".to_string(), size.to_string()),
    ];
    if !q.is_empty() {
        query.push(("q".into(), q.clone()));
    }
    let inner = api_ctx(ctx, query);
    let doc = match document(crate::search::records(app, &inner, false)).await {
        Ok(d) => d,
        Err(StatusCode::BAD_REQUEST) => {
            return page(
                StatusCode::BAD_REQUEST,
                "Search",
                &q,
                "<h1>Search</h1><p>The query could not be read; try plain words.</p>",
            );
        }
        Err(s) => return error_page(s, "The search failed"),
    };
    let total = doc
        .pointer("/hits/total")
        .and_then(Value::as_u64)
        .unwrap_or(0);
    let hits = doc
        .pointer("/hits/hits")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    let mut body = format!(
        "<h1>{}</h1><p class=\"meta\" id=\"total\">{total} record{}</p>",
        if q.is_empty() {
            "All records".to_string()
        } else {
            format!("Records matching “{}”", esc(&q))
        },
        if total == 1 { "" } else { "s" }
    );
    for h in &hits {
        let id = text(h, "/id");
        body.push_str(&format!(
            "<div class=\"hit\"><h2><a href=\"/records/{}\">{}</a></h2><p class=\"meta\">{}</p><p>{}</p></div>",
            enc(id),
            esc(text(h, "/metadata/title")),
            meta_line(h),
            creators(h)
        ));
    }
    let mut nav = Vec::new();
    let link = |p: u64| {
        let mut s = format!("/search?page={p}");
        if !q.is_empty() {
            s.push_str(&format!("&q={}", enc(&q)));
        }
        esc(&s)
    };
    if page_no > 1 {
        nav.push(format!(
            "<a rel=\"prev\" href=\"{}\">Previous</a>",
            link(page_no - 1)
        ));
    }
    if page_no * size < total {
        nav.push(format!(
            "<a rel=\"next\" href=\"{}\">Next</a>",
            link(page_no + 1)
        ));
    }
    if !nav.is_empty() {
        body.push_str(&format!("<nav>{}</nav>", nav.join(" · ")));
    }
    page(StatusCode::OK, "Search", &q, &body)
}

/// `GET /records/{id}` (published) and `GET /uploads/{id}` (a draft, for who may see it).
pub(crate) async fn record(app: &App, ctx: &Ctx, id: &str, draft: bool) -> Response {
    let inner = api_ctx(ctx, ctx.query.clone());
    let answer = if draft {
        crate::drafts::get_draft(app, &inner, id)
    } else {
        crate::records::get_record(app, &inner, id)
    };
    let doc = match document(answer).await {
        Ok(d) => d,
        Err(StatusCode::FORBIDDEN) if !draft => {
            return error_page(StatusCode::FORBIDDEN, "This record is restricted");
        }
        Err(StatusCode::GONE) if !draft => {
            return error_page(StatusCode::GONE, "This record was deleted");
        }
        Err(StatusCode::NOT_FOUND | StatusCode::GONE | StatusCode::FORBIDDEN) => {
            return error_page(
                StatusCode::NOT_FOUND,
                if draft {
                    "No such draft (drafts are shown to their owner)"
                } else {
                    "No such record"
                },
            );
        }
        Err(s) => return error_page(s, "The record could not be read"),
    };
    let title = text(&doc, "/metadata/title").to_string();
    let mut body = format!(
        "<article><p class=\"meta\">{}</p><h1 id=\"title\">{}</h1><p id=\"creators\">{}</p>",
        meta_line(&doc),
        esc(&title),
        creators(&doc)
    );
    let description = text(&doc, "/metadata/description");
    if !description.is_empty() {
        body.push_str(&format!(
            "<section><h2>Description</h2><p>{}</p></section>",
            esc(&crate::render::strip_tags(description))
        ));
    }
    // Files: the record's listing, as the API gives it.
    let listing = if draft {
        crate::files::list(app, &inner, id, true)
    } else {
        crate::files::list(app, &inner, id, false)
    };
    let entries = match document(listing).await {
        Ok(l) => l["entries"].as_array().cloned().unwrap_or_default(),
        Err(_) => Vec::new(),
    };
    if doc.pointer("/files/enabled") == Some(&Value::Bool(false)) {
        body.push_str("<section><h2>Files</h2><p>Metadata only: no files.</p></section>");
    } else if !entries.is_empty() {
        body.push_str(
            "<section><h2>Files</h2><table id=\"files\"><thead><tr><th>File</th><th>Size</th><th>Checksum</th></tr></thead><tbody>",
        );
        for e in &entries {
            let key = text(e, "/key");
            let href = e
                .pointer("/links/content")
                .and_then(Value::as_str)
                .map(str::to_string)
                .unwrap_or_else(|| format!("/api/records/{}/files/{}/content", enc(id), enc(key)));
            body.push_str(&format!(
                "<tr><td><a class=\"file\" href=\"{}\" download>{}</a></td><td>{}</td><td><code>{}</code></td></tr>",
                esc(&href),
                esc(key),
                human_size(e["size"].as_u64().unwrap_or(0)),
                esc(text(e, "/checksum"))
            ));
        }
        body.push_str("</tbody></table></section>");
    }
    // Versions of a published record.
    if !draft {
        let vq = vec![("size".to_string(), "50".to_string())];
        if let Ok(v) = document(crate::search::versions(app, &api_ctx(ctx, vq), id)).await {
            let hits = v
                .pointer("/hits/hits")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            body.push_str("<section><h2>Versions</h2><ol id=\"versions\">");
            for h in &hits {
                let vid = text(h, "/id");
                let label = match text(h, "/metadata/version") {
                    "" => format!(
                        "Version {}",
                        h.pointer("/versions/index").unwrap_or(&Value::Null)
                    ),
                    v => format!("Version {v}"),
                };
                let this = if vid == id { " (this version)" } else { "" };
                body.push_str(&format!(
                    "<li><a href=\"/records/{}\">{}</a> {}{this}</li>",
                    enc(vid),
                    esc(&label),
                    esc(text(h, "/metadata/publication_date"))
                ));
            }
            body.push_str("</ol></section>");
        }
    }
    let doi = text(&doc, "/pids/doi/identifier");
    if !doi.is_empty() {
        body.push_str(&format!("<p>DOI <code id=\"doi\">{}</code></p>", esc(doi)));
    }
    let api = if draft {
        format!("/api/records/{}/draft", enc(id))
    } else {
        format!("/api/records/{}", enc(id))
    };
    body.push_str(&format!(
        "<p class=\"meta\">{} · <a href=\"{}\">JSON</a></p></article>",
        esc(id),
        esc(&api)
    ));
    page(StatusCode::OK, &title, "", &body)
}

/// `GET /records/{id}/latest`: to the latest version's page.
pub(crate) async fn latest(app: &App, ctx: &Ctx, id: &str) -> Response {
    let inner = api_ctx(ctx, Vec::new());
    let target = crate::records::latest(app, &inner, id).ok().and_then(|r| {
        r.headers()
            .get(header::LOCATION)
            .and_then(|l| l.to_str().ok())
            .and_then(|l| l.rsplit('/').next())
            .map(str::to_string)
    });
    match target {
        Some(latest) => {
            crate::render::redirect(StatusCode::FOUND, &format!("/records/{}", enc(&latest)))
        }
        None => error_page(StatusCode::NOT_FOUND, "No such record"),
    }
}
