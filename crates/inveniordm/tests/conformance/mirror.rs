//! Mirroring a community: every record with its files, verified; a second run fetches only
//! what changed; records that leave the community are reported and, when asked, removed.

use std::collections::BTreeMap;

use inveniordm::Error;
use inveniordm::models::SearchQuery;
use inveniordm::repo::{MirrorOptions, MirrorReport, MirrorSource};

use super::sharing::{cid, community, eventually, include};
use super::{Env, id, md5_hex, published};

pub async fn mirror_a_community(env: &Env) {
    let c = &env.client;
    let com = community(env, "mirror", None).await;
    let slug = com.slug.clone().expect("slug");
    let mut expected: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut ids = Vec::new();
    for i in 0..4 {
        let a = format!("record {i} of {}\n", env.tag).into_bytes();
        let b: Vec<u8> = (0..(3_000 + i * 1_000) as u32)
            .map(|n| (n % 251) as u8)
            .collect();
        let r = published(
            env,
            &format!("Mirror {i} {}", env.tag),
            &[("a.txt", &a), ("data/b.bin", &b)],
        )
        .await;
        let rid = id(&r);
        include(env, &rid, &com).await;
        expected.insert(
            rid.clone(),
            BTreeMap::from([
                ("a.txt".to_string(), md5_hex(&a)),
                ("b.bin".to_string(), md5_hex(&b)),
            ]),
        );
        ids.push(rid);
    }
    let listed = |n: u64| {
        let cid = cid(&com);
        async move {
            c.communities()
                .records(&cid, &SearchQuery::all())
                .await
                .is_ok_and(|r| r.total() == n)
        }
    };
    eventually("the community's records are searchable", || listed(4)).await;
    let dir = env.dir.join(format!("mirror-{}", env.tag));
    // A window of 2: the community's listing is split by id, as past 10 000 records.
    let mut opts = MirrorOptions::default();
    opts.window = 2;
    let source = MirrorSource::community(slug.clone());
    let first = c.repo().mirror(&source, &dir, &opts).await.expect("mirror");
    assert_eq!(
        (first.listed, first.new, first.failed),
        (4, 4, 0),
        "{first:?}"
    );
    assert_eq!(first.files_fetched, 8, "{first:?}");
    // Keys with folders keep them below files/.
    for (rid, files) in &expected {
        let rdir = dir.join(rid);
        assert_eq!(
            md5_hex(&std::fs::read(rdir.join("files/a.txt")).expect("a.txt")),
            files["a.txt"]
        );
        assert_eq!(
            md5_hex(&std::fs::read(rdir.join("files/data/b.bin")).expect("data/b.bin")),
            files["b.bin"]
        );
        let doc: serde_json::Value =
            serde_json::from_slice(&std::fs::read(rdir.join("record.json")).expect("record.json"))
                .expect("json");
        assert_eq!(doc["id"], rid.as_str());
    }
    assert!(dir.join("mirror.json").exists());

    // Unchanged: nothing fetched.
    let again = c.repo().mirror(&source, &dir, &opts).await.expect("again");
    assert_eq!(
        (
            again.unchanged,
            again.files_fetched,
            again.new,
            again.changed
        ),
        (4, 0, 0, 0),
        "{again:?}"
    );

    // One record edited, one added: only those two are fetched, only the new one's files.
    let edited = ids[1].clone();
    let mut d = c.drafts().edit(&edited).await.expect("edit");
    d.metadata.get_or_insert_with(Default::default).title = Some(format!("Edited {}", env.tag));
    c.drafts().update(&edited, &d).await.expect("update");
    c.drafts().publish(&edited).await.expect("publish the edit");
    let extra = b"the fifth\n".to_vec();
    let fifth = id(&published(env, &format!("Mirror 4 {}", env.tag), &[("a.txt", &extra)]).await);
    include(env, &fifth, &com).await;
    let community_id = cid(&com);
    let edit_seen = || {
        let (cid, rid) = (community_id.clone(), edited.clone());
        async move {
            c.communities()
                .records(&cid, &SearchQuery::new(format!("id:{rid}")))
                .await
                .is_ok_and(|r| {
                    r.items()
                        .iter()
                        .any(|x| x.title().is_some_and(|t| t.starts_with("Edited")))
                })
        }
    };
    eventually("the edit is searchable", edit_seen).await;
    eventually("the fifth record is searchable", || listed(5)).await;
    let third = c.repo().mirror(&source, &dir, &opts).await.expect("third");
    assert_eq!(
        (
            third.listed,
            third.new,
            third.changed,
            third.unchanged,
            third.files_fetched
        ),
        (5, 1, 1, 3, 1),
        "{third:?}"
    );
    let doc: serde_json::Value = serde_json::from_slice(
        &std::fs::read(dir.join(&edited).join("record.json")).expect("record.json"),
    )
    .expect("json");
    assert!(
        doc["metadata"]["title"]
            .as_str()
            .is_some_and(|t| t.starts_with("Edited")),
        "{doc}"
    );

    // The same folder for another source: refused, before anything is listed.
    let e = c
        .repo()
        .mirror(&MirrorSource::query(env.tag.clone()), &dir, &opts)
        .await
        .expect_err("another source");
    assert!(matches!(e, Error::Usage(_)), "{e}");

    // A record leaves the community: reported gone, kept; with prune, removed.
    c.records()
        .remove_from_communities(&ids[0], &[cid(&com).as_str()])
        .await
        .expect("remove from the community");
    eventually("the removal is searchable", || listed(4)).await;
    let fourth: MirrorReport = c.repo().mirror(&source, &dir, &opts).await.expect("fourth");
    assert_eq!(
        (fourth.gone, fourth.removed, fourth.listed),
        (1, 0, 4),
        "{fourth:?}"
    );
    assert!(dir.join(&ids[0]).join("record.json").exists(), "kept");
    opts.prune = true;
    let fifth_run = c.repo().mirror(&source, &dir, &opts).await.expect("pruned");
    assert_eq!((fifth_run.gone, fifth_run.removed), (1, 1), "{fifth_run:?}");
    assert!(!dir.join(&ids[0]).exists(), "removed");
    assert!(dir.join(&ids[1]).join("record.json").exists());
}
