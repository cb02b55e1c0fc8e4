//! `irdm record delete`, `restore`, `request-deletion`, `get --include-deleted` and `stats`
//! against the sandbox.

mod common;
use common::*;

/// A published metadata-only record; its id (`journal` names the deposit's journal).
fn published(e: &Env, journal: &str) -> String {
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    let out = e.json(&[
        "deposit",
        "--metadata",
        meta.to_str().expect("utf8"),
        "--publish",
        "--journal",
        e.home.path().join(journal).to_str().expect("utf8"),
    ]);
    out["id"].as_str().expect("id").to_string()
}

#[test]
fn an_administrator_deletes_and_restores_a_record() {
    let e = env();
    let id = published(&e, "first.json");
    // An unknown reason: nothing sent, the known ones named.
    let out = e.fails(&["record", "delete", &id, "--reason", "nope"], 2);
    assert!(stderr(&out).contains("it knows: "), "{}", stderr(&out));
    e.ok(&["record", "get", &id]);
    e.ok(&[
        "record",
        "delete",
        &id,
        "--reason",
        "spam",
        "--note",
        "Advertising.",
    ]);
    // Read, it says why, when and how to cite it; exit 4.
    let out = e.fails(&["record", "get", &id], 4);
    let err = stderr(&out);
    assert!(
        err.contains("was deleted") && err.contains("(spam)") && err.contains("Advertising."),
        "{err}"
    );
    assert!(err.contains("it was: Lovelace, A."), "{err}");
    e.fails(&["download", &id, "-o", "out"], 4);
    let whole = e.ok(&["record", "get", &id, "--include-deleted"]);
    assert!(whole.contains("reason:    spam"), "{whole}");
    // Deleting again is refused before anything is sent.
    let out = e.fails(&["record", "delete", &id, "--reason", "spam"], 2);
    assert!(stderr(&out).contains("deleted already"), "{}", stderr(&out));
    e.ok(&["record", "restore", &id]);
    e.ok(&["record", "get", &id]);
    let out = e.fails(&["record", "restore", &id], 2);
    assert!(stderr(&out).contains("not deleted"), "{}", stderr(&out));
    // v13 has no owner's deletion request.
    e.fails(
        &["record", "request-deletion", &id, "--reason", "test-record"],
        4,
    );
}

#[test]
fn an_owner_deletes_a_young_record_on_v14() {
    let e = env_with(SandboxConfig {
        rdm_version: 14,
        immediate_deletion: true,
        ..SandboxConfig::default()
    });
    let id = published(&e, "first.json");
    let out = e.ok(&[
        "record",
        "request-deletion",
        &id,
        "--reason",
        "test-record",
        "--comment",
        "A test record made by mistake, to be removed.",
    ]);
    assert!(out.contains("deleted (request"), "{out}");
    e.fails(&["record", "get", &id], 4);
    // A reason owners may not give is refused by the server.
    let other = published(&e, "second.json");
    e.fails(
        &["record", "request-deletion", &other, "--reason", "spam"],
        3,
    );
}

#[test]
fn stats_of_a_record() {
    let e = env();
    let id = published(&e, "first.json");
    let v = e.json(&["record", "stats", &id]);
    assert_eq!(v["id"], id.as_str());
    assert_eq!(v["stats"]["this_version"]["views"], 0);
    assert!(v["stats"]["all_versions"]["data_volume"].is_number());
    let table = e.ok(&["record", "stats", &id]);
    assert!(
        table.contains("this version") && table.contains("all versions"),
        "{table}"
    );
}

#[test]
fn revisions_of_a_record() {
    let e = env();
    let id = published(&e, "revisions.json");
    e.ok(&["draft", "edit", &id]);
    e.ok(&[
        "draft",
        "update",
        &id,
        "--set",
        "title=Ocean temperature, revised",
    ]);
    e.ok(&["draft", "publish", &id]);
    let lines = e.lines(&["record", "revisions", &id]);
    assert_eq!(lines.len(), 2, "{lines:?}");
    assert_eq!(
        lines[0]["json"]["metadata"]["title"],
        "Ocean temperature, revised"
    );
    assert!(lines[0]["revision_id"].as_u64() > lines[1]["revision_id"].as_u64());
    let table = e.ok(&["record", "revisions", &id]);
    assert!(
        table.contains("REVISION") && table.contains("revised"),
        "{table}"
    );
}
