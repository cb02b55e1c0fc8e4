//! End-to-end tests of `irdm` against an in-process sandbox.

mod common;
use common::*;

use inveniordm_sandbox::{Faults, Hold, HoldAt};

fn strip_volatile(mut v: Value) -> Value {
    if let Value::Object(m) = &mut v {
        m.remove("links");
    }
    v
}

/// A data folder holding one draft of the CLI's metadata with one uploaded file (published
/// when asked), made through a healthy sandbox; returns the configuration to serve it again
/// (e.g. with faults) and the draft's id.
fn seeded(
    dir: &std::path::Path,
    token: &str,
    file: (&str, &[u8]),
    publish: bool,
) -> (SandboxConfig, String) {
    let base = SandboxConfig {
        data_dir: Some(dir.to_path_buf()),
        token: Some(token.into()),
        ..SandboxConfig::default()
    };
    let e = env_with(base.clone());
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    let d = e.json(&[
        "draft",
        "create",
        "--metadata",
        meta.to_str().expect("utf8"),
    ]);
    let id = d["id"].as_str().expect("id").to_string();
    let path = e.write(file.0, file.1);
    e.ok(&["upload", &id, path.to_str().expect("utf8")]);
    if publish {
        e.json(&["draft", "publish", &id]);
    }
    (base, id)
}

#[test]
fn deposit_workflow_end_to_end() {
    let e = env();
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    let draft = e.json(&[
        "draft",
        "create",
        "--metadata",
        meta.to_str().expect("utf8"),
    ]);
    let id = draft["id"].as_str().expect("id").to_string();
    assert_eq!(draft["metadata"]["title"], "Ocean temperature from the CLI");
    // --json prints the server's document unchanged.
    let server = e
        .http()
        .get(&format!("/records/{id}/draft"), Some(e.sandbox.token()));
    let got = e.json(&["draft", "get", &id]);
    assert_eq!(strip_volatile(got), strip_volatile(server));

    // A folder and a file; keys are relative to the folder.
    e.write("data/a.csv", b"x,y\n1,2\n");
    e.write("data/sub/b.txt", b"bee");
    let single = e.write("notes.md", b"# notes");
    let uploaded = e.lines(&[
        "upload",
        &id,
        e.home.path().join("data").to_str().expect("utf8"),
        single.to_str().expect("utf8"),
        "--jobs",
        "3",
    ]);
    let mut keys: Vec<String> = uploaded
        .iter()
        .map(|v| v["key"].as_str().unwrap_or("").to_string())
        .collect();
    keys.sort();
    assert_eq!(keys, vec!["a.csv", "notes.md", "sub/b.txt"]);
    // Running it again uploads nothing new.
    let out = e
        .irdm()
        .args([
            "upload",
            &id,
            e.home.path().join("data").to_str().expect("utf8"),
        ])
        .output()
        .expect("runs");
    assert!(out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("already uploaded"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Different content under an existing key is refused without --replace.
    e.write("data/a.csv", b"changed\n");
    e.fails(
        &[
            "upload",
            &id,
            e.home.path().join("data/a.csv").to_str().expect("utf8"),
        ],
        3,
    );
    e.ok(&[
        "upload",
        &id,
        e.home.path().join("data/a.csv").to_str().expect("utf8"),
        "--replace",
    ]);

    let files = e.json(&["draft", "files", &id]);
    assert_eq!(files["entries"].as_array().map(Vec::len), Some(3));
    e.ok(&["draft", "file-delete", &id, "notes.md"]);
    let table = e.ok(&["draft", "files", &id]);
    assert!(
        table.contains("sub/b.txt") && !table.contains("notes.md"),
        "{table}"
    );

    let rec = e.json(&["draft", "publish", &id]);
    assert_eq!(rec["is_published"], true);
    let server = e
        .http()
        .get(&format!("/records/{id}"), Some(e.sandbox.token()));
    assert_eq!(
        strip_volatile(e.json(&["record", "get", &id])),
        strip_volatile(server)
    );
    let rf = e.json(&["record", "files", &id]);
    assert_eq!(rf["entries"].as_array().map(Vec::len), Some(2));
    let one = e.json(&["record", "file", &id, "sub/b.txt"]);
    assert_eq!(one["size"], 3);

    // Download everything, verified; again: skipped; other content: refused without --force.
    let out_dir = e.home.path().join("out");
    let dl = e.lines(&["download", &id, "-o", out_dir.to_str().expect("utf8")]);
    assert_eq!(dl.len(), 2);
    assert_eq!(
        std::fs::read(out_dir.join("sub/b.txt")).expect("file"),
        b"bee"
    );
    assert_eq!(
        std::fs::read(out_dir.join("a.csv")).expect("file"),
        b"changed\n"
    );
    let out = e
        .irdm()
        .args(["download", &id, "-o", out_dir.to_str().expect("utf8")])
        .output()
        .expect("runs");
    assert!(out.status.success() && String::from_utf8_lossy(&out.stderr).contains("already there"));
    std::fs::write(out_dir.join("a.csv"), b"local edit").expect("write");
    e.fails(
        &[
            "download",
            &id,
            "a.csv",
            "-o",
            out_dir.to_str().expect("utf8"),
        ],
        3,
    );
    assert_eq!(
        std::fs::read(out_dir.join("a.csv")).expect("file"),
        b"local edit",
        "nothing overwritten"
    );
    e.ok(&[
        "download",
        &id,
        "a.csv",
        "-o",
        out_dir.to_str().expect("utf8"),
        "--force",
    ]);
    assert_eq!(
        std::fs::read(out_dir.join("a.csv")).expect("file"),
        b"changed\n"
    );

    // Search (table and JSON lines), all pages.
    let table = e.ok(&["search", "ocean", "--size", "1"]);
    assert!(table.starts_with("ID") && table.contains(&id), "{table}");
    let hits = e.lines(&["search", "--all", "--size", "1"]);
    assert_eq!(hits.len(), 1);
    let mine = e.lines(&["search", "--mine"]);
    assert!(mine.iter().any(|h| h["id"] == id.as_str()));

    // Edit, update from YAML, publish.
    e.json(&["draft", "edit", &id]);
    let newmeta = e.write(
        "meta2.yaml",
        META_YAML.replace("from the CLI", "edited").as_bytes(),
    );
    let upd = e.json(&[
        "draft",
        "update",
        &id,
        "--metadata",
        newmeta.to_str().expect("utf8"),
    ]);
    assert_eq!(upd["metadata"]["title"], "Ocean temperature edited");
    assert_eq!(
        upd["access"]["record"], "public",
        "access kept from the server's draft"
    );
    e.json(&["draft", "publish", &id]);

    // New version: import files, publish.
    let nv = e.json(&["draft", "new-version", &id]);
    let v2 = nv["id"].as_str().expect("id").to_string();
    let imported = e.json(&["draft", "import-files", &v2]);
    assert_eq!(imported["entries"].as_array().map(Vec::len), Some(2));
    let meta3 = e.write("meta3.json", br#"{"metadata": {"title": "Ocean temperature v2", "resource_type": {"id": "dataset"}, "publication_date": "2026-11-27", "version": "v2", "creators": [{"person_or_org": {"type": "organizational", "name": "Lab"}}]}}"#);
    e.json(&[
        "draft",
        "update",
        &v2,
        "--metadata",
        meta3.to_str().expect("utf8"),
    ]);
    e.json(&["draft", "publish", &v2]);
    let versions = e.lines(&["record", "versions", &id]);
    assert_eq!(versions.len(), 2);
    assert_eq!(e.json(&["record", "latest", &id])["id"], v2.as_str());

    // Every listing in --json is the server's documents, one per line.
    let tok = Some(e.sandbox.token());
    let server_files = e.http().get(&format!("/records/{v2}/files"), tok);
    assert_eq!(
        strip_volatile(e.json(&["record", "files", &v2])),
        strip_volatile(server_files)
    );
    let server_versions = e.http().get(
        &format!("/records/{id}/versions?allversions=true&size=100"),
        tok,
    );
    let cli_versions: Vec<Value> = e
        .lines(&["record", "versions", &id])
        .into_iter()
        .map(strip_volatile)
        .collect();
    let raw_versions: Vec<Value> = server_versions["hits"]["hits"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(strip_volatile)
        .collect();
    assert_eq!(cli_versions, raw_versions);
    let server_search = e.http().get("/records?q=Ocean&sort=newest", tok);
    let cli_search: Vec<Value> = e
        .lines(&["search", "Ocean", "--sort", "newest"])
        .into_iter()
        .map(strip_volatile)
        .collect();
    let raw_search: Vec<Value> = server_search["hits"]["hits"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .map(strip_volatile)
        .collect();
    assert_eq!(cli_search, raw_search);
    let server_term = e.http().get("/vocabularies/licenses/cc-by-4.0", tok);
    assert_eq!(
        e.json(&["vocab", "licenses", "--id", "cc-by-4.0"]),
        server_term
    );

    // Request logs never show the token.
    let out = e
        .irdm()
        .args(["-vv", "record", "get", &id])
        .output()
        .expect("runs");
    let log = String::from_utf8_lossy(&out.stderr);
    assert!(
        log.contains("request") && !log.contains(e.sandbox.token()),
        "{log}"
    );

    // Links and DOI.
    let link = e.json(&[
        "links",
        "create",
        &v2,
        "--permission",
        "preview",
        "--expires",
        "2099-01-01",
    ]);
    let lid = link["id"].as_str().expect("id").to_string();
    assert_eq!(e.lines(&["links", "list", &v2]).len(), 1);
    assert_eq!(
        e.json(&["links", "get", &v2, &lid])["permission"],
        "preview"
    );
    assert_eq!(
        e.json(&["links", "update", &v2, &lid, "--permission", "edit"])["permission"],
        "edit"
    );
    e.ok(&["links", "delete", &v2, &lid]);
    assert!(e.lines(&["links", "list", &v2]).is_empty());
    e.fails(&["links", "create", &v2, "--permission", "owner"], 1);

    let d = e.json(&["draft", "create"]);
    let did = d["id"].as_str().expect("id").to_string();
    let doi = e.ok(&["doi", "reserve", &did]);
    assert!(doi.trim().starts_with("10.1234/"), "{doi}");
    let back = e.json(&["doi", "discard", &did]);
    assert!(back["pids"].get("doi").is_none());
    e.ok(&["draft", "delete", &did]);
    e.fails(&["draft", "get", &did], 4);
}

#[test]
fn ping_config_vocab_and_completions() {
    let e = env();
    let out = e.ok(&["ping"]);
    assert!(out.contains("token accepted"), "{out}");
    let p = e.json(&["ping"]);
    assert_eq!(p["authenticated"], true);

    let cfg = e.ok(&["config"]);
    assert!(cfg.contains("environment variable INVENIORDM_URL"), "{cfg}");
    assert!(
        !cfg.contains(e.sandbox.token()),
        "the token is masked: {cfg}"
    );
    assert!(cfg.contains(&format!(
        "****{}",
        &e.sandbox.token()[e.sandbox.token().len() - 4..]
    )));

    // Precedence: flag over environment over .env over profile.
    std::fs::create_dir_all(e.home.path().join("config/irdm")).expect("mkdir");
    std::fs::write(
        e.home.path().join("config/irdm/config.toml"),
        format!(
            "[profiles.local]\nurl = \"{}\"\ntoken = \"profile-token-abcd\"\n",
            e.sandbox.url()
        ),
    )
    .expect("write");
    let out = e
        .irdm()
        .env_remove("INVENIORDM_URL")
        .env_remove("INVENIORDM_TOKEN")
        .args(["--profile", "local", "--json", "config"])
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        v["url_source"]
            .as_str()
            .unwrap_or("")
            .starts_with("profile local"),
        "{v}"
    );
    assert_eq!(v["token"], "****abcd");
    // A token only goes with a URL from the same place: the profile's token is not sent to
    // the URL from the environment.
    let out = e
        .irdm()
        .env_remove("INVENIORDM_TOKEN")
        .args(["--profile", "local", "--json", "config"])
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        v["url_source"]
            .as_str()
            .unwrap_or("")
            .contains("INVENIORDM_URL"),
        "{v}"
    );
    assert!(v["token"].is_null(), "{v}");
    assert!(
        v["ignored_token_source"]
            .as_str()
            .unwrap_or("")
            .starts_with("profile local"),
        "{v}"
    );
    std::fs::write(
        e.home.path().join(".env"),
        format!(
            "INVENIORDM_URL={}\nINVENIORDM_TOKEN=dotenv-token-wxyz\n",
            e.sandbox.url()
        ),
    )
    .expect("write");
    let out = e
        .irdm()
        .env_remove("INVENIORDM_URL")
        .env_remove("INVENIORDM_TOKEN")
        .args(["--json", "config"])
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert!(
        v["token_source"]
            .as_str()
            .unwrap_or("")
            .starts_with(".env file"),
        "{v}"
    );
    assert!(
        v["url_source"]
            .as_str()
            .unwrap_or("")
            .starts_with(".env file"),
        "{v}"
    );
    assert_eq!(v["token"], "****wxyz");
    let out = e
        .irdm()
        .args(["--token", "flag-token-1234", "--json", "config"])
        .output()
        .expect("runs");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["token_source"], "command-line flag");
    e.fails(&["--profile", "nope", "ping"], 1);

    let langs = e.lines(&["vocab", "languages", "english"]);
    assert!(langs.iter().any(|t| t["id"] == "eng"));
    let table = e.ok(&["vocab", "licenses", "--id", "cc-by-4.0"]);
    assert!(
        table.contains("Creative Commons Attribution 4.0"),
        "{table}"
    );
    let aff = e.lines(&["vocab", "affiliations", "--size", "2"]);
    assert_eq!(aff.len(), 2);
    e.fails(&["vocab", "languages", "--id", "xxx"], 4);

    let out = e.ok(&["completions", "bash"]);
    assert!(out.contains("irdm"));
}

#[test]
fn error_paths_have_clear_messages_and_exit_codes() {
    let e = env();
    // Bad token: reads work anonymously, writes are refused.
    let out = e
        .irdm()
        .env("INVENIORDM_TOKEN", "not-a-valid-token")
        .args(["draft", "create"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("permission denied") && !err.contains("not-a-valid-token"),
        "{err}"
    );
    // Unknown id.
    let out = e.fails(&["record", "get", "zzzzz-zzzzz"], 4);
    assert!(String::from_utf8_lossy(&out.stderr).contains("not found"));
    // Invalid metadata: the draft is saved, the problems shown; publish refused with fields.
    let bad = e.write(
        "bad.json",
        br#"{"title": "ab", "publication_date": "yesterday"}"#,
    );
    let out = e.ok(&["draft", "create", "--metadata", bad.to_str().expect("utf8")]);
    assert!(
        out.contains("problem:") && out.contains("metadata.title"),
        "{out}"
    );
    let id = out.split_whitespace().nth(1).expect("id").to_string();
    let out = e.fails(&["draft", "publish", &id], 3);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot publish")
            && err.contains("metadata.creators: Missing data for required field."),
        "{err}"
    );
    // A draft saved earlier and edited offline is refused when someone changed it meanwhile.
    let saved = e.ok(&["--json", "draft", "get", &id]);
    let saved_path = e.write("saved.json", saved.as_bytes());
    let fix = e.write("fix.yaml", META_YAML.as_bytes());
    e.ok(&[
        "draft",
        "update",
        &id,
        "--metadata",
        fix.to_str().expect("utf8"),
    ]);
    let out = e.fails(
        &[
            "draft",
            "update",
            &id,
            "--metadata",
            saved_path.to_str().expect("utf8"),
        ],
        3,
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("changed on the server"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Draft keys and metadata keys mixed in one file are refused, not guessed.
    let mixed = e.write("mixed.json", br#"{"custom_fields": {}, "title": "x"}"#);
    let out = e.fails(
        &[
            "draft",
            "update",
            &id,
            "--metadata",
            mixed.to_str().expect("utf8"),
        ],
        1,
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("mixes draft keys"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Unreadable metadata input.
    let junk = e.write("junk.txt", b": : :\n\t- [");
    let out = e.fails(
        &[
            "draft",
            "create",
            "--metadata",
            junk.to_str().expect("utf8"),
        ],
        1,
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("neither JSON"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    e.fails(&["draft", "create", "--metadata", "/no/such/file.yaml"], 1);
    // Usage errors.
    e.fails(&["search", "--size", "many"], 2);
    e.fails(&["frobnicate"], 2);
    // No server.
    let out = e
        .irdm()
        .env("INVENIORDM_URL", "http://127.0.0.1:9")
        .args(["record", "get", "x"])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = e
        .irdm()
        .env_remove("INVENIORDM_URL")
        .args(["ping"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no server URL"));
    // Another user's draft.
    let d = e.json(&["draft", "create"]);
    let did = d["id"].as_str().expect("id");
    let out = e
        .irdm()
        .env("INVENIORDM_TOKEN", "other-token")
        .args(["draft", "get", did])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(3));
}

#[test]
fn an_interrupted_download_leaves_no_complete_looking_file() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (base, id) = seeded(
        dir.path(),
        "tok-interrupt",
        ("big.bin", &vec![42u8; 3_000_000]),
        true,
    );
    let e = env_with(SandboxConfig {
        faults: Faults {
            rate_drop: 1.0,
            ..Faults::default()
        },
        ..base
    });
    let out_dir = e.home.path().join("dl");
    let out = e
        .irdm()
        .args(["download", &id, "-o", out_dir.to_str().expect("utf8")])
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(5),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !out_dir.join("big.bin").exists(),
        "no complete-looking file"
    );
    assert!(
        inveniordm::transfer::part_path(&out_dir.join("big.bin")).exists(),
        "the partial download is kept for a resume"
    );
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("may or may not"),
        "a download changes nothing on the server: {err}"
    );
    assert!(err.contains("run the command again"), "{err}");
}

#[test]
fn a_download_broken_once_completes_in_the_same_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = vec![7u8; 2_000_000];
    let (base, id) = seeded(dir.path(), "tok-once", ("big.bin", &data), true);
    let e = env_with(SandboxConfig {
        faults: Faults {
            drop_first: 1,
            ..Faults::default()
        },
        ..base
    });
    let out_dir = e.home.path().join("dl");
    let lines = e.lines(&["download", &id, "-o", out_dir.to_str().expect("utf8")]);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert_eq!(lines[0]["verified"], true);
    assert_eq!(std::fs::read(out_dir.join("big.bin")).expect("read"), data);
}

#[test]
fn a_stalled_server_fails_with_the_network_code() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let addr = listener.local_addr().expect("addr");
    // Accepts connections and never answers (bounded: a few connections, then it ends).
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for _ in 0..16 {
            if let Ok((s, _)) = listener.accept() {
                held.push(s);
            }
        }
    });
    let e = env();
    let url = format!("http://{addr}");
    for (flag, env_var) in [(Some("1"), None), (None, Some("1"))] {
        let mut cmd = e.irdm();
        cmd.env("INVENIORDM_URL", &url)
            .args(["record", "get", "abcde-12345"])
            .timeout(std::time::Duration::from_secs(120)); // a hang guard, not a measurement
        if let Some(f) = flag {
            cmd.args(["--timeout", f]);
        }
        if let Some(v) = env_var {
            cmd.env("IRDM_TIMEOUT", v);
        }
        let out = cmd.output().expect("runs");
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(5), "{err}");
        assert!(err.contains("sent nothing for 1 s"), "{err}");
        assert!(err.contains("--timeout"), "{err}");
    }
}

#[test]
fn download_reports_every_failure_and_takes_each_key_once() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (base, id) = seeded(dir.path(), "tok-missing", ("a.csv", b"x,y\n1,2\n"), true);
    let e = env_with(base);
    let out_dir = e.home.path().join("dl");
    let out = e
        .irdm()
        .args([
            "download",
            &id,
            "a.csv",
            "nope-1.csv",
            "a.csv",
            "nope-2.csv",
            "-o",
        ])
        .arg(&out_dir)
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "not found is the worst: {err}");
    assert!(
        err.contains("nope-1.csv") && err.contains("nope-2.csv"),
        "both named: {err}"
    );
    assert!(err.contains("2 files failed"), "{err}");
    assert_eq!(
        std::fs::read(out_dir.join("a.csv")).expect("the file it has"),
        b"x,y\n1,2\n"
    );
}

#[cfg(unix)]
#[test]
fn keys_that_only_windows_forbids_download_here() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (base, id) = seeded(
        dir.path(),
        "tok-colon",
        ("2026-12-02T10:00.csv", b"t,v\n"),
        true,
    );
    let e = env_with(base);
    let out_dir = e.home.path().join("dl");
    e.ok(&["download", &id, "-o", out_dir.to_str().expect("utf8")]);
    assert_eq!(
        std::fs::read(out_dir.join("2026-12-02T10:00.csv")).expect("written as-is"),
        b"t,v\n"
    );
}

#[test]
fn the_demo_runs_and_checks_everything() {
    let out = Command::cargo_bin("irdm")
        .expect("binary")
        .arg("demo")
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("every check held"), "{stdout}");
    assert_eq!(stdout.matches('✓').count(), 12, "{stdout}");
}

#[test]
fn the_sandbox_command_prints_its_address() {
    use std::io::BufRead;
    let bin = assert_cmd::cargo::cargo_bin("irdm");
    let mut child = std::process::Command::new(bin)
        .args(["sandbox", "--listen", "127.0.0.1:0", "--token", "t"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    std::io::BufReader::new(stdout)
        .read_line(&mut line)
        .expect("line");
    let _ = child.kill();
    let _ = child.wait();
    assert!(line.starts_with("listening on http://127.0.0.1:"), "{line}");
}

#[test]
fn a_publish_answered_504_after_it_happened_is_reported_as_done() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (base, id) = seeded(dir.path(), "tok-504", ("f.txt", b"content"), false);
    let e = env_with(SandboxConfig {
        faults: Faults {
            rate_504_after: 1.0,
            ..Faults::default()
        },
        ..base
    });
    let out = e
        .irdm()
        .args(["--json", "draft", "publish", &id])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).expect("the record");
    assert_eq!(v["is_published"], true);
}

fn keys_of(lines: &[Value]) -> Vec<String> {
    let mut k: Vec<String> = lines
        .iter()
        .map(|l| l["key"].as_str().expect("key").to_string())
        .collect();
    k.sort();
    k
}

#[test]
fn folder_uploads_skip_hidden_and_ignored_files() {
    let e = env();
    for (name, data) in [
        ("data/a.csv", &b"1"[..]),
        ("data/.DS_Store", b"x"),
        ("data/.git/config", b"[core]"),
        ("data/notes.bak", b"old"),
        ("data/tmp/x.log", b"log"),
        ("data/sub/b.csv", b"2"),
        ("data/sub/c.csv", b"3"),
        ("data/sub/.hidden", b"h"),
        ("data/.irdmignore", b"*.bak\ntmp/\n"),
    ] {
        e.write(name, data);
    }
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    let d = e.json(&[
        "draft",
        "create",
        "--metadata",
        meta.to_str().expect("utf8"),
    ]);
    let id = d["id"].as_str().expect("id");
    let data = e.home.path().join("data");
    let data = data.to_str().expect("utf8");
    let planned = e.lines(&["upload", id, data, "--exclude", "sub/b.csv", "--dry-run"]);
    assert_eq!(keys_of(&planned), ["a.csv", "sub/c.csv"]);
    let files = e.json(&["draft", "files", id]);
    assert!(
        files["entries"].as_array().is_none_or(|a| a.is_empty()),
        "a dry run sends nothing: {files}"
    );
    let with_hidden = e.lines(&["upload", id, data, "--include-hidden", "--dry-run"]);
    assert_eq!(
        keys_of(&with_hidden),
        [
            ".DS_Store",
            ".git/config",
            "a.csv",
            "sub/.hidden",
            "sub/b.csv",
            "sub/c.csv"
        ]
    );
    let sent = e.lines(&["upload", id, data, "--exclude", "sub/b.csv"]);
    assert_eq!(keys_of(&sent), ["a.csv", "sub/c.csv"]);
    let listed: Vec<String> = {
        let f = e.json(&["draft", "files", id]);
        let mut k: Vec<String> = f["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|x| x["key"].as_str().expect("key").to_string())
            .collect();
        k.sort();
        k
    };
    assert_eq!(
        listed,
        ["a.csv", "sub/c.csv"],
        "exactly the expected keys on the server"
    );
    // A hidden file named on the command line is uploaded.
    let one = e.lines(&[
        "upload",
        id,
        e.home.path().join("data/.DS_Store").to_str().expect("utf8"),
    ]);
    assert_eq!(keys_of(&one), [".DS_Store"]);
    let help = e.ok(&["upload", "--help"]);
    assert!(
        help.contains("Hidden files") && help.contains(".irdmignore"),
        "{help}"
    );
}

#[test]
fn a_draft_id_given_to_record_commands_is_named_as_a_draft() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (base, draft) = seeded(dir.path(), "tok-hint", ("a.csv", b"1"), false);
    let e = env_with(base);
    let out = e.fails(&["record", "get", &draft], 4);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("is a draft") && err.contains(&format!("irdm draft get {draft}")),
        "{err}"
    );
    let out = e.fails(&["record", "files", &draft], 4);
    assert!(String::from_utf8_lossy(&out.stderr).contains("irdm draft files"));
    let rec = e.json(&["draft", "publish", &draft]);
    let id = rec["id"].as_str().expect("id");
    let out = e.fails(&["draft", "get", id], 4);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(&format!("irdm record get {id}")), "{err}");
    // An id that is neither: no hint, plain not found.
    let out = e.fails(&["record", "get", "zzzzz-zzzzz"], 4);
    assert!(!String::from_utf8_lossy(&out.stderr).contains("is a draft"));
}

#[test]
fn set_and_unset_change_single_fields_and_keep_the_rest() {
    let e = env();
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    let d = e.json(&[
        "draft",
        "create",
        "--metadata",
        meta.to_str().expect("utf8"),
    ]);
    let id = d["id"].as_str().expect("id").to_string();
    let before = e.json(&["draft", "get", &id]);
    let saved = e.write("saved.json", before.to_string().as_bytes());
    let after = e.json(&[
        "draft",
        "update",
        &id,
        "--set",
        "title=Ocean temperature, revised",
        "--set",
        "metadata.version=v2",
        "--set",
        "metadata.languages=[{\"id\": \"eng\"}]",
        "--unset",
        "metadata.publication_date",
    ]);
    assert_eq!(after["metadata"]["title"], "Ocean temperature, revised");
    assert_eq!(after["metadata"]["version"], "v2");
    assert_eq!(after["metadata"]["languages"][0]["id"], "eng");
    assert!(after["metadata"].get("publication_date").is_none());
    // Everything else is as it was.
    for k in ["access", "files", "pids", "custom_fields"] {
        assert_eq!(after.get(k), before.get(k), "{k} changed");
    }
    assert_eq!(
        after["metadata"]["creators"],
        before["metadata"]["creators"]
    );
    assert_eq!(
        after["metadata"]["resource_type"],
        before["metadata"]["resource_type"]
    );
    // A revision read before that change is stale: refused, nothing overwritten.
    let out = e.fails(
        &[
            "draft",
            "update",
            &id,
            "--metadata",
            saved.to_str().expect("utf8"),
            "--set",
            "title=Stale",
        ],
        3,
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("changed on the server"));
    let now = e.json(&["draft", "get", &id]);
    assert_eq!(now["metadata"]["title"], "Ocean temperature, revised");
    // A path that is not there, and an update with nothing to do, are refused.
    e.fails(&["draft", "update", &id, "--unset", "metadata.nope"], 1);
    e.fails(&["draft", "update", &id], 1);
    // Publishing without the removed field names the command that sets it.
    let out = e.fails(&["draft", "publish", &id], 3);
    let err = String::from_utf8_lossy(&out.stderr);
    let last = err.trim_end().lines().last().unwrap_or("");
    assert!(
        last.contains(&format!(
            "irdm draft update {id} --set metadata.publication_date=VALUE"
        )),
        "{err}"
    );
}

#[test]
fn a_new_version_in_one_command() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (base, id) = seeded(dir.path(), "tok-nv", ("data.csv", b"a,b\n"), true);
    let e = env_with(base);
    let v2 = e.json(&[
        "draft",
        "new-version",
        &id,
        "--import-files",
        "--set",
        "metadata.publication_date=2026-12-03",
        "--set",
        "metadata.version=\"2.0\"",
    ]);
    let v2id = v2["id"].as_str().expect("id");
    assert_ne!(v2id, id);
    assert_eq!(v2["metadata"]["publication_date"], "2026-12-03");
    assert_eq!(v2["metadata"]["version"], "2.0");
    let files = e.json(&["draft", "files", v2id]);
    assert_eq!(files["entries"][0]["key"], "data.csv", "{files}");
    let published = e.json(&["draft", "publish", v2id]);
    assert_eq!(published["metadata"]["version"], "2.0");
}

#[test]
fn exports_and_citations() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (base, id) = seeded(dir.path(), "tok-export", ("a.csv", b"1"), true);
    let e = env_with(base);
    let bib = e.ok(&["record", "export", &id, "--format", "bibtex"]);
    assert!(bib.starts_with("@dataset{lovelace_2026_"), "{bib}");
    assert!(bib.contains("Ocean temperature from the CLI"), "{bib}");
    let out = e.home.path().join("exports/r.csl.json");
    std::fs::create_dir_all(out.parent().expect("parent")).expect("mkdir");
    e.ok(&[
        "record",
        "export",
        &id,
        "-f",
        "csl",
        "-o",
        out.to_str().expect("utf8"),
    ]);
    let csl: Value = serde_json::from_slice(&std::fs::read(&out).expect("written")).expect("JSON");
    assert_eq!(csl["author"][0]["family"], "Lovelace");
    let dc: Value = serde_json::from_str(&e.ok(&["record", "export", &id, "-f", "datacite-json"]))
        .expect("DataCite JSON");
    assert_eq!(dc["titles"][0]["title"], "Ocean temperature from the CLI");
    // A format the sandbox does not produce is the server's refusal (406), nothing written.
    let xml = e.home.path().join("exports/r.xml");
    let o = e.fails(
        &[
            "record",
            "export",
            &id,
            "-f",
            "datacite-xml",
            "-o",
            xml.to_str().expect("utf8"),
        ],
        3,
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("406"));
    assert!(!xml.exists());
    let o = e.fails(&["record", "export", &id, "-f", "nope"], 1);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("bibtex, csv"),
        "lists the formats"
    );
    let cite = e.ok(&["record", "cite", &id]);
    assert!(
        cite.starts_with("Lovelace, A. (2026). Ocean temperature from the CLI"),
        "{cite}"
    );
    e.fails(&["record", "cite", &id, "--style", "no-such-style"], 3);
}

#[test]
fn the_raw_api_command() {
    let e = env();
    let body = e.write(
        "draft.json",
        br#"{"metadata": {"title": "Raw API draft", "resource_type": {"id": "dataset"}, "publication_date": "2026-12-03",
            "creators": [{"person_or_org": {"type": "personal", "family_name": "Lovelace", "given_name": "Ada"}}]},
            "files": {"enabled": false}, "access": {"record": "public", "files": "public"}}"#,
    );
    let mut ids = Vec::new();
    for _ in 0..3 {
        let d: Value = serde_json::from_str(&e.ok(&[
            "api",
            "-X",
            "POST",
            "records",
            "--input",
            body.to_str().expect("utf8"),
        ]))
        .expect("JSON");
        let id = d["id"].as_str().expect("id").to_string();
        e.ok(&[
            "api",
            "-X",
            "POST",
            &format!("records/{id}/draft/actions/publish"),
        ]);
        ids.push(id);
    }
    let one: Value =
        serde_json::from_str(&e.ok(&["api", &format!("records/{}", ids[0])])).expect("JSON");
    assert_eq!(one["metadata"]["title"], "Raw API draft");
    // Pages of one hit each, followed to the end: one line per hit.
    let out = e.ok(&[
        "api",
        "records?q=%22Raw%20API%20draft%22&size=1",
        "--paginate",
    ]);
    let got: Vec<String> = out
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).expect("a JSON line")["id"]
                .as_str()
                .expect("id")
                .to_string()
        })
        .collect();
    assert_eq!(got.len(), 3, "{out}");
    for id in &ids {
        assert!(got.contains(id), "{id} in {got:?}");
    }
    // The same rules as the typed commands: paths stay on the API root, errors keep their codes.
    e.fails(&["api", "http://127.0.0.2:9/api/records"], 2);
    e.fails(&["api", "records/zzzzz-zzzzz"], 4);
    e.fails(&["api", "-X", "POST", "records/zzzzz-zzzzz/draft"], 4);
}

#[test]
fn progress_as_json_events() {
    let e = env();
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    let d = e.json(&[
        "draft",
        "create",
        "--metadata",
        meta.to_str().expect("utf8"),
    ]);
    let id = d["id"].as_str().expect("id");
    let a = e.write("p/a.bin", &vec![1u8; 300_000]);
    e.write("p/empty.txt", b"");
    let dir = a.parent().expect("dir").to_str().expect("utf8").to_string();
    let events = |out: &Output| -> Vec<Value> {
        String::from_utf8_lossy(&out.stderr)
            .lines()
            .filter(|l| l.starts_with('{'))
            .map(|l| serde_json::from_str(l).expect("a JSON event"))
            .collect()
    };
    let out = e
        .irdm()
        .args(["--progress", "json", "upload", id, &dir])
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let ev = events(&out);
    let of = |key: &str, kind: &str| {
        ev.iter()
            .filter(|v| v["key"] == key && v["event"] == kind)
            .count()
    };
    assert_eq!(of("a.bin", "started"), 1, "{ev:?}");
    assert_eq!(of("a.bin", "finished"), 1, "{ev:?}");
    assert_eq!(of("empty.txt", "finished"), 1, "{ev:?}");
    let done = ev
        .iter()
        .find(|v| v["key"] == "a.bin" && v["event"] == "finished")
        .expect("finished");
    assert_eq!(done["bytes"], 300_000);
    assert_eq!(done["direction"], "upload");
    // Again: both are there already.
    let out = e
        .irdm()
        .args(["--progress", "json", "upload", id, &dir])
        .output()
        .expect("runs");
    let ev = events(&out);
    assert_eq!(
        ev.iter().filter(|v| v["event"] == "skipped").count(),
        2,
        "{ev:?}"
    );
    // A failure is an event too.
    let out = e
        .irdm()
        .args([
            "--progress",
            "json",
            "download",
            id,
            "nope",
            "--draft",
            "-o",
        ])
        .arg(e.home.path().join("dl"))
        .output()
        .expect("runs");
    let ev = events(&out);
    assert!(
        ev.iter()
            .any(|v| v["event"] == "failed" && v["key"] == "nope"),
        "{ev:?}"
    );
}

impl Env {
    /// `irdm` as the second user, `other`.
    fn as_other(&self, args: &[&str]) -> Output {
        self.irdm()
            .env("INVENIORDM_TOKEN", "other-token")
            .args(args)
            .output()
            .expect("runs")
    }

    fn other_json(&self, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let out = self.as_other(&a);
        assert!(
            out.status.success(),
            "irdm {args:?} as other: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).expect("one JSON document")
    }

    /// A metadata-only record of the main user's, published with this `access` (JSON); its id.
    fn published_with_access(&self, name: &str, access: &str) -> String {
        let meta = self.write(&format!("{name}.yaml"), META_YAML.as_bytes());
        let d = self.json(&[
            "draft",
            "create",
            "--metadata",
            meta.to_str().expect("utf8"),
        ]);
        let id = d["id"].as_str().expect("id").to_string();
        let access = format!("access={access}");
        self.json(&[
            "draft",
            "update",
            &id,
            "--set",
            "files.enabled=false",
            "--set",
            &access,
        ]);
        self.json(&["draft", "publish", &id]);
        id
    }

    /// A draft of the user `other` submitted to `community`: the draft's and the request's ids.
    fn submitted_by_other(&self, title: &str, community: &str) -> (String, String) {
        let id = self.other_draft(title);
        let out = self.as_other(&["review", "submit", &id, "--community", community]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let request = self.other_json(&["review", "get", &id])["id"]
            .as_str()
            .expect("id")
            .to_string();
        (id, request)
    }

    /// A metadata-only draft of the user `other`; its id.
    fn other_draft(&self, title: &str) -> String {
        let meta = self.write(
            &format!("{title}.yaml"),
            META_YAML
                .replace("Ocean temperature from the CLI", title)
                .as_bytes(),
        );
        let d = self.other_json(&[
            "draft",
            "create",
            "--metadata",
            meta.to_str().expect("utf8"),
        ]);
        let id = d["id"].as_str().expect("id").to_string();
        self.other_json(&["draft", "update", &id, "--set", "files.enabled=false"]);
        id
    }
}

#[test]
fn communities_review_and_requests() {
    let e = env();
    let c = e.json(&[
        "communities",
        "create",
        "--slug",
        "ocean-lab",
        "--title",
        "Ocean lab",
    ]);
    let cid = c["id"]
        .as_str()
        .expect("--json prints the community with its id");
    assert_eq!(c["slug"], "ocean-lab");
    assert_eq!(e.json(&["communities", "get", "ocean-lab"])["id"], cid);
    let listed = e.lines(&["communities", "list", "--mine"]);
    assert_eq!(listed.len(), 1);
    let updated = e.json(&[
        "communities",
        "update",
        "ocean-lab",
        "--description",
        "Sea data.",
    ]);
    assert_eq!(updated["metadata"]["description"], "Sea data.");
    assert_eq!(
        updated["metadata"]["title"], "Ocean lab",
        "the rest is kept"
    );

    // The second user submits to the community by slug, with a message.
    let did = e.other_draft("Submitted from the CLI");
    let out = e.as_other(&[
        "review",
        "submit",
        &did,
        "--community",
        "ocean-lab",
        "--message",
        "Please <b>add</b> it",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("submitted for review"), "{stdout}");
    let review = e.other_json(&["review", "get", &did]);
    let rid = review["id"].as_str().expect("request id").to_string();
    // The curator's inbox lists it, by the community's slug too; the submitter may not read it.
    let inbox = e.lines(&["communities", "requests", "ocean-lab", "--open"]);
    assert!(inbox.iter().any(|r| r["id"] == rid.as_str()), "{inbox:?}");
    let table = e.ok(&["communities", "requests", "ocean-lab"]);
    assert!(table.contains(&rid), "{table}");
    assert_eq!(
        e.as_other(&["communities", "requests", "ocean-lab"])
            .status
            .code(),
        Some(3)
    );
    assert_eq!(review["status"], "submitted");
    let out = e.as_other(&["review", "delete", &did]);
    assert_eq!(out.status.code(), Some(3), "an open review is not deleted");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("irdm requests cancel"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The curator lists the open requests as the server wrote them, comments and accepts.
    let open = e.lines(&["requests", "list", "--open"]);
    assert!(open.iter().any(|r| r["id"] == rid.as_str()), "{open:?}");
    let table = e.ok(&["requests", "show", &rid]);
    assert!(
        table.contains("accept") && table.contains("decline"),
        "{table}"
    );
    e.ok(&["requests", "comment", &rid, "Thanks & welcome"]);
    let accepted = e.json(&["requests", "accept", &rid, "--message", "In."]);
    assert_eq!(accepted["status"], "accepted");
    let again = e.fails(&["requests", "accept", &rid], 3);
    assert!(!again.stderr.is_empty());
    let timeline = e.ok(&["requests", "timeline", &rid]);
    let order: Vec<usize> = ["Please add it", "Thanks & welcome", "[accepted]", "In."]
        .iter()
        .map(|t| {
            timeline
                .find(t)
                .unwrap_or_else(|| panic!("{t} in {timeline}"))
        })
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "oldest first: {timeline}"
    );
    // The record published in the community: its default community, set and cleared.
    let out = e.ok(&["record", "communities", "default", &did, "ocean-lab"]);
    assert!(out.contains("default community"), "{out}");
    let parent = e.json(&["record", "communities", "default", &did, "--clear"]);
    assert!(parent["communities"]["default"].is_null(), "{parent}");
    let in_community = e.lines(&["record", "communities", "list", &did]);
    assert_eq!(in_community.len(), 1);
    assert_eq!(in_community[0]["id"], cid);
    let records = e.lines(&["communities", "records", "ocean-lab"]);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["id"], did.as_str());

    // Decline and cancel.
    let (declined, rid2) = e.submitted_by_other("Declined from the CLI", "ocean-lab");
    assert_eq!(
        e.json(&["requests", "decline", &rid2])["status"],
        "declined"
    );
    assert_eq!(
        e.other_json(&["draft", "get", &declined])["status"],
        "declined"
    );
    let (cancelled, rid3) = e.submitted_by_other("Cancelled from the CLI", "ocean-lab");
    assert_eq!(
        e.other_json(&["requests", "cancel", &rid3])["status"],
        "cancelled"
    );
    assert_eq!(
        e.other_json(&["draft", "get", &cancelled])["status"],
        "draft"
    );
    let mine = e.as_other(&["--json", "requests", "list", "--mine"]);
    assert_eq!(String::from_utf8_lossy(&mine.stdout).lines().count(), 3);

    // A second community, and removal from the first.
    e.json(&[
        "communities",
        "create",
        "--slug",
        "reef",
        "--title",
        "Reef",
        "--review-policy",
        "open",
    ]);
    let added = e.as_other(&["record", "communities", "add", &did, "reef"]);
    assert!(
        added.status.success(),
        "{}",
        String::from_utf8_lossy(&added.stderr)
    );
    assert!(String::from_utf8_lossy(&added.stdout).contains("submitted"));
    let twice = e.as_other(&["record", "communities", "add", &did, "reef"]);
    assert_eq!(twice.status.code(), Some(3));
    assert!(
        String::from_utf8_lossy(&twice.stderr).contains("already an open inclusion request"),
        "each refused community is named with the reason: {}",
        String::from_utf8_lossy(&twice.stderr)
    );
    e.ok(&["record", "communities", "remove", &did, "ocean-lab"]);
    assert!(e.lines(&["record", "communities", "list", &did]).is_empty());
    // Not deleted while a request to it is open.
    let refused = e.fails(&["communities", "delete", "reef"], 3);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("request open"));
    let inclusion = e
        .lines(&["requests", "list", "--open"])
        .into_iter()
        .find(|r| r["type"] == "community-inclusion")
        .expect("the inclusion request");
    e.json(&["requests", "accept", inclusion["id"].as_str().expect("id")]);
    e.ok(&["communities", "delete", "reef"]);
    e.fails(&["communities", "get", "reef"], 4);
}

#[test]
fn a_publish_refused_for_want_of_a_community_names_the_review_command() {
    let e = env_with(SandboxConfig {
        users: vec![("other".into(), "other-token".into())],
        community_required: true,
        ..SandboxConfig::default()
    });
    e.json(&[
        "communities",
        "create",
        "--slug",
        "only-way",
        "--title",
        "Only way",
    ]);
    let did = e.other_draft("Needs a community");
    let out = e.as_other(&["draft", "publish", &did]);
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("Cannot publish without selecting a community"),
        "{err}"
    );
    assert!(
        err.lines()
            .last()
            .is_some_and(|l| l.contains(&format!("irdm review submit {did} --community"))),
        "{err}"
    );
    e.as_other(&["review", "submit", &did, "--community", "only-way"]);
    let rid = e.other_json(&["review", "get", &did])["id"]
        .as_str()
        .expect("id")
        .to_string();
    e.json(&["requests", "accept", &rid]);
    assert_eq!(e.other_json(&["record", "get", &did])["is_published"], true);
}

#[test]
fn access_grants_settings_and_requests() {
    let e = env();
    let id = e.published_with_access(
        "restricted",
        r#"{"record": "restricted", "files": "restricted"}"#,
    );
    assert_eq!(e.as_other(&["record", "get", &id]).status.code(), Some(3));

    // By username; then the grant is listed, and revoked by number.
    let out = e.ok(&[
        "access",
        "grant",
        &id,
        "--user",
        "other",
        "--permission",
        "view",
    ]);
    assert!(out.contains("other (user 2) may now view"), "{out}");
    assert!(e.as_other(&["record", "get", &id]).status.success());
    e.fails(
        &["access", "grant", &id, "--user", "other@sandbox.invalid"],
        3,
    );
    let grants = e.lines(&["access", "grants", &id]);
    assert_eq!(grants.len(), 1);
    assert_eq!(grants[0]["subject"]["id"], "2");
    assert_eq!(grants[0]["id"], 0);
    e.ok(&["access", "revoke", &id, "0"]);
    assert_eq!(e.as_other(&["record", "get", &id]).status.code(), Some(3));
    let nobody = e.fails(&["access", "grant", &id, "--user", "nobody"], 2);
    assert!(String::from_utf8_lossy(&nobody.stderr).contains("no user"));
    e.fails(
        &[
            "access",
            "grant",
            &id,
            "--user",
            "other",
            "--permission",
            "own",
        ],
        1,
    );

    // A record with restricted files: the other user asks, the owner accepts.
    let fid = e.published_with_access("files", r#"{"record": "public", "files": "restricted"}"#);
    let settings = e.json(&[
        "access",
        "settings",
        &fid,
        "--allow-user-requests",
        "true",
        "--link-days",
        "30",
    ]);
    assert_eq!(settings["allow_user_requests"], true);
    assert_eq!(settings["secret_link_expiration"], 30);
    assert_eq!(settings["allow_guest_requests"], false, "the rest is kept");
    let asked = e.other_json(&[
        "access",
        "request",
        &fid,
        "--email",
        "other@sandbox.invalid",
        "--message",
        "Please",
    ]);
    assert_eq!(asked["type"], "user-access-request");
    let rid = asked["id"].as_str().expect("id").to_string();
    assert_eq!(
        e.as_other(&["record", "files", &fid]).status.code(),
        Some(3)
    );
    e.json(&["requests", "accept", &rid]);
    assert!(e.as_other(&["record", "files", &fid]).status.success());
    let grants = e.lines(&["access", "grants", &fid]);
    assert_eq!(grants[0]["origin"], format!("request:{rid}"));
}

#[test]
fn uploads_in_parts() {
    let e = env();
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    let d = e.json(&[
        "draft",
        "create",
        "--metadata",
        meta.to_str().expect("utf8"),
    ]);
    let id = d["id"].as_str().expect("id").to_string();
    let data: Vec<u8> = (0..300_000u32).map(|i| (i % 251) as u8).collect();
    let p = e.write("big.bin", &data);
    let out = e.ok(&[
        "--json",
        "upload",
        &id,
        p.to_str().expect("utf8"),
        "--multipart",
        "always",
        "--part-size",
        "100KiB",
        "--parallel-parts",
        "2",
    ]);
    assert!(out.contains("big.bin"), "{out}");
    let files = e.lines(&["draft", "files", &id]);
    let md5: String = <md5::Md5 as md5::Digest>::digest(&data)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(files[0]["entries"][0]["checksum"], format!("md5:{md5}"));
    // Sizes are written with units; a wrong one is a usage error.
    let bad = e.fails(
        &[
            "upload",
            &id,
            p.to_str().expect("utf8"),
            "--part-size",
            "12 parsecs",
        ],
        2,
    );
    assert!(String::from_utf8_lossy(&bad.stderr).contains("unknown unit"));
}

/// Serves `body` to every request on a free loopback port, on a thread; its `host:port`.
fn serve_forever(body: Vec<u8>) -> String {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let host = listener.local_addr().expect("addr").to_string();
    std::thread::spawn(move || {
        for s in listener.incoming().flatten() {
            let mut s = s;
            let mut req = [0u8; 2048];
            let _ = s.read(&mut req);
            let mut r = format!(
                "HTTP/1.1 200 OK\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            )
            .into_bytes();
            r.extend_from_slice(&body);
            let _ = s.write_all(&r);
        }
    });
    host
}

#[test]
fn the_server_fetches_a_file_by_url() {
    let body: Vec<u8> = (0..50_000u32).map(|i| (i % 241) as u8).collect();
    let host = serve_forever(body.clone());
    let e = env_with(SandboxConfig {
        fetch_domains: vec![host.clone()],
        ..SandboxConfig::default()
    });
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    let d = e.json(&[
        "draft",
        "create",
        "--metadata",
        meta.to_str().expect("utf8"),
    ]);
    let id = d["id"].as_str().expect("id").to_string();
    let md5: String = <md5::Md5 as md5::Digest>::digest(&body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let url = format!("http://{host}/remote.bin");
    let entry = e.json(&[
        "upload",
        &id,
        "--from-url",
        &url,
        "--key",
        "remote.bin",
        "--md5",
        &md5,
    ]);
    assert_eq!(entry["checksum"], format!("md5:{md5}"));
    // A URL needs a key, and does not go with local paths.
    e.fails(&["upload", &id, "--from-url", &url], 2);
}

#[test]
fn a_remote_file_is_linked_and_downloaded_through_the_redirect() {
    let body: Vec<u8> = (0..70_000u32).map(|i| (i % 239) as u8).collect();
    let host = serve_forever(body.clone());
    let e = env_with(SandboxConfig {
        remote_domains: vec![host.clone()],
        ..SandboxConfig::default()
    });
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    let d = e.json(&[
        "draft",
        "create",
        "--metadata",
        meta.to_str().expect("utf8"),
    ]);
    let id = d["id"].as_str().expect("id").to_string();
    let md5: String = <md5::Md5 as md5::Digest>::digest(&body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    let url = format!("http://{host}/linked.bin");
    let size = body.len().to_string();
    let entry = e.json(&[
        "upload",
        &id,
        "--remote-url",
        &url,
        "--key",
        "linked.bin",
        "--size",
        &size,
        "--md5",
        &md5,
    ]);
    assert_eq!(entry["transfer"]["type"], "R");
    assert_eq!(entry["status"], "completed");
    assert_eq!(entry["checksum"], format!("md5:{md5}"));
    // --size only goes with a link, --md5 only with a URL.
    e.fails(
        &["upload", &id, meta.to_str().expect("utf8"), "--size", "5"],
        2,
    );
    let no = e.fails(
        &["upload", &id, meta.to_str().expect("utf8"), "--md5", &md5],
        1,
    );
    assert!(String::from_utf8_lossy(&no.stderr).contains("--md5 goes with"));
    e.json(&["draft", "publish", &id]);
    let out = e.home.path().join("out");
    e.ok(&["download", &id, "-o", out.to_str().expect("utf8")]);
    let got = std::fs::read(out.join("linked.bin")).expect("downloaded");
    assert!(
        got == body,
        "the remote bytes, verified against the declared md5"
    );
}

#[test]
fn sync_makes_files_match_a_folder_and_a_second_sync_does_nothing() {
    let e = env();
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    let d = e.json(&[
        "draft",
        "create",
        "--metadata",
        meta.to_str().expect("utf8"),
    ]);
    let id = d["id"].as_str().expect("id").to_string();
    let dir = e.home.path().join("data");
    std::fs::create_dir_all(dir.join("sub")).expect("mkdir");
    std::fs::write(dir.join("a.txt"), b"a1").expect("write");
    std::fs::write(dir.join("sub/b.txt"), b"b1").expect("write");
    let folder = dir.to_str().expect("utf8");
    e.ok(&["sync", folder, "--record", &id]);
    let keys = |rec: &str, draft: bool| -> Vec<String> {
        let mut args = vec!["draft", "files", rec];
        if !draft {
            args = vec!["record", "files", rec];
        }
        let f = e.json(&args);
        let mut k: Vec<String> = f["entries"]
            .as_array()
            .expect("entries")
            .iter()
            .map(|x| x["key"].as_str().unwrap_or("").to_string())
            .collect();
        k.sort();
        k
    };
    assert_eq!(keys(&id, true), vec!["a.txt", "sub/b.txt"]);
    let plan = e.lines(&["sync", folder, "--record", &id, "--dry-run"]);
    assert!(plan.iter().all(|a| a["action"] == "link"), "{plan:?}");
    e.json(&["draft", "publish", &id]);
    // A published record changes only in a new version.
    let refused = e.fails(&["sync", folder, "--record", &id], 1);
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--new-version"));
    std::fs::write(dir.join("a.txt"), b"a2").expect("write");
    std::fs::remove_file(dir.join("sub/b.txt")).expect("rm");
    std::fs::write(dir.join("c.txt"), b"c2").expect("write");
    let plan = e.lines(&[
        "sync",
        folder,
        "--record",
        &id,
        "--new-version",
        "--dry-run",
    ]);
    let summary: Vec<String> = plan
        .iter()
        .map(|a| {
            format!(
                "{} {}",
                a["action"].as_str().unwrap_or(""),
                a["key"].as_str().unwrap_or("")
            )
        })
        .collect();
    assert_eq!(
        summary,
        vec!["upload a.txt", "upload c.txt", "leave_out sub/b.txt"]
    );
    let versions = e.lines(&["record", "versions", &id]);
    assert_eq!(versions.len(), 1, "the dry run made no version");
    let out = e.lines(&[
        "sync",
        folder,
        "--record",
        &id,
        "--new-version",
        "--publish",
    ]);
    let v2 = out.last().expect("the record")["id"]
        .as_str()
        .expect("id")
        .to_string();
    assert_ne!(v2, id);
    assert_eq!(keys(&v2, false), vec!["a.txt", "c.txt"]);
    assert_eq!(
        keys(&id, false),
        vec!["a.txt", "sub/b.txt"],
        "the first version is unchanged"
    );
    e.ok(&["sync", folder, "--record", &v2, "--new-version"]);
    let versions = e.lines(&["record", "versions", &id]);
    assert_eq!(versions.len(), 2, "an unchanged folder makes no version");
}

#[test]
fn deposit_publishes_once_and_a_second_run_changes_nothing() {
    let e = env();
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    e.write("data/a.txt", b"alpha");
    e.write("data/sub/b.txt", b"beta");
    let args = [
        "deposit",
        "--metadata",
        meta.to_str().expect("utf8"),
        "data",
        "--publish",
    ];
    // A dry run says what would happen and sends nothing.
    let plan = e.ok(&[&args[..], &["--dry-run"]].concat());
    assert!(plan.contains("create a draft: Ocean temperature"), "{plan}");
    assert!(plan.contains("upload    a.txt"), "{plan}");
    assert!(plan.contains("upload    sub/b.txt"), "{plan}");
    assert!(own_records(&e).is_empty());
    let (rec, _) = last_doc(&e, &[&["--json"], &args[..]].concat());
    assert_eq!(rec["is_published"], true, "{rec}");
    let id = rec["id"].as_str().expect("id").to_string();
    assert_eq!(
        record_files(&e, &id),
        [("a.txt", b"alpha".as_slice()), ("sub/b.txt", b"beta")]
            .iter()
            .map(|(k, d)| (k.to_string(), md5_hex(d)))
            .collect()
    );
    // Run again: the same record, nothing sent, still one record.
    let (again, stderr) = last_doc(&e, &[&["--json"], &args[..]].concat());
    assert_eq!(again["id"], id.as_str());
    assert!(stderr.contains("already deposited"), "{stderr}");
    assert_eq!(own_records(&e).len(), 1);
    let plan = e.ok(&[&args[..], &["--dry-run"]].concat());
    assert!(
        plan.contains(&format!("already deposited as {id}")),
        "{plan}"
    );
}

#[test]
fn a_deposit_killed_at_each_stage_ends_with_one_published_record() {
    let big: Vec<u8> = (0..2_000_000u32).map(|i| (i % 251) as u8).collect();
    for at in [
        HoldAt::AfterCreate,
        HoldAt::UploadContent("b.bin".into()),
        HoldAt::AfterPublish,
    ] {
        let hold = Hold::new(at.clone());
        let e = env_with(SandboxConfig {
            faults: Faults {
                hold: Some(hold.clone()),
                ..Faults::default()
            },
            ..SandboxConfig::default()
        });
        let meta = e.write("meta.yaml", META_YAML.as_bytes());
        e.write("a.txt", b"first file");
        e.write("b.bin", &big);
        let args = [
            "--json",
            "deposit",
            "--metadata",
            meta.to_str().expect("utf8"),
            "a.txt",
            "b.bin",
            "--publish",
            "--jobs",
            "1",
        ];
        let mut child = e
            .irdm_std()
            .args(args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("starts");
        let mut waited = 0;
        while !hold.reached() {
            assert!(waited < 3000, "{at:?}: the deposit never got there");
            assert!(
                child.try_wait().expect("wait").is_none(),
                "{at:?}: ended first"
            );
            std::thread::sleep(std::time::Duration::from_millis(10));
            waited += 1;
        }
        child.kill().expect("kill");
        child.wait().expect("reaped");
        // Killed: the same command again.
        let (rec, stderr) = last_doc(&e, &args);
        assert_eq!(rec["is_published"], true, "{at:?}: {rec}");
        let id = rec["id"].as_str().expect("id").to_string();
        let own = own_records(&e);
        let ids: Vec<&Value> = own.iter().map(|r| &r["id"]).collect();
        assert_eq!(own.len(), 1, "{at:?}: {ids:?}");
        assert_eq!(own[0]["id"], id.as_str(), "{at:?}");
        assert_eq!(rec["versions"]["index"], 1, "{at:?}");
        assert_eq!(
            record_files(&e, &id),
            [("a.txt", md5_hex(b"first file")), ("b.bin", md5_hex(&big))]
                .into_iter()
                .map(|(k, d)| (k.to_string(), d))
                .collect(),
            "{at:?}"
        );
        assert!(!stderr.contains("draft created"), "{at:?}: {stderr}");
        match at {
            HoldAt::AfterCreate => {
                assert!(stderr.contains("the interrupted run created"), "{stderr}")
            }
            HoldAt::UploadContent(_) => {
                assert!(stderr.contains("a.txt: already uploaded"), "{stderr}");
                assert!(stderr.contains("b.bin: uploaded and verified"), "{stderr}");
            }
            _ => assert!(!stderr.contains("uploaded and verified"), "{stderr}"),
        }
    }
}

#[test]
fn deposit_from_a_citation_cff_keeps_versions_as_written() {
    let e = env();
    // The shapes of CITATION.cff files in the wild: an unquoted date, a version YAML reads
    // as a number, persons with and without ORCID, an entity, keys with no place in a record.
    let cff = e.write(
        "CITATION.cff",
        b"cff-version: 1.2.0
message: If you use this software, please cite it as below.
title: tidegauge
version: 1.10
date-released: 2026-11-30
authors:
  - family-names: Hopper
    given-names: Grace
    orcid: https://orcid.org/0000-0002-1825-0097
  - family-names: Lovelace
    given-names: Ada
    alias: countess
  - name: The Tidegauge Developers
license: MIT
repository-code: https://example.org/tidegauge
commit: 0a1b2c3
",
    );
    e.write("src/gauge.txt", b"gauge");
    let (rec, stderr) = last_doc(
        &e,
        &[
            "--json",
            "deposit",
            "--cff",
            cff.to_str().expect("utf8"),
            "src",
            "--publish",
        ],
    );
    assert!(
        stderr.contains("not carried over")
            && stderr.contains("authors.1.alias")
            && stderr.contains("commit"),
        "{stderr}"
    );
    let m = &rec["metadata"];
    assert_eq!(m["title"], "tidegauge");
    assert_eq!(m["version"], "1.10");
    assert_eq!(m["publication_date"], "2026-11-30");
    assert_eq!(m["resource_type"]["id"], "software");
    assert_eq!(m["rights"][0]["id"], "mit");
    assert_eq!(m["creators"].as_array().map(Vec::len), Some(3));
    assert_eq!(
        m["creators"][0]["person_or_org"]["identifiers"][0]["identifier"],
        "0000-0002-1825-0097"
    );
    assert_eq!(m["creators"][2]["person_or_org"]["type"], "organizational");
    assert_eq!(
        record_files(&e, rec["id"].as_str().expect("id"))
            .keys()
            .collect::<Vec<_>>(),
        vec!["gauge.txt"]
    );
}

#[test]
fn a_deposit_to_a_community_submits_once_with_a_reserved_doi() {
    let e = env();
    let slug = "deposit-review";
    e.json(&[
        "communities",
        "create",
        "--slug",
        slug,
        "--title",
        "Deposits",
    ]);
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    e.write("a.txt", b"reviewed");
    let args = [
        "--json",
        "deposit",
        "--metadata",
        meta.to_str().expect("utf8"),
        "a.txt",
        "--community",
        slug,
        "--reserve-doi",
        "--publish",
    ];
    // A DOI of the server's own is registered with a publisher: without one the deposit stops
    // at the draft and says what to correct; corrected, the same command carries it on.
    let out = e.fails(&args[1..], 3);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("metadata.publisher") && stderr.contains("correct the metadata"),
        "{stderr}"
    );
    e.write(
        "meta.yaml",
        format!("{META_YAML}publisher: The CLI tests\n").as_bytes(),
    );
    let (d, _) = last_doc(&e, &args);
    let id = d["id"].as_str().expect("id").to_string();
    assert_eq!(d["is_published"], false, "waits for the community: {d}");
    let doi = d["pids"]["doi"]["identifier"]
        .as_str()
        .expect("a DOI")
        .to_string();
    let review = e.json(&["review", "get", &id]);
    assert_eq!(review["status"], "submitted", "{review}");
    // Again: the same draft, the same DOI, the same request; nothing new.
    let (d2, _) = last_doc(&e, &args);
    assert_eq!(d2["id"], id.as_str());
    assert_eq!(d2["pids"]["doi"]["identifier"], doi.as_str());
    assert_eq!(e.json(&["review", "get", &id])["id"], review["id"]);
    assert_eq!(own_records(&e).len(), 1);
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let e = env();
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    e.json(&[
        "draft",
        "create",
        "--metadata",
        meta.to_str().expect("utf8"),
    ]);
    // As `irdm search --mine | head -0` does: the reader is gone before the first line.
    let mut child = e
        .irdm_std()
        .args(["--json", "search", "--mine"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("starts");
    drop(child.stdout.take());
    let out = child.wait_with_output().expect("ends");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_ne!(out.status.code(), Some(101), "{stderr}");
}
