//! Defects a review found in ordinary work, each checked where it happened: lost answers,
//! stalls, broken bodies, retries, paging past 100, rate limits.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::StreamExt;
use inveniordm::models::{Creator, Metadata, Record, VocabRef};
use inveniordm::repo::NewVersionPlan;
use inveniordm::transfer::{DownloadOptions, UploadOptions};
use inveniordm::{Client, RetryConfig};
use inveniordm_sandbox::{Sandbox, SandboxConfig};
use md5::{Digest, Md5};
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

fn fast_retries() -> RetryConfig {
    RetryConfig {
        max_retries: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        max_elapsed: Duration::from_secs(20),
    }
}

fn client(url: &str) -> Client {
    Client::builder(url)
        .token("t")
        .retry(fast_retries())
        .build()
        .expect("client")
}

fn md5_hex(b: &[u8]) -> String {
    Md5::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}

fn draft_doc(title: &str, revision: u64) -> serde_json::Value {
    json!({
        "id": "d", "revision_id": revision, "is_draft": true,
        "metadata": {"title": title, "resource_type": {"id": "dataset", "title": {"en": "Dataset"}}},
        "access": {"record": "public", "files": "public"},
        "files": {"enabled": true},
    })
}

fn edited(title: &str, revision: u64) -> Record {
    serde_json::from_value(draft_doc(title, revision)).expect("record")
}

#[tokio::test]
async fn an_update_whose_answer_was_lost_is_not_reported_as_a_conflict() {
    let server = MockServer::start().await;
    // The first PUT is carried out, but the gateway answers 504; the retry then meets the
    // new revision and gets 412.
    Mock::given(method("PUT"))
        .and(path("/api/records/d/draft"))
        .respond_with(ResponseTemplate::new(504))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/records/d/draft"))
        .respond_with(ResponseTemplate::new(412).set_body_json(
            json!({"status": 412, "message": "Revision id provided(3) doesn't match record's one(4)"}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/records/d/draft"))
        .respond_with(ResponseTemplate::new(200).set_body_json(draft_doc("New title", 4)))
        .mount(&server)
        .await;
    let c = client(&server.uri());
    let r = c
        .drafts()
        .update("d", &edited("New title", 3))
        .await
        .expect("the change is on the server: success, not a conflict");
    assert_eq!(r.title(), Some("New title"));
    assert_eq!(r.revision_id, Some(4));
}

#[tokio::test]
async fn a_real_conflict_after_a_lost_answer_stays_a_conflict() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .and(path("/api/records/d/draft"))
        .respond_with(ResponseTemplate::new(502))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/records/d/draft"))
        .respond_with(
            ResponseTemplate::new(412).set_body_json(json!({"status": 412, "message": "stale"})),
        )
        .mount(&server)
        .await;
    // Someone else saved another title meanwhile.
    Mock::given(method("GET"))
        .and(path("/api/records/d/draft"))
        .respond_with(ResponseTemplate::new(200).set_body_json(draft_doc("Their title", 4)))
        .mount(&server)
        .await;
    let err = client(&server.uri())
        .drafts()
        .update("d", &edited("My title", 3))
        .await
        .expect_err("a change by someone else is never overwritten or hidden");
    assert!(err.is_precondition_failed(), "{err}");
}

#[tokio::test]
async fn discard_doi_after_a_retried_delete_returns_the_draft() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .and(path("/api/records/d/draft/pids/doi"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .and(path("/api/records/d/draft/pids/doi"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"status": 404, "message": "not found"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/records/d/draft"))
        .respond_with(ResponseTemplate::new(200).set_body_json(draft_doc("T", 2)))
        .mount(&server)
        .await;
    let r = client(&server.uri())
        .drafts()
        .discard_doi("d")
        .await
        .expect("already discarded by the first attempt");
    assert_eq!(
        r.id.as_deref(),
        Some("d"),
        "the draft, not a 404 body read as a record"
    );
}

#[tokio::test]
async fn a_streamed_upload_is_retried_by_the_one_policy_and_counted_once() {
    let data = vec![7u8; 300_000];
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/records/d/draft/files"))
        .respond_with(
            ResponseTemplate::new(201)
                .set_body_json(json!({"entries": [{"key": "a.bin", "status": "pending"}]})),
        )
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/records/d/draft/files/a.bin/content"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("PUT"))
        .and(path("/api/records/d/draft/files/a.bin/content"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"key": "a.bin", "status": "pending"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/records/d/draft/files/a.bin"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"key": "a.bin", "status": "pending"})),
        )
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/api/records/d/draft/files/a.bin/commit"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "key": "a.bin", "status": "completed", "size": data.len(), "checksum": format!("md5:{}", md5_hex(&data)),
        })))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let p = dir.path().join("a.bin");
    std::fs::write(&p, &data).expect("write");
    let counted = Arc::new(AtomicU64::new(0));
    let c2 = counted.clone();
    let opts = UploadOptions {
        progress: Some(Arc::new(move |n| {
            c2.fetch_add(n, Ordering::Relaxed);
        })),
        ..UploadOptions::default()
    };
    let entry = client(&server.uri())
        .drafts()
        .file_upload_with("d", &p, &opts)
        .await
        .expect("retried and verified");
    assert!(entry.is_completed());
    let puts = server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == "PUT")
        .collect::<Vec<_>>();
    assert_eq!(puts.len(), 2, "one retry");
    assert_eq!(
        puts[1].body.len(),
        data.len(),
        "the retry sends the whole file again"
    );
    assert_eq!(
        counted.load(Ordering::Relaxed),
        data.len() as u64,
        "progress counts each byte once, whatever the retries"
    );
    // With retries off, the first 503 is the answer: the policy is the only one.
    let server2 = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server2)
        .await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({"entries": []})))
        .mount(&server2)
        .await;
    let none = Client::builder(server2.uri())
        .retry(RetryConfig::none())
        .build()
        .expect("client");
    let err = none
        .drafts()
        .file_upload("d", &p)
        .await
        .expect_err("no retries");
    assert_eq!(err.status(), Some(503));
    let puts = server2
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == "PUT")
        .count();
    assert_eq!(puts, 1, "RetryConfig::none() sends the content once");
}

/// Answers `verb path` on `server` with `r` (every time; [`answer_once`]: the first time).
async fn answer(server: &MockServer, verb: &str, p: &str, r: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(p))
        .respond_with(r)
        .mount(server)
        .await;
}

async fn answer_once(server: &MockServer, verb: &str, p: &str, r: ResponseTemplate) {
    Mock::given(method(verb))
        .and(path(p))
        .respond_with(r)
        .up_to_n_times(1)
        .mount(server)
        .await;
}

/// A stream broken off (503) may make the server drop the pending entry: before the retry the
/// entry is read, registered again only when it is gone (404), and left alone when the read
/// fails otherwise (the retry then goes ahead on the entry as it is).
#[tokio::test]
async fn a_retried_upload_registers_the_entry_again_only_when_the_server_dropped_it() {
    let data = vec![3u8; 50_000];
    for (metadata_status, registrations) in [(404, 2), (500, 1), (200, 1)] {
        let server = MockServer::start().await;
        answer(
            &server,
            "POST",
            "/api/records/d/draft/files",
            ResponseTemplate::new(201)
                .set_body_json(json!({"entries": [{"key": "a.bin", "status": "pending"}]})),
        )
        .await;
        answer_once(
            &server,
            "PUT",
            "/api/records/d/draft/files/a.bin/content",
            ResponseTemplate::new(503),
        )
        .await;
        answer(
            &server,
            "PUT",
            "/api/records/d/draft/files/a.bin/content",
            ResponseTemplate::new(200).set_body_json(json!({"key": "a.bin", "status": "pending"})),
        )
        .await;
        answer(
            &server,
            "GET",
            "/api/records/d/draft/files/a.bin",
            ResponseTemplate::new(metadata_status)
                .set_body_json(json!({"key": "a.bin", "status": "pending", "message": "x"})),
        )
        .await;
        answer(&server, "POST", "/api/records/d/draft/files/a.bin/commit", ResponseTemplate::new(200).set_body_json(json!({
                "key": "a.bin", "status": "completed", "size": data.len(), "checksum": format!("md5:{}", md5_hex(&data)),
            }))).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("a.bin");
        std::fs::write(&p, &data).expect("write");
        let entry = client(&server.uri())
            .drafts()
            .file_upload("d", &p)
            .await
            .unwrap_or_else(|e| panic!("metadata {metadata_status}: {e}"));
        assert!(entry.is_completed());
        let posts = server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.method.as_str() == "POST" && r.url.path() == "/api/records/d/draft/files")
            .count();
        assert_eq!(
            posts, registrations,
            "registrations when the entry's read answers {metadata_status}"
        );
    }
}

/// A commit whose answer is lost (a gateway error) is read back: a completed entry is taken as
/// committed, a pending one leaves the error; an error that says the server did not act (400)
/// is the answer without a read.
#[tokio::test]
async fn a_commit_whose_answer_was_lost_is_read_back() {
    let data = b"committed or not".to_vec();
    let md5 = md5_hex(&data);
    for (commit_status, entry_status, expected) in [
        (504, "completed", Ok(())),
        (504, "pending", Err(504)),
        (400, "completed", Err(400)),
    ] {
        let server = MockServer::start().await;
        answer(
            &server,
            "POST",
            "/api/records/d/draft/files",
            ResponseTemplate::new(201)
                .set_body_json(json!({"entries": [{"key": "a.bin", "status": "pending"}]})),
        )
        .await;
        answer(
            &server,
            "PUT",
            "/api/records/d/draft/files/a.bin/content",
            ResponseTemplate::new(200).set_body_json(json!({"key": "a.bin", "status": "pending"})),
        )
        .await;
        answer(
            &server,
            "POST",
            "/api/records/d/draft/files/a.bin/commit",
            ResponseTemplate::new(commit_status)
                .set_body_json(json!({"status": commit_status, "message": "no answer"})),
        )
        .await;
        answer(&server, "GET", "/api/records/d/draft/files/a.bin", ResponseTemplate::new(200).set_body_json(json!({
                "key": "a.bin", "status": entry_status, "size": data.len(), "checksum": format!("md5:{md5}"),
            }))).await;
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("a.bin");
        std::fs::write(&p, &data).expect("write");
        let got = client(&server.uri()).drafts().file_upload("d", &p).await;
        let case = format!("commit {commit_status}, entry {entry_status}");
        match (got, expected) {
            (Ok(entry), Ok(())) => assert_eq!(entry.md5(), Some(md5.as_str()), "{case}"),
            (Err(e), Err(status)) => assert_eq!(e.status(), Some(status), "{case}: {e}"),
            (got, _) => panic!("{case}: {got:?}"),
        }
    }
}

/// A file the server fetches is complete only once its checksum is there too: a completed
/// entry without one is read again.
#[tokio::test]
async fn a_fetched_file_is_waited_for_until_its_checksum_is_there() {
    let server = MockServer::start().await;
    answer(
        &server,
        "POST",
        "/api/records/d/draft/files",
        ResponseTemplate::new(201)
            .set_body_json(json!({"entries": [{"key": "f.bin", "status": "pending"}]})),
    )
    .await;
    answer_once(
        &server,
        "GET",
        "/api/records/d/draft/files/f.bin",
        ResponseTemplate::new(200)
            .set_body_json(json!({"key": "f.bin", "status": "completed", "size": 3})),
    )
    .await;
    answer(&server, "GET", "/api/records/d/draft/files/f.bin", ResponseTemplate::new(200).set_body_json(json!({
            "key": "f.bin", "status": "completed", "size": 3, "checksum": format!("md5:{}", md5_hex(b"abc")),
        }))).await;
    let entry = client(&server.uri())
        .drafts()
        .file_fetch(
            "d",
            "f.bin",
            "http://127.0.0.1:9/f.bin",
            &inveniordm::transfer::FetchOptions::default().md5(md5_hex(b"abc")),
        )
        .await
        .expect("fetched");
    assert_eq!(entry.md5(), Some(md5_hex(b"abc").as_str()));
    let reads = server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == "GET")
        .count();
    assert_eq!(reads, 2, "read again until the checksum is there");
}

/// A fetch the server gave up on fails at once with the server's reason, whether it says so by
/// the entry's status or by an error in its transfer; without a reason, the failure says so.
#[tokio::test]
async fn a_fetch_the_server_gave_up_on_fails_at_once() {
    for (entry, says) in [
        (
            json!({"key": "f.bin", "status": "failed"}),
            "could not fetch",
        ),
        (
            json!({"key": "f.bin", "status": "pending", "transfer": {"type": "F", "error": "host unreachable"}}),
            "host unreachable",
        ),
    ] {
        let server = MockServer::start().await;
        answer(
            &server,
            "POST",
            "/api/records/d/draft/files",
            ResponseTemplate::new(201)
                .set_body_json(json!({"entries": [{"key": "f.bin", "status": "pending"}]})),
        )
        .await;
        answer(
            &server,
            "GET",
            "/api/records/d/draft/files/f.bin",
            ResponseTemplate::new(200).set_body_json(entry),
        )
        .await;
        let err = client(&server.uri())
            .drafts()
            .file_fetch(
                "d",
                "f.bin",
                "http://127.0.0.1:9/f.bin",
                &inveniordm::transfer::FetchOptions::default().wait(Duration::from_secs(30)),
            )
            .await
            .expect_err("failed");
        assert!(
            matches!(&err, inveniordm::Error::TransferFailed { message, .. } if message.contains(says)),
            "{err}"
        );
        let reads = server
            .received_requests()
            .await
            .unwrap_or_default()
            .into_iter()
            .filter(|r| r.method.as_str() == "GET")
            .count();
        assert_eq!(reads, 1, "no waiting on a fetch that failed");
    }
}

/// A one-route HTTP server on loopback that answers each connection with `answer(n, range)`:
/// `n` counts content requests, `range` is the `Range` start asked for. Other paths get the
/// file's metadata.
async fn raw_server<F>(size: usize, md5: String, answer: F) -> (String, Arc<AtomicUsize>)
where
    F: Fn(usize, Option<u64>) -> Vec<u8> + Send + Sync + 'static,
{
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let hits = Arc::new(AtomicUsize::new(0));
    let h = hits.clone();
    let answer = Arc::new(answer);
    tokio::spawn(async move {
        for _ in 0..64 {
            let Ok((mut sock, _)) = listener.accept().await else {
                return;
            };
            let answer = answer.clone();
            let h = h.clone();
            let md5 = md5.clone();
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 4096];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match sock.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let head = String::from_utf8_lossy(&buf).to_lowercase();
                let range = head
                    .lines()
                    .find_map(|l| l.strip_prefix("range: bytes="))
                    .and_then(|r| r.trim().trim_end_matches('-').parse::<u64>().ok());
                let out = if head.lines().next().is_some_and(|l| l.contains("/content")) {
                    let n = h.fetch_add(1, Ordering::SeqCst);
                    answer(n, range)
                } else {
                    let body = json!({"key": "f.bin", "size": size, "status": "completed", "checksum": format!("md5:{md5}")}).to_string();
                    format!("HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}", body.len()).into_bytes()
                };
                let _ = sock.write_all(&out).await;
                let _ = sock.shutdown().await;
            });
        }
    });
    (format!("http://{addr}"), hits)
}

fn http(status: &str, headers: &str, body: &[u8], declared: usize) -> Vec<u8> {
    let mut v = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/octet-stream\r\ncontent-length: {declared}\r\n{headers}\r\n"
    )
    .into_bytes();
    v.extend_from_slice(body);
    v
}

#[tokio::test]
async fn a_download_cut_mid_body_is_continued_in_the_same_run() {
    let data: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let d2 = data.clone();
    let (url, hits) = raw_server(data.len(), md5_hex(&data), move |n, range| {
        match (n, range) {
            // The first answer stops halfway through its declared length (a proxy drops it).
            (0, _) => http("200 OK", "", &d2[..d2.len() / 2], d2.len()),
            (_, Some(from)) => {
                let from = from as usize;
                http(
                    "206 Partial Content",
                    &format!(
                        "content-range: bytes {from}-{}/{}\r\n",
                        d2.len() - 1,
                        d2.len()
                    ),
                    &d2[from..],
                    d2.len() - from,
                )
            }
            (_, None) => http("200 OK", "", &d2, d2.len()),
        }
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("f.bin");
    let done = client(&url)
        .records()
        .download_to("r", "f.bin", &dest, &DownloadOptions::default())
        .await
        .expect("continued after the break, in the same call");
    assert!(done.verified);
    assert_eq!(std::fs::read(&dest).expect("read"), data);
    assert_eq!(
        hits.load(Ordering::SeqCst),
        2,
        "one break, one continuation"
    );
}

#[tokio::test]
async fn a_download_cut_mid_body_restarts_when_the_server_ignores_range() {
    let data: Vec<u8> = (0..150_000u32).map(|i| (i % 13) as u8).collect();
    let d2 = data.clone();
    let (url, hits) = raw_server(data.len(), md5_hex(&data), move |n, _| {
        if n == 0 {
            http("200 OK", "", &d2[..1000], d2.len())
        } else {
            http("200 OK", "", &d2, d2.len())
        }
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("f.bin");
    let counted = Arc::new(AtomicU64::new(0));
    let c2 = counted.clone();
    let opts = DownloadOptions {
        progress: Some(Arc::new(move |n| {
            c2.fetch_add(n, Ordering::Relaxed);
        })),
        ..DownloadOptions::default()
    };
    client(&url)
        .records()
        .download_to("r", "f.bin", &dest, &opts)
        .await
        .expect("started over");
    assert_eq!(std::fs::read(&dest).expect("read"), data);
    assert_eq!(hits.load(Ordering::SeqCst), 2);
    assert_eq!(
        counted.load(Ordering::Relaxed),
        data.len() as u64,
        "no byte counted twice"
    );
}

#[tokio::test]
async fn a_download_that_keeps_breaking_keeps_its_partial_file_when_retries_are_spent() {
    let data: Vec<u8> = vec![3u8; 100_000];
    let d2 = data.clone();
    let (url, hits) = raw_server(data.len(), md5_hex(&data), move |_, range| {
        let from = range.unwrap_or(0) as usize;
        // Every answer breaks off after 100 more bytes.
        let end = (from + 100).min(d2.len());
        if from == 0 {
            http("200 OK", "", &d2[..end], d2.len())
        } else {
            http(
                "206 Partial Content",
                &format!(
                    "content-range: bytes {from}-{}/{}\r\n",
                    d2.len() - 1,
                    d2.len()
                ),
                &d2[from..end],
                d2.len() - from,
            )
        }
    })
    .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("f.bin");
    let err = client(&url)
        .records()
        .download_to("r", "f.bin", &dest, &DownloadOptions::default())
        .await
        .expect_err("the policy's retries are spent");
    assert!(err.was_read(), "a broken GET is a read: {err}");
    assert_eq!(
        hits.load(Ordering::SeqCst),
        4,
        "the first try and three retries"
    );
    assert!(!dest.exists(), "nothing looks complete");
    let part = inveniordm::transfer::part_path(&dest);
    assert_eq!(std::fs::metadata(&part).expect("partial kept").len(), 400);
}

#[tokio::test]
async fn a_stalled_server_fails_with_a_timeout_instead_of_hanging() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    // Accepts, reads, and never answers.
    tokio::spawn(async move {
        let mut held = Vec::new();
        for _ in 0..8 {
            if let Ok((s, _)) = listener.accept().await {
                held.push(s);
            }
        }
    });
    let c = Client::builder(format!("http://{addr}"))
        .read_timeout(Duration::from_millis(500))
        .retry(RetryConfig::none())
        .build()
        .expect("client");
    // A guard against a hang, far above the timeout: not a measurement.
    let r = tokio::time::timeout(Duration::from_secs(60), c.records().get("x"))
        .await
        .expect("the client gave up by itself");
    let err = r.expect_err("nothing was answered");
    assert!(err.is_timeout(), "{err}");
    assert!(err.to_string().contains("sent nothing"), "{err}");
}

#[tokio::test]
async fn a_body_that_stalls_midway_times_out() {
    let data = vec![1u8; 10_000];
    let d2 = data.clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        let mut held = Vec::new();
        for _ in 0..4 {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            let _ = s.write_all(&http("200 OK", "", &d2[..10], d2.len())).await;
            held.push(s); // then silence, connection open
        }
    });
    let c = Client::builder(format!("http://{addr}"))
        .read_timeout(Duration::from_millis(500))
        .retry(RetryConfig::none())
        .build()
        .expect("client");
    let dl = c
        .records()
        .file_download("r", "f")
        .await
        .expect("headers came");
    let r = tokio::time::timeout(Duration::from_secs(60), dl.bytes())
        .await
        .expect("the client gave up by itself");
    let err = r.expect_err("the body stalled");
    assert!(err.is_timeout(), "{err}");
}

fn metadata(title: &str) -> Metadata {
    let mut m = Metadata::default();
    m.title = Some(title.into());
    m.resource_type = Some(VocabRef::id("dataset"));
    m.publication_date = Some("2026-01-01".into());
    m.creators = Some(vec![Creator::person("Lovelace", "Ada")]);
    m
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn versions_are_listed_past_the_first_hundred() {
    let sb = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox");
    let c = Client::new(sb.url(), Some(sb.token())).expect("client");
    let d = c
        .drafts()
        .create(&Record {
            metadata: Some(metadata("Version 1")),
            files: Some(inveniordm::models::Files::disabled()),
            ..Record::default()
        })
        .await
        .expect("draft");
    let first = c
        .drafts()
        .publish(d.id.as_deref().expect("id"))
        .await
        .expect("publish");
    let mut latest = first.id.clone().expect("id");
    for i in 2..=105 {
        let plan = NewVersionPlan {
            metadata: Some(metadata(&format!("Version {i}"))),
            publish: true,
            ..NewVersionPlan::default()
        };
        latest = c
            .repo()
            .new_version(&latest, &plan)
            .await
            .expect("new version")
            .id
            .expect("id");
    }
    let all = c.records().versions(&latest).await.expect("versions");
    assert_eq!(all.items().len(), 105);
    assert_eq!(all.items()[0].title(), Some("Version 105"), "newest first");
    assert_eq!(all.items()[104].title(), Some("Version 1"));
    use futures_util::TryStreamExt;
    let streamed: Vec<Record> = c
        .records()
        .versions_stream(&latest)
        .try_collect()
        .await
        .expect("stream");
    assert_eq!(streamed.len(), 105);
    sb.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_are_paced_to_the_servers_rate_limit() {
    let sb = Sandbox::start(SandboxConfig {
        rate_limit_per_minute: 12,
        rate_window_secs: 2,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    // No retries: a single 429 would be an error.
    let paced = Client::builder(sb.url())
        .retry(RetryConfig::none())
        .build()
        .expect("client");
    let mut tasks = Vec::new();
    for _ in 0..3 {
        let c = paced.clone();
        tasks.push(tokio::spawn(async move {
            for _ in 0..10 {
                c.query()
                    .records(&inveniordm::models::SearchQuery::all().size(1))
                    .await?;
            }
            Ok::<_, inveniordm::Error>(())
        }));
    }
    for t in tasks {
        t.await
            .expect("task")
            .expect("30 requests, three at a time, and no 429");
    }
    // The same load without pacing runs into the limit: the check above can fail.
    let unpaced = Client::builder(sb.url())
        .user_agent("another-client")
        .rate_pacing(false)
        .retry(RetryConfig::none())
        .build()
        .expect("client");
    let mut limited = false;
    for _ in 0..30 {
        if let Err(e) = unpaced
            .query()
            .records(&inveniordm::models::SearchQuery::all().size(1))
            .await
        {
            assert!(e.is_rate_limited(), "{e}");
            limited = true;
            break;
        }
    }
    assert!(limited, "without pacing the limit is hit");
    sb.stop().await;
}

#[tokio::test]
async fn a_slow_upload_is_not_cut_by_the_read_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"key": "a", "status": "pending"})),
        )
        .mount(&server)
        .await;
    let c = Client::builder(server.uri())
        .read_timeout(Duration::from_secs(1))
        .retry(RetryConfig::none())
        .build()
        .expect("client");
    // 30 chunks, 100 ms apart: the upload takes three times the read timeout (each gap is a
    // tenth of it), while the server (rightly) says nothing until the body is in.
    let chunks = futures_util::stream::unfold(0u32, |i| async move {
        if i == 30 {
            return None;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
        Some((
            Ok::<_, std::io::Error>(bytes::Bytes::from(vec![1u8; 1000])),
            i + 1,
        ))
    });
    let body = inveniordm::transfer::UploadBody::from_stream(chunks, Some(30_000));
    c.drafts()
        .file_upload_content("d", "a", body)
        .await
        .expect("a slow body is not a stalled server");
}

#[tokio::test]
async fn an_upload_the_server_stops_taking_fails_as_stalled() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    // Reads the start of the request, then takes no more bytes and says nothing.
    tokio::spawn(async move {
        let mut held = Vec::new();
        for _ in 0..4 {
            let Ok((mut s, _)) = listener.accept().await else {
                return;
            };
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            held.push(s);
        }
    });
    let c = Client::builder(format!("http://{addr}"))
        .read_timeout(Duration::from_millis(500))
        .retry(RetryConfig::none())
        .build()
        .expect("client");
    // 256 MiB, made as it is sent: far more than the connection's buffers hold.
    let chunks = futures_util::stream::iter(0..4096)
        .map(|_| Ok::<_, std::io::Error>(bytes::Bytes::from(vec![0u8; 64 * 1024])));
    let body = inveniordm::transfer::UploadBody::from_stream(chunks, Some(256 * 1024 * 1024));
    let r = tokio::time::timeout(
        Duration::from_secs(60),
        c.drafts().file_upload_content("d", "a", body),
    )
    .await
    .expect("the client gave up by itself");
    let err = r.expect_err("the server took nothing");
    assert!(err.is_timeout(), "{err}");
}

#[tokio::test]
async fn an_update_whose_every_answer_is_lost_is_checked_on_the_server() {
    let server = MockServer::start().await;
    // A gateway that answers 504 to every PUT, after the server applied the first.
    Mock::given(method("PUT"))
        .and(path("/api/records/d/draft"))
        .respond_with(ResponseTemplate::new(504))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/records/d/draft"))
        .respond_with(ResponseTemplate::new(200).set_body_json(draft_doc("New title", 4)))
        .mount(&server)
        .await;
    let r = client(&server.uri())
        .drafts()
        .update("d", &edited("New title", 3))
        .await
        .expect("the change is there");
    assert_eq!(r.revision_id, Some(4));
}
