//! `irdm deposit`: metadata and files to a published record (or a submitted review), journaled.

use crate::output;
use crate::progress::ProgressMode;
use crate::progress::{FolderRules, collect};
use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use inveniordm::Client;
use inveniordm::models::Record;
use inveniordm::repo::{DepositOutcome, DepositSpec, DepositTarget, Finish, UploadFilesOptions};
use std::path::{Path, PathBuf};

/// `irdm deposit`.
#[derive(Debug, Args)]
#[command(
    group(clap::ArgGroup::new("source").args(["metadata", "cff", "codemeta", "zenodo"]).required(true)),
    after_help = "\
The deposit is journaled: killed or failed at any point, the same command run again carries on
with the same draft, uploads only what the draft does not hold with the same md5, and never
makes a second draft or a second publication. The journal is kept per server, metadata file,
paths and --new-version-of (or where --journal says), and records what was deposited: run again
with the same content it prints its record and sends nothing; with other content (a new
release) it makes the next version with --new-version (or --new-version-of), and is refused
otherwise (exit 2). A new version links the previous version's unchanged files and sets the
release's metadata on the previous version's. --dry-run lists what would be sent and every
problem the server would report (exit 3 when there are problems). See docs/release-pipelines.md.")]
pub struct DepositArgs {
    /// Files and folders to deposit (a folder's files get keys relative to it; none: a
    /// metadata-only record).
    pub paths: Vec<PathBuf>,
    /// The metadata (JSON or YAML: a metadata object, or a draft with metadata, access, …).
    #[arg(long, value_name = "FILE")]
    pub metadata: Option<PathBuf>,
    /// Metadata from a CITATION.cff (keys not carried over are listed on stderr).
    #[arg(long, value_name = "CITATION.cff")]
    pub cff: Option<PathBuf>,
    /// Metadata from a codemeta.json (keys not carried over are listed on stderr).
    #[arg(long, value_name = "codemeta.json")]
    pub codemeta: Option<PathBuf>,
    /// Metadata from a .zenodo.json (Zenodo's legacy deposit metadata, as its GitHub
    /// integration reads it; keys not carried over are listed on stderr).
    #[arg(long, value_name = ".zenodo.json")]
    pub zenodo: Option<PathBuf>,
    /// Deposit as the next version of this record: its id (any version), its concept's id
    /// or a DOI. Files are reconciled with the previous version's by md5 (unchanged ones
    /// linked, not sent); the metadata given is set on the previous version's, the rest kept.
    #[arg(long, value_name = "ID_OR_DOI", conflicts_with = "new_version")]
    pub new_version_of: Option<String>,
    /// Once this journal's first deposit is published, deposit each later release (other
    /// metadata or files) as its next version.
    #[arg(long)]
    pub new_version: bool,
    /// With a new version: keep every file of the previous version and only add or replace
    /// the given ones.
    #[arg(long)]
    pub keep_files: bool,
    /// After an interrupted create that could have made more than one of your drafts: the
    /// draft to carry on.
    #[arg(long, value_name = "DRAFT_ID")]
    pub adopt: Option<String>,
    /// How long to look for the draft an interrupted create made (servers index new drafts
    /// with a delay), in seconds.
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub adopt_wait: u64,
    /// Fail (exit 6) before publishing when the server has not reported the md5 of an
    /// uploaded file.
    #[arg(long)]
    pub require_verified: bool,
    /// How long to wait for the md5 the server computes after a multipart commit, in
    /// seconds (default: 30, and 1 more per 64 MiB of the file).
    #[arg(long, value_name = "SECS")]
    pub checksum_wait: Option<u64>,
    /// Submit to this community (id or slug) for review; with --publish the review is
    /// submitted instead of publishing directly.
    #[arg(long, value_name = "ID_OR_SLUG")]
    pub community: Option<String>,
    /// Reserve a DOI for the record.
    #[arg(long)]
    pub reserve_doi: bool,
    /// Publish at the end (or submit the review, with --community).
    #[arg(long)]
    pub publish: bool,
    /// Print what would be done (the metadata, each file's upload or keep) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// The journal file (default: in the state folder, per server and input).
    #[arg(long, value_name = "FILE")]
    pub journal: Option<PathBuf>,
    /// Read hidden files and folders in folders too.
    #[arg(long)]
    pub include_hidden: bool,
    /// Leave out paths matching a glob (gitignore syntax; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// Parallel uploads.
    #[arg(long, short, default_value_t = inveniordm::transfer::DEFAULT_JOBS)]
    pub jobs: std::num::NonZeroUsize,
}

/// The draft to deposit, from whichever metadata source was given.
pub(crate) fn draft_of(a: &DepositArgs, quiet: bool) -> Result<(Record, PathBuf)> {
    use inveniordm::repo::citation::{self, read_cff, read_structured};
    let (from, source) = match (&a.metadata, &a.cff, &a.codemeta, &a.zenodo) {
        (Some(m), _, _, _) => {
            let src = m.to_string_lossy();
            return Ok((super::draft::read_draft(&src)?, m.clone()));
        }
        (None, Some(cff), _, _) => (
            citation::from_cff(&read_cff(cff)?)
                .with_context(|| format!("{} cannot be used", cff.display()))?,
            cff,
        ),
        (None, None, Some(cm), _) => (
            citation::from_codemeta(&read_structured(cm)?)
                .with_context(|| format!("{} cannot be used", cm.display()))?,
            cm,
        ),
        (None, None, None, Some(z)) => (
            citation::from_zenodo_json(&read_structured(z)?)
                .with_context(|| format!("{} cannot be used", z.display()))?,
            z,
        ),
        (None, None, None, None) => {
            bail!(
                "give the metadata: --metadata FILE, --cff FILE, --codemeta FILE or --zenodo FILE"
            )
        }
    };
    if !from.unmapped.is_empty() && !quiet {
        eprintln!(
            "not carried over from {} (no place in the record's metadata): {}",
            source.display(),
            from.unmapped.join(", ")
        );
    }
    Ok((from.into_draft(), source.clone()))
}

/// The default journal: per server, metadata source, paths and the record a new version
/// follows (what is deposited, the content, is in the journal itself).
pub(crate) fn journal_path(
    c: &Client,
    source: &Path,
    paths: &[PathBuf],
    new_version_of: Option<&str>,
) -> Result<PathBuf> {
    use md5::Digest;
    let mut h = md5::Md5::new();
    for p in std::iter::once(source).chain(paths.iter().map(PathBuf::as_path)) {
        let p = std::fs::canonicalize(p).with_context(|| format!("cannot read {}", p.display()))?;
        h.update(p.as_os_str().as_encoded_bytes());
        h.update(b"\n");
    }
    if let Some(x) = new_version_of {
        h.update(b"new-version-of\n");
        h.update(x.trim().as_bytes());
    }
    let name: String = h.finalize().iter().map(|b| format!("{b:02x}")).collect();
    let dir = crate::progress::state_dir(c, "deposits").context(
        "no state folder for the deposit's journal: set IRDM_STATE_DIR or pass --journal FILE",
    )?;
    Ok(dir.join(format!("{name}.json")))
}

/// `irdm deposit`.
pub async fn deposit(c: &Client, a: &DepositArgs, json: bool, mode: ProgressMode) -> Result<u8> {
    let quiet = json && mode == ProgressMode::None;
    let (draft, source) = draft_of(a, quiet)?;
    let rules = FolderRules {
        include_hidden: a.include_hidden,
        exclude: a.exclude.clone(),
    };
    let files = if a.paths.is_empty() {
        Vec::new()
    } else {
        let f = collect(&a.paths, &rules).await?;
        if f.is_empty() {
            bail!(
                "nothing to deposit in {}: the folders are empty (hidden files are skipped unless --include-hidden)",
                a.paths
                    .iter()
                    .map(|p| p.display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
        f
    };
    let community = match &a.community {
        Some(x) => Some(
            c.communities()
                .get(x)
                .await
                .with_context(|| format!("community {x}"))?
                .id
                .ok_or_else(|| anyhow!("the server returned community {x} without an id"))?,
        ),
        None => None,
    };
    let target = match (&a.new_version_of, a.new_version) {
        (Some(x), _) => DepositTarget::NextVersionOf(x.clone()),
        (None, true) => DepositTarget::NextVersion,
        (None, false) => DepositTarget::NewRecord,
    };
    let spec = DepositSpec {
        draft,
        files,
        community,
        reserve_doi: a.reserve_doi,
        publish: a.publish,
        target,
        keep_files: a.keep_files,
        adopt: a.adopt.clone(),
        adopt_wait: Some(std::time::Duration::from_secs(a.adopt_wait)),
        require_verified: a.require_verified,
    };
    let journal = match &a.journal {
        Some(j) => j.clone(),
        None => journal_path(c, &source, &a.paths, a.new_version_of.as_deref())?,
    };
    let repo = c.repo();
    if a.dry_run {
        let plan = repo.deposit_plan(&spec, &journal).await?;
        // What the server would say of the metadata, without creating anything.
        let problems = repo.check_metadata(&spec.draft).await?;
        let problems_code = if problems.is_empty() {
            crate::exit::OK
        } else {
            crate::exit::REFUSED
        };
        if json {
            let problems: Vec<serde_json::Value> = problems
                .iter()
                .map(|p| serde_json::json!({"field": p.field_name(), "message": p.message_text()}))
                .collect();
            output::json_line(
                &serde_json::json!({"plan": plan, "metadata": spec.draft.metadata, "problems": problems, "journal": journal}),
            )?;
            return Ok(if plan.refused.is_some() {
                crate::exit::USAGE
            } else {
                problems_code
            });
        }
        if problems.is_empty() {
            println!("metadata: no problems found");
        } else {
            println!(
                "metadata: {} problem(s) the server would report:",
                problems.len()
            );
            for p in &problems {
                println!("  {}: {}", p.field_name(), p.message_text());
            }
        }
        let title = spec
            .draft
            .metadata
            .as_ref()
            .and_then(|m| m.title.as_deref())
            .unwrap_or("(no title)");
        if let Some(why) = &plan.refused {
            println!("refused: {why}");
            eprintln!("dry run: nothing sent (journal {})", journal.display());
            return Ok(crate::exit::USAGE);
        }
        match (&plan.draft, plan.already_done, &plan.new_version_of) {
            (Some(id), true, _) => {
                println!("already deposited as {id}: nothing to do");
                return Ok(problems_code);
            }
            (Some(id), false, _) => println!("carry on draft {id}: {title}"),
            (None, _, Some(prev)) => println!("create the next version of {prev}: {title}"),
            (None, _, None) => println!("create a draft: {title}"),
        }
        for f in &plan.files {
            println!(
                "{:<9} {}  ({})",
                f.action.as_str(),
                f.key,
                output::size(f.size)
            );
        }
        for k in &plan.remove {
            println!("remove    {k}");
        }
        if plan.reserve_doi {
            println!("reserve a DOI");
        }
        match plan.finish {
            Finish::Publish => println!("publish"),
            Finish::SubmitReview => println!(
                "submit for review to {}",
                a.community.as_deref().unwrap_or("")
            ),
            _ => println!("leave the draft (no --publish)"),
        }
        eprintln!("dry run: nothing sent (journal {})", journal.display());
        return Ok(problems_code);
    }
    if !quiet {
        eprintln!("journal: {}", journal.display());
    }
    let mp = crate::progress::bars(mode);
    let upload = UploadFilesOptions {
        jobs: a.jobs,
        progress: crate::progress::reporter(mode, &mp, "upload"),
        journal_dir: crate::progress::journal_dir(c),
        checksum_wait: a.checksum_wait.map(std::time::Duration::from_secs),
        ..UploadFilesOptions::default()
    };
    let report = repo.deposit(&spec, &journal, &upload).await.map_err(|e| {
        // A mistake in the input or the journal is said as it is; anything else is carried
        // on by running the command again.
        let fix_first = e.is_validation() || matches!(e, inveniordm::Error::Invalid { .. });
        let again = !e.needs_change();
        let e = anyhow::Error::from(e);
        if fix_first {
            e.context(output::Hint(format!(
                "correct the metadata, then run the same command again: it carries on with the same draft (journal {})",
                journal.display()
            )))
        } else if again {
            e.context(output::Hint(format!(
                "run the same command again to carry on (journal {})",
                journal.display()
            )))
        } else {
            e
        }
    })?;
    let _ = mp.clear();
    let id = &report.id;
    if !quiet {
        let previous = report.previous.as_deref().unwrap_or("?");
        if report.already_done {
            eprintln!(
                "{id}: already deposited (journal {}); nothing sent",
                journal.display()
            );
        } else if report.created && report.previous.is_some() {
            eprintln!("{id}: draft of the next version of {previous}");
        } else if report.created {
            eprintln!("{id}: draft created");
        } else if report.adopted && report.previous.is_some() {
            eprintln!("{id}: the next-version draft of {previous}, carried on");
        } else if report.adopted {
            eprintln!("{id}: the draft the interrupted run created, carried on");
        } else {
            eprintln!("{id}: carried on");
        }
        for k in &report.linked {
            eprintln!("{k}: linked from {previous} (same checksum, nothing sent)");
        }
        for k in &report.already_there {
            eprintln!("{k}: already uploaded, same checksum");
        }
        for k in &report.uploaded {
            if report.unverified.contains(k) {
                eprintln!("{k}: uploaded, not yet verified by the server (it reported no md5)");
            } else {
                eprintln!("{k}: uploaded and verified");
            }
        }
        for k in &report.removed {
            eprintln!("{k}: removed (not among the files)");
        }
        if report.reserved_doi {
            eprintln!("{id}: DOI reserved");
        }
    }
    let record = report.outcome.record();
    if json {
        output::json_line(record)?;
        return Ok(crate::exit::OK);
    }
    let html = record
        .links
        .as_ref()
        .and_then(|l| l.get("self_html"))
        .and_then(|v| v.as_str())
        .unwrap_or("");
    match &report.outcome {
        DepositOutcome::Published(r) => {
            println!("published {id} {html}");
            if let Some(c) = r.parent_id() {
                println!("concept {c}");
            }
            if let Some(d) = r.doi() {
                println!("doi {d}");
            }
        }
        DepositOutcome::Submitted { request, .. } => println!(
            "{id} submitted for review: request {} ({})",
            request.id.as_deref().unwrap_or("?"),
            request
                .status
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default()
        ),
        DepositOutcome::Draft(_) => println!("draft {id} ready (not published: add --publish)"),
        _ => println!("{id}"),
    }
    Ok(crate::exit::OK)
}
