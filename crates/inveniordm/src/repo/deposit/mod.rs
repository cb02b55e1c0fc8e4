//! Journaled deposits (described in the documentation of [`crate::repo`]).

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use inveniordm_models::{Files, Metadata, Record, Request, RequestStatus, Results, SearchQuery};
use md5::Digest;
use serde::{Deserialize, Serialize};

use super::{DraftHandle, RepoApi, UploadFilesOptions, UploadOutcome};
use crate::{Error, Result};

/// How far back before the caller's clock a lost create's draft may have been created, when
/// the server's clock could not be read (its `Date` header missing).
const CLOCK_SLACK_SECS: i64 = 600;
/// The server's `Date` is whole seconds, and may come from another machine than the one
/// that stamps `created`: this much earlier still counts.
const SERVER_SLACK_SECS: i64 = 2;
/// How long a lost create's draft is looked for in the search by default.
pub const DEFAULT_ADOPT_WAIT: Duration = Duration::from_secs(30);
/// Own drafts read per search when looking for a lost create's draft.
const OWN_PAGE: u64 = 50;

/// What a deposit makes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum DepositTarget {
    /// A record of its own. A journal whose deposit is over answers the same content with its
    /// record, and refuses other content ([`Error::Usage`]).
    #[default]
    NewRecord,
    /// The next version of this record's concept: a record id (any version), the concept's
    /// id, or a DOI of either (`10.…`, `doi:10.…` or `https://doi.org/10.…`).
    NextVersionOf(String),
    /// The next version of the concept this journal's earlier deposit published; a record of
    /// its own when the journal has none yet (the first release).
    NextVersion,
}

/// What to deposit: the draft to make, its files and what to do once they are there.
#[derive(Debug, Clone, Default)]
pub struct DepositSpec {
    /// The draft: its metadata, and optionally access settings and custom fields. A first
    /// deposit that is carried on sets the draft's metadata (and those, when given) to these;
    /// a new version takes the previous version's metadata and sets on it every field this
    /// metadata gives (what it does not give is kept: identifiers, funding, subjects, …).
    pub draft: Record,
    /// The files, as (local path, key). The draft ends with exactly these (for a new
    /// version, unless [`keep_files`](Self::keep_files)): files it holds under other keys are
    /// removed, and those of a previous version with the same md5 are linked, not sent.
    pub files: Vec<(PathBuf, String)>,
    /// Submit to this community (its id) for review instead of publishing directly. A new
    /// version of a record is published directly: its concept is in its communities already.
    pub community: Option<String>,
    /// Reserve a DOI for the draft (once: a draft that has one keeps it).
    pub reserve_doi: bool,
    /// Publish (or, with a community, submit the review). Without it the deposit stops at
    /// a complete draft, and a later call with it goes on from there.
    pub publish: bool,
    /// A record of its own, or the next version of one.
    pub target: DepositTarget,
    /// For a new version: keep every file of the previous version (linked) and only add or
    /// replace the given ones.
    pub keep_files: bool,
    /// After a create whose answer was lost: the draft it made, when the caller knows it
    /// (the deposit stops and asks for it when it cannot tell on its own).
    pub adopt: Option<String>,
    /// How long to look for a lost create's draft in the search (servers index late);
    /// `None`: [`DEFAULT_ADOPT_WAIT`].
    pub adopt_wait: Option<Duration>,
    /// Stop before publishing when an uploaded file's md5 was not seen equal on the server
    /// ([`Error::Unverified`]); without it such files are listed in
    /// [`DepositReport::unverified`].
    pub require_verified: bool,
}

/// How far a deposit got, as its journal says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DepositStage {
    /// Nothing sent yet.
    #[default]
    New,
    /// A create (or a new version) was sent; its answer may have been lost.
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

/// A local file as the journal remembers it: its md5 is not computed again while its size
/// and modification time stay the same.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct JournalFile {
    /// The key.
    pub key: String,
    /// The local path.
    pub path: PathBuf,
    /// Size in bytes.
    pub size: u64,
    /// Modification time, nanoseconds since the Unix epoch (0 when unknown).
    pub modified_ns: u128,
    /// Hex md5.
    pub md5: String,
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
    /// When the create was sent (Unix seconds, by the server's clock when it told it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub creating_since: Option<u64>,
    /// The title the draft was created with (how a draft whose answer was lost is found).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The caller's unpublished drafts with that title that existed before the create: never
    /// taken for the one it made.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub seen_before: Vec<String>,
    /// The community the draft was submitted to for review (once a submission was sent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submitted_to: Option<String>,
    /// The fingerprint of what is (or was) deposited: metadata, access, custom fields and
    /// each file's key, size and md5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub content: Option<String>,
    /// The concept (parent id) of the records this journal made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub concept: Option<String>,
    /// For a new version: the version it follows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous: Option<String>,
    /// The records this journal published (or submitted), oldest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub history: Vec<String>,
    /// The local files with their md5s, as last hashed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<JournalFile>,
}

impl DepositJournal {
    /// Reads a journal; `None` when there is no file. A file that is not a journal is an
    /// error (it is never overwritten).
    pub fn read(path: &Path) -> Result<Option<Self>> {
        match std::fs::read(path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map(Some).map_err(|e| {
                Error::journal(
                    path,
                    format!("not a deposit journal ({e}); move it away or choose another journal"),
                )
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(Error::io(format!("cannot read {}", path.display()), e)),
        }
    }

    /// Writes the journal whole or not at all.
    pub fn write(&self, path: &Path) -> Result<()> {
        let bytes = serde_json::to_vec_pretty(self)
            .map_err(|e| Error::internal(format!("cannot write the deposit journal: {e}")))?;
        crate::transfer::write_whole(path, &bytes)
    }

    /// The journal of the next release of the same concept: what this one published is
    /// remembered, the rest starts afresh.
    fn next_cycle(&self) -> Self {
        DepositJournal {
            server: self.server.clone(),
            concept: self.concept.clone(),
            history: self.history.clone(),
            files: self.files.clone(),
            ..DepositJournal::default()
        }
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
    /// The concept (parent id) of the record, when known.
    pub concept: Option<String>,
    /// For a new version: the version it follows.
    pub previous: Option<String>,
    /// A draft was created by this call (rather than carried on from the journal).
    pub created: bool,
    /// The draft was found among the caller's own after a create whose answer was lost
    /// (or named with [`DepositSpec::adopt`]).
    pub adopted: bool,
    /// The deposit was already over when called: nothing was sent.
    pub already_done: bool,
    /// Keys uploaded by this call.
    pub uploaded: Vec<String>,
    /// Keys uploaded whose md5 the server had not reported when the upload ended: the bytes
    /// arrived, but no one compared them (a subset of `uploaded`).
    pub unverified: Vec<String>,
    /// Keys the draft already held with the same content, sent by an earlier run.
    pub already_there: Vec<String>,
    /// Keys linked from the previous version with the same md5 (nothing sent).
    pub linked: Vec<String>,
    /// Keys removed from the draft (not among the files).
    pub removed: Vec<String>,
    /// A DOI was reserved by this call.
    pub reserved_doi: bool,
}

impl DepositReport {
    fn new() -> Self {
        DepositReport {
            outcome: DepositOutcome::Draft(Record::default()),
            id: String::new(),
            concept: None,
            previous: None,
            created: false,
            adopted: false,
            already_done: false,
            uploaded: Vec::new(),
            unverified: Vec::new(),
            already_there: Vec::new(),
            linked: Vec::new(),
            removed: Vec::new(),
            reserved_doi: false,
        }
    }
}

/// What happens to one file in a [`DepositPlan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum FileStep {
    /// Sent: the draft (or the previous version) has no file under this key.
    Upload,
    /// Sent: the draft (or the previous version) holds other content under this key.
    Replace,
    /// Nothing to send: the draft holds it already.
    Keep,
    /// Nothing to send: linked from the previous version (same md5).
    Link,
}

impl FileStep {
    /// The step as one word (`upload`, `replace`, `keep`, `link`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Upload => "upload",
            Self::Replace => "replace",
            Self::Keep => "keep",
            Self::Link => "link",
        }
    }
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
    /// What happens to it.
    pub action: FileStep,
}

/// How a deposit ends, in a [`DepositPlan`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
#[non_exhaustive]
pub enum Finish {
    /// Published.
    Publish,
    /// Submitted for review.
    SubmitReview,
    /// Left as a draft (not asked to publish), or nothing to do.
    None,
}

/// What a deposit would do, from its journal and the server's state; nothing is changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DepositPlan {
    /// How far the journal says the deposit got.
    pub stage: DepositStage,
    /// The draft the deposit would carry on, or the record it made when it is over with
    /// this content (`None`: a draft would be created).
    pub draft: Option<String>,
    /// The deposit is over with this very content: nothing would be sent.
    pub already_done: bool,
    /// For a new version: the version it would follow.
    pub new_version_of: Option<String>,
    /// Why the deposit would be refused (nothing would be sent), when it would.
    pub refused: Option<String>,
    /// The files and what would happen to each.
    pub files: Vec<PlannedFile>,
    /// Keys the draft (or the previous version) holds that would be removed or left out.
    pub remove: Vec<String>,
    /// A DOI would be reserved.
    pub reserve_doi: bool,
    /// The last step.
    pub finish: Finish,
}

mod adopt;
mod content;
mod plan;
mod resume;
mod run;

use content::*;
use inveniordm_models::validate::sanitized;

fn has_doi(r: &Record) -> bool {
    r.pids.as_ref().is_some_and(|p| p.contains_key("doi"))
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
    fn titles_compare_as_the_server_stores_them() {
        assert_eq!(sanitized("  Ocean\n"), "Ocean");
        assert_eq!(sanitized("Oce\u{200b}an"), "Ocean");
        assert_ne!(sanitized("Ocean 2"), "Ocean");
    }

    #[test]
    fn dois_are_recognised_in_the_forms_people_write() {
        assert_eq!(bare_doi("10.5281/zenodo.1"), Some("10.5281/zenodo.1"));
        assert_eq!(
            bare_doi("https://doi.org/10.5281/zenodo.1"),
            Some("10.5281/zenodo.1")
        );
        assert_eq!(bare_doi("doi:10.5281/zenodo.1"), Some("10.5281/zenodo.1"));
        assert_eq!(bare_doi("abcde-12345"), None);
    }

    #[test]
    fn a_new_version_keeps_what_the_release_does_not_say() {
        let previous: Metadata = serde_json::from_value(serde_json::json!({
            "title": "Tool", "version": "1.0", "funding": [{"funder": {"id": "00k4n6c32"}}],
            "subjects": [{"subject": "ocean"}]
        }))
        .expect("metadata");
        let release: Metadata =
            serde_json::from_value(serde_json::json!({"title": "Tool", "version": "1.1", "publication_date": "2026-12-06"}))
                .expect("metadata");
        let m = merged_metadata(Some(&previous), Some(&release)).expect("merged");
        assert_eq!(m.version.as_deref(), Some("1.1"));
        assert_eq!(m.publication_date.as_deref(), Some("2026-12-06"));
        assert!(m.funding.is_some() && m.subjects.is_some());
    }

    #[test]
    fn the_fingerprint_follows_the_content_not_the_paths() {
        let file = |p: &str, md5: &str| JournalFile {
            key: "a.txt".into(),
            path: p.into(),
            size: 1,
            modified_ns: 1,
            md5: md5.into(),
        };
        let spec = DepositSpec::default();
        let a = fingerprint(&spec, &[file("/x/a.txt", "aa")]);
        assert_eq!(a, fingerprint(&spec, &[file("/y/a.txt", "aa")]));
        assert_ne!(a, fingerprint(&spec, &[file("/x/a.txt", "bb")]));
        let mut other = DepositSpec::default();
        other.draft.metadata = Some(Metadata {
            version: Some("2".into()),
            ..Metadata::default()
        });
        assert_ne!(a, fingerprint(&other, &[file("/x/a.txt", "aa")]));
    }

    #[tokio::test]
    async fn files_are_hashed_unless_the_journal_knows_them_unchanged() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("a.txt");
        std::fs::write(&p, b"alpha").expect("write");
        let files = vec![(p.clone(), "data/a.txt".to_string())];
        let first = hash_files(&files, &[]).await.expect("hashed");
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].key, "data/a.txt");
        assert_eq!(first[0].size, 5);
        assert_eq!(first[0].md5, "2c1743a391305fbf367df8e4f069f9f9");
        assert_ne!(first[0].modified_ns, 0);
        // Known with the same size and time: the journal's md5 is taken (here a marker).
        let mut known = first.clone();
        known[0].md5 = "from-the-journal".into();
        assert_eq!(
            hash_files(&files, &known).await.expect("cached")[0].md5,
            "from-the-journal"
        );
        // Any of path, size or time differing: hashed again.
        for change in 0..3 {
            let mut k = first.clone();
            k[0].md5 = "stale".into();
            match change {
                0 => k[0].path = dir.path().join("b.txt"),
                1 => k[0].size += 1,
                _ => k[0].modified_ns += 1,
            }
            assert_eq!(
                hash_files(&files, &k).await.expect("hashed")[0].md5,
                "2c1743a391305fbf367df8e4f069f9f9",
                "change {change}"
            );
        }
        assert!(
            hash_files(&[(dir.path().to_path_buf(), "x".into())], &[])
                .await
                .is_err()
        );
        // Rewritten with other bytes of the same size (a new build of a release): its time
        // moved, so it is hashed again rather than taken from the journal.
        std::fs::write(&p, b"omega").expect("write");
        let later = std::time::SystemTime::now() + std::time::Duration::from_secs(60);
        std::fs::File::options()
            .write(true)
            .open(&p)
            .and_then(|f| f.set_modified(later))
            .expect("time");
        let omega = {
            use md5::Digest;
            crate::transfer::hex(&md5::Md5::digest(b"omega"))
        };
        assert_eq!(
            hash_files(&files, &first).await.expect("hashed")[0].md5,
            omega
        );
    }

    #[test]
    fn a_records_files_are_the_releases_by_key_and_md5() {
        let local = |k: &str, m: &str| JournalFile {
            key: k.into(),
            path: k.into(),
            size: 1,
            modified_ns: 1,
            md5: m.into(),
        };
        let mut files = inveniordm_models::Files::default();
        let mut entries = serde_json::Map::new();
        for (k, m) in [("a", "aa"), ("b", "bb")] {
            entries.insert(
                k.into(),
                serde_json::json!({"key": k, "checksum": format!("md5:{m}")}),
            );
        }
        files = serde_json::from_value(serde_json::json!({"entries": entries})).unwrap_or(files);
        let record = md5s(&files);
        assert_eq!(record.len(), 2);
        assert_eq!(record["a"].as_deref(), Some("aa"));
        let both = [local("a", "aa"), local("b", "bb")];
        assert!(same_files(&record, &both, false));
        assert!(!same_files(
            &record,
            &[local("a", "aa"), local("b", "xx")],
            false
        ));
        assert!(
            !same_files(&record, &[local("a", "aa")], false),
            "b would be gone"
        );
        assert!(
            same_files(&record, &[local("a", "aa")], true),
            "kept files may stay"
        );
        assert!(!same_files(&record, &[local("c", "cc")], true));
    }

    #[test]
    fn titles_dates_and_non_dois() {
        let r: Record = serde_json::from_value(serde_json::json!({"metadata": {"title": "T"}}))
            .expect("record");
        assert_eq!(title_of(&r).as_deref(), Some("T"));
        assert_eq!(title_of(&Record::default()), None);
        assert_eq!(today().len(), 10);
        assert!(today().starts_with("20"));
        assert_eq!(bare_doi("10.1234"), None, "a DOI has a suffix");
        assert_eq!(bare_doi("x10.1/y"), None);
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
            concept: Some("c0ncp-t0000".into()),
            ..DepositJournal::default()
        };
        j.write(&p).expect("write");
        assert_eq!(DepositJournal::read(&p).expect("read"), Some(j));
        std::fs::write(&p, b"[1, 2]").expect("write");
        let e = DepositJournal::read(&p).expect_err("refused");
        assert!(
            matches!(&e, Error::Journal { path, .. } if path == &p),
            "{e}"
        );
        assert!(e.to_string().contains("not a deposit journal"), "{e}");
    }
}
