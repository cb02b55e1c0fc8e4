//! Communities, reviews, requests and access: `irdm communities`, `irdm review`,
//! `irdm requests`, `irdm record communities` and `irdm access`.

use anyhow::{Context, Result, anyhow, bail};
use clap::Subcommand;
use inveniordm::Client;
use inveniordm::api::Inclusion;
use inveniordm::models::{
    AccessGrant, AccessSettings, Community, CommunityPolicy, CommunityVisibility, EventPayload,
    GrantPermission, InclusionResult, Member, RecordQuery, Request, RequestEvent, ReviewPolicy,
};

use crate::{exit, output};

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
    /// The members of a community (members only).
    Members {
        /// Community id or slug.
        community: String,
    },
}

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
    /// A request's comments and events, oldest first.
    Timeline {
        /// Request id.
        id: String,
    },
}

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
}

/// `irdm access …`.
#[derive(Debug, Subcommand)]
pub enum AccessCmd {
    /// Let a user see or change a record (or its draft).
    Grant {
        /// Record id.
        id: String,
        /// The user: an id, a username or an e-mail address.
        #[arg(long)]
        user: String,
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

fn visibility(s: &str) -> Result<CommunityVisibility> {
    match s {
        "public" | "restricted" => Ok(CommunityVisibility::from(s)),
        other => bail!("visibility must be public or restricted, not {other:?}"),
    }
}

fn review_policy(s: &str) -> Result<ReviewPolicy> {
    match s {
        "closed" | "open" | "members" => Ok(ReviewPolicy::from(s)),
        other => bail!("the review policy must be closed, open or members, not {other:?}"),
    }
}

fn submission_policy(s: &str) -> Result<CommunityPolicy> {
    match s {
        "open" | "closed" => Ok(CommunityPolicy::from(s)),
        other => bail!("the submission policy must be open or closed, not {other:?}"),
    }
}

fn grant_permission(s: &str) -> Result<GrantPermission> {
    match s {
        "view" | "preview" | "edit" | "manage" => Ok(GrantPermission::from(s)),
        other => bail!("permission must be view, preview, edit or manage, not {other:?}"),
    }
}

fn message(text: &Option<String>) -> Option<EventPayload> {
    text.as_deref().map(EventPayload::text)
}

/// A community's id from an id or a slug.
async fn community_id(c: &Client, id_or_slug: &str) -> Result<String> {
    let com = c
        .communities()
        .get(id_or_slug)
        .await
        .with_context(|| format!("community {id_or_slug}"))?;
    com.id
        .ok_or_else(|| anyhow!("the server returned community {id_or_slug} without an id"))
}

/// Prints items as JSON lines, or as a table.
fn print_list<T: serde::Serialize>(items: &[T], json: bool, table: fn(&[T])) -> Result<()> {
    if json {
        for x in items {
            output::json_line(x)?;
        }
    } else {
        table(items);
    }
    Ok(())
}

fn communities_table(cs: &[Community]) {
    let rows: Vec<Vec<String>> = cs
        .iter()
        .map(|c| {
            vec![
                c.id.clone().unwrap_or_default(),
                c.slug.clone().unwrap_or_default(),
                c.access
                    .as_ref()
                    .and_then(|a| a.visibility.as_ref())
                    .map(|v| v.to_string())
                    .unwrap_or_default(),
                c.title().unwrap_or("").to_string(),
            ]
        })
        .collect();
    output::table(&["ID", "SLUG", "VISIBILITY", "TITLE"], &rows);
}

fn show_community(c: &Community, json: bool) -> Result<()> {
    if json {
        return output::json_line(c);
    }
    communities_table(std::slice::from_ref(c));
    if let Some(a) = &c.access {
        let v = |x: Option<String>| x.unwrap_or_else(|| "-".into());
        println!(
            "review policy: {}, submissions: {}",
            v(a.review_policy.as_ref().map(|p| p.to_string())),
            v(a.record_submission_policy.as_ref().map(|p| p.to_string()))
        );
    }
    Ok(())
}

fn requests_table(rs: &[Request]) {
    let rows: Vec<Vec<String>> = rs
        .iter()
        .map(|r| {
            vec![
                r.id.clone().unwrap_or_default(),
                r.kind.clone().unwrap_or_default(),
                r.status.as_ref().map(|s| s.to_string()).unwrap_or_default(),
                r.topic
                    .as_ref()
                    .and_then(|t| t.record.clone())
                    .unwrap_or_default(),
                r.title.clone().unwrap_or_default(),
            ]
        })
        .collect();
    output::table(&["ID", "TYPE", "STATUS", "RECORD", "TITLE"], &rows);
}

fn show_request(r: &Request, json: bool) -> Result<()> {
    if json {
        return output::json_line(r);
    }
    requests_table(std::slice::from_ref(r));
    let actions: Vec<String> = r.actions().into_keys().collect();
    if actions.is_empty() {
        println!("actions: none for you now");
    } else {
        println!("actions: {}", actions.join(", "));
    }
    Ok(())
}

fn timeline_table(es: &[RequestEvent]) {
    let rows: Vec<Vec<String>> = es
        .iter()
        .map(|e| {
            let p = e.payload.as_ref();
            let what = match e.kind.as_deref() {
                Some("C") => p
                    .and_then(|p| p.content.clone())
                    .map(|c| crate::output::plain(&c))
                    .unwrap_or_default(),
                _ => p
                    .and_then(|p| p.event.clone())
                    .map(|ev| format!("[{ev}]"))
                    .unwrap_or_default(),
            };
            vec![
                e.created.clone().unwrap_or_default(),
                e.created_by
                    .as_ref()
                    .and_then(|u| u.user.clone())
                    .map(|u| format!("user {u}"))
                    .unwrap_or_default(),
                what,
            ]
        })
        .collect();
    output::table(&["WHEN", "WHO", "WHAT"], &rows);
}

fn members_table(ms: &[Member]) {
    let rows: Vec<Vec<String>> = ms
        .iter()
        .map(|m| {
            let who = m.member.as_ref();
            vec![
                who.and_then(|w| w.id.clone()).unwrap_or_default(),
                m.role.as_ref().map(|r| r.to_string()).unwrap_or_default(),
                who.and_then(|w| w.name.clone()).unwrap_or_default(),
            ]
        })
        .collect();
    output::table(&["ID", "ROLE", "NAME"], &rows);
}

/// `irdm communities …`.
pub async fn communities(c: &Client, cmd: &CommunitiesCmd, json: bool) -> Result<u8> {
    let api = c.communities();
    match cmd {
        CommunitiesCmd::List {
            query,
            mine,
            size,
            page,
        } => {
            let mut q = RecordQuery::new(query.clone().unwrap_or_default()).size(*size);
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
                communities_table(res.items());
                eprintln!("{} of {} communities", res.items().len(), res.total());
            }
        }
        CommunitiesCmd::Get { community } => show_community(&api.get(community).await?, json)?,
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
            show_community(&made, json)?;
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
            show_community(&api.update(&id, &com).await?, json)?;
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
            let q = RecordQuery::new(query.clone().unwrap_or_default()).size(*size);
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
        CommunitiesCmd::Members { community } => {
            let id = community_id(c, community).await?;
            let res = api.members(&id, &RecordQuery::all().size(100)).await?;
            print_list(res.items(), json, members_table)?;
        }
    }
    Ok(exit::OK)
}

/// `irdm review …`.
pub async fn review(c: &Client, cmd: &ReviewCmd, json: bool) -> Result<u8> {
    let d = c.drafts();
    match cmd {
        ReviewCmd::Get { draft } => show_request(&d.review(draft).await?, json)?,
        ReviewCmd::Set { draft, community } => {
            let id = community_id(c, community).await?;
            show_request(&d.set_review(draft, &id).await?, json)?;
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
                .submit_review(draft, message(m).as_ref(), *require_review)
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
            let mut q = RecordQuery::new(query.clone().unwrap_or_default()).size(*size);
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
                requests_table(&rs);
                let total = page
                    .pointer("/hits/total")
                    .and_then(|t| t.as_u64())
                    .unwrap_or(rs.len() as u64);
                eprintln!("{} of {total} requests", rs.len());
            }
        }
        RequestsCmd::Show { id } => show_request(&api.get(id).await?, json)?,
        RequestsCmd::Accept { id, message: m } => {
            show_request(&api.accept(id, message(m).as_ref()).await?, json)?
        }
        RequestsCmd::Decline { id, message: m } => {
            show_request(&api.decline(id, message(m).as_ref()).await?, json)?
        }
        RequestsCmd::Cancel { id, message: m } => {
            show_request(&api.cancel(id, message(m).as_ref()).await?, json)?
        }
        RequestsCmd::Comment { id, text } => {
            let e = api.comment(id, &EventPayload::text(text)).await?;
            if json {
                output::json_line(&e)?;
            } else {
                println!("comment {} added", e.id.as_deref().unwrap_or("?"));
            }
        }
        RequestsCmd::Timeline { id } => {
            let t = api.timeline(id, &RecordQuery::all().size(100)).await?;
            print_list(t.items(), json, timeline_table)?;
        }
    }
    Ok(exit::OK)
}

/// `irdm record communities …`.
pub async fn record_communities(c: &Client, cmd: &RecordCommunitiesCmd, json: bool) -> Result<u8> {
    let r = c.records();
    match cmd {
        RecordCommunitiesCmd::List { id } => {
            let res = r.communities(id, &RecordQuery::all().size(100)).await?;
            print_list(res.items(), json, communities_table)?;
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
fn refused(res: &InclusionResult, key: &str, json: bool) -> bool {
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

fn grants_table(gs: &[AccessGrant]) {
    let rows: Vec<Vec<String>> = gs
        .iter()
        .map(|g| {
            let s = g.subject.as_ref();
            vec![
                g.id.map(|i| i.to_string()).unwrap_or_default(),
                s.and_then(|s| s.kind.clone()).unwrap_or_default(),
                s.and_then(|s| s.id.clone()).unwrap_or_default(),
                g.permission
                    .as_ref()
                    .map(|p| p.to_string())
                    .unwrap_or_default(),
                g.origin.clone().unwrap_or_default(),
            ]
        })
        .collect();
    output::table(&["GRANT", "SUBJECT", "ID", "PERMISSION", "ORIGIN"], &rows);
}

/// `irdm access …`.
pub async fn access(c: &Client, cmd: &AccessCmd, json: bool) -> Result<u8> {
    let g = c.records().grants();
    match cmd {
        AccessCmd::Grant {
            id,
            user,
            permission,
            message,
            notify,
        } => {
            let p = grant_permission(permission)?;
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
            print_list(list.items(), json, grants_table)?;
        }
        AccessCmd::Revoke { id, grant, user } => {
            match (grant, user) {
                (Some(n), _) => g.delete(id, *n).await?,
                (None, Some(u)) => {
                    let who = c.users().resolve(u).await?;
                    let uid = who.id.clone().unwrap_or_default();
                    g.delete_user(id, &uid).await?;
                }
                (None, None) => {
                    bail!("name the grant: its number (see `irdm access grants {id}`) or --user")
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
