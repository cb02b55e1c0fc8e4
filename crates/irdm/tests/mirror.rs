//! `irdm mirror`: a community of 300 records with files copied into an empty folder, then
//! again after some changed and some were added (only those are fetched), then killed midway
//! and run again (nothing it had is fetched again).

mod common;
use common::*;

use inveniordm::Client;
use inveniordm::api::Inclusion;
use inveniordm::models::{Access, Community, Creator, Files, Metadata, Record, VocabRef};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::Ordering;

/// The bytes of record `i`'s file `f`: different for each file, and for each change `gen`.
fn content(i: usize, f: usize, generation: usize) -> Vec<u8> {
    format!("record {i} file {f} generation {generation}\n")
        .repeat(20 + (i * 7 + f) % 40)
        .into_bytes()
}

/// Metadata a record can be published with.
fn metadata(title: &str) -> Metadata {
    let mut m = Metadata::default();
    m.title = Some(title.into());
    m.resource_type = Some(VocabRef::id("dataset"));
    m.publication_date = Some("2026-12-07".into());
    m.creators = Some(vec![Creator::person("Mirror", "Ada")]);
    m
}

/// Publishes a record with `files` files (`f0.txt`, …) and includes it in `community`.
async fn publish_in(c: &Client, community: &str, i: usize, files: usize) -> String {
    let m = metadata(&format!("Mirrored {i}"));
    let d = c
        .drafts()
        .create(&Record {
            metadata: Some(m),
            access: Some(Access::public()),
            files: Some(if files == 0 {
                Files::disabled()
            } else {
                Files::enabled()
            }),
            ..Record::default()
        })
        .await
        .expect("draft");
    let id = d.id.clone().expect("id");
    for f in 0..files {
        let key = format!("f{f}.txt");
        c.drafts()
            .file_upload_start(&id, &key)
            .await
            .expect("start");
        c.drafts()
            .file_upload_content(
                &id,
                &key,
                inveniordm::transfer::UploadBody::from_bytes(content(i, f, 0)),
            )
            .await
            .expect("content");
        c.drafts()
            .file_upload_complete(&id, &key)
            .await
            .expect("commit");
    }
    c.drafts().publish(&id).await.expect("publish");
    let added = c
        .records()
        .add_to_communities(&id, &[Inclusion::of(community)])
        .await
        .expect("include");
    // Under the community's review policy the inclusion may wait: its owner accepts it.
    let processed = added.processed.unwrap_or_default();
    let request = processed
        .first()
        .and_then(|p| p.get("request_id"))
        .and_then(|r| r.as_str())
        .expect("an inclusion request");
    let r = c.requests().get(request).await.expect("the request");
    if r.status.as_ref().map(|s| s.as_str()) != Some("accepted") {
        c.requests().accept(request, None).await.expect("accept");
    }
    id
}

/// Each mirrored record's files and their md5s, read from the folder.
fn local_files(dir: &Path) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for entry in std::fs::read_dir(dir).expect("mirror folder") {
        let entry = entry.expect("entry");
        if !entry.path().join("record.json").exists() {
            continue;
        }
        let mut files = BTreeMap::new();
        if let Ok(list) = std::fs::read_dir(entry.path().join("files")) {
            for f in list {
                let f = f.expect("file");
                let data = std::fs::read(f.path()).expect("read");
                files.insert(f.file_name().to_string_lossy().into_owned(), md5_hex(&data));
            }
        }
        out.insert(entry.file_name().to_string_lossy().into_owned(), files);
    }
    out
}

fn summary(out: &Output) -> Value {
    let lines = String::from_utf8_lossy(&out.stdout).into_owned();
    let last = lines.lines().last().expect("a summary line");
    serde_json::from_str::<Value>(last).expect("json")["summary"].clone()
}

#[test]
fn a_community_mirrored_then_updated_then_resumed_after_a_kill() {
    let e = env();
    let c = Client::new(e.sandbox.url(), Some(e.sandbox.token())).expect("client");
    let community = e._rt.block_on(async {
        c.communities()
            .create(&Community::new_with("mirrored", "Mirrored"))
            .await
            .expect("community")
    });
    let cid = community.id.clone().expect("id");
    // 300 records: most with one or two files, every tenth metadata-only; and one record
    // outside the community, which is never mirrored.
    let mut expected: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let ids: Vec<String> = e._rt.block_on(async {
        let mut ids = Vec::new();
        for i in 0..300 {
            let files = if i % 10 == 0 { 0 } else { 1 + i % 2 };
            let id = publish_in(&c, &cid, i, files).await;
            expected.insert(
                id.clone(),
                (0..files)
                    .map(|f| (format!("f{f}.txt"), md5_hex(&content(i, f, 0))))
                    .collect(),
            );
            ids.push(id);
        }
        ids
    });
    let outsider = e._rt.block_on(async {
        let m = metadata("Not in the community");
        let d = c
            .drafts()
            .create(&Record {
                metadata: Some(m),
                access: Some(Access::public()),
                files: Some(Files::disabled()),
                ..Record::default()
            })
            .await
            .expect("draft");
        let id = d.id.clone().expect("id");
        c.drafts().publish(&id).await.expect("publish");
        id
    });
    let files_total: usize = expected.values().map(BTreeMap::len).sum();
    let dir = e.home.path().join("mirror");
    let downloads = || e.sandbox.counters().downloads.load(Ordering::SeqCst);

    // Into an empty folder: everything, each file once.
    let before = downloads();
    let out = e
        .irdm()
        .args(["--json", "mirror", "mirrored", "mirror", "--jobs", "4"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let s = summary(&out);
    assert_eq!(s["listed"], 300, "{s}");
    assert_eq!(s["new"], 300, "{s}");
    assert_eq!(s["files_fetched"], files_total, "{s}");
    assert_eq!(downloads() - before, files_total as u64);
    assert_eq!(
        local_files(&dir),
        expected,
        "every file there, every md5 the server's"
    );
    assert!(
        !dir.join(&outsider).exists(),
        "a record outside the community"
    );

    // 5 records changed (a metadata edit; one of them with a file changed too) and 2 added.
    e._rt.block_on(async {
        for (n, id) in ids.iter().skip(1).step_by(60).take(5).enumerate() {
            let d = c.drafts().edit(id).await.expect("edit");
            let mut d = d;
            d.metadata.get_or_insert_with(Default::default).title = Some(format!("Changed {n}"));
            c.drafts().update(id, &d).await.expect("update");
            c.drafts().publish(id).await.expect("publish the edit");
        }
        for i in 300..302 {
            let id = publish_in(&c, &cid, i, 2).await;
            expected.insert(
                id,
                (0..2)
                    .map(|f| (format!("f{f}.txt"), md5_hex(&content(i, f, 0))))
                    .collect(),
            );
        }
    });
    let before = downloads();
    let out = e
        .irdm()
        .args(["--json", "mirror", "mirrored", "mirror"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let s = summary(&out);
    assert_eq!(
        (
            s["listed"].as_u64(),
            s["new"].as_u64(),
            s["changed"].as_u64(),
            s["unchanged"].as_u64()
        ),
        (Some(302), Some(2), Some(5), Some(295)),
        "{s}"
    );
    // Only the new records' files travel: an edited record's files are the same md5s.
    assert_eq!(s["files_fetched"], 4, "{s}");
    assert_eq!(downloads() - before, 4);
    let changed: Vec<Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["change"] == "changed")
        .collect();
    assert_eq!(changed.len(), 5);
    for v in &changed {
        let id = v["id"].as_str().expect("id");
        let doc: Value = serde_json::from_slice(
            &std::fs::read(dir.join(id).join("record.json")).expect("record.json"),
        )
        .expect("json");
        assert!(
            doc["metadata"]["title"]
                .as_str()
                .unwrap_or("")
                .starts_with("Changed"),
            "{doc}"
        );
    }
    assert_eq!(local_files(&dir), expected);

    // Nothing changed: nothing fetched.
    let before = downloads();
    let s = summary(
        &e.irdm()
            .args(["--json", "mirror", "mirrored", "mirror"])
            .output()
            .expect("runs"),
    );
    assert_eq!(
        (s["unchanged"].as_u64(), s["files_fetched"].as_u64()),
        (Some(302), Some(0)),
        "{s}"
    );
    assert_eq!(downloads(), before);

    // A damaged local file is found and fetched again only with --verify.
    let victim = ids[3].clone();
    std::fs::write(dir.join(&victim).join("files/f0.txt"), b"damaged").expect("damage");
    let s = summary(
        &e.irdm()
            .args(["--json", "mirror", "mirrored", "mirror", "--verify"])
            .output()
            .expect("runs"),
    );
    assert_eq!(s["files_fetched"], 1, "{s}");
    assert_eq!(local_files(&dir), expected);

    // Another source into the same folder is refused; nothing is touched.
    let out = e.fails(&["mirror", "--query", "Mirrored", "mirror"], 2);
    assert!(
        stderr(&out).contains("mirrors the community mirrored"),
        "{}",
        stderr(&out)
    );

    // Killed midway into a new folder, then run again: it completes, and no file that was
    // whole on disk is fetched again.
    let fresh = e.home.path().join("fresh");
    let mut child = e
        .irdm_std()
        .args([
            "mirror",
            "mirrored",
            "fresh",
            "--jobs",
            "2",
            "--progress",
            "none",
        ])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("starts");
    let started = std::time::Instant::now();
    loop {
        let done = std::fs::read_dir(&fresh)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.path().join("record.json").exists())
                    .count()
            })
            .unwrap_or(0);
        if done >= 60 || started.elapsed() > std::time::Duration::from_secs(60) {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    child.kill().expect("kill");
    child.wait().expect("reaped");
    // A file is whole on disk when it is in place, or when the kill came after its last byte
    // was written and before it was moved into place: its partial download then holds every
    // byte with the server's md5, and the next run keeps it without fetching it.
    let mut whole = 0;
    let mut records_done = 0;
    for (id, files) in &expected {
        let rdir = fresh.join(id);
        records_done += usize::from(rdir.join("record.json").exists());
        for (key, md5) in files {
            let dest = rdir.join("files").join(key);
            let in_place = dest.exists();
            let part_whole = std::fs::read(inveniordm::transfer::part_path(&dest))
                .is_ok_and(|b| md5_hex(&b) == *md5);
            whole += usize::from(in_place || part_whole);
        }
    }
    assert!(
        (60..302).contains(&records_done),
        "killed midway: {records_done} of 302 records were complete"
    );
    let before = downloads();
    let out = e
        .irdm()
        .args(["--json", "mirror", "mirrored", "fresh"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let s = summary(&out);
    assert_eq!(s["listed"], 302, "{s}");
    let files_total: usize = expected.values().map(BTreeMap::len).sum();
    assert_eq!(
        downloads() - before,
        (files_total - whole) as u64,
        "only the files not whole on disk are fetched"
    );
    assert_eq!(local_files(&fresh), expected);
}

#[test]
fn a_community_harvested_over_oai_pmh() {
    let e = env();
    let c = Client::new(e.sandbox.url(), Some(e.sandbox.token())).expect("client");
    let ids: Vec<String> = e._rt.block_on(async {
        let com = c
            .communities()
            .create(&Community::new_with("harvested", "Harvested"))
            .await
            .expect("community");
        let cid = com.id.clone().expect("id");
        let mut ids = Vec::new();
        for i in 0..3 {
            ids.push(publish_in(&c, &cid, i, 0).await);
        }
        ids
    });
    let out = e
        .irdm()
        .args(["--json", "mirror", "--oai", "harvested", "dc"])
        .output()
        .expect("runs");
    assert!(out.status.success(), "{}", stderr(&out));
    let s = summary(&out);
    assert_eq!(
        (s["listed"].as_u64(), s["new"].as_u64()),
        (Some(3), Some(3)),
        "{s}"
    );
    for id in &ids {
        let xml = std::fs::read_to_string(e.home.path().join("dc").join(id).join("metadata.xml"))
            .expect("metadata.xml");
        assert!(
            xml.starts_with("<oai_dc:dc") && xml.contains("<dc:title>Mirrored"),
            "{xml}"
        );
        let head: Value = serde_json::from_slice(
            &std::fs::read(e.home.path().join("dc").join(id).join("oai.json")).expect("oai.json"),
        )
        .expect("json");
        assert_eq!(head["sets"], serde_json::json!(["community-harvested"]));
    }
    // Nothing new the second time; a format the server lacks is a usage error; another source
    // into the same folder is refused.
    let s = summary(
        &e.irdm()
            .args(["--json", "mirror", "--oai", "harvested", "dc"])
            .output()
            .expect("runs"),
    );
    assert_eq!(
        (s["new"].as_u64(), s["changed"].as_u64()),
        (Some(0), Some(0)),
        "{s}"
    );
    e.fails(
        &["mirror", "--oai", "--metadata-prefix", "nope", "other"],
        2,
    );
    e.fails(&["mirror", "--oai", "dc"], 2);
}
