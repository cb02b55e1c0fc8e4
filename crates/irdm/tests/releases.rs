//! Release pipelines with `irdm deposit`: every release the next version of one concept,
//! nothing sent twice, nothing dropped, a lost create never resolved to the wrong draft.

mod common;
use common::*;

use inveniordm_sandbox::{Faults, Hold, HoldAt};

/// A CITATION.cff of release `version`.
fn cff(version: &str, date: &str) -> String {
    format!(
        "cff-version: 1.2.0
message: If you use this software, please cite it as below.
title: tidegauge
version: {version}
date-released: {date}
authors:
  - family-names: Hopper
    given-names: Grace
license: MIT
"
    )
}

/// Every version of a record's concept, oldest first: (id, version, key → md5).
fn versions(
    e: &Env,
    id: &str,
) -> Vec<(String, String, std::collections::BTreeMap<String, String>)> {
    let page = e.http().get(
        &format!("/records/{id}/versions?size=100&sort=version"),
        Some(e.sandbox.token()),
    );
    let mut out: Vec<_> = page["hits"]["hits"]
        .as_array()
        .expect("hits")
        .iter()
        .map(|r| {
            let rid = r["id"].as_str().expect("id").to_string();
            let files = record_files(e, &rid);
            (
                rid,
                r["metadata"]["version"].as_str().unwrap_or("").to_string(),
                files,
            )
        })
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

fn files(pairs: &[(&str, &[u8])]) -> std::collections::BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, d)| (k.to_string(), md5_hex(d)))
        .collect()
}

fn deposit_args<'a>(cff: &'a str, paths: &[&'a str], extra: &[&'a str]) -> Vec<&'a str> {
    let mut a = vec!["--json", "deposit", "--cff", cff];
    a.extend_from_slice(paths);
    a.extend_from_slice(&["--publish", "--new-version", "--jobs", "1"]);
    a.extend_from_slice(extra);
    a
}

#[test]
fn a_release_sequence_makes_three_versions_of_one_concept_and_sends_each_file_once() {
    let e = env();
    let cff_path = e.home.path().join("CITATION.cff");
    let c = cff_path.to_str().expect("utf8").to_string();
    // v1.0: two files.
    e.write("CITATION.cff", cff("1.0", "2026-10-01").as_bytes());
    e.write("dist/a.txt", b"alpha 1");
    e.write("dist/b.bin", b"beta 1");
    let (v1, err) = last_doc(&e, &deposit_args(&c, &["dist"], &[]));
    assert_eq!(v1["versions"]["index"], 1, "{v1}");
    assert_eq!(err.matches("uploaded and verified").count(), 2, "{err}");
    let concept = v1["parent"]["id"].as_str().expect("concept").to_string();
    let v1_id = v1["id"].as_str().expect("id").to_string();

    // v1.1: b changed, a unchanged (linked, not sent).
    e.write("CITATION.cff", cff("1.1", "2026-11-01").as_bytes());
    e.write("dist/b.bin", b"beta 2");
    let (v11, err) = last_doc(&e, &deposit_args(&c, &["dist"], &[]));
    assert_eq!(v11["parent"]["id"], concept.as_str(), "{v11}");
    assert_eq!(v11["versions"]["index"], 2, "{v11}");
    assert_eq!(v11["metadata"]["version"], "1.1");
    assert_eq!(v11["metadata"]["publication_date"], "2026-11-01");
    assert!(
        err.contains(&format!("a.txt: linked from {v1_id}")),
        "{err}"
    );
    assert!(err.contains("b.bin: uploaded and verified"), "{err}");
    assert!(!err.contains("a.txt: uploaded"), "{err}");

    // v1.1 again: the same record, nothing sent.
    let (again, err) = last_doc(&e, &deposit_args(&c, &["dist"], &[]));
    assert_eq!(again["id"], v11["id"]);
    assert!(err.contains("already deposited"), "{err}");
    assert!(!err.contains("uploaded"), "{err}");

    // v2.0: a removed, c added, b unchanged.
    std::fs::remove_file(e.home.path().join("dist/a.txt")).expect("rm");
    e.write("dist/c.csv", b"gamma");
    e.write("CITATION.cff", cff("2.0", "2026-12-01").as_bytes());
    let (v2, err) = last_doc(&e, &deposit_args(&c, &["dist"], &[]));
    assert_eq!(v2["versions"]["index"], 3, "{v2}");
    assert!(err.contains("b.bin: linked from"), "{err}");
    assert!(err.contains("c.csv: uploaded and verified"), "{err}");
    assert!(err.contains("a.txt: removed"), "{err}");
    assert!(v2["pids"].is_object() || v2["parent"]["id"] == concept.as_str());

    let all = versions(&e, &v1_id);
    assert_eq!(
        all.iter().map(|(_, v, _)| v.as_str()).collect::<Vec<_>>(),
        ["1.0", "1.1", "2.0"]
    );
    assert_eq!(
        all[0].2,
        files(&[("a.txt", b"alpha 1"), ("b.bin", b"beta 1")])
    );
    assert_eq!(
        all[1].2,
        files(&[("a.txt", b"alpha 1"), ("b.bin", b"beta 2")])
    );
    assert_eq!(
        all[2].2,
        files(&[("b.bin", b"beta 2"), ("c.csv", b"gamma")])
    );
    assert_eq!(own_records(&e).len(), 1, "one concept");
}

#[test]
fn a_finished_deposit_asked_again_with_other_content_is_refused_and_changes_nothing() {
    let e = env();
    let meta = e.write("CITATION.cff", cff("1.0", "2026-10-01").as_bytes());
    e.write("dist/a.txt", b"one");
    let args = [
        "--json",
        "deposit",
        "--cff",
        meta.to_str().expect("utf8"),
        "dist",
        "--publish",
    ];
    let (rec, _) = last_doc(&e, &args);
    let id = rec["id"].as_str().expect("id").to_string();
    let concept = rec["parent"]["id"].as_str().expect("concept").to_string();
    e.write("dist/a.txt", b"two");
    e.write("CITATION.cff", cff("1.1", "2026-11-01").as_bytes());
    let out = e.fails(&args[1..], 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&id), "names the record: {stderr}");
    assert!(stderr.contains("--new-version"), "names the flag: {stderr}");
    assert!(stderr.contains(&concept), "names the concept: {stderr}");
    assert_eq!(versions(&e, &id).len(), 1);
    assert_eq!(own_records(&e).len(), 1);
    assert_eq!(record_files(&e, &id), files(&[("a.txt", b"one")]));
    // The dry run says the same, and sends nothing either.
    let plan = e
        .irdm()
        .args(&args[1..])
        .arg("--dry-run")
        .output()
        .expect("runs");
    assert_eq!(plan.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&plan.stdout).contains("refused"));
    // Asked as the next version of the record, it is.
    let (next, _) = last_doc(&e, &[&args[..], &["--new-version-of", &concept]].concat());
    assert_eq!(next["versions"]["index"], 2, "{next}");
    assert_eq!(
        record_files(&e, next["id"].as_str().expect("id")),
        files(&[("a.txt", b"two")])
    );
}

#[test]
fn a_release_from_a_fresh_machine_finds_its_version_already_published() {
    let e = env();
    let c = e.write("CITATION.cff", cff("1.0", "2026-10-01").as_bytes());
    e.write("dist/a.txt", b"one");
    let (v1, _) = last_doc(&e, &deposit_args(c.to_str().expect("utf8"), &["dist"], &[]));
    let id = v1["id"].as_str().expect("id").to_string();
    // A CI job on a new machine: no journal, the concept given by id.
    e.write("CITATION.cff", cff("1.1", "2026-11-01").as_bytes());
    e.write("dist/a.txt", b"two");
    let journal = e.home.path().join("fresh-1.json");
    let args = [
        "--json",
        "deposit",
        "--cff",
        c.to_str().expect("utf8"),
        "dist",
        "--publish",
        "--new-version-of",
        &id,
        "--journal",
        journal.to_str().expect("utf8"),
    ];
    let (v11, _) = last_doc(&e, &args);
    assert_eq!(v11["versions"]["index"], 2);
    // The job run again on yet another machine: version 1.1 with these files is there.
    let other = e.home.path().join("fresh-2.json");
    let mut again = args.to_vec();
    let last = again.len() - 1;
    again[last] = other.to_str().expect("utf8");
    let (same, err) = last_doc(&e, &again);
    assert_eq!(same["id"], v11["id"], "{err}");
    assert!(err.contains("already deposited"), "{err}");
    assert_eq!(versions(&e, &id).len(), 2);
    // The same version number with other files is refused, not published twice.
    e.write("dist/a.txt", b"three");
    let third = e.home.path().join("fresh-3.json");
    again[last] = third.to_str().expect("utf8");
    let out = e.fails(&again[1..], 2);
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("version 1.1 of this concept is published already"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(versions(&e, &id).len(), 2);
}

#[test]
fn a_release_killed_at_each_stage_is_still_exactly_one_new_version() {
    let big: Vec<u8> = (0..2_000_000u32).map(|i| (i % 253) as u8).collect();
    // Each hold lets v1.0's own request of that kind through and stops v1.1's.
    for (at, pass) in [
        (HoldAt::AfterNewVersion, 0),
        (HoldAt::UploadContent("b.bin".into()), 1),
        (HoldAt::AfterPublish, 1),
    ] {
        let hold = Hold::nth(at.clone(), pass);
        let e = env_with(SandboxConfig {
            faults: Faults {
                hold: Some(hold.clone()),
                ..Faults::default()
            },
            ..SandboxConfig::default()
        });
        let c = e.write("CITATION.cff", cff("1.0", "2026-10-01").as_bytes());
        let c = c.to_str().expect("utf8").to_string();
        e.write("dist/a.txt", b"alpha");
        e.write("dist/b.bin", b"small");
        let (v1, _) = last_doc(&e, &deposit_args(&c, &["dist"], &[]));
        let v1_id = v1["id"].as_str().expect("id").to_string();
        // v1.1: b.bin changes; killed where the hold stops the server.
        e.write("CITATION.cff", cff("1.1", "2026-11-01").as_bytes());
        e.write("dist/b.bin", &big);
        let args = deposit_args(&c, &["dist"], &[]);
        killed_when_held(&e, &hold, &args);
        // The same command again: one new version, with the right files.
        let (rec, stderr) = last_doc(&e, &args);
        assert_eq!(rec["is_published"], true, "{at:?}: {rec}");
        assert_eq!(rec["versions"]["index"], 2, "{at:?}: {rec}");
        let all = versions(&e, &v1_id);
        assert_eq!(all.len(), 2, "{at:?}: {all:?}");
        assert_eq!(
            all[0].2,
            files(&[("a.txt", b"alpha"), ("b.bin", b"small")]),
            "{at:?}"
        );
        assert_eq!(
            all[1].2,
            files(&[("a.txt", b"alpha"), ("b.bin", &big)]),
            "{at:?}"
        );
        assert!(!stderr.contains("a.txt: uploaded"), "{at:?}: {stderr}");
        assert_eq!(own_records(&e).len(), 1, "{at:?}");
        // And the next release after it: the third version.
        e.write("CITATION.cff", cff("2.0", "2026-12-01").as_bytes());
        e.write("dist/c.csv", b"gamma");
        let (v2, _) = last_doc(&e, &args);
        assert_eq!(v2["versions"]["index"], 3, "{at:?}");
        assert_eq!(versions(&e, &v1_id).len(), 3, "{at:?}");
    }
}

/// Runs `irdm ARGS` until the sandbox holds the request it waits for, and kills it there.
fn killed_when_held<S: AsRef<std::ffi::OsStr>>(e: &Env, hold: &std::sync::Arc<Hold>, args: &[S]) {
    let mut child = e
        .irdm_std()
        .args(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starts");
    let mut waited = 0;
    while !hold.reached() {
        assert!(waited < 3000, "irdm never got to the held request");
        assert!(
            child.try_wait().expect("wait").is_none(),
            "irdm ended first"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
        waited += 1;
    }
    child.kill().expect("kill");
    child.wait().expect("reaped");
}

/// Runs a deposit that the sandbox holds after its create, kills it there, and returns the
/// command to run again.
fn killed_after_create(
    e: &Env,
    hold: &std::sync::Arc<Hold>,
    meta: &str,
    extra: &[&str],
) -> Vec<String> {
    let mut args: Vec<String> = [
        "--json",
        "deposit",
        "--metadata",
        meta,
        "--publish",
        "--adopt-wait",
        "10",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    killed_when_held(e, hold, &args);
    args
}

const TITLE_YAML: &str = "title: \"Same title\\n\"
resource_type: {id: dataset}
publication_date: '2026-11-26'
creators:
  - person_or_org: {type: personal, family_name: Lovelace, given_name: Ada}
";

#[test]
fn a_lost_create_is_never_resolved_to_someone_elses_draft_of_the_same_title() {
    // Two creates pass (the drafts made below), the deposit's is held.
    let hold = Hold::nth(HoldAt::AfterCreate, 2);
    let e = env_with(SandboxConfig {
        faults: Faults {
            hold: Some(hold.clone()),
            ..Faults::default()
        },
        ..SandboxConfig::default()
    });
    let meta = e.write("meta.yaml", TITLE_YAML.as_bytes());
    // Made just before: the user's own unpublished draft with the same title, and a
    // published record of that title whose next version's draft (same title) is open.
    let other_id = own_draft_titled(&e, "Same title");
    let published = own_draft_titled(&e, "Same title");
    e.ok(&["draft", "publish", &published]);
    let body = e.write("empty.json", b"{}");
    let next = e.json(&[
        "api",
        "-X",
        "POST",
        &format!("/records/{published}/versions"),
        "--input",
        body.to_str().expect("utf8"),
    ]);
    let next_id = next["id"].as_str().expect("id").to_string();
    assert_eq!(next["metadata"]["title"], "Same title");
    let args = killed_after_create(&e, &hold, meta.to_str().expect("utf8"), &[]);
    let (rec, stderr) = last_doc(&e, &args);
    assert_ne!(rec["id"], other_id.as_str(), "{stderr}");
    assert_ne!(rec["id"], next_id.as_str(), "{stderr}");
    assert_eq!(rec["versions"]["index"], 1, "{stderr}");
    assert!(stderr.contains("the interrupted run created"), "{stderr}");
    // The others are untouched and unpublished.
    for id in [&other_id, &next_id] {
        let d = e.json(&["draft", "get", id]);
        assert_eq!(
            d["metadata"]["creators"][0]["person_or_org"]["family_name"], "X",
            "{d}"
        );
        assert_eq!(d["files"]["enabled"], false, "{d}");
    }
    let d = e.json(&["draft", "get", &other_id]);
    assert_eq!(d["metadata"]["publication_date"], "2026-01-01", "{d}");
    assert_eq!(e.json(&["draft", "get", &other_id])["is_published"], false);
    assert_eq!(versions_of(&e, &published), 1);
}

/// The user's own metadata-only draft with `title` (and other metadata than the deposit's),
/// made through the raw API; its id.
fn own_draft_titled(e: &Env, title: &str) -> String {
    let doc = serde_json::json!({"metadata": {"title": title, "resource_type": {"id": "dataset"}, "publication_date": "2026-01-01",
        "creators": [{"person_or_org": {"type": "personal", "family_name": "X"}}]}, "files": {"enabled": false}});
    let body = e.write("own.json", doc.to_string().as_bytes());
    e.json(&[
        "api",
        "-X",
        "POST",
        "/records",
        "--input",
        body.to_str().expect("utf8"),
    ])["id"]
        .as_str()
        .expect("id")
        .to_string()
}

#[test]
fn a_lost_create_passes_over_drafts_of_another_title_and_edits_of_published_records() {
    // Made within the seconds before the deposit's create, so that their creation times
    // cannot tell them apart from its draft: a draft of another title, and a metadata-only
    // record of the same title, published and opened for an edit (a draft without files, of
    // the first version). Two creates pass, the deposit's is held.
    let hold = Hold::nth(HoldAt::AfterCreate, 2);
    let e = env_with(SandboxConfig {
        faults: Faults {
            hold: Some(hold.clone()),
            ..Faults::default()
        },
        ..SandboxConfig::default()
    });
    let meta = e.write("meta.yaml", TITLE_YAML.as_bytes());
    let another = own_draft_titled(&e, "Another title");
    let published = own_draft_titled(&e, "Same title");
    e.ok(&["draft", "publish", &published]);
    let body = e.write("empty.json", b"{}");
    let edit = e.json(&[
        "api",
        "-X",
        "POST",
        &format!("/records/{published}/draft"),
        "--input",
        body.to_str().expect("utf8"),
    ]);
    assert_eq!(edit["id"], published.as_str());
    let args = killed_after_create(&e, &hold, meta.to_str().expect("utf8"), &[]);
    let (rec, stderr) = last_doc(&e, &args);
    assert!(stderr.contains("the interrupted run created"), "{stderr}");
    assert_ne!(rec["id"], another.as_str(), "{stderr}");
    assert_ne!(rec["id"], published.as_str(), "{stderr}");
    assert_eq!(rec["is_published"], true, "{stderr}");
    assert_eq!(e.json(&["draft", "get", &another])["is_published"], false);
    let r = e.json(&["record", "get", &published]);
    assert_eq!(r["metadata"]["publication_date"], "2026-01-01", "{r}");
}

#[test]
fn a_lost_create_passes_over_an_older_draft_of_the_same_title_the_search_showed_late() {
    // A draft of the same title made three seconds before the deposit, not in the search yet
    // when the deposit looked before its create (the index lags 5 s): it appears while the
    // run after the kill waits for the lost create's draft, and its creation time, before the
    // create was sent, rules it out.
    let hold = Hold::nth(HoldAt::AfterCreate, 1);
    let e = env_with(SandboxConfig {
        faults: Faults {
            hold: Some(hold.clone()),
            index_delay_ms: 5_000,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    });
    let meta = e.write("meta.yaml", TITLE_YAML.as_bytes());
    let older = own_draft_titled(&e, "Same title");
    std::thread::sleep(std::time::Duration::from_millis(3_200));
    let args = killed_after_create(&e, &hold, meta.to_str().expect("utf8"), &[]);
    let (rec, stderr) = last_doc(&e, &args);
    assert!(stderr.contains("the interrupted run created"), "{stderr}");
    assert_ne!(rec["id"], older.as_str(), "{stderr}");
    assert_eq!(rec["is_published"], true, "{stderr}");
    assert_eq!(e.json(&["draft", "get", &older])["is_published"], false);
}

#[test]
fn a_lost_create_passes_over_a_new_version_made_meanwhile_and_refuses_one_named() {
    // A record of the same title and its next version's draft (same title, no files), made
    // an instant before the deposit and not in the search yet when the deposit looked.
    let hold = Hold::nth(HoldAt::AfterCreate, 1);
    let e = env_with(SandboxConfig {
        faults: Faults {
            hold: Some(hold.clone()),
            index_delay_ms: 2_000,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    });
    let meta = e.write("meta.yaml", TITLE_YAML.as_bytes());
    let published = own_draft_titled(&e, "Same title");
    e.ok(&["draft", "publish", &published]);
    let body = e.write("empty.json", b"{}");
    let next = e.json(&[
        "api",
        "-X",
        "POST",
        &format!("/records/{published}/versions"),
        "--input",
        body.to_str().expect("utf8"),
    ]);
    let next_id = next["id"].as_str().expect("id").to_string();
    let args = killed_after_create(&e, &hold, meta.to_str().expect("utf8"), &[]);
    // Named, the next version is refused, and so is the published record: neither is the
    // new record the create made.
    for (named, says) in [
        (&next_id, "a new version of another record"),
        (&published, "no draft"),
    ] {
        let mut with = args[1..].to_vec();
        with.extend(["--adopt".to_string(), named.clone()]);
        let out = e.fails(&with.iter().map(String::as_str).collect::<Vec<_>>(), 2);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{stderr}");
    }
    let (rec, stderr) = last_doc(&e, &args);
    assert!(stderr.contains("the interrupted run created"), "{stderr}");
    assert_ne!(rec["id"], next_id.as_str(), "{stderr}");
    assert_eq!(rec["versions"]["index"], 1, "{stderr}");
    assert_eq!(e.json(&["draft", "get", &next_id])["is_published"], false);
    assert_eq!(versions_of(&e, &published), 1);
}

#[test]
fn a_create_that_never_arrived_is_made_again_once_the_wait_is_over() {
    // The deposit is killed after its create; the draft it made is then discarded, as if the
    // create had never reached the server. The next run looks for it for its --adopt-wait
    // (1 s), finds nothing, and creates a draft of its own.
    let hold = Hold::new(HoldAt::AfterCreate);
    let e = env_with(SandboxConfig {
        faults: Faults {
            hold: Some(hold.clone()),
            ..Faults::default()
        },
        ..SandboxConfig::default()
    });
    let meta = e.write("meta.yaml", TITLE_YAML.as_bytes());
    let mut args = killed_after_create(&e, &hold, meta.to_str().expect("utf8"), &[]);
    let made: Vec<String> = own_records(&e)
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .collect();
    assert_eq!(made.len(), 1, "{made:?}");
    e.ok(&["draft", "delete", &made[0]]);
    let wait = args
        .iter()
        .position(|a| a == "--adopt-wait")
        .expect("--adopt-wait")
        + 1;
    args[wait] = "1".into();
    let mut child = e
        .irdm_std()
        .args(&args)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    let started = std::time::Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > std::time::Duration::from_secs(60) {
            let _ = child.kill();
            panic!("still looking for the lost create's draft after 60 s");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().expect("output");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    let rec = last_json(&out);
    assert_ne!(rec["id"], made[0].as_str(), "{stderr}");
    assert_eq!(rec["is_published"], true, "{stderr}");
}

#[test]
fn a_journal_is_kept_to_its_server_and_one_without_a_fingerprint_is_compared_with_its_record() {
    let e = env();
    e.write("dist/a.txt", b"one");
    e.write("CITATION.cff", cff("1.0", "2026-10-01").as_bytes());
    let cff_path = e.home.path().join("CITATION.cff");
    let cff_arg = cff_path.to_str().expect("utf8");
    let journal = e.home.path().join("release.json");
    let jarg = journal.to_str().expect("utf8");
    let args = deposit_args(cff_arg, &["dist"], &["--journal", jarg]);
    let (v1, _) = last_doc(&e, &args);
    let edit = |f: &dyn Fn(&mut serde_json::Map<String, Value>)| {
        let mut doc: Value =
            serde_json::from_slice(&std::fs::read(&journal).expect("journal")).expect("json");
        f(doc.as_object_mut().expect("object"));
        std::fs::write(&journal, doc.to_string()).expect("write");
    };
    // A journal written before deposits recorded their fingerprint: the record itself tells
    // whether this release is deposited (asked without --new-version, which would find the
    // version by its content anyway).
    edit(&|j| {
        j.remove("content").expect("a fingerprint");
    });
    let once: Vec<&str> = args
        .iter()
        .copied()
        .filter(|a| *a != "--new-version")
        .collect();
    let (same, stderr) = last_doc(&e, &once);
    assert_eq!(same["id"], v1["id"], "{stderr}");
    assert!(stderr.contains("already deposited"), "{stderr}");
    edit(&|j| {
        j.remove("content");
    });
    e.write("dist/a.txt", b"two");
    e.write("CITATION.cff", cff("1.1", "2026-11-01").as_bytes());
    let (next, stderr) = last_doc(&e, &args);
    assert_eq!(next["versions"]["index"], 2, "{stderr}");
    // Another server's journal is refused, and left as it was.
    edit(&|j| {
        j.insert("server".into(), "http://127.0.0.1:9/api".into());
    });
    let before = std::fs::read(&journal).expect("journal");
    let out = e.fails(&args[1..], 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("belongs to a deposit on http://127.0.0.1:9/api"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(&journal).expect("journal"), before);
    assert_eq!(versions(&e, next["id"].as_str().expect("id")).len(), 2);
}

/// The steps of a dry run's plan, key by key.
fn plan_steps(plan: &Value) -> Vec<(String, String)> {
    let mut steps: Vec<(String, String)> = plan["files"]
        .as_array()
        .expect("files")
        .iter()
        .map(|f| {
            (
                f["key"].as_str().expect("key").to_string(),
                f["action"].as_str().expect("action").to_string(),
            )
        })
        .collect();
    steps.sort();
    steps
}

#[test]
fn a_dry_run_of_the_next_release_says_what_each_file_would_become() {
    let e = env();
    e.write("dist/a.txt", b"one");
    e.write("dist/b.txt", b"bee");
    e.write("dist/d.txt", b"dee");
    e.write("CITATION.cff", cff("1.0", "2026-10-01").as_bytes());
    let cff_path = e.home.path().join("CITATION.cff");
    let cff_arg = cff_path.to_str().expect("utf8");
    let (v1, _) = last_doc(&e, &deposit_args(cff_arg, &["dist"], &[]));
    let v1_id = v1["id"].as_str().expect("id").to_string();
    // The next release: a.txt as it was, d.txt changed, c.txt new, b.txt left out.
    e.write("dist/d.txt", b"dee, changed");
    e.write("dist/c.txt", b"sea");
    std::fs::remove_file(e.home.path().join("dist/b.txt")).expect("remove");
    e.write("CITATION.cff", cff("1.1", "2026-11-01").as_bytes());
    let release = ["dist"];
    let dry = |extra: &[&str]| {
        let mut args = deposit_args(cff_arg, &release, extra);
        args.push("--dry-run");
        let out = e.irdm().args(&args).output().expect("runs");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        last_json(&out)["plan"].clone()
    };
    let plan = dry(&[]);
    assert_eq!(plan["new_version_of"], v1_id.as_str(), "{plan}");
    assert!(plan["draft"].is_null(), "{plan}");
    assert_eq!(plan["finish"], "publish", "{plan}");
    assert_eq!(
        plan_steps(&plan),
        [("a.txt", "link"), ("c.txt", "upload"), ("d.txt", "replace")]
            .map(|(k, a)| (k.to_string(), a.to_string()))
    );
    assert_eq!(plan["remove"], serde_json::json!(["b.txt"]), "{plan}");
    // Keeping the previous version's files, nothing is left out.
    let plan = dry(&["--keep-files"]);
    assert_eq!(plan["remove"], serde_json::json!([]), "{plan}");
    // Not asked to publish: the plan stops at the draft.
    let mut args: Vec<&str> = deposit_args(cff_arg, &release, &[])
        .into_iter()
        .filter(|a| *a != "--publish")
        .collect();
    args.push("--dry-run");
    let out = e.irdm().args(&args).output().expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(last_json(&out)["plan"]["finish"], "none");
    // Nothing was sent by any of them.
    assert_eq!(versions(&e, &v1_id).len(), 1);
    assert_eq!(own_records(&e).len(), 1);
}

/// How many published versions the concept of `id` has.
fn versions_of(e: &Env, id: &str) -> usize {
    e.http()
        .get(&format!("/records/{id}/versions"), Some(e.sandbox.token()))["hits"]["total"]
        .as_u64()
        .unwrap_or(0) as usize
}

#[test]
fn a_lost_create_is_found_although_the_search_indexes_late() {
    let hold = Hold::new(HoldAt::AfterCreate);
    let e = env_with(SandboxConfig {
        faults: Faults {
            hold: Some(hold.clone()),
            index_delay_ms: 2_000,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    });
    let meta = e.write("meta.yaml", TITLE_YAML.as_bytes());
    let args = killed_after_create(&e, &hold, meta.to_str().expect("utf8"), &[]);
    let (rec, stderr) = last_doc(&e, &args);
    assert_eq!(rec["is_published"], true, "{stderr}");
    assert!(stderr.contains("the interrupted run created"), "{stderr}");
    std::thread::sleep(std::time::Duration::from_millis(2_100));
    assert_eq!(own_records(&e).len(), 1, "no second draft");
}

#[test]
fn a_lost_create_that_could_be_two_drafts_stops_and_names_them() {
    // The other draft's create passes, the deposit's is held.
    let hold = Hold::nth(HoldAt::AfterCreate, 1);
    let e = env_with(SandboxConfig {
        faults: Faults {
            hold: Some(hold.clone()),
            index_delay_ms: 1_000,
            ..Faults::default()
        },
        ..SandboxConfig::default()
    });
    let meta = e.write("meta.yaml", TITLE_YAML.as_bytes());
    // Made an instant before the deposit, not yet in the search when the deposit looks.
    let other_id = own_draft_titled(&e, "Same title");
    let args = killed_after_create(&e, &hold, meta.to_str().expect("utf8"), &[]);
    let out = e.fails(&args[1..].iter().map(String::as_str).collect::<Vec<_>>(), 2);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&other_id) && stderr.contains("--adopt"),
        "{stderr}"
    );
    let mine: Vec<String> = own_records(&e)
        .iter()
        .filter_map(|r| r["id"].as_str().map(str::to_string))
        .filter(|id| *id != other_id)
        .collect();
    assert_eq!(mine.len(), 1, "{mine:?}");
    // Named, it is carried on; the other draft stays as it was.
    let (rec, _) = last_doc(
        &e,
        &[&args[..], &["--adopt".to_string(), mine[0].clone()]].concat(),
    );
    assert_eq!(rec["id"], mine[0].as_str());
    assert_eq!(rec["is_published"], true);
    assert_eq!(e.json(&["draft", "get", &other_id])["is_published"], false);
}

#[test]
fn a_declined_review_is_submitted_again_by_the_same_command() {
    let e = env();
    e.json(&[
        "communities",
        "create",
        "--slug",
        "releases",
        "--title",
        "Releases",
    ]);
    let meta = e.write(
        "meta.yaml",
        format!("{}publisher: The CLI tests\n", TITLE_YAML).as_bytes(),
    );
    e.write("a.txt", b"reviewed");
    let args = [
        "--json",
        "deposit",
        "--metadata",
        meta.to_str().expect("utf8"),
        "a.txt",
        "--community",
        "releases",
        "--publish",
    ];
    let (d, _) = last_doc(&e, &args);
    let id = d["id"].as_str().expect("id").to_string();
    let review = e.json(&["review", "get", &id]);
    assert_eq!(review["status"], "submitted");
    let rid = review["id"].as_str().expect("request").to_string();
    // Run again while the review is open: nothing changes, the same request waits.
    let (same, stderr) = last_doc(&e, &args);
    assert_eq!(same["id"], id.as_str(), "{stderr}");
    let still = e.json(&["review", "get", &id]);
    assert_eq!(
        (still["id"].as_str(), still["status"].as_str()),
        (Some(rid.as_str()), Some("submitted")),
        "{stderr}"
    );
    e.json(&[
        "requests",
        "decline",
        &rid,
        "--message",
        "Add a description.",
    ]);
    assert_eq!(e.json(&["review", "get", &id])["status"], "declined");
    // The same command: submitted again, the same draft.
    let (again, stderr) = last_doc(&e, &args);
    assert_eq!(again["id"], id.as_str(), "{stderr}");
    assert!(!stderr.contains("already deposited"), "{stderr}");
    assert_eq!(e.json(&["review", "get", &id])["status"], "submitted");
    assert_eq!(own_records(&e).len(), 1);
}

#[test]
fn a_dry_run_lists_every_problem_the_server_would_report_and_creates_nothing() {
    let e = env();
    let c = e.write(
        "CITATION.cff",
        b"cff-version: 1.2.0
message: cite
title: tidegauge
version: 1.0
date-released: 2026-13-45
authors:
  - family-names: Hopper
license: Not-A-Licence-1.0
",
    );
    e.write("a.txt", b"x");
    let out = e
        .irdm()
        .args([
            "deposit",
            "--cff",
            c.to_str().expect("utf8"),
            "a.txt",
            "--publish",
            "--dry-run",
        ])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(3), "{stdout}");
    assert!(
        stdout.contains("metadata.rights.0.id: Invalid value not-a-licence-1.0."),
        "{stdout}"
    );
    assert!(
        stdout.contains("metadata.publication_date: Please provide a valid date"),
        "{stdout}"
    );
    assert!(own_records(&e).is_empty());
    // A metadata file without a publication date: the missing field is named too.
    let m = e.write(
        "meta.yaml",
        b"title: Ocean\nresource_type: {id: dataset}\ncreators:\n  - person_or_org: {type: personal, family_name: Lovelace}\nrights: [{id: no-such-licence}]\n",
    );
    let out = e
        .irdm()
        .args([
            "--json",
            "deposit",
            "--metadata",
            m.to_str().expect("utf8"),
            "--dry-run",
        ])
        .output()
        .expect("runs");
    let doc = last_json(&out);
    let fields: Vec<&str> = doc["problems"]
        .as_array()
        .expect("problems")
        .iter()
        .filter_map(|p| p["field"].as_str())
        .collect();
    assert!(fields.contains(&"metadata.publication_date"), "{doc}");
    assert!(fields.contains(&"metadata.rights.0.id"), "{doc}");
    assert!(own_records(&e).is_empty());
    // Good metadata: no problems, exit 0.
    let good = e.write("good.yaml", META_YAML.as_bytes());
    let plan = e.ok(&[
        "deposit",
        "--metadata",
        good.to_str().expect("utf8"),
        "--dry-run",
    ]);
    assert!(plan.contains("metadata: no problems found"), "{plan}");
}

#[test]
fn a_zenodo_json_is_deposited_with_what_it_cannot_carry_named() {
    let e = env();
    let z = e.write(
        ".zenodo.json",
        br#"{
  "title": "tidegauge: tide gauge readers",
  "upload_type": "software",
  "description": "<p>Reads tide gauges.</p>",
  "creators": [
    {"name": "Hopper, Grace", "affiliation": "Navy", "orcid": "0000-0002-1825-0097"},
    {"name": "The Tidegauge Developers"}
  ],
  "contributors": [{"name": "Lovelace, Ada", "type": "Editor"}],
  "keywords": ["tides", "ocean"],
  "license": "mit",
  "version": "2.1",
  "publication_date": "2026-12-01",
  "related_identifiers": [{"identifier": "https://example.org/tidegauge", "relation": "isSupplementTo"}],
  "access_right": "open",
  "communities": [{"identifier": "ocean"}],
  "grants": [{"id": "10.13039/501100000780::123"}]
}"#,
    );
    e.write("a.txt", b"code");
    let (rec, stderr) = last_doc(
        &e,
        &[
            "--json",
            "deposit",
            "--zenodo",
            z.to_str().expect("utf8"),
            "a.txt",
            "--publish",
        ],
    );
    assert!(
        stderr.contains("not carried over")
            && stderr.contains("communities")
            && stderr.contains("grants"),
        "{stderr}"
    );
    let m = &rec["metadata"];
    assert_eq!(m["title"], "tidegauge: tide gauge readers");
    assert_eq!(m["resource_type"]["id"], "software");
    assert_eq!(m["creators"][0]["person_or_org"]["family_name"], "Hopper");
    assert_eq!(
        m["creators"][0]["person_or_org"]["identifiers"][0]["identifier"],
        "0000-0002-1825-0097"
    );
    assert_eq!(m["creators"][1]["person_or_org"]["type"], "organizational");
    assert_eq!(m["contributors"][0]["role"]["id"], "editor");
    assert_eq!(m["rights"][0]["id"], "mit");
    assert_eq!(m["version"], "2.1");
    assert_eq!(m["subjects"][1]["subject"], "ocean");
    assert_eq!(
        m["related_identifiers"][0]["relation_type"]["id"],
        "issupplementto"
    );
}

#[cfg(unix)]
#[test]
fn sync_of_a_folder_of_links_sends_the_bytes_they_point_to() {
    let e = env();
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    let d = e.json(&[
        "draft",
        "create",
        "--metadata",
        meta.to_str().expect("utf8"),
    ]);
    let id = d["id"].as_str().expect("id").to_string();
    // As DataLad and git-annex keep data: the folder holds links to an object store.
    e.write("store/obj-1", b"first object");
    e.write("store/obj-2", b"second object");
    std::fs::create_dir_all(e.home.path().join("annexed/sub")).expect("mkdir");
    std::os::unix::fs::symlink(
        e.home.path().join("store/obj-1"),
        e.home.path().join("annexed/one.dat"),
    )
    .expect("link");
    std::os::unix::fs::symlink(
        e.home.path().join("store/obj-2"),
        e.home.path().join("annexed/sub/two.dat"),
    )
    .expect("link");
    e.ok(&[
        "sync",
        e.home.path().join("annexed").to_str().expect("utf8"),
        "--record",
        &id,
    ]);
    let f = e.json(&["draft", "files", &id]);
    let got: std::collections::BTreeMap<String, String> = f["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|x| {
            (
                x["key"].as_str().unwrap_or("").to_string(),
                x["checksum"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        got,
        files(&[
            ("one.dat", b"first object"),
            ("sub/two.dat", b"second object")
        ])
    );
}

#[test]
fn an_upload_whose_md5_never_comes_is_reported_unverified() {
    let e = env_faulty(Faults {
        withhold_checksums: true,
        ..Faults::default()
    });
    let id = new_draft(&e);
    let meta = e.home.path().join("meta.yaml");
    let f = e.write("a.txt", b"unverifiable");
    let out = e
        .irdm()
        .args(["upload", &id, f.to_str().expect("utf8")])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("a.txt: uploaded") && stderr.contains("not yet verified"),
        "{stderr}"
    );
    assert!(!stderr.contains("verified,"), "{stderr}");
    // In parts too, after a short wait for the md5; and required, it is an error.
    let g = e.write("b.bin", &vec![7u8; 300_000]);
    let out = e
        .irdm()
        .args([
            "upload",
            &id,
            g.to_str().expect("utf8"),
            "--multipart",
            "always",
            "--part-size",
            "100000",
            "--checksum-wait",
            "1",
            "--require-verified",
        ])
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(6), "{stderr}");
    assert!(stderr.contains("could not be verified"), "{stderr}");
    // A deposit that requires verification stops before publishing.
    let args = [
        "deposit",
        "--metadata",
        meta.to_str().expect("utf8"),
        "a.txt",
        "--publish",
        "--require-verified",
    ];
    let out = e.fails(&args, 6);
    assert!(String::from_utf8_lossy(&out.stderr).contains("could not be verified"));
    assert!(own_records(&e).iter().all(|r| r["is_published"] == false));
}

#[test]
fn a_lost_commit_answer_is_read_back_from_the_server() {
    let e = env_faulty(Faults {
        lose_commits: 2,
        ..Faults::default()
    });
    let id = new_draft(&e);
    let one = e.write("one.txt", b"single stream");
    let parts = e.write("parts.bin", &vec![3u8; 250_000]);
    for (f, extra) in [
        (&one, vec![]),
        (
            &parts,
            vec!["--multipart", "always", "--part-size", "100000"],
        ),
    ] {
        let mut args = vec!["upload", id.as_str(), f.to_str().expect("utf8")];
        args.extend(extra);
        let out = e.irdm().args(&args).output().expect("runs");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "{stderr}");
        assert!(stderr.contains("uploaded and verified"), "{stderr}");
    }
    let f = e.json(&["draft", "files", &id]);
    let done: Vec<&str> = f["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .filter(|x| x["status"] == "completed")
        .filter_map(|x| x["key"].as_str())
        .collect();
    assert_eq!(done, ["one.txt", "parts.bin"]);
}

#[test]
fn the_shell_release_recipe_archives_each_release_once() {
    let e = env();
    let recipe = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/ci/release.sh");
    e.write("CITATION.cff", cff("1.0", "2026-10-01").as_bytes());
    e.write("dist/tool.tar.gz", b"release one");
    e.write("dist/README", b"read me");
    // Each run on a fresh machine: a state folder of its own.
    let run = |concept: &str, n: usize| {
        let out = std::process::Command::new("sh")
            .arg(&recipe)
            .args(["dist", "CITATION.cff"])
            .current_dir(e.home.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", e.home.path())
            .env("IRDM", assert_cmd::cargo::cargo_bin("irdm"))
            .env("IRDM_STATE_DIR", e.home.path().join(format!("state-{n}")))
            .env("INVENIORDM_URL", e.sandbox.url())
            .env("INVENIORDM_TOKEN", e.sandbox.token())
            .env("INVENIORDM_CONCEPT", concept)
            .output()
            .expect("sh runs");
        let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{stdout}\n{stderr}");
        let get = |k: &str| {
            stdout
                .lines()
                .find_map(|l| l.strip_prefix(&format!("{k}=")))
                .unwrap_or_else(|| panic!("no {k}= in {stdout}\n{stderr}"))
                .to_string()
        };
        (get("record"), get("concept"), stderr)
    };
    let (first, concept, _) = run("", 1);
    e.write("CITATION.cff", cff("1.1", "2026-11-01").as_bytes());
    e.write("dist/tool.tar.gz", b"release two");
    let (second, concept2, err) = run(&concept, 2);
    assert_eq!(concept2, concept);
    assert_ne!(second, first);
    assert!(err.contains("README: linked from"), "{err}");
    // The job run again for the same release, on yet another machine.
    let (again, _, err) = run(&concept, 3);
    assert_eq!(again, second);
    assert!(err.contains("already deposited"), "{err}");
    let all = versions(&e, &first);
    assert_eq!(all.len(), 2);
    assert_eq!(
        all[1].2,
        files(&[("README", b"read me"), ("tool.tar.gz", b"release two")])
    );
}
