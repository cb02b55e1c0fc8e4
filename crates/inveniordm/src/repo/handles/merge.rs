//! The merge engine of a save: the changes between two JSON documents as JSON pointers, and
//! applying them onto a third.

use serde_json::{Map, Value};

/// A change: the JSON pointer and the new value, or `None` when the key is removed.
pub(crate) type Change = (String, Option<Value>);

/// Where `b` differs from `a`: (JSON pointer, new value or `None` when removed). Objects are
/// compared key by key; anything else (arrays too) as a whole.
pub(crate) fn diff(a: &Value, b: &Value) -> Vec<Change> {
    let mut out = Vec::new();
    walk("", a, b, &mut out);
    out
}

fn walk(at: &str, a: &Value, b: &Value, out: &mut Vec<Change>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for (k, va) in x {
                let p = format!("{at}/{}", escape(k));
                match y.get(k) {
                    Some(vb) => walk(&p, va, vb, out),
                    None if !va.is_null() => out.push((p, None)),
                    None => {}
                }
            }
            for (k, vb) in y {
                if !x.contains_key(k) && !vb.is_null() {
                    out.push((format!("{at}/{}", escape(k)), Some(vb.clone())));
                }
            }
        }
        _ if a == b => {}
        (_, Value::Null) => out.push((at.to_string(), None)),
        _ => out.push((at.to_string(), Some(b.clone()))),
    }
}

fn escape(k: &str) -> String {
    k.replace('~', "~0").replace('/', "~1")
}

fn unescape(k: &str) -> String {
    k.replace("~1", "/").replace("~0", "~")
}

/// Whether one pointer is the other or lies inside it.
pub(crate) fn overlaps(p: &str, q: &str) -> bool {
    let inside = |a: &str, b: &str| a == b || a.starts_with(&format!("{b}/"));
    inside(p, q) || inside(q, p)
}

/// Sets (or, with `None`, removes) the value at a pointer, making objects on the way.
pub(crate) fn apply(doc: &mut Value, pointer: &str, value: Option<Value>) {
    let parts: Vec<String> = pointer.split('/').skip(1).map(unescape).collect();
    let Some((last, path)) = parts.split_last() else {
        return;
    };
    let mut at = doc;
    for p in path {
        if !at.is_object() {
            *at = Value::Object(Map::new());
        }
        let Value::Object(m) = at else { return };
        at = m.entry(p.clone()).or_insert(Value::Object(Map::new()));
    }
    if !at.is_object() {
        *at = Value::Object(Map::new());
    }
    if let Value::Object(m) = at {
        match value {
            Some(v) => {
                m.insert(last.clone(), v);
            }
            None => {
                m.remove(last);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_diff_names_the_leaves_that_changed_and_applies_onto_another_document() {
        let a = json!({"metadata": {"title": "A", "version": "1", "creators": [1]}, "pids": {"doi": {"identifier": "10.1/x"}}});
        let b = json!({"metadata": {"title": "B", "creators": [1, 2], "new/key": true}, "pids": {"doi": {"identifier": "10.1/x"}}});
        let d = diff(&a, &b);
        let paths: Vec<&str> = d.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "/metadata/creators",
                "/metadata/title",
                "/metadata/version",
                "/metadata/new~1key"
            ]
        );
        // Onto a document someone else changed elsewhere: their change stays.
        let mut theirs = json!({"metadata": {"title": "A", "version": "1", "creators": [1], "subjects": ["s"]}, "pids": {"doi": {"identifier": "10.1/x"}}});
        for (p, v) in d {
            apply(&mut theirs, &p, v);
        }
        assert_eq!(
            theirs,
            json!({"metadata": {"title": "B", "creators": [1, 2], "subjects": ["s"], "new/key": true}, "pids": {"doi": {"identifier": "10.1/x"}}})
        );
        assert!(overlaps("/metadata", "/metadata/title"));
        assert!(overlaps("/metadata/title", "/metadata/title"));
        assert!(!overlaps("/metadata/title", "/metadata/titles"));
    }
}

#[cfg(test)]
mod properties {
    use super::*;
    use proptest::prelude::*;

    /// JSON without nulls (a null and an absent key are the same to a save), with few keys so
    /// that documents share and clash on paths.
    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            any::<bool>().prop_map(Value::Bool),
            (0i64..4).prop_map(Value::from),
            "[ab]{0,2}".prop_map(Value::String),
        ];
        leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
                prop::collection::btree_map("[ab/~]{1,2}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// A document as a save sees one: an object at the root.
    fn doc() -> impl Strategy<Value = Value> {
        prop::collection::btree_map("[abc]", json(), 0..4)
            .prop_map(|m| Value::Object(m.into_iter().collect()))
    }

    fn applied(mut doc: Value, changes: &[Change]) -> Value {
        for (p, v) in changes {
            apply(&mut doc, p, v.clone());
        }
        doc
    }

    proptest! {
        #[test]
        fn applying_the_diff_of_a_and_b_onto_a_gives_b(a in doc(), b in doc()) {
            prop_assert_eq!(applied(a.clone(), &diff(&a, &b)), b);
        }

        #[test]
        fn a_diff_of_a_document_with_itself_is_empty(a in doc()) {
            prop_assert!(diff(&a, &a).is_empty());
        }

        #[test]
        fn disjoint_changes_commute(
            base in doc(),
            mine_new in doc(),
            theirs_new in doc(),
            owner in prop::collection::vec(0u8..3, 3),
        ) {
            // Each root key is changed by one side at most: owner 1 by mine, 2 by theirs.
            let take = |from: &Value, who: u8| {
                let mut out = base.clone();
                for (i, k) in ["a", "b", "c"].iter().enumerate() {
                    if owner[i] == who {
                        match from.get(*k) {
                            Some(v) => { out[*k] = v.clone(); }
                            None => { out.as_object_mut().expect("an object").remove(*k); }
                        }
                    }
                }
                out
            };
            let (mine, theirs) = (take(&mine_new, 1), take(&theirs_new, 2));
            let d1 = diff(&base, &mine);
            let d2 = diff(&base, &theirs);
            prop_assert!(d1.iter().all(|(p, _)| d2.iter().all(|(q, _)| !overlaps(p, q))));
            let one = applied(applied(base.clone(), &d1), &d2);
            let other = applied(applied(base.clone(), &d2), &d1);
            prop_assert_eq!(&one, &other);
            // Both sides' changes are in the result: mine's keys as mine, theirs' as theirs.
            for (i, k) in ["a", "b", "c"].iter().enumerate() {
                let want = match owner[i] { 1 => mine.get(*k), 2 => theirs.get(*k), _ => base.get(*k) };
                prop_assert_eq!(one.get(*k), want);
            }
        }
    }
}
