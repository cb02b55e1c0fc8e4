//! The parser's terms: words and wildcards, escapes, phrases, `^` boosts and `~` suffixes,
//! ranges and comparisons.

use super::ast::{Bound, Node, Pat, Test, leaf};
use super::parse::{ParseError, Parser, err};

fn is_term_end(c: char) -> bool {
    c.is_whitespace() || matches!(c, '(' | ')' | '"' | '^' | '~')
}

impl Parser {
    /// Reads an unquoted term up to a term boundary (and `:` when `colon_ends`).
    pub(super) fn raw_term(&mut self, colon_ends: bool) -> Result<Vec<Pat>, ParseError> {
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

    pub(super) fn phrase(&mut self, field: Option<&str>) -> Result<Node, ParseError> {
        let text = self.quoted()?;
        let boost = self.suffix()?;
        Ok(leaf(field, Test::terms(&text), boost))
    }

    /// Optional `^boost` and `~fuzziness` suffixes.
    pub(super) fn suffix(&mut self) -> Result<f64, ParseError> {
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

    pub(super) fn range(&mut self, field: Option<&str>) -> Result<Node, ParseError> {
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

    pub(super) fn comparison(&mut self, field: Option<&str>) -> Result<Node, ParseError> {
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

#[cfg(test)]
mod tests {
    use crate::query::tests::check;

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
}
