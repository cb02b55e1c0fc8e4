//! The vocabularies the sandbox serves: those a stock InvenioRDM loads (every resource type,
//! role, title, description, date and relation type, removal reason and license, with their
//! titles in every language the stock data has, from `data/vocabularies.json`; every ISO 639-3
//! language from `data/languages.tsv`), and small sets of affiliations, funders, awards,
//! names and subjects.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

const DATA: &str = include_str!("../data/vocabularies.json");
/// Every ISO 639-3 language, as a stock InvenioRDM loads them.
const LANGUAGES: &str = include_str!("../data/languages.tsv");

/// The languages vocabulary from the bundled table.
fn languages() -> Vec<Value> {
    LANGUAGES
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .filter_map(|l| {
            let mut f = l.split('\t');
            let (id, alpha_2, scope, kind, name) =
                (f.next()?, f.next()?, f.next()?, f.next()?, f.next()?);
            Some(json!({
                "id": id,
                "title": {"en": name},
                "props": {"alpha_2": alpha_2},
                "tags": [scope, kind],
            }))
        })
        .collect()
}

/// Vocabularies with their own endpoint (`/api/affiliations`, …).
pub const SPECIAL: &[&str] = &["affiliations", "funders", "awards", "names", "subjects"];

/// All vocabulary terms, by type then id.
#[derive(Debug)]
pub struct Vocabularies {
    types: BTreeMap<String, Vec<Value>>,
    created: String,
}

impl Vocabularies {
    /// Loads the bundled data.
    pub fn load() -> Self {
        let data: Value = serde_json::from_str(DATA).unwrap_or_else(|_| json!({}));
        let mut types = BTreeMap::new();
        if let Some(Value::Object(v)) = data.get("vocabularies") {
            for (k, terms) in v {
                types.insert(k.clone(), terms.as_array().cloned().unwrap_or_default());
            }
        }
        types.insert("languages".to_string(), languages());
        for s in SPECIAL {
            if let Some(Value::Array(terms)) = data.get(*s) {
                types.insert((*s).to_string(), terms.clone());
            }
        }
        Self {
            types,
            created: "2026-01-01T00:00:00.000000+00:00".into(),
        }
    }

    /// Whether the type exists.
    pub fn has_type(&self, t: &str) -> bool {
        self.types.contains_key(t)
    }

    /// The raw terms of a type.
    pub fn terms(&self, t: &str) -> &[Value] {
        self.types.get(t).map(Vec::as_slice).unwrap_or(&[])
    }

    /// One raw term.
    pub fn term(&self, t: &str, id: &str) -> Option<&Value> {
        self.terms(t)
            .iter()
            .find(|v| v.get("id").and_then(Value::as_str) == Some(id))
    }

    /// A term as the API serves it (with type, timestamps, revision and a self link).
    pub fn render(&self, t: &str, term: &Value, api: &str) -> Value {
        let mut out = term.clone();
        let id = term.get("id").and_then(Value::as_str).unwrap_or("");
        let enc = crate::util::enc(id);
        if let Value::Object(m) = &mut out {
            let link = if SPECIAL.contains(&t) {
                format!("{api}/{t}/{enc}")
            } else {
                m.insert("type".into(), json!(t));
                format!("{api}/vocabularies/{t}/{enc}")
            };
            m.insert("created".into(), json!(self.created));
            m.insert("updated".into(), json!(self.created));
            m.insert("revision_id".into(), json!(1));
            m.insert("links".into(), json!({"self": link}));
        }
        out
    }

    /// `{"id", "title"}` for a reference to a generic vocabulary term, or `None` if unknown.
    pub fn reference(&self, t: &str, id: &str) -> Option<Value> {
        let term = self.term(t, id)?;
        let mut m = Map::new();
        m.insert("id".into(), json!(id));
        if let Some(title) = term.get("title") {
            m.insert("title".into(), title.clone());
        }
        Some(Value::Object(m))
    }

    /// The English title of a term.
    pub fn title_en(&self, t: &str, id: &str) -> Option<String> {
        self.term(t, id)?
            .get("title")?
            .get("en")?
            .as_str()
            .map(str::to_string)
    }
}
