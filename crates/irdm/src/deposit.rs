//! `irdm deposit`: metadata and files to a published record (or a submitted review), journaled.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, anyhow, bail};
use inveniordm::Client;
use inveniordm::models::Record;
use inveniordm::repo::{DepositOutcome, DepositSpec, DepositTarget, Finish, UploadFilesOptions};

use crate::transfers::{FolderRules, collect};
use crate::{DepositArgs, ProgressMode, output};

/// Reads YAML or JSON into a JSON value.
fn read_structured(path: &Path) -> Result<serde_json::Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    match serde_json::from_str(&text) {
        Ok(v) => Ok(v),
        Err(json_err) => serde_yaml_ng::from_str(&text).map_err(|yaml_err| {
            anyhow!(
                "{} is neither JSON ({json_err}) nor YAML ({yaml_err})",
                path.display()
            )
        }),
    }
}

/// A CITATION.cff read as YAML, with a top-level `version` written as a number (`1.10`)
/// taken as written rather than as the number YAML makes of it (`1.1`).
fn read_cff(path: &Path) -> Result<serde_json::Value> {
    let mut v = read_structured(path)?;
    if v.get("version").is_some_and(|x| x.is_number()) {
        let text = std::fs::read_to_string(path)?;
        let raw = text.lines().find_map(|l| {
            l.strip_prefix("version:")
                .map(|r| r.split(" #").next().unwrap_or(r).trim().to_string())
        });
        if let (Some(raw), Some(obj)) = (raw.filter(|r| !r.is_empty()), v.as_object_mut()) {
            obj.insert("version".into(), serde_json::Value::String(raw));
        }
    }
    Ok(v)
}

/// The draft to deposit, from whichever metadata source was given.
fn draft_of(a: &DepositArgs, quiet: bool) -> Result<(Record, PathBuf)> {
    use inveniordm::repo::citation;
    let (from, source) = match (&a.metadata, &a.cff, &a.codemeta, &a.zenodo) {
        (Some(m), _, _, _) => {
            let src = m.to_string_lossy();
            return Ok((crate::commands::read_draft(&src)?, m.clone()));
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
    let mut metadata = from.metadata;
    if metadata.publication_date.is_none() {
        // Neither a release date nor a publication date: published today.
        metadata.publication_date = Some(crate::sync::today());
    }
    Ok((
        Record {
            metadata: Some(metadata),
            access: from.access,
            ..Record::default()
        },
        source.clone(),
    ))
}

/// The default journal: per server, metadata source, paths and the record a new version
/// follows (what is deposited, the content, is in the journal itself).
fn journal_path(
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
    let dir = crate::transfers::state_dir(c, "deposits").context(
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
    let mp = crate::transfers::bars(mode);
    let upload = UploadFilesOptions {
        jobs: a.jobs,
        progress: crate::transfers::reporter(mode, &mp, "upload"),
        journal_dir: crate::transfers::journal_dir(c),
        checksum_wait: a.checksum_wait.map(std::time::Duration::from_secs),
        ..UploadFilesOptions::default()
    };
    let report = repo.deposit(&spec, &journal, &upload).await.map_err(|e| {
        // A mistake in the input or the journal is said as it is; anything else is carried
        // on by running the command again.
        let again = !matches!(
            e,
            inveniordm::Error::InvalidArgument(_) | inveniordm::Error::Usage(_)
        );
        let fix_first = e.is_validation();
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
