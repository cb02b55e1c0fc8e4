//! `irdm record communities …`: the communities a published record is in.

use super::communities::community_id;
use crate::{exit, output};
use anyhow::{Context, Result};
use clap::Subcommand;
use inveniordm::Client;
use inveniordm::api::Inclusion;
use inveniordm::models::*;

/// `irdm record communities …`.
#[derive(Debug, Subcommand)]
pub enum RecordCommunitiesCmd {
    /// The communities a record is in.
    List {
        /// Record id.
        id: String,
    },
    /// Add a published record to communities (an inclusion request each, accepted at once
    /// where you may include directly).
    Add {
        /// Record id.
        id: String,
        /// Community ids or slugs (up to 10).
        #[arg(required = true)]
        communities: Vec<String>,
        /// Ask for a review even where you may include directly.
        #[arg(long)]
        require_review: bool,
        /// A message for the curators.
        #[arg(long)]
        message: Option<String>,
    },
    /// Remove a record from communities.
    Remove {
        /// Record id.
        id: String,
        /// Community ids or slugs.
        #[arg(required = true)]
        communities: Vec<String>,
    },
    /// Set the record's default community (one it is in), or clear it with --clear.
    Default {
        /// Record id.
        id: String,
        /// Community id or slug.
        #[arg(required_unless_present = "clear")]
        community: Option<String>,
        /// Clear the default.
        #[arg(long, conflicts_with = "community")]
        clear: bool,
    },
}

/// `irdm record communities …`.
pub async fn record_communities(c: &Client, cmd: &RecordCommunitiesCmd, json: bool) -> Result<u8> {
    let r = c.records();
    match cmd {
        RecordCommunitiesCmd::List { id } => {
            let res = r.communities(id, &SearchQuery::all().size(100)).await?;
            output::print_list(res.items(), json, output::communities_table)?;
        }
        RecordCommunitiesCmd::Add {
            id,
            communities,
            require_review,
            message: m,
        } => {
            let list: Vec<Inclusion> = communities
                .iter()
                .map(|com| Inclusion {
                    community: com.clone(),
                    require_review: *require_review,
                    comment: m.clone(),
                })
                .collect();
            // A refusal of every community lists each with the reason.
            let res = r
                .add_to_communities(id, &list)
                .await
                .with_context(|| format!("cannot add {id} to the communities"))?;
            if json {
                output::json_line(&res)?;
            } else {
                for p in res.processed.iter().flatten() {
                    let com = p["community_id"].as_str().unwrap_or("?");
                    let status = p
                        .get("request")
                        .and_then(|r| r["status"].as_str())
                        .unwrap_or("submitted");
                    let req = p["request_id"].as_str().unwrap_or("?");
                    println!("{com}: request {req} ({status})");
                }
            }
            if refused(&res, "community_id", json) {
                return Ok(exit::REFUSED);
            }
        }
        RecordCommunitiesCmd::Default {
            id,
            community,
            clear: _,
        } => {
            let cid = match community {
                Some(com) => Some(community_id(c, com).await?),
                None => None,
            };
            let parent = c
                .records()
                .set_default_community(id, cid.as_deref())
                .await?;
            if json {
                output::json_line(&parent)?;
            } else {
                match &cid {
                    Some(x) => println!("{id}: default community {x}"),
                    None => println!("{id}: no default community"),
                }
            }
        }
        RecordCommunitiesCmd::Remove { id, communities } => {
            let mut ids = Vec::new();
            for com in communities {
                ids.push(community_id(c, com).await?);
            }
            let refs: Vec<&str> = ids.iter().map(String::as_str).collect();
            let res = r.remove_from_communities(id, &refs).await?;
            if json {
                output::json_line(&res)?;
            } else {
                println!(
                    "{id} removed from {} communities",
                    refs.len() - res.errors.iter().flatten().count()
                );
            }
            if refused(&res, "community", json) {
                return Ok(exit::REFUSED);
            }
        }
    }
    Ok(exit::OK)
}

/// Prints the communities the server refused (unless `json`, where the answer says it);
/// whether there were any. `key` names the community in an error.
pub(crate) fn refused(res: &InclusionResult, key: &str, json: bool) -> bool {
    let errors = res.errors.as_deref().unwrap_or(&[]);
    if !json {
        for e in errors {
            eprintln!(
                "{}: {}",
                e.get(key).and_then(|v| v.as_str()).unwrap_or("?"),
                e.get("message")
                    .and_then(|v| v.as_str())
                    .unwrap_or("refused")
            );
        }
    }
    !errors.is_empty()
}
