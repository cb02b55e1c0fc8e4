//! Search result pages.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::JsonMap;

/// One page of search results: `{"hits": {"hits": [...], "total": n}, "aggregations", "sortBy", "links"}`.
///
/// Unknown keys are kept in `extra` (and in [`Hits::extra`]) so a page re-serialises unchanged.
#[derive(Debug, Clone, PartialEq)]
pub struct Results<T> {
    /// The hits and the total.
    pub hits: Hits<T>,
    /// Facets, when the endpoint has them (kept as JSON).
    pub aggregations: Option<JsonMap>,
    /// The sort option applied.
    pub sort_by: Option<String>,
    /// The page number (v13+).
    pub page: Option<u64>,
    /// `self`, `next`, `prev` links.
    pub links: Option<BTreeMap<String, serde_json::Value>>,
    /// Keys this type does not model.
    pub extra: JsonMap,
}

/// The `hits` object of a page.
#[derive(Debug, Clone, PartialEq)]
pub struct Hits<T> {
    /// The items of this page.
    pub hits: Vec<T>,
    /// Total number of matches (an integer on InvenioRDM; `{"value": n}` on some engines).
    pub total: u64,
    /// Keys this type does not model.
    pub extra: JsonMap,
    total_raw: Option<serde_json::Value>,
    /// The total as it was read (from `total_raw`): while `total` still equals it, the raw
    /// value is written back, whatever its shape.
    total_read: u64,
    /// `hits.hits` was absent from the document read (so it is not written back while empty).
    items_absent: bool,
    /// `hits.total` was absent from the document read.
    total_absent: bool,
}

impl<T> Hits<T> {
    /// Hits with the given items and total.
    pub fn new(hits: Vec<T>, total: u64) -> Self {
        Self {
            hits,
            total,
            extra: JsonMap::new(),
            total_raw: None,
            total_read: total,
            items_absent: false,
            total_absent: false,
        }
    }
}

impl<T> Results<T> {
    /// A page with these hits and total, nothing else.
    pub fn new(hits: Vec<T>, total: u64) -> Self {
        Self {
            hits: Hits::new(hits, total),
            aggregations: None,
            sort_by: None,
            page: None,
            links: None,
            extra: JsonMap::new(),
        }
    }

    /// The items of this page.
    pub fn items(&self) -> &[T] {
        &self.hits.hits
    }

    /// Total number of matches.
    pub fn total(&self) -> u64 {
        self.hits.total
    }

    /// A link by name (`"next"`, `"prev"`, `"self"`).
    pub fn link(&self, name: &str) -> Option<&str> {
        self.links.as_ref()?.get(name)?.as_str()
    }

    /// The URL of the next page, if any.
    pub fn next_link(&self) -> Option<&str> {
        self.link("next")
    }
}

impl<T: Serialize> Serialize for Results<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = self.extra.clone();
        let mut hits = self.hits.extra.clone();
        if !(self.hits.items_absent && self.hits.hits.is_empty()) {
            hits.insert(
                "hits".into(),
                serde_json::to_value(&self.hits.hits).map_err(serde::ser::Error::custom)?,
            );
        }
        match &self.hits.total_raw {
            // As read, unless the caller changed the total.
            Some(raw) if self.hits.total == self.hits.total_read => {
                hits.insert("total".into(), raw.clone());
            }
            None if self.hits.total_absent && self.hits.total == self.hits.hits.len() as u64 => {}
            _ => {
                hits.insert("total".into(), self.hits.total.into());
            }
        }
        map.insert("hits".into(), hits.into());
        if let Some(a) = &self.aggregations {
            map.insert("aggregations".into(), a.clone().into());
        }
        if let Some(s) = &self.sort_by {
            map.insert("sortBy".into(), s.clone().into());
        }
        if let Some(p) = self.page {
            map.insert("page".into(), p.into());
        }
        if let Some(l) = &self.links {
            map.insert(
                "links".into(),
                serde_json::to_value(l).map_err(serde::ser::Error::custom)?,
            );
        }
        map.serialize(serializer)
    }
}

impl<'de, T: DeserializeOwned> Deserialize<'de> for Results<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        let mut map = JsonMap::deserialize(deserializer)?;
        let mut hits_obj = match map.remove("hits") {
            Some(serde_json::Value::Object(o)) => o,
            Some(_) => return Err(D::Error::custom("`hits` is not an object")),
            None => return Err(D::Error::missing_field("hits")),
        };
        let items_absent = !hits_obj.contains_key("hits");
        let items = match hits_obj.remove("hits") {
            Some(v) => serde_json::from_value::<Vec<T>>(v)
                .map_err(|e| D::Error::custom(format!("hits.hits: {e}")))?,
            None => Vec::new(),
        };
        let total_raw = hits_obj.remove("total");
        let total_absent = total_raw.is_none();
        let total = match &total_raw {
            Some(serde_json::Value::Number(n)) => n.as_u64().unwrap_or(0),
            Some(serde_json::Value::Object(o)) => {
                o.get("value").and_then(|v| v.as_u64()).unwrap_or(0)
            }
            _ => items.len() as u64,
        };
        let aggregations = match map.remove("aggregations") {
            Some(serde_json::Value::Object(o)) => Some(o),
            Some(other) => {
                map.insert("aggregations".into(), other);
                None
            }
            None => None,
        };
        let sort_by = take_as(&mut map, "sortBy", |v| v.as_str().map(str::to_string));
        let page = take_as(&mut map, "page", serde_json::Value::as_u64);
        let links = match map.get("links") {
            Some(serde_json::Value::Object(_)) => map
                .remove("links")
                .and_then(|v| serde_json::from_value(v).ok()),
            _ => None,
        };
        Ok(Results {
            hits: Hits {
                hits: items,
                total,
                extra: hits_obj,
                total_raw,
                total_read: total,
                items_absent,
                total_absent,
            },
            aggregations,
            sort_by,
            page,
            links,
            extra: map,
        })
    }
}

fn take_as<U>(
    map: &mut JsonMap,
    key: &str,
    f: impl Fn(&serde_json::Value) -> Option<U>,
) -> Option<U> {
    let out = f(map.get(key)?)?;
    map.remove(key);
    Some(out)
}
