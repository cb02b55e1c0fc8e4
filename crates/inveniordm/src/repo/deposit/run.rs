//! The deposit itself: the draft, its metadata and files, the DOI, the publish or the review.

use super::resume::{Base, Finished, Resume};
use super::*;

impl<'a> RepoApi<'a> {
    /// Deposits `spec`, journaled in `journal` (see [journaled deposits](crate::repo#journaled-deposits) on what a run that
    /// was interrupted does, and on a journal whose deposit is over). Upload options
    /// (progress, parallel files, multipart) come from `upload`; files are always replaced
    /// when the draft holds other content.
    ///
    /// Fails without publishing when the server reports validation problems (they are in
    /// the error); the journal keeps the draft, so a corrected `spec` carries it on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use inveniordm::models::{Creator, Metadata, Record, VocabRef};
    /// use inveniordm::repo::{DepositOutcome, DepositSpec, DepositTarget, UploadFilesOptions};
    /// # let sandbox = inveniordm_sandbox::Sandbox::start(Default::default()).await?;
    /// # let client = inveniordm::Client::new(sandbox.url(), Some(sandbox.token()))?;
    /// # let dir = tempfile::tempdir()?;
    /// let data = dir.path().join("data.csv");
    /// std::fs::write(&data, "t,temp\n0,4.1\n")?;
    /// let mut m = Metadata::default();
    /// m.title = Some("Ocean temperature".into());
    /// m.resource_type = Some(VocabRef::id("dataset"));
    /// m.publication_date = Some("2026-12-03".into());
    /// m.creators = Some(vec![Creator::person("Lovelace", "Ada")]);
    /// m.version = Some("1.0".into());
    /// let mut spec = DepositSpec {
    ///     draft: Record { metadata: Some(m), ..Default::default() },
    ///     files: vec![(data.clone(), "data.csv".into())],
    ///     publish: true,
    ///     // Each release the next version of the first one's concept.
    ///     target: DepositTarget::NextVersion,
    ///     ..Default::default()
    /// };
    /// let journal = dir.path().join("deposit.json");
    /// let opts = UploadFilesOptions::default();
    /// let first = client.repo().deposit(&spec, &journal, &opts).await?;
    /// assert!(matches!(first.outcome, DepositOutcome::Published(_)));
    /// assert_eq!(first.uploaded, vec!["data.csv".to_string()]);
    /// // The same call again (after a crash, or by mistake) publishes nothing more.
    /// let again = client.repo().deposit(&spec, &journal, &opts).await?;
    /// assert!(again.already_done);
    /// assert_eq!(again.id, first.id);
    /// // The next release: version 1.1 of the same concept, with more data.
    /// std::fs::write(&data, "t,temp\n0,4.1\n1,4.3\n")?;
    /// spec.draft.metadata.as_mut().unwrap().version = Some("1.1".into());
    /// let next = client.repo().deposit(&spec, &journal, &opts).await?;
    /// assert_eq!(next.concept, first.concept);
    /// assert_eq!(next.previous.as_deref(), Some(first.id.as_str()));
    /// assert_eq!(next.outcome.record().versions.as_ref().and_then(|v| v.index), Some(2));
    /// # Ok(()) }
    /// ```
    pub async fn deposit(
        &self,
        spec: &DepositSpec,
        journal: &Path,
        upload: &UploadFilesOptions,
    ) -> Result<DepositReport> {
        let server = self.client.api_url().to_string();
        let mut j = self.journal_for(journal, &server)?;
        let hashed = hash_files(&spec.files, &j.files).await?;
        let content = fingerprint(spec, &hashed);
        j.files = hashed.clone();
        let mut report = DepositReport::new();
        let mut resubmit = None;

        // 0. A journal whose deposit is over: the same content is the same deposit; other
        // content is the next release, or a mistake.
        if j.stage == DepositStage::Done {
            let same = match &j.content {
                Some(c) => *c == content,
                // A journal from before contents were recorded: compare with the record.
                None => self.record_matches(&j, spec, &hashed).await?,
            };
            if same {
                match self.finished(&j).await? {
                    Finished::Over(outcome) => {
                        report.id = j.draft.clone().unwrap_or_default();
                        report.concept = outcome.record().parent_id().map(str::to_string);
                        report.outcome = *outcome;
                        report.already_done = true;
                        return Ok(report);
                    }
                    Finished::Resubmit(handle) => resubmit = Some(handle),
                }
            } else if spec.target == DepositTarget::NewRecord {
                let id = j.draft.clone().unwrap_or_default();
                return Err(Error::Usage(format!(
                    "this deposit is over (it made {id}, concept {}), and the metadata or files have changed since; nothing was sent. To publish them as the next version of {id}, ask for a new version (irdm deposit --new-version, or --new-version-of {}); to make a record of its own, use another journal (--journal FILE)",
                    j.concept.as_deref().unwrap_or("?"),
                    j.concept.as_deref().unwrap_or(&id),
                )));
            } else {
                j = j.next_cycle();
                j.files = hashed.clone();
            }
        }

        // 1. The draft: carried on, found after a lost answer, or created.
        let mut handle = match resubmit {
            Some(h) => {
                j.stage = DepositStage::Draft;
                j.write(journal)?;
                *h
            }
            None => match self.resume(&j, spec).await? {
                Resume::Over { outcome } => {
                    // The publish or submission happened; its answer was lost.
                    j.stage = DepositStage::Done;
                    j.content = Some(content);
                    if let Some(id) = &j.draft
                        && !j.history.contains(id)
                    {
                        j.history.push(id.clone());
                    }
                    j.concept = outcome
                        .record()
                        .parent_id()
                        .map(str::to_string)
                        .or(j.concept);
                    j.write(journal)?;
                    report.id = j.draft.clone().unwrap_or_default();
                    report.concept = j.concept.clone();
                    report.previous = j.previous.clone();
                    report.outcome = *outcome;
                    return Ok(report);
                }
                Resume::Draft { handle, adopted } => {
                    report.adopted = adopted;
                    *handle
                }
                Resume::Create => match self.next_version_base(&j, spec, &hashed).await? {
                    Some(Base::Already(record)) => {
                        // This release is the concept's latest version already (a journal
                        // lost with a machine, a pipeline run twice): nothing to send.
                        j.stage = DepositStage::Done;
                        j.draft = record.id.clone();
                        j.concept = record.parent_id().map(str::to_string);
                        j.content = Some(content);
                        j.write(journal)?;
                        report.id = record.id.clone().unwrap_or_default();
                        report.concept = j.concept.clone();
                        report.already_done = true;
                        report.outcome = DepositOutcome::Published(*record);
                        return Ok(report);
                    }
                    Some(Base::Latest(latest)) => {
                        let previous = latest.id.clone().ok_or_else(|| {
                            Error::unexpected(
                                "publishing",
                                "the server returned a record without an id",
                            )
                        })?;
                        j.stage = DepositStage::Creating;
                        j.previous = Some(previous.clone());
                        j.concept = latest.parent_id().map(str::to_string);
                        j.content = Some(content.clone());
                        j.write(journal)?;
                        // The server answers with the concept's new-version draft when one
                        // exists: it is continued, never doubled.
                        let d = self.client.drafts().new_version(&previous).await?;
                        report.created = true;
                        DraftHandle::new(self.client, d)?
                    }
                    None => {
                        let (before, server_now) = self.own_drafts_titled(&spec.draft).await?;
                        j.stage = DepositStage::Creating;
                        j.creating_since = Some(
                            server_now
                                .unwrap_or_else(|| now_secs() - CLOCK_SLACK_SECS)
                                .max(0) as u64,
                        );
                        j.title = title_of(&spec.draft);
                        j.seen_before = before;
                        j.content = Some(content.clone());
                        j.write(journal)?;
                        let mut record = spec.draft.clone();
                        if record.files.is_none() {
                            record.files = Some(if spec.files.is_empty() {
                                Files::disabled()
                            } else {
                                Files::enabled()
                            });
                        }
                        match self.create_draft(&record).await {
                            Ok(h) => {
                                report.created = true;
                                h
                            }
                            Err(e) => {
                                if !e.maybe_applied() {
                                    // Refused or never sent: nothing was made.
                                    j.stage = DepositStage::New;
                                    j.write(journal)?;
                                }
                                return Err(e);
                            }
                        }
                    }
                },
            },
        };
        let id = handle.id().to_string();
        let new_version = j.previous.is_some();
        report.id = id.clone();
        report.previous = j.previous.clone();
        let concept = handle.record().parent_id().map(str::to_string);
        if j.draft.as_deref() != Some(id.as_str())
            || j.stage != DepositStage::Draft
            || j.content.as_deref() != Some(content.as_str())
            || (concept.is_some() && j.concept != concept)
        {
            j.draft = Some(id.clone());
            if matches!(j.stage, DepositStage::New | DepositStage::Creating) {
                j.stage = DepositStage::Draft;
            }
            j.content = Some(content.clone());
            if concept.is_some() {
                j.concept = concept;
            }
            j.write(journal)?;
        }
        report.concept = j.concept.clone();

        // 2. The metadata: a new version takes the release's fields onto the previous
        // version's; a first draft carried on is set to the release's.
        if new_version {
            let previous = handle.record().metadata.clone();
            let mut m = merged_metadata(previous.as_ref(), spec.draft.metadata.as_ref())?;
            if m.publication_date.is_none() {
                // v13 leaves it out of a new version: the release is published today.
                m.publication_date = Some(today());
            }
            *handle.metadata_mut() = m;
            if let Some(a) = &spec.draft.access {
                *handle.access_mut() = a.clone();
            }
            if let Some(c) = &spec.draft.custom_fields {
                handle.custom_fields_mut().extend(c.clone());
            }
            let wants_files = !spec.files.is_empty() || spec.keep_files;
            if handle.record().files.as_ref().and_then(|f| f.enabled) != Some(wants_files) {
                handle.set_files_enabled(wants_files);
            }
            handle.save().await?;
        } else if report.adopted || !report.created {
            self.set_contents(&mut handle, spec).await?;
        }

        // 3. The files: a new version links the previous version's first; what is missing or
        // different is uploaded, what is extra removed.
        let drafts = self.client.drafts();
        let mut present = md5s(&drafts.files(&id).await?);
        let mut imported = BTreeSet::new();
        if new_version
            && present.is_empty()
            && (!spec.files.is_empty() || spec.keep_files)
            && let Some(previous) = &j.previous
            && self
                .client
                .records()
                .files(previous)
                .await?
                .iter()
                .next()
                .is_some()
        {
            present = md5s(&drafts.files_import(&id).await?);
            imported = present.keys().cloned().collect();
        }
        if !spec.files.is_empty() {
            let opts = UploadFilesOptions {
                replace: true,
                ..upload.clone()
            };
            let mut first_error = None;
            // The md5s are known already: the draft's files are compared without reading
            // the local ones again.
            let known: BTreeMap<&Path, &str> = hashed
                .iter()
                .map(|f| (f.path.as_path(), f.md5.as_str()))
                .collect();
            for (key, r) in self
                .upload_files_known(&id, &spec.files, &opts, &known)
                .await?
            {
                match r {
                    Ok(UploadOutcome::Uploaded { verified, .. }) => {
                        if !verified {
                            report.unverified.push(key.clone());
                        }
                        report.uploaded.push(key);
                    }
                    Ok(UploadOutcome::AlreadyThere(_)) if imported.contains(&key) => {
                        report.linked.push(key)
                    }
                    Ok(_) => report.already_there.push(key),
                    Err(e) => {
                        tracing::warn!(key = %key, error = %e, "upload failed");
                        first_error.get_or_insert(e);
                    }
                }
            }
            if let Some(e) = first_error {
                return Err(e);
            }
        }
        let wanted: BTreeSet<&str> = spec.files.iter().map(|(_, k)| k.as_str()).collect();
        for key in present.into_keys() {
            if wanted.contains(key.as_str()) {
                continue;
            }
            if new_version && spec.keep_files {
                if imported.contains(&key) {
                    report.linked.push(key);
                }
                continue;
            }
            drafts.file_delete(&id, &key).await?;
            report.removed.push(key);
        }
        report.linked.sort();
        if spec.require_verified
            && let Some(key) = report.unverified.first()
        {
            return Err(Error::Unverified {
                key: key.clone(),
                id: id.clone(),
            });
        }

        // 4. The DOI, once.
        if spec.reserve_doi && !has_doi(handle.record()) {
            drafts.reserve_doi(&id).await?;
            report.reserved_doi = true;
        }
        // 5. The community (a first version only), then the submission or the publish.
        let community = spec.community.as_ref().filter(|_| !new_version);
        if let Some(community) = community {
            let current = match drafts.review(&id).await {
                Ok(r) => Some(r),
                Err(e) if e.is_not_found() => None,
                Err(e) => return Err(e),
            };
            let set = current.as_ref().is_some_and(|r| {
                r.receiver.as_ref().and_then(|x| x.community.as_deref()) == Some(community)
            });
            if !set {
                drafts.set_review(&id, community).await?;
            }
        }
        let draft_now = drafts.get(&id).await?;
        if !spec.publish {
            report.outcome = DepositOutcome::Draft(draft_now);
            return Ok(report);
        }
        let problems = draft_now.errors.unwrap_or_default();
        if !problems.is_empty() {
            return Err(Error::Invalid {
                message: format!(
                    "draft {id} is not ready to publish; correct the metadata and run the deposit again (it carries on with {id})"
                ),
                errors: problems,
            });
        }
        if community.is_some() {
            j.stage = DepositStage::Submitting;
            j.submitted_to = community.cloned();
            j.write(journal)?;
            let request = drafts.submit_review(&id, &Default::default()).await?;
            report.outcome = DepositOutcome::Submitted {
                draft: self.submitted_document(&id).await?,
                request: Box::new(request),
            };
        } else {
            j.stage = DepositStage::Publishing;
            j.write(journal)?;
            let record = self.publish(&id).await?;
            report.outcome = DepositOutcome::Published(record);
        }
        j.stage = DepositStage::Done;
        if !j.history.contains(&id) {
            j.history.push(id.clone());
        }
        if let Some(c) = report.outcome.record().parent_id() {
            j.concept = Some(c.to_string());
        }
        report.concept = j.concept.clone();
        j.write(journal)?;
        Ok(report)
    }

    /// Sets the draft's metadata (and access and custom fields, when the spec has them) to
    /// the spec's, merged onto the server's draft.
    pub(super) async fn set_contents(
        &self,
        handle: &mut DraftHandle,
        spec: &DepositSpec,
    ) -> Result<()> {
        if let Some(m) = &spec.draft.metadata {
            *handle.metadata_mut() = m.clone();
        }
        if let Some(a) = &spec.draft.access {
            *handle.access_mut() = a.clone();
        }
        if let Some(c) = &spec.draft.custom_fields {
            *handle.custom_fields_mut() = c.clone();
        }
        handle.save().await?;
        Ok(())
    }

    /// The document of a submitted draft, or of the record when the review was accepted.
    pub(super) async fn submitted_document(&self, id: &str) -> Result<Record> {
        match self.draft(id).await? {
            Some(h) => Ok(h.record().clone()),
            None => self.client.records().get(id).await,
        }
    }
}
