//! OAI-PMH (`/oai2d`): Identify, ListMetadataFormats, ListSets (one set per community,
//! `community-{slug}`), ListIdentifiers, ListRecords and GetRecord, in Dublin Core
//! (`oai_dc`), ten records a page with resumption tokens, as invenio-oaiserver answers.
//! Public records only; a deleted record is not listed (`deletedRecord` is `no`).

use axum::http::{StatusCode, header};
use axum::response::Response;
use serde_json::Value;

use crate::app::{App, Ctx};
use crate::model::{Doc, State};
use crate::util::{ApiError, ApiResult};

/// Records a page (`OAISERVER_PAGE_SIZE`).
const PAGE: usize = 10;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `2026-12-07T02:18:33.123456+00:00` as a datestamp, `2026-12-07T02:18:33Z`.
fn datestamp(t: &str) -> String {
    format!("{}Z", t.get(..19).unwrap_or(t))
}

/// A `from`/`until` argument as a comparable datestamp (a date alone is its first or last
/// second); `None` when it is no datestamp.
fn bound(s: &str, end: bool) -> Option<String> {
    let ok_date = s.len() == 10 && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok();
    if ok_date {
        return Some(format!(
            "{s}T{}Z",
            if end { "23:59:59" } else { "00:00:00" }
        ));
    }
    chrono::NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%SZ")
        .ok()
        .map(|_| s.to_string())
}

fn answer(_ctx: &Ctx, request: &str, body: &str) -> ApiResult {
    answer_with(StatusCode::OK, request, body)
}

/// An OAI-PMH document; protocol errors go with a 422, as invenio-oaiserver sends them.
fn answer_with(status: StatusCode, request: &str, body: &str) -> ApiResult {
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
    let xml = format!(
        "<?xml version='1.0' encoding='UTF-8'?>\n<OAI-PMH xmlns=\"http://www.openarchives.org/OAI/2.0/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/ http://www.openarchives.org/OAI/2.0/OAI-PMH.xsd\"><responseDate>{now}</responseDate>{request}{body}</OAI-PMH>"
    );
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "text/xml; charset=utf-8")
        .body(axum::body::Body::from(xml))
        .map_err(|_| ApiError::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error"))
}

fn error(_ctx: &Ctx, request: &str, code: &str, message: &str) -> ApiResult {
    answer_with(
        StatusCode::UNPROCESSABLE_ENTITY,
        request,
        &format!("<error code=\"{code}\">{}</error>", esc(message)),
    )
}

/// The identifier of a record: `oai:{host}:{id}`.
fn identifier(ctx: &Ctx, id: &str) -> String {
    let host = ctx
        .ui
        .split("://")
        .nth(1)
        .unwrap_or("sandbox")
        .split(['/', ':'])
        .next()
        .unwrap_or("sandbox");
    format!("oai:{host}:{id}")
}

/// The public records in the order of the harvest (oldest change first).
fn harvestable(st: &State) -> Vec<&Doc> {
    let mut v: Vec<&Doc> = st
        .records
        .values()
        .filter(|d| {
            !d.is_deleted() && d.access.get("record").and_then(Value::as_str) != Some("restricted")
        })
        .collect();
    v.sort_by(|a, b| a.updated.cmp(&b.updated).then(a.id.cmp(&b.id)));
    v
}

/// The sets a record is in: its communities.
fn sets_of(st: &State, d: &Doc) -> Vec<String> {
    st.parents
        .get(&d.parent_id)
        .map(|p| {
            p.communities
                .iter()
                .filter_map(|c| st.communities.get(c))
                .map(|c| format!("community-{}", c.slug))
                .collect()
        })
        .unwrap_or_default()
}

fn header_xml(st: &State, ctx: &Ctx, d: &Doc) -> String {
    let sets: String = sets_of(st, d)
        .iter()
        .map(|s| format!("<setSpec>{}</setSpec>", esc(s)))
        .collect();
    format!(
        "<header><identifier>{}</identifier><datestamp>{}</datestamp>{sets}</header>",
        esc(&identifier(ctx, &d.id)),
        datestamp(&d.updated)
    )
}

/// The `field` of each entry of the metadata's list `key` (`languages`' ids, …).
fn terms<'a>(m: &'a serde_json::Map<String, Value>, key: &str, field: &str) -> Vec<&'a str> {
    m.get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|e| e.get(field).and_then(Value::as_str))
        .collect()
}

/// A record in Dublin Core.
fn oai_dc(st: &State, ctx: &Ctx, d: &Doc) -> String {
    let m = &d.metadata;
    let s = |k: &str| m.get(k).and_then(Value::as_str).map(str::to_string);
    let mut out = Vec::new();
    let mut el = |name: &str, v: &str| out.push(format!("<dc:{name}>{}</dc:{name}>", esc(v)));
    for c in m
        .get("creators")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let p = &c["person_or_org"];
        let name = match (p["family_name"].as_str(), p["given_name"].as_str()) {
            (Some(f), Some(g)) => format!("{f}, {g}"),
            _ => p["name"]
                .as_str()
                .or(p["family_name"].as_str())
                .unwrap_or("")
                .to_string(),
        };
        el("creator", &name);
    }
    if let Some(date) = s("publication_date") {
        el("date", &date);
    }
    if let Some(desc) = s("description") {
        el("description", &crate::render::strip_tags(&desc));
    }
    el("identifier", &identifier(ctx, &d.id));
    if let Some(doi) = d.pids.get("doi").and_then(|p| p["identifier"].as_str()) {
        el("identifier", &format!("https://doi.org/{doi}"));
    }
    for id in terms(m, "languages", "id") {
        el("language", id);
    }
    if let Some(p) = s("publisher") {
        el("publisher", &p);
    }
    for c in st
        .parents
        .get(&d.parent_id)
        .map(|p| p.communities.clone())
        .unwrap_or_default()
    {
        if let Some(c) = st.communities.get(&c) {
            el("relation", &format!("{}/communities/{}/", ctx.ui, c.slug));
        }
    }
    el("rights", "info:eu-repo/semantics/openAccess");
    for t in terms(m, "subjects", "subject") {
        el("subject", t);
    }
    if let Some(t) = s("title") {
        el("title", &t);
    }
    el("type", "info:eu-repo/semantics/other");
    format!(
        "<oai_dc:dc xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:oai_dc=\"http://www.openarchives.org/OAI/2.0/oai_dc/\" xsi:schemaLocation=\"http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd\">{}</oai_dc:dc>",
        out.concat()
    )
}

/// The arguments of a list, as given or as a resumption token carries them.
struct ListArgs {
    prefix: String,
    set: Option<String>,
    from: Option<String>,
    until: Option<String>,
    page: usize,
}

impl ListArgs {
    /// A token for the page after this one: the arguments, hex-encoded.
    fn next_token(&self) -> String {
        let plain =
            serde_json::json!([self.prefix, self.set, self.from, self.until, self.page + 1]);
        crate::util::hex(plain.to_string().as_bytes())
    }

    fn from_token(token: &str) -> Option<Self> {
        let bytes: Option<Vec<u8>> = (0..token.len())
            .step_by(2)
            .map(|i| {
                token
                    .get(i..i + 2)
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
            })
            .collect();
        let v: Value = serde_json::from_slice(&bytes?).ok()?;
        let opt = |i: usize| v[i].as_str().map(str::to_string);
        Some(Self {
            prefix: opt(0)?,
            set: opt(1),
            from: opt(2),
            until: opt(3),
            page: usize::try_from(v[4].as_u64()?).ok()?,
        })
    }
}

/// `GET /oai2d`.
pub(crate) fn oai(app: &App, ctx: &Ctx) -> ApiResult {
    let verb = ctx.q("verb").unwrap_or("");
    let request = format!(
        "<request verb=\"{}\">{}/oai2d</request>",
        esc(verb),
        esc(&ctx.ui)
    );
    let st = app.state();
    match verb {
        "Identify" => {
            let earliest = harvestable(&st)
                .first()
                .map(|d| datestamp(&d.updated))
                .unwrap_or_else(|| chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ").to_string());
            answer(
                ctx,
                &request,
                &format!(
                    "<Identify><repositoryName>InvenioRDM</repositoryName><baseURL>{}/oai2d</baseURL><protocolVersion>2.0</protocolVersion><adminEmail>info@sandbox.invalid</adminEmail><earliestDatestamp>{earliest}</earliestDatestamp><deletedRecord>no</deletedRecord><granularity>YYYY-MM-DDThh:mm:ssZ</granularity></Identify>",
                    esc(&ctx.ui)
                ),
            )
        }
        "ListMetadataFormats" => answer(
            ctx,
            &request,
            "<ListMetadataFormats><metadataFormat><metadataPrefix>oai_dc</metadataPrefix><schema>http://www.openarchives.org/OAI/2.0/oai_dc.xsd</schema><metadataNamespace>http://www.openarchives.org/OAI/2.0/oai_dc/</metadataNamespace></metadataFormat></ListMetadataFormats>",
        ),
        "ListSets" => {
            let sets: String = st
                .communities
                .values()
                .filter(|c| !c.deleted)
                .map(|c| {
                    let title = c
                        .metadata
                        .get("title")
                        .and_then(Value::as_str)
                        .unwrap_or("");
                    format!(
                        "<set><setSpec>community-{}</setSpec><setName>{}</setName></set>",
                        esc(&c.slug),
                        esc(title)
                    )
                })
                .collect();
            answer(ctx, &request, &format!("<ListSets>{sets}</ListSets>"))
        }
        "GetRecord" => {
            let prefix = ctx.q("metadataPrefix").unwrap_or("");
            if prefix != "oai_dc" {
                return error(
                    ctx,
                    &request,
                    "badArgument",
                    "metadataPrefix does not exist",
                );
            }
            let id = ctx.q("identifier").unwrap_or("");
            let rid = id.rsplit(':').next().unwrap_or("");
            match harvestable(&st)
                .into_iter()
                .find(|d| d.id == rid && identifier(ctx, rid) == id)
            {
                Some(d) => answer(
                    ctx,
                    &request,
                    &format!(
                        "<GetRecord><record>{}<metadata>{}</metadata></record></GetRecord>",
                        header_xml(&st, ctx, d),
                        oai_dc(&st, ctx, d)
                    ),
                ),
                None => error(ctx, &request, "idDoesNotExist", "No matching identifier"),
            }
        }
        "ListRecords" | "ListIdentifiers" => {
            let args = match ctx.q("resumptionToken") {
                Some(t) => match ListArgs::from_token(t) {
                    Some(a) => a,
                    None => {
                        return error(
                            ctx,
                            &request,
                            "badResumptionToken",
                            "The value of the resumptionToken argument is invalid or expired.",
                        );
                    }
                },
                None => {
                    let prefix = ctx.q("metadataPrefix").unwrap_or("");
                    if prefix != "oai_dc" {
                        return error(
                            ctx,
                            &request,
                            "badArgument",
                            "metadataPrefix does not exist",
                        );
                    }
                    let from = ctx.q("from").map(|f| bound(f, false));
                    let until = ctx.q("until").map(|u| bound(u, true));
                    if from.as_ref().is_some_and(Option::is_none)
                        || until.as_ref().is_some_and(Option::is_none)
                    {
                        return error(
                            ctx,
                            &request,
                            "badArgument",
                            "The from or until argument is not a valid datestamp.",
                        );
                    }
                    ListArgs {
                        prefix: prefix.to_string(),
                        set: ctx.q("set").map(str::to_string),
                        from: from.flatten(),
                        until: until.flatten(),
                        page: 1,
                    }
                }
            };
            let matching: Vec<&Doc> = harvestable(&st)
                .into_iter()
                .filter(|d| {
                    let stamp = datestamp(&d.updated);
                    args.set
                        .as_ref()
                        .is_none_or(|s| sets_of(&st, d).contains(s))
                        && args
                            .from
                            .as_ref()
                            .is_none_or(|f| stamp.as_str() >= f.as_str())
                        && args
                            .until
                            .as_ref()
                            .is_none_or(|u| stamp.as_str() <= u.as_str())
                })
                .collect();
            if matching.is_empty() {
                return error(ctx, &request, "noRecordsMatch", "");
            }
            let total = matching.len();
            let start = (args.page - 1) * PAGE;
            if start >= total {
                return error(
                    ctx,
                    &request,
                    "badResumptionToken",
                    "The value of the resumptionToken argument is invalid or expired.",
                );
            }
            let items: String = matching[start..(start + PAGE).min(total)]
                .iter()
                .map(|d| {
                    if verb == "ListIdentifiers" {
                        header_xml(&st, ctx, d)
                    } else {
                        format!(
                            "<record>{}<metadata>{}</metadata></record>",
                            header_xml(&st, ctx, d),
                            oai_dc(&st, ctx, d)
                        )
                    }
                })
                .collect();
            // Every page but a lone first one ends with a token; the last one's is empty.
            let token = if args.page == 1 && total <= PAGE {
                String::new()
            } else if start + PAGE < total {
                format!(
                    "<resumptionToken cursor=\"{start}\" completeListSize=\"{total}\">{}</resumptionToken>",
                    args.next_token()
                )
            } else {
                format!("<resumptionToken cursor=\"{start}\" completeListSize=\"{total}\"/>")
            };
            answer(ctx, &request, &format!("<{verb}>{items}{token}</{verb}>"))
        }
        other => error(
            ctx,
            &request,
            "badArgument",
            &format!("This is not a valid OAI-PMH verb:{other}"),
        ),
    }
}
