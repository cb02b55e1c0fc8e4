//! `irdm access …`: sharing with people (grants, access settings, access requests).

use crate::{exit, output};
use anyhow::{Result, anyhow, bail};
use clap::Subcommand;
use inveniordm::Client;
use inveniordm::models::*;

/// `irdm access …`.
#[derive(Debug, Subcommand)]
pub enum AccessCmd {
    /// Let a user see or change a record (or its draft).
    Grant {
        /// Record id.
        id: String,
        /// The user: an id, a username or an e-mail address.
        #[arg(long, required_unless_present = "group", conflicts_with = "group")]
        user: Option<String>,
        /// The group, by its id (`admin` for a fresh instance's administrators).
        #[arg(long)]
        group: Option<String>,
        /// view, preview, edit or manage.
        #[arg(long, default_value = "view")]
        permission: String,
        /// A message for the user.
        #[arg(long)]
        message: Option<String>,
        /// Tell the user by e-mail.
        #[arg(long)]
        notify: bool,
    },
    /// List a record's grants (the number in the first column is the grant's id).
    Grants {
        /// Record id.
        id: String,
    },
    /// Remove a grant: by its number (see `irdm access grants`) or --user.
    Revoke {
        /// Record id.
        id: String,
        /// The grant's number.
        grant: Option<u64>,
        /// The user whose grant to remove: an id, a username or an e-mail address.
        #[arg(long, conflicts_with = "grant")]
        user: Option<String>,
        /// The group whose grant to remove, by its id.
        #[arg(long, conflicts_with_all = ["grant", "user"])]
        group: Option<String>,
    },
    /// Change who may ask for access to a record.
    Settings {
        /// Record id.
        id: String,
        /// Whether signed-in users may request access.
        #[arg(long)]
        allow_user_requests: Option<bool>,
        /// Whether guests may request access.
        #[arg(long)]
        allow_guest_requests: Option<bool>,
        /// Conditions shown to those who ask (HTML).
        #[arg(long)]
        conditions: Option<String>,
        /// Days a link made for an accepted request lasts (0: no expiry, at most 365).
        #[arg(long, value_parser = clap::value_parser!(u64).range(0..=365))]
        link_days: Option<u64>,
    },
    /// Ask a record's owner for access to its files.
    Request {
        /// Record id.
        id: String,
        /// Your e-mail address (as your account has it).
        #[arg(long)]
        email: String,
        /// Why you ask.
        #[arg(long)]
        message: String,
    },
}

pub(crate) fn grant_permission(s: &str) -> Result<GrantPermission> {
    match s {
        "view" | "preview" | "edit" | "manage" => Ok(GrantPermission::from(s)),
        other => bail!("permission must be view, preview, edit or manage, not {other:?}"),
    }
}

/// `irdm access …`.
pub async fn access(c: &Client, cmd: &AccessCmd, json: bool) -> Result<u8> {
    let g = c.records().grants();
    match cmd {
        AccessCmd::Grant {
            id,
            user,
            group,
            permission,
            message,
            notify,
        } => {
            let p = grant_permission(permission)?;
            if let Some(group) = group {
                let made = g.create(id, &[AccessGrant::to_group(group, p)]).await?;
                if json {
                    for x in made.items() {
                        output::json_line(x)?;
                    }
                } else {
                    println!("the group {group} may now {permission} {id}");
                }
                return Ok(exit::OK);
            }
            let user = user.as_deref().unwrap_or_default();
            let who = c.users().resolve(user).await?;
            let uid = who
                .id
                .clone()
                .ok_or_else(|| anyhow!("the server returned user {user} without an id"))?;
            let mut grant = AccessGrant::to_user(&uid, p);
            grant.message = message.clone();
            if *notify {
                grant.notify = Some(true);
            }
            let made = g.create(id, &[grant]).await?;
            if json {
                for x in made.items() {
                    output::json_line(x)?;
                }
            } else {
                let name = who.username.as_deref().unwrap_or(uid.as_str());
                println!("{name} (user {uid}) may now {permission} {id}");
            }
        }
        AccessCmd::Grants { id } => {
            let list = g.list(id).await?;
            output::print_list(list.items(), json, output::grants_table)?;
        }
        AccessCmd::Revoke {
            id,
            grant,
            user,
            group,
        } => {
            match (grant, user, group) {
                (Some(n), _, _) => g.delete(id, *n).await?,
                (None, Some(u), _) => {
                    let who = c.users().resolve(u).await?;
                    let uid = who.id.clone().unwrap_or_default();
                    g.delete_user(id, &uid).await?;
                }
                (None, None, Some(gr)) => g.delete_group(id, gr).await?,
                (None, None, None) => {
                    bail!(
                        "name the grant: its number (see `irdm access grants {id}`), --user or --group"
                    )
                }
            }
            if json {
                println!("{}", serde_json::json!({"revoked": true, "record": id}));
            } else {
                println!("grant removed from {id}");
            }
        }
        AccessCmd::Settings {
            id,
            allow_user_requests,
            allow_guest_requests,
            conditions,
            link_days,
        } => {
            if allow_user_requests.is_none()
                && allow_guest_requests.is_none()
                && conditions.is_none()
                && link_days.is_none()
            {
                bail!(
                    "nothing to change: give --allow-user-requests, --allow-guest-requests, --conditions or --link-days"
                );
            }
            // The server replaces the settings whole: start from the current ones.
            let current = match c.records().get(id).await {
                Ok(r) => r,
                Err(e) if e.is_not_found() => c.drafts().get(id).await?,
                Err(e) => return Err(e.into()),
            };
            let mut s: AccessSettings = current.access_settings().unwrap_or_default();
            if let Some(b) = allow_user_requests {
                s.allow_user_requests = Some(*b);
            }
            if let Some(b) = allow_guest_requests {
                s.allow_guest_requests = Some(*b);
            }
            if let Some(t) = conditions {
                s.accept_conditions_text = Some(t.clone());
            }
            if let Some(n) = link_days {
                s.secret_link_expiration = Some(*n);
            }
            let r = c.records().set_access_settings(id, &s).await?;
            let now = serde_json::to_value(r.access_settings().unwrap_or_default())?;
            if json {
                println!("{now}");
            } else {
                println!("access settings of {id}: {now}");
            }
        }
        AccessCmd::Request { id, email, message } => {
            let r = c.records().request_access(id, email, message).await?;
            if json {
                output::json_line(&r)?;
            } else {
                println!(
                    "access requested: request {} ({})",
                    r.id.as_deref().unwrap_or("?"),
                    r.status.as_ref().map(|s| s.to_string()).unwrap_or_default()
                );
            }
        }
    }
    Ok(exit::OK)
}
