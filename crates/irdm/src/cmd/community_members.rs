//! `irdm communities invite|invitations|set-member|remove-member|leave|request-membership`:
//! a community's members beyond the list.

use crate::output;
use anyhow::Result;
use clap::Subcommand;
use inveniordm::Client;
use inveniordm::api::Invitation;
use inveniordm::models::{MemberRole, SearchQuery};

/// The member commands of a community.
#[derive(Debug, Subcommand)]
pub enum CommunityMembersCmd {
    /// Invite users with a role (owners and managers); each gets a request to accept.
    Invite {
        /// Community id or slug.
        community: String,
        /// Users: ids, usernames or e-mail addresses.
        #[arg(required = true)]
        users: Vec<String>,
        /// reader, curator, manager or owner.
        #[arg(long, value_parser = ["reader", "curator", "manager", "owner"])]
        role: String,
        /// A message, the invitation's first comment.
        #[arg(long)]
        message: Option<String>,
    },
    /// The invitations a community sent, pending or not (owners and managers).
    Invitations {
        /// Community id or slug.
        community: String,
    },
    /// Change members' role or visibility (a pending invitation's role too).
    SetMember {
        /// Community id or slug.
        community: String,
        /// Users: ids, usernames or e-mail addresses.
        #[arg(required = true)]
        users: Vec<String>,
        /// The new role.
        #[arg(long, value_parser = ["reader", "curator", "manager", "owner"])]
        role: Option<String>,
        /// Show the membership publicly (only on your own) or hide it.
        #[arg(long)]
        visible: Option<bool>,
    },
    /// Remove members (a manager of their roles).
    RemoveMember {
        /// Community id or slug.
        community: String,
        /// Users: ids, usernames or e-mail addresses.
        #[arg(required = true)]
        users: Vec<String>,
    },
    /// Leave a community.
    Leave {
        /// Community id or slug.
        community: String,
    },
    /// The requests to join a community, pending or not (owners and managers; accept one with
    /// `irdm requests accept`).
    MembershipRequests {
        /// Community id or slug.
        community: String,
    },
    /// Ask to join a community whose member policy is open (off on a stock instance: exit 3).
    RequestMembership {
        /// Community id or slug.
        community: String,
        /// Why.
        #[arg(long)]
        message: Option<String>,
    },
}

/// User ids from ids, usernames or e-mail addresses.
async fn user_ids(c: &Client, who: &[String]) -> Result<Vec<String>> {
    let mut out = Vec::new();
    for w in who {
        let u = c.users().resolve(w).await?;
        out.push(u.require_id()?.to_string());
    }
    Ok(out)
}

/// Runs a [`CommunityMembersCmd`].
pub async fn run(c: &Client, cmd: &CommunityMembersCmd, json: bool) -> Result<u8> {
    let api = c.communities();
    let done = |what: String| {
        if json {
            println!("{}", serde_json::json!({ "done": what }));
        } else {
            println!("{what}");
        }
    };
    match cmd {
        CommunityMembersCmd::Invite {
            community,
            users,
            role,
            message,
        } => {
            let ids = user_ids(c, users).await?;
            let mut inv = Invitation::new(ids, MemberRole::from(role.as_str()));
            inv.message = message.clone();
            api.invite(community, &inv).await?;
            done(format!(
                "{} invited to {community} as {role}: each has a request to accept",
                users.join(", ")
            ));
        }
        CommunityMembersCmd::Invitations { community } => {
            let page = api
                .invitations(community, &SearchQuery::all().size(100))
                .await?;
            output::print_list(page.items(), json, output::members_table)?;
        }
        CommunityMembersCmd::SetMember {
            community,
            users,
            role,
            visible,
        } => {
            let ids = user_ids(c, users).await?;
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            let role = role.as_deref().map(MemberRole::from);
            api.update_members(community, &ids, role.as_ref(), *visible)
                .await?;
            done(format!("{} changed in {community}", users.join(", ")));
        }
        CommunityMembersCmd::RemoveMember { community, users } => {
            let ids = user_ids(c, users).await?;
            let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
            api.remove_members(community, &ids).await?;
            done(format!("{} removed from {community}", users.join(", ")));
        }
        CommunityMembersCmd::Leave { community } => {
            api.leave(community).await?;
            done(format!("you left {community}"));
        }
        CommunityMembersCmd::MembershipRequests { community } => {
            let page = api
                .membership_requests(community, &SearchQuery::all().size(100))
                .await?;
            output::print_list(page.items(), json, output::members_table)?;
        }
        CommunityMembersCmd::RequestMembership { community, message } => {
            let r = api
                .request_membership(community, message.as_deref())
                .await?;
            output::show_request(&r, json)?;
        }
    }
    Ok(crate::exit::OK)
}
