//! A community's new slug, its restoration after a deletion, and featured communities.

use inveniordm::Error;
use inveniordm::models::SearchQuery;

use super::sharing::{cid, community, eventually};
use super::{Env, api_status};

pub async fn community_rename_restore_and_featured(env: &Env) {
    let c = &env.client;
    let com = community(env, "rename", None).await;
    let id = cid(&com);
    let old_slug = com.slug.clone().expect("slug");
    let new_slug = format!("{old_slug}-renamed");
    // Not by someone who does not own it; not to the slug it has; not with a stale revision.
    let e = env
        .second
        .communities()
        .rename(&id, &new_slug, None)
        .await
        .expect_err("not theirs");
    assert_eq!(api_status(&e), 403, "{e}");
    let e = c
        .communities()
        .rename(&id, &old_slug, None)
        .await
        .expect_err("the same slug");
    assert_eq!(api_status(&e), 400, "{e}");
    let rev = com.revision_id.expect("revision");
    let e = c
        .communities()
        .rename(&id, &new_slug, Some(rev + 7))
        .await
        .expect_err("a stale revision");
    assert_eq!(api_status(&e), 412, "{e}");
    let renamed = c
        .communities()
        .rename(&id, &new_slug, None)
        .await
        .expect("renamed");
    assert_eq!(renamed.slug.as_deref(), Some(new_slug.as_str()));
    assert_eq!(renamed.id.as_deref(), Some(id.as_str()));
    let by_new = c
        .communities()
        .get(&new_slug)
        .await
        .expect("by its new slug");
    assert_eq!(by_new.id.as_deref(), Some(id.as_str()));
    let e = c
        .communities()
        .get(&old_slug)
        .await
        .expect_err("the old slug");
    assert_eq!(api_status(&e), 404, "{e}");

    // Deleted, then restored by its owner (not by anyone else); one that is not deleted is
    // refused before anything is sent.
    let e = c.communities().restore(&id).await.expect_err("not deleted");
    assert!(matches!(e, Error::Usage(_)), "{e}");
    c.communities().delete(&id).await.expect("delete");
    let e = c.communities().get(&id).await.expect_err("deleted");
    assert_eq!(api_status(&e), 410, "{e}");
    let e = env
        .second
        .communities()
        .restore(&id)
        .await
        .expect_err("not theirs");
    assert_eq!(api_status(&e), 403, "{e}");
    let back = c.communities().restore(&id).await.expect("restored");
    assert_eq!(back.id.as_deref(), Some(id.as_str()));
    c.communities().get(&id).await.expect("readable again");

    // Featured (administrators).
    let e = env
        .second
        .communities()
        .feature(&id, "2026-01-01T00:00:00")
        .await
        .expect_err("not an administrator");
    assert_eq!(api_status(&e), 403, "{e}");
    let e = c
        .communities()
        .feature(&id, "2026-01-01T00:00:00+02:00")
        .await
        .expect_err("not UTC");
    assert!(matches!(e, Error::InvalidArgument(_)), "{e}");
    let entry = c
        .communities()
        .feature(&id, "2026-01-01T00:00:00")
        .await
        .expect("featured");
    // v13 writes the time without its offset (UTC), v14 with it.
    let utc = |t: &str| match env.rdm_version {
        Some(13) => t.to_string(),
        _ => format!("{t}+00:00"),
    };
    assert_eq!(entry.start_date, Some(utc("2026-01-01T00:00:00")));
    let n = entry.id.expect("entry id");
    let entries = c
        .communities()
        .featured_entries(&id)
        .await
        .expect("entries");
    assert_eq!(entries.iter().filter_map(|e| e.id).collect::<Vec<_>>(), [n]);
    let shown = |yes: bool| {
        let id = id.clone();
        async move {
            c.communities()
                .featured(&SearchQuery::all().size(100))
                .await
                .is_ok_and(|p| {
                    p.items()
                        .iter()
                        .any(|x| x.id.as_deref() == Some(id.as_str()))
                        == yes
                })
        }
    };
    eventually("the community is featured", || shown(true)).await;
    let later = c
        .communities()
        .update_featured(&id, n, "2099-01-01T00:00:00Z")
        .await
        .expect("moved to the future");
    assert_eq!(later.start_date, Some(utc("2099-01-01T00:00:00")));
    eventually("a future entry features nothing yet", || shown(false)).await;
    c.communities().unfeature(&id, n).await.expect("unfeatured");
    let e = c
        .communities()
        .unfeature(&id, n)
        .await
        .expect_err("no such entry");
    assert_eq!(api_status(&e), 404, "{e}");
    assert!(
        c.communities()
            .featured_entries(&id)
            .await
            .expect("entries")
            .is_empty()
    );
}
