//! Documents as the API serves them: records, drafts, file entries, listings.

use serde_json::{Map, Value, json};

use crate::model::{Doc, FileRow, State};
use crate::server::{Ctx, enc};
use crate::vocab::Vocabularies;

/// The bucket name of a draft or record.
pub fn bucket(id: &str, draft: bool) -> String {
    if draft {
        format!("d:{id}")
    } else {
        format!("r:{id}")
    }
}

fn ext(key: &str) -> Option<String> {
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
    let mut e = json!({
        "key": f.key,
        "created": f.created,
        "updated": f.updated,
        "status": f.status,
        "metadata": if f.metadata.is_null() { Value::Null } else { f.metadata.clone() },
        "access": if f.access.is_null() { json!({"hidden": false}) } else { f.access.clone() },
        "transfer": {"type": "L"},
        "links": links,
    });
    if f.status == "completed" {
        e["checksum"] = json!(format!("md5:{}", f.md5.as_deref().unwrap_or("")));
        e["size"] = json!(f.size.unwrap_or(0));
        e["mimetype"] = json!(f.mimetype.as_deref().unwrap_or("application/octet-stream"));
        e["version_id"] = json!(f.version_id);
        e["file_id"] = json!(f.file_id);
        e["bucket_id"] = json!(
            f.bucket
                .trim_start_matches(|c| c != ':')
                .trim_start_matches(':')
        );
        e["storage_class"] = json!("L");
        if let Some(x) = ext(&f.key) {
            e["ext"] = json!(x);
        }
    } else {
        if let Some(s) = f.declared_size {
            e["size"] = json!(s);
        }
        if let Some(c) = &f.declared_checksum {
            e["checksum"] = json!(c);
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
                        for k in ["description", "icon", "props"] {
                            if let Some(val) = t.get(k) {
                                o[k] = val.clone();
                            }
                        }
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
    let id = &d.id;
    let api = &ctx.api;
    let ui = &ctx.ui;
    let files = st.bucket(&bucket(id, draft));
    let mut entries = Map::new();
    let mut total = 0u64;
    for f in &files {
        let mut e = file_entry(f, id, draft, ctx);
        if let Value::Object(m) = &mut e {
            m.insert("id".into(), json!(f.file_id));
            m.remove("transfer");
        }
        total += f.size.unwrap_or(0);
        entries.insert(f.key.clone(), e);
    }
    let mut access = Value::Object(d.access.clone());
    access["status"] = json!(access_status(d));
    let parent = st.parents.get(&d.parent_id);
    let latest_index = st.latest_of(&d.parent_id).map(|l| l.index).unwrap_or(0);
    let newest_draft = st
        .drafts
        .values()
        .filter(|x| x.parent_id == d.parent_id)
        .map(|x| x.index)
        .max()
        .unwrap_or(0);
    let is_latest =
        !draft && d.index == latest_index || (draft && d.is_published && d.index == latest_index);
    let is_latest_draft = d.index >= newest_draft.max(latest_index);
    let mut links = json!({
        "self": if draft { format!("{api}/records/{id}/draft") } else { format!("{api}/records/{id}") },
        "self_html": if draft { format!("{ui}/uploads/{id}") } else { format!("{ui}/records/{id}") },
        "preview_html": format!("{ui}/records/{id}?preview=1"),
        "files": if draft { format!("{api}/records/{id}/draft/files") } else { format!("{api}/records/{id}/files") },
        "media_files": if draft { format!("{api}/records/{id}/draft/media-files") } else { format!("{api}/records/{id}/media-files") },
        "archive": if draft { format!("{api}/records/{id}/draft/files-archive") } else { format!("{api}/records/{id}/files-archive") },
        "versions": format!("{api}/records/{id}/versions"),
        "record": format!("{api}/records/{id}"),
        "record_html": format!("{ui}/records/{id}"),
        "latest": format!("{api}/records/{id}/versions/latest"),
        "latest_html": format!("{ui}/records/{id}/latest"),
        "draft": format!("{api}/records/{id}/draft"),
        "reserve_doi": format!("{api}/records/{id}/draft/pids/doi"),
        "access_links": format!("{api}/records/{id}/access/links"),
        "access": format!("{api}/records/{id}/access"),
        "parent": format!("{api}/records/{}", d.parent_id),
        "parent_html": format!("{ui}/records/{}", d.parent_id),
        "communities": format!("{api}/records/{id}/communities"),
        "requests": format!("{api}/records/{id}/requests"),
    });
    if draft {
        links["publish"] = json!(format!("{api}/records/{id}/draft/actions/publish"));
        links["review"] = json!(format!("{api}/records/{id}/draft/review"));
    }
    if let Some(doi) = d
        .pids
        .get("doi")
        .and_then(|p| p.get("identifier"))
        .and_then(Value::as_str)
    {
        links["doi"] = json!(format!("https://doi.org/{doi}"));
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
        "status": if draft { d.status.as_str() } else { "published" },
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
                "settings": {"allow_user_requests": false, "allow_guest_requests": false, "accept_conditions_text": null, "secret_link_expiration": 0},
                "grants": [],
                "links": parent.map(|p| p.links.iter().map(|l| json!({"id": l.id})).collect::<Vec<_>>()).unwrap_or_default(),
            },
            "communities": {},
            "pids": {},
        },
        "versions": {"index": d.index, "is_latest": is_latest, "is_latest_draft": is_latest_draft},
    });
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
    json!({
        "id": l.id,
        "created_at": l.created_at,
        "expires_at": l.expires_at,
        "permission": l.permission,
        "description": l.description.clone().unwrap_or_default(),
        "origin": "api",
        "token": l.token,
    })
}
