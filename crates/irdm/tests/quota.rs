//! `irdm quota` and `irdm record modify-files` on a sandbox imitating InvenioRDM v14.

mod common;
use common::*;

fn env_v14() -> Env {
    env_with(SandboxConfig {
        rdm_version: 14,
        users: vec![("other".into(), "other-token".into())],
        ..SandboxConfig::default()
    })
}

/// Publishes the files of the folder `folder` (below the test's home) through `irdm deposit`;
/// the record's id.
fn deposit_folder(e: &Env, folder: &str) -> String {
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    let out = e.json(&[
        "deposit",
        "--metadata",
        meta.to_str().expect("utf8"),
        e.home.path().join(folder).to_str().expect("utf8"),
        "--publish",
    ]);
    out["id"].as_str().expect("id").to_string()
}

/// Publishes a record with `a.csv` and `b.bin`; its id.
fn published(e: &Env) -> String {
    e.write("data/a.csv", b"a,b\n1,2\n");
    e.write("data/b.bin", &[9u8; 4_000]);
    deposit_folder(e, "data")
}

#[test]
fn a_published_records_files_are_changed_in_place() {
    let e = env_v14();
    let id = published(&e);
    e.write("fixed/a.csv", b"a,b\n1,3\n");
    // Nothing to remove that the record lacks: refused before anything changes (exit 4).
    let out = e.fails(&["record", "modify-files", &id, "--remove", "nope.txt"], 4);
    assert!(stderr(&out).contains("nope.txt"), "{}", stderr(&out));
    // A comment the server would drop is refused (exit 2).
    e.fails(
        &[
            "record",
            "modify-files",
            &id,
            "fixed/a.csv",
            "--comment",
            "typo",
        ],
        2,
    );
    // Not by someone else: the policy allows administrators only (exit 3); their refused
    // attempt leaves no edit draft behind.
    let out = e
        .irdm()
        .env("INVENIORDM_TOKEN", "other-token")
        .args(["record", "modify-files", &id, "fixed/a.csv"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let v = e.json(&[
        "record",
        "modify-files",
        &id,
        "fixed/a.csv",
        "--remove",
        "b.bin",
        "--comment",
        "The second row of the table had a typo.",
        "--publish",
    ]);
    assert_eq!(v["uploaded"], serde_json::json!(["a.csv"]), "{v}");
    assert_eq!(v["removed"], serde_json::json!(["b.bin"]), "{v}");
    assert_eq!(v["published"], true);
    let files = record_files(&e, &id);
    assert_eq!(
        files.into_iter().collect::<Vec<_>>(),
        vec![("a.csv".to_string(), md5_hex(b"a,b\n1,3\n"))]
    );
}

#[test]
fn quotas_are_set_by_administrators_and_refuse_uploads() {
    let e = env_v14();
    let draft = new_draft(&e);
    e.ok(&[
        "quota",
        "set",
        &draft,
        "--quota-size",
        "2KB",
        "--max-file-size",
        "1KB",
        "--notes",
        "a test",
    ]);
    e.write("big.bin", &[1u8; 1_500]);
    let out = e.fails(&["upload", &draft, "big.bin"], 3);
    assert!(
        stderr(&out).contains("Maximum file size exceeded."),
        "{}",
        stderr(&out)
    );
    e.write("small.bin", &[1u8; 900]);
    e.ok(&["upload", &draft, "small.bin"]);
    // Someone else may not; a size that is no size is a usage error.
    let out = e
        .irdm()
        .env("INVENIORDM_TOKEN", "other-token")
        .args([
            "quota",
            "set",
            &draft,
            "--quota-size",
            "1",
            "--max-file-size",
            "1",
        ])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    e.fails(
        &[
            "quota",
            "set",
            &draft,
            "--quota-size",
            "lots",
            "--max-file-size",
            "1",
        ],
        2,
    );
    // A user that does not exist: 4; a stock v14 grants no increase: 3.
    e.fails(
        &[
            "quota",
            "set-user",
            "987654",
            "--quota-size",
            "1GB",
            "--max-file-size",
            "1GB",
        ],
        4,
    );
    e.fails(&["quota", "request-increase", &draft, "--size-gb", "60"], 3);
}

/// A record with a ZIP holding `docs/a.txt`, published through `irdm deposit`; its id.
fn with_zip(e: &Env) -> String {
    // One stored member, `docs/a.txt` holding `hello\n`.
    let mut zip = Vec::new();
    let data = b"hello\n";
    let name = b"docs/a.txt";
    let crc: u32 = 0x363a_3020;
    let local = [
        &0x0403_4b50u32.to_le_bytes()[..],
        &20u16.to_le_bytes(),
        &0u16.to_le_bytes(),
        &0u16.to_le_bytes(),
        &[0, 0, 0x21, 0],
        &crc.to_le_bytes(),
        &(data.len() as u32).to_le_bytes(),
        &(data.len() as u32).to_le_bytes(),
        &(name.len() as u16).to_le_bytes(),
        &0u16.to_le_bytes(),
        name,
        data,
    ]
    .concat();
    zip.extend_from_slice(&local);
    let central = [
        &0x0201_4b50u32.to_le_bytes()[..],
        &20u16.to_le_bytes(),
        &20u16.to_le_bytes(),
        &0u16.to_le_bytes(),
        &0u16.to_le_bytes(),
        &[0, 0, 0x21, 0],
        &crc.to_le_bytes(),
        &(data.len() as u32).to_le_bytes(),
        &(data.len() as u32).to_le_bytes(),
        &(name.len() as u16).to_le_bytes(),
        &[0u8; 12],
        &0u32.to_le_bytes(),
        name,
    ]
    .concat();
    let start = zip.len() as u32;
    zip.extend_from_slice(&central);
    let end = [
        &0x0605_4b50u32.to_le_bytes()[..],
        &[0u8; 4],
        &1u16.to_le_bytes(),
        &1u16.to_le_bytes(),
        &(central.len() as u32).to_le_bytes(),
        &start.to_le_bytes(),
        &0u16.to_le_bytes(),
    ]
    .concat();
    zip.extend_from_slice(&end);
    e.write("bundle/bundle.zip", &zip);
    deposit_folder(e, "bundle")
}

#[test]
fn a_zips_members_are_listed_and_one_is_saved_checked() {
    let e = env_v14();
    let id = with_zip(&e);
    let members = e.lines(&["record", "container", &id, "bundle.zip"]);
    assert_eq!(members.len(), 1, "{members:?}");
    assert_eq!(members[0]["key"], "docs/a.txt");
    assert_eq!(members[0]["crc"], 0x363a_3020);
    let out = e
        .irdm()
        .args([
            "record",
            "container",
            &id,
            "bundle.zip",
            "docs/a.txt",
            "-o",
            "a.txt",
        ])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("verified crc32:363a3020"),
        "{}",
        stderr(&out)
    );
    assert_eq!(
        std::fs::read(e.home.path().join("a.txt")).expect("saved"),
        b"hello\n"
    );
    // Not over it again without --force; a member the ZIP lacks is exit 4.
    e.fails(
        &[
            "record",
            "container",
            &id,
            "bundle.zip",
            "docs/a.txt",
            "-o",
            "a.txt",
        ],
        3,
    );
    e.ok(&[
        "record",
        "container",
        &id,
        "bundle.zip",
        "docs/a.txt",
        "-o",
        "a.txt",
        "--force",
    ]);
    e.fails(&["record", "container", &id, "bundle.zip", "nope.txt"], 4);
}
