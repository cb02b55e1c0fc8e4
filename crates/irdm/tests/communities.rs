//! `irdm communities` beyond the basics: invitations, members' roles, leaving, renaming,
//! restoring and featuring, on a sandbox.

mod common;
use common::*;

fn as_other(e: &Env, args: &[&str]) -> Output {
    e.irdm()
        .env("INVENIORDM_TOKEN", "other-token")
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn members_are_invited_changed_and_removed() {
    let e = env();
    e.ok(&[
        "communities",
        "create",
        "--slug",
        "lab",
        "--title",
        "The lab",
    ]);
    // `other` is invited by username; the invitation is theirs to accept.
    e.ok(&[
        "communities",
        "invite",
        "lab",
        "other",
        "--role",
        "curator",
        "--message",
        "Join us",
    ]);
    let out = e.fails(
        &["communities", "invite", "lab", "other", "--role", "curator"],
        3,
    );
    assert!(stderr(&out).contains("already"), "{}", stderr(&out));
    let invitations = e.lines(&["communities", "invitations", "lab"]);
    assert_eq!(invitations.len(), 1, "{invitations:?}");
    let rid = invitations[0]["request"]["id"]
        .as_str()
        .expect("request id")
        .to_string();
    let out = as_other(&e, &["requests", "accept", &rid]);
    assert!(out.status.success(), "{}", stderr(&out));
    let members = e.lines(&["communities", "members", "lab"]);
    let role = |members: &[Value]| {
        members
            .iter()
            .find(|m| m["member"]["name"] == "other")
            .and_then(|m| m["role"].as_str().map(str::to_string))
    };
    assert_eq!(role(&members).as_deref(), Some("curator"));
    e.ok(&[
        "communities",
        "set-member",
        "lab",
        "other",
        "--role",
        "manager",
    ]);
    assert_eq!(
        role(&e.lines(&["communities", "members", "lab"])).as_deref(),
        Some("manager")
    );
    // Nobody changes their own role (exit 3, the server's reason); a member leaves.
    let out = as_other(
        &e,
        &[
            "communities",
            "set-member",
            "lab",
            "other",
            "--role",
            "owner",
        ],
    );
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("You cannot change your own role."),
        "{}",
        stderr(&out)
    );
    let out = as_other(&e, &["communities", "leave", "lab"]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(role(&e.lines(&["communities", "members", "lab"])), None);
    // Asking to join is off, as on a stock instance.
    let out = as_other(&e, &["communities", "request-membership", "lab"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    // The last owner cannot go.
    e.fails(&["communities", "leave", "lab"], 3);
}

#[test]
fn a_community_is_renamed_restored_and_featured() {
    let e = env();
    e.ok(&[
        "communities",
        "create",
        "--slug",
        "old-name",
        "--title",
        "Renamed",
    ]);
    let v = e.json(&["communities", "rename", "old-name", "new-name"]);
    assert_eq!(v["slug"], "new-name");
    e.fails(&["communities", "get", "old-name"], 4);
    // Not deleted: nothing to restore (a usage error, nothing sent).
    e.fails(&["communities", "restore", "new-name"], 2);
    e.ok(&["communities", "delete", "new-name"]);
    e.fails(&["communities", "get", "new-name"], 4);
    let v = e.json(&["communities", "restore", "new-name"]);
    assert_eq!(v["slug"], "new-name");
    let f = e.json(&[
        "communities",
        "feature",
        "new-name",
        "--from",
        "2026-01-01T00:00:00",
    ]);
    let entry = f["id"].as_u64().expect("entry").to_string();
    let featured = e.lines(&["communities", "featured"]);
    assert!(
        featured.iter().any(|c| c["slug"] == "new-name"),
        "{featured:?}"
    );
    e.ok(&["communities", "unfeature", "new-name", &entry]);
    assert!(e.lines(&["communities", "featured"]).is_empty());
    let out = as_other(&e, &["communities", "feature", "new-name"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}

#[test]
fn a_group_is_granted_access_and_revoked() {
    let e = env();
    let id = new_draft(&e);
    e.ok(&[
        "access",
        "grant",
        &id,
        "--group",
        "admin",
        "--permission",
        "preview",
    ]);
    let grants = e.lines(&["access", "grants", &id]);
    assert_eq!(grants.len(), 1, "{grants:?}");
    assert_eq!(
        grants[0]["subject"],
        serde_json::json!({"type": "role", "id": "admin"})
    );
    // A group the server does not know is refused with its reason.
    let out = e.fails(&["access", "grant", &id, "--group", "nobody-here"], 3);
    assert!(
        stderr(&out).contains("Could not find the specified subject."),
        "{}",
        stderr(&out)
    );
    e.ok(&["access", "revoke", &id, "--group", "admin"]);
    assert!(e.lines(&["access", "grants", &id]).is_empty());
    // A user or a group, not both.
    e.fails(
        &[
            "access", "grant", &id, "--group", "admin", "--user", "other",
        ],
        2,
    );
}

#[test]
fn a_community_joins_another_as_a_subcommunity() {
    let e = env();
    e.ok(&[
        "communities",
        "create",
        "--slug",
        "faculty",
        "--title",
        "Faculty",
    ]);
    e.ok(&[
        "communities",
        "create",
        "--slug",
        "lab-a",
        "--title",
        "Lab A",
    ]);
    // Not while the parent takes none (the server's reason, exit 3).
    let out = e.fails(&["communities", "join", "faculty", "lab-a"], 3);
    assert!(
        stderr(&out).contains("does not accept subcommunities"),
        "{}",
        stderr(&out)
    );
    e.ok(&["communities", "allow-children", "faculty"]);
    let r = e.json(&["communities", "join", "faculty", "lab-a"]);
    assert_eq!(r["status"], "accepted", "{r}");
    let subs = e.lines(&["communities", "subcommunities", "faculty"]);
    assert_eq!(subs.len(), 1, "{subs:?}");
    assert_eq!(subs[0]["slug"], "lab-a");
    assert_eq!(subs[0]["parent"]["slug"], "faculty");
    // A new community, made for the join.
    let r = e.json(&[
        "communities",
        "join",
        "faculty",
        "--new-slug",
        "lab-b",
        "--new-title",
        "Lab B",
    ]);
    assert_eq!(r["status"], "accepted", "{r}");
    assert_eq!(
        e.lines(&["communities", "subcommunities", "faculty"]).len(),
        2
    );
}

#[test]
fn a_request_to_join_is_listed_and_accepted() {
    use inveniordm::models::{Community, CommunityPolicy};
    let e = env_with(SandboxConfig {
        rdm_version: 14,
        membership_requests: true,
        users: vec![("other".into(), "other-token".into())],
        ..SandboxConfig::default()
    });
    let c = inveniordm::Client::new(e.sandbox.url(), Some(e.sandbox.token())).expect("client");
    e._rt.block_on(async {
        let mut open = Community::new_with("open-lab", "Open lab");
        open.access
            .get_or_insert_with(Default::default)
            .member_policy = Some(CommunityPolicy::from("open"));
        c.communities().create(&open).await.expect("community");
    });
    let out = as_other(
        &e,
        &[
            "--json",
            "communities",
            "request-membership",
            "open-lab",
            "--message",
            "Hello",
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let asked: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(asked["type"], "community-membership-request");
    let listed = e.lines(&["communities", "membership-requests", "open-lab"]);
    assert_eq!(listed.len(), 1, "{listed:?}");
    let rid = listed[0]["request"]["id"]
        .as_str()
        .expect("request id")
        .to_string();
    e.ok(&["requests", "accept", &rid]);
    let members = e.lines(&["communities", "members", "open-lab"]);
    assert!(
        members
            .iter()
            .any(|m| m["member"]["name"] == "other" && m["role"] == "reader"),
        "{members:?}"
    );
    // Others may not list them.
    let out = as_other(&e, &["communities", "membership-requests", "open-lab"]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
}
