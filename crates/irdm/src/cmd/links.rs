//! `irdm links …`: access links of a record.

use crate::{exit, output};
use anyhow::{Result, bail};
use clap::Subcommand;
use inveniordm::Client;
use inveniordm::models::*;

/// `irdm links …`.
#[derive(Debug, Subcommand)]
pub enum LinksCmd {
    /// List a record's access links.
    List {
        /// Record id.
        id: String,
    },
    /// Show one link.
    Get {
        /// Record id.
        id: String,
        /// Link id.
        link_id: String,
    },
    /// Create a link.
    Create {
        /// Record id.
        id: String,
        /// view, preview or edit.
        #[arg(long, default_value = "view")]
        permission: String,
        /// Expiry date (YYYY-MM-DD).
        #[arg(long)]
        expires: Option<String>,
        /// Description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Change a link.
    Update {
        /// Record id.
        id: String,
        /// Link id.
        link_id: String,
        /// view, preview or edit.
        #[arg(long)]
        permission: Option<String>,
        /// Expiry date (YYYY-MM-DD).
        #[arg(long)]
        expires: Option<String>,
        /// Description.
        #[arg(long)]
        description: Option<String>,
    },
    /// Delete a link.
    Delete {
        /// Record id.
        id: String,
        /// Link id.
        link_id: String,
    },
}

pub(crate) fn permission(p: &str) -> Result<LinkPermission> {
    match p {
        "view" | "preview" | "edit" => Ok(LinkPermission::from(p)),
        other => bail!("permission must be view, preview or edit, not {other:?}"),
    }
}

pub(crate) async fn links(c: &Client, cmd: &LinksCmd, json: bool) -> Result<u8> {
    let l = c.records().access_links();
    match cmd {
        LinksCmd::List { id } => {
            let page = l.list(id).await?;
            if json {
                for x in page.items() {
                    output::json_line(x)?;
                }
            } else {
                output::links(page.items());
            }
        }
        LinksCmd::Get { id, link_id } => {
            let x = l.get(id, link_id).await?;
            if json {
                output::json_line(&x)?
            } else {
                output::links(std::slice::from_ref(&x))
            }
        }
        LinksCmd::Create {
            id,
            permission: p,
            expires,
            description,
        } => {
            let mut link = AccessLink::with_permission(permission(p)?);
            link.expires_at = expires.clone();
            link.description = description.clone();
            let x = l.create(id, &link).await?;
            if json {
                output::json_line(&x)?;
            } else {
                output::links(std::slice::from_ref(&x));
                if let Some(t) = &x.token {
                    println!("share: append ?token={t} to the record's address");
                }
            }
        }
        LinksCmd::Update {
            id,
            link_id,
            permission: p,
            expires,
            description,
        } => {
            let mut link = AccessLink::default();
            if let Some(p) = p {
                link.permission = Some(permission(p)?);
            }
            link.expires_at = expires.clone();
            link.description = description.clone();
            let x = l.update(id, link_id, &link).await?;
            if json {
                output::json_line(&x)?
            } else {
                output::links(std::slice::from_ref(&x))
            }
        }
        LinksCmd::Delete { id, link_id } => {
            l.delete(id, link_id).await?;
            if json {
                println!("{}", serde_json::json!({"deleted": link_id}))
            } else {
                println!("link {link_id} deleted")
            }
        }
    }
    Ok(exit::OK)
}
