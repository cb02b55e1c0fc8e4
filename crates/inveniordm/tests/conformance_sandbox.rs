//! The conformance suite against an in-process sandbox: one test per scenario.

mod conformance;

use conformance::Env;
use inveniordm::Client;
use inveniordm_sandbox::{Sandbox, SandboxConfig};

async fn env() -> (Sandbox, Env, tempfile::TempDir) {
    let sandbox = Sandbox::start(SandboxConfig::default())
        .await
        .expect("sandbox starts");
    let client = Client::new(sandbox.url(), Some(sandbox.token())).expect("client");
    let anon = Client::new(sandbox.url(), None).expect("client");
    let dir = tempfile::tempdir().expect("tempdir");
    let env = Env {
        client,
        anon,
        dir: dir.path().to_path_buf(),
        tag: "Sbx1".into(),
    };
    (sandbox, env, dir)
}

macro_rules! sandbox_tests {
    ($($name:ident),* $(,)?) => {$(
        #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
        async fn $name() {
            let (_sandbox, env, _dir) = env().await;
            let (_, f) = conformance::all().into_iter().find(|(n, _)| *n == stringify!($name)).expect("scenario exists");
            f(&env).await;
        }
    )*};
}

sandbox_tests!(
    deposit_publish_download,
    validation_problems_are_data,
    file_states_and_checksums,
    keys_that_need_encoding,
    edit_published_record,
    new_version_keeps_and_replaces_files,
    access_links_lifecycle,
    search_paging_and_vocabularies,
    error_statuses,
    restricted_records_are_hidden,
    doi_reserve_and_discard,
    discard_a_draft,
    raw_escape_hatch,
    update_round_trip_changes_nothing,
    resumed_and_corrupt_downloads,
);

#[test]
fn every_scenario_has_a_sandbox_test() {
    let src = include_str!("conformance_sandbox.rs");
    for (name, _) in conformance::all() {
        assert!(
            src.contains(&format!("    {name},")),
            "scenario {name} has no sandbox test"
        );
    }
}
