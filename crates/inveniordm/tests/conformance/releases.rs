//! Release pipelines: a deposit from a CITATION.cff, then each release the next version of
//! the same concept, unchanged files linked, a release run twice sent once.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::handles::md5s;
use super::{Env, id, md5_hex};
use inveniordm::Error;
use inveniordm::models::Record;
use inveniordm::repo::{DepositReport, DepositSpec, DepositTarget, UploadFilesOptions};

/// The spec of release `version`: metadata from a CITATION.cff, the files of `dist`.
fn release(env: &Env, version: &str, date: &str, dist: &[(&str, &[u8])]) -> DepositSpec {
    let cff = format!(
        "cff-version: 1.2.0
message: cite
title: \"Release pipeline {tag}\"
version: {version}
date-released: {date}
authors:
  - family-names: Hopper
    given-names: Grace
license: MIT
",
        tag = env.tag
    );
    let value: serde_json::Value = serde_yaml_ng::from_str(&cff).expect("YAML");
    let mut m = inveniordm::repo::citation::from_cff(&value)
        .expect("mapped")
        .metadata;
    // A DOI of the server's own wants a publisher.
    m.publisher = Some("The conformance suite".into());
    let folder = env.dir.join(format!("release-{}-{version}", env.tag));
    std::fs::create_dir_all(&folder).expect("folder");
    let files: Vec<(PathBuf, String)> = dist
        .iter()
        .map(|(k, d)| {
            let p = folder.join(k);
            std::fs::write(&p, d).expect("write");
            (p, k.to_string())
        })
        .collect();
    DepositSpec {
        draft: Record {
            metadata: Some(m),
            ..Default::default()
        },
        files,
        publish: true,
        target: DepositTarget::NextVersion,
        ..Default::default()
    }
}

fn expect(files: &[(&str, &[u8])]) -> BTreeMap<String, String> {
    files
        .iter()
        .map(|(k, d)| (k.to_string(), md5_hex(d)))
        .collect()
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}

async fn deposit(env: &Env, spec: &DepositSpec, journal: &std::path::Path) -> DepositReport {
    env.client
        .repo()
        .deposit(spec, journal, &UploadFilesOptions::default())
        .await
        .unwrap_or_else(|e| panic!("deposit: {e}"))
}

pub async fn release_sequence_makes_versions_of_one_concept(env: &Env) {
    let journal = env.dir.join(format!("release-{}.json", env.tag));
    // v1.0: two files, both sent, with a DOI of the server's own.
    let mut spec1 = release(
        env,
        "1.0",
        "2026-10-01",
        &[("a.txt", b"alpha 1"), ("b.bin", b"beta 1")],
    );
    spec1.reserve_doi = true;
    let v1 = deposit(env, &spec1, &journal).await;
    let doi = v1
        .outcome
        .record()
        .doi()
        .expect("a reserved DOI, registered at publish")
        .to_string();
    assert_eq!(sorted(v1.uploaded.clone()), ["a.txt", "b.bin"]);
    assert!(v1.unverified.is_empty(), "{:?}", v1.unverified);
    let concept = v1.concept.clone().expect("a concept");
    // v1.1: b changed; a linked, not sent.
    let spec11 = release(
        env,
        "1.1",
        "2026-11-01",
        &[("a.txt", b"alpha 1"), ("b.bin", b"beta 2")],
    );
    let v11 = deposit(env, &spec11, &journal).await;
    assert_eq!(v11.uploaded, ["b.bin"]);
    assert_eq!(v11.linked, ["a.txt"]);
    assert_eq!(v11.previous.as_deref(), Some(v1.id.as_str()));
    assert_eq!(v11.concept.as_deref(), Some(concept.as_str()));
    let rec11 = v11.outcome.record();
    assert_eq!(rec11.versions.as_ref().and_then(|v| v.index), Some(2));
    let m11 = rec11.metadata.as_ref().expect("metadata");
    assert_eq!(m11.version.as_deref(), Some("1.1"));
    assert_eq!(m11.publication_date.as_deref(), Some("2026-11-01"));
    // v1.1 again: nothing sent.
    let again = deposit(env, &spec11, &journal).await;
    assert!(again.already_done);
    assert_eq!(again.id, v11.id);
    assert!(again.uploaded.is_empty() && again.linked.is_empty());
    // v2.0: a gone, c added, b unchanged.
    let spec2 = release(
        env,
        "2.0",
        "2026-12-01",
        &[("b.bin", b"beta 2"), ("c.csv", b"gamma")],
    );
    let v2 = deposit(env, &spec2, &journal).await;
    assert_eq!(v2.uploaded, ["c.csv"]);
    assert_eq!(v2.linked, ["b.bin"]);
    assert_eq!(v2.removed, ["a.txt"]);
    assert_eq!(
        v2.outcome.record().versions.as_ref().and_then(|v| v.index),
        Some(3)
    );
    // Exactly three versions of one concept, each with exactly its files.
    let versions = env
        .client
        .records()
        .versions(&v1.id)
        .await
        .expect("versions");
    assert_eq!(versions.total(), 3);
    assert_eq!(
        md5s(env, &v1.id).await,
        expect(&[("a.txt", b"alpha 1"), ("b.bin", b"beta 1")])
    );
    assert_eq!(
        md5s(env, &v11.id).await,
        expect(&[("a.txt", b"alpha 1"), ("b.bin", b"beta 2")])
    );
    assert_eq!(
        md5s(env, &v2.id).await,
        expect(&[("b.bin", b"beta 2"), ("c.csv", b"gamma")])
    );
    // From a machine without the journal, by the concept's id: the release is there.
    let fresh = env.dir.join(format!("release-{}-fresh.json", env.tag));
    let mut by_concept = spec2.clone();
    by_concept.target = DepositTarget::NextVersionOf(concept.clone());
    let found = deposit(env, &by_concept, &fresh).await;
    assert!(found.already_done, "found as the latest version");
    assert_eq!(found.id, v2.id);
    // And by the first version's DOI, as a resolver URL (the search may index it late).
    let mut by_doi = spec2.clone();
    by_doi.target = DepositTarget::NextVersionOf(format!("https://doi.org/{doi}"));
    let mut tries = 0;
    let found = loop {
        let fresh = env
            .dir
            .join(format!("release-{}-doi-{tries}.json", env.tag));
        match env
            .client
            .repo()
            .deposit(&by_doi, &fresh, &UploadFilesOptions::default())
            .await
        {
            Err(Error::Usage(m)) if m.contains("no record with the DOI") && tries < 20 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(500)).await;
            }
            other => break other.unwrap_or_else(|e| panic!("by DOI {doi}: {e}")),
        }
    };
    assert!(found.already_done);
    assert_eq!(found.id, v2.id);
    // A finished deposit with other content and no version asked for: refused, nothing made.
    let mut changed = release(env, "2.1", "2026-12-02", &[("b.bin", b"beta 3")]);
    changed.target = DepositTarget::NewRecord;
    let err = env
        .client
        .repo()
        .deposit(&changed, &journal, &UploadFilesOptions::default())
        .await
        .expect_err("refused");
    assert!(matches!(err, Error::Usage(_)), "{err}");
    assert!(err.to_string().contains(&v2.id), "{err}");
    let versions = env
        .client
        .records()
        .versions(&v1.id)
        .await
        .expect("versions");
    assert_eq!(versions.total(), 3, "nothing was published");
    let latest = env
        .client
        .records()
        .latest_version(&concept)
        .await
        .expect("latest");
    assert_eq!(id(&latest), v2.id);
}

pub async fn titles_are_stored_trimmed(env: &Env) {
    let mut draft = super::new_draft(&format!("  Padded {}\n", env.tag));
    draft.files = Some(inveniordm::models::Files::disabled());
    let d = env.client.drafts().create(&draft).await.expect("create");
    assert_eq!(
        d.metadata.as_ref().and_then(|m| m.title.as_deref()),
        Some(format!("Padded {}", env.tag).as_str())
    );
    env.client.drafts().delete(&id(&d)).await.expect("discard");
}

/// A file past a stock v14's `MAX_CONTENT_LENGTH` (100 MiB) with the default options: one
/// stream where the server takes it, parts where it answers 413.
pub async fn a_file_past_the_body_limit_is_uploaded(env: &Env) {
    let size = 101 * 1024 * 1024;
    let bytes: Vec<u8> = (0..size as u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 24) as u8)
        .collect();
    let p = env.dir.join(format!("large-{}.bin", env.tag));
    std::fs::write(&p, &bytes).expect("write");
    let d = env
        .client
        .drafts()
        .create(&super::new_draft(&format!("Large {}", env.tag)))
        .await
        .expect("draft");
    let entry = env
        .client
        .drafts()
        .file_upload(&id(&d), &p)
        .await
        .expect("uploaded with the default options");
    assert_eq!(entry.md5(), Some(md5_hex(&bytes).as_str()));
    assert_eq!(entry.size, Some(size as u64));
    let _ = std::fs::remove_file(&p);
    env.client.drafts().delete(&id(&d)).await.expect("discard");
}
