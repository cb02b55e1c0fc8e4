//! `irdm record …`: published records.

use super::hints::*;
use crate::{exit, output};
use anyhow::{Result, bail};
use clap::Subcommand;
use futures_util::StreamExt;
use inveniordm::Client;
use std::path::PathBuf;

/// `irdm record …`.
#[derive(Debug, Subcommand)]
pub enum RecordCmd {
    /// Show a record (a deleted one: why, when and how to cite it, exit 4).
    Get {
        /// Record id.
        id: String,
        /// Show a deleted record whole, with its tombstone (administrators).
        #[arg(long)]
        include_deleted: bool,
    },
    /// Every stored state of a record, newest first (administrators).
    Revisions {
        /// Record id.
        id: String,
    },
    /// A record's views and downloads (this version and all versions).
    Stats {
        /// Record id.
        id: String,
    },
    /// Delete a published record, leaving a tombstone (administrators).
    #[command(after_help = "\
The reason is a term of the server's removalreasons vocabulary (duplicate, retracted, replaced,
spam, test-record, copyright, personal-data, take-down-request, disputed-authorship,
misconduct, fraud, out-of-scope on a stock instance); it is checked before anything is sent.
Reading the record then answers 410 with the tombstone (404 with --hidden).")]
    Delete {
        /// Record id.
        id: String,
        /// Why (a removal reason's id).
        #[arg(long)]
        reason: String,
        /// A note shown on the tombstone.
        #[arg(long)]
        note: Option<String>,
        /// Hide the tombstone: the record then answers 404.
        #[arg(long)]
        hidden: bool,
    },
    /// List the members of a ZIP file of a record, or save one, without downloading the
    /// archive (InvenioRDM v14).
    Container(super::container::ContainerArgs),
    /// Change a published record's files without a new version (InvenioRDM v14; where the
    /// instance allows it: administrators on a stock instance).
    ModifyFiles(super::modify::ModifyArgs),
    /// Bring a deleted record back (administrators).
    Restore {
        /// Record id.
        id: String,
    },
    /// Ask for the deletion of your record (InvenioRDM v14; where the instance allows owners
    /// to delete within a grace period, it is deleted at once).
    RequestDeletion {
        /// Record id.
        id: String,
        /// Why: duplicate, retracted, test-record, copyright or personal-data.
        #[arg(long)]
        reason: String,
        /// Why, in words (at least 25 characters).
        #[arg(long)]
        comment: Option<String>,
    },
    /// List a record's files.
    Files {
        /// Record id.
        id: String,
    },
    /// List every version of a record.
    Versions {
        /// Record id.
        id: String,
    },
    /// Show the latest version of a record.
    Latest {
        /// Record id.
        id: String,
    },
    /// Export a record: bibtex, csl, datacite-json, datacite-xml, json-ld, dublincore,
    /// marcxml, dcat, geojson, csv, csv-simple, linkset, json, rdm-json (through the API), or
    /// a format of the site's export route such as cff or codemeta.
    Export {
        /// Record id.
        id: String,
        /// The format.
        #[arg(long, short)]
        format: String,
        /// Write it to FILE instead of standard output.
        #[arg(long, short, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// Print the formatted citation of a record.
    Cite {
        /// Record id.
        id: String,
        /// CSL style (apa, harvard-cite-them-right, ieee, chicago-fullnote-bibliography, …).
        #[arg(long)]
        style: Option<String>,
        /// Locale (en-US, de-DE, …).
        #[arg(long)]
        locale: Option<String>,
    },
    /// Show one file's metadata.
    File {
        /// Record id.
        id: String,
        /// File key.
        key: String,
    },
    /// The communities a published record is in: list, add, remove.
    #[command(subcommand)]
    Communities(super::record_communities::RecordCommunitiesCmd),
}

pub(crate) async fn record(
    c: &Client,
    cmd: &RecordCmd,
    json: bool,
    mode: crate::progress::ProgressMode,
) -> Result<u8> {
    match cmd {
        RecordCmd::ModifyFiles(a) => return super::modify::modify(c, a, json, mode).await,
        RecordCmd::Container(a) => return super::container::container(c, a, json).await,
        RecordCmd::Get {
            id,
            include_deleted: false,
        } => output::show(&hint_record(c, id, c.records().get(id).await).await?, json)?,
        RecordCmd::Get {
            id,
            include_deleted: true,
        } => {
            let r = c.records().get_including_deleted(id).await?;
            output::show(&r, json)?;
            if let (false, Some(t)) = (json, &r.tombstone) {
                output::tombstone(t);
            }
        }
        RecordCmd::Revisions { id } => {
            let revs = hint_record(c, id, c.records().revisions(id).await).await?;
            if json {
                for r in &revs {
                    output::json_line(r)?;
                }
            } else {
                let rows: Vec<Vec<String>> = revs
                    .iter()
                    .map(|r| {
                        vec![
                            r.revision_id.map(|n| n.to_string()).unwrap_or_default(),
                            r.updated.clone().unwrap_or_default(),
                            r.json
                                .as_ref()
                                .and_then(|j| j.get("metadata"))
                                .and_then(|m| m.get("title"))
                                .and_then(|t| t.as_str())
                                .unwrap_or("")
                                .to_string(),
                        ]
                    })
                    .collect();
                output::table(&["REVISION", "STORED", "TITLE"], &rows);
            }
        }
        RecordCmd::Stats { id } => {
            let r = hint_record(c, id, c.records().get(id).await).await?;
            let stats = r.stats.unwrap_or_default();
            if json {
                output::json_line(&serde_json::json!({"id": id, "stats": stats}))?;
            } else {
                output::stats(&stats);
            }
        }
        RecordCmd::Delete {
            id,
            reason,
            note,
            hidden,
        } => {
            let mut removal = inveniordm::api::Removal::because(reason);
            removal.note = note.clone();
            removal.visible = !hidden;
            c.records().delete(id, &removal).await?;
            if json {
                output::json_line(&serde_json::json!({"deleted": id, "reason": reason}))?;
            } else {
                println!("{id} deleted ({reason})");
            }
        }
        RecordCmd::Restore { id } => {
            let r = c.records().restore(id).await?;
            if json {
                output::json_line(&r)?;
            } else {
                println!("{id} restored");
            }
        }
        RecordCmd::RequestDeletion {
            id,
            reason,
            comment,
        } => {
            let request = inveniordm::api::DeletionRequest {
                reason: reason.clone(),
                comment: comment.clone(),
            };
            let r = c.records().request_deletion(id, &request).await?;
            if json {
                output::json_line(&r)?;
            } else {
                let status = r.status.as_ref().map(|s| s.as_str()).unwrap_or("?");
                match status {
                    "accepted" => {
                        println!("{id} deleted (request {} accepted)", r.id().unwrap_or("?"))
                    }
                    _ => println!(
                        "deletion of {id} requested: request {} is {status}",
                        r.id().unwrap_or("?")
                    ),
                }
            }
        }
        RecordCmd::Latest { id } => output::show(
            &hint_record(c, id, c.records().latest_version(id).await).await?,
            json,
        )?,
        RecordCmd::Files { id } => {
            let f = hint_record(c, id, c.records().files(id).await).await?;
            if json {
                output::json_line(&f)?
            } else {
                output::files(f.iter())
            }
        }
        RecordCmd::Communities(cmd) => {
            return super::record_communities::record_communities(c, cmd, json).await;
        }
        RecordCmd::File { id, key } => {
            let f = c.records().file_metadata(id, key).await?;
            if json {
                output::json_line(&f)?
            } else {
                output::files(std::iter::once(&f))
            }
        }
        RecordCmd::Export { id, format, output } => {
            let Some(f) = inveniordm::api::ExportFormat::from_name(format) else {
                bail!(
                    "{format:?} is not an export format (try: {})",
                    inveniordm::api::ExportFormat::names().join(", ")
                );
            };
            let x = hint_record(c, id, c.records().export(id, &f).await).await?;
            match output {
                Some(path) => {
                    inveniordm::transfer::write_whole(path, &x.bytes)?;
                    eprintln!(
                        "{} bytes of {} written to {}",
                        x.bytes.len(),
                        x.content_type.as_deref().unwrap_or("?"),
                        path.display()
                    );
                }
                None => {
                    use std::io::Write;
                    let mut out = std::io::stdout().lock();
                    out.write_all(&x.bytes)?;
                    if !x.bytes.ends_with(b"\n") {
                        out.write_all(b"\n")?;
                    }
                }
            }
        }
        RecordCmd::Cite { id, style, locale } => {
            let text = hint_record(
                c,
                id,
                c.records()
                    .cite(id, style.as_deref(), locale.as_deref())
                    .await,
            )
            .await?;
            if json {
                println!("{}", serde_json::json!({"id": id, "citation": text.trim()}));
            } else {
                println!("{}", text.trim());
            }
        }
        RecordCmd::Versions { id } => {
            // Every page of versions, as they arrive.
            let mut stream = std::pin::pin!(c.records().versions_stream(id));
            let mut rows = Vec::new();
            while let Some(r) = stream.next().await {
                let r = r?;
                if json {
                    output::json_line(&r)?;
                } else {
                    rows.push(r);
                }
            }
            if !json {
                output::records(&rows);
            }
        }
    }
    Ok(exit::OK)
}
