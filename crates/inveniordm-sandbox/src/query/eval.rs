//! Evaluation of a query against a record document: analysed words, wildcards, ranges,
//! field paths and aliases, and the relevance score.

use serde_json::Value;
use std::borrow::Cow;
use std::cmp::Ordering;

use super::ast::{Node, Pat, Test, tokenize};

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

// ---------------------------------------------------------------- evaluation

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
    /// Number of hits in one scalar value (0 when it does not match).
    pub(super) fn hits(&self, value: &Value, bare: bool) -> usize {
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
    pub(super) fn eval(&self, doc: &Value) -> Option<f64> {
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
    use crate::query::Query;
    use crate::query::tests::{check, docs};

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
}
