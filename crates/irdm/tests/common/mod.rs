//! What the CLI tests share: an in-process sandbox, `irdm` run against it, and readers of
//! the server's own documents.

#![allow(dead_code)]

pub use std::process::Output;

pub use assert_cmd::Command;
pub use inveniordm_sandbox::{Sandbox, SandboxConfig};
pub use serde_json::Value;

/// What a run printed on stderr.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

pub struct Env {
    pub _rt: tokio::runtime::Runtime,
    pub sandbox: Sandbox,
    pub home: tempfile::TempDir,
}

pub fn env_with(config: SandboxConfig) -> Env {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime");
    let sandbox = rt.block_on(Sandbox::start(config)).expect("sandbox");
    Env {
        _rt: rt,
        sandbox,
        home: tempfile::tempdir().expect("tempdir"),
    }
}

pub fn env() -> Env {
    env_with(SandboxConfig {
        users: vec![("other".into(), "other-token".into())],
        ..SandboxConfig::default()
    })
}

impl Env {
    /// `irdm` with the sandbox's URL and token in the environment, in a clean folder.
    pub fn irdm(&self) -> Command {
        Command::from_std(self.irdm_std())
    }

    /// The same, as a process to start and stop.
    pub fn irdm_std(&self) -> std::process::Command {
        let mut c = std::process::Command::new(assert_cmd::cargo::cargo_bin("irdm"));
        c.current_dir(self.home.path())
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("HOME", self.home.path())
            .env("XDG_CONFIG_HOME", self.home.path().join("config"))
            .env(
                "IRDM_CONFIG",
                self.home.path().join("config/irdm/config.toml"),
            )
            .env("INVENIORDM_URL", self.sandbox.url())
            .env("INVENIORDM_TOKEN", self.sandbox.token());
        c
    }

    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.irdm().args(args).output().expect("runs");
        assert!(
            out.status.success(),
            "irdm {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn json(&self, args: &[&str]) -> Value {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        let out = self.ok(&a);
        serde_json::from_str(out.trim())
            .unwrap_or_else(|e| panic!("irdm {args:?}: not one JSON document ({e}): {out}"))
    }

    pub fn lines(&self, args: &[&str]) -> Vec<Value> {
        let mut a = vec!["--json"];
        a.extend_from_slice(args);
        self.ok(&a)
            .lines()
            .map(|l| serde_json::from_str(l).expect("JSON line"))
            .collect()
    }

    pub fn fails(&self, args: &[&str], code: i32) -> Output {
        let out = self.irdm().args(args).output().expect("runs");
        assert_eq!(
            out.status.code(),
            Some(code),
            "irdm {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        out
    }

    pub fn write(&self, name: &str, data: &[u8]) -> std::path::PathBuf {
        let p = self.home.path().join(name);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).expect("mkdir");
        }
        std::fs::write(&p, data).expect("write");
        p
    }

    pub fn http(&self) -> reqwest_free::Http {
        reqwest_free::Http {
            base: format!("{}/api", self.sandbox.url()),
        }
    }
}

/// The server's own documents, fetched without the project's client (plain TCP + HTTP/1.1).
pub mod reqwest_free {
    use std::io::{Read, Write};

    pub struct Http {
        pub base: String,
    }

    impl Http {
        pub fn get(&self, path: &str, token: Option<&str>) -> serde_json::Value {
            let url = format!("{}{path}", self.base);
            let rest = url.strip_prefix("http://").expect("http");
            let (host, p) = rest.split_once('/').expect("path");
            let mut s = std::net::TcpStream::connect(host).expect("connect");
            let auth = token
                .map(|t| format!("Authorization: Bearer {t}\r\n"))
                .unwrap_or_default();
            write!(
                s,
                "GET /{p} HTTP/1.1\r\nHost: {host}\r\n{auth}Connection: close\r\n\r\n"
            )
            .expect("write");
            let mut buf = Vec::new();
            s.read_to_end(&mut buf).expect("read");
            let text = String::from_utf8_lossy(&buf);
            let (_, body) = text.split_once("\r\n\r\n").expect("body");
            serde_json::from_str(body.trim()).unwrap_or_else(|_| {
                // chunked: take the JSON between the first '{' and the last '}'
                let start = body.find('{').expect("json");
                let end = body.rfind('}').expect("json");
                serde_json::from_str(&body[start..=end]).expect("json body")
            })
        }
    }
}

pub const META_YAML: &str = "title: Ocean temperature from the CLI
resource_type: {id: dataset}
publication_date: '2026-11-26'
creators:
  - person_or_org: {type: personal, family_name: Lovelace, given_name: Ada}
";

/// The caller's own drafts and records, as the server lists them.
pub fn own_records(e: &Env) -> Vec<Value> {
    let page = e.http().get(
        "/user/records?size=100&sort=newest",
        Some(e.sandbox.token()),
    );
    page["hits"]["hits"].as_array().cloned().unwrap_or_default()
}

/// Key → md5 of a published record's files.
pub fn record_files(e: &Env, id: &str) -> std::collections::BTreeMap<String, String> {
    let f = e.json(&["record", "files", id]);
    f["entries"]
        .as_array()
        .expect("entries")
        .iter()
        .map(|x| {
            (
                x["key"].as_str().unwrap_or("").to_string(),
                x["checksum"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect()
}

pub fn md5_hex(data: &[u8]) -> String {
    use md5::Digest;
    let d = md5::Md5::digest(data);
    format!(
        "md5:{}",
        d.iter().map(|b| format!("{b:02x}")).collect::<String>()
    )
}

/// Runs `irdm ARGS` (which must succeed): the last line of its output as JSON, and its
/// standard error.
pub fn last_doc<S: AsRef<std::ffi::OsStr>>(e: &Env, args: &[S]) -> (Value, String) {
    let out = e.irdm().args(args).output().expect("runs");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(out.status.success(), "{stderr}");
    (last_json(&out), stderr)
}

/// The last line of a command's standard output, as JSON.
pub fn last_json(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    let last = text.lines().last().unwrap_or("");
    serde_json::from_str(last).unwrap_or_else(|e| panic!("last line not JSON ({e}): {text}"))
}

/// A new draft of the CLI tests' metadata, made with `irdm draft create`: its id.
pub fn new_draft(e: &Env) -> String {
    let meta = e.write("meta.yaml", META_YAML.as_bytes());
    let d = e.json(&[
        "draft",
        "create",
        "--metadata",
        meta.to_str().expect("utf8"),
    ]);
    d["id"].as_str().expect("id").to_string()
}

/// A sandbox with these faults.
pub fn env_faulty(faults: inveniordm_sandbox::Faults) -> Env {
    env_with(SandboxConfig {
        faults,
        ..SandboxConfig::default()
    })
}
