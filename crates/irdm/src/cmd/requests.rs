//! `irdm requests …`: reviews, inclusions and access requests.

use crate::{exit, output};
use anyhow::{Context, Result};
use clap::Subcommand;
use inveniordm::Client;
use inveniordm::models::*;

/// `irdm requests …`.
#[derive(Debug, Subcommand)]
pub enum RequestsCmd {
    /// List requests: those you may see, or with --mine those you made or received.
    List {
        /// Search query.
        query: Option<String>,
        /// Only the requests you created or that name you as receiver.
        #[arg(long)]
        mine: bool,
        /// Only open (submitted) requests.
        #[arg(long)]
        open: bool,
        /// Results per page.
        #[arg(long, default_value_t = 25)]
        size: u64,
    },
    /// Show a request with the actions you may take.
    Show {
        /// Request id.
        id: String,
    },
    /// Accept a request (its receiver): a submission is published in the community.
    Accept {
        /// Request id.
        id: String,
        /// A message for the timeline.
        #[arg(long)]
        message: Option<String>,
    },
    /// Decline a request (its receiver): a submission goes back to its owner.
    Decline {
        /// Request id.
        id: String,
        /// A message for the timeline.
        #[arg(long)]
        message: Option<String>,
    },
    /// Cancel a request (its creator).
    Cancel {
        /// Request id.
        id: String,
        /// A message for the timeline.
        #[arg(long)]
        message: Option<String>,
    },
    /// Comment on a request.
    Comment {
        /// Request id.
        id: String,
        /// The comment.
        text: String,
    },
    /// Reply to a comment (InvenioRDM v14; threads are one level deep).
    Reply {
        /// Request id.
        id: String,
        /// The comment's id (the ID column of `irdm requests timeline`).
        comment: String,
        /// The reply.
        text: String,
    },
    /// Delete a request that was never submitted (its creator). A draft's review is
    /// withdrawn with `irdm review delete` instead.
    Delete {
        /// Request id.
        id: String,
    },
    /// A request's comments and events, oldest first, each comment's replies under it (v14).
    Timeline {
        /// Request id.
        id: String,
    },
}

pub(crate) fn message(text: &Option<String>) -> Option<EventPayload> {
    text.as_deref().map(EventPayload::text)
}

/// `irdm requests …`.
pub async fn requests(c: &Client, cmd: &RequestsCmd, json: bool) -> Result<u8> {
    let api = c.requests();
    match cmd {
        RequestsCmd::List {
            query,
            mine,
            open,
            size,
        } => {
            let mut q = SearchQuery::new(query.clone().unwrap_or_default()).size(*size);
            if *open {
                q = q.filter("is_open", "true");
            }
            // With --json, each request exactly as the server wrote it.
            let path = if *mine { "user/requests" } else { "requests/" };
            let page = c
                .raw()
                .get(&format!("{path}?{}", q.to_query_string()))
                .await?;
            let hits = page
                .pointer("/hits/hits")
                .and_then(|h| h.as_array())
                .cloned()
                .unwrap_or_default();
            if json {
                for h in &hits {
                    println!("{h}");
                }
            } else {
                let rs: Vec<Request> = hits
                    .into_iter()
                    .map(serde_json::from_value)
                    .collect::<std::result::Result<_, _>>()
                    .context("the server's requests")?;
                output::requests_table(&rs);
                let total = page
                    .pointer("/hits/total")
                    .and_then(|t| t.as_u64())
                    .unwrap_or(rs.len() as u64);
                eprintln!("{} of {total} requests", rs.len());
            }
        }
        RequestsCmd::Show { id } => output::show_request(&api.get(id).await?, json)?,
        RequestsCmd::Accept { id, message: m } => {
            output::show_request(&api.accept(id, message(m).as_ref()).await?, json)?
        }
        RequestsCmd::Decline { id, message: m } => {
            output::show_request(&api.decline(id, message(m).as_ref()).await?, json)?
        }
        RequestsCmd::Cancel { id, message: m } => {
            output::show_request(&api.cancel(id, message(m).as_ref()).await?, json)?
        }
        RequestsCmd::Comment { id, text } => {
            let e = api.comment(id, &EventPayload::text(text)).await?;
            if json {
                output::json_line(&e)?;
            } else {
                println!("comment {} added", e.id.as_deref().unwrap_or("?"));
            }
        }
        RequestsCmd::Reply { id, comment, text } => {
            let e = api.reply(id, comment, &EventPayload::text(text)).await?;
            if json {
                output::json_line(&e)?;
            } else {
                println!("reply {} added", e.id.as_deref().unwrap_or("?"));
            }
        }
        RequestsCmd::Delete { id } => {
            api.delete(id).await?;
            if json {
                println!("{}", serde_json::json!({"id": id, "deleted": true}));
            } else {
                println!("request {id} deleted");
            }
        }
        RequestsCmd::Timeline { id } => {
            let t = api.timeline(id, &SearchQuery::all().size(100)).await?;
            // Each comment's replies under it: v14 answers a timeline with a preview of the
            // newest five; all of them are read where the comment has a replies link.
            let mut events = Vec::new();
            for e in t.items() {
                let mut top = e.clone();
                let children = top.children.take().unwrap_or_default();
                events.push(top);
                let has_replies = e.links.as_ref().is_some_and(|l| l.contains_key("replies"));
                match (&e.id, has_replies) {
                    (Some(cid), true) => {
                        let replies = api.replies(id, cid, &SearchQuery::all().size(100)).await?;
                        events.extend(replies.items().iter().cloned());
                    }
                    _ => events.extend(children),
                }
            }
            output::print_list(&events, json, output::timeline_table)?;
        }
    }
    Ok(exit::OK)
}
