//! The high-level handles: saves that merge instead of clobbering, concurrent edits, and the
//! file policies of a new version.

use super::{Env, id, metadata, new_draft, published, write};
use inveniordm::Error;
use inveniordm::repo::{FileAction, FilePolicy, NewVersionPlan};
use std::collections::BTreeMap;

/// The md5 of each file of a record, by key.
pub(crate) async fn md5s(env: &Env, record: &str) -> BTreeMap<String, String> {
    let files = env.client.records().files(record).await.expect("files");
    files
        .iter()
        .map(|e| {
            (
                e.key.clone().unwrap_or_default(),
                e.md5().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn hex(data: &[u8]) -> String {
    super::md5_hex(data)
}

/// The plan that makes a record's files those of `folder`.
async fn plan_for(env: &Env, record: &str, folder: &std::path::Path) -> inveniordm::repo::SyncPlan {
    let files = md5s(env, record).await;
    inveniordm::repo::plan_sync(
        files.iter().map(|(k, m)| (k.as_str(), Some(m.as_str()))),
        folder,
    )
    .await
    .expect("plan")
}

pub async fn handle_edit_changes_only_what_it_changes(env: &Env) {
    let c = &env.client;
    let mut draft = new_draft(&format!("Handle edit {}", env.tag));
    draft.files = Some(inveniordm::models::Files::disabled());
    // A DOI of the server's own is registered with the publisher (the server insists).
    if let Some(m) = draft.metadata.as_mut() {
        m.publisher = Some("InvenioRDM conformance suite".into());
    }
    // A custom field of the CodeMeta set the test servers (and the sandbox here) configure.
    let repo_url = format!("https://example.org/handle-{}", env.tag.to_lowercase());
    draft.custom_fields = Some(
        serde_json::json!({"code:codeRepository": repo_url})
            .as_object()
            .cloned()
            .expect("object"),
    );
    let d = create_clean(c, &draft, "the custom field").await;
    // A DOI reserved by the server (DataCite in test mode on the test servers).
    let reserved = c
        .drafts()
        .reserve_doi(&id(&d))
        .await
        .expect("reserve a DOI");
    let doi = reserved.doi().map(str::to_string);
    assert!(
        doi.as_deref().is_some_and(|d| d.starts_with("10.")),
        "{doi:?}"
    );
    let did = id(&d);
    let record = c.repo().publish(&did).await.expect("publish");
    let before = serde_json::to_value(&record).expect("json");
    let handle = c.repo().record(&did).await.expect("read").expect("there");
    let mut edit = handle.edit().await.expect("edit");
    let title = format!("Handle edit {} (retitled)", env.tag);
    edit.metadata_mut().title = Some(title.clone());
    assert_eq!(edit.changes(), vec!["/metadata/title".to_string()]);
    let problems = edit.save().await.expect("save");
    assert!(problems.is_empty(), "{problems:?}");
    let after = edit.publish().await.expect("publish the edit");
    let after = serde_json::to_value(&after).expect("json");
    assert_eq!(after["metadata"]["title"], title);
    for part in ["/pids", "/access", "/files/enabled", "/custom_fields"] {
        assert_eq!(
            after.pointer(part),
            before.pointer(part),
            "{part} unchanged"
        );
    }
    let mut m_before = before["metadata"].clone();
    let mut m_after = after["metadata"].clone();
    m_before["title"] = serde_json::Value::Null;
    m_after["title"] = serde_json::Value::Null;
    assert_eq!(m_after, m_before, "the rest of the metadata is unchanged");
    assert_eq!(
        after
            .pointer("/pids/doi/identifier")
            .and_then(|v| v.as_str()),
        doi.as_deref(),
        "the DOI is kept"
    );
    assert_eq!(
        after.pointer("/custom_fields/code:codeRepository"),
        Some(&serde_json::json!(repo_url)),
        "the custom field is kept"
    );
    // A record that is not there is None, not an error.
    assert!(c.repo().record("zzzzz-zzzzz").await.expect("ask").is_none());
    assert!(c.repo().draft("zzzzz-zzzzz").await.expect("ask").is_none());
}

pub async fn handle_concurrent_edit_is_detected(env: &Env) {
    let c = &env.client;
    let d = c
        .drafts()
        .create(&new_draft(&format!("Handle race {}", env.tag)))
        .await
        .expect("create");
    let did = id(&d);
    let mut mine = c.repo().draft(&did).await.expect("read").expect("there");
    // Someone else changes the title meanwhile.
    let mut theirs = c.drafts().get(&did).await.expect("read");
    if let Some(m) = theirs.metadata.as_mut() {
        m.title = Some(format!("Handle race {} (theirs)", env.tag));
    }
    c.drafts().update(&did, &theirs).await.expect("their save");
    // A change to another part is merged with theirs.
    mine.metadata_mut().description = Some("Mine, merged.".into());
    mine.save().await.expect("a change elsewhere is merged");
    let now = c.drafts().get(&did).await.expect("read");
    let m = now.metadata.clone().expect("metadata");
    assert_eq!(
        m.title.as_deref(),
        Some(format!("Handle race {} (theirs)", env.tag).as_str())
    );
    assert_eq!(m.description.as_deref(), Some("Mine, merged."));
    // A change to the part they changed is a conflict, and theirs stays.
    let mut stale = mine.clone();
    let mut again = c.drafts().get(&did).await.expect("read");
    if let Some(m) = again.metadata.as_mut() {
        m.title = Some(format!("Handle race {} (theirs, again)", env.tag));
    }
    c.drafts()
        .update(&did, &again)
        .await
        .expect("their second save");
    stale.metadata_mut().title = Some("Mine".into());
    let e = stale.save().await.expect_err("a conflict");
    match &e {
        Error::Conflict { clash, changed, .. } => {
            assert_eq!(clash, &vec!["/metadata/title".to_string()], "{e}");
            assert!(changed.contains(&"/metadata/title".to_string()), "{e}");
        }
        other => panic!("expected a conflict, got {other}"),
    }
    let kept = c.drafts().get(&did).await.expect("read");
    assert_eq!(
        kept.metadata.and_then(|m| m.title).as_deref(),
        Some(format!("Handle race {} (theirs, again)", env.tag).as_str()),
        "nothing was overwritten"
    );
    c.drafts().delete(&did).await.expect("discard");
}

pub async fn new_version_file_policies(env: &Env) {
    let c = &env.client;
    let v1 = published(
        env,
        &format!("Policies {}", env.tag),
        &[("a.txt", b"a1"), ("b.txt", b"b1")],
    )
    .await;
    let v1id = id(&v1);
    let v1_files = md5s(env, &v1id).await;
    let handle = c.repo().record(&v1id).await.expect("read").expect("there");
    let version = |n: &str| {
        let mut m = metadata(&format!("Policies {} ({n})", env.tag));
        m.version = Some(n.into());
        m.publication_date = Some("2026-12-03".into());
        m
    };
    // Keep: the previous files, linked.
    let mut keep = handle
        .new_version(&NewVersionPlan::with_files(FilePolicy::Keep))
        .await
        .expect("keep");
    *keep.metadata_mut() = version("v2");
    let v2 = keep.publish().await.expect("publish v2");
    assert_eq!(
        md5s(env, &id(&v2)).await,
        v1_files,
        "Keep holds the same files"
    );
    // Replace: starts empty; a file added.
    let v2h = c
        .repo()
        .record(&id(&v2))
        .await
        .expect("read")
        .expect("there");
    let mut replace = v2h
        .new_version(&NewVersionPlan::with_files(FilePolicy::Replace))
        .await
        .expect("replace");
    assert!(
        replace.files().await.expect("files").is_empty(),
        "Replace starts empty"
    );
    let c3 = write(env, "policy-c3", b"c3").await;
    c.drafts()
        .file_upload(replace.id(), &c3)
        .await
        .expect("upload");
    *replace.metadata_mut() = version("v3");
    let v3 = replace.publish().await.expect("publish v3");
    let expected: BTreeMap<String, String> = [("policy-c3".to_string(), hex(b"c3"))].into();
    assert_eq!(md5s(env, &id(&v3)).await, expected);
    // Reconcile: a folder with one unchanged file, one changed and one new.
    let folder = env.dir.join(format!("reconcile-{}", env.tag));
    std::fs::create_dir_all(folder.join("sub")).expect("folder");
    std::fs::write(folder.join("policy-c3"), b"c3").expect("write");
    std::fs::write(folder.join("sub/d.txt"), b"d4").expect("write");
    std::fs::write(folder.join(".hidden"), b"skipped").expect("write");
    let v3h = c
        .repo()
        .record(&id(&v3))
        .await
        .expect("read")
        .expect("there");
    let plan = plan_for(env, &id(&v3), &folder).await;
    assert_eq!(
        plan.actions,
        vec![
            FileAction::Link {
                key: "policy-c3".into()
            },
            FileAction::Upload {
                key: "sub/d.txt".into(),
                path: folder.join("sub/d.txt"),
                changed: false
            },
        ]
    );
    let mut rec = v3h
        .new_version(&NewVersionPlan::with_files(FilePolicy::Reconcile(
            folder.clone(),
        )))
        .await
        .expect("reconcile");
    *rec.metadata_mut() = version("v4");
    let v4 = rec.publish().await.expect("publish v4");
    let expected: BTreeMap<String, String> = [
        ("policy-c3".to_string(), hex(b"c3")),
        ("sub/d.txt".to_string(), hex(b"d4")),
    ]
    .into();
    assert_eq!(md5s(env, &id(&v4)).await, expected);
    // The folder unchanged: nothing to do.
    let again = plan_for(env, &id(&v4), &folder).await;
    assert!(again.is_noop(), "{again:?}");
    // Earlier versions are unchanged.
    assert_eq!(md5s(env, &v1id).await, v1_files);
    assert_eq!(md5s(env, &id(&v2)).await, v1_files);
    // The handle lists the four versions (as the stream is read), and shares the record.
    let v4h = c
        .repo()
        .record(&id(&v4))
        .await
        .expect("read")
        .expect("there");
    use futures_util::TryStreamExt;
    let mut versions: Vec<String> = v4h
        .versions()
        .map_ok(|r| id(&r))
        .try_collect()
        .await
        .expect("versions");
    versions.sort();
    let mut made = vec![v1id.clone(), id(&v2), id(&v3), id(&v4)];
    made.sort();
    assert_eq!(versions, made);
    assert!(v4h.access_links().await.expect("links").is_empty());
    let link = v4h
        .create_access_link(&inveniordm::models::AccessLink::with_permission(
            inveniordm::models::LinkPermission::View,
        ))
        .await
        .expect("a link");
    let links = v4h.access_links().await.expect("links");
    assert_eq!(links.len(), 1);
    assert_eq!(links[0].id, link.id);
    assert!(v4h.grants().await.expect("grants").is_empty());
}

pub async fn citation_files_make_publishable_metadata(env: &Env) {
    use inveniordm::repo::citation::{from_cff, from_codemeta};
    let c = &env.client;
    let cff = serde_json::json!({
        "cff-version": "1.2.0",
        "message": "If you use this software, please cite it as below.",
        "title": format!("Citation file {}", env.tag),
        "authors": [
            {"family-names": "Hopper", "given-names": "Grace", "orcid": "https://orcid.org/0000-0002-1825-0097", "affiliation": "Harvard"},
            {"name": "The Conformance Suite"}
        ],
        "abstract": "Made from a CITATION.cff.",
        "keywords": ["citation", "conformance"],
        "license": "CC-BY-4.0",
        "version": "1.0.0",
        "date-released": "2026-12-01",
        "repository-code": "https://example.org/conformance",
        "preferred-citation": {"type": "article", "title": "A paper", "doi": "10.1000/182"}
    });
    let codemeta = serde_json::json!({
        "@context": "https://w3id.org/codemeta/3.0",
        "@type": "SoftwareSourceCode",
        "name": format!("Codemeta file {}", env.tag),
        "description": "Made from a codemeta.json.",
        "author": [{"@type": "Person", "givenName": "Ada", "familyName": "Lovelace", "affiliation": {"@type": "Organization", "name": "Analytical Engines"}}],
        "license": "https://spdx.org/licenses/CC-BY-4.0",
        "version": "0.1",
        "datePublished": "2026-12-02",
        "codeRepository": "https://example.org/gauge"
    });
    for made in [
        from_cff(&cff).expect("cff"),
        from_codemeta(&codemeta).expect("codemeta"),
    ] {
        let draft = inveniordm::models::Record {
            metadata: Some(made.metadata.clone()),
            access: Some(inveniordm::models::Access::public()),
            files: Some(inveniordm::models::Files::disabled()),
            ..Default::default()
        };
        let d = create_clean(c, &draft, "the citation file").await;
        let r = c.repo().publish(&id(&d)).await.expect("publishes");
        let m = r.metadata.expect("metadata");
        assert_eq!(m.title, made.metadata.title);
        assert_eq!(m.version, made.metadata.version);
    }
}

/// The ORCID iDs of a citation file's authors (not of its references).
fn source_orcids(doc: &serde_json::Value) -> Vec<String> {
    let list = doc
        .get("authors")
        .or_else(|| doc.get("author"))
        .or_else(|| doc.get("agents"));
    let items: Vec<&serde_json::Value> = match list {
        Some(serde_json::Value::Array(a)) => a.iter().collect(),
        Some(one) => vec![one],
        None => vec![],
    };
    let mut ids: Vec<String> = items
        .iter()
        .filter(|a| {
            a.get("@type")
                .and_then(|t| t.as_str())
                .is_none_or(|t| t.eq_ignore_ascii_case("person"))
        })
        .filter_map(|a| {
            ["orcid", "@id", "identifier"]
                .iter()
                .find_map(|k| a.get(*k).and_then(|v| v.as_str()))
                .filter(|s| s.contains("orcid.org"))
                .and_then(|s| s.rsplit('/').next())
                .map(str::to_string)
        })
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Real projects' citation files (see `citation_files`) make drafts with no validation
/// problem that publish with their title, every author's ORCID and every license.
pub async fn real_world_citation_files_publish(env: &Env) {
    use inveniordm::repo::citation::{from_cff, from_codemeta};
    let c = &env.client;
    assert!(!env.citation_files.is_empty());
    for path in &env.citation_files {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).expect("readable");
        let codemeta = name.ends_with(".json");
        let doc: serde_json::Value = if codemeta {
            serde_json::from_str(&text).expect("JSON")
        } else {
            serde_yaml_ng::from_str(&text).expect("YAML")
        };
        let made = if codemeta {
            from_codemeta(&doc)
        } else {
            from_cff(&doc)
        }
        .unwrap_or_else(|e| panic!("{name}: {e}"));
        let mut m = made.metadata.clone();
        // A file without a release date is published on the day of the deposit.
        m.publication_date
            .get_or_insert_with(|| "2026-12-01".into());
        // Each run makes its own record: the tag tells them apart in searches.
        let title = m
            .title
            .clone()
            .unwrap_or_else(|| panic!("{name}: no title"));
        let source_title = doc
            .get("title")
            .or_else(|| doc.get("name"))
            .and_then(|t| t.as_str())
            .expect("the file has a title");
        assert_eq!(title, source_title.trim(), "{name}");
        let draft = inveniordm::models::Record {
            metadata: Some(m),
            access: Some(inveniordm::models::Access::public()),
            files: Some(inveniordm::models::Files::disabled()),
            ..Default::default()
        };
        let d = create_clean(c, &draft, &name).await;
        let r = c
            .repo()
            .publish(&id(&d))
            .await
            .unwrap_or_else(|e| panic!("{name}: publish: {e}"));
        let pm = r.metadata.expect("metadata");
        assert_eq!(pm.title.as_deref(), Some(title.as_str()), "{name}");
        let creators = pm.creators.unwrap_or_default();
        assert!(!creators.is_empty(), "{name}: no creators");
        let record_orcids: Vec<String> = serde_json::to_value(&creators)
            .expect("creators")
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|c| {
                c["person_or_org"]["identifiers"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default()
            })
            .filter(|i| i["scheme"] == "orcid")
            .filter_map(|i| i["identifier"].as_str().map(str::to_string))
            .collect();
        for o in source_orcids(&doc) {
            assert!(
                record_orcids.contains(&o),
                "{name}: ORCID {o} lost ({record_orcids:?})"
            );
        }
        let licenses = match doc.get("license").or_else(|| doc.get("licenseId")) {
            Some(serde_json::Value::Array(a)) => a.len(),
            Some(_) => 1,
            None => 0,
        };
        assert_eq!(
            pm.rights.unwrap_or_default().len(),
            licenses,
            "{name}: licenses"
        );
        eprintln!(
            "    {}: {} creators, {} ORCID, not carried over: {}",
            path.file_name().and_then(|n| n.to_str()).unwrap_or(""),
            creators.len(),
            record_orcids.len(),
            made.unmapped.join(", ")
        );
    }
}

/// Creates a draft the server finds no problem with (`what` names it in the failure).
async fn create_clean(
    c: &inveniordm::Client,
    draft: &inveniordm::models::Record,
    what: &str,
) -> inveniordm::models::Record {
    let d = c.drafts().create(draft).await.expect("create");
    assert!(
        d.errors.as_deref().unwrap_or(&[]).is_empty(),
        "{what}: validation problems {:?}",
        d.errors
    );
    d
}
