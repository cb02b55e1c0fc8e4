//! Buckets, file entries and file listings as the files endpoints serve them.

use serde_json::{Value, json};

use crate::app::Ctx;
use crate::model::{Doc, FileRow, State};
use crate::util::enc;

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
    // v14 lists the members of a ZIP file (by its name, as the real servers decide).
    if ctx.rdm_version >= 14 && f.key.to_ascii_lowercase().ends_with(".zip") {
        links["container"] = json!(format!("{base}/container"));
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
