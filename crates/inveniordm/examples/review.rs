//! Publish through a community: a depositor submits a draft for review, a curator comments
//! and accepts, and the record is published in the community.
//!
//! Runs against a sandbox it starts on a free loopback port, with a second user as the
//! depositor (on a real server, give the curator's and the depositor's tokens as
//! `INVENIORDM_TOKEN` and `INVENIORDM_SECOND_TOKEN` with `INVENIORDM_URL`):
//!
//! ```sh
//! cargo run -p inveniordm --example review
//! ```

use inveniordm::api::SubmitReview;
use inveniordm::models::{
    Access, Community, Creator, EventPayload, Files, Metadata, Record, SearchQuery, VocabRef,
};
use inveniordm::{Client, Error, Result};

#[tokio::main]
async fn main() -> Result<()> {
    let (curator, depositor, _sandbox) = match (
        std::env::var("INVENIORDM_URL"),
        std::env::var("INVENIORDM_SECOND_TOKEN"),
    ) {
        (Ok(url), Ok(second)) => (Client::from_env()?, Client::new(&url, Some(&second))?, None),
        _ => {
            let sandbox = inveniordm_sandbox::Sandbox::start(inveniordm_sandbox::SandboxConfig {
                users: vec![("depositor".into(), "depositor-token-0123456789".into())],
                ..Default::default()
            })
            .await
            .map_err(|e| Error::Config(e.to_string()))?;
            println!("using a sandbox at {}", sandbox.url());
            (
                Client::new(sandbox.url(), Some(sandbox.token()))?,
                Client::new(sandbox.url(), Some("depositor-token-0123456789"))?,
                Some(sandbox),
            )
        }
    };

    // The curator makes a community.
    let slug = format!(
        "example-{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0)
    );
    let community = curator
        .communities()
        .create(&Community::new_with(&slug, "Example community"))
        .await?;
    let cid = community.require_id()?;
    println!("community {slug} ({cid})");

    // The depositor writes a draft and submits it.
    let mut m = Metadata::default();
    m.title = Some("Reviewed deposit".into());
    m.resource_type = Some(VocabRef::id("dataset"));
    m.publication_date = Some("2026-12-03".into());
    m.creators = Some(vec![Creator::person("Lovelace", "Ada")]);
    let draft = depositor
        .drafts()
        .create(&Record {
            metadata: Some(m),
            access: Some(Access::public()),
            files: Some(Files::disabled()),
            ..Record::default()
        })
        .await?;
    let id = draft.require_id()?;
    depositor.drafts().set_review(id, cid).await?;
    let request = depositor
        .drafts()
        .submit_review(
            id,
            &SubmitReview::new().message(EventPayload::text("Please include it.")),
        )
        .await?;
    let rid = request.require_id()?;
    println!("draft {id} submitted: request {rid}");

    // The curator reads, comments and accepts, which publishes the record.
    let seen = curator.requests().get(rid).await?;
    println!(
        "the curator may: {:?}",
        seen.actions().keys().collect::<Vec<_>>()
    );
    curator
        .requests()
        .comment(rid, &EventPayload::text("Thank you."))
        .await?;
    let accepted = curator.requests().accept(rid, None).await?;
    println!("request {rid}: {:?}", accepted.status);
    for event in curator
        .requests()
        .timeline(rid, &SearchQuery::all())
        .await?
        .items()
    {
        let p = event.payload.clone().unwrap_or_default();
        println!(
            "  {} {}",
            event.kind.as_deref().unwrap_or("?"),
            p.content.or(p.event).unwrap_or_default()
        );
    }
    let record = depositor.records().get(id).await?;
    println!(
        "record {id} published: {:?}, in {} communities",
        record.is_published,
        depositor
            .records()
            .communities(id, &SearchQuery::all())
            .await?
            .total()
    );
    Ok(())
}
