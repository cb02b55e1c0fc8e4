//! The query parser: its errors, and the boolean structure of a query (operators and their
//! precedence, required and excluded clauses, fields, groups), down to its terms.

use std::fmt;

use super::ast::{Node, Pat, word_leaf};

/// Maximum nesting of groups and prefix operators accepted by the parser.
pub const MAX_DEPTH: usize = 64;

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

pub(super) fn err<T>(message: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError {
        message: message.into(),
    })
}

/// How a clause takes part in a run of clauses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Occur {
    Must,
    MustNot,
    Should,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    And,
    Or,
    Not,
}

// ---------------------------------------------------------------- parsing

pub(super) struct Parser {
    pub(super) chars: Vec<char>,
    pub(super) pos: usize,
    pub(super) depth: usize,
}

impl Parser {
    pub(super) fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    pub(super) fn skip_ws(&mut self) {
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

    pub(super) fn parse_query(&mut self) -> Result<Node, ParseError> {
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
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::Query;
    use crate::query::tests::{check, docs, hits};

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
    fn parse_error_is_a_std_error() {
        let e: Box<dyn std::error::Error> = Box::new(ParseError {
            message: "x".into(),
        });
        assert_eq!(e.to_string(), "invalid query string syntax: x");
    }
}
