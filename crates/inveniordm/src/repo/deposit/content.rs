//! What a deposit is made of, as the journal compares it: files with their md5s, the
//! fingerprint of the whole, metadata merged onto a previous version's.

use super::*;

/// Unix seconds now, by the caller's clock.
pub(super) fn now_secs() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Unix seconds of an ISO 8601 timestamp as the server writes it
/// (`2026-12-03T17:30:00.123456+00:00`), fractions dropped.
pub(super) fn unix_secs(ts: &str) -> Option<i64> {
    chrono::DateTime::parse_from_rfc3339(ts)
        .ok()
        .map(|t| t.timestamp())
}

pub(super) fn title_of(r: &Record) -> Option<String> {
    r.metadata.as_ref().and_then(|m| m.title.clone())
}

pub(super) fn modified_ns(meta: &std::fs::Metadata) -> u128 {
    meta.modified()
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map(|d| d.as_nanos())
        .unwrap_or(0)
}

/// Each local file with its md5: from the journal while size and modification time are
/// unchanged, hashed otherwise.
pub(super) async fn hash_files(
    files: &[(PathBuf, String)],
    known: &[JournalFile],
) -> Result<Vec<JournalFile>> {
    let mut out = Vec::with_capacity(files.len());
    for (path, key) in files {
        let meta = crate::transfer::file_meta(path).await?;
        let (size, modified) = (meta.len(), modified_ns(&meta));
        let cached = known.iter().find(|f| {
            &f.path == path && f.size == size && f.modified_ns == modified && modified != 0
        });
        let md5 = match cached {
            Some(f) => f.md5.clone(),
            None => crate::repo::md5_file(path).await?,
        };
        out.push(JournalFile {
            key: key.clone(),
            path: path.clone(),
            size,
            modified_ns: modified,
            md5,
        });
    }
    Ok(out)
}

/// The fingerprint of a deposit's content: its metadata, access and custom fields, and each
/// file's key, size and md5 (not the paths: the same bytes from another folder are the same
/// release).
pub(super) fn fingerprint(spec: &DepositSpec, files: &[JournalFile]) -> String {
    let mut sorted: Vec<(&str, u64, &str)> = files
        .iter()
        .map(|f| (f.key.as_str(), f.size, f.md5.as_str()))
        .collect();
    sorted.sort();
    let doc = serde_json::json!({
        "metadata": spec.draft.metadata,
        "access": spec.draft.access,
        "custom_fields": spec.draft.custom_fields,
        "files": sorted,
        "keep_files": spec.keep_files,
    });
    crate::transfer::hex(&md5::Md5::digest(doc.to_string().as_bytes()))
}

/// Keys and md5s of a file listing.
pub(super) fn md5s(files: &Files) -> BTreeMap<String, Option<String>> {
    files
        .iter()
        .filter_map(|e| Some((e.key.clone()?, e.md5().map(str::to_ascii_lowercase))))
        .collect()
}

/// Whether a record's files are the release's: every local file there with its md5 and, unless
/// previous files are kept, nothing else.
pub(super) fn same_files(
    record: &BTreeMap<String, Option<String>>,
    local: &[JournalFile],
    keep: bool,
) -> bool {
    local.iter().all(|f| {
        record
            .get(&f.key)
            .is_some_and(|m| m.as_deref() == Some(f.md5.as_str()))
    }) && (keep || record.len() == local.len())
}

/// The previous version's metadata with every field the release gives set on it.
pub(super) fn merged_metadata(
    previous: Option<&Metadata>,
    release: Option<&Metadata>,
) -> Result<Metadata> {
    let to_value = |m: Option<&Metadata>| {
        serde_json::to_value(m.cloned().unwrap_or_default())
            .map_err(|e| Error::internal(format!("the metadata cannot be written: {e}")))
    };
    let mut doc = to_value(previous)?;
    if let (Some(base), serde_json::Value::Object(new)) = (doc.as_object_mut(), to_value(release)?)
    {
        for (k, v) in new {
            if !v.is_null() {
                base.insert(k, v);
            }
        }
    }
    serde_json::from_value(doc)
        .map_err(|e| Error::internal(format!("the merged metadata is not valid: {e}")))
}

pub(super) fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

/// A DOI in any of the forms people write it, bare; `None` for anything else.
pub(super) fn bare_doi(s: &str) -> Option<&str> {
    let s = s.trim();
    let s = [
        "https://doi.org/",
        "http://doi.org/",
        "https://dx.doi.org/",
        "doi:",
    ]
    .iter()
    .find_map(|p| s.strip_prefix(p))
    .unwrap_or(s);
    (s.starts_with("10.") && s.contains('/')).then_some(s)
}
