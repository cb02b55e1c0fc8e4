//! One test per exit code of the table in `irdm --help` (and the README): each provoked for
//! real against the sandbox, and the message says what happened.

mod common;
use common::*;

/// A draft made by the CLI, with one uploaded file; returns its id.
fn draft_with_file(e: &Env) -> String {
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    let d = e.json(&[
        "draft",
        "create",
        "--metadata",
        meta.to_str().expect("utf8"),
    ]);
    let id = d["id"].as_str().expect("id").to_string();
    let f = e.write("data.csv", b"a,b\n1,2\n");
    e.ok(&["upload", &id, f.to_str().expect("utf8")]);
    id
}

#[test]
fn code_0_success() {
    let e = env();
    let out = e.irdm().args(["search", "ocean"]).output().expect("runs");
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[test]
fn code_1_configuration() {
    let e = env();
    let out = e
        .irdm()
        .env_remove("INVENIORDM_URL")
        .args(["search", "ocean"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(stderr(&out).contains("no server URL"), "{}", stderr(&out));
}

#[test]
fn code_2_usage_flag_argument_and_journal() {
    let e = env();
    // clap's own.
    e.fails(&["search", "--no-such-flag"], 2);
    // An argument the library refuses (Error::InvalidArgument): an id no URL can carry.
    let out = e.fails(&["record", "get", ".."], 2);
    assert!(
        stderr(&out).contains("cannot be used as an id"),
        "{}",
        stderr(&out)
    );
    // A journal of another server (Error::Journal): nothing is sent.
    let journal = e.write(
        "other.json",
        br#"{"server": "https://elsewhere.example/api", "stage": "done", "draft": "abcde-12345"}"#,
    );
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    e.write("data.csv", b"a,b\n1,2\n");
    let before = own_records(&e).len();
    let out = e.fails(
        &[
            "deposit",
            "--metadata",
            meta.to_str().expect("utf8"),
            "--journal",
            journal.to_str().expect("utf8"),
            "data.csv",
        ],
        2,
    );
    assert!(
        stderr(&out).contains("belongs to a deposit on https://elsewhere.example/api"),
        "{}",
        stderr(&out)
    );
    assert_eq!(own_records(&e).len(), before, "nothing created");
}

#[test]
fn code_3_refused_by_the_server_and_by_a_conflict() {
    let e = env();
    // The server refuses to publish a draft without metadata.
    let empty = e.json(&["draft", "create"]);
    let empty = empty["id"].as_str().expect("id");
    e.fails(&["draft", "publish", empty], 3);
    // A conflict: the draft saved from an older revision, changed on the server meanwhile.
    let id = draft_with_file(&e);
    let old = e.ok(&["--json", "draft", "get", &id]);
    let saved = e.write("edited.json", old.as_bytes());
    e.ok(&["draft", "update", &id, "--set", "title=Theirs"]);
    let out = e.fails(
        &[
            "draft",
            "update",
            &id,
            "--metadata",
            saved.to_str().expect("utf8"),
        ],
        3,
    );
    assert!(stderr(&out).contains("412"), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("changed on the server since it was read"),
        "{}",
        stderr(&out)
    );
    let now = e.json(&["draft", "get", &id]);
    assert_eq!(now["metadata"]["title"], "Theirs", "their change stays");
    // A local file that would be overwritten (Error::WouldOverwrite).
    let dir = e.home.path().join("out");
    std::fs::create_dir_all(&dir).expect("mkdir");
    std::fs::write(dir.join("data.csv"), b"other bytes").expect("write");
    let out = e.fails(
        &[
            "download",
            &id,
            "--draft",
            "-o",
            dir.to_str().expect("utf8"),
        ],
        3,
    );
    assert!(stderr(&out).contains("already exists"), "{}", stderr(&out));
    assert!(stderr(&out).contains("--force"), "{}", stderr(&out));
    assert_eq!(
        std::fs::read(dir.join("data.csv")).expect("read"),
        b"other bytes",
        "the local file is untouched"
    );
}

#[test]
fn code_4_not_found() {
    let e = env();
    e.fails(&["record", "get", "nosuch-00000"], 4);
    let id = draft_with_file(&e);
    e.fails(&["download", &id, "--draft", "missing.csv"], 4);
}

#[test]
fn code_5_network() {
    let e = env();
    // A port nobody listens on: the connection is refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", closed.local_addr().expect("addr"));
    drop(closed);
    let out = e
        .irdm()
        .env("INVENIORDM_URL", &url)
        .args(["search", "ocean"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(5), "{}", stderr(&out));
    assert!(stderr(&out).contains("cannot connect"), "{}", stderr(&out));
}

#[test]
fn code_6_unverified_upload() {
    let e = env_with(SandboxConfig {
        faults: inveniordm_sandbox::Faults {
            withhold_checksums: true,
            ..Default::default()
        },
        ..SandboxConfig::default()
    });
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    let d = e.json(&[
        "draft",
        "create",
        "--metadata",
        meta.to_str().expect("utf8"),
    ]);
    let id = d["id"].as_str().expect("id");
    let f = e.write("b.bin", &[7u8; 1000]);
    let out = e.fails(
        &[
            "upload",
            id,
            f.to_str().expect("utf8"),
            "--checksum-wait",
            "0",
            "--require-verified",
        ],
        6,
    );
    assert!(
        stderr(&out).contains("could not be verified"),
        "{}",
        stderr(&out)
    );
}
