//! `--set PATH=VALUE` and `--unset PATH`: single-field changes to a draft document.

use anyhow::{Result, bail};
use inveniordm::models::{Metadata, Record};
use serde_json::Value;

/// The path as segments; a path starting with a metadata field (`title`) means
/// `metadata.title`.
fn segments(path: &str) -> Result<Vec<String>> {
    let segs: Vec<String> = path.split('.').map(str::to_string).collect();
    if segs.iter().any(String::is_empty) {
        bail!("{path:?} is not a dotted path (e.g. metadata.title)");
    }
    let first = segs[0].as_str();
    if !Record::KNOWN_KEYS.contains(&first) && Metadata::KNOWN_KEYS.contains(&first) {
        let mut v = vec!["metadata".to_string()];
        v.extend(segs);
        return Ok(v);
    }
    Ok(segs)
}

/// The value of `--set`: JSON when it parses, a string otherwise.
fn value(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.to_string()))
}

/// Sets `path` in `doc` to `text` (JSON when it parses, a string otherwise), creating objects
/// on the way; a number indexes a list (the list's length appends). A field that holds text
/// keeps holding text: `--set metadata.version=2.10` stays `"2.10"`.
pub fn set(doc: &mut Value, path: &str, text: &str) -> Result<()> {
    let segs = segments(path)?;
    let mut node = doc;
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        if node.is_null() {
            *node = Value::Object(Default::default());
        }
        node = match node {
            Value::Object(map) => {
                if last {
                    let keeps_text = map.get(seg).is_some_and(Value::is_string);
                    let v = if keeps_text {
                        Value::String(text.to_string())
                    } else {
                        value(text)
                    };
                    map.insert(seg.clone(), v);
                    return Ok(());
                }
                map.entry(seg.clone()).or_insert(Value::Null)
            }
            Value::Array(list) => {
                let Ok(idx) = seg.parse::<usize>() else {
                    bail!("{path}: {seg:?} is not a position in a list");
                };
                if idx > list.len() {
                    bail!("{path}: the list has {} items", list.len());
                }
                if idx == list.len() {
                    list.push(Value::Null);
                }
                if last {
                    list[idx] = if list[idx].is_string() {
                        Value::String(text.to_string())
                    } else {
                        value(text)
                    };
                    return Ok(());
                }
                &mut list[idx]
            }
            other => bail!("{path}: {seg:?} is below a {} value", kind(other)),
        };
    }
    Ok(())
}

/// Removes `path` from `doc`; a path that is not there is an error (a typo must not pass).
pub fn unset(doc: &mut Value, path: &str) -> Result<()> {
    let segs = segments(path)?;
    let mut node = doc;
    for (i, seg) in segs.iter().enumerate() {
        let last = i + 1 == segs.len();
        node = match node {
            Value::Object(map) if last => {
                if map.remove(seg).is_none() {
                    bail!("{path}: the draft has no such field");
                }
                return Ok(());
            }
            Value::Object(map) => match map.get_mut(seg) {
                Some(n) => n,
                None => bail!("{path}: the draft has no such field"),
            },
            Value::Array(list) => {
                let idx = seg.parse::<usize>().ok().filter(|i| *i < list.len());
                let Some(idx) = idx else {
                    bail!("{path}: no item {seg} in a list of {}", list.len());
                };
                if last {
                    list.remove(idx);
                    return Ok(());
                }
                &mut list[idx]
            }
            _ => bail!("{path}: the draft has no such field"),
        };
    }
    Ok(())
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "true/false",
        Value::Number(_) => "number",
        Value::String(_) => "text",
        Value::Array(_) => "list",
        Value::Object(_) => "object",
    }
}

/// Applies `--set` and `--unset` to a draft (sets first, then unsets).
pub fn apply(draft: &Record, sets: &[String], unsets: &[String]) -> Result<Record> {
    let mut doc = serde_json::to_value(draft)?;
    for s in sets {
        let Some((path, text)) = s.split_once('=') else {
            bail!("--set takes PATH=VALUE, got {s:?}");
        };
        set(&mut doc, path.trim(), text)?;
    }
    for path in unsets {
        unset(&mut doc, path.trim())?;
    }
    Ok(serde_json::from_value(doc)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn paths_values_and_lists() {
        let mut d = json!({"metadata": {"title": "A", "creators": [{"x": 1}]}, "access": {}});
        set(&mut d, "title", "B").expect("shorthand");
        set(&mut d, "metadata.publication_date", "2026-01-01").expect("new field");
        set(&mut d, "metadata.creators.0.x", "2").expect("list item");
        set(&mut d, "metadata.creators.1", r#"{"y": true}"#).expect("append");
        set(&mut d, "custom_fields.site:n", "[1, 2]").expect("created object");
        set(&mut d, "metadata.title", "2.10").expect("text stays text");
        assert_eq!(d["metadata"]["title"], "2.10");
        set(&mut d, "metadata.title", "B").expect("back");
        assert_eq!(
            d,
            json!({"metadata": {"title": "B", "publication_date": "2026-01-01",
                "creators": [{"x": 2}, {"y": true}]}, "access": {}, "custom_fields": {"site:n": [1, 2]}})
        );
        assert!(set(&mut d, "metadata.title.x", "1").is_err(), "below text");
        assert!(
            set(&mut d, "metadata.creators.5", "1").is_err(),
            "past the end"
        );
        unset(&mut d, "metadata.creators.0").expect("remove item");
        unset(&mut d, "publication_date").expect("shorthand");
        assert!(unset(&mut d, "metadata.nope").is_err(), "a typo is refused");
        assert_eq!(
            d["metadata"],
            json!({"title": "B", "creators": [{"y": true}]})
        );
    }
}
