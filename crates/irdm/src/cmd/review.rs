//! `irdm review …`: a draft's submission to a community.

use super::communities::community_id;
use super::requests::message;
use crate::{exit, output};
use anyhow::{Context, Result};
use clap::Subcommand;
use inveniordm::Client;
use inveniordm::api::SubmitReview;

/// `irdm review …`.
#[derive(Debug, Subcommand)]
pub enum ReviewCmd {
    /// Show a draft's review request.
    Get {
        /// Draft id.
        draft: String,
    },
    /// Choose the community a draft is to be submitted to.
    Set {
        /// Draft id.
        draft: String,
        /// Community id or slug.
        #[arg(long)]
        community: String,
    },
    /// Remove a draft's review (not once submitted: cancel the request instead).
    Delete {
        /// Draft id.
        draft: String,
    },
    /// Submit a draft to a community for review. Curators of a community that lets them
    /// publish directly are accepted at once, unless --require-review.
    Submit {
        /// Draft id.
        draft: String,
        /// Community id or slug (sets the review first; without it the review already set
        /// is submitted).
        #[arg(long)]
        community: Option<String>,
        /// A message for the curators.
        #[arg(long)]
        message: Option<String>,
        /// Ask for a review even where you may publish directly.
        #[arg(long)]
        require_review: bool,
    },
}

/// `irdm review …`.
pub async fn review(c: &Client, cmd: &ReviewCmd, json: bool) -> Result<u8> {
    let d = c.drafts();
    match cmd {
        ReviewCmd::Get { draft } => output::show_request(&d.review(draft).await?, json)?,
        ReviewCmd::Set { draft, community } => {
            let id = community_id(c, community).await?;
            output::show_request(&d.set_review(draft, &id).await?, json)?;
        }
        ReviewCmd::Delete { draft } => {
            d.delete_review(draft).await.map_err(|e| {
                let open = e.status() == Some(400);
                let e = anyhow::Error::from(e);
                if open {
                    e.context(output::Hint(format!(
                        "a submitted review is withdrawn by cancelling its request: irdm requests cancel $(irdm review get {draft} --json | jq -r .id)"
                    )))
                } else {
                    e
                }
            })?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({"deleted": "review", "draft": draft})
                );
            } else {
                println!("the review of {draft} is removed");
            }
        }
        ReviewCmd::Submit {
            draft,
            community,
            message: m,
            require_review,
        } => {
            if let Some(com) = community {
                let id = community_id(c, com).await?;
                d.set_review(draft, &id)
                    .await
                    .context("cannot set the review")?;
            }
            let r = d
                .submit_review(
                    draft,
                    &SubmitReview {
                        message: message(m),
                        require_review: *require_review,
                    },
                )
                .await
                .map_err(|e| {
                    let hint = (e.status() == Some(404)).then(|| {
                        output::Hint(format!(
                            "no community chosen for {draft}: irdm review submit {draft} --community ID_OR_SLUG"
                        ))
                    });
                    let e = anyhow::Error::from(e).context(format!("cannot submit {draft}"));
                    match hint {
                        Some(h) => e.context(h),
                        None => e,
                    }
                })?;
            if json {
                output::json_line(&r)?;
            } else {
                let status = r.status.as_ref().map(|s| s.to_string()).unwrap_or_default();
                match status.as_str() {
                    "accepted" => {
                        println!("{draft} is published in the community (accepted at once)")
                    }
                    _ => println!(
                        "{draft} is submitted for review: request {} ({status})",
                        r.id.as_deref().unwrap_or("?")
                    ),
                }
            }
        }
    }
    Ok(exit::OK)
}
