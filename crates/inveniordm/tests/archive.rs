//! A files archive whose member differs from the record's md5 never takes its name.

use inveniordm::models::{Metadata, Record};
use inveniordm::repo::ArchiveOptions;
use inveniordm::{Client, Error};
use inveniordm_sandbox::{Sandbox, SandboxConfig};

/// The files below `dir` whose content is `data`.
fn files_holding(dir: &std::path::Path, data: &[u8]) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for e in std::fs::read_dir(&d).expect("read_dir").flatten() {
            let p = e.path();
            if p.is_dir() {
                todo.push(p);
            } else if std::fs::read(&p).is_ok_and(|b| b == data) {
                out.push(p);
            }
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_member_that_differs_from_the_record_fails_the_archive_and_leaves_nothing() {
    let data_dir = tempfile::tempdir().expect("tempdir");
    let sandbox = Sandbox::start(SandboxConfig {
        data_dir: Some(data_dir.path().to_path_buf()),
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox");
    let c = Client::new(sandbox.url(), Some(sandbox.token())).expect("client");
    let mut m = Metadata::default();
    m.title = Some("Archive to corrupt".into());
    let d = c
        .drafts()
        .create(&Record {
            metadata: Some(m),
            ..Default::default()
        })
        .await
        .expect("draft");
    let id = d.require_id().expect("id").to_string();
    let work = tempfile::tempdir().expect("tempdir");
    let body: Vec<u8> = (0..50_000u32).map(|i| (i * 7 % 253) as u8).collect();
    let p = work.path().join("data.bin");
    std::fs::write(&p, &body).expect("write");
    c.drafts().file_upload(&id, &p).await.expect("upload");
    // The sandbox's copy of the bytes changes under it (same size, one byte).
    let blobs = files_holding(data_dir.path(), &body);
    assert_eq!(blobs.len(), 1, "{blobs:?}");
    let mut changed = body.clone();
    changed[100] ^= 0xFF;
    std::fs::write(&blobs[0], &changed).expect("corrupt");
    let out = work.path().join("out");
    let e = c
        .repo()
        .download_archive(
            &id,
            &out,
            &ArchiveOptions {
                draft: true,
                ..Default::default()
            },
        )
        .await
        .expect_err("the member differs");
    assert!(
        matches!(&e, Error::Checksum { key, .. } if key == "data.bin"),
        "{e}"
    );
    let left: Vec<_> = std::fs::read_dir(&out)
        .map(|r| r.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(
        left.is_empty(),
        "nothing left that looks like an archive: {left:?}"
    );
}
