//! `irdm record modify-files`: change a published record's files without a new version
//! (InvenioRDM v14).

use crate::progress::*;
use anyhow::Result;
use clap::Args;
use inveniordm::Client;
use inveniordm::repo::{FileChanges, FolderRules, UploadFilesOptions, collect_files};
use std::path::PathBuf;

/// `irdm record modify-files`.
#[derive(Debug, Args)]
#[command(after_help = "\
InvenioRDM v14 lets a published record's files change where the instance's policy allows it:
administrators on a stock instance, owners within a grace period where it is configured. The
record's edit draft is opened, its files unlocked, the files removed and uploaded (a key the
record has is replaced; folders give keys relative to them), and with --publish the edit is
published. Without --publish the edit draft waits: look at it, then `irdm draft publish ID`,
or `irdm draft discard ID` to drop the change. A refusal (403; 404 on v13) comes before any
file changes.")]
pub struct ModifyArgs {
    /// Record id.
    pub id: String,
    /// Files or folders to upload.
    pub paths: Vec<PathBuf>,
    /// Keys of files to remove (repeat for several).
    #[arg(long, value_name = "KEY")]
    pub remove: Vec<String>,
    /// Why (at least 25 characters), kept with the request.
    #[arg(long)]
    pub comment: Option<String>,
    /// Publish the edit at the end.
    #[arg(long)]
    pub publish: bool,
    /// Parallel uploads.
    #[arg(long, short, default_value_t = inveniordm::transfer::DEFAULT_JOBS)]
    pub jobs: std::num::NonZeroUsize,
}

/// `irdm record modify-files`.
pub async fn modify(c: &Client, a: &ModifyArgs, json: bool, mode: ProgressMode) -> Result<u8> {
    let upload = if a.paths.is_empty() {
        Vec::new()
    } else {
        collect_files(&a.paths, &FolderRules::default()).await?
    };
    let mp = bars(mode);
    let mut upload_options = UploadFilesOptions::default();
    upload_options.jobs = a.jobs;
    upload_options.progress = reporter(mode, &mp, "upload");
    let mut changes = FileChanges::default();
    changes.upload = upload;
    changes.remove = a.remove.clone();
    changes.comment = a.comment.clone();
    changes.publish = a.publish;
    changes.upload_options = upload_options;
    let done = c.repo().modify_files(&a.id, &changes).await?;
    let _ = mp.clear();
    if json {
        println!(
            "{}",
            serde_json::json!({
                "id": a.id,
                "request": done.request.id(),
                "uploaded": done.uploaded,
                "removed": done.removed,
                "published": done.published.is_some(),
            })
        );
    } else {
        for k in &done.removed {
            eprintln!("{k}: removed");
        }
        for k in &done.uploaded {
            eprintln!("{k}: uploaded, verified");
        }
        match &done.published {
            Some(r) => println!(
                "{} published with its files changed ({} files)",
                a.id,
                r.files.as_ref().map(|f| f.iter().count()).unwrap_or(0)
            ),
            None => println!(
                "{} has its files changed in its edit draft: `irdm draft publish {}` publishes them",
                a.id, a.id
            ),
        }
    }
    Ok(crate::exit::OK)
}
