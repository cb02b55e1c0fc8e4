//! Multipart uploads: every part sent and the server's own md5 checked; a part that fails is
//! retried alone; a server that refuses parts gets one stream and keeps no pending entry; a
//! wrong checksum after the commit is reported and the file removed.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use inveniordm::transfer::{Multipart, UploadOptions};
use inveniordm::{Client, Error, RetryConfig};
use inveniordm_sandbox::{Sandbox, SandboxConfig};
use md5::{Digest, Md5};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn client(url: &str) -> Client {
    Client::builder(url)
        .token("t")
        .retry(RetryConfig {
            max_retries: 3,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            max_elapsed: Duration::from_secs(20),
        })
        .build()
        .expect("client")
}

fn md5_hex(b: &[u8]) -> String {
    Md5::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}

fn data(n: usize) -> Vec<u8> {
    (0..n as u32)
        .flat_map(|i| i.wrapping_mul(2_654_435_761).to_le_bytes())
        .take(n)
        .collect()
}

fn in_parts(part_size: u64) -> UploadOptions {
    UploadOptions {
        multipart: Multipart::Always,
        part_size: Some(part_size),
        ..UploadOptions::default()
    }
}

/// The init answer of a three-part upload of `a.bin` on `server`.
fn parts_listing(server: &MockServer) -> serde_json::Value {
    json!({"entries": [pending_parts(server)]})
}

/// The pending entry of a three-part upload of `a.bin`.
fn pending_parts(server: &MockServer) -> serde_json::Value {
    let base = format!("{}/api/records/d/draft/files/a.bin", server.uri());
    json!({
        "key": "a.bin", "status": "pending", "file_id": "f1",
        "transfer": {"type": "M", "parts": 3, "part_size": 100_000},
        "links": {
            "self": base, "commit": format!("{base}/commit"),
            "parts": (1..=3).map(|n| json!({"part": n, "url": format!("{base}/content/{n}"), "expiration": "2026-12-04T00:00:00"})).collect::<Vec<_>>(),
        },
    })
}

async fn mount_parts_init(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/api/records/d/draft/files"))
        .respond_with(ResponseTemplate::new(201).set_body_json(parts_listing(server)))
        .up_to_n_times(1)
        .mount(server)
        .await;
}

async fn requests_to(server: &MockServer, m: &str, p: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| r.method.as_str() == m && r.url.path() == p)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_multipart_upload_to_the_sandbox_is_whole_and_verified() {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let c = Client::new(sandbox.url(), Some(sandbox.token())).expect("client");
    let mut m = inveniordm::models::Metadata::default();
    m.title = Some("Parts".into());
    let d = c
        .drafts()
        .create(&inveniordm::models::Record {
            metadata: Some(m),
            ..Default::default()
        })
        .await
        .expect("draft");
    let id = d.id.clone().expect("id");
    let bytes = data(250_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("big.bin");
    std::fs::write(&p, &bytes).expect("write");
    let counted = Arc::new(AtomicU64::new(0));
    let c2 = counted.clone();
    let opts = UploadOptions {
        progress: Some(Arc::new(move |n| {
            c2.fetch_add(n, Ordering::Relaxed);
        })),
        parallel_parts: std::num::NonZeroUsize::new(2).expect("not zero"),
        ..in_parts(100_000)
    };
    let entry = c
        .drafts()
        .file_upload_with(&id, &p, &opts)
        .await
        .expect("multipart upload");
    assert_eq!(
        entry.md5(),
        Some(md5_hex(&bytes).as_str()),
        "the server's own md5"
    );
    assert_eq!(entry.size, Some(250_000));
    assert_eq!(
        counted.load(Ordering::Relaxed),
        250_000,
        "progress counts each byte once"
    );
    let dl = c
        .drafts()
        .file_download(&id, "big.bin")
        .await
        .expect("download");
    let got = dl.bytes().await.expect("body");
    assert_eq!(got, bytes, "the parts were joined in order");
    sandbox.stop().await;
}

#[tokio::test]
async fn a_wrong_checksum_after_a_multipart_commit_is_reported_and_the_file_removed() {
    let bytes = data(250_000);
    let server = MockServer::start().await;
    mount_parts_init(&server).await;
    for n in 1..=3 {
        Mock::given(method("PUT"))
            .and(path(format!(
                "/api/records/d/draft/files/a.bin/content/{n}"
            )))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"key": "a.bin", "status": "pending"})),
            )
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path("/api/records/d/draft/files/a.bin/commit"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"key": "a.bin", "status": "completed", "checksum": null})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/records/d/draft/files/a.bin"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "key": "a.bin", "status": "completed", "size": bytes.len(), "checksum": "md5:00000000000000000000000000000000",
        })))
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/records/d/draft/files/a.bin"))
        .respond_with(ResponseTemplate::new(204))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("a.bin");
    std::fs::write(&p, &bytes).expect("write");
    let c = client(&server.uri());
    let err = c
        .drafts()
        .file_upload_with("d", &p, &in_parts(100_000))
        .await
        .expect_err("a mismatch");
    assert!(matches!(err, Error::Checksum { .. }), "{err}");
    assert_eq!(
        requests_to(&server, "DELETE", "/api/records/d/draft/files/a.bin").await,
        1,
        "the bad file was removed"
    );
}

#[tokio::test]
async fn an_interrupted_multipart_upload_resumes_with_the_missing_parts_only() {
    let bytes = data(250_000);
    let server = MockServer::start().await;
    mount_parts_init(&server).await;
    for n in 1..=2 {
        Mock::given(method("PUT"))
            .and(path(format!(
                "/api/records/d/draft/files/a.bin/content/{n}"
            )))
            .respond_with(
                ResponseTemplate::new(200)
                    .set_body_json(json!({"key": "a.bin", "status": "pending"})),
            )
            .mount(&server)
            .await;
    }
    Mock::given(method("PUT"))
        .and(path("/api/records/d/draft/files/a.bin/content/3"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("a.bin");
    std::fs::write(&p, &bytes).expect("write");
    let journal = dir.path().join("journal/a.json");
    let opts = UploadOptions {
        journal: Some(journal.clone()),
        parallel_parts: std::num::NonZeroUsize::new(1).expect("not zero"),
        ..in_parts(100_000)
    };
    let c = client(&server.uri());
    c.drafts()
        .file_upload_with("d", &p, &opts)
        .await
        .expect_err("part 3 keeps failing");
    assert_eq!(
        requests_to(&server, "DELETE", "/api/records/d/draft/files/a.bin").await,
        0,
        "with a journal the pending entry stays"
    );
    assert!(journal.is_file(), "the journal records the parts sent");

    // The same upload again, the server healthy: only part 3 goes.
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/api/records/d/draft/files/a.bin"))
        .respond_with(ResponseTemplate::new(200).set_body_json(pending_parts(&server)))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/records/d/draft/files/a.bin/content/3"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"key": "a.bin", "status": "pending"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/records/d/draft/files/a.bin/commit"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"key": "a.bin", "status": "completed", "checksum": null})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/records/d/draft/files/a.bin"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "key": "a.bin", "status": "completed", "size": bytes.len(), "checksum": format!("md5:{}", md5_hex(&bytes)),
        })))
        .mount(&server)
        .await;
    let counted = Arc::new(AtomicU64::new(0));
    let c2 = counted.clone();
    let entry = c
        .drafts()
        .file_upload_with(
            "d",
            &p,
            &UploadOptions {
                progress: Some(Arc::new(move |n| {
                    c2.fetch_add(n, Ordering::Relaxed);
                })),
                ..opts.clone()
            },
        )
        .await
        .expect("resumed");
    assert_eq!(entry.md5(), Some(md5_hex(&bytes).as_str()));
    let base = "/api/records/d/draft/files/a.bin/content";
    assert_eq!(requests_to(&server, "PUT", &format!("{base}/1")).await, 0);
    assert_eq!(requests_to(&server, "PUT", &format!("{base}/2")).await, 0);
    assert_eq!(requests_to(&server, "PUT", &format!("{base}/3")).await, 1);
    assert_eq!(
        requests_to(&server, "POST", "/api/records/d/draft/files").await,
        0,
        "no new entry"
    );
    assert_eq!(
        counted.load(Ordering::Relaxed),
        250_000,
        "progress counts the kept parts too"
    );
    assert!(
        !journal.exists(),
        "the journal is removed when the upload is done"
    );
}

/// A sandbox with these faults, a client of it and an empty draft.
async fn sandbox_draft(faults: inveniordm_sandbox::Faults) -> (Sandbox, Client, String) {
    sandbox_draft_with(SandboxConfig {
        faults,
        ..SandboxConfig::default()
    })
    .await
}

/// A sandbox of this configuration, a client of it and an empty draft.
async fn sandbox_draft_with(config: SandboxConfig) -> (Sandbox, Client, String) {
    let sandbox = Sandbox::start(config).await.expect("sandbox");
    let c = Client::new(sandbox.url(), Some(sandbox.token())).expect("client");
    let mut m = inveniordm::models::Metadata::default();
    m.title = Some("Parts".into());
    let d = c
        .drafts()
        .create(&inveniordm::models::Record {
            metadata: Some(m),
            ..Default::default()
        })
        .await
        .expect("draft");
    let id = d.id.clone().expect("id");
    (sandbox, c, id)
}

/// A journal in `dir` and options that send parts of 100 000 bytes, `in_flight` at once,
/// recording them in it.
fn journaled(dir: &std::path::Path, in_flight: usize) -> (std::path::PathBuf, UploadOptions) {
    let journal = dir.join("journal.json");
    let opts = UploadOptions {
        journal: Some(journal.clone()),
        parallel_parts: std::num::NonZeroUsize::new(in_flight).expect("not zero"),
        ..in_parts(100_000)
    };
    (journal, opts)
}

/// The part numbers a multipart journal says the server confirmed.
fn journal_done(journal: &std::path::Path) -> Vec<u64> {
    let j: serde_json::Value =
        serde_json::from_slice(&std::fs::read(journal).expect("journal")).expect("JSON");
    j["done"]
        .as_array()
        .expect("done")
        .iter()
        .filter_map(serde_json::Value::as_u64)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_403_after_parts_were_accepted_keeps_them_and_a_rerun_sends_only_the_rest() {
    let (sandbox, c, id) = sandbox_draft(inveniordm_sandbox::Faults {
        refuse_part_once: 3,
        ..Default::default()
    })
    .await;
    let bytes = data(500_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("big.bin");
    std::fs::write(&p, &bytes).expect("write");
    let (journal, opts) = journaled(dir.path(), 1);
    let err = c
        .drafts()
        .file_upload_with(&id, &p, &opts)
        .await
        .expect_err("part 3 refused");
    assert_eq!(err.status(), Some(403), "{err}");
    // Parts 1 and 2 stay on the server with the entry and the journal; nothing else went.
    assert_eq!(journal_done(&journal), [1, 2]);
    assert_eq!(sandbox.parts_stored(), 2);
    let entry = c
        .drafts()
        .file_metadata(&id, "big.bin")
        .await
        .expect("kept");
    assert!(!entry.is_completed());
    // The same upload again: parts 3 to 5 only.
    let done = c
        .drafts()
        .file_upload_with(&id, &p, &opts)
        .await
        .expect("resumed");
    assert_eq!(done.md5(), Some(md5_hex(&bytes).as_str()));
    assert_eq!(sandbox.parts_stored(), 5, "3 more parts, not 5");
    assert!(!journal.exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_interrupted_upload_is_not_resumed_for_a_changed_file_or_another_part_size() {
    for change in ["content", "part size"] {
        let (sandbox, c, id) = sandbox_draft(inveniordm_sandbox::Faults {
            refuse_part_once: 3,
            ..Default::default()
        })
        .await;
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("big.bin");
        std::fs::write(&p, data(500_000)).expect("write");
        let (journal, opts) = journaled(dir.path(), 1);
        c.drafts()
            .file_upload_with(&id, &p, &opts)
            .await
            .expect_err("part 3 refused");
        assert_eq!(sandbox.parts_stored(), 2);
        let (bytes, opts, parts) = if change == "content" {
            // The same size, other bytes, written later: the parts on the server are stale.
            let mut other = data(500_000);
            other.reverse();
            std::fs::write(&p, &other).expect("rewrite");
            let later = std::time::SystemTime::now() + Duration::from_secs(5);
            std::fs::File::options()
                .write(true)
                .open(&p)
                .and_then(|f| f.set_modified(later))
                .expect("a later modification time");
            (other, opts, 5)
        } else {
            let other_parts = UploadOptions {
                part_size: Some(125_000),
                ..opts
            };
            (data(500_000), other_parts, 4)
        };
        let done = c
            .drafts()
            .file_upload_with(&id, &p, &opts)
            .await
            .unwrap_or_else(|e| panic!("{change}: {e}"));
        assert_eq!(done.md5(), Some(md5_hex(&bytes).as_str()), "{change}");
        assert_eq!(
            sandbox.parts_stored(),
            2 + parts,
            "{change}: every part sent again, none kept"
        );
        assert!(!journal.exists(), "{change}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_part_that_fails_for_good_stops_the_upload() {
    let (sandbox, c, id) = sandbox_draft(inveniordm_sandbox::Faults {
        refuse_part_once: 3,
        ..Default::default()
    })
    .await;
    let bytes = data(1_600_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("big.bin");
    std::fs::write(&p, &bytes).expect("write");
    let (journal, opts) = journaled(dir.path(), 2);
    c.drafts()
        .file_upload_with(&id, &p, &opts)
        .await
        .expect_err("part 3 refused");
    // 16 parts, two in flight: part 3 starts once part 1 or 2 is through, and when it
    // fails at most one other part is on its way (2, or 4). Nothing after that is sent.
    let stored = sandbox.parts_stored();
    assert!(
        (1..=3).contains(&stored),
        "{stored} parts stored after a final failure"
    );
    assert!(journal_done(&journal).len() as u64 <= stored);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_refuses_every_part_gets_one_stream() {
    let (sandbox, c, id) = sandbox_draft(inveniordm_sandbox::Faults {
        refuse_all_parts: true,
        ..Default::default()
    })
    .await;
    let bytes = data(300_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("big.bin");
    std::fs::write(&p, &bytes).expect("write");
    let entry = c
        .drafts()
        .file_upload_with(
            &id,
            &p,
            &UploadOptions {
                journal: Some(dir.path().join("journal.json")),
                ..in_parts(100_000)
            },
        )
        .await
        .expect("one stream");
    assert_eq!(entry.md5(), Some(md5_hex(&bytes).as_str()));
    assert_eq!(sandbox.parts_stored(), 0);
    assert!(
        sandbox.counters().parts_faulted.load(Ordering::SeqCst) >= 1,
        "parts were tried first"
    );
    // The multipart entry was replaced: one entry, complete, with the file's md5.
    let files = c.drafts().files(&id).await.expect("files");
    let entries: Vec<_> = files.iter().collect();
    assert_eq!(entries.len(), 1, "no pending entry left: {entries:?}");
    assert!(entries[0].is_completed(), "{:?}", entries[0]);
    assert_eq!(entries[0].md5(), Some(md5_hex(&bytes).as_str()));
    assert!(!dir.path().join("journal.json").exists(), "no journal left");
}

/// A part the server fails once (500) is sent again on its own: the others are stored once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_part_answered_500_is_retried_alone() {
    let (sandbox, c, id) = sandbox_draft(inveniordm_sandbox::Faults {
        fail_part_once: 2,
        ..Default::default()
    })
    .await;
    let bytes = data(250_000);
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("a.bin");
    std::fs::write(&p, &bytes).expect("write");
    let counted = Arc::new(AtomicU64::new(0));
    let c2 = counted.clone();
    let opts = UploadOptions {
        progress: Some(Arc::new(move |n| {
            c2.fetch_add(n, Ordering::Relaxed);
        })),
        ..in_parts(100_000)
    };
    let entry = c
        .drafts()
        .file_upload_with(&id, &p, &opts)
        .await
        .expect("upload");
    // The server's md5 is of the bytes it stored: each part at its offset.
    assert_eq!(entry.md5(), Some(md5_hex(&bytes).as_str()));
    assert_eq!(
        sandbox.counters().parts_faulted.load(Ordering::SeqCst),
        1,
        "part 2 failed once"
    );
    assert_eq!(
        counted.load(Ordering::Relaxed),
        250_000,
        "progress counts each byte once, the part sent again too"
    );
    assert_eq!(
        sandbox.parts_stored(),
        3,
        "three parts stored, each once: only part 2 was sent again"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_larger_than_the_server_takes_goes_in_parts_and_later_ones_at_once() {
    // As a stock v14 refuses bodies past 100 MiB (413), here past 1 MiB.
    let (sandbox, c, id) = sandbox_draft_with(SandboxConfig {
        max_content_length: Some(1024 * 1024),
        ..SandboxConfig::default()
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let opts = UploadOptions {
        part_size: Some(512 * 1024),
        ..UploadOptions::default()
    };
    for (name, n) in [("first.bin", 3_000_000usize), ("second.bin", 3_500_000)] {
        let bytes = data(n);
        let p = dir.path().join(name);
        std::fs::write(&p, &bytes).expect("write");
        let entry = c
            .drafts()
            .file_upload_with(&id, &p, &opts)
            .await
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(entry.md5(), Some(md5_hex(&bytes).as_str()), "{name}");
    }
    let counters = sandbox.counters();
    // One refused stream, then parts: 6 for the first file, 7 for the second (larger), which
    // went in parts at once.
    assert_eq!(
        counters.uploads_begun.load(Ordering::SeqCst),
        1,
        "the second file was not tried in one stream"
    );
    assert_eq!(sandbox.parts_stored(), 13);
}
