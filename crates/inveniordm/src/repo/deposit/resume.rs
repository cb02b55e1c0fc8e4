//! Where a journaled deposit stands on the server: over, under way, or the next version's
//! base.

use super::*;

impl<'a> RepoApi<'a> {
    pub(super) fn journal_for(&self, journal: &Path, server: &str) -> Result<DepositJournal> {
        match DepositJournal::read(journal)? {
            Some(j) if j.server != server => Err(Error::journal(
                journal,
                format!(
                    "it belongs to a deposit on {}, not {server}; choose another journal",
                    j.server
                ),
            )),
            Some(j) => Ok(j),
            None => Ok(DepositJournal {
                server: server.to_string(),
                ..DepositJournal::default()
            }),
        }
    }

    /// For a journal without a recorded content (written by an earlier release of this
    /// library): whether its record holds the release's files and title and version.
    pub(super) async fn record_matches(
        &self,
        j: &DepositJournal,
        spec: &DepositSpec,
        files: &[JournalFile],
    ) -> Result<bool> {
        let Some(id) = j.draft.as_deref() else {
            return Ok(false);
        };
        let (doc, listing) = match self.record(id).await? {
            Some(r) => (r.record().clone(), self.client.records().files(id).await?),
            None => match self.draft(id).await? {
                Some(d) => (d.record().clone(), self.client.drafts().files(id).await?),
                None => return Ok(false),
            },
        };
        let meta = |r: &Record| {
            r.metadata
                .as_ref()
                .map(|m| (m.title.as_deref().map(sanitized), m.version.clone()))
        };
        Ok(meta(&doc) == meta(&spec.draft) && same_files(&md5s(&listing), files, false))
    }

    /// A deposit whose journal is over: its outcome, or the draft to submit again when the
    /// community declined (or the submitter cancelled) its review.
    pub(super) async fn finished(&self, j: &DepositJournal) -> Result<Finished> {
        let Some(id) = j.draft.as_deref() else {
            return Err(Error::Usage(
                "the journal says the deposit is over but names no record; remove it to deposit anew".into(),
            ));
        };
        if let Some(r) = self.record(id).await? {
            return Ok(Finished::Over(Box::new(DepositOutcome::Published(
                r.record().clone(),
            ))));
        }
        let Some(handle) = self.draft(id).await? else {
            return Err(Error::Usage(format!(
                "the deposit {id} of this journal is over, but neither its record nor its draft is there any more; remove the journal to deposit anew"
            )));
        };
        let drafts = self.client.drafts();
        let request = match drafts.review(id).await {
            Ok(r) => Some(r),
            Err(e) if e.is_not_found() => None,
            Err(e) => return Err(e),
        };
        let open = request.as_ref().is_some_and(|r| {
            matches!(
                r.status,
                Some(RequestStatus::Submitted) | Some(RequestStatus::Accepted)
            )
        });
        match request {
            Some(request) if open => Ok(Finished::Over(Box::new(DepositOutcome::Submitted {
                draft: handle.record().clone(),
                request: Box::new(request),
            }))),
            other => {
                // Declined, cancelled or expired (or removed): the draft is the submitter's
                // again, and running the deposit again submits it again.
                if let Some(r) = other
                    && r.status != Some(RequestStatus::Created)
                {
                    tracing::info!(id, status = ?r.status, "the review is over; submitting again");
                    drafts.delete_review(id).await?;
                }
                Ok(Finished::Resubmit(Box::new(handle)))
            }
        }
    }

    /// Where a journaled deposit that is not over stands on the server.
    pub(super) async fn resume(&self, j: &DepositJournal, spec: &DepositSpec) -> Result<Resume> {
        let Some(id) = j.draft.as_deref() else {
            if j.stage != DepositStage::Creating {
                return Ok(Resume::Create);
            }
            if let Some(previous) = &j.previous {
                // A new version whose answer was lost: asked again, the server answers with
                // the draft it made (or makes it now).
                let d = self.client.drafts().new_version(previous).await?;
                return Ok(Resume::Draft {
                    handle: Box::new(DraftHandle::new(self.client, d)?),
                    adopted: true,
                });
            }
            if let Some(adopt) = &spec.adopt {
                return Ok(Resume::Draft {
                    handle: Box::new(self.adoptable(adopt).await?),
                    adopted: true,
                });
            }
            return Ok(match self.find_created(j, spec).await? {
                Some(handle) => Resume::Draft {
                    handle: Box::new(handle),
                    adopted: true,
                },
                None => Resume::Create,
            });
        };
        if let Some(handle) = self.draft(id).await? {
            if j.stage == DepositStage::Submitting {
                match self.client.drafts().review(id).await {
                    Ok(request)
                        if request
                            .status
                            .as_ref()
                            .is_some_and(|s| *s != RequestStatus::Created) =>
                    {
                        return Ok(Resume::Over {
                            outcome: Box::new(DepositOutcome::Submitted {
                                draft: handle.record().clone(),
                                request: Box::new(request),
                            }),
                        });
                    }
                    Ok(_) => {}
                    Err(e) if e.is_not_found() => {}
                    Err(e) => return Err(e),
                }
            }
            return Ok(Resume::Draft {
                handle: Box::new(handle),
                adopted: false,
            });
        }
        // No draft: published (by the publish whose answer was lost, or a review accepted),
        // or gone.
        if let Some(record) = self.record(id).await? {
            return Ok(Resume::Over {
                outcome: Box::new(DepositOutcome::Published(record.record().clone())),
            });
        }
        Err(Error::Usage(format!(
            "the draft {id} this deposit made is gone (discarded?) and was never published; remove the journal to deposit anew"
        )))
    }

    /// For a deposit that makes a new version: the version it follows, or the concept's
    /// latest version when it is this very release already (same `version`, same files).
    /// `None` for a record of its own.
    pub(super) async fn next_version_base(
        &self,
        j: &DepositJournal,
        spec: &DepositSpec,
        local: &[JournalFile],
    ) -> Result<Option<Base>> {
        let latest = match &spec.target {
            DepositTarget::NewRecord => return Ok(None),
            DepositTarget::NextVersion => match &j.concept {
                Some(c) => self.client.records().latest_version(c).await?,
                None => return Ok(None),
            },
            DepositTarget::NextVersionOf(x) => self.latest_of(x).await?,
        };
        let wanted = spec
            .draft
            .metadata
            .as_ref()
            .and_then(|m| m.version.as_deref())
            .filter(|v| !v.trim().is_empty());
        let theirs = latest.metadata.as_ref().and_then(|m| m.version.as_deref());
        if let (Some(v), Some(t)) = (wanted, theirs)
            && v.trim() == t.trim()
        {
            let id = latest.id.clone().unwrap_or_default();
            let files = md5s(&self.client.records().files(&id).await?);
            if same_files(&files, local, spec.keep_files) {
                return Ok(Some(Base::Already(Box::new(latest))));
            }
            return Err(Error::Usage(format!(
                "version {v} of this concept is published already, as {id}, with other files; nothing was sent. Give the release a new version number (a published version cannot be changed), or discard the version on the server first"
            )));
        }
        Ok(Some(Base::Latest(Box::new(latest))))
    }

    /// The latest version of the concept of a record id, concept id or DOI.
    pub(super) async fn latest_of(&self, x: &str) -> Result<Record> {
        let records = self.client.records();
        let Some(doi) = bare_doi(x) else {
            return records.latest_version(x.trim()).await;
        };
        let q = format!("pids.doi.identifier:\"{doi}\" OR parent.pids.doi.identifier:\"{doi}\"");
        let query = SearchQuery::new(q).all_versions(true).size(1);
        let mut hits = self.client.query().user_records(&query).await?;
        if hits.hits.hits.is_empty() {
            hits = self.client.query().records(&query).await?;
        }
        let parent = hits
            .hits
            .hits
            .first()
            .and_then(|r| r.parent_id().map(str::to_string))
            .ok_or_else(|| {
                Error::Usage(format!(
                    "no record with the DOI {doi} is found on this server (its search may not have indexed it yet); give the record's id instead"
                ))
            })?;
        records.latest_version(&parent).await
    }
}

pub(super) enum Resume {
    /// Over: the answer of the last step was lost, and the server shows it happened.
    Over { outcome: Box<DepositOutcome> },
    /// Carry on with this draft.
    Draft {
        handle: Box<DraftHandle>,
        adopted: bool,
    },
    /// Make the draft.
    Create,
}

pub(super) enum Finished {
    /// Published, or submitted and waiting.
    Over(Box<DepositOutcome>),
    /// The review is over without a publish: submit the draft again.
    Resubmit(Box<DraftHandle>),
}

pub(super) enum Base {
    /// The concept's latest version is this release already.
    Already(Box<Record>),
    /// The version the next one follows.
    Latest(Box<Record>),
}
