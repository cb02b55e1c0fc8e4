//! `irdm mirror`: a verified local copy of a community's (or a query's) records, kept up to
//! date run after run.

use crate::progress::*;
use crate::{exit, output};
use anyhow::{Result, bail};
use clap::Args;
use futures_util::StreamExt;
use inveniordm::Client;
use inveniordm::repo::{MirrorEvent, MirrorOptions, MirrorReport, MirrorSource, OaiSource};
use std::path::PathBuf;

/// `irdm mirror`.
#[derive(Debug, Args)]
#[command(after_help = "\
The folder gets one folder per record (its id): record.json (the record, every field kept) and
files/ (its files, each md5 checked), and mirror.json (what it mirrors). A second run fetches
only the records whose `updated` changed, and of those only the files whose md5 differs.
Interrupted, run it again: finished records are kept, partial downloads resume. Listings past
the search window of 10 000 are split by id.

Examples:
  irdm mirror ocean-lab ./ocean-lab                  every record of a community
  irdm mirror --query 'metadata.subjects.subject:\"sea ice\"' ./sea-ice
  irdm mirror ocean-lab ./ocean-lab --prune          also remove records no longer there
  irdm mirror --oai ocean-lab ./ocean-lab-dc         over OAI-PMH: each record's oai_dc XML

Over OAI-PMH (--oai) each record's folder holds metadata.xml (as the server sent it) and
oai.json (its identifier, datestamp and sets); a second run asks only for what changed since
the last complete harvest.")]
pub struct MirrorArgs {
    /// COMMUNITY DIR (a community's slug or id, and the folder), or DIR alone with --query
    /// (or --everything).
    #[arg(value_name = "COMMUNITY] [DIR", num_args = 1..=2, required = true)]
    pub targets: Vec<String>,
    /// Only the records this search query matches (within the community, if one is given).
    #[arg(long)]
    pub query: Option<String>,
    /// Every published record of the server (with no community and no query).
    #[arg(long, conflicts_with = "query")]
    pub everything: bool,
    /// Every version of each record, not only the latest.
    #[arg(long)]
    pub all_versions: bool,
    /// Records fetched at the same time.
    #[arg(long, short, default_value_t = inveniordm::transfer::DEFAULT_JOBS)]
    pub jobs: std::num::NonZeroUsize,
    /// Only the records' metadata (record.json), no files.
    #[arg(long)]
    pub no_files: bool,
    /// Check the md5 of every local file, of unchanged records too, and fetch again what is
    /// missing or differs.
    #[arg(long)]
    pub verify: bool,
    /// Remove the folders of records the source no longer lists (default: keep, report).
    /// Over OAI-PMH this harvests everything again (to see what is gone).
    #[arg(long)]
    pub prune: bool,
    /// Harvest over OAI-PMH (metadata only, no files): every record, or a COMMUNITY's (by
    /// its slug: the set community-SLUG), or --set.
    #[arg(long, conflicts_with_all = ["query", "all_versions", "no_files", "verify"])]
    pub oai: bool,
    /// The OAI-PMH set to harvest.
    #[arg(long, requires = "oai")]
    pub set: Option<String>,
    /// The OAI-PMH metadata format.
    #[arg(long, requires = "oai", default_value = "oai_dc")]
    pub metadata_prefix: String,
}

/// `irdm mirror`.
pub async fn mirror(c: &Client, a: &MirrorArgs, json: bool, mode: ProgressMode) -> Result<u8> {
    let (community, dir) = match a.targets.as_slice() {
        [dir] => (None, PathBuf::from(dir)),
        [community, dir] => (Some(community.clone()), PathBuf::from(dir)),
        _ => bail!(inveniordm::Error::Usage(
            "give COMMUNITY DIR, or DIR with --query".into()
        )),
    };
    if a.oai {
        if community.is_some() && a.set.is_some() {
            bail!(inveniordm::Error::Usage(
                "give a community or --set, not both".into()
            ));
        }
        let set = a
            .set
            .clone()
            .or_else(|| community.as_ref().map(|c| format!("community-{c}")));
        let mut oai = OaiSource::new(a.metadata_prefix.clone());
        oai.set = set;
        return run(c, MirrorSource::oai(oai), &dir, a, json, mode).await;
    }
    if community.is_none() && a.query.is_none() && !a.everything {
        bail!(inveniordm::Error::Usage(
            "name a community (irdm mirror COMMUNITY DIR), a query (--query Q), or --everything"
                .into()
        ));
    }
    if community.is_some() && a.everything {
        bail!(inveniordm::Error::Usage(
            "--everything mirrors the whole server: give no community with it".into()
        ));
    }
    let mut source = MirrorSource::default().all_versions(a.all_versions);
    source.community = community;
    source.query = a.query.clone();
    run(c, source, &dir, a, json, mode).await
}

/// Mirrors `source` into `dir`, reporting as it goes.
async fn run(
    c: &Client,
    source: MirrorSource,
    dir: &std::path::Path,
    a: &MirrorArgs,
    json: bool,
    mode: ProgressMode,
) -> Result<u8> {
    let mp = bars(mode);
    let mut opts = MirrorOptions::default();
    opts.jobs = a.jobs;
    opts.files = !a.no_files;
    opts.verify = a.verify;
    opts.prune = a.prune;
    opts.progress = reporter(mode, &mp, "download");
    let mut report = MirrorReport::default();
    let mut failed = Vec::new();
    let mut events = std::pin::pin!(c.repo().mirror_stream(&source, dir, &opts));
    while let Some(event) = events.next().await {
        let event = event?;
        report.add(&event);
        match &event {
            MirrorEvent::Record(r) => {
                if json {
                    output::json_line(r)?;
                } else if r.files_fetched > 0
                    || r.files_removed > 0
                    || r.change != inveniordm::repo::MirrorChange::Unchanged
                {
                    let _ = mp.println(format!(
                        "{}: {}, {} files fetched ({}), {} kept, {} removed{}",
                        r.id,
                        serde_json::to_value(r.change)?.as_str().unwrap_or(""),
                        r.files_fetched,
                        output::size(r.bytes_fetched),
                        r.files_kept,
                        r.files_removed,
                        if r.files_restricted {
                            ", files restricted (not mirrored)"
                        } else {
                            ""
                        }
                    ));
                }
            }
            MirrorEvent::Failed { id, error } => {
                if json {
                    println!(
                        "{}",
                        serde_json::json!({"id": id, "failed": error.to_string()})
                    );
                }
                failed.push((id.clone(), error.to_string(), exit::code_of_error(error)));
            }
            MirrorEvent::Gone { id, removed } => {
                if json {
                    println!(
                        "{}",
                        serde_json::json!({"id": id, "gone": true, "removed": removed})
                    );
                } else {
                    let _ = mp.println(format!(
                        "{id}: no longer listed{}",
                        if *removed {
                            ", removed"
                        } else {
                            " (kept; --prune removes it)"
                        }
                    ));
                }
            }
            _ => {}
        }
    }
    let _ = mp.clear();
    for (id, message, _) in &failed {
        eprintln!("error: {id}: {message}");
    }
    if json {
        println!("{}", serde_json::json!({"summary": report}));
    } else {
        eprintln!(
            "{}: {} records listed: {} new, {} changed, {} unchanged, {} failed; {} files fetched ({}); {} gone{}",
            dir.display(),
            report.listed,
            report.new,
            report.changed,
            report.unchanged,
            report.failed,
            report.files_fetched,
            output::size(report.bytes_fetched),
            report.gone,
            if report.removed > 0 {
                format!(", {} removed", report.removed)
            } else {
                String::new()
            }
        );
        if report.failed > 0 {
            eprintln!("run the same command again to fetch the records that failed");
        }
    }
    let codes: Vec<u8> = failed.iter().map(|(_, _, code)| *code).collect();
    Ok(exit::worst_code(&codes))
}
