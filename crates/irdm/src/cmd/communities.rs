//! `irdm communities …`.

use crate::{exit, output};
use anyhow::{Context, Result, anyhow, bail};
use clap::Subcommand;
use inveniordm::Client;
use inveniordm::models::*;

/// `irdm communities …`.
#[derive(Debug, Subcommand)]
pub enum CommunitiesCmd {
    /// Search communities (all, or yours with --mine).
    List {
        /// Search query.
        query: Option<String>,
        /// Only the communities you are a member of.
        #[arg(long)]
        mine: bool,
        /// Results per page.
        #[arg(long, default_value_t = 25)]
        size: u64,
        /// Page number.
        #[arg(long)]
        page: Option<u64>,
    },
    /// Show a community (by id or slug).
    Get {
        /// Community id or slug.
        community: String,
    },
    /// Create a community; you become its owner.
    Create {
        /// The short name in its address (letters, digits, - and _).
        #[arg(long)]
        slug: String,
        /// Title.
        #[arg(long)]
        title: String,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        /// public or restricted.
        #[arg(long, default_value = "public")]
        visibility: String,
        /// Whose submissions are reviewed: closed (everyone's), open (all but curators'),
        /// members (all but members').
        #[arg(long)]
        review_policy: Option<String>,
        /// Who may submit: open (anyone) or closed (members).
        #[arg(long)]
        submission_policy: Option<String>,
    },
    /// Change a community's title, description or policies.
    Update {
        /// Community id or slug.
        community: String,
        /// Title.
        #[arg(long)]
        title: Option<String>,
        /// Description.
        #[arg(long)]
        description: Option<String>,
        /// public or restricted.
        #[arg(long)]
        visibility: Option<String>,
        /// closed, open or members.
        #[arg(long)]
        review_policy: Option<String>,
        /// open or closed.
        #[arg(long)]
        submission_policy: Option<String>,
    },
    /// Delete a community.
    Delete {
        /// Community id or slug.
        community: String,
    },
    /// The records of a community.
    Records {
        /// Community id or slug.
        community: String,
        /// Search query.
        query: Option<String>,
        /// Results per page.
        #[arg(long, default_value_t = 25)]
        size: u64,
    },
    /// The requests a community receives (its curators' inbox): submissions and inclusions.
    Requests {
        /// Community id or slug.
        community: String,
        /// Only open requests.
        #[arg(long)]
        open: bool,
    },
    /// The members of a community (members only).
    Members {
        /// Community id or slug.
        community: String,
    },
    #[command(flatten)]
    Admin(super::community_admin::CommunityAdminCmd),
    #[command(flatten)]
    Membership(super::community_members::CommunityMembersCmd),
}

pub(crate) fn visibility(s: &str) -> Result<CommunityVisibility> {
    match s {
        "public" | "restricted" => Ok(CommunityVisibility::from(s)),
        other => bail!("visibility must be public or restricted, not {other:?}"),
    }
}

pub(crate) fn review_policy(s: &str) -> Result<ReviewPolicy> {
    match s {
        "closed" | "open" | "members" => Ok(ReviewPolicy::from(s)),
        other => bail!("the review policy must be closed, open or members, not {other:?}"),
    }
}

pub(crate) fn submission_policy(s: &str) -> Result<CommunityPolicy> {
    match s {
        "open" | "closed" => Ok(CommunityPolicy::from(s)),
        other => bail!("the submission policy must be open or closed, not {other:?}"),
    }
}

/// A community's id from an id or a slug.
pub(crate) async fn community_id(c: &Client, id_or_slug: &str) -> Result<String> {
    let com = c
        .communities()
        .get(id_or_slug)
        .await
        .with_context(|| format!("community {id_or_slug}"))?;
    com.id
        .ok_or_else(|| anyhow!("the server returned community {id_or_slug} without an id"))
}

/// `irdm communities …`.
pub async fn communities(c: &Client, cmd: &CommunitiesCmd, json: bool) -> Result<u8> {
    let api = c.communities();
    match cmd {
        CommunitiesCmd::Admin(a) => return super::community_admin::run(c, a, json).await,
        CommunitiesCmd::Membership(m) => return super::community_members::run(c, m, json).await,
        CommunitiesCmd::List {
            query,
            mine,
            size,
            page,
        } => {
            let mut q = SearchQuery::new(query.clone().unwrap_or_default()).size(*size);
            if let Some(p) = page {
                q = q.page(*p);
            }
            let res = if *mine {
                api.mine(&q).await?
            } else {
                api.search(&q).await?
            };
            if json {
                for x in res.items() {
                    output::json_line(x)?;
                }
            } else {
                output::communities_table(res.items());
                eprintln!("{} of {} communities", res.items().len(), res.total());
            }
        }
        CommunitiesCmd::Get { community } => {
            output::show_community(&api.get(community).await?, json)?
        }
        CommunitiesCmd::Create {
            slug,
            title,
            description,
            visibility: v,
            review_policy: rp,
            submission_policy: sp,
        } => {
            let mut com = Community::new_with(slug, title);
            let access = com.access.get_or_insert_with(Default::default);
            access.visibility = Some(visibility(v)?);
            if let Some(p) = rp {
                access.review_policy = Some(review_policy(p)?);
            }
            if let Some(p) = sp {
                access.record_submission_policy = Some(submission_policy(p)?);
            }
            if let Some(d) = description {
                com.metadata
                    .get_or_insert_with(Default::default)
                    .description = Some(d.clone());
            }
            let made = api
                .create(&com)
                .await
                .context("cannot create the community")?;
            output::show_community(&made, json)?;
        }
        CommunitiesCmd::Update {
            community,
            title,
            description,
            visibility: v,
            review_policy: rp,
            submission_policy: sp,
        } => {
            if title.is_none()
                && description.is_none()
                && v.is_none()
                && rp.is_none()
                && sp.is_none()
            {
                bail!(
                    "nothing to change: give --title, --description, --visibility, --review-policy or --submission-policy"
                );
            }
            // Start from the server's community; its revision makes a concurrent change a 412.
            let mut com = api.get(community).await?;
            let m = com.metadata.get_or_insert_with(Default::default);
            if let Some(t) = title {
                m.title = Some(t.clone());
            }
            if let Some(d) = description {
                m.description = Some(d.clone());
            }
            let a = com.access.get_or_insert_with(Default::default);
            if let Some(x) = v {
                a.visibility = Some(visibility(x)?);
            }
            if let Some(x) = rp {
                a.review_policy = Some(review_policy(x)?);
            }
            if let Some(x) = sp {
                a.record_submission_policy = Some(submission_policy(x)?);
            }
            let id = com.id.clone().unwrap_or_else(|| community.clone());
            output::show_community(&api.update(&id, &com).await?, json)?;
        }
        CommunitiesCmd::Delete { community } => {
            api.delete(community).await?;
            if json {
                println!("{}", serde_json::json!({"deleted": community}));
            } else {
                println!("community {community} deleted");
            }
        }
        CommunitiesCmd::Records {
            community,
            query,
            size,
        } => {
            let q = SearchQuery::new(query.clone().unwrap_or_default()).size(*size);
            let res = api.records(community, &q).await?;
            if json {
                for x in res.items() {
                    output::json_line(x)?;
                }
            } else {
                output::records(res.items());
                eprintln!("{} of {} records", res.items().len(), res.total());
            }
        }
        CommunitiesCmd::Requests { community, open } => {
            let id = community_id(c, community).await?;
            let mut q = SearchQuery::all().size(100).sort("newest");
            if *open {
                q = q.filter("is_open", "true");
            }
            let res = api.requests(&id, &q).await?;
            output::print_list(res.items(), json, output::requests_table)?;
        }
        CommunitiesCmd::Members { community } => {
            let id = community_id(c, community).await?;
            let res = api.members(&id, &SearchQuery::all().size(100)).await?;
            output::print_list(res.items(), json, output::members_table)?;
        }
    }
    Ok(exit::OK)
}
