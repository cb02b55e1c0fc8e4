//! Metadata with its vocabulary references expanded (titles, names, licence details).

use serde_json::{Map, Value, json};

use crate::vocab::Vocabularies;

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
