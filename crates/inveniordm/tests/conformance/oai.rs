//! OAI-PMH: a community's records harvested as a set, page after page, and mirrored, then
//! harvested again for what changed.

use futures_util::TryStreamExt;
use inveniordm::Error;
use inveniordm::api::{OaiQuery, OaiRecord};
use inveniordm::repo::{MirrorOptions, MirrorSource, OaiSource};

use inveniordm::models::AccessPolicy;

use super::Env;
use super::sharing::{community, eventually, include, published_with};

pub async fn oai_pmh_harvest(env: &Env) {
    let c = &env.client;
    let com = community(env, "oai", None).await;
    let set = format!("community-{}", com.slug.clone().expect("slug"));
    // More than a page (ten on InvenioRDM): the harvest follows a resumption token.
    let mut ids = Vec::new();
    for i in 0..12 {
        let rid = published_with(
            env,
            &format!("Harvested {i}"),
            AccessPolicy::Public,
            AccessPolicy::Public,
        )
        .await;
        include(env, &rid, &com).await;
        ids.push(rid);
    }
    ids.sort();
    let harvest = |set: String| async move {
        c.oai()
            .records(OaiQuery::new("oai_dc").set(set))
            .try_collect::<Vec<OaiRecord>>()
            .await
    };
    eventually("the set holds the twelve records", || {
        let set = set.clone();
        async move { harvest(set).await.is_ok_and(|r| r.len() == 12) }
    })
    .await;
    let records = harvest(set.clone()).await.expect("harvested");
    let mut got: Vec<String> = records.iter().map(|r| r.record_id().to_string()).collect();
    got.sort();
    assert_eq!(got, ids, "every record of the set, once");
    for r in &records {
        let m = r.metadata.as_deref().expect("metadata");
        assert!(m.starts_with("<oai_dc:dc"), "{m}");
        assert!(m.contains("Harvested"), "{m}");
        assert!(r.datestamp.ends_with('Z'), "{}", r.datestamp);
    }
    let first = c
        .oai()
        .list_records(&OaiQuery::new("oai_dc").set(set.clone()), None)
        .await
        .expect("a page");
    assert_eq!(first.records.len(), 10);
    assert_eq!(first.complete_list_size, Some(12));
    assert!(first.resumption_token.is_some());
    let sets = c.oai().list_sets().await.expect("sets");
    assert!(sets.iter().any(|s| s.spec == set), "{sets:?}");
    // A format the server does not serve is the caller's mistake.
    let e = c
        .oai()
        .list_records(&OaiQuery::new("no-such-format"), None)
        .await
        .expect_err("no such format");
    assert!(matches!(e, Error::Usage(_)), "{e}");

    // Mirrored over OAI-PMH, then again: only what changed since is asked for.
    let dir = env.dir.join(format!("oai-{}", env.tag));
    let source = MirrorSource::oai(OaiSource::new("oai_dc").set(set.clone()));
    let opts = MirrorOptions::default();
    // Datestamps are whole seconds: a harvest a second after the last change is later than
    // every record's, so the next harvest, from then on, has nothing to list.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let one = c
        .repo()
        .mirror(&source, &dir, &opts)
        .await
        .expect("harvested");
    assert_eq!(
        (one.listed, one.new, one.files_fetched),
        (12, 12, 0),
        "{one:?}"
    );
    let quiet = c.repo().mirror(&source, &dir, &opts).await.expect("again");
    assert_eq!(
        (quiet.listed, quiet.new, quiet.changed),
        (0, 0, 0),
        "{quiet:?}"
    );
    let xml = std::fs::read_to_string(dir.join(&ids[0]).join("metadata.xml")).expect("metadata");
    assert!(xml.contains("<dc:title>Harvested"), "{xml}");
    let edited = ids[3].clone();
    let mut d = c.drafts().edit(&edited).await.expect("edit");
    d.metadata.get_or_insert_with(Default::default).title =
        Some(format!("Reharvested {}", env.tag));
    c.drafts().update(&edited, &d).await.expect("update");
    c.drafts().publish(&edited).await.expect("publish");
    let opts = &opts;
    eventually("the edit is harvested", || {
        let (dir, source, edited) = (dir.clone(), source.clone(), edited.clone());
        async move {
            let two = c.repo().mirror(&source, &dir, opts).await.expect("again");
            assert!(two.listed <= 1, "only what changed is listed: {two:?}");
            assert_eq!(two.new, 0, "{two:?}");
            std::fs::read_to_string(dir.join(&edited).join("metadata.xml"))
                .is_ok_and(|x| x.contains("Reharvested"))
        }
    })
    .await;
}
