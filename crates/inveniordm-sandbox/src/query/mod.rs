//! In-memory search-query engine for the sandbox's `q=` parameter.
//!
//! InvenioRDM passes `q` to OpenSearch as a `query_string` query. This module
//! parses the same syntax and evaluates it against record JSON documents
//! ([`serde_json::Value`]) exactly as the REST API serves them.
//!
//! # Semantics
//!
//! * **Words** match case-insensitively against the words of any *string* value
//!   in the document. Strings are split into words on every non-alphanumeric
//!   character (Unicode-aware; digits are word characters). A query word that
//!   itself splits into several words (`ocean-temperature`, `10.1234\/abc`)
//!   must match them consecutively, like a phrase. A value equal to the whole
//!   query word (case-insensitive) always matches, so `id:abcd1-23456` works.
//! * **Default operator is OR**, as on real InvenioRDM (observed on v13):
//!   `ocean temperature` matches either word, best matches first; `+word` makes
//!   a word required, `-word` excludes it, and `a AND b` requires both sides.
//! * **Phrases** (`"deep sea"`) match when their words appear consecutively in
//!   one string value.
//! * **Fields** (`field:value`, `field:"phrase"`, `field:(a OR b)`) follow a
//!   dotted path; arrays are traversed transparently at any level, `*` matches
//!   any key, and keys that contain dots (`files.entries.a.csv.ext`) are
//!   found too. A path ending on an object matches when any value inside it
//!   matches. Aliases: `title`, `description`, `creators`/`creator`,
//!   `subjects`, `publication_date` and `resource_type` map to `metadata.*`
//!   (also as a prefix, e.g. `resource_type.id`). Other paths are tried as
//!   written and, if they resolve to nothing, under `metadata.`. Numbers and
//!   booleans compare by their JSON text (`true`, `3`); numeric values also
//!   match numerically (`1.0` matches `1`). `*:` means "any field".
//! * **Wildcards** `*` and `?` match against each word of a value and against
//!   the whole (lower-cased) value; on ids (`id`, `….id`, keyword fields on a real
//!   server) against the whole value only. `field:*` matches documents that have a
//!   non-null value at `field`; `*` and `*:*` match everything.
//! * **Operators**: `AND`/`&&`, `OR`/`||`, `NOT`/`!` (upper-case keywords
//!   only), prefix `+` (required, i.e. a no-op under AND) and `-` (must not).
//!   Precedence is NOT > AND > OR; each operator is a plain boolean, so
//!   `a OR -b` means `a OR (NOT b)` and a purely negative query matches
//!   everything that does not match its operand.
//! * **Ranges**: `field:[A TO B]` (inclusive), `{A TO B}` (exclusive), mixed
//!   brackets, `*` for an open end, and `field:>X`, `>=X`, `<X`, `<=X`.
//!   Bounds compare numerically when both sides are numbers, otherwise as
//!   lower-cased strings. For date-like strings (starting with four digits) a
//!   value and a bound of which one is a prefix of the other, ending at a
//!   component boundary, compare equal: `2026-11-26` lies within `[2026 TO 2026]`
//!   and within `created:[2026-11-26 TO 2026-11-26]`, but not within `{2026 TO *}`.
//! * **Escapes**: a backslash makes the next character literal.
//! * **Boost and fuzziness**: `word^2` multiplies that term's score; `~` /
//!   `~N` suffixes are accepted and ignored (matching stays exact). Regular
//!   expressions (`/.../`) are not supported: `/` is an ordinary character.
//!
//! Bad syntax (unbalanced parentheses or quotes, dangling operators, `field:`
//! without a value, unclosed ranges, a trailing backslash, nesting deeper than
//! 64 levels) yields a [`ParseError`]; the server answers those with
//! 400 "Invalid query string syntax.". Parsing and evaluation never panic and
//! never recurse deeper than the bounded nesting depth.
//!
//! The parser reads the boolean structure in `parse` and the terms, phrases and ranges in
//! `term`, into the syntax tree of `ast`; `eval` evaluates that tree against a document.

mod ast;
mod eval;
mod parse;
mod term;

use serde_json::Value;

pub use self::parse::ParseError;

use self::ast::Node;
use self::parse::Parser;

/// A parsed search query, ready to be evaluated against record documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    root: Node,
}

impl Query {
    /// Parse a query string. Empty / whitespace-only input gives a query matching everything.
    pub fn parse(q: &str) -> Result<Query, ParseError> {
        let mut parser = Parser {
            chars: q.chars().collect(),
            pos: 0,
            depth: 0,
        };
        Ok(Query {
            root: parser.parse_query()?,
        })
    }

    /// True when the document matches.
    pub fn matches(&self, doc: &Value) -> bool {
        self.root.eval(doc).is_some()
    }

    /// A relevance score (higher is better): weighted term hits, with hits in
    /// `metadata.title` counting three times and `^` boosts applied; range and
    /// existence clauses count 1. It is 0.0 for a match-all query and for a
    /// document that does not match.
    pub fn score(&self, doc: &Value) -> f64 {
        self.root.eval(doc).unwrap_or(0.0)
    }

    /// True when the query matches every document (empty input, `*`, `*:*`),
    /// e.g. to fall back to a "newest first" sort as InvenioRDM does.
    pub fn is_match_all(&self) -> bool {
        self.root == Node::All
    }

    /// True when every clause names one of `fields` (a match-all query too): the query can
    /// then be decided on a document holding only those fields.
    pub fn uses_only(&self, fields: &[&str]) -> bool {
        self.root.uses_only(fields)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    pub(super) fn docs() -> Vec<Value> {
        vec![
            json!({
                "id": "abcd1-23456",
                "metadata": {
                    "title": "Ocean temperature",
                    "creators": [{"person_or_org": {"family_name": "Lovelace", "given_name": "Ada", "name": "Lovelace, Ada", "type": "personal"}}],
                    "publication_date": "2026-11-26",
                    "resource_type": {"id": "dataset", "title": {"en": "Dataset"}},
                    "subjects": [{"subject": "Oceanography"}],
                    "description": "Measurements of sea surface heat in 3 regions."
                },
                "created": "2026-11-26T10:00:00.000000+00:00",
                "parent": {"id": "par01-00001"},
                "pids": {"doi": {"identifier": "10.1234/abc", "provider": "datacite"}},
                "versions": {"index": 1, "is_latest": true},
                "files": {"entries": {"a.csv": {"key": "a.csv", "ext": "csv"}}}
            }),
            json!({
                "id": "xyz98-76543",
                "metadata": {
                    "title": "Smoke dispersion in urban canyons",
                    "creators": [{"person_or_org": {"family_name": "Curie", "given_name": "Marie", "name": "Curie, Marie", "type": "personal"}}],
                    "publication_date": "2025-03",
                    "publisher": "Sandbox Press",
                    "resource_type": {"id": "publication-article", "title": {"en": "Journal article"}},
                    "description": "Smoking, traffic and air quality. Ocean winds are ignored."
                },
                "created": "2025-03-02T08:00:00.000000+00:00",
                "parent": {"id": "par02-00002"},
                "versions": {"index": 2, "is_latest": false},
                "files": {"entries": {}}
            }),
            json!({
                "id": "qwe12-34567",
                "metadata": {
                    "title": "Temperature of the deep sea",
                    "creators": [
                        {"person_or_org": {"family_name": "Lovelace", "given_name": "Ada", "name": "Lovelace, Ada", "type": "personal"}},
                        {"person_or_org": {"family_name": "Turing", "given_name": "Alan", "name": "Turing, Alan", "type": "personal"}}
                    ],
                    "publication_date": "2024-01-15",
                    "resource_type": {"id": "dataset", "title": {"en": "Dataset"}},
                    "description": "Deep-water profiles. Αβγ ünïcode."
                },
                "created": "2024-01-15T12:00:00.000000+00:00",
                "parent": {"id": "par03-00003"},
                "versions": {"index": 1, "is_latest": true}
            }),
        ]
    }

    /// Indices of the documents matching `q` (panics on a parse error).
    pub(super) fn hits(q: &str) -> Vec<usize> {
        let query = Query::parse(q).unwrap_or_else(|e| panic!("{q:?} should parse: {e}"));
        let docs = docs();
        (0..docs.len())
            .filter(|&i| query.matches(&docs[i]))
            .collect()
    }

    /// Asserts, for each `(query, expected document indices)` pair, the matching set.
    pub(super) fn check(cases: &[(&str, &[usize])]) {
        for (q, want) in cases {
            assert_eq!(hits(q), *want, "query {q:?}");
        }
    }

    #[test]
    fn empty_query_matches_everything_with_zero_score() {
        for q in ["", "   ", "\t\n", "*", "*:*", " ( * ) "] {
            assert_eq!(hits(q), vec![0, 1, 2], "{q:?}");
            let query = Query::parse(q).expect("parses");
            assert!(query.is_match_all(), "{q:?}");
            assert!(docs().iter().all(|d| query.score(d) == 0.0));
        }
        assert!(!Query::parse("ocean").expect("parses").is_match_all());
    }

    #[test]
    fn never_panics_on_hostile_input() {
        let mut inputs: Vec<String> = [
            "\"",
            "'",
            "((((",
            "))))",
            ":::",
            "\\",
            "*?*",
            "?",
            "**",
            "[",
            "]",
            "{",
            "}",
            "[*",
            "{* TO",
            "[a TO b",
            "a:[* TO *]",
            "a:>",
            "a:<=\"",
            "\u{0}",
            "🦀",
            "🦀:🦀",
            "ß:ẞ",
            "İstanbul",
            "a\\\u{301}",
            "\u{feff}ocean",
            "!!",
            "--a",
            "+-!a",
            "NOT(",
            "a OR(",
            "(a OR b) AND",
            "a^",
            "a^1e400",
            "a~~~",
            "a^2^3",
            "\"a\"^-1",
            "x:\"",
            "x:(",
            "x:[",
            "a..b:c",
            ".:.",
            "*:",
            "*:*:*",
            "a:b:c",
            "&&",
            "||",
            "& |",
            "AND OR NOT",
            "TO",
            "[TO]",
            "[a TO b]",
            "{a TO b}x",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        inputs.push("a ".repeat(20_000));
        inputs.push("x".repeat(200_000));
        inputs.push("*".repeat(10_000));
        inputs.push(format!("title:{}a", "*?".repeat(2_000)));
        inputs.push(".".repeat(10_000) + ":a");
        // deterministic pseudo-random soup of syntax characters
        let alphabet: Vec<char> = "ab AND OR NOT()[]{}\"\\:*?^~!+-&|<>=TO.é🦀 \t"
            .chars()
            .collect();
        let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
        for _ in 0..3000 {
            let mut s = String::new();
            for _ in 0..(seed % 24) {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                s.push(alphabet[(seed % alphabet.len() as u64) as usize]);
            }
            inputs.push(s);
        }
        let docs = docs();
        let mut parsed = 0;
        for q in &inputs {
            if let Ok(query) = Query::parse(q) {
                parsed += 1;
                for d in &docs {
                    let _ = query.matches(d);
                    assert!(query.score(d).is_finite());
                }
            }
        }
        assert!(parsed > 100, "the soup should contain valid queries too");
        let weird = json!({"metadata": {"title": [[["ocean"]], null, 1.5, {"deep": [true]}]}, "": {"": ""}});
        for q in [
            "ocean",
            "title:ocean",
            "title:1.5",
            "title.deep:true",
            ".:*",
            "title:[1 TO 2]",
        ] {
            assert!(Query::parse(q).expect("parses").matches(&weird), "{q:?}");
        }
    }
}
