//! A create whose answer was lost: finding the draft it made, and nothing else.

use super::*;

impl<'a> RepoApi<'a> {
    /// The caller's unpublished drafts with the spec's title (ids), and the server's clock
    /// (Unix seconds, from its `Date` header) when it answered.
    pub(super) async fn own_drafts_titled(
        &self,
        draft: &Record,
    ) -> Result<(Vec<String>, Option<i64>)> {
        let (page, date) = self.own_newest().await?;
        let title = title_of(draft).map(|t| sanitized(&t));
        let ids = page
            .hits
            .hits
            .iter()
            .filter(|r| r.is_published == Some(false))
            .filter(|r| title.is_some() && title_of(r).map(|t| sanitized(&t)) == title)
            .filter_map(|r| r.id.clone())
            .collect();
        Ok((ids, date))
    }

    /// The caller's newest drafts and records, and the server's clock.
    pub(super) async fn own_newest(&self) -> Result<(Results<Record>, Option<i64>)> {
        let url = self.client.url(&["user", "records"])?;
        let query = SearchQuery::all().sort("newest").size(OWN_PAGE);
        let mut req = self
            .client
            .request(reqwest::Method::GET, url)
            .query(&query.to_pairs());
        req.accept = self.client.record_accept();
        let resp = self.client.execute(req).await?;
        let date = resp
            .headers()
            .get(reqwest::header::DATE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| httpdate::parse_http_date(v).ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .and_then(|d| i64::try_from(d.as_secs()).ok());
        let page = self.client.read_json("GET /user/records", resp).await?;
        Ok((page, date))
    }

    /// The draft a create whose answer was lost made, looked for in the caller's own drafts
    /// until the search shows it or the wait is over (`None`: it is not there, the create
    /// never arrived). More than one possible draft is an error that names them.
    pub(super) async fn find_created(
        &self,
        j: &DepositJournal,
        spec: &DepositSpec,
    ) -> Result<Option<DraftHandle>> {
        let since = j.creating_since.map_or(0, |s| s as i64) - SERVER_SLACK_SECS;
        let title = j.title.as_deref().map(sanitized);
        let wait = spec.adopt_wait.unwrap_or(DEFAULT_ADOPT_WAIT);
        let started = std::time::Instant::now();
        let mut reads = 0u32;
        loop {
            reads += 1;
            let (page, _) = self.own_newest().await?;
            let mut candidates = Vec::new();
            let mut passed_over = Vec::new();
            for r in &page.hits.hits {
                let Some(id) = r.id.as_deref() else { continue };
                if r.is_published != Some(false)
                    || title.is_none()
                    || title_of(r).map(|t| sanitized(&t)) != title
                    || j.seen_before.iter().any(|b| b == id)
                    || r.created
                        .as_deref()
                        .and_then(unix_secs)
                        .is_none_or(|t| t < since)
                {
                    continue;
                }
                match self.adoption_refusal(r).await? {
                    None => candidates.push(id.to_string()),
                    Some(why) => passed_over.push(format!("{id} ({why})")),
                }
            }
            match candidates.as_slice() {
                [one] => {
                    tracing::info!(id = %one, reads, "found the draft a lost create made");
                    return self.draft(one).await;
                }
                [] if started.elapsed() >= wait => {
                    if !passed_over.is_empty() {
                        tracing::info!(drafts = ?passed_over, "drafts with the title that are not the lost create's");
                    }
                    tracing::info!(reads, "no draft of the lost create appeared; creating one");
                    return Ok(None);
                }
                [] => tokio::time::sleep(Duration::from_millis(500)).await,
                many => {
                    return Err(Error::Ambiguous {
                        message: format!(
                            "the interrupted run's create may have made any of {} drafts titled {:?}: {}; nothing was changed. Look at them, discard the others or name the right one (irdm deposit --adopt ID)",
                            many.len(),
                            title.as_deref().unwrap_or(""),
                            many.join(", ")
                        ),
                        candidates: many.to_vec(),
                    });
                }
            }
        }
    }

    /// Why an unpublished draft cannot be one that a lost create just made (`None`: it can).
    pub(super) async fn adoption_refusal(&self, r: &Record) -> Result<Option<String>> {
        let id = r.id.as_deref().unwrap_or("");
        if r.versions
            .as_ref()
            .and_then(|v| v.index)
            .is_some_and(|i| i > 1)
        {
            return Ok(Some("a new version of another record".into()));
        }
        if r.is_draft == Some(false) {
            return Ok(Some("not a draft".into()));
        }
        let files = self.client.drafts().files(id).await?;
        if files.iter().next().is_some() {
            return Ok(Some("it holds files".into()));
        }
        Ok(None)
    }

    /// A draft named to be carried on after a lost create: the caller's, unpublished, and
    /// nobody's next version.
    pub(super) async fn adoptable(&self, id: &str) -> Result<DraftHandle> {
        let handle = self.draft(id).await?.ok_or_else(|| {
            Error::Usage(format!(
                "there is no draft {id} to carry on (published, discarded, or not yours?)"
            ))
        })?;
        let r = handle.record();
        if r.is_published == Some(true) {
            return Err(Error::Usage(format!(
                "{id} is the draft of a published record, not a new one; name the draft the interrupted create made"
            )));
        }
        if r.versions
            .as_ref()
            .and_then(|v| v.index)
            .is_some_and(|i| i > 1)
        {
            return Err(Error::Usage(format!(
                "{id} is a new version of another record; name the draft the interrupted create made"
            )));
        }
        Ok(handle)
    }
}
