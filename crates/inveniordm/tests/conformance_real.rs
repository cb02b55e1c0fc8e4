//! The conformance suite against a real InvenioRDM given by `INVENIORDM_URL` and
//! `INVENIORDM_TOKEN` (CI brings one up with `scripts/inveniordm-up`). Built only with the
//! `real-server-tests` feature:
//! `cargo test -p inveniordm --features real-server-tests --test conformance_real`.
//! Without a server it fails: it never passes as skipped.

mod conformance;

use conformance::Env;
use inveniordm::Client;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_against_a_real_server() {
    let (Ok(url), Ok(token)) = (
        std::env::var("INVENIORDM_URL"),
        std::env::var("INVENIORDM_TOKEN"),
    ) else {
        panic!(
            "no real server: set INVENIORDM_URL and INVENIORDM_TOKEN (scripts/inveniordm-up brings one up)"
        );
    };
    let probe = Client::new(&url, Some(&token)).expect("client");
    assert!(
        probe.connected().await,
        "the real server at {url} does not answer a record search"
    );
    let Ok(second_token) = std::env::var("INVENIORDM_SECOND_TOKEN") else {
        panic!(
            "no second user: set INVENIORDM_SECOND_TOKEN to the token of a user who is no administrator (scripts/inveniordm-up makes one)"
        );
    };
    let client = Client::new(&url, Some(&token)).expect("client");
    let anon = Client::new(&url, None).expect("client");
    let second = Client::new(&url, Some(&second_token)).expect("client");
    let dir = tempfile::tempdir().expect("tempdir");
    let tag: String = format!(
        "Run{}",
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis() % 1_000_000_000)
            .unwrap_or(0)
    );
    let env = Env {
        client,
        anon,
        second,
        second_username: std::env::var("INVENIORDM_SECOND_USERNAME")
            .unwrap_or_else(|_| "ci-second".into()),
        second_email: std::env::var("INVENIORDM_SECOND_EMAIL")
            .unwrap_or_else(|_| "second@example.org".into()),
        // The address scripts/inveniordm-up allows by default (FETCH_DOMAINS).
        fetch_host: std::env::var("INVENIORDM_FETCH_HOST")
            .unwrap_or_else(|_| "127.0.0.1:5099".into()),
        dir: dir.path().to_path_buf(),
        tag,
        real: true,
        rdm_version: std::env::var("INVENIORDM_RDM_VERSION")
            .ok()
            .and_then(|v| v.parse().ok()),
        immediate_deletion: std::env::var("INVENIORDM_IMMEDIATE_DELETION")
            .ok()
            .map(|v| v == "1"),
        membership_requests: std::env::var("INVENIORDM_MEMBERSHIP_REQUESTS")
            .ok()
            .map(|v| v == "1"),
        citation_files: conformance::citation_files(true),
    };
    // An instance brought up with COMMUNITY_REQUIRED=1 runs the scenarios of that setting.
    let required = std::env::var("INVENIORDM_COMMUNITY_REQUIRED").as_deref() == Ok("1");
    let mut scenarios = if required {
        conformance::community_required()
    } else {
        conformance::all()
    };
    // For working on a few scenarios: INVENIORDM_CONFORMANCE_ONLY=name,name (CI runs them all).
    if let Ok(only) = std::env::var("INVENIORDM_CONFORMANCE_ONLY") {
        let names: Vec<&str> = only.split(',').map(str::trim).collect();
        scenarios.retain(|(n, _)| names.contains(n));
        assert!(!scenarios.is_empty(), "no scenario is named {only}");
    }
    eprintln!(
        "conformance against {url}{}",
        if required {
            " (community required to publish)"
        } else {
            ""
        }
    );
    let (passed, failed) = conformance::run(&env, scenarios).await;
    eprintln!(
        "conformance {url}: {passed} passed, {} failed",
        failed.len()
    );
    assert!(failed.is_empty(), "failed scenarios: {failed:#?}");
}
