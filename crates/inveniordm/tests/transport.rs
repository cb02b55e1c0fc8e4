//! Transport behaviour: retries, error mapping, decoding, secrets, redirects.

use std::time::Duration;

use inveniordm::models::SearchQuery;
use inveniordm::{Client, Error, RetryConfig};
use serde_json::json;
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

const TOKEN: &str = "very-secret-token-123";

fn fast_retries() -> RetryConfig {
    RetryConfig {
        max_retries: 3,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
        max_elapsed: Duration::from_secs(10),
    }
}

fn client(server: &MockServer) -> Client {
    Client::builder(server.uri())
        .token(TOKEN)
        .retry(fast_retries())
        .build()
        .expect("client")
}

async fn count(server: &MockServer) -> usize {
    server
        .received_requests()
        .await
        .map(|r| r.len())
        .unwrap_or(0)
}

#[tokio::test]
async fn idempotent_requests_are_retried_on_503_then_succeed() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(503).set_body_json(json!({"status": 503, "message": "busy"})),
        )
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "a"})))
        .mount(&server)
        .await;
    let r = client(&server)
        .records()
        .get("a")
        .await
        .expect("third try succeeds");
    assert_eq!(r.id.as_deref(), Some("a"));
    assert_eq!(count(&server).await, 3);
}

#[tokio::test]
async fn publish_is_not_retried_after_a_gateway_timeout() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(504).set_body_string("<html>Gateway Time-out</html>"))
        .mount(&server)
        .await;
    let err = client(&server)
        .drafts()
        .publish("d")
        .await
        .expect_err("504");
    assert_eq!(err.status(), Some(504));
    assert_eq!(
        count(&server).await,
        1,
        "a POST that may have been carried out is not repeated"
    );
    assert!(err.to_string().contains("Gateway Time-out"), "{err}");
}

#[tokio::test]
async fn rate_limits_are_retried_even_for_posts_honouring_retry_after() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "1")
                .set_body_json(json!({"status": 429, "message": "100 per 1 minute"})),
        )
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(202).set_body_json(json!({"id": "d", "is_published": true})),
        )
        .mount(&server)
        .await;
    // (That the wait honours Retry-After is checked on the wait itself, in the retry
    // module's tests, not by timing this request.)
    let r = client(&server)
        .drafts()
        .publish("d")
        .await
        .expect("retried after 429");
    assert_eq!(r.is_published, Some(true));
    assert_eq!(count(&server).await, 2);
}

#[tokio::test]
async fn retries_stop_at_the_limit() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(502))
        .mount(&server)
        .await;
    let err = client(&server)
        .records()
        .get("a")
        .await
        .expect_err("always 502");
    assert_eq!(err.status(), Some(502));
    assert!(err.is_retryable());
    assert_eq!(count(&server).await, 4, "1 try + 3 retries");
}

#[tokio::test]
async fn validation_errors_are_parsed_with_their_fields() {
    let server = MockServer::start().await;
    Mock::given(path("/api/records/d/draft/actions/publish"))
        .respond_with(ResponseTemplate::new(400).set_body_json(json!({
            "status": 400, "message": "A validation error occurred.",
            "errors": [{"field": "metadata.creators", "messages": ["Missing data for required field."]},
                       {"field": "metadata.title", "messages": ["Shorter than minimum length 3.", "x"]}]
        })))
        .mount(&server)
        .await;
    let err = client(&server)
        .drafts()
        .publish("d")
        .await
        .expect_err("400");
    assert!(err.is_validation());
    let fields: Vec<&str> = err.field_errors().iter().map(|f| f.field_name()).collect();
    assert_eq!(fields, vec!["metadata.creators", "metadata.title"]);
    let text = err.to_string();
    assert!(
        text.contains("400") && text.contains("metadata.title: Shorter than minimum length 3.; x"),
        "{text}"
    );
}

#[tokio::test]
async fn a_draft_with_problems_is_data_not_an_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(201).set_body_json(json!({
            "id": "d", "metadata": {}, "errors": [{"field": "metadata.title", "messages": ["Missing data for required field."]}]
        })))
        .mount(&server)
        .await;
    let d = client(&server)
        .drafts()
        .create(&Default::default())
        .await
        .expect("saved");
    assert_eq!(d.validation_errors().len(), 1);
    assert_eq!(d.validation_errors()[0].field_name(), "metadata.title");
}

#[tokio::test]
async fn decode_errors_name_the_path_and_show_the_body() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"hits": {"hits": "not a list", "total": 1}})),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .query()
        .records(&SearchQuery::all())
        .await
        .expect_err("bad page");
    match &err {
        Error::Decode { snippet, .. } => assert!(snippet.contains("not a list"), "{err}"),
        other => panic!("expected a decode error, got {other}"),
    }
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_string("<html>maintenance</html>"))
        .mount(&server)
        .await;
    let err = client(&server)
        .records()
        .files("a")
        .await
        .expect_err("html");
    assert!(
        matches!(&err, Error::Decode { snippet, .. } if snippet.contains("maintenance")),
        "{err}"
    );
}

#[tokio::test]
async fn legacy_zenodo_documents_are_reported() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(
            json!({"id": 393433, "conceptrecid": "393432", "metadata": {"access_right": "open"}}),
        ))
        .mount(&server)
        .await;
    let err = client(&server)
        .records()
        .get("393433")
        .await
        .expect_err("legacy");
    assert!(matches!(err, Error::LegacyFormat { .. }), "{err}");
}

#[tokio::test]
async fn the_token_never_shows() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(403)
                .set_body_json(json!({"status": 403, "message": "Permission denied."})),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    assert!(!format!("{c:?}").contains(TOKEN));
    let err = c.drafts().get("d").await.expect_err("403");
    assert!(err.is_permission_denied());
    assert!(!format!("{err:?}").contains(TOKEN) && !err.to_string().contains(TOKEN));
    let closed = Client::builder("http://127.0.0.1:9")
        .token(TOKEN)
        .retry(RetryConfig::none())
        .build()
        .expect("client");
    let err = closed.records().get("a").await.expect_err("no server");
    assert!(matches!(err, Error::Transport { .. }), "{err}");
    assert!(!format!("{err:?}").contains(TOKEN) && !err.to_string().contains(TOKEN));
}

#[tokio::test]
async fn latest_version_follows_the_redirect() {
    let server = MockServer::start().await;
    Mock::given(path("/api/records/v1/versions/latest"))
        .respond_with(
            ResponseTemplate::new(301)
                .insert_header("Location", format!("{}/api/records/v2", server.uri()))
                .set_body_json(json!({"message": "Redirecting..."})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/records/v2"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"id": "v2"})))
        .mount(&server)
        .await;
    let r = client(&server)
        .records()
        .latest_version("v1")
        .await
        .expect("followed");
    assert_eq!(r.id.as_deref(), Some("v2"));
}

#[tokio::test]
async fn next_page_links_to_other_hosts_are_refused() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"hits": {"hits": [], "total": 30}, "links": {"next": "http://elsewhere.example/api/records?page=2"}})))
        .mount(&server)
        .await;
    let c = client(&server);
    let page = c.query().records(&SearchQuery::all()).await.expect("page");
    let err = c.query().next_page(&page).await.expect_err("refused");
    // The server's link is what is wrong, not the caller's argument.
    assert!(
        matches!(&err, Error::UnexpectedAnswer { message, .. } if message.contains("another server")),
        "{err}"
    );
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn configuration_errors_are_clear() {
    assert!(matches!(Client::new("", None), Err(Error::Config(_))));
    assert!(matches!(
        Client::new("zenodo.org", None),
        Err(Error::Config(_))
    ));
    let err = Client::new("https://x.org/?access_token=abc", None).expect_err("query refused");
    assert!(err.to_string().contains("token separately"), "{err}");
}

#[tokio::test]
async fn a_delete_retried_after_it_was_carried_out_succeeds() {
    let server = MockServer::start().await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(504))
        .up_to_n_times(1)
        .mount(&server)
        .await;
    Mock::given(method("DELETE"))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"status": 404, "message": "The persistent identifier does not exist."}),
        ))
        .mount(&server)
        .await;
    client(&server)
        .drafts()
        .delete("d")
        .await
        .expect("gone is what was asked");
    assert_eq!(count(&server).await, 2);
    // Without a retry a 404 is still an error.
    let err = client(&server)
        .drafts()
        .delete("d")
        .await
        .expect_err("not found");
    assert!(err.is_not_found());
}

#[tokio::test]
async fn a_publish_lost_in_a_gateway_timeout_is_found_on_the_server() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/api/records/d/draft/actions/publish"))
        .respond_with(ResponseTemplate::new(504))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/records/d/draft"))
        .respond_with(ResponseTemplate::new(404).set_body_json(
            json!({"status": 404, "message": "The persistent identifier does not exist."}),
        ))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/records/d"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "d", "is_published": true})),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    assert_eq!(
        c.drafts()
            .publish("d")
            .await
            .expect_err("low level: the 504")
            .status(),
        Some(504)
    );
    let r = c
        .repo()
        .publish("d")
        .await
        .expect("the workflow finds the record");
    assert_eq!(r.is_published, Some(true));
}

#[tokio::test]
async fn a_publish_that_did_not_happen_keeps_its_error() {
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(ResponseTemplate::new(504))
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/api/records/d/draft"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"id": "d", "is_draft": true})),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .repo()
        .publish("d")
        .await
        .expect_err("still a draft");
    assert_eq!(err.status(), Some(504));
    // A refusal is not ambiguous: no looking around.
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .respond_with(
            ResponseTemplate::new(400)
                .set_body_json(json!({"status": 400, "message": "A validation error occurred."})),
        )
        .mount(&server)
        .await;
    let err = client(&server).repo().publish("d").await.expect_err("400");
    assert_eq!(err.status(), Some(400));
    assert_eq!(count(&server).await, 1);
}

#[tokio::test]
async fn a_wait_longer_than_the_retry_budget_ends_the_retries_with_the_servers_wait() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/records"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("Retry-After", "120")
                .set_body_json(json!({"status": 429, "message": "30 per 1 minute"})),
        )
        .mount(&server)
        .await;
    let err = client(&server)
        .query()
        .records(&SearchQuery::new("x"))
        .await
        .expect_err("rate limited");
    // The budget (10 s) cannot cover the server's 120 s: no retry, and the wait is said.
    assert_eq!(count(&server).await, 1);
    assert_eq!(err.status(), Some(429));
    assert!(
        err.to_string()
            .contains("the server asks to wait 120 s before trying again"),
        "{err}"
    );
}

#[tokio::test]
async fn connected_asks_once() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/records"))
        .respond_with(ResponseTemplate::new(503))
        .mount(&server)
        .await;
    assert!(!client(&server).connected().await);
    assert_eq!(count(&server).await, 1, "no retries");
    server.reset().await;
    Mock::given(method("GET"))
        .and(path("/api/records"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"hits": {"hits": [], "total": 0}})),
        )
        .mount(&server)
        .await;
    assert!(client(&server).connected().await);
}

#[tokio::test]
async fn the_user_agent_names_the_library_and_its_version() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path("/api/records"))
        .and(wiremock::matchers::header(
            "user-agent",
            format!("inveniordm/{}", inveniordm::VERSION).as_str(),
        ))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"hits": {"hits": [], "total": 0}})),
        )
        .mount(&server)
        .await;
    client(&server)
        .query()
        .records(&SearchQuery::new("x"))
        .await
        .expect("the default user agent");
}

#[tokio::test]
async fn a_client_shows_its_server_never_its_token() {
    let server = MockServer::start().await;
    let c = client(&server);
    let shown = format!("{c:?}");
    assert!(shown.contains(&server.uri()), "{shown}");
    assert!(!shown.contains(TOKEN), "{shown}");
    assert!(c.has_token());
    assert!(!Client::new(server.uri(), None).expect("client").has_token());
}

#[tokio::test]
async fn a_query_without_arguments_adds_no_question_mark() {
    let server = MockServer::start().await;
    Mock::given(method("GET"))
        .respond_with(
            ResponseTemplate::new(200).set_body_json(json!({"hits": {"hits": [], "total": 0}})),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    c.query()
        .records(&SearchQuery::default())
        .await
        .expect("page");
    let reqs = server.received_requests().await.unwrap_or_default();
    assert_eq!(reqs[0].url.query(), None, "{}", reqs[0].url);
}

#[tokio::test]
async fn long_error_bodies_are_read_and_empty_ones_name_the_status() {
    let server = MockServer::start().await;
    let long = "x".repeat(5_000);
    Mock::given(path("/api/records/long"))
        .respond_with(
            ResponseTemplate::new(400).set_body_json(json!({"status": 400, "message": long})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/records/empty"))
        .respond_with(ResponseTemplate::new(404))
        .mount(&server)
        .await;
    Mock::given(path("/api/records/odd"))
        .respond_with(ResponseTemplate::new(299 + 300))
        .mount(&server)
        .await;
    let c = client(&server);
    match c.records().get("long").await {
        Err(Error::Api { message, .. }) => assert_eq!(message, long),
        other => panic!("{other:?}"),
    }
    match c.records().get("empty").await {
        Err(Error::Api {
            status, message, ..
        }) => {
            assert_eq!((status, message.as_str()), (404, "Not Found"))
        }
        other => panic!("{other:?}"),
    }
    match c.records().get("odd").await {
        Err(Error::Api {
            status, message, ..
        }) => {
            assert_eq!((status, message.as_str()), (599, "unexpected status"))
        }
        other => panic!("{other:?}"),
    }
}

/// A connection refused: a network error that says so, with its cause, and that was never
/// sent.
#[tokio::test]
async fn a_refused_connection_says_so_with_its_cause() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let c = Client::builder(format!("http://127.0.0.1:{port}"))
        .retry(RetryConfig {
            max_retries: 0,
            ..fast_retries()
        })
        .build()
        .expect("client");
    let e = c.records().get("x").await.expect_err("nobody listens");
    match &e {
        Error::Transport {
            message, reason, ..
        } => {
            assert_eq!(*reason, inveniordm::TransportReason::Connect);
            assert!(
                message.starts_with("cannot connect to the server: "),
                "{message}"
            );
        }
        other => panic!("{other:?}"),
    }
    assert!(e.never_sent() && !e.maybe_applied());
}

/// A body cut short: a network error of the body, which a read may repeat.
#[tokio::test]
async fn a_body_cut_short_is_a_body_failure() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"id\":")
                .await;
        }
    });
    let c = Client::builder(format!("http://{addr}"))
        .retry(RetryConfig {
            max_retries: 0,
            ..fast_retries()
        })
        .build()
        .expect("client");
    let e = c.records().get("x").await.expect_err("cut short");
    match &e {
        Error::Transport { reason, .. } => {
            assert_eq!(*reason, inveniordm::TransportReason::Body, "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert!(e.was_read() && e.is_retryable());
}

/// A read whose answer breaks off midway is asked once more (with retries on).
#[tokio::test]
async fn a_read_cut_short_once_is_read_again() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let served = std::sync::Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            let n = count.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 4096];
            let _ = s.read(&mut buf).await;
            let body = br#"{"id": "abcde-12345", "metadata": {"title": "Whole"}}"#;
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = s.write_all(head.as_bytes()).await;
            // The first answer stops after a few bytes of its body.
            let _ = s.write_all(if n == 0 { &body[..10] } else { body }).await;
        }
    });
    let c = Client::builder(format!("http://{addr}"))
        .retry(fast_retries())
        .build()
        .expect("client");
    let r = c.records().get("abcde-12345").await.expect("read again");
    assert_eq!(r.title(), Some("Whole"));
    assert_eq!(served.load(Ordering::SeqCst), 2);
}

/// A write whose answer breaks off is never sent again (the server may have carried it out),
/// and a read is not either when retries are off.
#[tokio::test]
async fn a_write_cut_short_is_not_sent_again() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    let served = std::sync::Arc::new(AtomicUsize::new(0));
    let count = served.clone();
    tokio::spawn(async move {
        while let Ok((mut s, _)) = listener.accept().await {
            count.fetch_add(1, Ordering::SeqCst);
            let mut buf = [0u8; 8192];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(b"HTTP/1.1 201 CREATED\r\nContent-Type: application/json\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"id\":")
                .await;
        }
    });
    let c = Client::builder(format!("http://{addr}"))
        .retry(fast_retries())
        .build()
        .expect("client");
    let e = c
        .drafts()
        .create(&inveniordm::models::Record::default())
        .await
        .expect_err("cut short");
    assert!(e.maybe_applied(), "{e}");
    assert_eq!(served.load(Ordering::SeqCst), 1, "a create is sent once");
    let once = Client::builder(format!("http://{addr}"))
        .retry(RetryConfig {
            max_retries: 0,
            ..fast_retries()
        })
        .build()
        .expect("client");
    once.records().get("x").await.expect_err("cut short");
    assert_eq!(served.load(Ordering::SeqCst), 2, "no retries: read once");
}

/// A 410 with a tombstone is a deleted record; a 410 without one stays a server answer.
#[tokio::test]
async fn a_gone_record_carries_its_tombstone() {
    let server = MockServer::start().await;
    Mock::given(path("/api/records/gone"))
        .respond_with(ResponseTemplate::new(410).set_body_json(json!({
            "status": 410, "message": "Record deleted",
            "tombstone": {"removal_reason": {"id": "spam"}, "note": "Advertising.", "is_visible": true,
                          "removed_by": {"user": "1"}, "removal_date": "2026-12-06T10:00:00+00:00", "citation_text": "C."}})))
        .mount(&server)
        .await;
    Mock::given(path("/api/records/plain"))
        .respond_with(
            ResponseTemplate::new(410).set_body_json(json!({"status": 410, "message": "Gone"})),
        )
        .mount(&server)
        .await;
    Mock::given(path("/api/records/notfound"))
        .respond_with(
            ResponseTemplate::new(404)
                .set_body_json(json!({"status": 404, "message": "Record deleted",
            "tombstone": {"removal_reason": {"id": "spam"}}})),
        )
        .mount(&server)
        .await;
    let c = client(&server);
    let e = c.records().get("gone").await.expect_err("deleted");
    let t = e.tombstone().expect("a tombstone");
    assert_eq!(t.reason_id(), Some("spam"));
    assert_eq!(e.status(), Some(410));
    assert!(e.is_not_found());
    assert!(
        e.to_string()
            .contains("deleted on 2026-12-06 (spam): Advertising."),
        "{e}"
    );
    let e = c.records().get("plain").await.expect_err("gone");
    assert!(matches!(&e, Error::Api { status: 410, .. }), "{e}");
    let e = c.records().get("notfound").await.expect_err("not found");
    assert!(
        matches!(&e, Error::Api { status: 404, .. }),
        "only a 410 is a deletion: {e}"
    );
}
