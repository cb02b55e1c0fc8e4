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
    let client = Client::new(&url, Some(&token)).expect("client");
    let anon = Client::new(&url, None).expect("client");
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
        dir: dir.path().to_path_buf(),
        tag,
        real: true,
    };
    eprintln!("conformance against {url}");
    let (passed, failed) = conformance::run_all(&env).await;
    eprintln!(
        "conformance {url}: {passed} passed, {} failed",
        failed.len()
    );
    assert!(failed.is_empty(), "failed scenarios: {failed:#?}");
}
