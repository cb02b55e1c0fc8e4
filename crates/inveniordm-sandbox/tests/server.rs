//! The sandbox as an HTTP server: persistence across restarts, hostile input, fault injection,
//! ranges, rate limits. Talks plain HTTP (the sandbox must not lean on the project's client).

use std::path::Path;

use inveniordm_sandbox::{Faults, Sandbox, SandboxConfig};
use reqwest::StatusCode;
use serde_json::{Value, json};

struct S {
    sb: Sandbox,
    http: reqwest::Client,
}

impl S {
    async fn start(config: SandboxConfig) -> S {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let sb = Sandbox::start(config).await.expect("starts");
        S {
            sb,
            http: reqwest::Client::new(),
        }
    }
    fn url(&self, p: &str) -> String {
        format!("{}/api{p}", self.sb.url())
    }
    fn auth(&self, r: reqwest::RequestBuilder) -> reqwest::RequestBuilder {
        r.bearer_auth(self.sb.token())
    }
    async fn json(&self, r: reqwest::RequestBuilder) -> (StatusCode, Value) {
        let resp = r.send().await.expect("sent");
        let status = resp.status();
        let text = resp.text().await.expect("body");
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }
    async fn create(&self) -> String {
        let body = json!({"metadata": {"title": "Test record", "publication_date": "2026-11-26", "resource_type": {"id": "dataset"},
            "creators": [{"person_or_org": {"type": "personal", "family_name": "Lovelace", "given_name": "Ada"}}]}});
        let (s, v) = self
            .json(self.auth(self.http.post(self.url("/records"))).json(&body))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        v["id"].as_str().expect("id").to_string()
    }
    async fn upload(&self, id: &str, key: &str, data: &[u8]) -> Value {
        let enc = key_path(key);
        let (s, v) = self
            .json(
                self.auth(
                    self.http
                        .post(self.url(&format!("/records/{id}/draft/files"))),
                )
                .json(&json!([{"key": key}])),
            )
            .await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        let (s, v) = self
            .json(
                self.auth(
                    self.http
                        .put(self.url(&format!("/records/{id}/draft/files/{enc}/content"))),
                )
                .header("content-type", "application/octet-stream")
                .body(data.to_vec()),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let (s, v) = self
            .json(
                self.auth(
                    self.http
                        .post(self.url(&format!("/records/{id}/draft/files/{enc}/commit"))),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
        v
    }
    async fn publish(&self, id: &str) -> Value {
        let (s, v) = self
            .json(
                self.auth(
                    self.http
                        .post(self.url(&format!("/records/{id}/draft/actions/publish"))),
                ),
            )
            .await;
        assert_eq!(s, StatusCode::ACCEPTED, "{v}");
        v
    }
}

fn key_path(key: &str) -> String {
    key.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

fn md5_hex(data: &[u8]) -> String {
    use md5::{Digest, Md5};
    Md5::digest(data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

fn files_under(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p)
            } else {
                out.push(p)
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_on_the_same_folder_serves_the_same_records_and_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = SandboxConfig {
        data_dir: Some(dir.path().to_path_buf()),
        token: Some("tok".into()),
        ..SandboxConfig::default()
    };
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let s = S::start(config.clone()).await;
    let id = s.create().await;
    s.upload(&id, "data/part 1.bin", &data).await;
    let published = s.publish(&id).await;
    let draft_only = s.create().await;
    let (_, link) = s
        .json(
            s.auth(s.http.post(s.url(&format!("/records/{id}/access/links"))))
                .json(&json!({"permission": "view"})),
        )
        .await;
    s.sb.stop().await;

    let s = S::start(config).await;
    let (st, rec) = s.json(s.http.get(s.url(&format!("/records/{id}")))).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(rec["metadata"], published["metadata"]);
    assert_eq!(rec["revision_id"], published["revision_id"]);
    let resp = s
        .http
        .get(s.url(&format!(
            "/records/{id}/files/{}/content",
            key_path("data/part 1.bin")
        )))
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), StatusCode::OK);
    let back = resp.bytes().await.expect("bytes");
    assert_eq!(md5_hex(&back), md5_hex(&data));
    let (_, meta) = s
        .json(s.http.get(s.url(&format!(
            "/records/{id}/files/{}",
            key_path("data/part 1.bin")
        ))))
        .await;
    assert_eq!(meta["checksum"], json!(format!("md5:{}", md5_hex(&data))));
    let (st, _) = s
        .json(s.auth(s.http.get(s.url(&format!("/records/{draft_only}/draft")))))
        .await;
    assert_eq!(st, StatusCode::OK, "drafts survive too");
    let (_, links) = s
        .json(s.auth(s.http.get(s.url(&format!("/records/{id}/access/links")))))
        .await;
    assert_eq!(links["hits"]["hits"][0]["id"], link["id"]);
    let (_, found) = s.json(s.http.get(s.url("/records?q=Test"))).await;
    assert_eq!(found["hits"]["total"], 1);
    // File keys are data: nothing in the data folder is named after them.
    for f in files_under(dir.path()) {
        assert!(!f.to_string_lossy().contains("part 1"), "{}", f.display());
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_input_gets_a_json_error_and_writes_nothing_outside_the_data_folder() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = dir.path().join("data");
    let config = SandboxConfig {
        data_dir: Some(data_dir.clone()),
        max_json_body: 4096,
        ..SandboxConfig::default()
    };
    let s = S::start(config).await;
    let post = |p: &str| s.auth(s.http.post(s.url(p)));

    let (st, v) = s
        .json(
            post("/records")
                .header("content-type", "application/json")
                .body("{not json"),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(
        v,
        json!({"status": 400, "message": "Unable to decode JSON data in request body."})
    );

    let (st, v) = s
        .json(
            post("/records")
                .header("content-type", "text/plain")
                .body("{}"),
        )
        .await;
    assert_eq!(st, StatusCode::UNSUPPORTED_MEDIA_TYPE);
    assert_eq!(v["status"], 415);

    let big = json!({"metadata": {"title": "x".repeat(10_000)}});
    let (st, v) = s.json(post("/records").json(&big)).await;
    assert_eq!(st, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(v["status"], 413);

    let (st, v) = s
        .json(s.http.get(format!("{}/api/no/such/route", s.sb.url())))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND);
    assert_eq!(v["status"], 404);
    let (st, _) = s
        .json(s.http.get(format!("{}/api/records/", s.sb.url())))
        .await;
    assert_eq!(st, StatusCode::NOT_FOUND, "trailing slash");

    // Text that is not query syntax is searched as plain words, as on real servers.
    let (st, v) = s.json(s.http.get(s.url("/records?q=(unbalanced"))).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(v["hits"]["total"], 0);
    let (st, v) = s.json(s.http.get(s.url("/records?q=(("))).await;
    assert_eq!((st, v["hits"]["total"].clone()), (StatusCode::OK, json!(0)));
    let (st, v) = s.json(s.http.get(s.url("/records?q=a&suggest=b"))).await;
    assert_eq!(
        (st, v["message"].clone()),
        (
            StatusCode::BAD_REQUEST,
            json!("Invalid querystring parameters.")
        )
    );
    let (st, v) = s.json(s.http.get(s.url("/records?sort=sideways"))).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert_eq!(
        v["errors"][0]["messages"][0],
        "Invalid sort option 'sideways'."
    );
    let (st, _) = s
        .json(s.http.get(s.url("/records")).header("accept", "text/html"))
        .await;
    assert_eq!(st, StatusCode::NOT_ACCEPTABLE);
    let (st, _) = s.json(s.http.get(s.url("/records/%FF%FE"))).await;
    assert_eq!(st, StatusCode::NOT_FOUND, "non-UTF-8 path");

    // Keys that look like paths are only data.
    let id = s.create().await;
    // (A key of exactly ".." cannot be carried by any URL: clients refuse it.)
    for key in [
        "../../escape.txt",
        "/etc/passwd",
        "..%2F..",
        "a/../../b",
        "nul\u{0}byte",
    ] {
        let v = s.upload(&id, key, key.as_bytes()).await;
        assert_eq!(v["key"], key);
    }
    assert!(!dir.path().join("escape.txt").exists());
    for f in files_under(dir.path()) {
        assert!(
            f.starts_with(&data_dir),
            "{} is outside the data folder",
            f.display()
        );
    }
    let (st, v) = s
        .json(
            s.auth(s.http.put(s.url(&format!("/records/{id}/draft"))))
                .header("if-match", "\"1\"")
                .json(&json!({})),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "quoted If-Match");
    assert_eq!(v["errors"][0]["field"], "if_match");
    let (st, v) = s
        .json(
            s.auth(s.http.put(s.url(&format!("/records/{id}/draft"))))
                .header("if-match", "999")
                .json(&json!({})),
        )
        .await;
    assert_eq!(st, StatusCode::PRECONDITION_FAILED);
    assert!(
        v["message"]
            .as_str()
            .unwrap_or("")
            .starts_with("Revision id provided(999)")
    );
    let (st, _) = s
        .json(s.http.post(s.url("/records")).json(&json!({})))
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "writes need a token");
    let (st, _) = s
        .json(
            s.http
                .post(s.url("/records"))
                .bearer_auth("wrong")
                .json(&json!({})),
        )
        .await;
    assert_eq!(st, StatusCode::FORBIDDEN, "a bad token is anonymous");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ranges_are_served_and_every_response_has_rate_limit_headers() {
    let s = S::start(SandboxConfig::default()).await;
    let id = s.create().await;
    let data: Vec<u8> = (0..1000u32).map(|i| (i % 256) as u8).collect();
    s.upload(&id, "r.bin", &data).await;
    s.publish(&id).await;
    let url = s.url(&format!("/records/{id}/files/r.bin/content"));
    let resp = s
        .http
        .get(&url)
        .header("range", "bytes=100-199")
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(resp.headers()["content-range"], "bytes 100-199/1000");
    assert_eq!(
        resp.bytes().await.expect("b").to_vec(),
        data[100..200].to_vec()
    );
    let resp = s
        .http
        .get(&url)
        .header("range", "bytes=900-")
        .send()
        .await
        .expect("get");
    assert_eq!(
        resp.bytes().await.expect("b").to_vec(),
        data[900..].to_vec()
    );
    let resp = s
        .http
        .get(&url)
        .header("range", "bytes=5000-")
        .send()
        .await
        .expect("get");
    assert_eq!(resp.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    let resp = s.http.get(&url).send().await.expect("get");
    for h in [
        "x-ratelimit-limit",
        "x-ratelimit-remaining",
        "x-ratelimit-reset",
        "retry-after",
    ] {
        assert!(resp.headers().contains_key(h), "{h} missing");
    }
    assert_eq!(
        resp.headers()["content-md5"].to_str().ok(),
        Some(md5_hex(&data).as_str())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rate_limit_answers_429() {
    // The window is the clock's minute: a run that crosses a minute boundary starts a new
    // budget, so it is tried again (once is enough: a minute is long).
    for _ in 0..2 {
        let s = S::start(SandboxConfig {
            rate_limit_per_minute: 3,
            ..SandboxConfig::default()
        })
        .await;
        let minute = || {
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() / 60)
                .unwrap_or(0)
        };
        let before = minute();
        let mut statuses = Vec::new();
        for _ in 0..5 {
            statuses.push(
                s.http
                    .get(s.url("/records"))
                    .send()
                    .await
                    .expect("get")
                    .status(),
            );
        }
        if minute() != before {
            continue;
        }
        assert_eq!(&statuses[..3], &[StatusCode::OK; 3]);
        assert_eq!(&statuses[3..], &[StatusCode::TOO_MANY_REQUESTS; 2]);
        return;
    }
    panic!("two runs crossed a minute boundary");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn injected_faults() {
    let s = S::start(SandboxConfig {
        faults: Faults {
            rate_429: 1.0,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    })
    .await;
    let resp = s.http.get(s.url("/records")).send().await.expect("get");
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(resp.headers()["retry-after"], "1");

    for (faults, status) in [
        (
            Faults {
                rate_500: 1.0,
                ..Faults::default()
            },
            StatusCode::INTERNAL_SERVER_ERROR,
        ),
        (
            Faults {
                rate_503: 1.0,
                ..Faults::default()
            },
            StatusCode::SERVICE_UNAVAILABLE,
        ),
        (
            Faults {
                rate_504: 1.0,
                ..Faults::default()
            },
            StatusCode::GATEWAY_TIMEOUT,
        ),
    ] {
        // The same data folder, with and without the fault: what the faulty server did is
        // seen by the healthy one.
        let dir = tempfile::tempdir().expect("tempdir");
        let base = SandboxConfig {
            data_dir: Some(dir.path().to_path_buf()),
            token: Some("t".into()),
            ..SandboxConfig::default()
        };
        let s = S::start(SandboxConfig {
            faults,
            ..base.clone()
        })
        .await;
        let (st, v) = s
            .json(s.auth(s.http.post(s.url("/records"))).json(&json!({})))
            .await;
        assert_eq!(st, status);
        assert_eq!(v["status"], status.as_u16());
        s.sb.stop().await;
        let s = S::start(base).await;
        let (st, mine) = s.json(s.auth(s.http.get(s.url("/user/records")))).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(mine["hits"]["total"], 0, "nothing was done");
    }

    // 504 after the action: the draft exists although the client saw a failure.
    let dir = tempfile::tempdir().expect("tempdir");
    let base = SandboxConfig {
        data_dir: Some(dir.path().to_path_buf()),
        token: Some("t".into()),
        ..SandboxConfig::default()
    };
    let s = S::start(SandboxConfig {
        faults: Faults {
            rate_504_after: 1.0,
            ..Faults::default()
        },
        ..base.clone()
    })
    .await;
    let (st, _) = s
        .json(
            s.auth(s.http.post(s.url("/records")))
                .json(&json!({"metadata": {"title": "After"}})),
        )
        .await;
    assert_eq!(st, StatusCode::GATEWAY_TIMEOUT);
    // Reads are not faulted by this setting: the draft is there.
    let (st, mine) = s.json(s.auth(s.http.get(s.url("/user/records")))).await;
    assert_eq!(st, StatusCode::OK);
    assert_eq!(mine["hits"]["total"], 1);
    s.sb.stop().await;

    // Dropped downloads: the body ends early with an error.
    let dir = tempfile::tempdir().expect("tempdir");
    let base = SandboxConfig {
        data_dir: Some(dir.path().to_path_buf()),
        token: Some("t".into()),
        ..SandboxConfig::default()
    };
    let s = S::start(base.clone()).await;
    let id = s.create().await;
    let data = vec![7u8; 2_000_000];
    s.upload(&id, "big.bin", &data).await;
    s.publish(&id).await;
    s.sb.stop().await;
    let s = S::start(SandboxConfig {
        faults: Faults {
            rate_drop: 1.0,
            ..Faults::default()
        },
        ..base
    })
    .await;
    let resp = s
        .http
        .get(s.url(&format!("/records/{id}/files/big.bin/content")))
        .send()
        .await
        .expect("headers arrive");
    assert_eq!(resp.status(), StatusCode::OK);
    assert!(resp.bytes().await.is_err(), "the body must break off");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_syntax_sorting_paging_and_facets() {
    let s = S::start(SandboxConfig::default()).await;
    for (title, rt) in [
        ("Deep ocean heat", "dataset"),
        ("Ocean salinity survey", "dataset"),
        ("Glacier images", "image-photo"),
        ("Heat flux software", "software"),
    ] {
        let body = json!({"metadata": {"title": title, "publication_date": "2026-11-26", "resource_type": {"id": rt},
            "creators": [{"person_or_org": {"type": "personal", "family_name": "Curie", "given_name": "Marie"}}]}, "files": {"enabled": false}});
        let (_, v) = s
            .json(s.auth(s.http.post(s.url("/records"))).json(&body))
            .await;
        s.publish(v["id"].as_str().expect("id")).await;
    }
    let total = |v: &Value| v["hits"]["total"].as_u64().unwrap_or(999);
    for (q, n) in [
        ("ocean", 2),
        ("ocean heat", 3),
        ("+ocean +heat", 1),
        ("ocean AND heat", 1),
        ("Ocean heat (", 3),
        ("ocean OR glacier", 3),
        ("heat NOT ocean", 1),
        ("\"ocean heat\"", 1),
        ("metadata.title:salinity", 1),
        ("title:glac*", 1),
        ("metadata.creators.person_or_org.family_name:Curie", 4),
        ("metadata.publication_date:[2026-01-01 TO 2026-12-31]", 4),
        ("metadata.publication_date:[2027-01-01 TO *]", 0),
        ("zzzznothing", 0),
    ] {
        let (st, v) = s
            .json(s.http.get(s.url("/records")).query(&[("q", q)]))
            .await;
        assert_eq!(st, StatusCode::OK, "{q}: {v}");
        assert_eq!(total(&v), n, "{q}");
    }
    let (_, v) = s
        .json(s.http.get(s.url("/records?resource_type=dataset")))
        .await;
    assert_eq!(total(&v), 2);
    let buckets = v["aggregations"]["resource_type"]["buckets"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert_eq!(
        buckets.len(),
        3,
        "aggregations ignore the facet filter: {buckets:?}"
    );
    let (_, v) = s
        .json(
            s.http
                .get(s.url("/records?resource_type=image::image-photo")),
        )
        .await;
    assert_eq!(total(&v), 1);
    let (_, v) = s
        .json(s.http.get(s.url("/records?size=3&page=2&sort=oldest")))
        .await;
    assert_eq!(v["hits"]["hits"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        v["links"]["prev"],
        json!(s.url("/records?page=1&size=3&sort=oldest"))
    );
    assert!(v["links"].get("next").is_none());
    let (_, v) = s.json(s.http.get(s.url("/records?size=0"))).await;
    assert_eq!(v["errors"][0]["field"], "size");
    let (st, _) = s
        .json(s.http.get(s.url("/records?size=100&page=101")))
        .await;
    assert_eq!(
        st,
        StatusCode::BAD_REQUEST,
        "beyond the 10 000-result window"
    );
    let (_, v) = s
        .json(s.http.get(s.url("/vocabularies/languages?q=english")))
        .await;
    assert_eq!(v["hits"]["hits"][0]["id"], "eng");
    let (_, v) = s
        .json(s.http.get(s.url("/vocabularies/resourcetypes?size=5")))
        .await;
    assert_eq!(
        v["links"]["self"],
        json!(s.url("/vocabularies/resourcetypes?page=1&size=5&sort=title"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_never_lands_on_a_file_committed_meanwhile() {
    let s = S::start(SandboxConfig::default()).await;
    let id = s.create().await;
    // Register, start a slow upload, and let a quick one finish and commit first.
    let (st, _) = s
        .json(
            s.auth(s.http.post(s.url(&format!("/records/{id}/draft/files"))))
                .json(&json!([{"key": "a"}])),
        )
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(1);
    let slow_url = s.url(&format!("/records/{id}/draft/files/a/content"));
    let slow = s
        .auth(s.http.put(&slow_url))
        .header("content-type", "application/octet-stream")
        .body(reqwest::Body::wrap_stream(tokio_stream_from(rx)))
        .send();
    let slow = tokio::spawn(slow);
    tx.send(Ok(bytes::Bytes::from_static(b"slow ")))
        .await
        .expect("send");
    // The slow upload has taken its entry before the quick one goes (bounded wait).
    let begun = || {
        s.sb.counters()
            .uploads_begun
            .load(std::sync::atomic::Ordering::SeqCst)
    };
    for _ in 0..1000 {
        if begun() == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    }
    assert_eq!(begun(), 1, "the slow upload reached the server");
    let (st, _) = s
        .json(
            s.auth(s.http.put(&slow_url))
                .header("content-type", "application/octet-stream")
                .body("quick"),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let (st, committed) = s
        .json(
            s.auth(
                s.http
                    .post(s.url(&format!("/records/{id}/draft/files/a/commit"))),
            ),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    tx.send(Ok(bytes::Bytes::from_static(b"upload")))
        .await
        .expect("send");
    drop(tx);
    let resp = slow.await.expect("join").expect("sent");
    let body: serde_json::Value = resp.json().await.expect("json");
    assert_eq!(body["errors"], "File upload transfer failed.", "{body}");
    let (_, after) = s
        .json(s.auth(s.http.get(s.url(&format!("/records/{id}/draft/files/a")))))
        .await;
    assert_eq!(
        after["checksum"], committed["checksum"],
        "the committed file is unchanged"
    );
    let content = s
        .auth(
            s.http
                .get(s.url(&format!("/records/{id}/draft/files/a/content"))),
        )
        .send()
        .await
        .expect("get");
    assert_eq!(content.bytes().await.expect("bytes").as_ref(), b"quick");
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<bytes::Bytes, std::io::Error>>,
) -> impl futures_util::Stream<Item = Result<bytes::Bytes, std::io::Error>> {
    futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_revokes_old_tokens_and_sweeps_unused_contents() {
    let dir = tempfile::tempdir().expect("tempdir");
    let cfg = |token: &str, users: Vec<(String, String)>| SandboxConfig {
        data_dir: Some(dir.path().to_path_buf()),
        token: Some(token.into()),
        users,
        ..SandboxConfig::default()
    };
    let s = S::start(cfg("first", vec![("alice".into(), "alice-1".into())])).await;
    s.sb.stop().await;
    let orphan = "0123456789abcdef0123456789abcdef";
    std::fs::write(dir.path().join("files").join(orphan), b"orphan").expect("write");
    // A file the sandbox did not write, in its own folder: never touched.
    std::fs::write(dir.path().join("files").join("notes.txt"), b"mine").expect("write");
    let s = S::start(cfg("second", vec![])).await;
    let status = |tok: &'static str| {
        let r = s.http.get(s.url("/user/records")).bearer_auth(tok).send();
        async move { r.await.expect("sent").status() }
    };
    assert_eq!(status("second").await, StatusCode::OK);
    assert_eq!(
        status("first").await,
        StatusCode::FORBIDDEN,
        "the old default token is revoked"
    );
    assert_eq!(
        status("alice-1").await,
        StatusCode::FORBIDDEN,
        "users not given at this start lose their tokens"
    );
    assert!(
        !dir.path().join("files").join(orphan).exists(),
        "unreferenced contents are removed"
    );
    assert_eq!(
        std::fs::read(dir.path().join("files").join("notes.txt")).expect("kept"),
        b"mine",
        "only what the sandbox wrote is ever removed"
    );
    let dup = Sandbox::start(SandboxConfig {
        users: vec![("sandbox".into(), "x".into())],
        ..SandboxConfig::default()
    })
    .await;
    assert!(dup.is_err(), "a second user named sandbox is refused");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn persistent_identifiers_cannot_be_taken_or_dropped() {
    let s = S::start(SandboxConfig::default()).await;
    let id = s.create().await;
    let draft_url = s.url(&format!("/records/{id}/draft"));
    let body = |pids: Value| {
        json!({"metadata": {"title": "Pids", "publication_date": "2026-11-26", "resource_type": {"id": "dataset"},
        "publisher": "Sandbox", "creators": [{"person_or_org": {"type": "personal", "family_name": "Lovelace", "given_name": "Ada"}}]}, "files": {"enabled": false}, "pids": pids})
    };
    // Someone else's managed DOI, an unknown scheme: refused and reported; an external DOI: kept.
    let (_, v) = s
        .json(s.auth(s.http.put(&draft_url)).json(&body(
            json!({"doi": {"identifier": "10.1234/other", "provider": "datacite"}}),
        )))
        .await;
    assert!(v["pids"].get("doi").is_none(), "{v}");
    assert!(v["errors"].to_string().contains("pids.doi"), "{v}");
    let (_, v) = s
        .json(
            s.auth(s.http.put(&draft_url))
                .json(&body(json!({"ark": {"identifier": "x"}}))),
        )
        .await;
    assert!(v["errors"].to_string().contains("pids.ark.key"), "{v}");
    let (_, v) = s
        .json(s.auth(s.http.put(&draft_url)).json(&body(
            json!({"doi": {"identifier": "10.5555/mine", "provider": "external"}}),
        )))
        .await;
    assert_eq!(v["pids"]["doi"]["identifier"], "10.5555/mine");
    // A published record's DOI survives an edit that leaves it out.
    let (_, v) = s
        .json(s.auth(s.http.put(&draft_url)).json(&body(json!({}))))
        .await;
    assert!(v["pids"].get("doi").is_none());
    let (st, v) = s
        .json(s.auth(s.http.post(s.url(&format!("/records/{id}/draft/pids/doi")))))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let doi = v["pids"]["doi"].clone();
    s.publish(&id).await;
    let (_, _) = s.json(s.auth(s.http.post(&draft_url))).await;
    let (_, v) = s
        .json(s.auth(s.http.put(&draft_url)).json(&body(json!({}))))
        .await;
    assert_eq!(v["pids"]["doi"], doi, "{v}");
    assert!(v["errors"].to_string().contains("cannot be changed"), "{v}");
}

#[tokio::test]
async fn a_data_folder_with_other_files_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().expect("tempdir");
    let files = dir.path().join("files");
    std::fs::create_dir_all(files.join("sub")).expect("mkdir");
    std::fs::write(files.join("thesis.pdf"), b"years of work").expect("write");
    std::fs::write(files.join("sub/data.csv"), b"a,b").expect("write");
    std::fs::write(dir.path().join("README"), b"mine").expect("write");
    let err = Sandbox::start(SandboxConfig {
        data_dir: Some(dir.path().to_path_buf()),
        ..SandboxConfig::default()
    })
    .await
    .expect_err("a folder of someone else's files is not taken over");
    assert!(err.to_string().contains("did not write"), "{err}");
    assert_eq!(
        std::fs::read(files.join("thesis.pdf")).expect("kept"),
        b"years of work"
    );
    assert_eq!(
        std::fs::read(files.join("sub/data.csv")).expect("kept"),
        b"a,b"
    );
    assert_eq!(
        std::fs::read(dir.path().join("README")).expect("kept"),
        b"mine"
    );
    // A data folder with other things beside `files/` is fine: they are not touched.
    let other = tempfile::tempdir().expect("tempdir");
    std::fs::write(other.path().join("notes.txt"), b"mine").expect("write");
    let sb = Sandbox::start(SandboxConfig {
        data_dir: Some(other.path().to_path_buf()),
        ..SandboxConfig::default()
    })
    .await
    .expect("starts");
    sb.stop().await;
    let sb = Sandbox::start(SandboxConfig {
        data_dir: Some(other.path().to_path_buf()),
        ..SandboxConfig::default()
    })
    .await
    .expect("restarts on its own folder");
    sb.stop().await;
    assert_eq!(
        std::fs::read(other.path().join("notes.txt")).expect("kept"),
        b"mine"
    );
}

#[tokio::test]
async fn every_stock_sort_option_and_language_is_served() {
    let s = S::start(SandboxConfig::default()).await;
    for sort in [
        "bestmatch",
        "newest",
        "oldest",
        "version",
        "updated-desc",
        "updated-asc",
        "mostviewed",
        "mostdownloaded",
    ] {
        for path in ["/records", "/user/records"] {
            let st = s
                .http
                .get(s.url(&format!("{path}?sort={sort}")))
                .bearer_auth(s.sb.token())
                .send()
                .await
                .expect("sent")
                .status();
            assert_eq!(st, StatusCode::OK, "{path} sort={sort}");
        }
    }
    let (_, v) = s
        .json(s.http.get(s.url("/vocabularies/languages?size=1")))
        .await;
    assert!(
        v["hits"]["total"].as_u64().unwrap_or(0) > 7_000,
        "{}",
        v["hits"]["total"]
    );
    let (_, v) = s
        .json(s.http.get(s.url("/vocabularies/resourcetypes/publication")))
        .await;
    let titles = v["title"].as_object().map(|o| o.len()).unwrap_or(0);
    assert!(
        titles >= 4,
        "every language of the stock titles: {}",
        v["title"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn multipart_uploads_follow_the_part_rules() {
    let s = S::start(SandboxConfig::default()).await;
    let id = s.create().await;
    let files = s.url(&format!("/records/{id}/draft/files"));
    let put = |url: String, body: Vec<u8>| {
        s.auth(s.http.put(url))
            .header("content-type", "application/octet-stream")
            .body(body)
    };
    // A plan that does not make the size is refused.
    let (st, v) = s
        .json(s.auth(s.http.post(&files)).json(&json!([{"key": "bad", "size": 10, "transfer": {"type": "M", "parts": 3, "part_size": 2}}])))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    let (st, v) = s
        .json(s.auth(s.http.post(&files)).json(&json!([{"key": "p.bin", "size": 10, "transfer": {"type": "M", "parts": 3, "part_size": 4}}])))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v}");
    let e = &v["entries"][0];
    assert_eq!(e["status"], "pending");
    assert!(e["links"].get("content").is_none(), "no single content URL");
    let urls: Vec<String> = e["links"]["parts"]
        .as_array()
        .expect("part links")
        .iter()
        .map(|p| p["url"].as_str().expect("url").to_string())
        .collect();
    assert_eq!(urls.len(), 3);
    // Not in one stream, not a part of the wrong size, not a part beyond the last.
    let (st, _) = s
        .json(put(
            format!("{files}/p.bin/content"),
            b"0123456789".to_vec(),
        ))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    let (st, v) = s.json(put(urls[0].clone(), b"012".to_vec())).await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{v}");
    assert!(
        v["message"].as_str().is_some_and(|m| m.contains("4 bytes")),
        "{v}"
    );
    let (st, _) = s
        .json(put(format!("{files}/p.bin/content/4"), b"9".to_vec()))
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    // Out of order, one of them twice; the commit waits for every part.
    let (st, _) = s.json(put(urls[2].clone(), b"89".to_vec())).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s.json(put(urls[0].clone(), b"xxxx".to_vec())).await;
    assert_eq!(st, StatusCode::OK);
    let commit = format!("{files}/p.bin/commit");
    let (st, v) = s.json(s.auth(s.http.post(&commit))).await;
    assert_eq!(st, StatusCode::BAD_REQUEST);
    assert!(
        v["message"].as_str().is_some_and(|m| m.contains('2')),
        "{v}"
    );
    let (st, _) = s.json(put(urls[0].clone(), b"0123".to_vec())).await;
    assert_eq!(st, StatusCode::OK);
    let (st, _) = s.json(put(urls[1].clone(), b"4567".to_vec())).await;
    assert_eq!(st, StatusCode::OK);
    let (st, v) = s.json(s.auth(s.http.post(&commit))).await;
    assert_eq!(st, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "completed");
    assert!(
        v["checksum"].is_null(),
        "the commit answers before the checksum: {v}"
    );
    assert_eq!(v["transfer"]["type"], "L");
    // The md5 comes after the commit (bounded wait), and is that of the parts last sent.
    let mut v = Value::Null;
    for _ in 0..500 {
        v = s.json(s.auth(s.http.get(format!("{files}/p.bin")))).await.1;
        if !v["checksum"].is_null() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    assert_eq!(v["checksum"], format!("md5:{}", md5_hex(b"0123456789")));
    let body = s
        .auth(s.http.get(format!("{files}/p.bin/content")))
        .send()
        .await
        .expect("sent")
        .bytes()
        .await
        .expect("body");
    assert_eq!(
        &body[..],
        b"0123456789",
        "the later part 1 replaced the earlier one"
    );
    s.sb.stop().await;
}

#[tokio::test]
async fn the_pages_show_records_their_files_and_versions() {
    let s = S::start(SandboxConfig::default()).await;
    let page = |path: String| {
        let http = s.http.clone();
        let url = format!("{}{path}", s.sb.url());
        async move {
            let r = http
                .get(url)
                .header("accept", "text/html")
                .send()
                .await
                .expect("sent");
            let status = r.status();
            let ct = r
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_string();
            (status, ct, r.text().await.expect("body"))
        }
    };
    let id = s.create().await;
    // A title with markup is shown as text, never as markup.
    let (st, v) = s
        .json(
            s.auth(s.http.put(s.url(&format!("/records/{id}/draft"))))
                .json(&json!({"metadata": {"title": "Tides <b>&</b> waves", "publication_date": "2026-11-26",
                    "resource_type": {"id": "dataset"}, "version": "v1",
                    "creators": [{"person_or_org": {"type": "personal", "family_name": "Lovelace", "given_name": "Ada"}}]}})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    s.upload(&id, "data/a b.csv", b"1,2\n").await;
    s.upload(&id, "readme.txt", b"read me").await;
    let rec = s.publish(&id).await;
    let html_link = rec["links"]["self_html"]
        .as_str()
        .expect("self_html")
        .to_string();
    let (status, ct, body) = page(format!("/records/{id}")).await;
    assert_eq!(status, StatusCode::OK);
    assert!(ct.starts_with("text/html"), "{ct}");
    assert!(
        html_link.ends_with(&format!("/records/{id}")),
        "{html_link}"
    );
    assert!(
        body.contains("Tides &lt;b&gt;&amp;&lt;/b&gt; waves"),
        "{body}"
    );
    assert!(!body.contains("<b>&</b>"));
    assert!(body.contains("Lovelace, Ada"));
    assert!(body.contains("data/a b.csv") && body.contains("readme.txt"));
    assert!(!body.contains("<script"));
    // The download links lead to the files' bytes.
    let href = body
        .split("href=\"")
        .skip(1)
        .filter_map(|h| h.split('"').next())
        .find(|h| h.contains("readme.txt"))
        .expect("a link to readme.txt")
        .replace("&amp;", "&");
    let got = s.http.get(&href).send().await.expect("sent");
    assert_eq!(got.status(), StatusCode::OK, "{href}");
    assert_eq!(got.bytes().await.expect("bytes").as_ref(), b"read me");
    // A second version: both pages list both versions; latest leads to the second.
    let (st, v2) = s
        .json(s.auth(s.http.post(s.url(&format!("/records/{id}/versions")))))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{v2}");
    let id2 = v2["id"].as_str().expect("id").to_string();
    let mut m = rec["metadata"].clone();
    m["version"] = json!("v2");
    let (st, v) = s
        .json(
            s.auth(s.http.put(s.url(&format!("/records/{id2}/draft"))))
                .json(&json!({"metadata": m})),
        )
        .await;
    assert_eq!(st, StatusCode::OK, "{v}");
    s.upload(&id2, "readme.txt", b"read me again").await;
    s.publish(&id2).await;
    let (_, _, body) = page(format!("/records/{id}")).await;
    assert!(
        body.contains("Version v1") && body.contains("Version v2"),
        "{body}"
    );
    assert!(body.contains(&format!("/records/{id2}")));
    let latest = s
        .http
        .get(format!("{}/records/{id}/latest", s.sb.url()))
        .send()
        .await
        .expect("sent");
    assert!(
        latest.url().path().ends_with(&format!("/records/{id2}")),
        "{}",
        latest.url()
    );
    // The search page finds it, and says so when nothing matches.
    let (status, _, body) = page("/search?q=waves".into()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains(&format!("href=\"/records/{id2}\"")), "{body}");
    assert!(body.contains("1 record<"), "{body}");
    let (_, _, body) = page("/search?q=nothing-matches-this".into()).await;
    assert!(body.contains("0 records"), "{body}");
    let (status, _, front) = page("/".into()).await;
    assert_eq!(status, StatusCode::OK);
    assert!(front.contains("All records"));
    // An unknown record is a page too, with its status.
    let (status, ct, body) = page("/records/nope0-00000".into()).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(ct.starts_with("text/html") && body.contains("No such record"));
}

#[tokio::test]
async fn a_reserved_doi_wants_a_publisher_and_gives_the_concept_a_doi() {
    let s = S::start(SandboxConfig {
        custom_fields: vec!["code:codeRepository".into()],
        ..SandboxConfig::default()
    })
    .await;
    let body = json!({"metadata": {"title": "DOI", "publication_date": "2026-11-26", "resource_type": {"id": "dataset"},
        "creators": [{"person_or_org": {"type": "personal", "family_name": "Lovelace", "given_name": "Ada"}}]},
        "files": {"enabled": false},
        "custom_fields": {"code:codeRepository": "https://example.org/x", "zz:colour": "red"}});
    let (st, d) = s
        .json(s.auth(s.http.post(s.url("/records"))).json(&body))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{d}");
    // Configured custom fields are kept, others refused.
    assert_eq!(
        d["custom_fields"],
        json!({"code:codeRepository": "https://example.org/x"})
    );
    assert_eq!(d["errors"][0]["field"], "custom_fields.zz:colour", "{d}");
    let id = d["id"].as_str().expect("id").to_string();
    let (st, r) = s
        .json(s.auth(s.http.post(s.url(&format!("/records/{id}/draft/pids/doi")))))
        .await;
    assert_eq!(st, StatusCode::CREATED, "{r}");
    assert_eq!(r["pids"]["doi"]["provider"], "datacite");
    let mut plain = body.clone();
    plain["custom_fields"] = json!({"code:codeRepository": "https://example.org/x"});
    let (_, saved) = s
        .json(
            s.auth(s.http.put(s.url(&format!("/records/{id}/draft"))))
                .json(&plain),
        )
        .await;
    let fields: Vec<&str> = saved["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, vec!["metadata.publisher"], "{saved}");
    let (st, refused) = s
        .json(
            s.auth(
                s.http
                    .post(s.url(&format!("/records/{id}/draft/actions/publish"))),
            ),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{refused}");
    assert_eq!(refused["errors"][0]["field"], "metadata.publisher");
    plain["metadata"]["publisher"] = json!("Sandbox");
    let (st, _) = s
        .json(
            s.auth(s.http.put(s.url(&format!("/records/{id}/draft"))))
                .json(&plain),
        )
        .await;
    assert_eq!(st, StatusCode::OK);
    let rec = s.publish(&id).await;
    let parent = rec["parent"]["id"].as_str().expect("parent");
    assert_eq!(
        rec["parent"]["pids"]["doi"]["identifier"],
        format!("10.1234/{parent}")
    );
    assert!(
        rec["links"]["parent_doi"].is_string() && rec["links"]["self_doi_html"].is_string(),
        "{}",
        rec["links"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_zenodo_profile_has_a_search_budget_of_its_own_and_refuses_parts() {
    let s = S::start(SandboxConfig::zenodo(30)).await;
    // 30 searches a window; the 31st is refused, with the search budget announced.
    for i in 0..30 {
        let resp = s
            .auth(s.http.get(s.url("/records?q=ocean")))
            .send()
            .await
            .expect("sent");
        assert_eq!(resp.status(), StatusCode::OK, "search {i}");
        assert_eq!(resp.headers()["x-ratelimit-limit"], "30");
    }
    let resp = s
        .auth(s.http.get(s.url("/user/records")))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(
        s.sb.counters()
            .rate_limited
            .load(std::sync::atomic::Ordering::SeqCst),
        1
    );
    // Other requests have their own budget of 1 000.
    let id = s.create().await;
    let resp = s
        .auth(s.http.get(s.url(&format!("/records/{id}/draft"))))
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::OK);
    assert_eq!(resp.headers()["x-ratelimit-limit"], "1000");
    // Multipart parts are refused with 403, as Zenodo does.
    let (st, _) = s
        .json(s.auth(s.http.post(s.url(&format!("/records/{id}/draft/files")))).json(
            &json!([{"key": "big.bin", "size": 200, "transfer": {"type": "M", "parts": 2, "part_size": 100}}]),
        ))
        .await;
    assert_eq!(st, StatusCode::CREATED);
    let resp = s
        .auth(
            s.http
                .put(s.url(&format!("/records/{id}/draft/files/big.bin/content/1")))
                .header("content-type", "application/octet-stream")
                .body(vec![0u8; 100]),
        )
        .send()
        .await
        .expect("sent");
    assert_eq!(resp.status(), StatusCode::FORBIDDEN);
    assert_eq!(s.sb.parts_stored(), 0);
    // At most 100 files per record.
    let many: Vec<Value> = (0..101).map(|i| json!({"key": format!("f{i}")})).collect();
    let (st, body) = s
        .json(
            s.auth(s.http.post(s.url(&format!("/records/{id}/draft/files"))))
                .json(&many),
        )
        .await;
    assert_eq!(st, StatusCode::BAD_REQUEST, "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_record_quota_refuses_the_file_that_would_pass_it() {
    let s = S::start(SandboxConfig {
        max_record_bytes: 1_000,
        ..SandboxConfig::default()
    })
    .await;
    let id = s.create().await;
    for (key, n, ok) in [
        ("a.bin", 600usize, true),
        ("b.bin", 600, false),
        ("c.bin", 400, true),
    ] {
        let (st, _) = s
            .json(
                s.auth(s.http.post(s.url(&format!("/records/{id}/draft/files"))))
                    .json(&json!([{"key": key}])),
            )
            .await;
        assert_eq!(st, StatusCode::CREATED);
        let (st, body) = s
            .json(
                s.auth(
                    s.http
                        .put(s.url(&format!("/records/{id}/draft/files/{key}/content")))
                        .header("content-type", "application/octet-stream")
                        .body(vec![1u8; n]),
                ),
            )
            .await;
        assert_eq!(st.is_success(), ok, "{key}: {body}");
        if ok {
            let (st, _) = s
                .json(
                    s.auth(
                        s.http
                            .post(s.url(&format!("/records/{id}/draft/files/{key}/commit"))),
                    ),
                )
                .await;
            assert_eq!(st, StatusCode::OK);
        } else {
            // The record's room is the smaller limit: invenio-files-rest's reason for it.
            assert_eq!(body["message"], "Bucket quota exceeded.");
        }
    }
}
