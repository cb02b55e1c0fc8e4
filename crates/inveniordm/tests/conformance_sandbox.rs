//! The conformance suite against an in-process sandbox: one test per scenario.

#[macro_use]
mod conformance;

use conformance::Env;
use inveniordm::Client;
use inveniordm_sandbox::{Sandbox, SandboxConfig};

const SECOND_TOKEN: &str = "second-user-token-0123456789";

async fn env() -> (Sandbox, Env, tempfile::TempDir) {
    env_with(SandboxConfig::default()).await
}

async fn env_with(config: SandboxConfig) -> (Sandbox, Env, tempfile::TempDir) {
    let (rdm_version, immediate_deletion, membership_requests) = (
        config.rdm_version,
        config.immediate_deletion,
        config.membership_requests,
    );
    // A free port for the fetch scenario's source, allowed to the sandbox.
    let fetch_host = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.to_string())
        .expect("a free port");
    let sandbox = Sandbox::start(SandboxConfig {
        users: vec![("ci-second".into(), SECOND_TOKEN.into())],
        fetch_domains: vec![fetch_host.clone()],
        remote_domains: vec![fetch_host.clone()],
        // The CodeMeta custom fields, as scripts/inveniordm-up configures the real servers.
        custom_fields: vec![
            "code:codeRepository".into(),
            "code:programmingLanguage".into(),
            "code:developmentStatus".into(),
        ],
        ..config
    })
    .await
    .expect("sandbox starts");
    let client = Client::new(sandbox.url(), Some(sandbox.token())).expect("client");
    let anon = Client::new(sandbox.url(), None).expect("client");
    let second = Client::new(sandbox.url(), Some(SECOND_TOKEN)).expect("client");
    let dir = tempfile::tempdir().expect("tempdir");
    let env = Env {
        client,
        anon,
        second,
        second_username: "ci-second".into(),
        second_email: "ci-second@sandbox.invalid".into(),
        fetch_host,
        dir: dir.path().to_path_buf(),
        tag: "Sbx1".into(),
        real: false,
        rdm_version: Some(rdm_version),
        immediate_deletion: Some(immediate_deletion),
        membership_requests: Some(membership_requests),
        citation_files: conformance::citation_files(false),
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

/// The deletion scenario on a sandbox imitating v14 where owners may delete within the grace
/// period (as the CI's real v14 is set up).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_deletion_on_v14_with_owner_deletion() {
    let (_sandbox, env, _dir) = env_with(SandboxConfig {
        rdm_version: 14,
        immediate_deletion: true,
        ..SandboxConfig::default()
    })
    .await;
    conformance::record_deletion_and_tombstone(&env).await;
}

/// And on a stock v14: an owner's request is refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn record_deletion_on_a_stock_v14() {
    let (_sandbox, env, _dir) = env_with(SandboxConfig {
        rdm_version: 14,
        ..SandboxConfig::default()
    })
    .await;
    conformance::record_deletion_and_tombstone(&env).await;
}

/// Quotas and the file modification of a published record on a sandbox imitating v14 (the
/// default sandbox imitates v13, where file modification and quota increases have no route).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quotas_and_file_modification_on_v14() {
    let (_sandbox, env, _dir) = env_with(SandboxConfig {
        rdm_version: 14,
        ..SandboxConfig::default()
    })
    .await;
    conformance::quota_limits_uploads(&env).await;
    conformance::file_modification_of_a_published_record(&env).await;
    conformance::request_threads_and_deletion(&env).await;
    conformance::zip_container_listing(&env).await;
}

/// Membership requests where the instance allows them (as the CI's real v14 is set up).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn membership_requests_where_allowed() {
    let (_sandbox, env, _dir) = env_with(SandboxConfig {
        rdm_version: 14,
        membership_requests: true,
        ..SandboxConfig::default()
    })
    .await;
    conformance::membership_requests_to_join(&env).await;
    conformance::community_members_and_invitations(&env).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn community_required_to_publish() {
    let (_sandbox, env, _dir) = env_with(SandboxConfig {
        community_required: true,
        ..SandboxConfig::default()
    })
    .await;
    let (passed, failed) = conformance::run(&env, conformance::community_required()).await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(passed, 1);
}

/// Accepting an access request gives the asker their grant and leaves every other user's
/// grant alone. Sandbox only: the suite's real servers have two users, and this needs a third
/// who holds a grant of the record already.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accepting_an_access_request_leaves_a_third_users_grant() {
    use inveniordm::models::*;
    const THIRD_TOKEN: &str = "third-user-token-0123456789";
    let sandbox = Sandbox::start(SandboxConfig {
        users: vec![
            ("ci-second".into(), SECOND_TOKEN.into()),
            ("ci-third".into(), THIRD_TOKEN.into()),
        ],
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts");
    let owner = Client::new(sandbox.url(), Some(sandbox.token())).expect("client");
    let second = Client::new(sandbox.url(), Some(SECOND_TOKEN)).expect("client");
    let third = Client::new(sandbox.url(), Some(THIRD_TOKEN)).expect("client");
    let mut d = conformance::new_draft("Asked for by one, shared with another");
    d.access = Some(Access {
        record: Some(AccessPolicy::Public),
        files: Some(AccessPolicy::Restricted),
        ..Access::default()
    });
    d.files = Some(Files::disabled());
    let d = owner.drafts().create(&d).await.expect("create");
    let rid = d.id.clone().expect("id");
    owner.drafts().publish(&rid).await.expect("publish");
    owner
        .records()
        .set_access_settings(
            &rid,
            &AccessSettings {
                allow_user_requests: Some(true),
                ..AccessSettings::default()
            },
        )
        .await
        .expect("allow user requests");
    let uid = |name: &'static str| {
        let owner = owner.clone();
        async move {
            owner
                .users()
                .resolve(name)
                .await
                .expect("user")
                .id
                .expect("id")
        }
    };
    let (second_id, third_id) = (uid("ci-second").await, uid("ci-third").await);
    owner
        .records()
        .grants()
        .create(
            &rid,
            &[AccessGrant::to_user(&third_id, GrantPermission::Edit)],
        )
        .await
        .expect("the third user's grant");
    let asked = second
        .records()
        .request_access(&rid, "ci-second@sandbox.invalid", "May I?")
        .await
        .expect("request access");
    let req = asked.id.clone().expect("request id");
    owner.requests().accept(&req, None).await.expect("accept");
    let grants = owner.records().grants().list(&rid).await.expect("grants");
    let mut held: Vec<(String, Option<String>)> = grants
        .items()
        .iter()
        .map(|g| {
            let s = g.subject.as_ref().expect("subject");
            (
                format!(
                    "{}:{}",
                    s.kind.as_deref().unwrap_or("?"),
                    s.id.as_deref().unwrap_or("?")
                ),
                g.permission.as_ref().map(|p| p.as_str().to_string()),
            )
        })
        .collect();
    held.sort();
    let mut expected = vec![
        (format!("user:{second_id}"), Some("view".to_string())),
        (format!("user:{third_id}"), Some("edit".to_string())),
    ];
    expected.sort();
    assert_eq!(held, expected);
    second
        .records()
        .files(&rid)
        .await
        .expect("the asker reads the files");
    third
        .records()
        .files(&rid)
        .await
        .expect("so does the third user");
}
