//! Polite clients against a busy server: the sandbox as Zenodo (1 000 requests and 30
//! searches a window), with the window shortened so that a test takes seconds.

use futures_util::StreamExt;
use inveniordm::Client;
use inveniordm::models::{Access, Files, Metadata, Record, SearchQuery};
use inveniordm_sandbox::{Sandbox, SandboxConfig};
use std::sync::atomic::Ordering;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn searches_past_the_search_budget_wait_for_the_window_and_meet_no_429() {
    let sandbox = Sandbox::start(SandboxConfig::zenodo(2))
        .await
        .expect("sandbox");
    let c = Client::new(sandbox.url(), Some(sandbox.token())).expect("client");
    let mut m = Metadata::default();
    m.title = Some("Busy".into());
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
    // 75 searches (2.5 windows' worth) and 150 reads of the draft, eight at a time.
    let searches = futures_util::stream::iter(0..75)
        .map(|_| {
            let c = c.clone();
            async move {
                c.query()
                    .user_records(&SearchQuery::new("Busy"))
                    .await
                    .map(|_| ())
            }
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>();
    let reads = futures_util::stream::iter(0..150)
        .map(|_| {
            let c = c.clone();
            let id = id.clone();
            async move { c.drafts().get(&id).await.map(|_| ()) }
        })
        .buffer_unordered(8)
        .collect::<Vec<_>>();
    let (s, r) = tokio::join!(searches, reads);
    assert!(s.iter().all(Result::is_ok) && r.iter().all(Result::is_ok));
    let counters = sandbox.counters();
    assert_eq!(
        counters.rate_limited.load(Ordering::SeqCst),
        0,
        "the client kept within both budgets"
    );
    // Every request was answered once: none was repeated after a refusal.
    assert_eq!(counters.requests.load(Ordering::SeqCst), 1 + 75 + 150);
}
