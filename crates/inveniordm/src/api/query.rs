use inveniordm_models::{Record, Results, SearchQuery, VocQuery, VocType, VocabularyTerm};
use reqwest::Method;

use crate::{Client, Result};

/// The search engine's window: results beyond it cannot be paged to.
const MAX_RESULTS: usize = 10_000;

/// Which records a listing covers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Scope {
    /// Published records everyone can see (`/api/records`).
    #[default]
    Published,
    /// The caller's own drafts and records (`/api/user/records`; needs a token).
    Mine,
    /// The published records of one community, by its id or slug
    /// (`/api/communities/{id}/records`).
    Community(String),
}

/// Searches: vocabularies and records. See [`Client::query`].
#[derive(Debug, Clone, Copy)]
pub struct QueryApi<'a> {
    pub(crate) client: &'a Client,
}

impl<'a> QueryApi<'a> {
    /// `GET /api/vocabularies/{type}` (or `/api/{type}` for affiliations, funders, awards,
    /// names, subjects): a page of terms.
    pub async fn vocabulary(
        &self,
        voc: &VocType,
        query: &VocQuery,
    ) -> Result<Results<VocabularyTerm>> {
        let segs = voc.path_segments();
        let url = self.client.url(&segs)?;
        let req = self
            .client
            .request(Method::GET, url)
            .query(&query.to_pairs());
        self.client.json(req).await
    }

    /// `GET /api/vocabularies/{type}/{id}`: one term.
    pub async fn term(&self, voc: &VocType, id: &str) -> Result<VocabularyTerm> {
        let mut segs = voc.path_segments();
        segs.push(id);
        let url = self.client.url(&segs)?;
        self.client
            .json(self.client.request(Method::GET, url))
            .await
    }

    /// `GET /api/records`: published records (latest versions unless `all_versions`).
    pub async fn records(&self, query: &SearchQuery) -> Result<Results<Record>> {
        self.search(&["records"], query).await
    }

    /// `GET /api/user/records`: the caller's own drafts and records (needs a token).
    pub async fn user_records(&self, query: &SearchQuery) -> Result<Results<Record>> {
        self.search(&["user", "records"], query).await
    }

    /// A page of the records of `scope`: [`records`](Self::records) or
    /// [`user_records`](Self::user_records).
    pub async fn records_of(&self, scope: Scope, query: &SearchQuery) -> Result<Results<Record>> {
        match scope {
            Scope::Mine => self.user_records(query).await,
            Scope::Published => self.records(query).await,
            Scope::Community(id) => self.client.communities().records(&id, query).await,
        }
    }

    /// The page after `page`, following its `next` link; `None` on the last page.
    ///
    /// The link must point at the same server as the client (the token is never sent
    /// elsewhere).
    pub async fn next_page(&self, page: &Results<Record>) -> Result<Option<Results<Record>>> {
        match page.next_link() {
            Some(next) => Ok(Some(self.page_at(next).await?)),
            None => Ok(None),
        }
    }

    pub(crate) async fn page_at(&self, link: &str) -> Result<Results<Record>> {
        let url = self.client.same_origin(link)?;
        let mut req = self.client.request(Method::GET, url);
        req.accept = self.client.record_accept();
        self.client.json(req).await
    }

    /// Every record matching `query` (of `scope`), page after page,
    /// as a stream. It ends after the last page, or at the search engine's window of 10 000
    /// results (narrow the query to see further).
    ///
    /// ```no_run
    /// # async fn demo(client: inveniordm::Client) -> inveniordm::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use inveniordm::{api::Scope, models::SearchQuery};
    /// let all: Vec<_> = client.query().records_stream(Scope::Published, SearchQuery::new("ocean").size(100)).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn records_stream(
        &self,
        scope: Scope,
        query: SearchQuery,
    ) -> impl futures_util::Stream<Item = Result<Record>> + Send + use<'a> {
        let api = *self;
        follow(api, async move { api.records_of(scope, &query).await })
    }

    /// Every record matching `query` (of `scope`), past the search
    /// engine's window of 10 000 results: see [`records_split`](Self::records_split).
    ///
    /// ```no_run
    /// # async fn demo(client: inveniordm::Client) -> inveniordm::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use inveniordm::{api::Scope, models::SearchQuery};
    /// let every: Vec<_> = client.query().records_all(Scope::Mine, SearchQuery::all()).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn records_all(
        &self,
        scope: Scope,
        query: SearchQuery,
    ) -> impl futures_util::Stream<Item = Result<Record>> + Send + use<'a> {
        self.records_split(scope, query, MAX_RESULTS)
    }

    /// Every record matching `query`, when there may be more than `window` of them (the most a
    /// search serves; 10 000 on InvenioRDM). The query is split by record id: ids are unique, so
    /// the parts (`id:a*`, `id:b*`, …, split further where one still holds more than `window`)
    /// together hold every record exactly once, whatever the records' dates. The counts of one
    /// level are made a few at a time (within the client's rate budget); each part is then
    /// paged through, oldest first.
    ///
    /// A repository that keeps publishing meanwhile is no error: a record added during the
    /// listing is listed or not, and never twice (ids already given are not given again). A
    /// count that falls short of its parent's twice in a row (ids with characters the split
    /// does not cover) is an error, never a silent gap.
    pub fn records_split(
        &self,
        scope: Scope,
        query: SearchQuery,
        window: usize,
    ) -> impl futures_util::Stream<Item = Result<Record>> + Send + use<'a> {
        use futures_util::StreamExt;
        let api = *self;
        let planning = scope.clone();
        let plan = async move {
            api.split_plan(&planning, &query, window as u64)
                .await
                .map(|p| (p, query))
        };
        futures_util::stream::once(plan)
            .map(move |planned| match planned {
                Err(e) => futures_util::stream::iter(vec![Err(e)]).boxed(),
                Ok((parts, query)) => {
                    let scope = scope.clone();
                    futures_util::stream::iter(parts)
                    .map(move |q| {
                        let mut page = query.clone();
                        page.q = Some(q);
                        page.sort = Some("oldest".into());
                        page.page = None;
                        if page.size.is_none() {
                            page.size = Some(100);
                        }
                        let scope = scope.clone();
                        follow(api, async move { api.records_of(scope, &page).await })
                    })
                    .flatten()
                    .boxed()
                }
            })
            .flatten()
            .scan(std::collections::HashSet::new(), |seen, r| {
                // A record moved between pages while the listing ran is given once.
                let again = matches!(&r, Ok(rec) if rec.id.as_ref().is_some_and(|id| !seen.insert(id.clone())));
                std::future::ready(Some((!again).then_some(r)))
            })
            .filter_map(std::future::ready)
    }

    /// The queries, each within the window, that together match what `query` matches.
    async fn split_plan(
        &self,
        scope: &Scope,
        query: &SearchQuery,
        window: u64,
    ) -> Result<Vec<String>> {
        use futures_util::StreamExt;
        /// The characters record ids are made of: InvenioRDM's lower-case Crockford base32
        /// (no i, l, o, u) and Zenodo's digits.
        const ID_CHARS: &str = "0123456789abcdefghjkmnpqrstvwxyz";
        /// At most this many counts are made to plan one listing.
        const MAX_COUNTS: usize = 20_000;
        /// Counts sent at once.
        const CONCURRENT_COUNTS: usize = 8;
        let base = query.q.clone().filter(|q| !q.trim().is_empty());
        let with = |prefix: &str| match (&base, prefix.is_empty()) {
            (None, true) => String::new(),
            (Some(q), true) => q.clone(),
            (None, false) => format!("id:{prefix}*"),
            (Some(q), false) => format!("({q}) AND id:{prefix}*"),
        };
        let count = |q: String| {
            let mut c = query.clone();
            c.q = Some(q);
            c.size = Some(1);
            c.page = None;
            let scope = scope.clone();
            async move { self.records_of(scope, &c).await.map(|r| r.total()) }
        };
        let total = count(with("")).await?;
        if total <= window {
            return Ok(vec![with("")]);
        }
        let mut parts = Vec::new();
        let mut todo = vec![(String::new(), total)];
        let mut counts = 1;
        while let Some((prefix, n)) = todo.pop() {
            // A hyphen may follow the first characters (InvenioRDM ids are `abcde-12345`).
            let hyphen = if prefix.is_empty() { "" } else { "-" };
            let children: Vec<String> = ID_CHARS
                .chars()
                .chain(hyphen.chars())
                .map(|c| format!("{prefix}{c}"))
                .collect();
            counts += children.len();
            if counts > MAX_COUNTS {
                return Err(crate::Error::Usage(format!(
                    "the listing could not be split into parts of at most {window} records within {MAX_COUNTS} searches; narrow the query"
                )));
            }
            let counted: Vec<(String, Result<u64>)> = futures_util::stream::iter(children)
                .map(|p| {
                    let q = with(&p);
                    let c = count(q);
                    async move { (p, c.await) }
                })
                .buffered(CONCURRENT_COUNTS)
                .collect()
                .await;
            let mut found = 0;
            for (p, m) in counted {
                let m = m?;
                found += m;
                if m == 0 {
                    continue;
                }
                if m <= window {
                    parts.push(with(&p));
                } else {
                    todo.push((p, m));
                }
            }
            // More than counted: records published meanwhile (they are listed or not). Fewer:
            // records removed meanwhile, or ids the split does not cover; counted again, a
            // parent that still holds more than its parts is a gap.
            if found < n {
                counts += 1;
                let again = count(with(&prefix)).await?;
                if found < again {
                    return Err(crate::Error::unexpected(
                        "listing records",
                        format!(
                            "{} of {again} records whose ids start with {prefix:?} have ids the split does not cover; the listing would have gaps",
                            again - found
                        ),
                    ));
                }
            }
        }
        parts.sort();
        tracing::info!(
            total,
            parts = parts.len(),
            counts,
            "past the search window: the listing is split by id prefix"
        );
        Ok(parts)
    }

    async fn search(&self, segs: &[&str], query: &SearchQuery) -> Result<Results<Record>> {
        let url = self.client.url(segs)?;
        let mut req = self
            .client
            .request(Method::GET, url)
            .query(&query.to_pairs());
        req.accept = self.client.record_accept();
        self.client.json(req).await
    }
}

/// The records of a first page and of every page its `next` links lead to, as a stream; it
/// ends after the last page or at the search engine's window.
pub(crate) fn follow<'a, F>(
    api: QueryApi<'a>,
    first: F,
) -> impl futures_util::Stream<Item = Result<Record>> + Send + 'a
where
    F: std::future::Future<Output = Result<Results<Record>>> + Send + 'a,
{
    use futures_util::StreamExt;
    enum Next<F> {
        First(F),
        Link(String),
    }
    let pages = futures_util::stream::try_unfold(
        (Some(Next::First(Box::pin(first))), 0usize),
        move |(next, seen)| async move {
            let Some(next) = next else { return Ok(None) };
            if seen >= MAX_RESULTS {
                return Ok(None);
            }
            let page = match next {
                Next::First(f) => f.await?,
                Next::Link(l) => api.page_at(&l).await?,
            };
            let n = page.items().len();
            let following = page
                .next_link()
                .filter(|_| n > 0)
                .map(|l| Next::Link(l.to_string()));
            Ok(Some((page, (following, seen + n))))
        },
    );
    pages
        .map(|page: Result<Results<Record>>| match page {
            Ok(p) => {
                futures_util::stream::iter(p.hits.hits.into_iter().map(Ok).collect::<Vec<_>>())
            }
            Err(e) => futures_util::stream::iter(vec![Err(e)]),
        })
        .flatten()
}
