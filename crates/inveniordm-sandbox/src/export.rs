//! Record exports: BibTeX, CSL-JSON, DataCite JSON and the formatted citation (APA), through
//! `Accept` on `/api/records/{id}` and through the site's `/records/{id}/export/{name}`.
//! Other formats a real server serves (JSON-LD, DataCite XML, Dublin Core, MARCXML, DCAT,
//! GeoJSON, CSV, linkset, CFF, codemeta) are answered 406, as a server without that
//! serializer does.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use crate::util::{ApiError, ApiResult};

/// The exports the sandbox produces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Export {
    /// `application/x-bibtex`.
    Bibtex,
    /// `application/vnd.citationstyles.csl+json`.
    Csl,
    /// `application/vnd.datacite.datacite+json`.
    DataciteJson,
    /// `text/x-bibliography` (APA).
    Citation,
}

/// What the `Accept` header asks of a record: `Ok(None)` for its JSON document,
/// `Ok(Some(export))` for an export, 406 for a format the sandbox cannot produce.
pub fn negotiate(accept: Option<&str>) -> Result<Option<Export>, ApiError> {
    let Some(a) = accept else { return Ok(None) };
    let mut json_ok = false;
    for m in crate::app::media_types(a) {
        match m.as_str() {
            "application/x-bibtex" => return Ok(Some(Export::Bibtex)),
            "application/vnd.citationstyles.csl+json" => return Ok(Some(Export::Csl)),
            "application/vnd.datacite.datacite+json" => return Ok(Some(Export::DataciteJson)),
            "text/x-bibliography" => return Ok(Some(Export::Citation)),
            ""
            | "*/*"
            | "application/*"
            | "application/json"
            | "application/vnd.inveniordm.v1+json" => json_ok = true,
            _ => {}
        }
    }
    if json_ok {
        Ok(None)
    } else {
        Err(crate::app::not_acceptable())
    }
}

/// The export of a site export-route name; `None` for a name the route does not have.
pub fn by_route_name(name: &str) -> Option<Result<Option<Export>, ApiError>> {
    Some(match name {
        "json" => Ok(None),
        "bibtex" => Ok(Some(Export::Bibtex)),
        "csl" => Ok(Some(Export::Csl)),
        "datacite-json" => Ok(Some(Export::DataciteJson)),
        "datacite-xml" | "dublincore" | "marcxml" | "geojson" | "dcat-ap" | "codemeta" | "cff"
        | "json-ld" => Err(crate::app::not_acceptable()),
        _ => return None,
    })
}

fn s<'a>(v: &'a Value, path: &[&str]) -> Option<&'a str> {
    let mut n = v;
    for p in path {
        n = n.get(p)?;
    }
    n.as_str()
}

fn creators(rec: &Value) -> Vec<&Value> {
    rec.pointer("/metadata/creators")
        .and_then(Value::as_array)
        .map(|a| a.iter().collect())
        .unwrap_or_default()
}

fn person(c: &Value) -> (Option<&str>, Option<&str>, Option<&str>, bool) {
    let p = c.get("person_or_org").unwrap_or(&Value::Null);
    (
        s(p, &["family_name"]),
        s(p, &["given_name"]),
        s(p, &["name"]),
        s(p, &["type"]) == Some("personal"),
    )
}

fn date_parts(rec: &Value) -> Vec<String> {
    s(rec, &["metadata", "publication_date"])
        .unwrap_or("")
        .split('/')
        .next()
        .unwrap_or("")
        .split('-')
        .filter(|p| !p.is_empty())
        .map(str::to_string)
        .collect()
}

fn resource_type(rec: &Value) -> &str {
    s(rec, &["metadata", "resource_type", "id"]).unwrap_or("other")
}

/// A BibTeX entry.
pub fn bibtex(rec: &Value) -> String {
    let id = s(rec, &["id"]).unwrap_or("");
    let kind = match resource_type(rec).split('-').next().unwrap_or("") {
        "dataset" => "dataset",
        "software" => "software",
        "publication" => "article",
        _ => "misc",
    };
    let parts = date_parts(rec);
    let year = parts.first().cloned().unwrap_or_default();
    let first = creators(rec)
        .first()
        .map(|c| {
            let (family, _, name, _) = person(c);
            family.or(name).unwrap_or("").to_lowercase()
        })
        .unwrap_or_default()
        .chars()
        .filter(|c| c.is_alphanumeric())
        .collect::<String>();
    let authors: Vec<String> = creators(rec)
        .iter()
        .map(|c| {
            let (family, given, name, personal) = person(c);
            match (personal, family, given) {
                (true, Some(f), Some(g)) => format!("{f}, {g}"),
                _ => name.or(family).unwrap_or("").to_string(),
            }
        })
        .collect();
    let mut out = format!("@{kind}{{{first}_{year}_{id},\n");
    out.push_str(&format!(
        "  author       = {{{}}},\n",
        authors.join(" and ")
    ));
    out.push_str(&format!(
        "  title        = {{{}}},\n",
        s(rec, &["metadata", "title"]).unwrap_or("")
    ));
    if let Some(m) = parts.get(1).and_then(|m| m.parse::<usize>().ok()) {
        let months = [
            "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
        ];
        if let Some(name) = months.get(m.wrapping_sub(1)) {
            out.push_str(&format!("  month        = {name},\n"));
        }
    }
    out.push_str(&format!("  year         = {year},\n"));
    if let Some(v) = s(rec, &["metadata", "version"]) {
        out.push_str(&format!("  version      = {{{v}}},\n"));
    }
    if let Some(doi) = s(rec, &["pids", "doi", "identifier"]) {
        out.push_str(&format!("  doi          = {{{doi}}},\n"));
    }
    out.push('}');
    out
}

/// CSL-JSON.
pub fn csl(rec: &Value) -> Value {
    let mut v = json!({
        "id": s(rec, &["id"]).unwrap_or(""),
        "type": match resource_type(rec).split('-').next().unwrap_or("") {
            "dataset" => "dataset",
            "software" => "software",
            "publication" => "article",
            _ => "document",
        },
        "title": s(rec, &["metadata", "title"]).unwrap_or(""),
    });
    if let Some(d) = s(rec, &["metadata", "description"]) {
        v["abstract"] = json!(crate::render::strip_tags(d).trim().to_string());
    }
    let authors: Vec<Value> = creators(rec)
        .iter()
        .map(|c| {
            let (family, given, name, personal) = person(c);
            if personal {
                json!({"family": family.unwrap_or(""), "given": given.unwrap_or("")})
            } else {
                json!({"literal": name.unwrap_or("")})
            }
        })
        .collect();
    v["author"] = json!(authors);
    let parts = date_parts(rec);
    if !parts.is_empty() {
        v["issued"] = json!({"date-parts": [parts]});
    }
    if let Some(l) = rec
        .pointer("/metadata/languages/0/id")
        .and_then(Value::as_str)
    {
        v["language"] = json!(l);
    }
    if let Some(doi) = s(rec, &["pids", "doi", "identifier"]) {
        v["DOI"] = json!(doi);
    }
    if let Some(ver) = s(rec, &["metadata", "version"]) {
        v["version"] = json!(ver);
    }
    if let Some(p) = s(rec, &["metadata", "publisher"]) {
        v["publisher"] = json!(p);
    }
    v
}

/// DataCite JSON (kernel 4); v14 lists the record's own addresses as `alternateIdentifiers`,
/// v13 as `identifiers`.
pub fn datacite(rec: &Value, ui: &str, rdm_version: u8) -> Value {
    let id = s(rec, &["id"]).unwrap_or("");
    let general = s(
        rec,
        &["metadata", "resource_type", "props", "datacite_general"],
    )
    .map(str::to_string)
    .unwrap_or_else(
        || match resource_type(rec).split('-').next().unwrap_or("") {
            "dataset" => "Dataset".into(),
            "software" => "Software".into(),
            "publication" => "Text".into(),
            _ => "Other".into(),
        },
    );
    let specific = s(
        rec,
        &["metadata", "resource_type", "props", "datacite_type"],
    )
    .unwrap_or("");
    let creators: Vec<Value> = creators(rec)
        .iter()
        .map(|c| {
            let (family, given, name, personal) = person(c);
            let mut v = json!({
                "name": name.unwrap_or(""),
                "nameType": if personal { "Personal" } else { "Organizational" },
            });
            if personal {
                v["givenName"] = json!(given.unwrap_or(""));
                v["familyName"] = json!(family.unwrap_or(""));
            }
            v["nameIdentifiers"] = json!([]);
            v
        })
        .collect();
    let mut dates = Vec::new();
    if let Some(d) = s(rec, &["metadata", "publication_date"]) {
        dates.push(json!({"date": d, "dateType": "Issued"}));
    }
    if let Some(u) = s(rec, &["updated"]) {
        dates.push(json!({"date": u.get(..10).unwrap_or(u), "dateType": "Updated"}));
    }
    let mut v = json!({
        "types": {"resourceTypeGeneral": general, "resourceType": specific},
        "titles": [{"title": s(rec, &["metadata", "title"]).unwrap_or("")}],
        "creators": creators,
        "publicationYear": date_parts(rec).first().cloned().unwrap_or_default(),
        "dates": dates,
    });
    if let Some(l) = rec
        .pointer("/metadata/languages/0/id")
        .and_then(Value::as_str)
    {
        v["language"] = json!(l);
    }
    if let Some(doi) = s(rec, &["pids", "doi", "identifier"]) {
        v["doi"] = json!(doi);
    }
    let own = [
        (format!("{ui}/records/{id}"), "URL"),
        (format!("oai:oai:invenio-app-rdm.org::{id}"), "oai"),
    ];
    if rdm_version >= 14 {
        v["alternateIdentifiers"] = json!(
            own.iter()
                .map(|(i, t)| json!({"alternateIdentifier": i, "alternateIdentifierType": t}))
                .collect::<Vec<_>>()
        );
    } else {
        let mut identifiers: Vec<Value> = own
            .iter()
            .map(|(i, t)| json!({"identifier": i, "identifierType": t}))
            .collect();
        if let Some(doi) = s(rec, &["pids", "doi", "identifier"]) {
            identifiers.insert(0, json!({"identifier": doi, "identifierType": "DOI"}));
        }
        v["identifiers"] = json!(identifiers);
    }
    if let Some(ver) = s(rec, &["metadata", "version"]) {
        v["version"] = json!(ver);
    }
    let rights: Vec<Value> = rec
        .pointer("/metadata/rights")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .map(|r| {
                    let mut x = json!({
                        "rights": s(r, &["title", "en"]).unwrap_or(""),
                    });
                    if let Some(i) = s(r, &["id"]) {
                        x["rightsIdentifier"] = json!(i);
                        x["rightsIdentifierScheme"] = json!("spdx");
                    }
                    if let Some(u) = s(r, &["props", "url"]).or(s(r, &["link"])) {
                        x["rightsUri"] = json!(u);
                    }
                    x
                })
                .collect()
        })
        .unwrap_or_default();
    if !rights.is_empty() {
        v["rightsList"] = json!(rights);
    }
    if let Some(d) = s(rec, &["metadata", "description"]) {
        v["descriptions"] = json!([{"description": crate::render::strip_tags(d).trim().to_string(), "descriptionType": "Abstract"}]);
    }
    v["schemaVersion"] = json!("http://datacite.org/schema/kernel-4");
    v
}

/// An APA-like citation, `Family, G. (Year). Title [Type].` (other styles: 400).
pub fn citation(rec: &Value, style: Option<&str>) -> Result<String, ApiError> {
    if style.is_some_and(|s| s != "apa") {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "Citation string style not found.",
        ));
    }
    let names: Vec<String> = creators(rec)
        .iter()
        .map(|c| {
            let (family, given, name, personal) = person(c);
            match (personal, family, given) {
                (true, Some(f), Some(g)) => {
                    format!("{f}, {}.", g.chars().next().unwrap_or(' '))
                }
                _ => name.or(family).unwrap_or("").to_string(),
            }
        })
        .collect();
    let year = date_parts(rec).first().cloned().unwrap_or_default();
    let kind = s(rec, &["metadata", "resource_type", "title", "en"]).unwrap_or("Dataset");
    let mut out = format!(
        "{} ({year}). {} [{kind}].",
        names.join(", "),
        s(rec, &["metadata", "title"]).unwrap_or("")
    );
    if let Some(doi) = s(rec, &["pids", "doi", "identifier"]) {
        out.push_str(&format!(" https://doi.org/{doi}"));
    }
    Ok(out)
}

/// The response of an export of a rendered record.
pub fn respond(
    rec: &Value,
    export: Export,
    ui: &str,
    style: Option<&str>,
    rdm_version: u8,
) -> ApiResult {
    let (ct, body) = match export {
        Export::Bibtex => ("application/x-bibtex", bibtex(rec)),
        Export::Csl => (
            "application/vnd.citationstyles.csl+json",
            csl(rec).to_string(),
        ),
        Export::DataciteJson => (
            "application/vnd.datacite.datacite+json",
            datacite(rec, ui, rdm_version).to_string(),
        ),
        Export::Citation => ("text/plain", citation(rec, style)?),
    };
    let mut r = Response::new(axum::body::Body::from(body));
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    Ok(r)
}
