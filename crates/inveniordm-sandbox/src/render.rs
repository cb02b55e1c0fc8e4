//! Documents as the API serves them: records, drafts, file entries, listings.

use serde_json::{Map, Value, json};

use crate::app::{App, Ctx, with_etag};
use crate::model::{Doc, FileRow, State};
use crate::util::enc;
use crate::util::json_response;
use crate::vocab::Vocabularies;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;

/// The bucket name of a draft or record.
pub fn bucket(id: &str, draft: bool) -> String {
    if draft {
        format!("d:{id}")
    } else {
        format!("r:{id}")
    }
}

/// A stable UUID-shaped id for a bucket name.
fn bucket_uuid(bucket: &str) -> String {
    use sha2::Digest;
    let h: String = sha2::Sha256::digest(bucket.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    crate::util::uuid_from_hex(&h)
}

/// The extension of a key, lower-cased.
pub fn ext(key: &str) -> Option<String> {
    let name = key.rsplit('/').next().unwrap_or(key);
    let (stem, e) = name.rsplit_once('.')?;
    (!stem.is_empty() && !e.is_empty()).then(|| e.to_ascii_lowercase())
}

/// A file entry as the files endpoints serve it.
pub fn file_entry(f: &FileRow, id: &str, draft: bool, ctx: &Ctx) -> Value {
    let base = if draft {
        format!("{}/records/{id}/draft/files/{}", ctx.api, enc(&f.key))
    } else {
        format!("{}/records/{id}/files/{}", ctx.api, enc(&f.key))
    };
    let mut links = json!({"self": base, "content": format!("{base}/content")});
    if draft {
        links["commit"] = json!(format!("{base}/commit"));
    }
    let multipart = f.multipart.filter(|_| draft && f.status == "pending");
    if let Some((parts, _)) = multipart {
        // Parts go to their own URLs; there is no single content URL.
        let expiration = crate::util::expires_at();
        links["parts"] = json!(
            (1..=parts)
                .map(|n| json!({"part": n, "url": format!("{base}/content/{n}"), "expiration": expiration}))
                .collect::<Vec<_>>()
        );
        if let Some(o) = links.as_object_mut() {
            o.remove("content");
        }
    }
    let mut e = json!({
        "key": f.key,
        "created": f.created,
        "updated": f.updated,
        "status": f.status,
        "metadata": if f.metadata.is_null() { Value::Null } else { f.metadata.clone() },
        "access": if f.access.is_null() { json!({"hidden": false}) } else { f.access.clone() },
        "transfer": match (multipart, &f.fetch, &f.fetch_error) {
            _ if f.remote.is_some() => json!({"type": "R"}),
            (Some((parts, part_size)), _, _) => json!({"type": "M", "parts": parts, "part_size": part_size}),
            (None, _, Some(e)) => json!({"type": "F", "error": e}),
            (None, Some(_), None) => json!({"type": "F"}),
            (None, None, None) => json!({"type": "L"}),
        },
        "links": links,
    });
    if f.status == "completed" {
        // A multipart file's md5 is computed after its commit: null until then.
        e["checksum"] = match &f.md5 {
            Some(m) => json!(format!("md5:{m}")),
            None => Value::Null,
        };
        e["size"] = json!(f.size.unwrap_or(0));
        e["mimetype"] = json!(f.mimetype.as_deref().unwrap_or("application/octet-stream"));
        e["version_id"] = json!(f.version_id);
        e["file_id"] = json!(f.file_id);
        e["bucket_id"] = json!(bucket_uuid(&f.bucket));
        e["storage_class"] = json!("L");
        if f.metadata.is_null() {
            e["metadata"] = json!({});
        }
        if f.remote.is_some() {
            // The declared checksum, whatever its algorithm, or none.
            e["checksum"] = json!(f.declared_checksum);
        } else if ctx.withhold_checksums {
            e["checksum"] = Value::Null;
        }
    } else {
        if let Some(s) = f.declared_size {
            e["size"] = json!(s);
        }
        if let Some(c) = &f.declared_checksum {
            e["checksum"] = json!(c);
        }
        if multipart.is_some() {
            // A multipart upload has its file object from the start.
            e["checksum"] = Value::Null;
            e["mimetype"] = json!(
                mime_guess::from_path(&f.key)
                    .first_or_octet_stream()
                    .essence_str()
            );
            e["version_id"] = json!(f.version_id);
            e["file_id"] = json!(f.file_id);
            e["bucket_id"] = json!(bucket_uuid(&f.bucket));
            e["storage_class"] = json!("L");
        }
    }
    e
}

/// A file listing (`/draft/files`, `/files`).
pub fn file_listing(st: &State, d: &Doc, draft: bool, ctx: &Ctx) -> Value {
    let base = if draft {
        format!("{}/records/{}/draft/files", ctx.api, d.id)
    } else {
        format!("{}/records/{}/files", ctx.api, d.id)
    };
    let archive = if draft {
        format!("{}/records/{}/draft/files-archive", ctx.api, d.id)
    } else {
        format!("{}/records/{}/files-archive", ctx.api, d.id)
    };
    if !d.files_enabled {
        return json!({"enabled": false, "links": {"self": base, "archive": archive}});
    }
    let entries: Vec<Value> = st
        .bucket(&bucket(&d.id, draft))
        .into_iter()
        .map(|f| file_entry(f, &d.id, draft, ctx))
        .collect();
    json!({
        "enabled": true,
        "links": {"self": base, "archive": archive},
        "entries": entries,
        "default_preview": d.default_preview,
        "order": d.order,
    })
}

/// Metadata with vocabulary references expanded (`{"id"}` → `{"id", "title"}`, names filled).
pub fn expand_metadata(v: &Vocabularies, m: &Map<String, Value>) -> Value {
    let mut out = m.clone();
    let r = |t: &str, val: &Value| -> Value {
        match val
            .get("id")
            .and_then(Value::as_str)
            .and_then(|id| v.reference(t, id))
        {
            Some(x) => x,
            None => val.clone(),
        }
    };
    if let Some(rt) = out.get("resource_type").cloned() {
        out.insert("resource_type".into(), r("resourcetypes", &rt));
    }
    if let Some(Value::Array(ls)) = out.get("languages").cloned() {
        out.insert(
            "languages".into(),
            Value::Array(ls.iter().map(|l| r("languages", l)).collect()),
        );
    }
    for (field, roles) in [
        ("creators", "creatorsroles"),
        ("contributors", "contributorsroles"),
    ] {
        if let Some(Value::Array(cs)) = out.get(field).cloned() {
            let cs: Vec<Value> = cs
                .into_iter()
                .map(|mut c| {
                    if let Some(role) = c.get("role").cloned() {
                        c["role"] = r(roles, &role);
                    }
                    if let Some(Value::Array(affs)) = c.get("affiliations").cloned() {
                        c["affiliations"] = Value::Array(
                            affs.into_iter()
                                .map(|a| {
                                    match a
                                        .get("id")
                                        .and_then(Value::as_str)
                                        .and_then(|id| v.term("affiliations", id))
                                    {
                                        Some(t) => json!({"id": t["id"], "name": t["name"]}),
                                        None => a,
                                    }
                                })
                                .collect(),
                        );
                    }
                    c
                })
                .collect();
            out.insert(field.into(), Value::Array(cs));
        }
    }
    if let Some(Value::Array(rs)) = out.get("rights").cloned() {
        let rs = rs
            .into_iter()
            .map(|x| {
                match x
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(|id| v.term("licenses", id))
                {
                    Some(t) => {
                        let mut o = json!({"id": t["id"], "title": t["title"]});
                        for k in ["description", "icon"] {
                            if let Some(val) = t.get(k) {
                                o[k] = val.clone();
                            }
                        }
                        let mut props = Map::new();
                        for k in ["url", "scheme"] {
                            if let Some(val) = t.get("props").and_then(|p| p.get(k)) {
                                props.insert(k.into(), val.clone());
                            }
                        }
                        o["props"] = Value::Object(props);
                        o
                    }
                    None => x,
                }
            })
            .collect();
        out.insert("rights".into(), Value::Array(rs));
    }
    for (field, keys) in [
        ("dates", &[("type", "datetypes")][..]),
        (
            "additional_titles",
            &[("type", "titletypes"), ("lang", "languages")][..],
        ),
        (
            "additional_descriptions",
            &[("type", "descriptiontypes"), ("lang", "languages")][..],
        ),
        (
            "related_identifiers",
            &[
                ("relation_type", "relationtypes"),
                ("resource_type", "resourcetypes"),
            ][..],
        ),
    ] {
        if let Some(Value::Array(list)) = out.get(field).cloned() {
            let list = list
                .into_iter()
                .map(|mut item| {
                    for (k, t) in keys {
                        if let Some(val) = item.get(*k).cloned() {
                            item[*k] = r(t, &val);
                        }
                    }
                    item
                })
                .collect();
            out.insert(field.into(), Value::Array(list));
        }
    }
    if let Some(Value::Array(subjects)) = out.get("subjects").cloned() {
        let s = subjects
            .into_iter()
            .map(|x| {
                match x
                    .get("id")
                    .and_then(Value::as_str)
                    .and_then(|id| v.term("subjects", id))
                {
                    Some(t) => {
                        json!({"id": t["id"], "subject": t["subject"], "scheme": t["scheme"]})
                    }
                    None => x,
                }
            })
            .collect();
        out.insert("subjects".into(), Value::Array(s));
    }
    Value::Object(out)
}

/// The computed `access.status`.
pub fn access_status(d: &Doc) -> &'static str {
    let a = &d.access;
    if a.get("record").and_then(Value::as_str) == Some("restricted") {
        return "restricted";
    }
    if a.get("embargo")
        .and_then(|e| e.get("active"))
        .and_then(Value::as_bool)
        == Some(true)
    {
        return "embargoed";
    }
    if !d.files_enabled {
        return "metadata-only";
    }
    if a.get("files").and_then(Value::as_str) == Some("restricted") {
        return "restricted";
    }
    "open"
}

/// A record or draft as the API serves it.
pub fn record(st: &State, v: &Vocabularies, d: &Doc, draft: bool, ctx: &Ctx) -> Value {
    record_with(st, &crate::model::Index::new(st), v, d, draft, ctx)
}

/// [`record`] with a precomputed [`crate::model::Index`] (for searches rendering many).
pub fn record_with(
    st: &State,
    idx: &crate::model::Index,
    v: &Vocabularies,
    d: &Doc,
    draft: bool,
    ctx: &Ctx,
) -> Value {
    let id = &d.id;
    let api = &ctx.api;
    let ui = &ctx.ui;
    let files = st.bucket(&bucket(id, draft));
    let mut entries = Map::new();
    let mut total = 0u64;
    for f in &files {
        let full = file_entry(f, id, draft, ctx);
        let mut e = Map::new();
        e.insert("id".into(), json!(f.file_id));
        for k in [
            "checksum",
            "size",
            "mimetype",
            "storage_class",
            "key",
            "metadata",
            "access",
            "links",
        ] {
            if let Some(v) = full.get(k) {
                e.insert(k.into(), v.clone());
            }
        }
        if let Some(x) = ext(&f.key) {
            e.insert("ext".into(), json!(x));
        }
        if let Some(Value::Object(l)) = e.get_mut("links") {
            l.remove("commit");
        }
        total += f.size.unwrap_or(0);
        entries.insert(f.key.clone(), Value::Object(e));
    }
    let mut access = Value::Object(d.access.clone());
    access["status"] = json!(access_status(d));
    let parent = st.parents.get(&d.parent_id);
    let owner = ctx.user == Some(d.owner);
    let latest_index = idx.latest(&d.parent_id);
    let newest_draft = idx.newest_draft(&d.parent_id);
    let is_latest = (!draft || d.is_published) && d.index == latest_index;
    let is_latest_draft = d.index >= newest_draft.max(latest_index);
    let rec = |p: &str| format!("{api}/records/{id}{p}");
    let kind = if draft { "draft" } else { "record" };
    let mut links = json!({
        "self": if draft { rec("/draft") } else { rec("") },
        "self_html": if draft { format!("{ui}/uploads/{id}") } else { format!("{ui}/records/{id}") },
        "preview_html": format!("{ui}/records/{id}?preview=1"),
        "self_iiif_manifest": format!("{api}/iiif/{kind}:{id}/manifest"),
        "self_iiif_sequence": format!("{api}/iiif/{kind}:{id}/sequence/default"),
        "files": if draft { rec("/draft/files") } else { rec("/files") },
        "media_files": if draft { rec("/draft/media-files") } else { rec("/media-files") },
        "archive": if draft { rec("/draft/files-archive") } else { rec("/files-archive") },
        "archive_media": if draft { rec("/draft/media-files-archive") } else { rec("/media-files-archive") },
        "versions": rec("/versions"),
        "reserve_doi": rec("/draft/pids/doi"),
        "access_links": rec("/access/links"),
        "access_grants": rec("/access/grants"),
        "access_users": rec("/access/users"),
        "access_groups": rec("/access/groups"),
        "access_request": rec("/access/request"),
        "access": rec("/access"),
        "communities": rec("/communities"),
        "communities-suggestions": rec("/communities-suggestions"),
        "requests": rec("/requests"),
    });
    if draft {
        links["record"] = json!(rec(""));
        links["record_html"] = json!(format!("{ui}/records/{id}"));
        links["publish"] = json!(rec("/draft/actions/publish"));
        links["review"] = json!(rec("/draft/review"));
        if parent.is_some_and(|p| p.review.is_some()) {
            links["submit-review"] = json!(rec("/draft/actions/submit-review"));
        }
    } else {
        links["draft"] = json!(rec("/draft"));
        links["latest"] = json!(rec("/versions/latest"));
        links["latest_html"] = json!(format!("{ui}/records/{id}/latest"));
        links["parent"] = json!(format!("{api}/records/{}", d.parent_id));
        links["parent_html"] = json!(format!("{ui}/records/{}", d.parent_id));
    }
    if ctx.rdm_version >= 14 {
        links["quota_increase"] = json!(rec("/quota-increase"));
        if !draft || d.is_published {
            links["file_modification"] = json!(rec("/file-modification"));
            links["request_deletion"] = json!(rec("/request-deletion"));
        }
    }
    let doi_link = |pid: &Value| {
        let doi = pid.get("identifier").and_then(Value::as_str)?;
        // DOIs of the server's own resolve through DataCite's test handle server (test mode).
        Some(
            if pid.get("provider").and_then(Value::as_str) == Some("datacite") {
                (
                    doi.to_string(),
                    format!("https://handle.test.datacite.org/{doi}"),
                )
            } else {
                (doi.to_string(), format!("https://doi.org/{doi}"))
            },
        )
    };
    if let Some((doi, url)) = d.pids.get("doi").and_then(doi_link) {
        links["doi"] = json!(url);
        links["self_doi"] = json!(url);
        if !draft {
            links["self_doi_html"] = json!(format!("{ui}/doi/{doi}"));
        }
    }
    if !draft && let Some((doi, url)) = parent.and_then(|p| p.pids.get("doi")).and_then(doi_link) {
        links["parent_doi"] = json!(url);
        links["parent_doi_html"] = json!(format!("{ui}/doi/{doi}"));
    }
    let mut files_obj = json!({
        "enabled": d.files_enabled,
        "order": d.order,
        "count": files.len(),
        "total_bytes": total,
        "entries": entries,
    });
    if let Some(p) = &d.default_preview {
        files_obj["default_preview"] = json!(p);
    }
    let mut out = json!({
        "id": id,
        "created": d.created,
        "updated": d.updated,
        "links": links,
        "revision_id": d.revision_id,
        "is_draft": draft,
        "is_published": d.is_published,
        "status": if draft { st.draft_status(d) } else { "published".to_string() },
        "metadata": expand_metadata(v, &d.metadata),
        "custom_fields": d.custom_fields,
        "pids": d.pids,
        "access": access,
        "files": files_obj,
        "media_files": {"enabled": false, "order": [], "count": 0, "total_bytes": 0, "entries": {}},
        "parent": {
            "id": d.parent_id,
            "access": {
                "owned_by": {"user": d.owner.to_string()},
                "settings": parent.map(|p| p.settings()).unwrap_or_else(|| crate::model::Parent::new(String::new(), 0).settings()),
            },
            "communities": parent.map(|p| parent_communities(st, p, ctx)).unwrap_or_else(|| json!({})),
            "pids": parent.map(|p| json!(p.pids)).unwrap_or_else(|| json!({})),
        },
        "versions": {"index": d.index, "is_latest": is_latest, "is_latest_draft": is_latest_draft},
    });
    if !owner {
        // Field-level permissions hide this from others.
        if let Some(Value::Object(v)) = out.get_mut("versions") {
            v.remove("is_latest_draft");
        }
    }
    if owner {
        // Managers also see grants, links, notes and the verification flag.
        out["parent"]["access"]["grants"] = json!(
            parent
                .map(|p| p.grants.iter().map(grant_body).collect::<Vec<_>>())
                .unwrap_or_default()
        );
        out["parent"]["access"]["links"] = json!(
            parent
                .map(|p| p
                    .links
                    .iter()
                    .map(|l| json!({"id": l.id}))
                    .collect::<Vec<_>>())
                .unwrap_or_default()
        );
    }
    if owner && ctx.admin {
        // Administrative fields.
        out["parent"]["is_verified"] = json!(false);
        out["internal_notes"] = json!([]);
    }
    if draft
        && let Some(r) = parent
            .and_then(|p| p.review.as_ref())
            .and_then(|r| st.requests.get(r))
    {
        out["parent"]["review"] = json!({
            "id": r.id,
            "links": {},
            "type": r.kind,
            "title": r.title,
            "status": r.status,
            "receiver": r.receiver,
        });
    }
    if draft {
        out["expires_at"] = json!(d.expires_at);
    } else {
        out["deletion_status"] = json!({"is_deleted": false, "status": "P"});
        out["stats"] = json!({
            "this_version": {"views": 0, "unique_views": 0, "downloads": 0, "unique_downloads": 0, "data_volume": 0.0},
            "all_versions": {"views": 0, "unique_views": 0, "downloads": 0, "unique_downloads": 0, "data_volume": 0.0},
        });
    }
    out
}

/// An access link as the API serves it.
pub fn link(l: &crate::model::Link) -> Value {
    let mut v = json!({
        "id": l.id,
        "created_at": l.created_at,
        "permission": l.permission,
        "description": l.description.clone().unwrap_or_default(),
        "token": l.token,
    });
    if let Some(e) = &l.expires_at {
        v["expires_at"] = json!(e);
    }
    v
}

/// Whether the client asked for `application/vnd.inveniordm.v1+json` (RDM JSON with a `ui`
/// block of display strings).
pub fn wants_ui(ctx: &Ctx) -> bool {
    ctx.headers
        .get(axum::http::header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|a| {
            a.to_ascii_lowercase()
                .contains("application/vnd.inveniordm.v1+json")
        })
}

/// Sets the negotiated content type.
pub fn negotiated(mut r: axum::response::Response, ui: bool) -> axum::response::Response {
    if ui {
        r.headers_mut().insert(
            axum::http::header::CONTENT_TYPE,
            axum::http::HeaderValue::from_static("application/vnd.inveniordm.v1+json"),
        );
    }
    r
}

fn long_date(d: &str) -> String {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let month = |m: &str| {
        m.parse::<usize>()
            .ok()
            .and_then(|m| m.checked_sub(1))
            .filter(|m| *m < 12)
    };
    let parts: Vec<&str> = d.get(..10).unwrap_or(d).split('-').collect();
    match parts.as_slice() {
        [y, m, dd] => match (month(m), dd.parse::<u32>()) {
            (Some(mi), Ok(day)) => format!("{} {day}, {y}", MONTHS[mi]),
            _ => d.to_string(),
        },
        [y, m] => month(m)
            .map(|mi| format!("{} {y}", MONTHS[mi]))
            .unwrap_or_else(|| d.to_string()),
        _ => d.to_string(),
    }
}

/// Adds the `ui` block the real server serves with `application/vnd.inveniordm.v1+json`.
pub fn add_ui(v: &Vocabularies, doc: &mut Value) {
    let m = doc.get("metadata").cloned().unwrap_or_default();
    let mut ui = Map::new();
    if let Some(pd) = m.get("publication_date").and_then(Value::as_str) {
        ui.insert("publication_date_l10n_long".into(), json!(long_date(pd)));
        ui.insert("publication_date_l10n_medium".into(), json!(long_date(pd)));
    }
    for k in ["created", "updated"] {
        if let Some(t) = doc.get(k).and_then(Value::as_str) {
            ui.insert(format!("{k}_date_l10n_long"), json!(long_date(t)));
        }
    }
    if let Some(id) = m.pointer("/resource_type/id").and_then(Value::as_str) {
        let title = v
            .title_en("resourcetypes", id)
            .unwrap_or_else(|| id.to_string());
        ui.insert(
            "resource_type".into(),
            json!({"id": id, "title_l10n": title}),
        );
    }
    let status = doc
        .pointer("/access/status")
        .and_then(Value::as_str)
        .unwrap_or("open")
        .to_string();
    let (title, icon, description) = match status.as_str() {
        "open" => (
            "Open",
            "unlock",
            "The record and files are publicly accessible.",
        ),
        "restricted" => (
            "Restricted",
            "ban",
            "The record and files are restricted to users with access.",
        ),
        "embargoed" => (
            "Embargoed",
            "outline clock",
            "The files will be made publicly available on the embargo date.",
        ),
        _ => (
            "Metadata-only",
            "tag",
            "No files are available for this record.",
        ),
    };
    ui.insert(
        "access_status".into(),
                json!({"id": status, "title_l10n": title, "description_l10n": description, "icon": icon, "embargo_date_l10n": null, "message_class": ""}),
    );
    let creators: Vec<Value> = m
        .get("creators")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    ui.insert(
        "creators".into(),
        json!({"creators": creators, "affiliations": []}),
    );
    let index = doc
        .pointer("/versions/index")
        .and_then(Value::as_u64)
        .unwrap_or(1);
    ui.insert("version".into(), json!(format!("v{index}")));
    ui.insert("custom_fields".into(), json!({}));
    if let Some(d) = m.get("description").and_then(Value::as_str) {
        ui.insert("description_stripped".into(), json!(strip_tags(d)));
    }
    ui.insert(
        "is_draft".into(),
        doc.get("is_draft").cloned().unwrap_or(json!(false)),
    );
    doc["ui"] = Value::Object(ui);
}

/// The text of an HTML fragment (tags removed).
pub fn strip_tags(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Drops the per-file `links` (and `storage_class`, unless kept) from `files.entries`, as the
/// real server's publish response and search hits do.
pub fn entries_summary(doc: &mut Value, keep_storage_class: bool) {
    if let Some(Value::Object(entries)) = doc.pointer_mut("/files/entries") {
        for e in entries.values_mut() {
            if let Value::Object(m) = e {
                m.remove("links");
                if !keep_storage_class {
                    m.remove("storage_class");
                }
            }
        }
    }
}

/// A record or draft as its JSON answer (with the `ui` block when asked for, and its ETag).
pub fn record_response(
    app: &App,
    st: &State,
    d: &Doc,
    draft: bool,
    ctx: &Ctx,
    status: StatusCode,
) -> Response {
    record_response_with(app, st, d, draft, ctx, status, |_| {})
}

/// [`record_response`] with a change made to the document before it is sent.
pub fn record_response_with(
    app: &App,
    st: &State,
    d: &Doc,
    draft: bool,
    ctx: &Ctx,
    status: StatusCode,
    tweak: impl FnOnce(&mut Value),
) -> Response {
    let mut body = record(st, &app.vocab, d, draft, ctx);
    tweak(&mut body);
    let ui = wants_ui(ctx);
    if ui {
        add_ui(&app.vocab, &mut body);
    }
    negotiated(with_etag(json_response(status, &body), d.revision_id), ui)
}

/// A draft as its JSON answer, with its validation problems in `errors`.
pub fn draft_response(
    app: &App,
    st: &State,
    d: &Doc,
    ctx: &Ctx,
    status: StatusCode,
    errors: &[(String, String)],
    tweak: impl FnOnce(&mut Value),
) -> Response {
    record_response_with(app, st, d, true, ctx, status, |body| {
        if !errors.is_empty() {
            body["errors"] = crate::util::group_errors(errors);
        }
        tweak(body);
    })
}

/// A redirect with the real server's JSON body.
pub fn redirect(status: StatusCode, location: &str) -> Response {
    let mut r = json_response(
        status,
        &json!({"status": status.as_u16(), "message": "Redirecting...", "location": location}),
    );
    if let Ok(v) = HeaderValue::from_str(location) {
        r.headers_mut().insert(header::LOCATION, v);
    }
    r
}

/// A record's `parent.communities`: `{}`, or the ids, the default and the communities.
fn parent_communities(st: &State, p: &crate::model::Parent, ctx: &Ctx) -> Value {
    if p.communities.is_empty() {
        return json!({});
    }
    let entries: Vec<Value> = p
        .communities
        .iter()
        .filter_map(|c| st.communities.get(c))
        .map(|c| {
            let mut v = community(st, c, ctx);
            v["links"] = json!({});
            if let Some(o) = v.as_object_mut() {
                o.remove("is_verified");
            }
            v
        })
        .collect();
    json!({"ids": p.communities, "default": p.default_community, "entries": entries})
}

/// A grant as the API serves it (without its index).
pub fn grant_body(g: &crate::model::Grant) -> Value {
    json!({
        "permission": g.permission,
        "subject": {"id": g.subject_id, "type": g.subject_type},
        "origin": g.origin,
    })
}

/// A community as the API serves it.
pub fn community(_st: &State, c: &crate::model::Community, ctx: &Ctx) -> Value {
    let api = format!("{}/communities/{}", ctx.api, c.id);
    let html = format!("{}/communities/{}", ctx.ui, c.slug);
    let mut out = community_v13(c, &api, &html);
    if ctx.rdm_version >= 14 {
        out["links"]["collection_trees"] = json!(format!("{api}/collection-trees"));
    }
    out
}

fn community_v13(c: &crate::model::Community, api: &str, html: &str) -> Value {
    json!({
        "id": c.id,
        "created": c.created,
        "updated": c.updated,
        "links": {
            "featured": format!("{api}/featured"),
            "self": api,
            "self_html": format!("{html}/"),
            "settings_html": format!("{html}/settings"),
            "logo": format!("{api}/logo"),
            "rename": format!("{api}/rename"),
            "members": format!("{api}/members"),
            "public_members": format!("{api}/members/public"),
            "invitations": format!("{api}/invitations"),
            "requests": format!("{api}/requests"),
            "records": format!("{api}/records"),
            "membership_requests": format!("{api}/membership-requests"),
        },
        "revision_id": c.revision_id,
        "slug": c.slug,
        "metadata": c.metadata,
        "access": c.access,
        "custom_fields": c.custom_fields,
        "is_verified": false,
        "deletion_status": {"is_deleted": false, "status": "P"},
        "children": {"allow": false},
    })
}

/// The actions a user may take on a request now.
pub fn request_actions(
    st: &State,
    r: &crate::model::Request,
    user: Option<i64>,
    admin: bool,
) -> Vec<&'static str> {
    ["submit", "accept", "decline", "cancel"]
        .into_iter()
        .filter(|a| st.may_act(r, user, admin, a) && r.next_status(a).is_some())
        .collect()
}

/// A request as the API serves it to `ctx`'s user.
pub fn request(st: &State, r: &crate::model::Request, ctx: &Ctx) -> Value {
    let api = format!("{}/requests/{}", ctx.api, r.id);
    let mut actions = Map::new();
    for a in request_actions(st, r, ctx.user, ctx.admin) {
        actions.insert(a.into(), json!(format!("{api}/actions/{a}")));
    }
    let html = if r.kind == "user-access-request" {
        format!("{}/access/requests/{}", ctx.ui, r.id)
    } else {
        format!("{}/requests/{}", ctx.ui, r.id)
    };
    let links = json!({
        "actions": actions,
        "comments": format!("{api}/comments"),
        "self": api,
        "self_html": html,
        "timeline": format!("{api}/timeline"),
    });
    let closed = matches!(
        r.status.as_str(),
        "accepted" | "declined" | "cancelled" | "expired"
    );
    let mut out = json!({
        "created": r.created,
        "created_by": {"user": r.created_by.to_string()},
        "expires_at": null,
        "id": r.id,
        "is_closed": closed,
        "is_expired": r.status == "expired",
        "is_open": r.is_open(),
        "links": links,
        "number": format!("{:x}", r.number),
        "receiver": r.receiver,
        "reviewers": [],
        "revision_id": r.revision_id,
        "status": r.status,
        "title": r.title,
        "topic": {"record": r.topic},
        "type": r.kind,
        "updated": r.updated,
    });
    if let Some(p) = &r.payload {
        out["payload"] = json!(p);
    }
    if ctx.rdm_version >= 14 {
        // v14: attachments, lockable conversations, threaded replies.
        if let Some(o) = out.as_object_mut() {
            o.remove("reviewers");
        }
        out["files"] = json!({"enabled": true});
        let events = st.timeline(&r.id);
        let last = events.iter().rev().find(|e| e.kind == "C");
        out["last_activity_at"] = json!(
            events
                .last()
                .map(|e| e.created.clone())
                .unwrap_or_else(|| r.updated.clone())
        );
        out["last_reply"] = match last {
            Some(e) => json!({
                "created": e.created,
                "created_by": event_author(e),
                "id": e.id,
                "links": {},
                "parent_id": null,
                "permissions": {},
                "revision_id": e.revision_id,
                "type": e.kind,
                "updated": e.updated,
            }),
            None => Value::Null,
        };
        out["links"]["lock"] = json!(format!("{api}/lock"));
        out["links"]["unlock"] = json!(format!("{api}/unlock"));
        out["links"]["timeline_focused"] = json!(format!("{api}/timeline_focused"));
    }
    out
}

fn event_author(e: &crate::model::Event) -> Value {
    if e.created_by < 0 {
        json!({"user": "system"})
    } else {
        json!({"user": e.created_by.to_string()})
    }
}

/// A timeline event or comment as the API serves it to `ctx`'s user.
pub fn event(e: &crate::model::Event, ctx: &Ctx) -> Value {
    let mine = ctx.user == Some(e.created_by);
    let mut out = json!({
        "id": e.id,
        "created": e.created,
        "updated": e.updated,
        "links": {"self": format!("{}/requests/{}/comments/{}", ctx.api, e.request, e.id)},
        "revision_id": e.revision_id,
        "type": e.kind,
        "created_by": event_author(e),
        "payload": e.payload,
    });
    if e.kind == "C" {
        out["permissions"] = json!({"can_update_comment": mine, "can_delete_comment": mine});
    }
    if ctx.rdm_version >= 14 {
        let comment = format!("{}/requests/{}/comments/{}", ctx.api, e.request, e.id);
        out["parent_id"] = Value::Null;
        if e.kind == "C" {
            out["links"]["self_html"] = json!(format!(
                "{}/me/requests/{}#commentevent-{}",
                ctx.ui, e.request, e.id
            ));
            out["links"]["reply"] = json!(format!("{comment}/reply"));
            out["links"]["replies"] = json!(format!("{comment}/replies"));
            out["links"]["replies_focused"] = json!(format!("{comment}/replies_focused"));
            out["permissions"]["can_reply_comment"] = json!(ctx.user.is_some());
        }
    }
    out
}

/// A community member as the API serves it.
pub fn member(st: &State, m: &crate::model::Membership, ctx: &Ctx) -> Value {
    let name = st.user(m.user).map(|u| u.name.clone()).unwrap_or_default();
    let me = ctx.user == Some(m.user);
    let mut out = json!({
        "id": m.id,
        "member": {
            "type": "user",
            "id": m.user.to_string(),
            "name": name,
            "description": "",
            "avatar": format!("{}/users/{}/avatar.svg", ctx.api, m.user),
        },
        "role": m.role,
        "visible": m.visible,
        "is_current_user": me,
        "permissions": {
            "can_leave": me,
            "can_delete": !me && m.role != "owner",
            "can_update_role": !me && m.role != "owner",
            "can_update_visible": me,
        },
        "created": m.created,
        "updated": m.created,
        "revision_id": 1,
    });
    if ctx.rdm_version >= 14 {
        out["group_notification_enabled"] = Value::Null;
        out["permissions"]["can_update_group_notification"] = json!(false);
        out["links"] = json!({});
    }
    out
}
