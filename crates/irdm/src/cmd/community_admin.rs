//! `irdm communities rename|restore|featured|feature|featured-entries|unfeature`: a
//! community's slug, its restoration, and featured communities (administrators).

use crate::output;
use anyhow::Result;
use clap::Subcommand;
use inveniordm::Client;
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
