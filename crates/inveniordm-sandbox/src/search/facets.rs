//! Facets: the buckets of a search's aggregations and the filters that select them.

use crate::app::App;
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;

/// Facet values of a rendered record.
pub(super) fn facet_values(doc: &Value, facet: &str) -> Vec<(String, Option<String>)> {
    match facet {
        "resource_type" => {
            let id = doc
                .pointer("/metadata/resource_type/id")
                .and_then(Value::as_str)
                .unwrap_or("");
            if id.is_empty() {
                return vec![];
            }
            let top = id.split('-').next().unwrap_or(id).to_string();
            if top == id {
                vec![(top, None)]
            } else {
                vec![(top, Some(id.to_string()))]
            }
        }
        "access_status" => doc
            .pointer("/access/status")
            .and_then(Value::as_str)
            .map(|s| vec![(s.to_string(), None)])
            .unwrap_or_default(),
        "file_type" => {
            let mut out: Vec<(String, Option<String>)> = Vec::new();
            if let Some(Value::Object(entries)) = doc.pointer("/files/entries") {
                for e in entries.values() {
                    if let Some(x) = e.get("ext").and_then(Value::as_str)
                        && !out.iter().any(|(k, _)| k == x)
                    {
                        out.push((x.to_string(), None));
                    }
                }
            }
            out
        }
        "is_published" => {
            let p = doc
                .get("is_published")
                .and_then(Value::as_bool)
                .unwrap_or(false);
            vec![(p.to_string(), None)]
        }
        _ => vec![],
    }
}

pub(super) fn facet_label(app: &App, facet: &str, key: &str) -> String {
    match facet {
        "resource_type" => app
            .vocab
            .title_en("resourcetypes", key)
            .unwrap_or_else(|| key.to_string()),
        "access_status" => match key {
            "open" => "Open".into(),
            "restricted" => "Restricted".into(),
            "embargoed" => "Embargoed".into(),
            "metadata-only" => "Metadata-only".into(),
            k => k.to_string(),
        },
        "is_published" => {
            if key == "true" {
                "Published".into()
            } else {
                "Unpublished".into()
            }
        }
        "file_type" => key.to_uppercase(),
        _ => key.to_string(),
    }
}

/// A facet bucket: key, (count, sub-buckets).
pub(super) type Bucket = (String, (u64, BTreeMap<String, u64>));

pub(super) fn aggregations(
    app: &App,
    facets: &[&str],
    docs: &[&Value],
    selected: &BTreeMap<String, Vec<String>>,
) -> Value {
    let mut out = Map::new();
    for f in facets {
        let mut counts: BTreeMap<String, (u64, BTreeMap<String, u64>)> = BTreeMap::new();
        for d in docs {
            for (k, sub) in facet_values(d, f) {
                let e = counts.entry(k).or_default();
                e.0 += 1;
                if let Some(s) = sub {
                    *e.1.entry(s).or_default() += 1;
                }
            }
        }
        let mut buckets: Vec<Bucket> = counts.into_iter().collect();
        buckets.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(&b.0)));
        let sel = selected.get(*f).cloned().unwrap_or_default();
        let buckets: Vec<Value> = buckets
            .into_iter()
            .map(|(k, (n, subs))| {
                let mut b = json!({"key": k, "doc_count": n, "label": facet_label(app, f, &k), "is_selected": sel.iter().any(|s| s == &k || s.starts_with(&format!("{k}::")))});
                if *f == "resource_type" {
                    let inner: Vec<Value> = subs
                        .into_iter()
                        .map(|(s, c)| json!({"key": s, "doc_count": c, "label": facet_label(app, f, &s), "is_selected": sel.iter().any(|x| x.ends_with(&format!("::{s}")))}))
                        .collect();
                    b["inner"] = json!({"buckets": inner});
                }
                b
            })
            .collect();
        let label = match *f {
            "resource_type" => "Resource types",
            "access_status" => "Access status",
            "file_type" => "File type",
            "is_published" => "Status",
            other => other,
        };
        out.insert(
            (*f).to_string(),
            json!({"buckets": buckets, "label": label}),
        );
    }
    Value::Object(out)
}

pub(super) fn passes_filters(
    doc: &Value,
    facets: &[&str],
    selected: &BTreeMap<String, Vec<String>>,
) -> bool {
    for f in facets {
        let Some(wanted) = selected.get(*f) else {
            continue;
        };
        let vals = facet_values(doc, f);
        let ok = wanted.iter().any(|w| {
            let (top, sub) = match w.split_once("::") {
                Some((t, s)) => (t, Some(s)),
                None => (w.as_str(), None),
            };
            vals.iter().any(|(k, s)| {
                k == top
                    && (sub.is_none() || s.as_deref() == sub || (s.is_none() && sub == Some(top)))
            })
        });
        if !ok {
            return false;
        }
    }
    true
}
