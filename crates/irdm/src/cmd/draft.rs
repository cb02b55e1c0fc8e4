//! `irdm draft …` and `irdm doi …`: drafts, and reading a draft from a file.

use super::hints::*;
use crate::{exit, output};
use anyhow::{Context, Result, anyhow, bail};
use clap::Subcommand;
use inveniordm::Client;
use inveniordm::models::*;
use std::io::Read;

/// `irdm draft …`.
#[derive(Debug, Subcommand)]
pub enum DraftCmd {
    /// Create a draft from metadata (JSON or YAML: a metadata object or a whole draft).
    Create {
        /// File with the metadata, or - for standard input.
        #[arg(long)]
        metadata: Option<String>,
    },
    /// Show a draft.
    Get {
        /// Draft id.
        id: String,
    },
    /// Change a draft: replace its metadata from a file, and/or set or unset single fields.
    #[command(after_help = "\
--set PATH=VALUE takes a dotted path into the draft document (metadata.title,
metadata.publication_date, access.files, custom_fields.NAME, metadata.creators.0.affiliations,
…; a path starting with a metadata field such as title means metadata.title). VALUE is read as
JSON when it parses (42, true, [\"a\"], {\"id\": \"eng\"}) and as a string otherwise. The
draft is read, changed and saved with its revision, so a change made meanwhile by someone else
is refused, never overwritten.")]
    Update {
        /// Draft id.
        id: String,
        /// File with the metadata, or - for standard input.
        #[arg(long)]
        metadata: Option<String>,
        /// Set a field: PATH=VALUE (repeatable).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Remove a field: PATH (repeatable).
        #[arg(long = "unset", value_name = "PATH")]
        unset: Vec<String>,
    },
    /// Discard a draft.
    Delete {
        /// Draft id.
        id: String,
    },
    /// Publish a draft.
    Publish {
        /// Draft id.
        id: String,
    },
    /// Create an edit draft of a published record.
    Edit {
        /// Record id.
        id: String,
    },
    /// Create a draft of a new version of a published record.
    NewVersion {
        /// Record id.
        id: String,
        /// Link the previous version's files into the new draft (nothing is re-sent).
        #[arg(long)]
        import_files: bool,
        /// Set a field of the new draft: PATH=VALUE (repeatable; see `irdm draft update --help`).
        #[arg(long = "set", value_name = "PATH=VALUE")]
        set: Vec<String>,
        /// Remove a field of the new draft: PATH (repeatable).
        #[arg(long = "unset", value_name = "PATH")]
        unset: Vec<String>,
    },
    /// Link the previous version's files into a new-version draft.
    ImportFiles {
        /// Draft id.
        id: String,
    },
    /// List a draft's files.
    Files {
        /// Draft id.
        id: String,
    },
    /// Delete a file from a draft.
    FileDelete {
        /// Draft id.
        id: String,
        /// File key.
        key: String,
    },
}

/// `irdm doi …`.
#[derive(Debug, Subcommand)]
pub enum DoiCmd {
    /// Reserve a DOI for a draft.
    Reserve {
        /// Draft id.
        id: String,
    },
    /// Discard a draft's reserved DOI.
    Discard {
        /// Draft id.
        id: String,
    },
}

/// The text of a file, or of standard input for `-`.
pub(crate) fn read_source(source: &str) -> Result<String> {
    if source == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .context("reading standard input")?;
        return Ok(s);
    }
    std::fs::read_to_string(source).with_context(|| format!("cannot read {source}"))
}

/// Reads metadata (JSON or YAML) from a file or `-`: a metadata object, or a whole draft
/// (an object with a `metadata` key).
pub fn read_draft(source: &str) -> Result<Record> {
    let text = read_source(source)?;
    let value: serde_json::Value = match serde_json::from_str(&text) {
        Ok(v) => v,
        Err(json_err) => serde_yaml_ng::from_str(&text).map_err(|yaml_err| {
            anyhow!("{source} is neither JSON ({json_err}) nor YAML ({yaml_err})")
        })?,
    };
    if !value.is_object() {
        bail!("{source} must hold an object (the metadata, or a draft with a \"metadata\" key)");
    }
    // A whole draft has at least one top-level key of a record; a metadata object has keys of
    // the metadata schema. A mix is refused rather than guessed.
    let obj = value
        .as_object()
        .map(|o| o.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    let record_keys: Vec<&String> = obj
        .iter()
        .filter(|k| Record::KNOWN_KEYS.contains(&k.as_str()))
        .collect();
    let metadata_keys: Vec<&String> = obj
        .iter()
        .filter(|k| Metadata::KNOWN_KEYS.contains(&k.as_str()))
        .collect();
    match (record_keys.is_empty(), metadata_keys.is_empty()) {
        (false, false) => bail!(
            "{source} mixes draft keys ({}) with metadata keys ({}); put the metadata under \"metadata\"",
            record_keys
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", "),
            metadata_keys
                .iter()
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        (false, true) => Ok(serde_json::from_value(value)?),
        (true, false) => {
            let m: Metadata = serde_json::from_value(value)?;
            Ok(Record {
                metadata: Some(m),
                ..Record::default()
            })
        }
        (true, true) => bail!(
            "{source} has neither draft keys (metadata, access, files, …) nor metadata keys (title, creators, …)"
        ),
    }
}

pub(crate) async fn draft(c: &Client, cmd: &DraftCmd, json: bool) -> Result<u8> {
    let d = c.drafts();
    match cmd {
        DraftCmd::Create { metadata } => {
            let draft = match metadata {
                Some(src) => read_draft(src)?,
                None => Record::default(),
            };
            let r = d.create(&draft).await?;
            output::show(&r, json)?;
        }
        DraftCmd::Get { id } => output::show(&hint_draft(c, id, d.get(id).await).await?, json)?,
        DraftCmd::Update {
            id,
            metadata,
            set,
            unset,
        } => {
            if metadata.is_none() && set.is_empty() && unset.is_empty() {
                bail!("nothing to change: give --metadata FILE, --set PATH=VALUE or --unset PATH");
            }
            // Start from the server's draft so that access, files settings and pids are kept
            // unless the input sets them; send its revision so a concurrent change is refused.
            let mut current = hint_draft(c, id, d.get(id).await).await?;
            if let Some(src) = metadata {
                let input = read_draft(src)?;
                if input.metadata.is_some() {
                    current.metadata = input.metadata;
                }
                if input.access.is_some() {
                    current.access = input.access;
                }
                if input.files.is_some() {
                    current.files = input.files;
                }
                if input.custom_fields.is_some() {
                    current.custom_fields = input.custom_fields;
                }
                if input.pids.is_some() {
                    current.pids = input.pids;
                }
                // A revision in the input (a draft saved earlier with `draft get --json`) is
                // the one the user edited: a newer server revision means someone else changed
                // it.
                if input.revision_id.is_some() {
                    current.revision_id = input.revision_id;
                }
            }
            let changed = crate::edit::apply(&current, set, unset)?;
            let r = d.update(id, &changed).await.map_err(|e| {
                let stale = e.is_precondition_failed();
                let e = anyhow::Error::from(e);
                if stale {
                    // The revision sent is not the server's: someone changed the draft since.
                    e.context(output::Hint(format!(
                        "{id} was changed on the server since it was read; nothing was saved. Read it again (irdm draft get {id} --json) and redo the change"
                    )))
                } else {
                    e
                }
            })?;
            output::show(&r, json)?;
        }
        DraftCmd::Delete { id } => {
            d.delete(id).await?;
            if json {
                println!("{}", serde_json::json!({"deleted": id}))
            } else {
                println!("draft {id} discarded")
            }
        }
        DraftCmd::Publish { id } => {
            let r = c.repo().publish(id).await.map_err(|e| {
                let fix = set_hint(id, &e).or_else(|| community_hint(id, &e));
                let e = anyhow::Error::from(e).context(format!("cannot publish {id}"));
                match fix {
                    Some(h) => e.context(output::Hint(h)),
                    None => e,
                }
            })?;
            output::show(&r, json)?;
        }
        DraftCmd::Edit { id } => output::show(&d.edit(id).await?, json)?,
        DraftCmd::NewVersion {
            id,
            import_files,
            set,
            unset,
        } => {
            let mut draft = hint_record(c, id, d.new_version(id).await).await?;
            let new_id = draft
                .id
                .clone()
                .ok_or_else(|| anyhow!("the server returned a draft without an id"))?;
            if *import_files {
                let imported = d.files_import(&new_id).await?;
                if !json {
                    eprintln!(
                        "linked {} files of the previous version",
                        imported.iter().count()
                    );
                }
                draft = d.get(&new_id).await?;
            }
            if !set.is_empty() || !unset.is_empty() {
                let changed = crate::edit::apply(&draft, set, unset)?;
                draft = d.update(&new_id, &changed).await?;
            }
            output::show(&draft, json)?;
        }
        DraftCmd::ImportFiles { id } => {
            let f = d.files_import(id).await?;
            if json {
                output::json_line(&f)?
            } else {
                output::files(f.iter())
            }
        }
        DraftCmd::Files { id } => {
            let f = d.files(id).await?;
            if json {
                output::json_line(&f)?
            } else {
                output::files(f.iter())
            }
        }
        DraftCmd::FileDelete { id, key } => {
            d.file_delete(id, key).await?;
            if json {
                println!("{}", serde_json::json!({"deleted": key}))
            } else {
                println!("{key} deleted from draft {id}")
            }
        }
    }
    Ok(exit::OK)
}

pub(crate) async fn doi(c: &Client, cmd: &DoiCmd, json: bool) -> Result<u8> {
    let r = match cmd {
        DoiCmd::Reserve { id } => c.drafts().reserve_doi(id).await?,
        DoiCmd::Discard { id } => c.drafts().discard_doi(id).await?,
    };
    if json {
        output::json_line(&r)?;
    } else {
        match r.doi() {
            Some(doi) => println!("{doi}"),
            None => println!("draft {} has no DOI", r.id.as_deref().unwrap_or("?")),
        }
    }
    Ok(exit::OK)
}
