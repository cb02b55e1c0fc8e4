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

/// A community joins another as a subcommunity: refused while the parent takes none;
/// accepted at once for someone who manages both; decided by the parent's owners otherwise.
pub async fn subcommunities_join_their_parent(env: &Env) {
    use inveniordm::api::Joining;
    let c = &env.client;
    let parent = community(env, "parent", None).await;
    let child = community(env, "child", None).await;
    let (pid, kid) = (cid(&parent), cid(&child));
    let e = c
        .communities()
        .join_request(&pid, &Joining::Existing(kid.clone()))
        .await
        .expect_err("the parent takes no subcommunities yet");
    assert_eq!(api_status(&e), 400, "{e}");
    assert!(
        e.to_string().contains("does not accept subcommunities"),
        "{e}"
    );
    let e = env
        .second
        .communities()
        .set_children_allowed(&pid, true)
        .await
        .expect_err("not an administrator");
    assert_eq!(api_status(&e), 403, "{e}");
    let allowed = c
        .communities()
        .set_children_allowed(&pid, true)
        .await
        .expect("subcommunities allowed");
    assert_eq!(
        allowed
            .extra
            .get("children")
            .and_then(|ch| ch.get("allow"))
            .and_then(|a| a.as_bool()),
        Some(true)
    );
    // The caller owns both: accepted at once.
    let r = c
        .communities()
        .join_request(&pid, &Joining::Existing(kid.clone()))
        .await
        .expect("joined");
    assert_eq!(r.kind.as_deref(), Some("subcommunity"));
    assert_eq!(r.status.as_ref().map(|s| s.as_str()), Some("accepted"));
    let joined = c.communities().get(&kid).await.expect("the child");
    assert_eq!(
        joined
            .extra
            .get("parent")
            .and_then(|p| p.get("id"))
            .and_then(|i| i.as_str()),
        Some(pid.as_str())
    );
    eventually("the parent lists its subcommunity", || {
        let (pid, kid) = (pid.clone(), kid.clone());
        async move {
            c.communities()
                .subcommunities(&pid, &SearchQuery::all())
                .await
                .is_ok_and(|p| {
                    p.items()
                        .iter()
                        .any(|x| x.id.as_deref() == Some(kid.as_str()))
                })
        }
    })
    .await;
    // Someone else's community asks: submitted, and the parent's owner decides.
    let slug = format!("{}-theirs", env.tag.to_lowercase());
    let theirs = env
        .second
        .communities()
        .create(&inveniordm::models::Community::new_with(
            &slug,
            format!("Theirs {}", env.tag),
        ))
        .await
        .expect("their community");
    let e = env
        .second
        .communities()
        .join_request(&pid, &Joining::Existing(kid.clone()))
        .await
        .expect_err("not the child's owner");
    assert_eq!(api_status(&e), 403, "{e}");
    let asked = env
        .second
        .communities()
        .join_request(&pid, &Joining::Existing(cid(&theirs)))
        .await
        .expect("asked");
    assert_eq!(asked.status.as_ref().map(|s| s.as_str()), Some("submitted"));
    let rid = asked.id.clone().expect("request id");
    let e = env
        .second
        .requests()
        .accept(&rid, None)
        .await
        .expect_err("not theirs to decide");
    assert_eq!(api_status(&e), 403, "{e}");
    c.requests()
        .decline(&rid, None)
        .await
        .expect("declined by the parent's owner");
    let still = c.communities().get(&cid(&theirs)).await.expect("theirs");
    assert!(
        still.extra.get("parent").is_none_or(|p| p.is_null()),
        "{still:?}"
    );
}
