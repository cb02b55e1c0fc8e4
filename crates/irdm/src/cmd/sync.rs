//! `irdm sync`: make a draft's or a record's files match a folder.

use crate::output;
use anyhow::{Context, Result, bail};
use clap::Args;
use inveniordm::Client;
use inveniordm::repo::{FileAction, FilePolicy, NewVersionPlan, SyncPlan};
use std::path::PathBuf;

/// `irdm sync`.
#[derive(Debug, Args)]
#[command(after_help = "\
Each key is linked when the folder's file has the same md5 (nothing is sent), uploaded when it
is new or changed, and left out when the folder no longer has it. Keys are paths relative to the
folder; hidden files and folders are skipped. A second sync of an unchanged folder does nothing.")]
pub struct SyncArgs {
    /// The folder.
    pub dir: PathBuf,
    /// The draft to change, or with --new-version the published record.
    #[arg(long, value_name = "ID")]
    pub record: String,
    /// Make the record's next version (its files reconciled with the folder).
    #[arg(long)]
    pub new_version: bool,
    /// Publish at the end.
    #[arg(long)]
    pub publish: bool,
    /// Print the plan (link / upload / leave out per key) and change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Parallel uploads.
    #[arg(long, short, default_value_t = inveniordm::transfer::DEFAULT_JOBS)]
    pub jobs: std::num::NonZeroUsize,
}

/// Today's date (UTC) as `YYYY-MM-DD`.
pub(crate) fn today() -> String {
    chrono::Utc::now().format("%Y-%m-%d").to_string()
}

pub(crate) fn print_plan(plan: &SyncPlan, json: bool) -> Result<()> {
    for a in &plan.actions {
        if json {
            output::json_line(a)?;
            continue;
        }
        match a {
            FileAction::Link { key } => println!("link      {key}"),
            FileAction::Upload { key, changed, .. } => {
                println!(
                    "upload    {key}{}",
                    if *changed { " (changed)" } else { " (new)" }
                )
            }
            FileAction::LeaveOut { key } => println!("leave out {key}"),
        }
    }
    Ok(())
}

/// `irdm sync DIR --record ID`.
pub async fn sync(c: &Client, a: &SyncArgs, json: bool) -> Result<u8> {
    if !a.dir.is_dir() {
        bail!("{} is not a folder", a.dir.display());
    }
    let repo = c.repo();
    if a.new_version {
        let record = repo
            .record(&a.record)
            .await?
            .with_context(|| format!("there is no published record {}", a.record))?;
        let latest = record.latest().await?;
        if latest.id() != record.id() {
            bail!(
                "{} is not the latest version ({} is): sync the latest",
                record.id(),
                latest.id()
            );
        }
        let files = latest.files().await?;
        let plan =
            inveniordm::repo::plan_sync(files.iter().map(|(k, e)| (k.as_str(), e.md5())), &a.dir)
                .await?;
        if plan.is_noop() {
            if !json {
                eprintln!(
                    "{}: the files match {}; nothing to do",
                    latest.id(),
                    a.dir.display()
                );
            }
            return Ok(crate::exit::OK);
        }
        if a.dry_run {
            print_plan(&plan, json)?;
            return Ok(crate::exit::OK);
        }
        let mut draft = latest
            .new_version(&NewVersionPlan {
                files: FilePolicy::Reconcile(a.dir.clone()),
                jobs: a.jobs,
                ..NewVersionPlan::default()
            })
            .await?;
        let m = draft.metadata_mut();
        if m.publication_date.is_none() {
            // The server's copy of the metadata leaves it out (v13); a new version is
            // published today.
            m.publication_date = Some(today());
        }
        draft.save().await?;
        return finish(c, draft, a, json).await;
    }
    let Some(draft) = repo.draft(&a.record).await? else {
        if repo.record(&a.record).await?.is_some() {
            bail!(
                "{} is published: its files change only in a new version (add --new-version)",
                a.record
            );
        }
        bail!("there is no draft or record {}", a.record);
    };
    let plan = draft.plan_sync(&a.dir).await?;
    if a.dry_run {
        print_plan(&plan, json)?;
        return Ok(crate::exit::OK);
    }
    if plan.is_noop() {
        if !json {
            eprintln!(
                "{}: the files match {}; nothing to do",
                draft.id(),
                a.dir.display()
            );
        }
        if !a.publish {
            return Ok(crate::exit::OK);
        }
    } else {
        let n = draft.apply_sync(&plan, a.jobs).await?;
        if !json {
            eprintln!(
                "{}: {n} uploaded, {} removed",
                draft.id(),
                plan.removals().len()
            );
        }
    }
    finish(c, draft, a, json).await
}

pub(crate) async fn finish(
    c: &Client,
    draft: inveniordm::repo::DraftHandle,
    a: &SyncArgs,
    json: bool,
) -> Result<u8> {
    let id = draft.id().to_string();
    let doc = if a.publish {
        draft.publish().await.context("publishing")?
    } else {
        c.drafts().get(&id).await?
    };
    if json {
        output::json_line(&doc)?;
    } else {
        println!("{}", doc.id.as_deref().unwrap_or(&id));
    }
    Ok(crate::exit::OK)
}
