//! Scenarios of communities, reviews, requests and sharing: the main client is the curator
//! (it creates the communities), the second client a depositor with no rights of its own.

use inveniordm::Error;
use inveniordm::api::{Inclusion, SubmitReview};
use inveniordm::models::*;

use super::{Env, api_status, id, new_draft};

/// A community of this run, created by the curator.
/// Includes the caller's published record `rid` in `com`, which the caller curates: under
/// the default (closed) review policy the inclusion waits, and the curator accepts it.
pub(super) async fn include(env: &Env, rid: &str, com: &Community) {
    let added = env
        .client
        .records()
        .add_to_communities(rid, &[Inclusion::of(cid(com))])
        .await
        .expect("the curator asks to include its own record");
    let processed = added.processed.clone().unwrap_or_default();
    if let Some(req) = processed
        .first()
        .and_then(|p| p.get("request_id"))
        .and_then(|r| r.as_str())
    {
        let r = env.client.requests().get(req).await.expect("the request");
        if r.status.as_ref().map(|s| s.as_str()) != Some("accepted") {
            env.client
                .requests()
                .accept(req, None)
                .await
                .expect("accept the inclusion");
        }
    }
}

pub(super) async fn community(
    env: &Env,
    name: &str,
    review_policy: Option<ReviewPolicy>,
) -> Community {
    let slug = format!("{}-{name}", env.tag.to_lowercase());
    let mut c = Community::new_with(&slug, format!("{name} {}", env.tag));
    if let Some(p) = review_policy {
        c.access.get_or_insert_with(Default::default).review_policy = Some(p);
    }
    let made = env
        .client
        .communities()
        .create(&c)
        .await
        .expect("create community");
    assert_eq!(made.slug.as_deref(), Some(slug.as_str()));
    assert!(made.id.is_some(), "the community has an id");
    made
}

pub(super) fn cid(c: &Community) -> String {
    c.id.clone().expect("community id")
}

fn req_id(r: &Request) -> String {
    r.id.clone().expect("request id")
}

/// A request's revision.
fn rev(r: &Request) -> u64 {
    r.revision_id.expect("the request's revision_id")
}

/// The comments of a request's timeline, oldest first.
pub(super) async fn comments(c: &inveniordm::Client, req: &str) -> Vec<String> {
    let timeline = c
        .requests()
        .timeline(req, &SearchQuery::all())
        .await
        .expect("timeline");
    timeline
        .items()
        .iter()
        .filter(|e| e.kind.as_deref() == Some("C"))
        .filter_map(|e| e.payload.as_ref()?.content.clone())
        .collect()
}

/// Sets a draft's review to `community` and submits it, without a message.
pub(super) async fn submit(
    client: &inveniordm::Client,
    draft: &str,
    community: &Community,
) -> Request {
    client
        .drafts()
        .set_review(draft, &cid(community))
        .await
        .expect("set review");
    client
        .drafts()
        .submit_review(draft, &SubmitReview::new())
        .await
        .expect("submit")
}

/// A metadata-only record of the curator's, published with these access policies; its id.
pub(super) async fn published_with(
    env: &Env,
    title: &str,
    record: AccessPolicy,
    files: AccessPolicy,
) -> String {
    let mut d = new_draft(&format!("{title} {}", env.tag));
    d.access = Some(Access {
        record: Some(record),
        files: Some(files),
        ..Access::default()
    });
    d.files = Some(Files::disabled());
    let d = env.client.drafts().create(&d).await.expect("create");
    let rid = id(&d);
    env.client.drafts().publish(&rid).await.expect("publish");
    rid
}

/// A metadata-only draft of `client`'s.
pub(super) async fn draft_of(client: &inveniordm::Client, title: &str) -> Record {
    let mut d = new_draft(title);
    d.files = Some(Files::disabled());
    client.drafts().create(&d).await.expect("create draft")
}

async fn draft_status(client: &inveniordm::Client, id: &str) -> RecordStatus {
    client
        .drafts()
        .get(id)
        .await
        .expect("get draft")
        .status
        .expect("a draft has a status")
}

/// Polls (bounded) until `f` holds: searches follow writes after an index refresh.
pub(super) async fn eventually<F, Fut>(what: &str, mut f: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..40 {
        if f().await {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
    panic!("{what}: not seen within 10 s");
}

pub async fn community_lifecycle(env: &Env) {
    let c = &env.client;
    let made = community(env, "life", None).await;
    let id = cid(&made);
    let slug = made.slug.clone().expect("slug");
    let by_slug = c.communities().get(&slug).await.expect("get by slug");
    assert_eq!(by_slug.id.as_deref(), Some(id.as_str()));
    let access = by_slug.access.clone().expect("access");
    assert_eq!(
        access.review_policy,
        Some(ReviewPolicy::Closed),
        "the default review policy"
    );
    assert_eq!(access.visibility, Some(CommunityVisibility::Public));

    let mut changed = by_slug.clone();
    changed
        .metadata
        .get_or_insert_with(Default::default)
        .description = Some("Changed by the conformance suite.".into());
    let updated = c
        .communities()
        .update(&id, &changed)
        .await
        .expect("update with the current revision");
    assert_eq!(
        updated
            .metadata
            .as_ref()
            .and_then(|m| m.description.as_deref()),
        Some("Changed by the conformance suite.")
    );
    let stale = c
        .communities()
        .update(&id, &changed)
        .await
        .expect_err("update with a stale revision");
    assert_eq!(api_status(&stale), 412, "{stale}");
    let err = env
        .second
        .communities()
        .update(&id, &updated)
        .await
        .expect_err("a stranger updates");
    assert!(err.is_permission_denied(), "{err}");

    let dup = c
        .communities()
        .create(&Community::new_with(&slug, "Again"))
        .await
        .expect_err("a taken slug");
    assert_eq!(api_status(&dup), 400);
    assert!(dup.to_string().contains("slug"), "{dup}");

    let q = SearchQuery::new(format!("slug:{slug}"));
    eventually("the community in a search", || async {
        c.communities().search(&q).await.expect("search").total() == 1
    })
    .await;
    let mine = c.communities().mine(&q).await.expect("user communities");
    assert_eq!(mine.total(), 1);
    let members = c
        .communities()
        .members(&id, &SearchQuery::all())
        .await
        .expect("members");
    assert_eq!(members.total(), 1);
    assert_eq!(
        members.items()[0].role,
        Some(MemberRole::Owner),
        "the creator owns it"
    );
    let no_logo = c.communities().logo(&id).await.expect_err("no logo yet");
    assert_eq!(api_status(&no_logo), 404);
    // A 1×1 PNG.
    let png: Vec<u8> = [
        &b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0\x1f\x15\xc4\x89"[..],
        &b"\0\0\0\rIDATx\x9cc\xf8\xff\xff?\0\x05\xfe\x02\xfe\xa75\x81\x84"[..],
        &b"\0\0\0\0IEND\xaeB`\x82"[..],
    ]
    .concat();
    c.communities()
        .set_logo(&id, png.clone())
        .await
        .expect("set the logo");
    assert_eq!(c.communities().logo(&id).await.expect("the logo"), png);
    c.communities()
        .delete_logo(&id)
        .await
        .expect("delete the logo");
    let gone = c.communities().logo(&id).await.expect_err("logo deleted");
    assert_eq!(api_status(&gone), 404);

    c.communities().delete(&id).await.expect("delete");
    let gone = c.communities().get(&id).await.expect_err("deleted");
    assert!(
        [404, 410].contains(&api_status(&gone)),
        "a deleted community is gone: {gone}"
    );
}

pub async fn community_review_accept(env: &Env) {
    let com = community(env, "accept", None).await;
    let title = format!("Submitted {}", env.tag);
    let d = draft_of(&env.second, &title).await;
    let did = id(&d);
    let none = env
        .second
        .drafts()
        .review(&did)
        .await
        .expect_err("no review yet");
    assert_eq!(api_status(&none), 404);

    let review = env
        .second
        .drafts()
        .set_review(&did, &cid(&com))
        .await
        .expect("set review");
    assert_eq!(review.status, Some(RequestStatus::Created));
    assert_eq!(review.kind.as_deref(), Some(request::COMMUNITY_SUBMISSION));
    assert!(
        review.actions().contains_key("submit"),
        "{:?}",
        review.actions()
    );
    assert_eq!(
        draft_status(&env.second, &did).await,
        RecordStatus::DraftWithReview
    );
    let blocked = env
        .second
        .drafts()
        .publish(&did)
        .await
        .expect_err("publish past the review");
    assert_eq!(api_status(&blocked), 400);

    let submitted = env
        .second
        .drafts()
        .submit_review(
            &did,
            &SubmitReview::new().message(EventPayload::text("Please include it.")),
        )
        .await
        .expect("submit review");
    assert_eq!(submitted.status, Some(RequestStatus::Submitted));
    assert_eq!(submitted.is_open, Some(true));
    assert_eq!(
        draft_status(&env.second, &did).await,
        RecordStatus::InReview
    );
    let req = req_id(&submitted);
    let open = env
        .second
        .drafts()
        .delete_review(&did)
        .await
        .expect_err("delete an open review");
    assert_eq!(api_status(&open), 400);

    let seen = env
        .client
        .requests()
        .get(&req)
        .await
        .expect("curator reads");
    assert!(
        seen.actions().contains_key("accept"),
        "{:?}",
        seen.actions()
    );
    assert_eq!(seen.title.as_deref(), Some(title.as_str()));
    let comment = env
        .client
        .requests()
        .comment(&req, &EventPayload::text("Looks good <really>."))
        .await
        .expect("comment");
    let cm = comment.id.clone().expect("comment id");
    assert_eq!(comment.kind.as_deref(), Some("C"));
    let edited = env
        .client
        .requests()
        .update_comment(&req, &cm, &EventPayload::text("Looks very good."))
        .await
        .expect("edit the comment");
    assert_eq!(
        edited.payload.as_ref().and_then(|p| p.content.as_deref()),
        Some("Looks very good.")
    );
    let err = env
        .second
        .requests()
        .accept(&req, None)
        .await
        .expect_err("the submitter accepts");
    assert!(err.is_permission_denied(), "{err}");
    let unknown = env
        .client
        .requests()
        .action(&req, "approve", None)
        .await
        .expect_err("an action the request has not");
    assert_eq!(api_status(&unknown), 400);

    let accepted = env
        .client
        .requests()
        .accept(&req, Some(&EventPayload::text("Welcome.")))
        .await
        .expect("accept");
    assert_eq!(accepted.status, Some(RequestStatus::Accepted));
    assert_eq!(accepted.is_closed, Some(true));
    let again = env
        .client
        .requests()
        .accept(&req, None)
        .await
        .expect_err("accept twice");
    assert_eq!(api_status(&again), 400);

    assert_eq!(
        comments(&env.client, &req).await,
        ["Please include it.", "Looks very good.", "Welcome."],
        "the submit message, the edited comment and the accept message, oldest first"
    );
    let timeline = env
        .client
        .requests()
        .timeline(&req, &SearchQuery::all())
        .await
        .expect("timeline");
    assert!(
        timeline
            .items()
            .iter()
            .any(|e| e.kind.as_deref() == Some("L")
                && e.payload.as_ref().and_then(|p| p.event.as_deref()) == Some("accepted")),
        "the acceptance is logged"
    );

    // Accepting published the record in the community.
    let rec = env.anon.records().get(&did).await.expect("published");
    assert_eq!(rec.is_published, Some(true));
    let parent = rec.parent.as_ref().expect("parent");
    let ids = parent
        .communities
        .as_ref()
        .and_then(|c| c.get("ids"))
        .cloned()
        .unwrap_or_default();
    assert_eq!(ids, serde_json::json!([cid(&com)]));
    let of_record = env
        .anon
        .records()
        .communities(&did, &SearchQuery::all())
        .await
        .expect("record communities");
    assert_eq!(of_record.total(), 1);
    let q = SearchQuery::new(format!("id:{did}"));
    eventually("the record among the community's records", || async {
        env.anon
            .communities()
            .records(&cid(&com), &q)
            .await
            .expect("community records")
            .total()
            == 1
    })
    .await;
}

pub async fn community_review_decline_and_cancel(env: &Env) {
    let com = community(env, "decline", None).await;
    // Declined: the draft comes back to its owner to change.
    let d = draft_of(&env.second, &format!("Declined {}", env.tag)).await;
    let did = id(&d);
    let r = submit(&env.second, &did, &com).await;
    let declined = env
        .client
        .requests()
        .decline(&req_id(&r), Some(&EventPayload::text("Out of scope.")))
        .await
        .expect("decline");
    assert_eq!(declined.status, Some(RequestStatus::Declined));
    assert!(
        rev(&declined) > rev(&r),
        "declining is a new revision of the request"
    );
    assert_eq!(
        draft_status(&env.second, &did).await,
        RecordStatus::Declined
    );
    let err = env
        .anon
        .records()
        .get(&did)
        .await
        .expect_err("not published");
    assert_eq!(api_status(&err), 404);
    env.second
        .drafts()
        .delete_review(&did)
        .await
        .expect("delete the declined review");
    assert_eq!(draft_status(&env.second, &did).await, RecordStatus::Draft);

    // Cancelled by the submitter: the draft is a plain draft again.
    let d = draft_of(&env.second, &format!("Cancelled {}", env.tag)).await;
    let did = id(&d);
    env.second
        .drafts()
        .set_review(&did, &cid(&com))
        .await
        .expect("set review");
    let r = env
        .second
        .drafts()
        .submit_review(
            &did,
            &SubmitReview::new().message(EventPayload::text("On second thought…")),
        )
        .await
        .expect("submit");
    let req = req_id(&r);
    let cancelled = env
        .second
        .requests()
        .cancel(&req, None)
        .await
        .expect("cancel");
    assert_eq!(cancelled.status, Some(RequestStatus::Cancelled));
    assert!(
        rev(&cancelled) > rev(&r),
        "cancelling is a new revision of the request"
    );
    assert_eq!(draft_status(&env.second, &did).await, RecordStatus::Draft);
    // The draft has no review any more (its parent's review was cleared).
    let none = env
        .second
        .drafts()
        .review(&did)
        .await
        .expect_err("no review after a cancellation");
    assert_eq!(api_status(&none), 404, "{none}");
    let again = env
        .second
        .requests()
        .cancel(&req, None)
        .await
        .expect_err("cancel twice");
    assert_eq!(api_status(&again), 400);
    let mine = env
        .second
        .requests()
        .mine(&SearchQuery::all().size(100))
        .await
        .expect("the submitter's requests");
    assert!(mine.total() >= 2, "the submitter sees its requests");
}

pub async fn curator_submission_with_and_without_review(env: &Env) {
    let com = community(env, "direct", Some(ReviewPolicy::Open)).await;
    // A curator of a community whose review policy is open publishes directly...
    let d = draft_of(&env.client, &format!("Direct {}", env.tag)).await;
    let did = id(&d);
    env.client
        .drafts()
        .set_review(&did, &cid(&com))
        .await
        .expect("set review");
    let r = env
        .client
        .drafts()
        .submit_review(
            &did,
            &SubmitReview::new().message(EventPayload::text("Mine.")),
        )
        .await
        .expect("submit");
    assert_eq!(r.status, Some(RequestStatus::Accepted), "accepted at once");
    let rec = env
        .anon
        .records()
        .get(&did)
        .await
        .expect("published at once");
    assert_eq!(rec.is_published, Some(true));

    // ...unless they ask for a review.
    let d = draft_of(&env.client, &format!("Reviewed {}", env.tag)).await;
    let did = id(&d);
    env.client
        .drafts()
        .set_review(&did, &cid(&com))
        .await
        .expect("set review");
    let r = env
        .client
        .drafts()
        .submit_review(&did, &SubmitReview::new().require_review())
        .await
        .expect("submit with review");
    assert_eq!(r.status, Some(RequestStatus::Submitted));
    assert_eq!(
        draft_status(&env.client, &did).await,
        RecordStatus::InReview
    );
    let accepted = env
        .client
        .requests()
        .accept(&req_id(&r), None)
        .await
        .expect("accept");
    assert_eq!(accepted.status, Some(RequestStatus::Accepted));
    env.anon
        .records()
        .get(&did)
        .await
        .expect("published after review");

    // A depositor of no role is reviewed even there.
    let d = draft_of(&env.second, &format!("Outsider {}", env.tag)).await;
    let did = id(&d);
    let r = submit(&env.second, &did, &com).await;
    assert_eq!(r.status, Some(RequestStatus::Submitted));
    env.second
        .requests()
        .cancel(&req_id(&r), None)
        .await
        .expect("cancel");
}

pub async fn record_added_to_a_second_community(env: &Env) {
    let first = community(env, "first", None).await;
    let second = community(env, "second", None).await;
    let d = draft_of(&env.second, &format!("Included {}", env.tag)).await;
    let did = id(&d);
    let r = submit(&env.second, &did, &first).await;
    env.client
        .requests()
        .accept(&req_id(&r), None)
        .await
        .expect("accept");

    let result = env
        .second
        .records()
        .add_to_communities(&did, &[Inclusion::of(cid(&second))])
        .await
        .expect("add to a second community");
    let processed = result.processed.clone().unwrap_or_default();
    assert_eq!(processed.len(), 1, "{result:?}");
    let req = processed[0]["request_id"]
        .as_str()
        .expect("an inclusion request")
        .to_string();
    let inclusion = env
        .client
        .requests()
        .get(&req)
        .await
        .expect("read the inclusion");
    assert_eq!(
        inclusion.kind.as_deref(),
        Some(request::COMMUNITY_INCLUSION)
    );
    assert_eq!(inclusion.status, Some(RequestStatus::Submitted));
    let twice = env
        .second
        .records()
        .add_to_communities(&did, &[Inclusion::of(cid(&second))])
        .await
        .expect_err("an open inclusion exists");
    assert_eq!(api_status(&twice), 400);
    let about = env
        .second
        .records()
        .requests(&did, &SearchQuery::all())
        .await
        .expect("the record's requests");
    assert!(
        about
            .items()
            .iter()
            .any(|r| r.id.as_deref() == Some(req.as_str())),
        "the inclusion is among the record's requests"
    );
    env.client
        .requests()
        .accept(&req, None)
        .await
        .expect("accept the inclusion");
    let of_record = env
        .anon
        .records()
        .communities(&did, &SearchQuery::all())
        .await
        .expect("record communities");
    assert_eq!(of_record.total(), 2);

    env.client
        .records()
        .remove_from_communities(&did, &[cid(&first).as_str()])
        .await
        .expect("remove from the first");
    let of_record = env
        .anon
        .records()
        .communities(&did, &SearchQuery::all())
        .await
        .expect("record communities");
    let left: Vec<_> = of_record
        .items()
        .iter()
        .filter_map(|c| c.id.clone())
        .collect();
    assert_eq!(left, [cid(&second)]);
}

pub async fn grants_share_a_restricted_record(env: &Env) {
    let rid = published_with(
        env,
        "Shared",
        AccessPolicy::Restricted,
        AccessPolicy::Restricted,
    )
    .await;
    let before = env
        .second
        .records()
        .get(&rid)
        .await
        .expect_err("before the grant");
    assert!(before.is_permission_denied(), "{before}");

    let user = env
        .client
        .users()
        .resolve(&env.second_username)
        .await
        .expect("find the second user by username");
    let uid = user.id.clone().expect("user id");
    let made = env
        .client
        .records()
        .grants()
        .create(&rid, &[AccessGrant::to_user(&uid, GrantPermission::View)])
        .await
        .expect("grant");
    assert_eq!(made.total(), 1);
    let twice = env
        .client
        .records()
        .grants()
        .create(&rid, &[AccessGrant::to_user(&uid, GrantPermission::Edit)])
        .await
        .expect_err("a second grant to the same user");
    assert_eq!(api_status(&twice), 400);
    let after = env
        .second
        .records()
        .get(&rid)
        .await
        .expect("after the grant");
    assert_eq!(after.id.as_deref(), Some(rid.as_str()));

    let list = env
        .client
        .records()
        .grants()
        .list(&rid)
        .await
        .expect("list");
    assert_eq!(list.total(), 1);
    let g = &list.items()[0];
    assert_eq!(
        g.subject.as_ref().and_then(|s| s.id.as_deref()),
        Some(uid.as_str())
    );
    assert_eq!(g.permission, Some(GrantPermission::View));
    let index = g.id.expect("a grant's id is its index");
    let changed = env
        .client
        .records()
        .grants()
        .update(
            &rid,
            index,
            &AccessGrant {
                permission: Some(GrantPermission::Preview),
                ..AccessGrant::default()
            },
        )
        .await
        .expect("change the permission");
    assert_eq!(changed.permission, Some(GrantPermission::Preview));
    let err = env
        .second
        .records()
        .grants()
        .list(&rid)
        .await
        .expect_err("a grantee lists grants");
    assert!(err.is_permission_denied(), "{err}");
    env.client
        .records()
        .grants()
        .delete(&rid, index)
        .await
        .expect("revoke");
    let revoked = env
        .second
        .records()
        .get(&rid)
        .await
        .expect_err("after revoking");
    assert!(revoked.is_permission_denied(), "{revoked}");
}

pub async fn access_request_reaches_the_owner(env: &Env) {
    let rid = published_with(
        env,
        "Ask for it",
        AccessPolicy::Public,
        AccessPolicy::Restricted,
    )
    .await;
    let rec = env
        .client
        .records()
        .set_access_settings(
            &rid,
            &AccessSettings {
                allow_user_requests: Some(true),
                ..AccessSettings::default()
            },
        )
        .await
        .expect("allow user requests");
    let settings = rec
        .access_settings()
        .expect("the answer carries the settings");
    assert_eq!(settings.allow_user_requests, Some(true));
    let denied = env
        .second
        .records()
        .files(&rid)
        .await
        .expect_err("restricted files");
    assert!(denied.is_permission_denied(), "{denied}");

    let asked = env
        .second
        .records()
        .request_access(&rid, &env.second_email, "May I see the files?")
        .await
        .expect("request access");
    assert_eq!(asked.kind.as_deref(), Some(request::USER_ACCESS_REQUEST));
    assert_eq!(asked.status, Some(RequestStatus::Submitted));
    let req = req_id(&asked);
    let again = env
        .second
        .records()
        .request_access(&rid, &env.second_email, "Again?")
        .await
        .expect_err("an identical open request");
    assert_eq!(api_status(&again), 400);

    // A grant of the record's own stays when the asker's is added.
    env.client
        .records()
        .grants()
        .create(
            &rid,
            &[AccessGrant::to_group("admin", GrantPermission::View)],
        )
        .await
        .expect("a grant to a group");

    // The owner receives it and accepts: the asker now reads the files.
    let seen = env
        .client
        .requests()
        .get(&req)
        .await
        .expect("the owner reads it");
    assert!(
        seen.actions().contains_key("accept"),
        "{:?}",
        seen.actions()
    );
    assert_eq!(
        seen.topic.as_ref().and_then(|t| t.record.as_deref()),
        Some(rid.as_str())
    );
    let accepted = env
        .client
        .requests()
        .accept(&req, None)
        .await
        .expect("accept");
    assert!(
        rev(&accepted) > rev(&asked),
        "accepting is a new revision of the request"
    );
    env.second
        .records()
        .files(&rid)
        .await
        .expect("files after the grant");
    let grants = env
        .client
        .records()
        .grants()
        .list(&rid)
        .await
        .expect("grants");
    assert_eq!(
        grants.total(),
        2,
        "accepting made a grant, beside the group's"
    );
    let kinds: Vec<Option<&str>> = grants
        .items()
        .iter()
        .map(|g| g.subject.as_ref().and_then(|s| s.kind.as_deref()))
        .collect();
    assert!(
        kinds.contains(&Some("user")) && kinds.contains(&Some("role")),
        "the asker's grant and the group's: {kinds:?}"
    );
}

/// Run against an instance that publishes only through communities.
pub async fn community_required_to_publish(env: &Env) {
    let com = community(env, "required", None).await;
    let d = draft_of(&env.second, &format!("Required {}", env.tag)).await;
    let did = id(&d);
    let err = env
        .second
        .drafts()
        .publish(&did)
        .await
        .expect_err("a direct publish");
    assert_eq!(api_status(&err), 400);
    assert!(
        matches!(&err, Error::Api { message, .. } if message.contains("community")),
        "{err}"
    );
    let r = submit(&env.second, &did, &com).await;
    env.client
        .requests()
        .accept(&req_id(&r), None)
        .await
        .expect("accept");
    let rec = env
        .anon
        .records()
        .get(&did)
        .await
        .expect("published through the community");
    assert_eq!(rec.is_published, Some(true));
}

/// A community's requests: its curators' inbox, with submitted reviews, never unsubmitted
/// ones; others may not read it.
pub async fn community_requests_inbox(env: &Env) {
    let com = community(env, "inbox", None).await;
    let submitted = draft_of(&env.second, &format!("Inbox submitted {}", env.tag)).await;
    let request = submit(&env.second, &id(&submitted), &com).await;
    // A review set but not submitted stays out of the inbox.
    let only_set = draft_of(&env.second, &format!("Inbox only set {}", env.tag)).await;
    let set = env
        .second
        .drafts()
        .set_review(&id(&only_set), &cid(&com))
        .await
        .expect("set review");
    let inbox = env
        .client
        .communities()
        .requests(&cid(&com), &SearchQuery::all().size(50))
        .await
        .expect("the curator's inbox");
    let ids: Vec<String> = inbox.items().iter().map(req_id).collect();
    assert!(ids.contains(&req_id(&request)), "{ids:?}");
    assert!(
        !ids.contains(&req_id(&set)),
        "an unsubmitted review: {ids:?}"
    );
    assert!(
        inbox
            .items()
            .iter()
            .all(|r| r.receiver.as_ref().and_then(|e| e.community.as_deref())
                == Some(cid(&com).as_str())),
        "only what this community receives"
    );
    let open = env
        .client
        .communities()
        .requests(&cid(&com), &SearchQuery::all().filter("is_open", "true"))
        .await
        .expect("open ones");
    assert!(
        open.items().iter().any(|r| req_id(r) == req_id(&request)),
        "the submitted review is open"
    );
    let e = env
        .second
        .communities()
        .requests(&cid(&com), &SearchQuery::all())
        .await
        .expect_err("a depositor is no curator");
    assert_eq!(api_status(&e), 403, "{e}");
}

/// A record's default community: one it is in, set by its owner, cleared again; not one it is
/// not in, not by someone else.
pub async fn default_community_of_a_record(env: &Env) {
    let com = community(env, "default", None).await;
    let other = community(env, "not-default", None).await;
    let rid = published_with(
        env,
        "Default community",
        AccessPolicy::Public,
        AccessPolicy::Public,
    )
    .await;
    include(env, &rid, &com).await;
    let parent = env
        .client
        .records()
        .set_default_community(&rid, Some(&cid(&com)))
        .await
        .expect("set the default");
    let default = |p: &Parent| {
        p.communities
            .as_ref()
            .and_then(|c| c.get("default"))
            .and_then(|d| d.as_str())
            .map(str::to_string)
    };
    assert_eq!(default(&parent), Some(cid(&com)));
    let record = env.client.records().get(&rid).await.expect("get");
    assert_eq!(
        record.parent.as_ref().and_then(default),
        Some(cid(&com)),
        "the record shows it"
    );
    let e = env
        .client
        .records()
        .set_default_community(&rid, Some(&cid(&other)))
        .await
        .expect_err("a community the record is not in");
    assert_eq!(api_status(&e), 400, "{e}");
    assert!(e.to_string().contains("has not been added"), "{e}");
    let e = env
        .second
        .records()
        .set_default_community(&rid, None)
        .await
        .expect_err("not the owner");
    assert_eq!(api_status(&e), 403, "{e}");
    let parent = env
        .client
        .records()
        .set_default_community(&rid, None)
        .await
        .expect("cleared");
    assert_eq!(default(&parent), None);
}
