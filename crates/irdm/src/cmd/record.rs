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
    /// Show a record.
    Get {
        /// Record id.
        id: String,
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

pub(crate) async fn record(c: &Client, cmd: &RecordCmd, json: bool) -> Result<u8> {
    match cmd {
        RecordCmd::Get { id } => {
            output::show(&hint_record(c, id, c.records().get(id).await).await?, json)?
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
