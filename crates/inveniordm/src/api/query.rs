use inveniordm_models::{Record, RecordQuery, Results, VocQuery, VocType, VocabularyTerm};
use reqwest::Method;

use crate::{Client, Result};

/// The search engine's window: results beyond it cannot be paged to.
const MAX_RESULTS: usize = 10_000;

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
    pub async fn records(&self, query: &RecordQuery) -> Result<Results<Record>> {
        self.search(&["records"], query).await
    }

    /// `GET /api/user/records`: the caller's own drafts and records (needs a token).
    pub async fn user_records(&self, query: &RecordQuery) -> Result<Results<Record>> {
        self.search(&["user", "records"], query).await
    }

    /// Records, or the user's own when `user` is true (the seed's signature).
    pub async fn records_of(&self, user: bool, query: &RecordQuery) -> Result<Results<Record>> {
        if user {
            self.user_records(query).await
        } else {
            self.records(query).await
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

    /// Every record matching `query` (the user's own when `user` is true), page after page,
    /// as a stream. It ends after the last page, or at the search engine's window of 10 000
    /// results (narrow the query to see further).
    ///
    /// ```no_run
    /// # async fn demo(client: inveniordm::Client) -> inveniordm::Result<()> {
    /// use futures_util::TryStreamExt;
    /// use inveniordm::models::RecordQuery;
    /// let all: Vec<_> = client.query().records_stream(false, RecordQuery::new("ocean").size(100)).try_collect().await?;
    /// # Ok(()) }
    /// ```
    pub fn records_stream(
        &self,
        user: bool,
        query: RecordQuery,
    ) -> impl futures_util::Stream<Item = Result<Record>> + Send + 'a {
        let api = *self;
        follow(api, async move { api.records_of(user, &query).await })
    }

    async fn search(&self, segs: &[&str], query: &RecordQuery) -> Result<Results<Record>> {
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
