//! The conformance suite against a real InvenioRDM, when `INVENIORDM_URL` and
//! `INVENIORDM_TOKEN` are set (CI brings one up with `scripts/inveniordm-up`). Without them the
//! test says so and passes.

mod conformance;

use conformance::Env;
use inveniordm::Client;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn conformance_against_a_real_server() {
    let (Ok(url), Ok(token)) = (
        std::env::var("INVENIORDM_URL"),
        std::env::var("INVENIORDM_TOKEN"),
    ) else {
        eprintln!(
            "SKIPPED: set INVENIORDM_URL and INVENIORDM_TOKEN to run the conformance suite against a real InvenioRDM"
        );
        return;
    };
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
