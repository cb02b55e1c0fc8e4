//! `.zenodo.json`: the legacy deposit metadata of Zenodo's GitHub integration (see the
//! [parent module](super) for the keys read).

use serde_json::{Value, json};

use super::{FromCitation, doi, finish, orcid, put_text, related, rights, text};

/// The resource type id of a legacy `upload_type` (with its `publication_type` or
/// `image_type`).
fn zenodo_resource_type(top: &serde_json::Map<String, Value>) -> Option<String> {
    let upload = text(top.get("upload_type"))?.to_ascii_lowercase();
    let sub = match upload.as_str() {
        "publication" => text(top.get("publication_type")),
        "image" => text(top.get("image_type")),
        _ => None,
    };
    Some(match sub {
        Some(s) => format!("{upload}-{}", s.to_ascii_lowercase()),
        None => upload,
    })
}

/// A creator or contributor of the legacy layout: `name` ("Family, Given" or an
/// organisation), `affiliation`, `orcid`.
fn zenodo_person(a: &Value) -> Option<Value> {
    let name = text(a.get("name"))?;
    let ids: Vec<Value> = text(a.get("orcid"))
        .map(|o| vec![json!({"scheme": "orcid", "identifier": orcid(&o)})])
        .unwrap_or_default();
    let person = match name.split_once(',') {
        Some((family, given)) => {
            let mut p = json!({"type": "personal", "family_name": family.trim()});
            if !given.trim().is_empty() {
                p["given_name"] = json!(given.trim());
            }
            if !ids.is_empty() {
                p["identifiers"] = json!(ids);
            }
            p
        }
        // One word or an organisation's name: the legacy layout does not tell them apart;
        // with an ORCID it is a person.
        None if !ids.is_empty() => {
            let (given, family) = name.rsplit_once(' ').unwrap_or(("", name.as_str()));
            let mut p = json!({"type": "personal", "family_name": family, "identifiers": ids});
            if !given.is_empty() {
                p["given_name"] = json!(given);
            }
            p
        }
        None => json!({"type": "organizational", "name": name}),
    };
    let mut c = json!({"person_or_org": person});
    if let Some(aff) = text(a.get("affiliation")) {
        c["affiliations"] = json!([{"name": aff}]);
    }
    if let Some(t) = text(a.get("type")) {
        c["role"] = json!({"id": t.to_ascii_lowercase()});
    }
    Some(c)
}

/// The scheme of a legacy related identifier that does not name one.
fn guess_scheme(id: &str) -> &'static str {
    if doi(id).is_some_and(|d| d.len() == id.trim().len() || id.contains("doi.org")) {
        "doi"
    } else if id.starts_with("http://") || id.starts_with("https://") {
        "url"
    } else if id.starts_with("arXiv:") {
        "arxiv"
    } else {
        "other"
    }
}

/// Metadata (and access settings) from a parsed `.zenodo.json`, the legacy deposit metadata
/// of Zenodo's GitHub integration (see the [module](crate::repo::citation) for the keys read).
pub fn from_zenodo_json(z: &Value) -> crate::Result<FromCitation> {
    let Some(top) = z.as_object() else {
        return Err(crate::Error::InvalidArgument(
            "a .zenodo.json holds an object of keys".into(),
        ));
    };
    let mut m = serde_json::Map::new();
    let mut unmapped = Vec::new();
    let mut rel = Vec::new();
    let mut descriptions = Vec::new();
    let mut access = None;
    let mut subjects = Vec::new();
    for (k, v) in top {
        match k.as_str() {
            "title" => put_text(&mut m, "title", v),
            "description" => put_text(&mut m, "description", v),
            "version" => put_text(&mut m, "version", v),
            "publication_date" => put_text(&mut m, "publication_date", v),
            "imprint_publisher" => put_text(&mut m, "publisher", v),
            "upload_type" | "publication_type" | "image_type" => {
                if let Some(t) = zenodo_resource_type(top) {
                    m.insert("resource_type".into(), json!({"id": t}));
                }
            }
            "license" => {
                let id = v.get("id").or(Some(v));
                m.insert("rights".into(), rights(id.unwrap_or(&Value::Null)));
            }
            "language" => {
                if let Some(l) = text(Some(v)) {
                    m.insert("languages".into(), json!([{"id": l.to_ascii_lowercase()}]));
                }
            }
            "keywords" => subjects.extend(
                v.as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| text(Some(s)))
                    .map(|s| json!({"subject": s})),
            ),
            "subjects" => {
                for (i, s) in v.as_array().into_iter().flatten().enumerate() {
                    match text(s.get("term")) {
                        Some(t) => subjects.push(json!({"subject": t})),
                        None => unmapped.push(format!("subjects.{i}")),
                    }
                }
            }
            "notes" | "method" => {
                if let Some(t) = text(Some(v)) {
                    let kind = if k == "notes" { "notes" } else { "methods" };
                    descriptions.push(json!({"description": t, "type": {"id": kind}}));
                }
            }
            "creators" | "contributors" => {
                let mut people = Vec::new();
                for (i, a) in v.as_array().into_iter().flatten().enumerate() {
                    match zenodo_person(a) {
                        Some(c) => people.push(c),
                        None => unmapped.push(format!("{k}.{i}")),
                    }
                    for key in a.as_object().into_iter().flatten().map(|(k, _)| k) {
                        let read = matches!(key.as_str(), "name" | "affiliation" | "orcid")
                            || (k == "contributors" && key == "type");
                        if !read {
                            unmapped.push(format!("{k}.{i}.{key}"));
                        }
                    }
                }
                m.insert(k.clone(), json!(people));
            }
            "related_identifiers" => {
                for (i, r) in v.as_array().into_iter().flatten().enumerate() {
                    let (Some(id), Some(relation)) =
                        (text(r.get("identifier")), text(r.get("relation")))
                    else {
                        unmapped.push(format!("related_identifiers.{i}"));
                        continue;
                    };
                    let scheme = text(r.get("scheme"))
                        .map(|s| s.to_ascii_lowercase())
                        .unwrap_or_else(|| guess_scheme(&id).to_string());
                    let mut entry = related(&id, &scheme, &relation.to_ascii_lowercase());
                    if let Some(t) = text(r.get("resource_type")) {
                        entry["resource_type"] = json!({"id": t.to_ascii_lowercase()});
                    }
                    rel.push(entry);
                }
            }
            "references" => {
                let refs: Vec<Value> = v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| text(Some(s)))
                    .map(|s| json!({"reference": s}))
                    .collect();
                m.insert("references".into(), json!(refs));
            }
            "dates" => {
                let mut dates = Vec::new();
                for (i, d) in v.as_array().into_iter().flatten().enumerate() {
                    let (start, end) = (text(d.get("start")), text(d.get("end")));
                    let date = match (start, end) {
                        (Some(s), Some(e)) if s != e => format!("{s}/{e}"),
                        (Some(s), _) | (None, Some(s)) => s,
                        (None, None) => {
                            unmapped.push(format!("dates.{i}"));
                            continue;
                        }
                    };
                    let mut entry = json!({"date": date, "type": {"id": text(d.get("type")).unwrap_or_else(|| "other".into()).to_ascii_lowercase()}});
                    if let Some(desc) = text(d.get("description")) {
                        entry["description"] = json!(desc);
                    }
                    dates.push(entry);
                }
                m.insert("dates".into(), json!(dates));
            }
            "access_right" => {
                let files = match text(Some(v)).as_deref() {
                    Some("open") => "public",
                    Some("embargoed" | "restricted" | "closed") => "restricted",
                    _ => {
                        unmapped.push("access_right".into());
                        continue;
                    }
                };
                let mut a = json!({"record": "public", "files": files});
                if text(Some(v)).as_deref() == Some("embargoed") {
                    a["embargo"] = json!({"active": true, "until": text(top.get("embargo_date"))});
                }
                access = serde_json::from_value(a).ok();
            }
            "embargo_date" => {}
            other => unmapped.push(other.to_string()),
        }
    }
    if !subjects.is_empty() {
        m.insert("subjects".into(), json!(subjects));
    }
    if !descriptions.is_empty() {
        m.insert("additional_descriptions".into(), json!(descriptions));
    }
    m.entry("resource_type")
        .or_insert_with(|| json!({"id": "software"}));
    let mut out = finish(m, rel, unmapped)?;
    out.access = access;
    Ok(out)
}
