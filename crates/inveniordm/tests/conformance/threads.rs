//! Requests: deleting one that was never submitted, and v14's threaded comments (replies to a
//! comment, a comment's replies, the timeline page that holds an event).

use inveniordm::models::EventPayload;

use super::sharing::{cid, community, draft_of, submit};
use super::{Env, api_status, id};

pub async fn request_threads_and_deletion(env: &Env) {
    let c = &env.client;
    let com = community(env, "threads", None).await;

    // A review set but never submitted is a request in `created`: its creator may delete it.
    let d = id(&draft_of(c, &format!("Unsent review {}", env.tag)).await);
    let review = c.drafts().set_review(&d, &cid(&com)).await.expect("review");
    let rid = review.id.clone().expect("request id");
    assert_eq!(review.status.as_ref().map(|s| s.as_str()), Some("created"));
    let e = env
        .second
        .requests()
        .delete(&rid)
        .await
        .expect_err("not theirs");
    assert_eq!(api_status(&e), 403, "{e}");
    c.requests()
        .delete(&rid)
        .await
        .expect("the creator deletes it");
    let e = c.requests().get(&rid).await.expect_err("gone");
    assert_eq!(api_status(&e), 404, "{e}");

    // A submitted request cannot be deleted, not even by an administrator.
    let d2 = id(&draft_of(c, &format!("Sent review {}", env.tag)).await);
    let req = submit(c, &d2, &com).await;
    let rid2 = req.id.clone().expect("request id");
    // Administrators pass the permission check, and the action fails; others are refused.
    let e = c.requests().delete(&rid2).await.expect_err("submitted");
    assert_eq!(api_status(&e), 400, "{e}");
    let e = env
        .second
        .requests()
        .delete(&rid2)
        .await
        .expect_err("submitted");
    assert_eq!(api_status(&e), 403, "{e}");

    // Threads.
    let comment = c
        .requests()
        .comment(&rid2, &EventPayload::text("Is the licence right?"))
        .await
        .expect("comment");
    let cid_ = comment.id.clone().expect("comment id");
    let replied = c
        .requests()
        .reply(&rid2, &cid_, &EventPayload::text("Yes, CC BY 4.0."))
        .await;
    if env.rdm_version == Some(13) {
        let e = replied.expect_err("v13 has no replies");
        assert_eq!(api_status(&e), 404, "{e}");
        let e = c
            .requests()
            .timeline_focused(&rid2, &cid_, 5)
            .await
            .expect_err("nor a focused timeline");
        assert_eq!(api_status(&e), 404, "{e}");
        return;
    }
    let reply = replied.expect("a reply");
    assert_eq!(reply.parent_id.as_deref(), Some(cid_.as_str()));
    let reply_id = reply.id.clone().expect("reply id");
    let e = c
        .requests()
        .reply(&rid2, &reply_id, &EventPayload::text("A reply to a reply"))
        .await
        .expect_err("one level deep");
    assert_eq!(api_status(&e), 400, "{e}");
    assert!(
        e.to_string().contains("Nested children are not allowed"),
        "{e}"
    );
    let replies = c
        .requests()
        .replies(&rid2, &cid_, &inveniordm::models::SearchQuery::all())
        .await
        .expect("replies");
    let ids: Vec<_> = replies
        .items()
        .iter()
        .filter_map(|r| r.id.clone())
        .collect();
    assert_eq!(ids, std::slice::from_ref(&reply_id));
    // The timeline holds the comment, not the reply; the sandbox shows it under the comment
    // (the CI's real servers leave the preview empty: quirk 49).
    let timeline = c
        .requests()
        .timeline(&rid2, &inveniordm::models::SearchQuery::all())
        .await
        .expect("timeline");
    assert!(
        timeline
            .items()
            .iter()
            .all(|e| e.id.as_deref() != Some(reply_id.as_str()))
    );
    let top = timeline
        .items()
        .iter()
        .find(|e| e.id.as_deref() == Some(cid_.as_str()))
        .expect("the comment is in the timeline");
    if !env.real {
        assert_eq!(top.children_count, Some(1));
        let preview: Vec<_> = top
            .children
            .iter()
            .flatten()
            .filter_map(|r| r.id.clone())
            .collect();
        assert_eq!(preview, std::slice::from_ref(&reply_id));
    }
    // The page of one event a page that holds the reply is its comment's.
    let page = c
        .requests()
        .timeline_focused(&rid2, &reply_id, 1)
        .await
        .expect("focused");
    let on_page: Vec<_> = page.items().iter().filter_map(|e| e.id.clone()).collect();
    assert_eq!(on_page, std::slice::from_ref(&cid_), "the comment's page");
}
