//! Download and upload edge cases against a mock server: what a partial file may and may not
//! become, and how the server's answers are checked.

use std::time::Duration;

use inveniordm::transfer::{DownloadOptions, UploadBody, part_path};
use inveniordm::{Client, Error, RetryConfig};
use md5::{Digest, Md5};
use serde_json::json;
use wiremock::matchers::{header, method, path};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const DATA: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

fn md5_hex(d: &[u8]) -> String {
    Md5::digest(d).iter().map(|b| format!("{b:02x}")).collect()
}

async fn server_with(checksum: Option<&str>, size: usize) -> (MockServer, Client) {
    let server = MockServer::start().await;
    let mut entry = json!({"key": "f.bin", "size": size, "status": "completed"});
    if let Some(c) = checksum {
        entry["checksum"] = json!(c);
    }
    Mock::given(path("/api/records/r/files/f.bin"))
        .respond_with(ResponseTemplate::new(200).set_body_json(entry))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .retry(RetryConfig {
            max_retries: 2,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(20),
            max_elapsed: Duration::from_secs(10),
        })
        .build()
        .expect("client");
    (server, client)
}

/// Serves the file, honouring `Range` like a well-behaved server.
struct Ranged;

impl Respond for Ranged {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        match req
            .headers
            .get("range")
            .and_then(|v| v.to_str().ok())
            .and_then(|r| r.strip_prefix("bytes="))
            .and_then(|r| r.trim_end_matches('-').parse::<usize>().ok())
        {
            Some(start) if start >= DATA.len() => ResponseTemplate::new(416)
                .set_body_json(json!({"status": 416, "message": "Range Not Satisfiable"})),
            Some(start) => ResponseTemplate::new(206)
                .insert_header(
                    "Content-Range",
                    format!("bytes {start}-{}/{}", DATA.len() - 1, DATA.len()),
                )
                .set_body_bytes(&DATA[start..]),
            None => ResponseTemplate::new(200).set_body_bytes(DATA),
        }
    }
}

/// A server holding `DATA` (its md5 reported) whose content route honours `Range`, answering
/// exactly `requests` content requests when given; a client of it; and a partial file holding
/// `part` beside `dest` in a new folder.
async fn ranged_with_part(
    part: &[u8],
    requests: Option<u64>,
) -> (MockServer, Client, tempfile::TempDir, std::path::PathBuf) {
    let (server, c) = server_with(Some(&format!("md5:{}", md5_hex(DATA))), DATA.len()).await;
    let content = Mock::given(path("/api/records/r/files/f.bin/content")).respond_with(Ranged);
    match requests {
        Some(n) => content.expect(n).mount(&server).await,
        None => content.mount(&server).await,
    }
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("f.bin");
    std::fs::write(part_path(&dest), part).expect("part");
    (server, c, dir, dest)
}

fn resume() -> DownloadOptions {
    DownloadOptions {
        resume: true,
        ..DownloadOptions::default()
    }
}

#[tokio::test]
async fn a_good_partial_file_is_continued() {
    // One request: the rest of the file, never the whole of it again.
    let (_server, c, _dir, dest) = ranged_with_part(&DATA[..10], Some(1)).await;
    let d = c
        .records()
        .download_to("r", "f.bin", &dest, &resume())
        .await
        .expect("resumed");
    assert_eq!(d.resumed_from, 10);
    assert!(d.verified);
    assert_eq!(std::fs::read(&dest).expect("read"), DATA);
    assert!(!part_path(&dest).exists());
}

#[tokio::test]
async fn a_partial_file_as_long_as_the_file_is_checked_not_refetched() {
    let (_server, c, _dir, dest) = ranged_with_part(DATA, Some(0)).await;
    let d = c
        .records()
        .download_to("r", "f.bin", &dest, &resume())
        .await
        .expect("complete");
    assert_eq!(d.resumed_from, DATA.len() as u64);
    assert_eq!(std::fs::read(&dest).expect("read"), DATA);
}

#[tokio::test]
async fn a_partial_file_longer_than_the_file_starts_over() {
    let (_server, c, _dir, dest) = ranged_with_part(&[b'x'; 100], None).await;
    let d = c
        .records()
        .download_to("r", "f.bin", &dest, &resume())
        .await
        .expect("restarted");
    assert_eq!(d.resumed_from, 0);
    assert_eq!(std::fs::read(&dest).expect("read"), DATA);
}

#[tokio::test]
async fn an_unsatisfiable_range_starts_over() {
    // The server's metadata has no size, so the part's length cannot be checked up front.
    let server = MockServer::start().await;
    Mock::given(path("/api/records/r/files/f.bin"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(
                json!({"key": "f.bin", "checksum": format!("md5:{}", md5_hex(DATA))}),
            ),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/records/r/files/f.bin/content"))
        .respond_with(Ranged)
        .mount(&server)
        .await;
    let c = Client::builder(server.uri())
        .retry(RetryConfig::none())
        .build()
        .expect("client");
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("f.bin");
    std::fs::write(part_path(&dest), vec![b'x'; 100]).expect("part");
    c.records()
        .download_to("r", "f.bin", &dest, &resume())
        .await
        .expect("restarted after 416");
    assert_eq!(std::fs::read(&dest).expect("read"), DATA);
}

#[tokio::test]
async fn a_range_that_does_not_continue_the_part_is_not_appended() {
    let (server, c) = server_with(Some(&format!("md5:{}", md5_hex(DATA))), DATA.len()).await;
    // Answers every ranged request from byte 0 (a misbehaving proxy), whole file otherwise.
    Mock::given(path("/api/records/r/files/f.bin/content"))
        .and(header("range", "bytes=10-"))
        .respond_with(
            ResponseTemplate::new(206)
                .insert_header(
                    "Content-Range",
                    format!("bytes 0-{}/{}", DATA.len() - 1, DATA.len()),
                )
                .set_body_bytes(DATA),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/records/r/files/f.bin/content"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(DATA))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("f.bin");
    std::fs::write(part_path(&dest), &DATA[..10]).expect("part");
    let d = c
        .records()
        .download_to("r", "f.bin", &dest, &resume())
        .await
        .expect("whole file");
    assert_eq!(d.resumed_from, 0);
    assert_eq!(std::fs::read(&dest).expect("read"), DATA);
}

#[tokio::test]
async fn a_short_body_never_becomes_the_file() {
    let (server, c) = server_with(None, DATA.len() + 5).await;
    Mock::given(path("/api/records/r/files/f.bin/content"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(DATA))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("f.bin");
    let err = c
        .records()
        .download_to("r", "f.bin", &dest, &DownloadOptions::default())
        .await
        .expect_err("size differs");
    assert!(matches!(err, Error::Checksum { .. }), "{err}");
    assert!(!dest.exists() && !part_path(&dest).exists());
}

#[tokio::test]
async fn a_corrupt_body_is_removed_and_reported() {
    let (server, c) = server_with(Some("md5:00000000000000000000000000000000"), DATA.len()).await;
    Mock::given(path("/api/records/r/files/f.bin/content"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(DATA))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("f.bin");
    let err = c
        .records()
        .download_to("r", "f.bin", &dest, &DownloadOptions::default())
        .await
        .expect_err("md5 differs");
    assert!(matches!(err, Error::Checksum { .. }), "{err}");
    assert!(!dest.exists() && !part_path(&dest).exists());
}

#[tokio::test]
async fn without_a_server_md5_the_download_says_it_is_unverified() {
    let (server, c) = server_with(Some("sha256:abc"), DATA.len()).await;
    Mock::given(path("/api/records/r/files/f.bin/content"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(DATA))
        .mount(&server)
        .await;
    let dir = tempfile::tempdir().expect("tempdir");
    let d = c
        .records()
        .download_to(
            "r",
            "f.bin",
            &dir.path().join("f.bin"),
            &DownloadOptions::default(),
        )
        .await
        .expect("ok");
    assert!(!d.verified);
    let (server, c) = server_with(
        Some(&format!("MD5:{}", md5_hex(DATA).to_uppercase())),
        DATA.len(),
    )
    .await;
    Mock::given(path("/api/records/r/files/f.bin/content"))
        .respond_with(ResponseTemplate::new(200).set_body_bytes(DATA))
        .mount(&server)
        .await;
    let d = c
        .records()
        .download_to(
            "r",
            "f.bin",
            &dir.path().join("g.bin"),
            &DownloadOptions::default(),
        )
        .await
        .expect("ok");
    assert!(d.verified, "an upper-case md5 is still an md5");
}

#[tokio::test]
async fn a_failed_transfer_reported_with_200_is_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("PUT"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"errors": "File upload transfer failed."})),
        )
        .mount(&server)
        .await;
    let c = Client::builder(server.uri())
        .retry(RetryConfig::none())
        .build()
        .expect("client");
    let err = c
        .drafts()
        .file_upload_content("d", "k", UploadBody::from_bytes(&b"x"[..]))
        .await
        .expect_err("failed transfer");
    assert!(matches!(err, Error::TransferFailed { .. }), "{err}");
    assert!(err.is_retryable());
}

#[tokio::test]
async fn retry_after_on_a_server_error_is_not_a_60_second_wait() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502).insert_header("Retry-After", "60"))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "r"})))
        .mount(&server)
        .await;
    let c = Client::builder(server.uri())
        .retry(RetryConfig {
            max_retries: 2,
            base_delay: Duration::from_millis(5),
            max_delay: Duration::from_millis(50),
            max_elapsed: Duration::from_secs(100),
        })
        .build()
        .expect("client");
    let started = std::time::Instant::now();
    c.records().get("r").await.expect("retried");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn raw_paths_cannot_leave_the_api() {
    let c = Client::new("https://repo.example.org", Some("t")).expect("client");
    for p in [
        "\\\\evil.example/x",
        "\\/evil.example",
        "\t//evil.example",
        "http:evil.example/x",
        "../../other",
        "https://evil.example/api",
    ] {
        assert!(
            matches!(c.raw().get(p).await, Err(Error::InvalidArgument(_))),
            "{p:?} accepted"
        );
    }
}

#[tokio::test]
async fn progress_counts_every_byte_once_when_a_download_is_continued() {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};
    let (_server, c, _dir, dest) = ranged_with_part(&DATA[..10], None).await;
    let (total, calls) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let (t, n) = (total.clone(), calls.clone());
    let opts = DownloadOptions {
        progress: Some(Arc::new(move |bytes| {
            t.fetch_add(bytes, Ordering::SeqCst);
            n.fetch_add(1, Ordering::SeqCst);
        })),
        ..resume()
    };
    let d = c
        .records()
        .download_to("r", "f.bin", &dest, &opts)
        .await
        .expect("resumed");
    assert_eq!(d.resumed_from, 10);
    // The bytes already there are reported first, then the rest: the whole file, once.
    assert_eq!(total.load(Ordering::SeqCst), DATA.len() as u64);
    assert!(calls.load(Ordering::SeqCst) >= 2, "the part, then the rest");
}

#[tokio::test]
async fn a_remote_file_registered_without_a_size_is_not_held_to_zero_bytes() {
    let server = MockServer::start().await;
    Mock::given(path("/api/records/r/files/f.bin"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "key": "f.bin", "size": 0, "status": "completed", "transfer": {"type": "R"}
        })))
        .mount(&server)
        .await;
    Mock::given(path("/api/records/r/files/f.bin/content"))
        .respond_with(Ranged)
        .mount(&server)
        .await;
    let c = Client::new(server.uri(), None).expect("client");
    let dir = tempfile::tempdir().expect("tempdir");
    // Into folders that do not exist yet.
    let dest = dir.path().join("a").join("b").join("f.bin");
    let d = c
        .records()
        .download_to("r", "f.bin", &dest, &DownloadOptions::default())
        .await
        .expect("a remote file of unknown size");
    assert_eq!(d.size, DATA.len() as u64);
    assert!(!d.verified, "no md5 to check it against");
    assert_eq!(std::fs::read(&dest).expect("read"), DATA);
    // A file of the records' own registered as empty is held to that.
    let local = MockServer::start().await;
    Mock::given(path("/api/records/r/files/f.bin"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "key": "f.bin", "size": 0, "status": "completed"
        })))
        .mount(&local)
        .await;
    Mock::given(path("/api/records/r/files/f.bin/content"))
        .respond_with(Ranged)
        .mount(&local)
        .await;
    let c = Client::new(local.uri(), None).expect("client");
    let e = c
        .records()
        .download_to(
            "r",
            "f.bin",
            &dir.path().join("g.bin"),
            &DownloadOptions::default(),
        )
        .await
        .expect_err("36 bytes where 0 were registered");
    assert!(!matches!(e, Error::WouldOverwrite { .. }), "{e}");
}
