//! The conformance suite against an in-process sandbox: one test per scenario.

#[macro_use]
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
        real: false,
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

for_each_scenario!(sandbox_tests);
