//! Listings past the search window: split by record id, every record once, none left out,
//! though they were all created within the same second.

use std::collections::BTreeSet;

use futures_util::TryStreamExt;
use inveniordm::Client;
use inveniordm::api::Scope;
use inveniordm::models::{Access, Files, Metadata, Record, SearchQuery};
use inveniordm_sandbox::{Sandbox, SandboxConfig};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_past_the_window_returns_every_record_exactly_once() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let c = Client::new(sandbox.url(), Some(sandbox.token())).expect("client");
    let mut made = BTreeSet::new();
    for i in 0..120 {
        let mut m = Metadata::default();
        m.title = Some(format!("Listed {i}"));
        let d = c
            .drafts()
            .create(&Record {
                metadata: Some(m),
                access: Some(Access::public()),
                files: Some(Files::disabled()),
                ..Record::default()
            })
            .await
            .expect("draft");
        made.insert(d.id.clone().expect("id"));
    }
    // A window of 25: the 120 drafts cannot be paged in one query.
    let q = SearchQuery::new("metadata.title:Listed").size(10);
    let plain: Vec<Record> = c
        .query()
        .records_stream(Scope::Mine, q.clone())
        .try_collect()
        .await
        .expect("paged");
    assert_eq!(plain.len(), 120, "the sandbox's own window is 10 000");
    let split: Vec<Record> = c
        .query()
        .records_split(Scope::Mine, q.clone(), 25)
        .try_collect()
        .await
        .expect("split listing");
    let ids: Vec<String> = split.iter().filter_map(|r| r.id.clone()).collect();
    let unique: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(ids.len(), 120, "no record twice");
    assert_eq!(unique, made, "every record, none missing");
    // A window so small that parts are split again by their second character.
    let deep: Vec<Record> = c
        .query()
        .records_split(Scope::Mine, q, 5)
        .try_collect()
        .await
        .expect("deeper split");
    let deep_ids: BTreeSet<String> = deep.iter().filter_map(|r| r.id.clone()).collect();
    assert_eq!(deep.len(), 120);
    assert_eq!(deep_ids, made);
    // Within the window, one query is enough.
    let small: Vec<Record> = c
        .query()
        .records_split(
            Scope::Mine,
            SearchQuery::new("metadata.title:\"Listed 7\""),
            25,
        )
        .try_collect()
        .await
        .expect("small listing");
    assert_eq!(small.len(), 1);
    sandbox.stop().await;
}

/// Publishes a record titled `title` (metadata only).
async fn publish(c: &Client, title: &str) -> String {
    let mut m = Metadata::default();
    m.title = Some(title.into());
    m.resource_type = Some(inveniordm::models::VocabRef::id("dataset"));
    m.publication_date = Some("2026-12-06".into());
    m.creators = Some(vec![inveniordm::models::Creator::person("Lovelace", "Ada")]);
    let d = c
        .drafts()
        .create(&Record {
            metadata: Some(m),
            access: Some(Access::public()),
            files: Some(Files::disabled()),
            ..Record::default()
        })
        .await
        .expect("draft");
    let id = d.id.clone().expect("id");
    c.drafts().publish(&id).await.expect("publish");
    id
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_listing_of_a_repository_that_keeps_publishing_ends_without_error_or_duplicates() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let c = Client::new(sandbox.url(), Some(sandbox.token())).expect("client");
    let mut before = BTreeSet::new();
    for i in 0..300 {
        before.insert(publish(&c, &format!("Live {i}")).await);
    }
    // 200 more are published while the listing runs.
    let writer = {
        let c = c.clone();
        tokio::spawn(async move {
            let mut added = BTreeSet::new();
            for i in 0..200 {
                added.insert(publish(&c, &format!("Live later {i}")).await);
            }
            added
        })
    };
    let listed: Vec<Record> = c
        .query()
        .records_split(
            Scope::Published,
            SearchQuery::new("metadata.title:Live").size(10),
            25,
        )
        .try_collect()
        .await
        .expect("a live repository is no error");
    let added = writer.await.expect("writer");
    let ids: Vec<String> = listed.iter().filter_map(|r| r.id.clone()).collect();
    let unique: BTreeSet<String> = ids.iter().cloned().collect();
    assert_eq!(ids.len(), unique.len(), "no record twice");
    assert!(
        before.is_subset(&unique),
        "every record there before is listed"
    );
    assert!(
        unique.difference(&before).all(|id| added.contains(id)),
        "nothing else"
    );
    sandbox.stop().await;
}
