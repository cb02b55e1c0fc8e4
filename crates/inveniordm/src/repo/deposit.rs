//! A journaled deposit: from nothing to a published record (or a submitted review), in steps
//! that can be interrupted at any point and carried on by making the same call again.
//!
//! The journal is a small JSON file that says how far the deposit got: the draft it made,
//! and whether a publish or a submission was sent. It is written before each step that
//! changes the server, whole or not at all, so that a process killed at any moment leaves
//! a journal from which the next run can tell what happened:
//!
//! - killed while the draft was being created (the answer lost), the next run finds the
//!   draft among the caller's own (same title, unpublished, created after the journal was
//!   begun) and carries on with it rather than make a second one;
//! - killed mid-upload, the next run uploads only the files the draft does not hold with the
//!   same md5 (a multipart upload with a journal of its own goes on from its last part);
//! - killed while a publish (or a submission) was on its way, the next run looks at the
//!   server first: a record that is published is the result, never published twice.

use std::path::{Path, PathBuf};

use inveniordm_models::{FileEntry, Files, RecordQuery, Request, RequestStatus};
use serde::{Deserialize, Serialize};

use super::{DraftHandle, RepoApi, UploadFilesOptions, UploadOutcome, md5_file};
use crate::{Error, Result};
use inveniordm_models::Record;

/// How long before the journal's start a draft found by the search may have been created
/// (the server's clock may be behind the caller's).
const CLOCK_SLACK_SECS: u64 = 600;

/// What to deposit: the draft to make, its files and what to do once they are there.
#[derive(Debug, Clone, Default)]
pub struct DepositSpec {
    /// The draft: its metadata, and optionally access settings and custom fields. A deposit
    /// that is carried on sets the draft's metadata (and those, when given) to these.
    pub draft: Record,
    /// The files, as (local path, key). The draft ends with exactly these: files it holds
    /// under other keys are removed.
    pub files: Vec<(PathBuf, String)>,
    /// Submit to this community (its id) for review instead of publishing directly.
    pub community: Option<String>,
    /// Reserve a DOI for the draft (once: a draft that has one keeps it).
    pub reserve_doi: bool,
    /// Publish (or, with a community, submit the review). Without it the deposit stops at
    /// a complete draft, and a later call with it goes on from there.
    pub publish: bool,
}

/// How far a deposit got, as its journal says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DepositStage {
    /// Nothing sent yet.
    #[default]
    New,
    /// A create was sent; its answer may have been lost.
    Creating,
    /// The draft exists (its id is in the journal).
    Draft,
    /// A publish was sent; its answer may have been lost.
    Publishing,
    /// A submission for review was sent; its answer may have been lost.
    Submitting,
    /// Published, or submitted for review: the deposit is over.
    Done,
}

/// The journal of a deposit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepositJournal {
    /// The API the deposit goes to (a journal is never carried over to another server).
    pub server: String,
    /// How far it got.
    pub stage: DepositStage,
    /// The draft's id, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub draft: Option<String>,
    /// When the create was sent (Unix seconds, the caller's clock).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creating_since: Option<u64>,
    /// The title the draft was created with (how a draft whose answer was lost is found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The community the draft was submitted to for review (once a submission was sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_to: Option<String>,
}

impl DepositJournal {
    /// Reads a journal; `None` when there is no file. A file that is not a journal is an
    /// error (it is never overwritten).
    pub fn read(path: &Path) -> Result<Option<Self>> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                Error::InvalidArgument(format!(
                    "{} is not a deposit journal ({e}); move it away or choose another journal",
                    path.display()
                ))
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(format!("cannot read {}", path.display()), e)),
        }
    }

    /// Writes the journal whole or not at all.
    pub fn write(&self, path: &Path) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|e| {
            Error::InvalidArgument(format!("cannot write the deposit journal: {e}"))
        })?;
        crate::transfer::write_whole(path, &bytes)
    }
}

/// What a deposit ended with.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum DepositOutcome {
    /// The published record.
    Published(Record),
    /// Submitted for review: the draft, and the request (which may have been accepted at
    /// once where the caller may publish in the community).
    Submitted {
        /// The draft as it was submitted (or the record, when accepted at once).
        draft: Record,
        /// The review request.
        request: Box<Request>,
    },
    /// A complete draft, not published (the deposit was not asked to publish).
    Draft(Record),
}

impl DepositOutcome {
    /// The record or draft document the deposit ended with.
    pub fn record(&self) -> &Record {
        match self {
            Self::Published(r) | Self::Draft(r) | Self::Submitted { draft: r, .. } => r,
        }
    }
}

/// What a deposit did, step by step.
#[derive(Debug, Clone, PartialEq)]
pub struct DepositReport {
    /// The result.
    pub outcome: DepositOutcome,
    /// The draft's id.
    pub id: String,
    /// A draft was created by this call (rather than carried on from the journal).
    pub created: bool,
    /// The draft was found among the caller's own after a create whose answer was lost.
    pub adopted: bool,
    /// The deposit was already over when called: nothing was sent.
    pub already_done: bool,
    /// Keys uploaded by this call.
    pub uploaded: Vec<String>,
    /// Keys the draft already held with the same content.
    pub already_there: Vec<String>,
    /// Keys removed from the draft (not among the files).
    pub removed: Vec<String>,
    /// A DOI was reserved by this call.
    pub reserved_doi: bool,
}

/// One file of a [`DepositPlan`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlannedFile {
    /// The key.
    pub key: String,
    /// The local path.
    pub path: PathBuf,
    /// Its size in bytes.
    pub size: u64,
    /// `upload`, `replace` (the draft holds other content under the key) or `keep` (the
    /// draft holds it already).
    pub action: &'static str,
}

/// What a deposit would do, from its journal and the server's state; nothing is changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepositPlan {
    /// How far the journal says the deposit got.
    pub stage: DepositStage,
    /// The draft the deposit would carry on (`None`: a draft would be created).
    pub draft: Option<String>,
    /// The files and what would happen to each.
    pub files: Vec<PlannedFile>,
    /// Keys the draft holds that would be removed.
    pub remove: Vec<String>,
    /// A DOI would be reserved.
    pub reserve_doi: bool,
    /// The last step: `publish`, `submit-review`, or `none` (a draft is left).
    pub finish: &'static str,
}

fn now_secs() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Unix seconds of an ISO 8601 timestamp as the server writes it
/// (`2026-12-03T17:30:00.123456+00:00`); the offset is applied, fractions dropped.
fn unix_secs(ts: &str) -> Option<u64> {
    let num = |s: &str| s.parse::<i64>().ok();
    let (date, rest) = ts.split_once('T')?;
    let mut d = date.splitn(3, '-');
    let (y, m, day) = (num(d.next()?)?, num(d.next()?)?, num(d.next()?)?);
    let (h, mi, s) = (
        num(rest.get(0..2)?)?,
        num(rest.get(3..5)?)?,
        num(rest.get(6..8)?)?,
    );
    let tail = &rest[8..];
    let tail = tail.trim_start_matches(|c: char| c == '.' || c.is_ascii_digit());
    let offset = match tail.as_bytes().first() {
        None | Some(b'Z') => 0,
        Some(b'+' | b'-') => {
            let sign = if tail.starts_with('-') { -1 } else { 1 };
            sign * (num(tail.get(1..3)?)? * 3600 + num(tail.get(4..6)?)? * 60)
        }
        _ => return None,
    };
    // Days from civil (proleptic Gregorian).
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    u64::try_from(days * 86_400 + h * 3600 + mi * 60 + s - offset).ok()
}

fn title_of(r: &Record) -> Option<String> {
    r.metadata.as_ref().and_then(|m| m.title.clone())
}

impl<'a> RepoApi<'a> {
    /// Deposits `spec`, journaled in `journal` (see the [module](self) on what a run that
    /// was interrupted does). Upload options (progress, parallel files, multipart) come
    /// from `upload`; files are always replaced when the draft holds other content.
    ///
    /// Fails without publishing when the server reports validation problems (they are in
    /// the error); the journal keeps the draft, so a corrected `spec` carries it on.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use inveniordm::models::{Creator, Metadata, Record, VocabRef};
    /// use inveniordm::repo::{DepositOutcome, DepositSpec, UploadFilesOptions};
    /// # let sandbox = inveniordm_sandbox::Sandbox::start(Default::default()).await?;
    /// # let client = inveniordm::Client::new(sandbox.url(), Some(sandbox.token()))?;
    /// # let dir = tempfile::tempdir()?;
    /// # std::fs::write(dir.path().join("data.csv"), "t,temp\n0,4.1\n")?;
    /// let mut m = Metadata::default();
    /// m.title = Some("Ocean temperature".into());
    /// m.resource_type = Some(VocabRef::id("dataset"));
    /// m.publication_date = Some("2026-12-03".into());
    /// m.creators = Some(vec![Creator::person("Lovelace", "Ada")]);
    /// let spec = DepositSpec {
    ///     draft: Record { metadata: Some(m), ..Default::default() },
    ///     files: vec![(dir.path().join("data.csv"), "data.csv".into())],
    ///     publish: true,
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
        let mut report = DepositReport {
            outcome: DepositOutcome::Draft(Record::default()),
            id: String::new(),
            created: false,
            adopted: false,
            already_done: false,
            uploaded: Vec::new(),
            already_there: Vec::new(),
            removed: Vec::new(),
            reserved_doi: false,
        };
        // 1. The draft: carried on, found after a lost answer, or created.
        let draft = match self.resume(&j).await? {
            Resume::Over { outcome, already } => {
                if !already {
                    // The publish or submission happened; its answer was lost.
                    j.stage = DepositStage::Done;
                    j.write(journal)?;
                }
                report.id = j.draft.clone().unwrap_or_default();
                report.outcome = *outcome;
                report.already_done = already;
                return Ok(report);
            }
            Resume::Draft { handle, adopted } => {
                report.adopted = adopted;
                let mut handle = *handle;
                if adopted || j.stage != DepositStage::New {
                    self.set_contents(&mut handle, spec).await?;
                }
                handle
            }
            Resume::Create => {
                j.stage = DepositStage::Creating;
                j.creating_since = Some(now_secs());
                j.title = title_of(&spec.draft);
                j.write(journal)?;
                let mut record = spec.draft.clone();
                if record.files.is_none() {
                    record.files = Some(if spec.files.is_empty() {
                        Files::disabled()
                    } else {
                        Files::enabled()
                    });
                }
                let handle = self.create_draft(&record).await?;
                report.created = true;
                handle
            }
        };
        let id = draft.id().to_string();
        report.id = id.clone();
        if j.draft.as_deref() != Some(id.as_str()) || j.stage == DepositStage::Creating {
            j.draft = Some(id.clone());
            j.stage = DepositStage::Draft;
            j.write(journal)?;
        }
        // 2. The files: what is missing or different is uploaded, what is extra removed.
        if !spec.files.is_empty() {
            let opts = UploadFilesOptions {
                replace: true,
                ..upload.clone()
            };
            let mut first_error = None;
            for (key, r) in self.upload_files(&id, &spec.files, &opts).await? {
                match r {
                    Ok(UploadOutcome::Uploaded(_)) => report.uploaded.push(key),
                    Ok(UploadOutcome::AlreadyThere(_)) => report.already_there.push(key),
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
        let wanted: std::collections::BTreeSet<&str> =
            spec.files.iter().map(|(_, k)| k.as_str()).collect();
        for key in draft.files().await?.into_keys() {
            if !wanted.contains(key.as_str()) {
                self.client.drafts().file_delete(&id, &key).await?;
                report.removed.push(key);
            }
        }
        // 3. The DOI, once.
        if spec.reserve_doi && !has_doi(draft.record()) {
            self.client.drafts().reserve_doi(&id).await?;
            report.reserved_doi = true;
        }
        // 4. The community, then the submission or the publish.
        if let Some(community) = &spec.community {
            let current = match self.client.drafts().review(&id).await {
                Ok(r) => Some(r),
                Err(e) if e.is_not_found() => None,
                Err(e) => return Err(e),
            };
            let set = current.as_ref().is_some_and(|r| {
                r.receiver.as_ref().and_then(|x| x.community.as_deref()) == Some(community)
            });
            if !set {
                self.client.drafts().set_review(&id, community).await?;
            }
        }
        let problems = self
            .client
            .drafts()
            .get(&id)
            .await?
            .errors
            .unwrap_or_default();
        if !spec.publish {
            report.outcome = DepositOutcome::Draft(self.client.drafts().get(&id).await?);
            return Ok(report);
        }
        if !problems.is_empty() {
            return Err(Error::InvalidArgument(format!(
                "draft {id} is not ready to publish: {}; correct the metadata and run the deposit again (it carries on with {id})",
                problems
                    .iter()
                    .map(|p| format!("{}: {}", p.field_name(), p.message_text()))
                    .collect::<Vec<_>>()
                    .join("; ")
            )));
        }
        if spec.community.is_some() {
            j.stage = DepositStage::Submitting;
            j.submitted_to = spec.community.clone();
            j.write(journal)?;
            let request = self.client.drafts().submit_review(&id, None, false).await?;
            j.stage = DepositStage::Done;
            j.write(journal)?;
            report.outcome = DepositOutcome::Submitted {
                draft: self.submitted_document(&id).await?,
                request: Box::new(request),
            };
        } else {
            j.stage = DepositStage::Publishing;
            j.write(journal)?;
            let record = self.publish(&id).await?;
            j.stage = DepositStage::Done;
            j.write(journal)?;
            report.outcome = DepositOutcome::Published(record);
        }
        Ok(report)
    }

    /// What [`deposit`](Self::deposit) would do now; nothing on the server is changed and
    /// the journal is not written. Local files are hashed to compare them with the draft's.
    pub async fn deposit_plan(&self, spec: &DepositSpec, journal: &Path) -> Result<DepositPlan> {
        let server = self.client.api_url().to_string();
        let j = self.journal_for(journal, &server)?;
        let mut plan = DepositPlan {
            stage: j.stage,
            draft: None,
            files: Vec::new(),
            remove: Vec::new(),
            reserve_doi: spec.reserve_doi,
            finish: match (spec.publish, spec.community.is_some()) {
                (false, _) => "none",
                (true, false) => "publish",
                (true, true) => "submit-review",
            },
        };
        if j.stage == DepositStage::Done {
            plan.draft = j.draft.clone();
            plan.finish = "none";
            plan.reserve_doi = false;
            return Ok(plan);
        }
        let existing: std::collections::BTreeMap<String, FileEntry> = match &j.draft {
            Some(id) => match self.draft(id).await? {
                Some(h) => {
                    plan.draft = Some(id.clone());
                    plan.reserve_doi = spec.reserve_doi && !has_doi(h.record());
                    h.files().await?
                }
                None => Default::default(),
            },
            None => Default::default(),
        };
        for (path, key) in &spec.files {
            let size = tokio::fs::metadata(path)
                .await
                .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?
                .len();
            let action = match existing.get(key) {
                None => "upload",
                Some(e)
                    if e.is_completed()
                        && e.size == Some(size)
                        && e.md5().map(str::to_ascii_lowercase) == Some(md5_file(path).await?) =>
                {
                    "keep"
                }
                Some(_) => "replace",
            };
            plan.files.push(PlannedFile {
                key: key.clone(),
                path: path.clone(),
                size,
                action,
            });
        }
        plan.remove = existing
            .into_keys()
            .filter(|k| !spec.files.iter().any(|(_, key)| key == k))
            .collect();
        Ok(plan)
    }

    fn journal_for(&self, journal: &Path, server: &str) -> Result<DepositJournal> {
        match DepositJournal::read(journal)? {
            Some(j) if j.server != server => Err(Error::InvalidArgument(format!(
                "the journal {} belongs to a deposit on {}, not {server}; choose another journal",
                journal.display(),
                j.server
            ))),
            Some(j) => Ok(j),
            None => Ok(DepositJournal {
                server: server.to_string(),
                ..DepositJournal::default()
            }),
        }
    }

    /// Where a journaled deposit stands on the server.
    async fn resume(&self, j: &DepositJournal) -> Result<Resume<'a>> {
        let Some(id) = j.draft.as_deref() else {
            if j.stage == DepositStage::Creating
                && let Some(handle) = self.find_created(j).await?
            {
                return Ok(Resume::Draft {
                    handle: Box::new(handle),
                    adopted: true,
                });
            }
            return Ok(Resume::Create);
        };
        if j.stage == DepositStage::Done {
            // Published, or submitted and waiting for (or declined by) the community.
            let outcome = match self.record(id).await? {
                Some(r) => DepositOutcome::Published(r.record().clone()),
                None => match self.draft(id).await? {
                    Some(h) => DepositOutcome::Submitted {
                        draft: h.record().clone(),
                        request: Box::new(
                            self.client.drafts().review(id).await.unwrap_or_default(),
                        ),
                    },
                    None => {
                        return Err(Error::InvalidArgument(format!(
                            "the deposit {id} of this journal is over, but neither its record nor its draft is there any more; remove the journal to deposit anew"
                        )));
                    }
                },
            };
            return Ok(Resume::Over {
                outcome: Box::new(outcome),
                already: true,
            });
        }
        if let Some(handle) = self.draft(id).await? {
            if j.stage == DepositStage::Submitting
                && let Ok(request) = self.client.drafts().review(id).await
                && request
                    .status
                    .as_ref()
                    .is_some_and(|s| *s != RequestStatus::Created)
            {
                return Ok(Resume::Over {
                    outcome: Box::new(DepositOutcome::Submitted {
                        draft: handle.record().clone(),
                        request: Box::new(request),
                    }),
                    already: false,
                });
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
                already: false,
            });
        }
        Err(Error::InvalidArgument(format!(
            "the draft {id} this deposit made is gone (discarded?) and was never published; remove the journal to deposit anew"
        )))
    }

    /// The draft a create whose answer was lost made: the caller's newest unpublished
    /// draft with the journal's title, created since the journal was begun.
    async fn find_created(&self, j: &DepositJournal) -> Result<Option<DraftHandle<'a>>> {
        let since = j
            .creating_since
            .unwrap_or(0)
            .saturating_sub(CLOCK_SLACK_SECS);
        let query = RecordQuery::new("").sort("newest").size(25);
        let page = self.client.query().user_records(&query).await?;
        let found: Vec<&Record> = page
            .hits
            .hits
            .iter()
            .filter(|r| r.is_published == Some(false))
            .filter(|r| title_of(r) == j.title)
            .filter(|r| {
                r.created
                    .as_deref()
                    .and_then(unix_secs)
                    .is_some_and(|t| t >= since)
            })
            .collect();
        match found.as_slice() {
            [] => Ok(None),
            [one] => {
                let id = one.id.clone().unwrap_or_default();
                tracing::info!(id = %id, "found the draft a lost create made");
                self.draft(&id).await
            }
            many => Err(Error::InvalidArgument(format!(
                "the journal's create may have made any of {} drafts titled {:?} ({}); write the right id into the journal's \"draft\" or discard the others",
                many.len(),
                j.title.as_deref().unwrap_or(""),
                many.iter()
                    .filter_map(|r| r.id.as_deref())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
        }
    }

    /// Sets the draft's metadata (and access and custom fields, when the spec has them) to
    /// the spec's, merged onto the server's draft.
    async fn set_contents(&self, handle: &mut DraftHandle<'a>, spec: &DepositSpec) -> Result<()> {
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
    async fn submitted_document(&self, id: &str) -> Result<Record> {
        match self.draft(id).await? {
            Some(h) => Ok(h.record().clone()),
            None => self.client.records().get(id).await,
        }
    }
}

fn has_doi(r: &Record) -> bool {
    r.pids.as_ref().is_some_and(|p| p.contains_key("doi"))
}

enum Resume<'a> {
    /// Over: published or submitted (`already`: the journal said so; otherwise the answer
    /// of the last step was lost and the server shows it happened).
    Over {
        outcome: Box<DepositOutcome>,
        already: bool,
    },
    /// Carry on with this draft.
    Draft {
        handle: Box<DraftHandle<'a>>,
        adopted: bool,
    },
    /// Make the draft.
    Create,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn server_timestamps_to_unix_seconds() {
        assert_eq!(unix_secs("1970-01-01T00:00:00+00:00"), Some(0));
        assert_eq!(
            unix_secs("2026-12-03T17:30:00.123456+00:00"),
            Some(1_796_319_000)
        );
        assert_eq!(unix_secs("2026-12-03T18:30:00+01:00"), Some(1_796_319_000));
        assert_eq!(unix_secs("2024-02-29T00:00:00Z"), Some(1_709_164_800));
        assert_eq!(unix_secs("yesterday"), None);
    }

    #[test]
    fn a_journal_is_read_back_and_a_foreign_file_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("j.json");
        assert_eq!(DepositJournal::read(&p).expect("read"), None);
        let j = DepositJournal {
            server: "http://127.0.0.1:1/api".into(),
            stage: DepositStage::Publishing,
            draft: Some("abcde-12345".into()),
            creating_since: Some(5),
            title: Some("T".into()),
            submitted_to: None,
        };
        j.write(&p).expect("write");
        assert_eq!(DepositJournal::read(&p).expect("read"), Some(j));
        std::fs::write(&p, b"[1, 2]").expect("write");
        let e = DepositJournal::read(&p).expect_err("refused").to_string();
        assert!(e.contains("is not a deposit journal"), "{e}");
    }
}
