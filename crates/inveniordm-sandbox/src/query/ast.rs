//! The syntax tree of a query: clauses, their tests, and the leaves the parser builds.

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node {
    All,
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// Clauses that never decide a match but add to the score.
    Optional(Vec<Node>),
    Leaf {
        field: Option<String>,
        test: Test,
        boost: f64,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(super) enum Test {
    /// A word or phrase: lower-cased full text and its words.
    Terms {
        text: String,
        words: Vec<String>,
        /// Quoted: the words must be consecutive; unquoted: any of them.
        phrase: bool,
    },
    Wildcard(Vec<Pat>),
    Exists,
    Range {
        lo: Option<Bound>,
        hi: Option<Bound>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Bound {
    pub(super) value: String,
    pub(super) inclusive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pat {
    Lit(char),
    Any,
    One,
}

impl Test {
    pub(super) fn terms(text: &str) -> Test {
        Test::Terms {
            text: text.to_lowercase(),
            words: tokenize(text),
            phrase: true,
        }
    }

    /// An unquoted word: the analyser splits it into tokens (`cc-by-4.0` → `cc`, `by`, `4`,
    /// `0`), which match like separate words (OR), as the real server's query string does.
    fn word(text: &str) -> Test {
        Test::Terms {
            text: text.to_lowercase(),
            words: tokenize(text),
            phrase: false,
        }
    }
}

impl Node {
    pub(super) fn uses_only(&self, fields: &[&str]) -> bool {
        match self {
            Node::All => true,
            Node::And(v) | Node::Or(v) | Node::Optional(v) => v.iter().all(|n| n.uses_only(fields)),
            Node::Not(n) => n.uses_only(fields),
            Node::Leaf { field, .. } => field.as_deref().is_some_and(|f| fields.contains(&f)),
        }
    }
}

pub(super) fn leaf(field: Option<&str>, test: Test, boost: f64) -> Node {
    Node::Leaf {
        field: field.map(str::to_owned),
        test,
        boost,
    }
}

pub(super) fn word_leaf(field: Option<&str>, raw: &[Pat], boost: f64) -> Node {
    if raw.iter().all(|p| matches!(p, Pat::Lit(_))) {
        let text: String = raw
            .iter()
            .filter_map(|p| if let Pat::Lit(c) = p { Some(*c) } else { None })
            .collect();
        // Bare words go through the text analyser; fielded values are matched as written
        // (ids, DOIs and other keyword fields are not split).
        let test = if field.is_none() {
            Test::word(&text)
        } else {
            Test::terms(&text)
        };
        return leaf(field, test, boost);
    }
    if raw.iter().all(|p| *p == Pat::Any) {
        return match field {
            None => Node::All,
            Some(_) => leaf(field, Test::Exists, boost),
        };
    }
    let pats = raw
        .iter()
        .flat_map(|p| match p {
            Pat::Lit(c) => c.to_lowercase().map(Pat::Lit).collect::<Vec<_>>(),
            other => vec![*other],
        })
        .collect();
    leaf(field, Test::Wildcard(pats), boost)
}

/// The words of a text, lower-cased: runs of letters and digits.
pub(super) fn tokenize(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::query::Query;

    #[test]
    fn a_query_knows_whether_it_names_only_given_fields() {
        let only_id = |q: &str| Query::parse(q).expect("parses").uses_only(&["id"]);
        for q in [
            "",
            "*",
            "id:ab*",
            "id:ab* OR id:cd*",
            "NOT id:x*",
            "(id:a* AND -id:ab*)",
        ] {
            assert!(only_id(q), "{q:?}");
        }
        for q in [
            "ocean",
            "id:ab* ocean",
            "metadata.title:x",
            "id:a* OR title:b",
            "-ocean",
        ] {
            assert!(!only_id(q), "{q:?}");
        }
    }
}
