//! `irdm record container`: the members of a ZIP file of a record, and one of them saved,
//! without downloading the archive (InvenioRDM v14).

use crate::output;
use anyhow::Result;
use clap::Args;
use inveniordm::Client;
use std::path::PathBuf;

/// `irdm record container`.
#[derive(Debug, Args)]
#[command(after_help = "\
InvenioRDM v14 reads a ZIP file's table of contents on the server: the members are listed
without the archive being downloaded (at most 1 000 on a stock instance), and one member is
sent extracted, then checked here against the size and CRC-32 the archive records. v13 has no
such route (exit 4); a file that is not a ZIP makes real servers fail (exit 1).")]
pub struct ContainerArgs {
    /// Record id.
    pub id: String,
    /// The ZIP file's key.
    pub key: String,
    /// A member to save (its path inside the archive); without it, the members are listed.
    pub member: Option<String>,
    /// Where to save the member (default: its file name, in this folder).
    #[arg(short, long, requires = "member")]
    pub output: Option<PathBuf>,
    /// Replace an existing file.
    #[arg(long, requires = "member")]
    pub force: bool,
}

/// `irdm record container`.
pub async fn container(c: &Client, a: &ContainerArgs, json: bool) -> Result<u8> {
    let Some(member) = &a.member else {
        let listing = c.records().container(&a.id, &a.key).await?;
        let entries = listing.entries.clone().unwrap_or_default();
        if json {
            for e in &entries {
                output::json_line(e)?;
            }
        } else {
            for e in &entries {
                println!(
                    "{:>10}  {:>10}  {}",
                    output::size(e.size.unwrap_or(0)),
                    output::size(e.compressed_size.unwrap_or(0)),
                    e.key.as_deref().unwrap_or("")
                );
            }
            eprintln!(
                "{} files in {}{}",
                entries.len(),
                a.key,
                if listing.truncated == Some(true) {
                    " (the server listed only these)"
                } else {
                    ""
                }
            );
        }
        return Ok(crate::exit::OK);
    };
    let dest = a
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from(member.rsplit('/').next().unwrap_or(member.as_str())));
    let saved = c
        .repo()
        .extract_member(&a.id, &a.key, member, &dest, a.force)
        .await
        .map_err(|e| crate::progress::hint(e, "pass --force to replace it"))?;
    if json {
        output::json_line(&saved)?;
    } else {
        eprintln!(
            "{member}: {} verified crc32:{:08x} -> {}",
            output::size(saved.size),
            saved.crc,
            saved.path.display()
        );
    }
    Ok(crate::exit::OK)
}
