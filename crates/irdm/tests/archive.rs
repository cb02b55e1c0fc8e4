//! `irdm download ID --zip`: the files archive, each member checked.

mod common;
use common::*;

#[test]
fn every_file_in_one_checked_zip() {
    let e = env();
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    e.write("data/a.csv", b"a,b\n1,2\n");
    e.write("data/b.bin", &[9u8; 40_000]);
    let out = e.json(&[
        "deposit",
        "--metadata",
        meta.to_str().expect("utf8"),
        e.home.path().join("data").to_str().expect("utf8"),
        "--publish",
    ]);
    let id = out["id"].as_str().expect("id").to_string();
    let res = e
        .irdm()
        .args(["download", &id, "--zip", "-o", "out"])
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&res.stderr);
    assert!(res.status.success(), "{err}");
    assert!(err.contains("2 files, each checked"), "{err}");
    let zip = e.home.path().join("out").join(format!("{id}.zip"));
    assert!(zip.exists());
    // As JSON: the members with their md5s.
    let v = e.json(&["download", &id, "--zip", "-o", "out", "--force"]);
    let keys: Vec<&str> = v["files"]
        .as_array()
        .expect("files")
        .iter()
        .filter_map(|f| f["key"].as_str())
        .collect();
    assert_eq!(keys.len(), 2, "{v}");
    assert!(keys.contains(&"a.csv") && keys.contains(&"b.bin"), "{v}");
    // Not replaced unless asked; keys and --zip do not go together.
    e.fails(&["download", &id, "--zip", "-o", "out"], 3);
    e.fails(&["download", &id, "a.csv", "--zip"], 2);
}
