//! Record metadata from the files software carries about itself: `CITATION.cff` (Citation File
//! Format 1.2) and `codemeta.json` (CodeMeta 2 and 3; the keys of CodeMeta 1 that differ,
//! `title`, `agents`, `tags` and `licenseId`, are read as `name`, `author`, `keywords` and
//! `license`).
//!
//! | CITATION.cff | codemeta.json | InvenioRDM metadata |
//! |---|---|---|
//! | `title` | `name` | `title` |
//! | `authors` (persons, entities; `orcid`, `affiliation`) | `author` (`Person`, `Organization`; `@id` or `identifier` ORCID, `affiliation`; a person with only a `name` gets its last word as the family name) | `creators` (ORCID as an identifier, affiliations by name) |
//! | `abstract` | `description` | `description` |
//! | `keywords` | `keywords` | `subjects` |
//! | `license` (SPDX id) | `license` (SPDX id or its URL) | `rights` (the id lower-cased, as the licenses vocabulary spells it) |
//! | `version` | `version` | `version` |
//! | `date-released` | `datePublished` | `publication_date` |
//! | `repository-code`, `repository`, `url` | `codeRepository`, `url` | related identifier (URL), `issupplementto` |
//! | `doi`, `identifiers` (doi, url, swh) | `identifier` | related identifier, `isversionof` (a DOI) or `issupplementto` |
//! | `preferred-citation.doi` | `referencePublication` (a DOI) | related identifier, `isdescribedby` |
//! | `type` (`software`, `dataset`) | `@type` | `resource_type` (software unless `dataset`) |
//! | | `publisher` (a name, or an organization's `name`) | `publisher` |
//!
//! `.zenodo.json` (the legacy deposit metadata Zenodo's GitHub integration reads) is mapped
//! by [`from_zenodo_json`]: `title`, `description`, `version`, `publication_date`,
//! `upload_type` with `publication_type`/`image_type` (the resource type), `creators` and
//! `contributors` (`name` as "Family, Given", `affiliation`, `orcid`, a contributor's `type`
//! as its role), `keywords` and legacy `subjects` (`term`), `license`, `language`, `notes` and
//! `method` (additional descriptions), `related_identifiers` (`relation`, `scheme`,
//! `resource_type`), `references`, `dates`, `imprint_publisher` (publisher) and
//! `access_right`/`embargo_date` (access settings).
//!
//! Keys describing the file itself (`cff-version`, `message`, `@context`) are read and left;
//! every other key is reported in [`FromCitation::unmapped`], never dropped silently.

use std::path::Path;

use inveniordm_models::{Access, Metadata, Record};

mod zenodo;
use serde_json::{Value, json};
pub use zenodo::from_zenodo_json;

/// Metadata made from a citation file, and what could not be carried over.
#[derive(Debug, Clone, Default)]
pub struct FromCitation {
    /// The record metadata.
    pub metadata: Metadata,
    /// Keys of the file (dotted paths) that have no place in the metadata.
    pub unmapped: Vec<String>,
    /// Access settings, when the file says who may see the record and its files
    /// (`.zenodo.json`'s `access_right`).
    pub access: Option<Access>,
}

impl FromCitation {
    /// The draft to deposit: this metadata and access, published today (UTC) when the file
    /// gives no release or publication date.
    pub fn into_draft(self) -> Record {
        let mut metadata = self.metadata;
        if metadata.publication_date.is_none() {
            metadata.publication_date = Some(chrono::Utc::now().format("%Y-%m-%d").to_string());
        }
        Record {
            metadata: Some(metadata),
            access: self.access,
            ..Record::default()
        }
    }
}

/// Reads a file of JSON or YAML into a JSON value (a `codemeta.json`, a `.zenodo.json`, a
/// metadata file). A file that is neither is an [`Error::InvalidArgument`](crate::Error)
/// giving both parsers' messages.
pub fn read_structured(path: &Path) -> crate::Result<Value> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| crate::Error::io(format!("cannot read {}", path.display()), e))?;
    match serde_json::from_str(&text) {
        Ok(v) => Ok(v),
        Err(json_err) => serde_yaml_ng::from_str(&text).map_err(|yaml_err| {
            crate::Error::InvalidArgument(format!(
                "{} is neither JSON ({json_err}) nor YAML ({yaml_err})",
                path.display()
            ))
        }),
    }
}

/// Reads a `CITATION.cff` (YAML), keeping a top-level `version` written as a number (`1.10`)
/// as written rather than as the number YAML makes of it (`1.1`).
pub fn read_cff(path: &Path) -> crate::Result<Value> {
    let mut v = read_structured(path)?;
    if v.get("version").is_some_and(Value::is_number) {
        let text = std::fs::read_to_string(path)
            .map_err(|e| crate::Error::io(format!("cannot read {}", path.display()), e))?;
        let raw = text.lines().find_map(|l| {
            l.strip_prefix("version:")
                .map(|r| r.split(" #").next().unwrap_or(r).trim().to_string())
        });
        if let (Some(raw), Some(obj)) = (raw.filter(|r| !r.is_empty()), v.as_object_mut()) {
            obj.insert("version".into(), Value::String(raw));
        }
    }
    Ok(v)
}

/// The ORCID iD of `https://orcid.org/0000-…` or a bare iD.
fn orcid(s: &str) -> String {
    s.trim()
        .trim_start_matches("https://orcid.org/")
        .trim_start_matches("http://orcid.org/")
        .to_string()
}

/// An SPDX id from an id or an SPDX URL, as the licenses vocabulary spells it.
fn spdx(s: &str) -> String {
    let s = s.trim().trim_end_matches('/').trim_end_matches(".html");
    let id = s.rsplit('/').next().unwrap_or(s);
    id.to_ascii_lowercase()
}

/// A DOI from `10.…`, `doi:10.…` or a resolver URL.
fn doi(s: &str) -> Option<String> {
    let s = s.trim();
    let i = s.find("10.")?;
    Some(s[i..].to_string())
}

fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

fn related(identifier: &str, scheme: &str, relation: &str) -> Value {
    json!({"identifier": identifier, "scheme": scheme, "relation_type": {"id": relation}})
}

/// Sets `field` to a value's text, when it has some.
fn put_text(m: &mut serde_json::Map<String, Value>, field: &str, v: &Value) {
    if let Some(t) = text(Some(v)) {
        m.insert(field.into(), json!(t));
    }
}

/// The licenses of a `license` value (one or a list) as rights.
fn rights(v: &Value) -> Value {
    let ids: Vec<String> = match v {
        Value::Array(a) => a.iter().filter_map(|s| text(Some(s))).collect(),
        _ => text(Some(v)).into_iter().collect(),
    };
    json!(
        ids.iter()
            .map(|s| json!({"id": spdx(s)}))
            .collect::<Vec<_>>()
    )
}

/// The metadata made: software unless the file said otherwise, the related identifiers
/// gathered.
fn finish(
    mut m: serde_json::Map<String, Value>,
    rel: Vec<Value>,
    unmapped: Vec<String>,
) -> crate::Result<FromCitation> {
    m.entry("resource_type")
        .or_insert_with(|| json!({"id": "software"}));
    if !rel.is_empty() {
        m.insert("related_identifiers".into(), json!(rel));
    }
    let metadata = serde_json::from_value(Value::Object(m)).map_err(|e| {
        crate::Error::InvalidArgument(format!("the citation file does not make metadata: {e}"))
    })?;
    Ok(FromCitation {
        metadata,
        unmapped,
        access: None,
    })
}

/// Metadata from a parsed `CITATION.cff` (read the YAML into a [`Value`] first).
pub fn from_cff(cff: &Value) -> crate::Result<FromCitation> {
    let Some(top) = cff.as_object() else {
        return Err(crate::Error::InvalidArgument(
            "a CITATION.cff holds a mapping of keys".into(),
        ));
    };
    let mut m = serde_json::Map::new();
    let mut unmapped = Vec::new();
    let mut rel = Vec::new();
    for (k, v) in top {
        match k.as_str() {
            "cff-version" | "message" => {}
            "title" => put_text(&mut m, "title", v),
            "abstract" => put_text(&mut m, "description", v),
            "version" => put_text(&mut m, "version", v),
            "date-released" => put_text(&mut m, "publication_date", v),
            "keywords" => {
                let subjects: Vec<Value> = v
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|s| text(Some(s)))
                    .map(|s| json!({"subject": s}))
                    .collect();
                m.insert("subjects".into(), json!(subjects));
            }
            "license" => {
                m.insert("rights".into(), rights(v));
            }
            "type" => {
                let t = if text(Some(v)).as_deref() == Some("dataset") {
                    "dataset"
                } else {
                    "software"
                };
                m.insert("resource_type".into(), json!({"id": t}));
            }
            "authors" => {
                let mut creators = Vec::new();
                for (i, a) in v.as_array().into_iter().flatten().enumerate() {
                    match cff_person(a) {
                        Some(c) => creators.push(c),
                        None => unmapped.push(format!("authors.{i}")),
                    }
                    for key in a.as_object().into_iter().flatten().map(|(k, _)| k) {
                        if !matches!(
                            key.as_str(),
                            "family-names"
                                | "given-names"
                                | "name-particle"
                                | "name"
                                | "orcid"
                                | "affiliation"
                        ) {
                            unmapped.push(format!("authors.{i}.{key}"));
                        }
                    }
                }
                m.insert("creators".into(), json!(creators));
            }
            "repository-code" | "repository" | "url" => {
                if let Some(u) = text(Some(v)) {
                    rel.push(related(&u, "url", "issupplementto"));
                }
            }
            "doi" => {
                if let Some(d) = text(Some(v)).as_deref().and_then(doi) {
                    rel.push(related(&d, "doi", "isversionof"));
                }
            }
            "identifiers" => {
                for (i, id) in v.as_array().into_iter().flatten().enumerate() {
                    let kind = text(id.get("type")).unwrap_or_default();
                    let value = text(id.get("value")).unwrap_or_default();
                    match kind.as_str() {
                        "doi" => match doi(&value) {
                            Some(d) => rel.push(related(&d, "doi", "isversionof")),
                            None => unmapped.push(format!("identifiers.{i}")),
                        },
                        "url" => rel.push(related(&value, "url", "issupplementto")),
                        "swh" => rel.push(related(&value, "swh", "issupplementto")),
                        _ => unmapped.push(format!("identifiers.{i}")),
                    }
                }
            }
            "preferred-citation" => match text(v.get("doi")).as_deref().and_then(doi) {
                Some(d) => {
                    rel.push(related(&d, "doi", "isdescribedby"));
                    unmapped.push("preferred-citation (only its doi is kept)".into());
                }
                None => unmapped.push("preferred-citation".into()),
            },
            other => unmapped.push(other.to_string()),
        }
    }
    finish(m, rel, unmapped)
}

/// A creator from a CFF person (`family-names`) or entity (`name`).
fn cff_person(a: &Value) -> Option<Value> {
    let affiliations: Vec<Value> = text(a.get("affiliation"))
        .map(|n| vec![json!({"name": n})])
        .unwrap_or_default();
    let ids: Vec<Value> = text(a.get("orcid"))
        .map(|o| vec![json!({"scheme": "orcid", "identifier": orcid(&o)})])
        .unwrap_or_default();
    let person = if let Some(family) = text(a.get("family-names")) {
        let family = match text(a.get("name-particle")) {
            Some(p) => format!("{p} {family}"),
            None => family,
        };
        let mut p = json!({"type": "personal", "family_name": family});
        if let Some(g) = text(a.get("given-names")) {
            p["given_name"] = json!(g);
        }
        if !ids.is_empty() {
            p["identifiers"] = json!(ids);
        }
        p
    } else {
        json!({"type": "organizational", "name": text(a.get("name"))?})
    };
    let mut c = json!({"person_or_org": person});
    if !affiliations.is_empty() {
        c["affiliations"] = json!(affiliations);
    }
    Some(c)
}

/// Metadata from a parsed `codemeta.json`.
pub fn from_codemeta(cm: &Value) -> crate::Result<FromCitation> {
    let Some(top) = cm.as_object() else {
        return Err(crate::Error::InvalidArgument(
            "a codemeta.json holds an object".into(),
        ));
    };
    let mut m = serde_json::Map::new();
    let mut unmapped = Vec::new();
    let mut rel = Vec::new();
    for (k, v) in top {
        match k.as_str() {
            "@context" => {}
            "@type" => {
                let t = if text(Some(v)).as_deref() == Some("Dataset") {
                    "dataset"
                } else {
                    "software"
                };
                m.insert("resource_type".into(), json!({"id": t}));
            }
            "name" => put_text(&mut m, "title", v),
            // CodeMeta 1 (2016) spelled the title `title`.
            "title" if !top.contains_key("name") => put_text(&mut m, "title", v),
            "description" => put_text(&mut m, "description", v),
            "version" | "softwareVersion" => put_text(&mut m, "version", v),
            "datePublished" => put_text(&mut m, "publication_date", v),
            // `tags` is CodeMeta 1's `keywords`.
            "keywords" | "tags" => {
                let words: Vec<String> = match v {
                    Value::Array(a) => a.iter().filter_map(|s| text(Some(s))).collect::<Vec<_>>(),
                    _ => text(Some(v))
                        .map(|s| {
                            s.split(',')
                                .map(|w| w.trim().to_string())
                                .filter(|w| !w.is_empty())
                                .collect()
                        })
                        .unwrap_or_default(),
                };
                m.insert(
                    "subjects".into(),
                    json!(
                        words
                            .iter()
                            .map(|s| json!({"subject": s}))
                            .collect::<Vec<_>>()
                    ),
                );
            }
            "license" | "licenseId" => {
                m.insert("rights".into(), rights(v));
            }
            // `agents` is CodeMeta 1's `author`.
            "author" | "agents" => {
                let list = match v {
                    Value::Array(a) => a.clone(),
                    other => vec![other.clone()],
                };
                let mut creators = Vec::new();
                for (i, a) in list.iter().enumerate() {
                    match codemeta_person(a) {
                        Some(c) => creators.push(c),
                        None => unmapped.push(match text(a.get("roleName")) {
                            Some(role) => format!("{k}.{i} (a role: {role})"),
                            None => format!("{k}.{i}"),
                        }),
                    }
                }
                m.insert("creators".into(), json!(creators));
            }
            "codeRepository" | "url" => {
                if let Some(u) = text(Some(v)) {
                    rel.push(related(&u, "url", "issupplementto"));
                }
            }
            "publisher" => match text(Some(v)).or_else(|| text(v.get("name"))) {
                Some(p) => {
                    m.insert("publisher".into(), json!(p));
                }
                None => unmapped.push("publisher".into()),
            },
            "identifier" => match text(Some(v)).as_deref().and_then(doi) {
                Some(d) => rel.push(related(&d, "doi", "isversionof")),
                None => unmapped.push("identifier".into()),
            },
            "referencePublication" => {
                let d = text(Some(v))
                    .or_else(|| text(v.get("@id")))
                    .or_else(|| text(v.get("identifier")));
                match d.as_deref().and_then(doi) {
                    Some(d) => rel.push(related(&d, "doi", "isdescribedby")),
                    None => unmapped.push("referencePublication".into()),
                }
            }
            other => unmapped.push(other.to_string()),
        }
    }
    finish(m, rel, unmapped)
}

/// A creator from a CodeMeta `Person` or `Organization`.
fn codemeta_person(a: &Value) -> Option<Value> {
    let affiliation = match a.get("affiliation") {
        Some(Value::String(s)) => Some(s.clone()),
        Some(o @ Value::Object(_)) => text(o.get("name")),
        Some(Value::Array(l)) => l
            .first()
            .and_then(|o| text(o.get("name")).or_else(|| text(Some(o)))),
        _ => None,
    };
    let kind = text(a.get("@type"))
        .unwrap_or_else(|| "Person".into())
        .to_ascii_lowercase();
    let person = if kind == "organization" {
        json!({"type": "organizational", "name": text(a.get("name"))?})
    } else if kind == "person" {
        // A person given by `name` alone: the last word is taken as the family name.
        let (given, family) = match (text(a.get("familyName")), text(a.get("name"))) {
            (Some(f), _) => (text(a.get("givenName")), f),
            (None, Some(n)) => match n.rsplit_once(char::is_whitespace) {
                Some((g, f)) => (Some(g.trim().to_string()), f.to_string()),
                None => (None, n),
            },
            (None, None) => return None,
        };
        let mut p = json!({"type": "personal", "family_name": family});
        if let Some(g) = given {
            p["given_name"] = json!(g);
        }
        if let Some(id) = text(a.get("@id"))
            .or_else(|| text(a.get("identifier")))
            .filter(|i| i.contains("orcid.org"))
        {
            p["identifiers"] = json!([{"scheme": "orcid", "identifier": orcid(&id)}]);
        }
        p
    } else {
        // A `Role` (CodeMeta 3 lists an author's roles beside the author) or another type.
        return None;
    };
    let mut c = json!({"person_or_org": person});
    if let Some(n) = affiliation {
        c["affiliations"] = json!([{"name": n}]);
    }
    Some(c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cff_with_persons_entities_and_a_preferred_citation() {
        let cff = json!({
            "cff-version": "1.2.0",
            "message": "Cite this",
            "title": "tidewater",
            "type": "software",
            "authors": [
                {"family-names": "Hopper", "given-names": "Grace", "orcid": "https://orcid.org/0000-0002-1825-0097", "affiliation": "Navy"},
                {"family-names": "Rossum", "name-particle": "van", "given-names": "Guido"},
                {"name": "The Tidewater Team", "website": "https://example.org"}
            ],
            "abstract": "Tides.",
            "keywords": ["tides", "ocean"],
            "license": "Apache-2.0",
            "version": "1.4.0",
            "date-released": "2026-11-30",
            "repository-code": "https://example.org/tidewater",
            "doi": "10.5281/zenodo.1234",
            "identifiers": [{"type": "swh", "value": "swh:1:rel:abc"}, {"type": "other", "value": "x"}],
            "preferred-citation": {"type": "article", "doi": "https://doi.org/10.1000/paper", "title": "A paper"},
            "commit": "abc123"
        });
        let out = from_cff(&cff).expect("maps");
        let m = serde_json::to_value(&out.metadata).expect("json");
        assert_eq!(m["title"], "tidewater");
        assert_eq!(m["resource_type"]["id"], "software");
        assert_eq!(
            m["creators"][0]["person_or_org"]["identifiers"][0]["identifier"],
            "0000-0002-1825-0097"
        );
        assert_eq!(m["creators"][0]["affiliations"][0]["name"], "Navy");
        assert_eq!(
            m["creators"][1]["person_or_org"]["family_name"],
            "van Rossum"
        );
        assert_eq!(m["creators"][2]["person_or_org"]["type"], "organizational");
        assert_eq!(m["rights"][0]["id"], "apache-2.0");
        assert_eq!(m["publication_date"], "2026-11-30");
        assert_eq!(m["subjects"][1]["subject"], "ocean");
        let rel: Vec<String> = m["related_identifiers"]
            .as_array()
            .expect("related")
            .iter()
            .map(|r| {
                format!(
                    "{} {}",
                    r["relation_type"]["id"].as_str().unwrap_or(""),
                    r["identifier"].as_str().unwrap_or("")
                )
            })
            .collect();
        assert!(
            rel.contains(&"issupplementto https://example.org/tidewater".to_string()),
            "{rel:?}"
        );
        assert!(
            rel.contains(&"isversionof 10.5281/zenodo.1234".to_string()),
            "{rel:?}"
        );
        assert!(
            rel.contains(&"isdescribedby 10.1000/paper".to_string()),
            "{rel:?}"
        );
        assert!(
            rel.contains(&"issupplementto swh:1:rel:abc".to_string()),
            "{rel:?}"
        );
        for k in [
            "commit",
            "authors.2.website",
            "identifiers.1",
            "preferred-citation (only its doi is kept)",
        ] {
            assert!(
                out.unmapped.contains(&k.to_string()),
                "{k} reported: {:?}",
                out.unmapped
            );
        }
        assert!(
            !out.unmapped
                .iter()
                .any(|k| k == "cff-version" || k == "message")
        );
    }

    #[test]
    fn a_codemeta_with_an_organization_and_license_urls() {
        let cm = json!({
            "@context": "https://w3id.org/codemeta/3.0",
            "@type": "SoftwareSourceCode",
            "name": "gauge",
            "description": "Gauges.",
            "author": [
                {"@type": "Person", "@id": "https://orcid.org/0000-0001-2345-6789", "givenName": "Ada", "familyName": "Lovelace", "affiliation": {"@type": "Organization", "name": "Analytical"}},
                {"@type": "Organization", "name": "Gauge Makers"}
            ],
            "license": "https://spdx.org/licenses/MIT",
            "version": "0.3",
            "datePublished": "2026-10-01",
            "keywords": "gauges, ocean",
            "codeRepository": "https://example.org/gauge",
            "programmingLanguage": "Rust"
        });
        let out = from_codemeta(&cm).expect("maps");
        let m = serde_json::to_value(&out.metadata).expect("json");
        assert_eq!(m["title"], "gauge");
        assert_eq!(m["rights"][0]["id"], "mit");
        assert_eq!(
            m["creators"][0]["person_or_org"]["identifiers"][0]["identifier"],
            "0000-0001-2345-6789"
        );
        assert_eq!(m["creators"][0]["affiliations"][0]["name"], "Analytical");
        assert_eq!(m["creators"][1]["person_or_org"]["name"], "Gauge Makers");
        assert_eq!(m["subjects"][0]["subject"], "gauges");
        assert_eq!(m["resource_type"]["id"], "software");
        assert_eq!(out.unmapped, vec!["programmingLanguage".to_string()]);
        assert!(from_codemeta(&json!([1])).is_err());
    }
}
