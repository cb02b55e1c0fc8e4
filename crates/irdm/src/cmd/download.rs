//! `irdm download`: the files of a record or draft, verified.

use crate::output;
use crate::progress::ProgressMode;
use crate::progress::*;
use anyhow::Result;
use clap::Args;
use inveniordm::Client;
use inveniordm::repo::{DownloadFilesOptions, DownloadOutcome};
use std::path::PathBuf;

/// `irdm download`.
#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// Record (or draft, with --draft) id.
    pub id: String,
    /// File keys (default: all).
    pub keys: Vec<String>,
    /// Output folder.
    #[arg(short, long, default_value = ".")]
    pub output: PathBuf,
    /// Download from the draft.
    #[arg(long)]
    pub draft: bool,
    /// Parallel downloads.
    #[arg(long, short, default_value_t = inveniordm::transfer::DEFAULT_JOBS)]
    pub jobs: std::num::NonZeroUsize,
    /// Replace existing files whose content differs.
    #[arg(long)]
    pub force: bool,
    /// Every file in one ZIP (`ID.zip`, the server's files archive), each member checked
    /// against the record's md5s before the archive takes its name.
    #[arg(long, conflicts_with = "keys")]
    pub zip: bool,
}

/// `irdm download`.
pub async fn download(c: &Client, a: &DownloadArgs, json: bool, mode: ProgressMode) -> Result<u8> {
    let mp = bars(mode);
    if a.zip {
        let opts = inveniordm::repo::ArchiveOptions {
            draft: a.draft,
            overwrite: a.force,
            progress: reporter(mode, &mp, "download"),
        };
        let archive = c
            .repo()
            .download_archive(&a.id, &a.output, &opts)
            .await
            .map_err(|e| hint(e, "pass --force to replace it"))?;
        let _ = mp.clear();
        if json {
            output::json_line(&archive)?;
        } else {
            eprintln!(
                "{}: {} files, each checked against the record's md5",
                archive.path.display(),
                archive.files.len()
            );
        }
        return Ok(crate::exit::OK);
    }
    let opts = DownloadFilesOptions {
        jobs: a.jobs,
        draft: a.draft,
        overwrite: a.force,
        progress: reporter(mode, &mp, "download"),
    };
    let keys = (!a.keys.is_empty()).then_some(a.keys.as_slice());
    let results = c
        .repo()
        .download_files(&a.id, keys, &a.output, &opts)
        .await
        .map_err(|e| hint(e, "pass --force to replace it"))?;
    let _ = mp.clear();
    if results.is_empty() && !json {
        eprintln!("{} has no files", a.id);
    }
    let mut failed = Vec::new();
    for (key, r) in results {
        match r {
            Ok(DownloadOutcome::AlreadyThere(path)) => {
                if mode == ProgressMode::Json {
                    event(
                        serde_json::json!({"event": "skipped", "direction": "download", "key": key, "reason": "same checksum"}),
                    );
                }
                if json {
                    println!(
                        "{}",
                        serde_json::json!({"key": key, "path": path.display().to_string(), "skipped": true})
                    );
                } else {
                    eprintln!("{key}: already there, same checksum");
                }
            }
            Ok(DownloadOutcome::Downloaded(d)) => {
                if json {
                    println!(
                        "{}",
                        serde_json::json!({"key": key, "path": d.path.display().to_string(), "size": d.size, "checksum": format!("md5:{}", d.md5), "verified": d.verified})
                    );
                } else {
                    let how = if d.verified {
                        "verified"
                    } else {
                        "NOT verified (the server reported no md5)"
                    };
                    eprintln!(
                        "{key}: {} {how} md5:{} -> {}",
                        output::size(d.size),
                        d.md5,
                        d.path.display()
                    );
                }
            }
            Ok(_) => {}
            Err(e) => {
                if mode == ProgressMode::Json {
                    event(
                        serde_json::json!({"event": "failed", "direction": "download", "key": key, "error": e.to_string()}),
                    );
                }
                failed.push(anyhow::Error::from(e).context(format!("downloading {key}")))
            }
        }
    }
    Ok(report_failures(failed, json))
}
