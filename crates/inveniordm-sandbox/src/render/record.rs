//! Records and drafts as the API serves them.

use serde_json::{Map, Value, json};

use crate::app::Ctx;
use crate::model::{Doc, State};
use crate::vocab::Vocabularies;

use super::access::grant_body;
use super::community::community;
use super::expand::expand_metadata;
use super::file::{bucket, ext, file_entry};

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
    if !owner || d.is_deleted() {
        // Field-level permissions hide this from others (and from everyone on a deleted
        // record read with deleted records included).
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
        match &d.tombstone {
            None => out["deletion_status"] = json!({"is_deleted": false, "status": "P"}),
            Some(t) => {
                // Read with deleted records included (administrators): the tombstone with
                // its reason expanded and the removal date as a date.
                out["deletion_status"] = json!({"is_deleted": true, "status": "D"});
                let mut t = t.clone();
                if let Some(id) = t.pointer("/removal_reason/id").and_then(Value::as_str)
                    && let Some(term) = v.term("removalreasons", id)
                {
                    t["removal_reason"] = json!({"id": id, "title": term.get("title")});
                }
                if let Some(date) = t.get("removal_date").and_then(Value::as_str) {
                    t["removal_date"] = json!(date.get(..10).unwrap_or(date));
                }
                out["tombstone"] = t;
            }
        }
        out["stats"] = json!({
            "this_version": {"views": 0, "unique_views": 0, "downloads": 0, "unique_downloads": 0, "data_volume": 0.0},
            "all_versions": {"views": 0, "unique_views": 0, "downloads": 0, "unique_downloads": 0, "data_volume": 0.0},
        });
    }
    out
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
