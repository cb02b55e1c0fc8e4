//! `irdm communities rename|restore|featured|feature|featured-entries|unfeature`: a
//! community's slug, its restoration, and featured communities (administrators).

use crate::output;
use anyhow::Result;
use clap::Subcommand;
use inveniordm::Client;
use inveniordm::api::Joining;
use inveniordm::models::SearchQuery;

/// The community commands of owners and administrators.
#[derive(Debug, Subcommand)]
pub enum CommunityAdminCmd {
    /// Give a community a new slug (owners); its address changes, nothing else.
    Rename {
        /// Community id or slug.
        community: String,
        /// The new slug (letters, digits and dashes).
        slug: String,
    },
    /// Bring a deleted community back (owners).
    Restore {
        /// Community id or slug.
        community: String,
    },
    /// The featured communities (public ones featured from a date already past).
    Featured,
    /// Feature a community from a date (administrators).
    Feature {
        /// Community id or slug.
        community: String,
        /// From when, in UTC (`2026-12-24T00:00:00`); default now.
        #[arg(long)]
        from: Option<String>,
    },
    /// The entries that feature a community (administrators).
    FeaturedEntries {
        /// Community id or slug.
        community: String,
    },
    /// Ask for a community of yours (or a new one) to become a subcommunity of PARENT;
    /// accepted at once if you manage the parent too.
    Join {
        /// The parent community (id or slug).
        parent: String,
        /// Your community (id or slug).
        #[arg(required_unless_present = "new_slug")]
        child: Option<String>,
        /// Make a new community to join, with this slug.
        #[arg(long, requires = "new_title", conflicts_with = "child")]
        new_slug: Option<String>,
        /// The new community's title.
        #[arg(long)]
        new_title: Option<String>,
    },
    /// The subcommunities of a community.
    Subcommunities {
        /// Community id or slug.
        community: String,
    },
    /// Let a community take subcommunities, or with --no stop it (administrators).
    AllowChildren {
        /// Community id or slug.
        community: String,
        /// Take none.
        #[arg(long)]
        no: bool,
    },
    /// Remove an entry that features a community (administrators).
    Unfeature {
        /// Community id or slug.
        community: String,
        /// The entry's number (see featured-entries).
        entry: u64,
    },
}

/// Runs a [`CommunityAdminCmd`].
pub async fn run(c: &Client, cmd: &CommunityAdminCmd, json: bool) -> Result<u8> {
    let api = c.communities();
    match cmd {
        CommunityAdminCmd::Rename { community, slug } => {
            let renamed = api.rename(community, slug, None).await?;
            output::show_community(&renamed, json)?;
        }
        CommunityAdminCmd::Restore { community } => {
            output::show_community(&api.restore(community).await?, json)?;
        }
        CommunityAdminCmd::Featured => {
            let page = api.featured(&SearchQuery::all().size(100)).await?;
            output::print_list(page.items(), json, output::communities_table)?;
        }
        CommunityAdminCmd::Feature { community, from } => {
            let start = from
                .clone()
                .unwrap_or_else(|| chrono::Utc::now().format("%Y-%m-%dT%H:%M:%S").to_string());
            let f = api.feature(community, &start).await?;
            if json {
                output::json_line(&f)?;
            } else {
                println!(
                    "{community} featured from {} (entry {})",
                    f.start_date.as_deref().unwrap_or("?"),
                    f.id.map(|i| i.to_string()).unwrap_or_default()
                );
            }
        }
        CommunityAdminCmd::FeaturedEntries { community } => {
            let entries = api.featured_entries(community).await?;
            if json {
                for e in &entries {
                    output::json_line(e)?;
                }
            } else if entries.is_empty() {
                println!("{community} is not featured");
            } else {
                for e in &entries {
                    println!(
                        "{}\t{}",
                        e.id.map(|i| i.to_string()).unwrap_or_default(),
                        e.start_date.as_deref().unwrap_or("")
                    );
                }
            }
        }
        CommunityAdminCmd::Join {
            parent,
            child,
            new_slug,
            new_title,
        } => {
            let joining = match (child, new_slug) {
                (Some(c), _) => Joining::Existing(c.clone()),
                (None, Some(slug)) => Joining::New {
                    slug: slug.clone(),
                    title: new_title.clone().unwrap_or_default(),
                },
                (None, None) => anyhow::bail!(inveniordm::Error::Usage(
                    "name your community, or give --new-slug and --new-title".into()
                )),
            };
            output::show_request(&api.join_request(parent, &joining).await?, json)?;
        }
        CommunityAdminCmd::Subcommunities { community } => {
            let page = api
                .subcommunities(community, &SearchQuery::all().size(100))
                .await?;
            output::print_list(page.items(), json, output::communities_table)?;
        }
        CommunityAdminCmd::AllowChildren { community, no } => {
            let c = api.set_children_allowed(community, !no).await?;
            if json {
                output::json_line(&c)?;
            } else {
                println!(
                    "{community} {} subcommunities",
                    if *no { "takes no" } else { "takes" }
                );
            }
        }
        CommunityAdminCmd::Unfeature { community, entry } => {
            api.unfeature(community, *entry).await?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"community": community, "unfeatured": entry})
                );
            } else {
                println!("entry {entry} of {community} removed");
            }
        }
    }
    Ok(crate::exit::OK)
}
