//! The rules an InvenioRDM server checks draft input by, with its messages: the sandbox
//! enforces them, and a client can check metadata before it sends anything.
//!
//! A draft save keeps what is valid and reports the rest (field errors); publish runs the
//! same checks and refuses when any fail. An unknown vocabulary id fails the whole request
//! ([`InvalidValue`], "Invalid value X.") even on drafts, as on the real server. Which ids
//! exist is the caller's to say ([`Terms`]): the sandbox knows its vocabularies, a client
//! asks the server.
//!
//! ```
//! use inveniordm_models::validate::{self, Terms};
//! struct Known;
//! impl Terms for Known {
//!     fn known(&self, _path: &str, vocabulary: &str, id: &str) -> bool {
//!         vocabulary == "resourcetypes" && id == "dataset"
//!     }
//! }
//! let m = serde_json::json!({"title": "Ocean", "resource_type": {"id": "dataset"}});
//! let mut errors = Vec::new();
//! validate::metadata(&Known, Some(&m), &mut errors).unwrap();
//! let fields: Vec<&str> = errors.iter().map(|(f, _)| f.as_str()).collect();
//! assert_eq!(fields, ["metadata.publication_date", "metadata.creators"]);
//! ```

use serde_json::{Map, Value, json};

/// Field errors: (dotted path, message).
pub type Errors = Vec<(String, String)>;

/// Which vocabulary ids exist.
pub trait Terms {
    /// Whether `id` is a term of `vocabulary` (`licenses`, `resourcetypes`, `languages`,
    /// `creatorsroles`, …); `path` is where the metadata names it (`metadata.rights.0.id`).
    fn known(&self, path: &str, vocabulary: &str, id: &str) -> bool;
}

/// A vocabulary id the server does not know: the whole request is refused with
/// "Invalid value {0}." (400), not only the field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidValue(pub String);

impl std::fmt::Display for InvalidValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Invalid value {}.", self.0)
    }
}

impl std::error::Error for InvalidValue {}

/// A text as InvenioRDM's `SanitizedUnicode` fields store it: zero-width spaces and control
/// characters (but for white space) removed, white space at the ends trimmed.
pub fn sanitized(s: &str) -> String {
    s.chars()
        .filter(|c| *c != '\u{200b}' && (!c.is_control() || c.is_whitespace()))
        .collect::<String>()
        .trim()
        .to_string()
}

const MISSING: &str = "Missing data for required field.";

/// Metadata keys of the RDM schema; others are dropped on input, as the real server does.
const KNOWN: &[&str] = &[
    "resource_type",
    "creators",
    "title",
    "additional_titles",
    "publisher",
    "publication_date",
    "subjects",
    "contributors",
    "dates",
    "languages",
    "identifiers",
    "related_identifiers",
    "sizes",
    "formats",
    "version",
    "rights",
    "copyright",
    "description",
    "additional_descriptions",
    "locations",
    "funding",
    "references",
];

/// Checks and cleans metadata; returns the valid part, and the problems in `errors`.
pub fn metadata(
    v: &dyn Terms,
    input: Option<&Value>,
    errors: &mut Errors,
) -> Result<Map<String, Value>, InvalidValue> {
    let mut out = Map::new();
    let m = match input {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => {
            errors.push(("metadata".into(), "Invalid input type.".into()));
            Map::new()
        }
    };
    for (k, val) in m {
        if !KNOWN.contains(&k.as_str()) {
            errors.push((format!("metadata.{k}"), "Unknown field.".into()));
        } else if !val.is_null() {
            out.insert(k, val);
        }
    }
    // A license by id takes only the id (and the vocabulary's own title/description);
    // `icon` and `props` are output-only.
    if let Some(Value::Array(rights)) = out.get_mut("rights") {
        for (i, r) in rights.iter_mut().enumerate() {
            if let Value::Object(o) = r
                && o.contains_key("id")
            {
                for k in ["icon", "props"] {
                    if o.remove(k).is_some() {
                        errors.push((format!("metadata.rights.{i}.{k}"), "Unknown field.".into()));
                    }
                }
            }
        }
    }
    // title: stored as its `SanitizedUnicode` field keeps it, the ends trimmed and
    // zero-width spaces gone.
    match out.get("title") {
        None => errors.push(("metadata.title".into(), MISSING.into())),
        Some(Value::String(s)) if sanitized(s).chars().count() >= 3 => {
            let clean = sanitized(s);
            out.insert("title".into(), Value::String(clean));
        }
        Some(Value::String(_)) => {
            errors.push((
                "metadata.title".into(),
                "Shorter than minimum length 3.".into(),
            ));
            out.remove("title");
        }
        Some(_) => {
            errors.push(("metadata.title".into(), "Not a valid string.".into()));
            out.remove("title");
        }
    }
    // description
    if let Some(d) = out.get("description") {
        match d {
            Value::String(s) if s.chars().count() >= 3 => {}
            Value::String(_) => {
                errors.push((
                    "metadata.description".into(),
                    "Shorter than minimum length 3.".into(),
                ));
                out.remove("description");
            }
            _ => {
                errors.push(("metadata.description".into(), "Not a valid string.".into()));
                out.remove("description");
            }
        }
    }
    // publication_date
    match out.get("publication_date") {
        None => errors.push(("metadata.publication_date".into(), MISSING.into())),
        Some(Value::String(s)) if crate::edtf::is_valid(s) => {}
        Some(_) => {
            errors.push((
                "metadata.publication_date".into(),
                "Please provide a valid date or interval.".into(),
            ));
            out.remove("publication_date");
        }
    }
    // resource_type
    match out.get("resource_type") {
        None => errors.push(("metadata.resource_type".into(), MISSING.into())),
        Some(rt) => match rt.get("id").and_then(Value::as_str) {
            Some(id) if v.known("metadata.resource_type.id", "resourcetypes", id) => {
                out.insert("resource_type".into(), json!({"id": id}));
            }
            Some(id) => return Err(InvalidValue(id.to_string())),
            None => {
                errors.push(("metadata.resource_type.id".into(), MISSING.into()));
                out.remove("resource_type");
            }
        },
    }
    // creators / contributors
    for (field, required, roles) in [
        ("creators", true, "creatorsroles"),
        ("contributors", false, "contributorsroles"),
    ] {
        match out.get(field).cloned() {
            None if required => errors.push((format!("metadata.{field}"), MISSING.into())),
            None => {}
            Some(Value::Array(list)) => {
                if list.is_empty() && required {
                    errors.push((format!("metadata.{field}"), MISSING.into()));
                    out.remove(field);
                    continue;
                }
                let mut kept = Vec::new();
                for (i, c) in list.iter().enumerate() {
                    if let Some(c) = creator(
                        v,
                        c,
                        &format!("metadata.{field}.{i}"),
                        field == "contributors",
                        roles,
                        errors,
                    )? {
                        kept.push(c);
                    }
                }
                if kept.is_empty() {
                    out.remove(field);
                } else {
                    out.insert(field.into(), Value::Array(kept));
                }
            }
            Some(_) => {
                errors.push((format!("metadata.{field}"), "Not a valid list.".into()));
                out.remove(field);
            }
        }
    }
    // vocabulary-backed lists
    vocab_list(v, &mut out, "languages", "languages", None, errors)?;
    vocab_list(v, &mut out, "rights", "licenses", Some("title"), errors)?;
    vocab_list(v, &mut out, "subjects", "subjects", Some("subject"), errors)?;
    nested_vocab(v, &out, "dates", &[("type", "datetypes")])?;
    nested_vocab(
        v,
        &out,
        "additional_titles",
        &[("type", "titletypes"), ("lang", "languages")],
    )?;
    nested_vocab(
        v,
        &out,
        "additional_descriptions",
        &[("type", "descriptiontypes"), ("lang", "languages")],
    )?;
    nested_vocab(
        v,
        &out,
        "related_identifiers",
        &[
            ("relation_type", "relationtypes"),
            ("resource_type", "resourcetypes"),
        ],
    )?;
    nested_vocab(
        v,
        &out,
        "funding",
        &[("funder", "funders"), ("award", "awards")],
    )?;
    if let Some(Value::Array(dates)) = out.get("dates").cloned() {
        let mut kept = Vec::new();
        for (i, d) in dates.into_iter().enumerate() {
            match d.get("date").and_then(Value::as_str) {
                Some(s) if crate::edtf::is_valid(s) => kept.push(d),
                _ => errors.push((
                    format!("metadata.dates.{i}.date"),
                    "Please provide a valid date or interval.".into(),
                )),
            }
        }
        out.insert("dates".into(), Value::Array(kept));
    }
    Ok(out)
}

fn creator(
    v: &dyn Terms,
    c: &Value,
    path: &str,
    role_required: bool,
    roles: &str,
    errors: &mut Errors,
) -> Result<Option<Value>, InvalidValue> {
    let Some(obj) = c.as_object() else {
        errors.push((path.into(), "Invalid input type.".into()));
        return Ok(None);
    };
    let mut obj = obj.clone();
    let Some(Value::Object(p)) = obj.get("person_or_org").cloned() else {
        errors.push((format!("{path}.person_or_org"), MISSING.into()));
        return Ok(None);
    };
    let mut p = p;
    let kind = p.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "personal" => {
            let family = p
                .get("family_name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_string();
            if family.is_empty() {
                errors.push((
                    format!("{path}.person_or_org.family_name"),
                    "Family name must be filled.".into(),
                ));
                return Ok(None);
            }
            let given = p
                .get("given_name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_string();
            let name = if given.is_empty() {
                family
            } else {
                format!("{family}, {given}")
            };
            p.insert("name".into(), json!(name));
        }
        "organizational" => {
            let name = p
                .get("name")
                .and_then(Value::as_str)
                .unwrap_or("")
                .trim()
                .to_string();
            if name.is_empty() {
                errors.push((
                    format!("{path}.person_or_org.name"),
                    "Name cannot be blank.".into(),
                ));
                return Ok(None);
            }
        }
        _ => {
            errors.push((
                format!("{path}.person_or_org.type"),
                "Must be one of: personal, organizational.".into(),
            ));
            return Ok(None);
        }
    }
    obj.insert("person_or_org".into(), Value::Object(p));
    match obj
        .get("role")
        .and_then(|r| r.get("id"))
        .and_then(Value::as_str)
    {
        Some(id) if v.known(&format!("{path}.role.id"), roles, id) => {
            obj.insert("role".into(), json!({"id": id}));
        }
        Some(id) => return Err(InvalidValue(id.to_string())),
        None if role_required => {
            errors.push((format!("{path}.role"), MISSING.into()));
            return Ok(None);
        }
        None => {
            obj.remove("role");
        }
    }
    if let Some(Value::Array(affs)) = obj.get("affiliations").cloned() {
        let mut kept = Vec::new();
        for (i, a) in affs.into_iter().enumerate() {
            match a.get("id").and_then(Value::as_str) {
                Some(id) if v.known(&format!("{path}.affiliations.{i}.id"), "affiliations", id) => {
                    kept.push(json!({"id": id}))
                }
                Some(id) => return Err(InvalidValue(id.to_string())),
                None => kept.push(a),
            }
        }
        obj.insert("affiliations".into(), Value::Array(kept));
    }
    Ok(Some(Value::Object(obj)))
}

/// A list of `{"id"}` references (or free entries with `free_key`).
fn vocab_list(
    v: &dyn Terms,
    out: &mut Map<String, Value>,
    field: &str,
    voc: &str,
    free_key: Option<&str>,
    errors: &mut Errors,
) -> Result<(), InvalidValue> {
    let Some(val) = out.get(field).cloned() else {
        return Ok(());
    };
    let Value::Array(list) = val else {
        errors.push((format!("metadata.{field}"), "Not a valid list.".into()));
        out.remove(field);
        return Ok(());
    };
    let mut kept = Vec::new();
    for (i, item) in list.into_iter().enumerate() {
        match item.get("id").and_then(Value::as_str) {
            Some(id) if v.known(&format!("metadata.{field}.{i}.id"), voc, id) => {
                kept.push(json!({"id": id}))
            }
            Some(id) => return Err(InvalidValue(id.to_string())),
            None if free_key.is_some_and(|k| item.get(k).is_some()) => kept.push(item),
            None => {}
        }
    }
    out.insert(field.into(), Value::Array(kept));
    Ok(())
}

/// Checks vocabulary ids inside the objects of a list.
fn nested_vocab(
    v: &dyn Terms,
    out: &Map<String, Value>,
    field: &str,
    keys: &[(&str, &str)],
) -> Result<(), InvalidValue> {
    let Some(Value::Array(list)) = out.get(field) else {
        return Ok(());
    };
    for (i, item) in list.iter().enumerate() {
        for (k, voc) in keys {
            if let Some(id) = item
                .get(*k)
                .and_then(|r| r.get("id"))
                .and_then(Value::as_str)
                && !v.known(&format!("metadata.{field}.{i}.{k}.id"), voc, id)
            {
                return Err(InvalidValue(id.to_string()));
            }
        }
    }
    Ok(())
}

/// Checks access settings (`today` as `YYYY-MM-DD`, for embargo dates); returns the stored
/// form.
pub fn access(input: Option<&Value>, today: &str, errors: &mut Errors) -> Map<String, Value> {
    let mut out = Map::new();
    let a = input
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for k in ["record", "files"] {
        match a.get(k).and_then(Value::as_str) {
            Some(p @ ("public" | "restricted")) => {
                out.insert(k.into(), json!(p));
            }
            None if a.get(k).is_none() => {
                out.insert(k.into(), json!("public"));
            }
            _ => {
                errors.push((
                    format!("access.{k}"),
                    "Must be one of: public, restricted.".into(),
                ));
                out.insert(k.into(), json!("public"));
            }
        }
    }
    if out.get("record") == Some(&json!("restricted")) {
        out.insert("files".into(), json!("restricted"));
    }
    let mut embargo = json!({"active": false, "reason": null});
    if let Some(Value::Object(e)) = a.get("embargo") {
        let active = e.get("active").and_then(Value::as_bool).unwrap_or(false);
        let until = e.get("until").and_then(Value::as_str).map(str::to_string);
        if active && until.as_deref().is_none_or(|u| u <= today) {
            errors.push((
                "access.embargo.until".into(),
                "Embargo end date must be set to a future date.".into(),
            ));
        } else {
            embargo = json!({"active": active, "reason": e.get("reason").cloned().unwrap_or(Value::Null)});
            if let Some(u) = until {
                embargo["until"] = json!(u);
            }
        }
    }
    out.insert("embargo".into(), embargo);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A server that knows a few terms of each vocabulary.
    struct Known;
    impl Terms for Known {
        fn known(&self, _path: &str, vocabulary: &str, id: &str) -> bool {
            matches!(
                (vocabulary, id),
                ("resourcetypes", "dataset")
                    | ("creatorsroles" | "contributorsroles", "editor")
                    | ("affiliations", "cern")
                    | ("languages", "eng")
                    | ("licenses", "cc-by-4.0")
                    | ("subjects", "s1")
                    | ("datetypes", "created")
                    | ("funders", "f1")
            )
        }
    }

    fn valid() -> Value {
        json!({
            "title": "Ocean",
            "resource_type": {"id": "dataset"},
            "publication_date": "2026-12-03",
            "creators": [{"person_or_org": {"type": "personal", "family_name": "Lovelace", "given_name": "Ada"}}],
        })
    }

    /// The valid part and the problems, as `field: message`.
    fn check(m: &Value) -> (Map<String, Value>, Vec<String>) {
        let mut errors = Vec::new();
        let out = metadata(&Known, Some(m), &mut errors).expect("no unknown term");
        (
            out,
            errors.iter().map(|(f, e)| format!("{f}: {e}")).collect(),
        )
    }

    fn with(changes: Value) -> Value {
        let mut m = valid();
        for (k, v) in changes.as_object().expect("object") {
            if v.is_null() {
                m.as_object_mut().expect("object").remove(k);
            } else {
                m[k] = v.clone();
            }
        }
        m
    }

    fn refused(m: &Value) -> String {
        metadata(&Known, Some(m), &mut Vec::new())
            .expect_err("an unknown term")
            .to_string()
    }

    #[test]
    fn valid_metadata_has_no_problems_and_persons_get_their_name() {
        let (out, errors) = check(&valid());
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(out["title"], "Ocean");
        assert_eq!(out["resource_type"], json!({"id": "dataset"}));
        assert_eq!(out["creators"][0]["person_or_org"]["name"], "Lovelace, Ada");
        let (out, _) = check(&with(
            json!({"creators": [{"person_or_org": {"type": "personal", "family_name": "Curie"}}]}),
        ));
        assert_eq!(out["creators"][0]["person_or_org"]["name"], "Curie");
    }

    #[test]
    fn texts_are_sanitized_as_the_server_stores_them() {
        assert_eq!(sanitized("  Oc\u{200b}ea\u{7}n\tdata \n"), "Ocean\tdata");
        let (out, errors) = check(&with(json!({"title": "  Oc\u{200b}ean  "})));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(out["title"], "Ocean");
        // Three characters only once the invisible ones are gone.
        let (out, errors) = check(&with(json!({"title": "a\u{200b}\u{200b}b"})));
        assert_eq!(errors, ["metadata.title: Shorter than minimum length 3."]);
        assert!(!out.contains_key("title"));
        let (_, errors) = check(&with(json!({"title": 5})));
        assert_eq!(errors, ["metadata.title: Not a valid string."]);
        let (_, errors) = check(&with(json!({"title": null})));
        assert_eq!(errors, ["metadata.title: Missing data for required field."]);
    }

    #[test]
    fn a_description_has_three_characters_at_least() {
        let (out, errors) = check(&with(json!({"description": "abc"})));
        assert!(
            errors.is_empty() && out["description"] == "abc",
            "{errors:?}"
        );
        let (out, errors) = check(&with(json!({"description": "ab"})));
        assert_eq!(
            errors,
            ["metadata.description: Shorter than minimum length 3."]
        );
        assert!(!out.contains_key("description"));
        let (out, errors) = check(&with(json!({"description": ["abc"]})));
        assert_eq!(errors, ["metadata.description: Not a valid string."]);
        assert!(!out.contains_key("description"));
    }

    #[test]
    fn dates_are_edtf() {
        let (out, errors) = check(&with(json!({"publication_date": "2026"})));
        assert!(errors.is_empty() && out["publication_date"] == "2026");
        let (out, errors) = check(&with(json!({"publication_date": "2026-13-45"})));
        assert_eq!(
            errors,
            ["metadata.publication_date: Please provide a valid date or interval."]
        );
        assert!(!out.contains_key("publication_date"));
        let (out, errors) = check(&with(json!({"dates": [
            {"date": "2020/2021", "type": {"id": "created"}},
            {"date": "yesterday", "type": {"id": "created"}},
        ]})));
        assert_eq!(
            errors,
            ["metadata.dates.1.date: Please provide a valid date or interval."]
        );
        assert_eq!(out["dates"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            refused(&with(
                json!({"dates": [{"date": "2020", "type": {"id": "nope"}}]})
            )),
            "Invalid value nope."
        );
    }

    #[test]
    fn a_resource_type_must_be_a_known_term() {
        assert_eq!(
            refused(&with(json!({"resource_type": {"id": "nope"}}))),
            "Invalid value nope."
        );
        let (out, errors) = check(&with(json!({"resource_type": {"title": "x"}})));
        assert_eq!(
            errors,
            ["metadata.resource_type.id: Missing data for required field."]
        );
        assert!(!out.contains_key("resource_type"));
        let (_, errors) = check(&with(json!({"resource_type": null})));
        assert_eq!(
            errors,
            ["metadata.resource_type: Missing data for required field."]
        );
    }

    #[test]
    fn creators_and_contributors() {
        let (_, errors) = check(&with(json!({"creators": null})));
        assert_eq!(
            errors,
            ["metadata.creators: Missing data for required field."]
        );
        let (out, errors) = check(&with(json!({"creators": []})));
        assert_eq!(
            errors,
            ["metadata.creators: Missing data for required field."]
        );
        assert!(!out.contains_key("creators"));
        let (out, errors) = check(&with(json!({"creators": [
            {"person_or_org": {"type": "personal", "given_name": "Ada"}},
            {"person_or_org": {"type": "organizational", "name": " CERN "}, "role": {"id": "editor", "title": "x"}},
            {"person_or_org": {"type": "organizational"}},
            {"person_or_org": {"type": "robot", "name": "R"}},
            {"affiliations": []},
            "not an object",
        ]})));
        assert_eq!(
            errors,
            [
                "metadata.creators.0.person_or_org.family_name: Family name must be filled.",
                "metadata.creators.2.person_or_org.name: Name cannot be blank.",
                "metadata.creators.3.person_or_org.type: Must be one of: personal, organizational.",
                "metadata.creators.4.person_or_org: Missing data for required field.",
                "metadata.creators.5: Invalid input type.",
            ]
        );
        let kept = out["creators"].as_array().expect("creators");
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0]["role"], json!({"id": "editor"}));
        let (_, errors) = check(&with(json!({"creators": "Ada"})));
        assert_eq!(errors, ["metadata.creators: Not a valid list."]);
        // A contributor needs a role; a creator does not.
        let (out, errors) = check(&with(json!({"contributors": [
            {"person_or_org": {"type": "personal", "family_name": "Curie"}},
            {"person_or_org": {"type": "personal", "family_name": "Noether"}, "role": {"id": "editor"}},
        ]})));
        assert_eq!(
            errors,
            ["metadata.contributors.0.role: Missing data for required field."]
        );
        assert_eq!(out["contributors"].as_array().map(Vec::len), Some(1));
        assert_eq!(
            refused(&with(
                json!({"creators": [{"person_or_org": {"type": "personal", "family_name": "C"}, "role": {"id": "boss"}}]})
            )),
            "Invalid value boss."
        );
        // Affiliations: a known id becomes a reference, a name stays, an unknown id refuses.
        let (out, errors) = check(&with(
            json!({"creators": [{"person_or_org": {"type": "personal", "family_name": "C"},
            "affiliations": [{"id": "cern", "name": "CERN"}, {"name": "Elsewhere"}]}]}),
        ));
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            out["creators"][0]["affiliations"],
            json!([{"id": "cern"}, {"name": "Elsewhere"}])
        );
        assert_eq!(
            refused(&with(
                json!({"creators": [{"person_or_org": {"type": "personal", "family_name": "C"},
                "affiliations": [{"id": "mars"}]}]})
            )),
            "Invalid value mars."
        );
    }

    #[test]
    fn vocabulary_lists_take_known_ids_and_free_entries() {
        let (out, errors) = check(&with(json!({
            "languages": [{"id": "eng", "title": {"en": "English"}}],
            "rights": [{"id": "cc-by-4.0", "icon": "cc", "props": {}}, {"title": {"en": "Mine"}}],
            "subjects": [{"id": "s1"}, {"subject": "ocean"}, {"scheme": "x"}],
        })));
        assert_eq!(
            errors,
            [
                "metadata.rights.0.icon: Unknown field.",
                "metadata.rights.0.props: Unknown field."
            ]
        );
        assert_eq!(out["languages"], json!([{"id": "eng"}]));
        assert_eq!(
            out["rights"],
            json!([{"id": "cc-by-4.0"}, {"title": {"en": "Mine"}}])
        );
        assert_eq!(out["subjects"], json!([{"id": "s1"}, {"subject": "ocean"}]));
        assert_eq!(
            refused(&with(json!({"languages": [{"id": "xxx"}]}))),
            "Invalid value xxx."
        );
        let (out, errors) = check(&with(json!({"languages": "eng"})));
        assert_eq!(errors, ["metadata.languages: Not a valid list."]);
        assert!(!out.contains_key("languages"));
        assert_eq!(
            refused(&with(
                json!({"funding": [{"funder": {"id": "f1"}, "award": {"id": "a9"}}]})
            )),
            "Invalid value a9."
        );
        let (_, errors) = check(&with(json!({"colour": "blue"})));
        assert_eq!(errors, ["metadata.colour: Unknown field."]);
    }

    #[test]
    fn access_defaults_restriction_and_embargo() {
        let mut errors = Vec::new();
        let a = access(None, "2026-12-06", &mut errors);
        assert!(errors.is_empty());
        assert_eq!(
            Value::Object(a),
            json!({"record": "public", "files": "public", "embargo": {"active": false, "reason": null}})
        );
        let a = access(
            Some(&json!({"record": "restricted", "files": "public"})),
            "2026-12-06",
            &mut errors,
        );
        assert!(errors.is_empty());
        assert_eq!(
            a["files"], "restricted",
            "a restricted record's files are too"
        );
        // Not a string at all: refused, not taken for absent.
        let mut wrong = Vec::new();
        access(Some(&json!({"record": 5})), "2026-12-06", &mut wrong);
        assert_eq!(wrong.len(), 1, "{wrong:?}");
        let a = access(Some(&json!({"files": "secret"})), "2026-12-06", &mut errors);
        assert_eq!(
            errors,
            [(
                "access.files".to_string(),
                "Must be one of: public, restricted.".to_string()
            )]
        );
        assert_eq!(a["files"], "public");
        for until in ["2026-12-06", "2020-01-01"] {
            let mut errors = Vec::new();
            access(
                Some(&json!({"embargo": {"active": true, "until": until}})),
                "2026-12-06",
                &mut errors,
            );
            assert_eq!(
                errors.len(),
                1,
                "an embargo ending {until} is not in the future"
            );
        }
        let mut errors = Vec::new();
        let a = access(
            Some(
                &json!({"embargo": {"active": true, "until": "2027-01-01", "reason": "peer review"}}),
            ),
            "2026-12-06",
            &mut errors,
        );
        assert!(errors.is_empty(), "{errors:?}");
        assert_eq!(
            a["embargo"],
            json!({"active": true, "reason": "peer review", "until": "2027-01-01"})
        );
        let mut errors = Vec::new();
        access(
            Some(&json!({"embargo": {"active": true}})),
            "2026-12-06",
            &mut errors,
        );
        assert_eq!(errors.len(), 1, "an active embargo needs an end");
    }
}
