//! Files registered by URL, against a sandbox and a small HTTP server of the test's on
//! loopback: fetched by the server (transfer type `F`) and remote files (`R`).

use std::time::Duration;

use inveniordm::models::{Metadata, Record};
use inveniordm::transfer::{FetchOptions, RemoteFile};
use inveniordm::{Client, Error};
use inveniordm_sandbox::{Sandbox, SandboxConfig};
use md5::{Digest, Md5};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Serves `body` at `/data.bin` (and 404 elsewhere) to every connection; its `host:port`.
async fn source(body: Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let body = body.clone();
            tokio::spawn(async move {
                let mut req = vec![0u8; 4096];
                let n = s.read(&mut req).await.unwrap_or(0);
                let head = String::from_utf8_lossy(&req[..n]).to_string();
                let reply = if head.starts_with("GET /data.bin ") {
                    let mut r = format!(
                        "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        body.len()
                    )
                    .into_bytes();
                    r.extend_from_slice(&body);
                    r
                } else {
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                        .to_vec()
                };
                let _ = s.write_all(&reply).await;
            });
        }
    });
    addr
}

fn md5_hex(b: &[u8]) -> String {
    Md5::digest(b).iter().map(|x| format!("{x:02x}")).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_fetches_a_file_by_url_and_it_is_verified() {
    let body: Vec<u8> = (0..300_000u32).map(|i| (i % 253) as u8).collect();
    let host = source(body.clone()).await;
    let sandbox = Sandbox::start(SandboxConfig {
        fetch_domains: vec![host.clone()],
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let c = Client::new(sandbox.url(), Some(sandbox.token())).expect("client");
    let mut m = Metadata::default();
    m.title = Some("Fetched".into());
    let d = c
        .drafts()
        .create(&Record {
            metadata: Some(m),
            ..Default::default()
        })
        .await
        .expect("draft");
    let id = d.id.clone().expect("id");
    let wait = Duration::from_secs(20);
    let url = format!("http://{host}/data.bin");
    let entry = c
        .drafts()
        .file_fetch(
            &id,
            "data.bin",
            &url,
            &FetchOptions::default().md5(md5_hex(&body)).wait(wait),
        )
        .await
        .expect("fetched");
    assert_eq!(entry.md5(), Some(md5_hex(&body).as_str()));
    assert_eq!(entry.size, Some(body.len() as u64));
    let back = c
        .drafts()
        .file_download(&id, "data.bin")
        .await
        .expect("download")
        .bytes()
        .await
        .expect("body");
    assert!(back == body);

    // A source that answers 404: the transfer fails and says so.
    let err = c
        .drafts()
        .file_fetch(
            &id,
            "missing.bin",
            &format!("http://{host}/nope"),
            &FetchOptions::default().wait(wait),
        )
        .await
        .expect_err("404 at the source");
    assert!(
        matches!(&err, Error::TransferFailed { message, .. } if message.contains("404")),
        "{err}"
    );

    // A domain the server does not allow is refused at once, and nothing is registered.
    let err = c
        .drafts()
        .file_fetch(
            &id,
            "elsewhere.bin",
            "http://127.0.0.2:9/x",
            &FetchOptions::default().wait(wait),
        )
        .await
        .expect_err("not an allowed domain");
    assert_eq!(err.status(), Some(400), "{err}");
    assert!(
        c.drafts()
            .files(&id)
            .await
            .expect("files")
            .get("elsewhere.bin")
            .is_none()
    );

    // An md5 that does not match: the file is removed.
    let err = c
        .drafts()
        .file_fetch(
            &id,
            "wrong.bin",
            &url,
            &FetchOptions::default()
                .md5("00000000000000000000000000000000")
                .wait(wait),
        )
        .await
        .expect_err("a mismatch");
    assert!(matches!(err, Error::Checksum { .. }), "{err}");
    assert!(
        c.drafts()
            .files(&id)
            .await
            .expect("files")
            .get("wrong.bin")
            .is_none()
    );
    sandbox.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_remote_file_whose_url_the_server_knows_with_another_md5_is_refused_and_removed() {
    let body: Vec<u8> = (0..20_000u32).map(|i| (i % 251) as u8).collect();
    let host = source(body.clone()).await;
    let sandbox = Sandbox::start(SandboxConfig {
        remote_domains: vec![host.clone()],
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let c = Client::new(sandbox.url(), Some(sandbox.token())).expect("client");
    let d = c.drafts().create(&Record::default()).await.expect("draft");
    let id = d.id.clone().expect("id");
    let url = format!("http://{host}/data.bin");
    let first = c
        .drafts()
        .file_remote(
            &id,
            "a.bin",
            &url,
            &RemoteFile::new(body.len() as u64, md5_hex(&body)),
        )
        .await
        .expect("linked");
    assert_eq!(first.md5(), Some(md5_hex(&body).as_str()));
    // The server keeps one file per URL: declaring other bytes for it cannot hold.
    let wrong = md5_hex(b"something else");
    let e = c
        .drafts()
        .file_remote(
            &id,
            "b.bin",
            &url,
            &RemoteFile {
                md5: Some(wrong.to_string()),
                ..Default::default()
            },
        )
        .await
        .expect_err("the server keeps the first checksum");
    assert!(matches!(e, Error::Checksum { .. }), "{e}");
    let files = c.drafts().files(&id).await.expect("files");
    assert!(
        files.get("b.bin").is_none(),
        "the mismatched entry is removed"
    );
    assert!(files.get("a.bin").is_some(), "the first stays");
    // Downloads follow the redirect and check the declared md5.
    let dir = tempfile::tempdir().expect("tempdir");
    let dest = dir.path().join("a.bin");
    let got = c
        .drafts()
        .download_to(&id, "a.bin", &dest, &Default::default())
        .await
        .expect("download");
    assert!(got.verified);
    assert!(std::fs::read(&dest).expect("read") == body);
}

/// A source that takes the connection and then sends nothing: the server's fetch gives up
/// after its idle limit and the entry fails, rather than staying pending forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_source_that_sends_nothing_fails_the_fetch_after_the_idle_limit() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let host = listener.local_addr().expect("addr").to_string();
    // Accepts, reads the request, and keeps the connection open without a word.
    let silent = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((mut s, _)) = listener.accept().await {
            let mut req = vec![0u8; 4096];
            let _ = s.read(&mut req).await;
            held.push(s);
        }
    });
    let sandbox = Sandbox::start(SandboxConfig {
        fetch_domains: vec![host.clone()],
        fetch_idle_secs: 1,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let c = Client::new(sandbox.url(), Some(sandbox.token())).expect("client");
    let d = c.drafts().create(&Record::default()).await.expect("draft");
    let id = d.require_id().expect("id");
    let err = c
        .drafts()
        .file_fetch(
            id,
            "silent.bin",
            &format!("http://{host}/data.bin"),
            &FetchOptions::default().wait(Duration::from_secs(30)),
        )
        .await
        .expect_err("the source never answers");
    assert!(
        matches!(&err, Error::TransferFailed { message, .. } if message.contains("timed out")),
        "{err}"
    );
    silent.abort();
}
