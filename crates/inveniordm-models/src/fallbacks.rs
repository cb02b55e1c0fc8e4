//! Noticing model drift: values at known keys that did not fit their typed field.
//!
//! Decoding never fails on such a value: it is kept verbatim in the object's `extra` map and
//! the typed field reads `None`, so the document still round-trips. To notice it, each object
//! has a `fallbacks()` accessor (the keys of that object), and [`watch`] reports every fallback
//! that happens while a closure decodes, at any depth.
//!
//! ```
//! use inveniordm_models::{Metadata, fallbacks};
//! let v = serde_json::json!({"title": "T", "creators": "not a list"});
//! let (m, seen) = fallbacks::watch(|| serde_json::from_value::<Metadata>(v));
//! let m = m.unwrap();
//! assert_eq!(m.creators, None);
//! assert_eq!(m.fallbacks(), vec!["creators"]);
//! assert_eq!(seen, vec![fallbacks::Fallback { model: "Metadata", key: "creators" }]);
//! ```

use std::cell::RefCell;

/// One value that was kept in `extra` because it did not fit its typed field.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Fallback {
    /// The model (type name) whose field it was.
    pub model: &'static str,
    /// The JSON key.
    pub key: &'static str,
}

impl std::fmt::Display for Fallback {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.model, self.key)
    }
}

thread_local! {
    static SEEN: RefCell<Option<Vec<Fallback>>> = const { RefCell::new(None) };
}

/// Runs `f` (a decode) and returns its result with every fallback that happened in it, in
/// order. Watches nest; each sees only its own.
pub fn watch<R>(f: impl FnOnce() -> R) -> (R, Vec<Fallback>) {
    let outer = SEEN.with(|s| s.borrow_mut().replace(Vec::new()));
    let r = f();
    let seen = SEEN.with(|s| std::mem::replace(&mut *s.borrow_mut(), outer));
    (r, seen.unwrap_or_default())
}

pub(crate) fn record(model: &'static str, key: &'static str) {
    SEEN.with(|s| {
        if let Some(v) = s.borrow_mut().as_mut()
            && v.len() < 10_000
        {
            v.push(Fallback { model, key });
        }
    });
}

#[cfg(test)]
mod bounds {
    use super::*;

    #[test]
    fn a_fallback_reads_as_model_dot_key() {
        let f = Fallback {
            model: "Metadata",
            key: "creators",
        };
        assert_eq!(f.to_string(), "Metadata.creators");
    }

    /// A document with a great many misfits keeps the first 10 000 and no more (a watch
    /// never grows without bound).
    #[test]
    fn a_watch_keeps_at_most_ten_thousand() {
        let doc =
            serde_json::Value::Array(vec![serde_json::json!({"creators": "not a list"}); 10_001]);
        let (decoded, seen) = watch(|| serde_json::from_value::<Vec<crate::Metadata>>(doc));
        assert_eq!(decoded.expect("decodes").len(), 10_001);
        assert_eq!(seen.len(), 10_000);
    }
}
