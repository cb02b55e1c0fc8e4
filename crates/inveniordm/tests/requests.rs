//! Request shape of every endpoint method: verb, path (with encoded ids and keys), query,
//! headers and body, checked against a mock HTTP server.

use inveniordm::models::*;
use inveniordm::transfer::UploadBody;
use inveniordm::{Client, RetryConfig};
use serde_json::{Value, json};
use wiremock::matchers::any;
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

const TOKEN: &str = "s3cr3t-t0ken-value";

async fn server(status: u16, body: Value) -> (MockServer, Client) {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(status).set_body_json(body))
        .mount(&server)
        .await;
    let client = Client::builder(server.uri())
        .token(TOKEN)
        .retry(RetryConfig::none())
        .build()
        .expect("client");
    (server, client)
}

async fn only_request(server: &MockServer) -> Request {
    let mut reqs = server.received_requests().await.expect("recording on");
    assert_eq!(reqs.len(), 1, "exactly one request expected");
    reqs.remove(0)
}

fn header<'a>(r: &'a Request, name: &str) -> Option<&'a str> {
    r.headers.get(name).and_then(|v| v.to_str().ok())
}

fn check(r: &Request, method: &str, path: &str) {
    assert_eq!(r.method.as_str(), method, "method of {path}");
    assert_eq!(r.url.path(), path);
    assert_eq!(
        header(r, "authorization"),
        Some(format!("Bearer {TOKEN}").as_str())
    );
    assert!(
        !r.url.as_str().contains(TOKEN),
        "the token never goes in a URL"
    );
}

fn body(r: &Request) -> Value {
    serde_json::from_slice(&r.body).expect("JSON body")
}

fn record_json() -> Value {
    json!({"id": "abcd1-23456", "revision_id": 7, "metadata": {"title": "T"}})
}

fn files_json() -> Value {
    json!({"enabled": true, "entries": [{"key": "a b.csv", "status": "pending"}]})
}

fn entry_json() -> Value {
    json!({"key": "a b.csv", "status": "completed", "checksum": "md5:00", "size": 1})
}

fn page_json() -> Value {
    json!({"hits": {"hits": [], "total": 0}, "links": {}})
}

const KEY: &str = "dir/a b#?%ü.csv";
const EKEY: &str = "dir%2Fa%20b%23%3F%25%C3%BC.csv";

#[tokio::test]
async fn query_methods() {
    let (s, c) = server(200, page_json()).await;
    c.query()
        .records(
            &SearchQuery::new("a&b #c +d")
                .size(5)
                .page(2)
                .sort("newest")
                .all_versions(true)
                .filter("resource_type", "dataset"),
        )
        .await
        .expect("ok");
    let r = only_request(&s).await;
    check(&r, "GET", "/api/records");
    let q: Vec<(String, String)> = r.url.query_pairs().into_owned().collect();
    let want: Vec<(String, String)> = [
        ("q", "a&b #c +d"),
        ("sort", "newest"),
        ("size", "5"),
        ("page", "2"),
        ("allversions", "true"),
        ("resource_type", "dataset"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(q, want);
    assert_eq!(header(&r, "accept"), Some("application/json"));

    let (s, c) = server(200, page_json()).await;
    c.query()
        .user_records(&SearchQuery::all())
        .await
        .expect("ok");
    check(&only_request(&s).await, "GET", "/api/user/records");

    let (s, c) = server(200, page_json()).await;
    c.query()
        .vocabulary(
            &VocType::Languages,
            &VocQuery::new().suggest("eng").size(3).tags("living"),
        )
        .await
        .expect("ok");
    let r = only_request(&s).await;
    check(&r, "GET", "/api/vocabularies/languages");
    assert_eq!(r.url.query(), Some("suggest=eng&size=3&tags=living"));

    let (s, c) = server(200, page_json()).await;
    c.query()
        .vocabulary(&VocType::Affiliations, &VocQuery::new())
        .await
        .expect("ok");
    check(&only_request(&s).await, "GET", "/api/affiliations");

    let (s, c) = server(200, json!({"id": "https://x/y"})).await;
    c.query()
        .term(&VocType::Subjects, "https://x/y")
        .await
        .expect("ok");
    check(
        &only_request(&s).await,
        "GET",
        "/api/subjects/https%3A%2F%2Fx%2Fy",
    );

    let (s, c) = server(200, json!({"id": "eng"})).await;
    c.query()
        .term(&VocType::Other("custom".into()), "eng")
        .await
        .expect("ok");
    check(
        &only_request(&s).await,
        "GET",
        "/api/vocabularies/custom/eng",
    );
}

#[tokio::test]
async fn records_methods() {
    let (s, c) = server(200, record_json()).await;
    c.records().get("abcd1-23456").await.expect("ok");
    check(&only_request(&s).await, "GET", "/api/records/abcd1-23456");

    let (s, c) = server(200, files_json()).await;
    c.records().files("abcd1-23456").await.expect("ok");
    check(
        &only_request(&s).await,
        "GET",
        "/api/records/abcd1-23456/files",
    );

    let (s, c) = server(200, entry_json()).await;
    c.records()
        .file_metadata("abcd1-23456", KEY)
        .await
        .expect("ok");
    check(
        &only_request(&s).await,
        "GET",
        &format!("/api/records/abcd1-23456/files/{EKEY}"),
    );

    let (s, c) = server(200, json!("bytes")).await;
    let bytes = c
        .records()
        .file_download("abcd1-23456", KEY)
        .await
        .expect("ok")
        .bytes()
        .await
        .expect("read");
    assert_eq!(bytes, b"\"bytes\"");
    check(
        &only_request(&s).await,
        "GET",
        &format!("/api/records/abcd1-23456/files/{EKEY}/content"),
    );

    let (s, c) = server(200, page_json()).await;
    c.records().versions("abcd1-23456").await.expect("ok");
    let r = only_request(&s).await;
    check(&r, "GET", "/api/records/abcd1-23456/versions");
    assert!(
        r.url.query().unwrap_or("").contains("allversions=true"),
        "{:?}",
        r.url.query()
    );

    let (s, c) = server(200, record_json()).await;
    c.records().latest_version("abcd1-23456").await.expect("ok");
    check(
        &only_request(&s).await,
        "GET",
        "/api/records/abcd1-23456/versions/latest",
    );
}

#[tokio::test]
async fn access_link_methods() {
    let link = json!({"id": "l1", "permission": "view"});
    let (s, c) = server(200, json!({"hits": {"hits": [link.clone()], "total": 1}})).await;
    let page = c.records().access_links().list("r1").await.expect("ok");
    assert_eq!(page.total(), 1);
    check(
        &only_request(&s).await,
        "GET",
        "/api/records/r1/access/links",
    );

    let (s, c) = server(200, link.clone()).await;
    c.records()
        .access_links()
        .get("r1", "l1")
        .await
        .expect("ok");
    check(
        &only_request(&s).await,
        "GET",
        "/api/records/r1/access/links/l1",
    );

    let (s, c) = server(201, link.clone()).await;
    let mut l = AccessLink::default();
    l.expires_at = Some("2099-01-01".into());
    l.id = Some("ignored".into());
    c.records()
        .access_links()
        .create("r1", &l)
        .await
        .expect("ok");
    let r = only_request(&s).await;
    check(&r, "POST", "/api/records/r1/access/links");
    assert_eq!(
        body(&r),
        json!({"permission": "view", "expires_at": "2099-01-01"})
    );
    assert_eq!(header(&r, "content-type"), Some("application/json"));

    let (s, c) = server(200, link.clone()).await;
    c.records()
        .access_links()
        .update(
            "r1",
            "l1",
            &AccessLink::with_permission(LinkPermission::Edit),
        )
        .await
        .expect("ok");
    let r = only_request(&s).await;
    check(&r, "PATCH", "/api/records/r1/access/links/l1");
    assert_eq!(body(&r), json!({"permission": "edit"}));

    let (s, c) = server(204, json!(null)).await;
    c.records()
        .access_links()
        .delete("r1", "l1")
        .await
        .expect("ok");
    check(
        &only_request(&s).await,
        "DELETE",
        "/api/records/r1/access/links/l1",
    );
}

#[tokio::test]
async fn draft_methods() {
    for (call, method, path) in [
        ("get", "GET", "/api/records/d1/draft"),
        ("publish", "POST", "/api/records/d1/draft/actions/publish"),
        ("edit", "POST", "/api/records/d1/draft"),
        ("new_version", "POST", "/api/records/d1/versions"),
        ("reserve_doi", "POST", "/api/records/d1/draft/pids/doi"),
        ("discard_doi", "DELETE", "/api/records/d1/draft/pids/doi"),
    ] {
        let (s, c) = server(200, record_json()).await;
        let d = c.drafts();
        let r = match call {
            "get" => d.get("d1").await,
            "publish" => d.publish("d1").await,
            "edit" => d.edit("d1").await,
            "new_version" => d.new_version("d1").await,
            "reserve_doi" => d.reserve_doi("d1").await,
            _ => d.discard_doi("d1").await,
        };
        r.unwrap_or_else(|e| panic!("{call}: {e}"));
        let req = only_request(&s).await;
        check(&req, method, path);
        assert!(req.body.is_empty(), "{call} sends no body");
    }

    let (s, c) = server(204, json!(null)).await;
    c.drafts().delete("d1").await.expect("ok");
    check(&only_request(&s).await, "DELETE", "/api/records/d1/draft");

    let (s, c) = server(200, files_json()).await;
    c.drafts().files("d1").await.expect("ok");
    check(
        &only_request(&s).await,
        "GET",
        "/api/records/d1/draft/files",
    );

    let (s, c) = server(200, entry_json()).await;
    c.drafts().file_metadata("d1", KEY).await.expect("ok");
    check(
        &only_request(&s).await,
        "GET",
        &format!("/api/records/d1/draft/files/{EKEY}"),
    );

    let (s, c) = server(200, json!({})).await;
    c.drafts()
        .file_download("d1", KEY)
        .await
        .expect("ok")
        .bytes()
        .await
        .expect("read");
    check(
        &only_request(&s).await,
        "GET",
        &format!("/api/records/d1/draft/files/{EKEY}/content"),
    );

    let (s, c) = server(204, json!(null)).await;
    c.drafts().file_delete("d1", KEY).await.expect("ok");
    check(
        &only_request(&s).await,
        "DELETE",
        &format!("/api/records/d1/draft/files/{EKEY}"),
    );

    let (s, c) = server(201, files_json()).await;
    c.drafts().file_upload_start("d1", KEY).await.expect("ok");
    let r = only_request(&s).await;
    check(&r, "POST", "/api/records/d1/draft/files");
    assert_eq!(body(&r), json!([{"key": KEY}]));

    let (s, c) = server(200, entry_json()).await;
    c.drafts()
        .file_upload_content("d1", KEY, UploadBody::from_bytes(&b"0123456789"[..]))
        .await
        .expect("ok");
    let r = only_request(&s).await;
    check(
        &r,
        "PUT",
        &format!("/api/records/d1/draft/files/{EKEY}/content"),
    );
    assert_eq!(header(&r, "content-type"), Some("application/octet-stream"));
    assert_eq!(header(&r, "content-length"), Some("10"));
    assert_eq!(r.body, b"0123456789");

    let (s, c) = server(200, entry_json()).await;
    c.drafts()
        .file_upload_complete("d1", KEY)
        .await
        .expect("ok");
    check(
        &only_request(&s).await,
        "POST",
        &format!("/api/records/d1/draft/files/{EKEY}/commit"),
    );

    let (s, c) = server(201, files_json()).await;
    c.drafts().files_import("d1").await.expect("ok");
    check(
        &only_request(&s).await,
        "POST",
        "/api/records/d1/draft/actions/files-import",
    );
}

#[tokio::test]
async fn create_fills_the_seed_defaults() {
    let (s, c) = server(201, record_json()).await;
    let mut draft = Record::default();
    draft.metadata = Some(Metadata {
        title: Some("T".into()),
        ..Metadata::default()
    });
    draft.id = Some("ignored".into());
    draft.links = Some(Default::default());
    c.drafts().create(&draft).await.expect("ok");
    let r = only_request(&s).await;
    check(&r, "POST", "/api/records");
    assert_eq!(
        body(&r),
        json!({"metadata": {"title": "T"}, "access": {"record": "public", "files": "public"}, "files": {"enabled": true}})
    );
}

#[tokio::test]
async fn update_sends_everything_writable_and_if_match() {
    let (s, c) = server(200, record_json()).await;
    let draft: Record = serde_json::from_value(json!({
        "id": "d1", "revision_id": 7, "created": "x", "updated": "y", "links": {"self": "z"},
        "is_draft": true, "is_published": false, "status": "draft", "versions": {"index": 1},
        "parent": {"id": "p"}, "expires_at": "e", "errors": [{"field": "f", "messages": ["m"]}],
        "metadata": {"title": "T", "site:extra": [1],
                     "rights": [{"id": "cc-by-4.0", "title": {"en": "CC"}, "icon": "cc", "props": {"url": "u"}},
                                {"title": {"en": "Custom"}, "link": "https://l"}]},
        "access": {"record": "public", "files": "public", "status": "open"},
        "files": {"enabled": true, "order": ["a"], "count": 1, "total_bytes": 3, "entries": {"a": {"key": "a"}}},
        "custom_fields": {"ns:field": "v"},
        "pids": {"doi": {"identifier": "10.1/x", "provider": "external"}},
        "future_top_level": {"kept": true}
    }))
    .expect("decodes");
    c.drafts().update("d1", &draft).await.expect("ok");
    let r = only_request(&s).await;
    check(&r, "PUT", "/api/records/d1/draft");
    assert_eq!(header(&r, "if-match"), Some("7"), "bare revision number");
    assert_eq!(
        body(&r),
        json!({
            "metadata": {"title": "T", "site:extra": [1],
                         "rights": [{"id": "cc-by-4.0"}, {"title": {"en": "Custom"}, "link": "https://l"}]},
            "access": {"record": "public", "files": "public", "status": "open"},
            "files": {"enabled": true, "order": ["a"]},
            "custom_fields": {"ns:field": "v"},
            "pids": {"doi": {"identifier": "10.1/x", "provider": "external"}},
            "future_top_level": {"kept": true}
        })
    );
}

#[tokio::test]
async fn raw_methods_take_relative_paths() {
    for (method, path) in [
        ("GET", "communities?q=x"),
        ("POST", "stats"),
        ("PUT", "/api/x/1"),
        ("PATCH", "x/2"),
        ("DELETE", "x/3"),
    ] {
        let (s, c) = server(200, json!({"ok": true})).await;
        let b = json!({"a": 1});
        let v = match method {
            "GET" => c.raw().get(path).await,
            "POST" => c.raw().post(path, &b).await,
            "PUT" => c.raw().put(path, &b).await,
            "PATCH" => c.raw().patch(path, &b).await,
            _ => c.raw().delete(path).await,
        }
        .expect("ok");
        assert_eq!(v, json!({"ok": true}));
        let r = only_request(&s).await;
        let want = format!(
            "/api/{}",
            path.trim_start_matches('/')
                .trim_start_matches("api/")
                .split('?')
                .next()
                .unwrap_or("")
        );
        check(&r, method, &want);
        if ["POST", "PUT", "PATCH"].contains(&method) {
            assert_eq!(body(&r), b);
        }
    }
}

#[tokio::test]
async fn zenodo_style_servers_get_the_rdm_accept_header() {
    let server = MockServer::start().await;
    Mock::given(any())
        .respond_with(ResponseTemplate::new(200).set_body_json(record_json()))
        .mount(&server)
        .await;
    let c = Client::builder(server.uri())
        .record_format(inveniordm::RecordFormat::Rdm)
        .build()
        .expect("client");
    c.records().get("1").await.expect("ok");
    let r = only_request(&server).await;
    assert_eq!(
        header(&r, "accept"),
        Some("application/vnd.inveniordm.v1+json")
    );
    assert!(header(&r, "authorization").is_none(), "no token, no header");
}
