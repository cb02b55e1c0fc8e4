//! Search query arguments, encoded for a URL query string.

/// Arguments of a search: of records (`/api/records`, `/api/user/records`, versions), and of
/// communities, users, members, requests and timelines. `all_versions` applies to record
/// searches only.
///
/// ```
/// use inveniordm_models::SearchQuery;
/// let q = SearchQuery::new("ocean & ice #1 +x").size(10).page(2).sort("newest").filter("resource_type", "dataset");
/// assert_eq!(
///     q.to_query_string(),
///     "q=ocean+%26+ice+%231+%2Bx&sort=newest&size=10&page=2&resource_type=dataset"
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SearchQuery {
    /// Query string (OpenSearch syntax).
    pub q: Option<String>,
    /// Sort option (`bestmatch`, `newest`, `oldest`, `version`, `updated-desc`, …).
    pub sort: Option<String>,
    /// Page size (≥ 1; the server's default is 25).
    pub size: Option<u64>,
    /// Page number (≥ 1).
    pub page: Option<u64>,
    /// Include every version, not only the latest.
    pub all_versions: bool,
    /// Facet filters, e.g. `("resource_type", "dataset")`; repeat a name for OR.
    pub filters: Vec<(String, String)>,
}

impl SearchQuery {
    /// A query for `q` (empty = everything).
    pub fn new(q: impl Into<String>) -> Self {
        let q = q.into();
        Self {
            q: (!q.is_empty()).then_some(q),
            ..Self::default()
        }
    }

    /// Everything (no query string).
    pub fn all() -> Self {
        Self::default()
    }

    /// Sets the sort option.
    pub fn sort(mut self, sort: impl Into<String>) -> Self {
        self.sort = Some(sort.into());
        self
    }

    /// Sets the page size.
    pub fn size(mut self, size: u64) -> Self {
        self.size = Some(size);
        self
    }

    /// Sets the page number.
    pub fn page(mut self, page: u64) -> Self {
        self.page = Some(page);
        self
    }

    /// Includes every version.
    pub fn all_versions(mut self, yes: bool) -> Self {
        self.all_versions = yes;
        self
    }

    /// Adds a facet filter.
    pub fn filter(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.filters.push((name.into(), value.into()));
        self
    }

    /// The arguments as (name, value) pairs, in a stable order.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        if let Some(q) = &self.q {
            out.push(("q".into(), q.clone()));
        }
        if let Some(s) = &self.sort {
            out.push(("sort".into(), s.clone()));
        }
        if let Some(s) = self.size {
            out.push(("size".into(), s.to_string()));
        }
        if let Some(p) = self.page {
            out.push(("page".into(), p.to_string()));
        }
        if self.all_versions {
            out.push(("allversions".into(), "true".into()));
        }
        out.extend(self.filters.iter().cloned());
        out
    }

    /// The arguments as an `application/x-www-form-urlencoded` query string.
    pub fn to_query_string(&self) -> String {
        encode_pairs(&self.to_pairs())
    }
}

/// Arguments of a vocabulary search.
///
/// ```
/// use inveniordm_models::VocQuery;
/// assert_eq!(VocQuery::new().suggest("eng").size(5).to_query_string(), "suggest=eng&size=5");
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct VocQuery {
    /// Query string.
    pub q: Option<String>,
    /// Search-as-you-type text (exclusive with `q`).
    pub suggest: Option<String>,
    /// Sort option (`bestmatch`, `title`, `newest`, `oldest`).
    pub sort: Option<String>,
    /// Page size.
    pub size: Option<u64>,
    /// Page number.
    pub page: Option<u64>,
    /// Tags filter.
    pub tags: Option<String>,
}

impl VocQuery {
    /// An empty query (every term).
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the query string.
    pub fn q(mut self, q: impl Into<String>) -> Self {
        self.q = Some(q.into());
        self
    }

    /// Sets the suggest text.
    pub fn suggest(mut self, s: impl Into<String>) -> Self {
        self.suggest = Some(s.into());
        self
    }

    /// Sets the sort option.
    pub fn sort(mut self, s: impl Into<String>) -> Self {
        self.sort = Some(s.into());
        self
    }

    /// Sets the page size.
    pub fn size(mut self, size: u64) -> Self {
        self.size = Some(size);
        self
    }

    /// Sets the page number.
    pub fn page(mut self, page: u64) -> Self {
        self.page = Some(page);
        self
    }

    /// Sets the tags filter.
    pub fn tags(mut self, tags: impl Into<String>) -> Self {
        self.tags = Some(tags.into());
        self
    }

    /// The arguments as (name, value) pairs.
    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut out = Vec::new();
        for (k, v) in [
            ("q", &self.q),
            ("suggest", &self.suggest),
            ("sort", &self.sort),
        ] {
            if let Some(v) = v {
                out.push((k.to_string(), v.clone()));
            }
        }
        if let Some(s) = self.size {
            out.push(("size".into(), s.to_string()));
        }
        if let Some(p) = self.page {
            out.push(("page".into(), p.to_string()));
        }
        if let Some(t) = &self.tags {
            out.push(("tags".into(), t.clone()));
        }
        out
    }

    /// The arguments as a query string.
    pub fn to_query_string(&self) -> String {
        encode_pairs(&self.to_pairs())
    }
}

/// Encodes pairs as `application/x-www-form-urlencoded`.
pub fn encode_pairs(pairs: &[(String, String)]) -> String {
    let mut s = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs {
        s.append_pair(k, v);
    }
    s.finish()
}
