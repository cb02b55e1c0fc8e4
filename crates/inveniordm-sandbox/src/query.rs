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

use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;

/// Maximum nesting of groups and prefix operators accepted by the parser.
pub const MAX_DEPTH: usize = 64;
/// Score multiplier for hits in `metadata.title`.
const TITLE_WEIGHT: f64 = 3.0;
/// Longest run of path segments tried as one dotted object key.
const MAX_DOTTED_KEY_SEGMENTS: usize = 6;
/// Field aliases as InvenioRDM's record search provides them.
const ALIASES: &[(&str, &str)] = &[
    ("title", "metadata.title"),
    ("description", "metadata.description"),
    ("creators", "metadata.creators"),
    ("creator", "metadata.creators"),
    ("subjects", "metadata.subjects"),
    ("publication_date", "metadata.publication_date"),
    ("resource_type", "metadata.resource_type"),
];

/// A parsed search query, ready to be evaluated against record documents.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    root: Node,
}

/// Why a query string could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Human-readable description of the syntax problem.
    pub message: String,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid query string syntax: {}", self.message)
    }
}

impl std::error::Error for ParseError {}

fn err<T>(message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        message: message.into(),
    })
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
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

/// How a clause takes part in a run of clauses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Occur {
    Must,
    MustNot,
    Should,
}

#[derive(Debug, Clone, PartialEq)]
enum Test {
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
struct Bound {
    value: String,
    inclusive: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Pat {
    Lit(char),
    Any,
    One,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    And,
    Or,
    Not,
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

impl Node {
    fn uses_only(&self, fields: &[&str]) -> bool {
        match self {
            Node::All => true,
            Node::And(v) | Node::Or(v) | Node::Optional(v) => v.iter().all(|n| n.uses_only(fields)),
            Node::Not(n) => n.uses_only(fields),
            Node::Leaf { field, .. } => field.as_deref().is_some_and(|f| fields.contains(&f)),
        }
    }
}

// ---------------------------------------------------------------- parsing

struct Parser {
    chars: Vec<char>,
    pos: usize,
    depth: usize,
}

fn is_term_end(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"' | '^' | '~')
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.pos += 1;
        }
    }

    fn take(&mut self, n: usize) -> String {
        let end = (self.pos + n).min(self.chars.len());
        let s = self.chars[self.pos..end].iter().collect();
        self.pos = end;
        s
    }

    fn enter(&mut self) -> Result<(), ParseError> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return err(format!("query is nested more than {MAX_DEPTH} levels deep"));
        }
        Ok(())
    }

    /// The boolean operator keyword starting at the cursor, with its length.
    fn operator(&self) -> Option<(Op, usize)> {
        let rest = &self.chars[self.pos.min(self.chars.len())..];
        if rest.starts_with(&['&', '&']) {
            return Some((Op::And, 2));
        }
        if rest.starts_with(&['|', '|']) {
            return Some((Op::Or, 2));
        }
        [("AND", Op::And), ("OR", Op::Or), ("NOT", Op::Not)]
            .into_iter()
            .find_map(|(kw, op)| {
                let n = kw.len();
                let is_kw = rest.len() >= n
                    && rest[..n].iter().copied().eq(kw.chars())
                    && rest
                        .get(n)
                        .is_none_or(|&c| c.is_whitespace() || matches!(c, '(' | ')' | '"'));
                is_kw.then_some((op, n))
            })
    }

    fn parse_query(&mut self) -> Result<Node, ParseError> {
        self.skip_ws();
        if self.peek().is_none() {
            return Ok(Node::All);
        }
        let node = self.parse_or(None)?;
        self.skip_ws();
        match self.peek() {
            None => Ok(node),
            Some(_) => err("unbalanced parentheses: unexpected ')'"),
        }
    }

    fn parse_or(&mut self, field: Option<&str>) -> Result<Node, ParseError> {
        let mut items = vec![self.parse_and(field, None)?];
        loop {
            self.skip_ws();
            let Some((Op::Or, n)) = self.operator() else {
                break;
            };
            let name = self.take(n);
            items.push(self.parse_and(field, Some(&name))?);
        }
        Ok(if items.len() == 1 {
            items.swap_remove(0)
        } else {
            Node::Or(items)
        })
    }

    /// How the next clause takes part: `+x` must match, `-x`/`!x`/`NOT x` must not, a plain
    /// clause should (the query-string default operator is OR).
    fn occurrence(&mut self) -> Occur {
        self.skip_ws();
        match (self.peek(), self.operator()) {
            (Some('+'), _) => Occur::Must,
            (Some('-' | '!'), _) | (_, Some((Op::Not, _))) => Occur::MustNot,
            _ => Occur::Should,
        }
    }

    /// A run of clauses joined by juxtaposition or AND, combined as a bool query: every
    /// must (and both sides of an AND) matches, no must-not matches, and when there is no
    /// must, at least one should matches.
    fn parse_and(&mut self, field: Option<&str>, after: Option<&str>) -> Result<Node, ParseError> {
        let occ = self.occurrence();
        let mut items = vec![(occ, self.parse_unary(field, after)?)];
        loop {
            self.skip_ws();
            match (self.peek(), self.operator()) {
                (None | Some(')'), _) | (_, Some((Op::Or, _))) => break,
                (_, Some((Op::And, n))) => {
                    let name = self.take(n);
                    if let Some(last) = items.last_mut()
                        && last.0 == Occur::Should
                    {
                        last.0 = Occur::Must;
                    }
                    let occ = match self.occurrence() {
                        Occur::Should => Occur::Must,
                        o => o,
                    };
                    items.push((occ, self.parse_unary(field, Some(&name))?));
                }
                _ => {
                    let occ = self.occurrence();
                    items.push((occ, self.parse_unary(field, None)?));
                }
            }
        }
        if items.len() == 1 {
            return Ok(items.swap_remove(0).1);
        }
        let has_must = items.iter().any(|(o, _)| *o == Occur::Must);
        let mut all = Vec::new();
        let mut should = Vec::new();
        for (o, node) in items {
            match o {
                Occur::Must | Occur::MustNot => all.push(node),
                Occur::Should => should.push(node),
            }
        }
        if !has_must && !should.is_empty() {
            all.push(if should.len() == 1 {
                should.swap_remove(0)
            } else {
                Node::Or(should)
            });
        } else if has_must && !should.is_empty() {
            // Optional clauses next to required ones only add to the score.
            all.push(Node::Optional(should));
        }
        Ok(if all.len() == 1 {
            all.swap_remove(0)
        } else {
            Node::And(all)
        })
    }

    fn parse_unary(
        &mut self,
        field: Option<&str>,
        after: Option<&str>,
    ) -> Result<Node, ParseError> {
        self.skip_ws();
        let Some(c) = self.peek() else {
            return err(match after {
                Some(op) => format!("dangling operator '{op}' at end of query"),
                None => "unexpected end of query".to_owned(),
            });
        };
        if let Some((op, n)) = self.operator() {
            let name = self.take(n);
            if op != Op::Not {
                return err(format!(
                    "operator '{name}' must stand between two search terms"
                ));
            }
            return self.negated(field, &name);
        }
        match c {
            '!' | '-' => {
                self.pos += 1;
                self.negated(field, if c == '!' { "!" } else { "-" })
            }
            '+' => {
                self.pos += 1;
                self.enter()?;
                let node = self.parse_unary(field, Some("+"));
                self.depth -= 1;
                node
            }
            ')' => err(match after {
                Some(op) => format!("expected a search term after '{op}' but found ')'"),
                None => "expected a search term before ')'".to_owned(),
            }),
            _ => self.parse_primary(field),
        }
    }

    fn negated(&mut self, field: Option<&str>, name: &str) -> Result<Node, ParseError> {
        self.enter()?;
        let inner = self.parse_unary(field, Some(name));
        self.depth -= 1;
        Ok(Node::Not(Box::new(inner?)))
    }

    fn parse_primary(&mut self, field: Option<&str>) -> Result<Node, ParseError> {
        match self.peek() {
            Some('(') => self.group(field),
            Some('"') => self.phrase(field),
            Some('[' | '{') => self.range(field),
            _ => {
                let raw = self.raw_term(true)?;
                if self.peek() == Some(':') {
                    self.pos += 1;
                    let name: String = raw
                        .iter()
                        .map(|p| match p {
                            Pat::Lit(c) => *c,
                            Pat::Any => '*',
                            Pat::One => '?',
                        })
                        .collect();
                    if name.is_empty() {
                        return err("missing field name before ':'");
                    }
                    return self.field_value(&name);
                }
                if raw.is_empty() {
                    let found = self
                        .peek()
                        .map_or_else(|| "end of query".to_owned(), |c| format!("'{c}'"));
                    return err(format!("expected a search term but found {found}"));
                }
                let boost = self.suffix()?;
                Ok(word_leaf(field, &raw, boost))
            }
        }
    }

    fn field_value(&mut self, name: &str) -> Result<Node, ParseError> {
        let field = (name != "*").then_some(name);
        let missing = || err(format!("missing value after '{name}:'"));
        match self.peek() {
            None => missing(),
            Some(c) if c.is_whitespace() || c == ')' => missing(),
            Some('(') => self.group(field),
            Some('"') => self.phrase(field),
            Some('[' | '{') => self.range(field),
            Some('>' | '<') => self.comparison(field),
            Some(_) => {
                let raw = self.raw_term(false)?;
                if raw.is_empty() {
                    return missing();
                }
                let boost = self.suffix()?;
                Ok(word_leaf(field, &raw, boost))
            }
        }
    }

    /// Reads an unquoted term up to a term boundary (and `:` when `colon_ends`).
    fn raw_term(&mut self, colon_ends: bool) -> Result<Vec<Pat>, ParseError> {
        let mut out = Vec::new();
        while let Some(c) = self.peek() {
            if is_term_end(c) || (colon_ends && c == ':') {
                break;
            }
            self.pos += 1;
            out.push(match c {
                '\\' => Pat::Lit(self.escaped()?),
                '*' => Pat::Any,
                '?' => Pat::One,
                c => Pat::Lit(c),
            });
        }
        Ok(out)
    }

    /// The character after a backslash (already consumed).
    fn escaped(&mut self) -> Result<char, ParseError> {
        let c = self.peek().ok_or_else(|| ParseError {
            message: "dangling escape character '\\' at end of query".into(),
        })?;
        self.pos += 1;
        Ok(c)
    }

    fn quoted(&mut self) -> Result<String, ParseError> {
        self.pos += 1;
        let mut out = String::new();
        loop {
            match self.peek() {
                None => return err("unbalanced quotes: missing closing '\"'"),
                Some('"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some('\\') => {
                    self.pos += 1;
                    out.push(self.escaped()?);
                }
                Some(c) => {
                    self.pos += 1;
                    out.push(c);
                }
            }
        }
    }

    fn phrase(&mut self, field: Option<&str>) -> Result<Node, ParseError> {
        let text = self.quoted()?;
        let boost = self.suffix()?;
        Ok(leaf(field, Test::terms(&text), boost))
    }

    /// Optional `^boost` and `~fuzziness` suffixes.
    fn suffix(&mut self) -> Result<f64, ParseError> {
        let mut boost = 1.0;
        loop {
            let Some(c @ ('^' | '~')) = self.peek() else {
                return Ok(boost);
            };
            self.pos += 1;
            let start = self.pos;
            while self.peek().is_some_and(|c| c.is_ascii_digit() || c == '.') {
                self.pos += 1;
            }
            if c == '^' {
                let num: String = self.chars[start..self.pos].iter().collect();
                boost = match num.parse::<f64>() {
                    Ok(b) if b.is_finite() && b >= 0.0 => b,
                    _ => return err("'^' must be followed by a non-negative boost number"),
                };
            }
        }
    }

    fn group(&mut self, field: Option<&str>) -> Result<Node, ParseError> {
        self.pos += 1;
        self.enter()?;
        self.skip_ws();
        let node = match self.peek() {
            Some(')') => err("empty parentheses"),
            None => err("unbalanced parentheses: missing ')'"),
            Some(_) => self.parse_or(field),
        };
        self.depth -= 1;
        let node = node?;
        self.skip_ws();
        if self.peek() != Some(')') {
            return err("unbalanced parentheses: missing ')'");
        }
        self.pos += 1;
        self.suffix()?; // a boost on a group is accepted but has no effect
        Ok(node)
    }

    /// A range or comparison bound: quoted text or a raw token; `None` for `*`.
    fn bound(&mut self, ends: fn(char) -> bool) -> Result<Option<String>, ParseError> {
        self.skip_ws();
        if self.peek() == Some('"') {
            return Ok(Some(self.quoted()?.to_lowercase()));
        }
        let (mut out, mut open) = (String::new(), false);
        while let Some(c) = self.peek().filter(|&c| !ends(c)) {
            self.pos += 1;
            open = out.is_empty() && c == '*';
            out.push(if c == '\\' { self.escaped()? } else { c });
        }
        if out.is_empty() {
            return err("missing range bound");
        }
        Ok(if open && out == "*" {
            None
        } else {
            Some(out.to_lowercase())
        })
    }

    fn range(&mut self, field: Option<&str>) -> Result<Node, ParseError> {
        let lo_inclusive = self.peek() == Some('[');
        self.pos += 1;
        let in_range_end = |c: char| c.is_whitespace() || matches!(c, ']' | '}');
        if self.chars[self.pos.min(self.chars.len())..]
            .iter()
            .all(|c| !matches!(c, ']' | '}'))
        {
            return err("unclosed range: missing ']' or '}'");
        }
        let lo = self.bound(in_range_end)?;
        self.skip_ws();
        let to_ok = self
            .chars
            .get(self.pos..self.pos + 3)
            .is_some_and(|s| s[0] == 'T' && s[1] == 'O' && s[2].is_whitespace());
        if !to_ok {
            return err("a range must have the form [A TO B]");
        }
        self.pos += 2;
        let hi = self.bound(in_range_end)?;
        self.skip_ws();
        let hi_inclusive = match self.peek() {
            Some(']') => true,
            Some('}') => false,
            _ => return err("unclosed range: missing ']' or '}'"),
        };
        self.pos += 1;
        let boost = self.suffix()?;
        let lo = lo.map(|value| Bound {
            value,
            inclusive: lo_inclusive,
        });
        let hi = hi.map(|value| Bound {
            value,
            inclusive: hi_inclusive,
        });
        Ok(leaf(field, Test::Range { lo, hi }, boost))
    }

    fn comparison(&mut self, field: Option<&str>) -> Result<Node, ParseError> {
        let greater = self.peek() == Some('>');
        self.pos += 1;
        let inclusive = self.peek() == Some('=');
        if inclusive {
            self.pos += 1;
        }
        if self.peek().is_none_or(|c| c.is_whitespace() || c == ')') {
            return err("missing value after comparison operator");
        }
        let bound = self
            .bound(|c| c.is_whitespace() || c == ')')?
            .map(|value| Bound { value, inclusive });
        let (lo, hi) = if greater {
            (bound, None)
        } else {
            (None, bound)
        };
        Ok(leaf(field, Test::Range { lo, hi }, 1.0))
    }
}

fn leaf(field: Option<&str>, test: Test, boost: f64) -> Node {
    Node::Leaf {
        field: field.map(str::to_owned),
        test,
        boost,
    }
}

fn word_leaf(field: Option<&str>, raw: &[Pat], boost: f64) -> Node {
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

// ---------------------------------------------------------------- evaluation

fn tokenize(s: &str) -> Vec<String> {
    s.to_lowercase()
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Iterative glob matching (`*` any run, `?` one character) without recursion.
fn glob(pats: &[Pat], s: &str) -> bool {
    let s: Vec<char> = s.chars().collect();
    let (mut pi, mut si, mut star) = (0, 0, None);
    while si < s.len() {
        match pats.get(pi) {
            Some(Pat::Any) => {
                star = Some((pi, si));
                pi += 1;
            }
            Some(Pat::One) => (pi, si) = (pi + 1, si + 1),
            Some(Pat::Lit(c)) if *c == s[si] => (pi, si) = (pi + 1, si + 1),
            _ => match star {
                Some((sp, ss)) => {
                    (pi, si) = (sp + 1, ss + 1);
                    star = Some((sp, ss + 1));
                }
                None => return false,
            },
        }
    }
    pats[pi..].iter().all(|p| *p == Pat::Any)
}

fn is_dateish(s: &str) -> bool {
    s.len() >= 4 && s.as_bytes()[..4].iter().all(u8::is_ascii_digit)
}

/// Compares a value with a range bound (both lower-cased).
fn compare(value: &str, bound: &str) -> Ordering {
    if let (Ok(x), Ok(y)) = (value.trim().parse::<f64>(), bound.trim().parse::<f64>())
        && let Some(o) = x.partial_cmp(&y)
    {
        return o;
    }
    if is_dateish(value) && is_dateish(bound) {
        let (short, long) = if value.len() <= bound.len() {
            (value, bound)
        } else {
            (bound, value)
        };
        if long.starts_with(short) && !long[short.len()..].starts_with(|c: char| c.is_ascii_digit())
        {
            return Ordering::Equal;
        }
    }
    value.cmp(bound)
}

fn numeric_eq(a: &str, b: &str) -> bool {
    matches!((a.parse::<f64>(), b.parse::<f64>()), (Ok(x), Ok(y)) if x == y)
}

impl Test {
    fn terms(text: &str) -> Test {
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

    /// Number of hits in one scalar value (0 when it does not match).
    fn hits(&self, value: &Value, bare: bool) -> usize {
        let text: Cow<'_, str> = match value {
            Value::String(s) => Cow::Borrowed(s),
            _ if bare && !matches!(self, Test::Range { .. }) => return 0,
            other => Cow::Owned(other.to_string()),
        };
        match self {
            Test::Exists => 1,
            Test::Range { lo, hi } => {
                let v = text.to_lowercase();
                let above = lo.as_ref().is_none_or(|b| match compare(&v, &b.value) {
                    Ordering::Greater => true,
                    Ordering::Equal => b.inclusive,
                    Ordering::Less => false,
                });
                let below = hi.as_ref().is_none_or(|b| match compare(&v, &b.value) {
                    Ordering::Less => true,
                    Ordering::Equal => b.inclusive,
                    Ordering::Greater => false,
                });
                usize::from(above && below)
            }
            Test::Terms {
                text: t,
                words,
                phrase,
            } => {
                let n = if words.is_empty() {
                    0
                } else if *phrase || words.len() == 1 {
                    tokenize(&text)
                        .windows(words.len())
                        .filter(|w| *w == words.as_slice())
                        .count()
                } else {
                    let tokens = tokenize(&text);
                    tokens.iter().filter(|tok| words.contains(tok)).count()
                };
                let whole = text.to_lowercase();
                n.max(usize::from(whole == *t || (!bare && numeric_eq(&whole, t))))
            }
            Test::Wildcard(pats) => {
                let n = tokenize(&text).iter().filter(|w| glob(pats, w)).count();
                n.max(usize::from(glob(pats, &text.to_lowercase())))
            }
        }
    }
}

/// Collects every non-null scalar below `root`, iteratively; with
/// `track_title` (for `root` = the document) hits in `metadata.title` get
/// [`TITLE_WEIGHT`], otherwise every scalar gets `weight`.
fn scalars<'a>(root: &'a Value, weight: f64, track_title: bool, out: &mut Vec<(&'a Value, f64)>) {
    // state: 0 = document root, 1 = in metadata, 2 = in metadata.title, 3 = elsewhere
    let mut stack = vec![(root, if track_title { 0u8 } else { 3 })];
    while let Some((v, state)) = stack.pop() {
        match v {
            Value::Null => {}
            Value::Array(items) => stack.extend(items.iter().map(|x| (x, state))),
            Value::Object(map) => stack.extend(map.iter().map(|(k, x)| {
                let next = match (state, k.as_str()) {
                    (0, "metadata") => 1,
                    (1, "title") | (2, _) => 2,
                    _ => 3,
                };
                (x, next)
            })),
            scalar => out.push((scalar, if state == 2 { TITLE_WEIGHT } else { weight })),
        }
    }
}

/// Values at a dotted path, with arrays traversed transparently.
fn lookup<'a>(doc: &'a Value, path: &str, weight: f64) -> Vec<(&'a Value, f64)> {
    let segs: Vec<&str> = path.split('.').collect();
    let mut out = Vec::new();
    let mut stack = vec![(doc, 0usize)];
    while let Some((v, i)) = stack.pop() {
        match v {
            Value::Array(items) => stack.extend(items.iter().map(|x| (x, i))),
            _ if i >= segs.len() => scalars(v, weight, false, &mut out),
            Value::Object(map) => {
                if segs[i] == "*" {
                    stack.extend(map.values().map(|x| (x, i + 1)));
                }
                for j in i + 1..=segs.len().min(i + MAX_DOTTED_KEY_SEGMENTS) {
                    if let Some(x) = map.get(&segs[i..j].join(".")) {
                        stack.push((x, j));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

fn resolve<'a>(doc: &'a Value, field: &str) -> Vec<(&'a Value, f64)> {
    let path = ALIASES
        .iter()
        .find_map(|&(short, long)| match field.strip_prefix(short) {
            Some("") => Some(long.to_owned()),
            Some(rest) if rest.starts_with('.') => Some(format!("{long}{rest}")),
            _ => None,
        })
        .unwrap_or_else(|| field.to_owned());
    let weight = |p: &str| {
        if p == "metadata.title" || p.starts_with("metadata.title.") {
            TITLE_WEIGHT
        } else {
            1.0
        }
    };
    let found = lookup(doc, &path, weight(&path));
    if !found.is_empty() || path.starts_with("metadata.") {
        return found;
    }
    let fallback = format!("metadata.{path}");
    lookup(doc, &fallback, weight(&fallback))
}

impl Node {
    /// `Some(score)` when the document matches, `None` otherwise.
    fn eval(&self, doc: &Value) -> Option<f64> {
        match self {
            Node::All => Some(0.0),
            Node::And(items) => items
                .iter()
                .try_fold(0.0, |acc, n| n.eval(doc).map(|s| acc + s)),
            Node::Or(items) => items
                .iter()
                .filter_map(|n| n.eval(doc))
                .reduce(|a, b| a + b),
            Node::Not(inner) => match inner.eval(doc) {
                Some(_) => None,
                None => Some(0.0),
            },
            Node::Optional(items) => Some(items.iter().filter_map(|n| n.eval(doc)).sum()),
            Node::Leaf { field, test, boost } => {
                let values = match field {
                    Some(f) => resolve(doc, f),
                    None => {
                        let mut out = Vec::new();
                        scalars(doc, 1.0, true, &mut out);
                        out
                    }
                };
                let (mut hit, mut score) = (false, 0.0);
                // Ids are keywords: a wildcard matches the whole value, not its words.
                let keyword = field
                    .as_deref()
                    .is_some_and(|f| f == "id" || f.ends_with(".id"));
                for (v, weight) in values {
                    let n = if keyword && matches!(test, Test::Wildcard(_)) {
                        match (v, test) {
                            (Value::String(s), Test::Wildcard(pats)) => {
                                usize::from(glob(pats, &s.to_lowercase()))
                            }
                            _ => 0,
                        }
                    } else {
                        test.hits(v, field.is_none())
                    };
                    if n > 0 {
                        hit = true;
                        score += n as f64 * weight;
                    }
                }
                hit.then_some(score * boost)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn docs() -> Vec<Value> {
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
    fn hits(q: &str) -> Vec<usize> {
        let query = Query::parse(q).unwrap_or_else(|e| panic!("{q:?} should parse: {e}"));
        let docs = docs();
        (0..docs.len())
            .filter(|&i| query.matches(&docs[i]))
            .collect()
    }

    /// Asserts, for each `(query, expected document indices)` pair, the matching set.
    fn check(cases: &[(&str, &[usize])]) {
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

    #[test]
    fn bare_words_are_case_insensitive_whole_words() {
        check(&[
            ("ocean", &[0, 1]),
            ("OCEAN", &[0, 1]),
            ("lovelace", &[0, 2]),
            ("oce", &[]), // no prefix matching without `*`
            ("3", &[0]),  // numbers inside strings are words
            ("ünïcode", &[2]),
            ("ΑΒΓ", &[2]),
            ("personal", &[0, 1, 2]), // any string value counts
            ("true", &[]),            // bare words only search strings
            ("deep-water", &[2]),
            ("water-deep", &[2]), // the analyser splits it into words, any of which matches
        ]);
    }

    #[test]
    fn default_operator_is_or_with_required_and_excluded_terms() {
        check(&[
            ("ocean temperature", &[0, 1, 2]),
            ("temperature sea", &[0, 2]),
            ("smoke lovelace", &[0, 1, 2]),
            ("+ocean temperature", &[0, 1]),
            ("+ocean +temperature", &[0]),
            ("ocean -smoke", &[0]),
            ("ocean AND temperature", &[0]),
            ("ocean temperature AND smoke", &[]),
            ("ocean smoke AND winds", &[1]),
        ]);
        // More matching words rank higher.
        let q = Query::parse("ocean temperature").expect("parses");
        let d = docs();
        assert!(q.score(&d[0]) > q.score(&d[1]));
    }

    #[test]
    fn boolean_operators_and_precedence() {
        check(&[
            ("smoke OR turing", &[1, 2]),
            ("smoke || turing", &[1, 2]),
            ("ocean AND lovelace", &[0]),
            ("ocean && lovelace", &[0]),
            ("ocean NOT smoke", &[0]),
            ("ocean AND NOT smoke", &[0]),
            ("ocean !smoke", &[0]),
            ("ocean -smoke", &[0]),
            ("+ocean -smoke", &[0]),
            ("NOT ocean", &[2]),
            ("NOT NOT ocean", &[0, 1]),
            // NOT > AND > OR
            ("turing OR ocean AND smoke", &[1, 2]),
            ("(turing OR ocean) AND smoke", &[1]),
            ("NOT smoke AND ocean", &[0]),
            ("NOT (smoke OR turing)", &[0]),
            ("smoke OR NOT lovelace", &[1]),
            ("air AND quality", &[1]),
            // lower-case keywords are ordinary words, combined with OR
            ("lovelace and turing", &[0, 1, 2]),
            ("lovelace or turing", &[0, 2]),
        ]);
    }

    #[test]
    fn phrases_need_consecutive_words() {
        check(&[
            ("\"ocean temperature\"", &[0]),
            ("\"Temperature Ocean\"", &[]),
            ("\"deep sea\"", &[2]),
            ("\"sea deep\"", &[]),
            ("\"lovelace ada\"", &[0, 2]),
            ("\"urban canyons\" -\"deep sea\"", &[1]),
            ("\"\"", &[]),
            ("\"deep sea\"~2", &[2]), // proximity accepted, ignored
        ]);
    }

    #[test]
    fn fields_aliases_and_paths() {
        check(&[
            ("title:ocean", &[0]), // doc 1 mentions ocean only in its description
            ("metadata.title:ocean", &[0]),
            ("title:\"deep sea\"", &[2]),
            ("description:smoking", &[1]),
            (
                "metadata.creators.person_or_org.family_name:Lovelace",
                &[0, 2],
            ),
            ("creators.person_or_org.family_name:turing", &[2]),
            ("creator:curie", &[1]), // a path ending on an object searches inside it
            ("creators:ada", &[0, 2]),
            ("subjects.subject:oceanography", &[0]),
            ("resource_type.id:dataset", &[0, 2]),
            ("resource_type:article", &[1]),
            ("resource_type.title.en:dataset", &[0, 2]),
            ("publication_date:2025-03", &[1]),
            ("title:(smoke OR deep)", &[1, 2]),
            ("title:(temperature -ocean)", &[2]),
            ("description:(ocean winds)", &[1]),
            ("metadata.creators.person_or_org.type:personal", &[0, 1, 2]),
            ("creator:lovelace creator:turing", &[0, 2]),
            ("+creator:lovelace +creator:turing", &[2]),
            ("nosuchfield:ocean", &[]),
            ("*:turing", &[2]),
            ("publisher:press", &[1]), // unresolved path falls back to metadata.*
            ("title.en:dataset", &[]), // alias prefix: metadata.title.en
        ]);
    }

    #[test]
    fn exact_ids_and_scalars() {
        check(&[
            ("id:abcd1-23456", &[0]),
            ("id:ABCD1-23456", &[0]),
            ("id:\"abcd1-23456\"", &[0]),
            ("id:abcd1", &[0]), // a word of the id matches
            ("id:abcd", &[]),
            ("id:abcd1-2345", &[]),
            ("parent.id:par02-00002", &[1]),
            ("versions.is_latest:true", &[0, 2]),
            ("versions.is_latest:false", &[1]),
            ("versions.index:2", &[1]),
            ("versions.index:1.0", &[0, 2]),
            ("files.entries.a.csv.ext:csv", &[0]), // object keys containing dots
            ("files.entries.*.ext:csv", &[0]),
            ("files.entries.a.csv.key:\"a.csv\"", &[0]),
        ]);
    }

    #[test]
    fn wildcards() {
        check(&[
            ("smok*", &[1]),
            ("SMOK*", &[1]),
            ("*ature", &[0, 2]),
            ("title:temp?rature", &[0, 2]),
            ("title:temp?ature", &[]),
            ("title:oc*n", &[0]),
            ("id:*", &[0, 1, 2]),
            ("pids:*", &[0]),
            ("pids.doi.identifier:*", &[0]),
            ("files.entries:*", &[0]), // an empty object holds no value
            ("nosuchfield:*", &[]),
            ("NOT files.entries:*", &[1, 2]),
            ("id:abcd1-2*", &[0]), // pattern against the whole value
            ("id:xyz*", &[1]),
            ("*?*", &[0, 1, 2]),
            ("smok\\*", &[]), // escaped star is literal
            ("creators.person_or_org.given_name:a*", &[0, 2]),
        ]);
    }

    #[test]
    fn ranges_and_comparisons() {
        check(&[
            ("publication_date:[2026-01-01 TO 2026-12-31]", &[0]),
            ("publication_date:[2025 TO 2026]", &[0, 1]),
            ("publication_date:{2025 TO 2026]", &[0]),
            ("publication_date:[2025 TO 2026}", &[1]),
            ("publication_date:{2024-01-15 TO *]", &[0, 1]),
            ("publication_date:[* TO 2025-12-31]", &[1, 2]),
            ("publication_date:[2025-03-01 TO 2025-03-31]", &[1]), // partial date overlaps
            ("publication_date:[\"2024\" TO \"2024\"]", &[2]),
            ("publication_date:[* TO *]", &[0, 1, 2]),
            ("publication_date:>=2025", &[0, 1]),
            ("publication_date:>2025", &[0]),
            ("publication_date:<2025", &[2]),
            ("publication_date:<=2025-03", &[1, 2]),
            ("created:[2026-11-26 TO 2026-11-26]", &[0]),
            ("created:>2025-03-02T09:00", &[0]),
            ("versions.index:[2 TO 3]", &[1]),
            ("versions.index:{1 TO 2]", &[1]),
            ("versions.index:{1 TO 2}", &[]),
            ("versions.index:>1", &[1]),
            ("versions.index:<=1", &[0, 2]),
            ("versions.index:[10 TO 20]", &[]), // numeric, not lexicographic
            ("creators.person_or_org.family_name:[a TO d]", &[1]),
            ("title:(ocean) publication_date:[2026 TO 2026]", &[0]),
            ("versions.index:>1 OR title:deep", &[1, 2]),
        ]);
    }

    #[test]
    fn escapes_and_special_characters() {
        check(&[
            ("10.1234\\/abc", &[0]),
            ("pids.doi.identifier:10.1234\\/abc", &[0]),
            ("pids.doi.identifier:\"10.1234/abc\"", &[0]),
            ("pids.doi.identifier:10.1234/abd", &[]),
            ("title:ocean\\ temperature", &[0]),
            ("\\(ocean\\)", &[0, 1]),
            ("\"say \\\"deep\\\" sea\"", &[]),
            ("title\\:ocean", &[0, 1]), // an escaped colon is no field separator: two words
            ("created:2026-11-26T10:00:00.000000+00:00", &[0]),
        ]);
    }

    #[test]
    fn scores_rank_title_hits_and_boosts() {
        let d = docs();
        let q = Query::parse("ocean").expect("parses");
        assert!(
            q.score(&d[0]) > q.score(&d[1]),
            "title hit beats description hit"
        );
        assert!(q.score(&d[1]) > 0.0);
        assert_eq!(q.score(&d[2]), 0.0, "non-matching document scores 0");
        let q = Query::parse("temperature OR lovelace").expect("parses");
        assert!(q.score(&d[0]) > Query::parse("temperature").expect("parses").score(&d[0]));
        let plain = Query::parse("smoke").expect("parses").score(&d[1]);
        let boosted = Query::parse("smoke^2").expect("parses").score(&d[1]);
        assert!((boosted - 2.0 * plain).abs() < 1e-9);
        let q = Query::parse("NOT smoke").expect("parses");
        assert!(q.matches(&d[0]) && q.score(&d[0]) == 0.0);
        let q = Query::parse("versions.index:[1 TO 2]").expect("parses");
        assert!(q.score(&d[1]) > 0.0);
    }

    #[test]
    fn syntax_errors_are_reported() {
        for q in [
            "(ocean",
            "ocean)",
            "((ocean)",
            "()",
            "\"ocean",
            "ocean\"",
            "ocean AND",
            "ocean OR",
            "NOT",
            "AND ocean",
            "ocean AND OR sea",
            "ocean ||",
            "&& ocean",
            "-",
            "!",
            "+",
            "title:",
            "title: ocean",
            "title:)",
            "(title:)",
            "date:[2020 TO",
            "date:[2020 TO 2021",
            "date:{2020 2021}",
            "date:[2020]",
            "date:[]",
            "date:[ TO 5]",
            "date:>",
            "date:>= 5",
            "\\",
            "ocean\\",
            ":ocean",
            ":::",
            "ocean^x",
            "^",
            "~",
            "ocean AND (sea OR)",
        ] {
            let e = Query::parse(q).expect_err(q);
            assert!(!e.message.is_empty(), "{q:?}");
            assert!(e.to_string().starts_with("invalid query string syntax"));
        }
        assert!(
            Query::parse("ocean AND")
                .expect_err("dangling")
                .message
                .contains("AND")
        );
        assert!(
            Query::parse("(a")
                .expect_err("paren")
                .message
                .contains("parenthes")
        );
        assert!(
            Query::parse("\"a")
                .expect_err("quote")
                .message
                .contains("quote")
        );
    }

    #[test]
    fn nesting_depth_is_bounded() {
        let ok = format!("{}ocean{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
        assert_eq!(hits(&ok), vec![0, 1]);
        let deep = format!(
            "{}ocean{}",
            "(".repeat(MAX_DEPTH + 1),
            ")".repeat(MAX_DEPTH + 1)
        );
        assert!(
            Query::parse(&deep)
                .expect_err("too deep")
                .message
                .contains("nested")
        );
        assert!(Query::parse(&"NOT ".repeat(100_000)).is_err());
        assert!(Query::parse(&"-".repeat(100_000)).is_err());
        assert!(Query::parse(&format!("{}a", "!".repeat(MAX_DEPTH + 1))).is_err());
        assert!(Query::parse(&"(".repeat(100_000)).is_err());
        assert!(Query::parse(&"title:(".repeat(1000)).is_err());
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

    #[test]
    fn parse_error_is_a_std_error() {
        let e: Box<dyn std::error::Error> = Box::new(ParseError {
            message: "x".into(),
        });
        assert_eq!(e.to_string(), "invalid query string syntax: x");
    }
}
