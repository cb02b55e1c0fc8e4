//! A community's members: invitations accepted, declined and cancelled, roles and visibility
//! changed, leaving, and membership requests (off on a stock instance).

use inveniordm::api::Invitation;
use inveniordm::models::{MemberRole, SearchQuery};

use super::sharing::{cid, comments, community};
use super::{Env, api_status};

/// The open invitation of `user` in the community, as its managers list it: the request id.
async fn pending_invitation(env: &Env, com: &str, user: &str) -> Option<String> {
    let page = env
        .client
        .communities()
        .invitations(com, &SearchQuery::all().size(100))
        .await
        .expect("invitations");
    page.items().iter().find_map(|m| {
        let request = m.extra.get("request")?;
        let open = request.get("is_open")?.as_bool()?;
        let who = m.member.as_ref()?.id.as_deref()?;
        (open && who == user)
            .then(|| request.get("id")?.as_str().map(str::to_string))
            .flatten()
    })
}

async fn role_of(env: &Env, com: &str, user: &str) -> Option<String> {
    let page = env
        .client
        .communities()
        .members(com, &SearchQuery::all().size(100))
        .await
        .expect("members");
    page.items().iter().find_map(|m| {
        (m.member.as_ref()?.id.as_deref()? == user)
            .then(|| m.role.as_ref().map(|r| r.as_str().to_string()))
            .flatten()
    })
}

pub async fn community_members_and_invitations(env: &Env) {
    let c = &env.client;
    let com = community(env, "members", None).await;
    let id = cid(&com);
    let slug = com.slug.clone().expect("slug");
    let second = super::second_id(env).await;

    // Invited (by slug: the library looks the id up), not twice, not by a non-member.
    let invitation = Invitation::new([second.as_str()], MemberRole::from("curator"))
        .message("Would you curate with us?");
    c.communities()
        .invite(&slug, &invitation)
        .await
        .expect("invite");
    let e = c
        .communities()
        .invite(&id, &invitation)
        .await
        .expect_err("invited already");
    assert_eq!(api_status(&e), 400, "{e}");
    let e = env
        .second
        .communities()
        .invite(&id, &invitation)
        .await
        .expect_err("not a manager");
    assert_eq!(api_status(&e), 403, "{e}");
    let e = c
        .communities()
        .invite(
            &id,
            &Invitation::new(["987654321"], MemberRole::from("reader")),
        )
        .await
        .expect_err("no such user");
    assert_eq!(api_status(&e), 400, "{e}");
    let e = env
        .second
        .communities()
        .invitations(&id, &SearchQuery::all())
        .await
        .expect_err("not a manager");
    assert_eq!(api_status(&e), 403, "{e}");
    let rid = pending_invitation(env, &id, &second)
        .await
        .expect("the invitation is listed, open");
    let request = env
        .second
        .requests()
        .get(&rid)
        .await
        .expect("the invitee reads it");
    assert_eq!(request.kind.as_deref(), Some("community-invitation"));
    assert_eq!(
        comments(&env.second, &rid).await,
        ["Would you curate with us?"],
        "the invitation's message is its first comment"
    );
    // The role offered changes while it is pending.
    c.communities()
        .update_members(
            &id,
            &[second.as_str()],
            Some(&MemberRole::from("reader")),
            None,
        )
        .await
        .expect("another role for the invitation");
    env.second
        .requests()
        .accept(&rid, None)
        .await
        .expect("accepted");
    assert_eq!(role_of(env, &id, &second).await.as_deref(), Some("reader"));

    // Roles and visibility.
    let e = env
        .second
        .communities()
        .update_members(
            &id,
            &[second.as_str()],
            Some(&MemberRole::from("owner")),
            None,
        )
        .await
        .expect_err("their own role");
    assert_eq!(api_status(&e), 400, "{e}");
    assert!(
        e.to_string().contains("You cannot change your own role."),
        "{e}"
    );
    let e = c
        .communities()
        .update_members(&id, &[second.as_str()], None, Some(true))
        .await
        .expect_err("someone else's visibility");
    assert_eq!(api_status(&e), 400, "{e}");
    env.second
        .communities()
        .update_members(&id, &[second.as_str()], None, Some(true))
        .await
        .expect("their own visibility");
    c.communities()
        .update_members(
            &id,
            &[second.as_str()],
            Some(&MemberRole::from("manager")),
            None,
        )
        .await
        .expect("a manager now");
    assert_eq!(role_of(env, &id, &second).await.as_deref(), Some("manager"));
    let e = c
        .communities()
        .update_members(&id, &["987654321"], Some(&MemberRole::from("reader")), None)
        .await
        .expect_err("not a member");
    assert_eq!(api_status(&e), 400, "{e}");

    // Leaving; asking to join again is off on a stock instance.
    env.second.communities().leave(&id).await.expect("left");
    assert_eq!(role_of(env, &id, &second).await, None);
    let e = env
        .second
        .communities()
        .members(&id, &SearchQuery::all())
        .await
        .expect_err("no longer a member");
    assert_eq!(api_status(&e), 403, "{e}");
    let e = env
        .second
        .communities()
        .request_membership(&id, Some("May I join again?"))
        .await
        .expect_err("membership requests are off");
    assert_eq!(api_status(&e), 403, "{e}");

    // An invitation cancelled by the community, another declined by the invitee.
    c.communities()
        .invite(&id, &invitation)
        .await
        .expect("invite again");
    let rid = pending_invitation(env, &id, &second)
        .await
        .expect("pending");
    let cancelled = c.requests().cancel(&rid, None).await.expect("cancelled");
    assert_eq!(
        cancelled.status.as_ref().map(|s| s.as_str()),
        Some("cancelled")
    );
    c.communities()
        .invite(&id, &invitation)
        .await
        .expect("and again");
    let rid = pending_invitation(env, &id, &second)
        .await
        .expect("pending");
    env.second
        .requests()
        .decline(&rid, None)
        .await
        .expect("declined");
    assert_eq!(role_of(env, &id, &second).await, None);

    // A member removed by a manager of their role.
    c.communities()
        .invite(&id, &invitation)
        .await
        .expect("once more");
    let rid = pending_invitation(env, &id, &second)
        .await
        .expect("pending");
    env.second
        .requests()
        .accept(&rid, None)
        .await
        .expect("accepted");
    c.communities()
        .remove_members(&id, &[second.as_str()])
        .await
        .expect("removed");
    assert_eq!(role_of(env, &id, &second).await, None);
}

/// Grants to a group (a `role` subject, named by the group's id) on a record.
pub async fn group_grants_of_a_record(env: &Env) {
    use inveniordm::models::{AccessGrant, GrantPermission, GrantSubject};
    let c = &env.client;
    let d = super::sharing::draft_of(c, &format!("Group grants {}", env.tag)).await;
    let rid = super::id(&d);
    let g = c.records().grants();
    let made = g
        .create(
            &rid,
            &[AccessGrant::to_group("admin", GrantPermission::View)],
        )
        .await
        .expect("a grant to the administrators' group");
    assert_eq!(made.items().len(), 1);
    let listed = g.groups(&rid).await.expect("group grants");
    let subjects: Vec<(Option<String>, Option<String>)> = listed
        .items()
        .iter()
        .filter_map(|x| x.subject.as_ref())
        .map(|s| (s.kind.clone(), s.id.clone()))
        .collect();
    assert_eq!(subjects, [(Some("role".into()), Some("admin".into()))]);
    // Twice, to a group that does not exist, with `group` as the type: refused.
    let e = g
        .create(
            &rid,
            &[AccessGrant::to_group("admin", GrantPermission::Edit)],
        )
        .await
        .expect_err("the group has a grant");
    assert_eq!(api_status(&e), 400, "{e}");
    let e = g
        .create(
            &rid,
            &[AccessGrant::to_group(
                format!("no-such-group-{}", env.tag),
                GrantPermission::View,
            )],
        )
        .await
        .expect_err("no such group");
    assert_eq!(api_status(&e), 400, "{e}");
    let mut wrong = AccessGrant::to_group("admin", GrantPermission::View);
    wrong.subject = Some(GrantSubject {
        kind: Some("group".into()),
        id: Some("admin".into()),
        ..GrantSubject::default()
    });
    let e = g
        .create(&rid, &[wrong])
        .await
        .expect_err("the type is role");
    assert_eq!(api_status(&e), 400, "{e}");
    let e = env
        .second
        .records()
        .grants()
        .groups(&rid)
        .await
        .expect_err("not theirs");
    assert_eq!(api_status(&e), 403, "{e}");
    let changed = g
        .update_group(&rid, "admin", GrantPermission::Preview)
        .await
        .expect("another permission");
    assert_eq!(changed.permission, Some(GrantPermission::Preview));
    g.delete_group(&rid, "admin").await.expect("removed");
    assert!(
        g.groups(&rid)
            .await
            .expect("group grants")
            .items()
            .is_empty()
    );
    let e = g.delete_group(&rid, "admin").await.expect_err("gone");
    assert_eq!(api_status(&e), 404, "{e}");
}

/// Asking to join a community whose member policy is open, where the instance allows it: the
/// community's owners see the request, may change the role it would give, and accept it.
pub async fn membership_requests_to_join(env: &Env) {
    use inveniordm::models::CommunityPolicy;
    let c = &env.client;
    let slug = format!("{}-joinable", env.tag.to_lowercase());
    let mut open = inveniordm::models::Community::new_with(&slug, format!("Joinable {}", env.tag));
    open.access
        .get_or_insert_with(Default::default)
        .member_policy = Some(CommunityPolicy::from("open"));
    let com = c
        .communities()
        .create(&open)
        .await
        .expect("an open community");
    let id = cid(&com);
    let second = super::second_id(env).await;
    let asked = env
        .second
        .communities()
        .request_membership(&id, Some("I curate ocean data."))
        .await;
    if env.membership_requests != Some(true) {
        let e = asked.expect_err("off on this instance");
        assert_eq!(api_status(&e), 403, "{e}");
        return;
    }
    let request = asked.expect("asked");
    assert_eq!(
        request.kind.as_deref(),
        Some("community-membership-request")
    );
    let rid = request.id.clone().expect("request id");
    assert_eq!(
        comments(&env.second, &rid).await,
        ["I curate ocean data."],
        "the request's message is its first comment"
    );
    let e = env
        .second
        .communities()
        .request_membership(&id, None)
        .await
        .expect_err("asked already");
    assert_eq!(api_status(&e), 400, "{e}");
    // Not to a community whose policy is closed.
    let closed = community(env, "closed", None).await;
    let e = env
        .second
        .communities()
        .request_membership(&cid(&closed), None)
        .await
        .expect_err("closed to requests");
    assert_eq!(api_status(&e), 403, "{e}");
    // The owners see it, change the role it would give, and accept it.
    let listed = c
        .communities()
        .membership_requests(&id, &SearchQuery::all())
        .await
        .expect("the requests to join");
    let ids: Vec<String> = listed
        .items()
        .iter()
        .filter_map(|m| {
            m.extra
                .get("request")?
                .get("id")?
                .as_str()
                .map(str::to_string)
        })
        .collect();
    assert_eq!(ids, std::slice::from_ref(&rid));
    let e = env
        .second
        .communities()
        .membership_requests(&id, &SearchQuery::all())
        .await
        .expect_err("not a manager");
    assert_eq!(api_status(&e), 403, "{e}");
    c.communities()
        .update_members(
            &id,
            &[second.as_str()],
            Some(&MemberRole::from("curator")),
            None,
        )
        .await
        .expect("another role for the request");
    let e = env
        .second
        .requests()
        .accept(&rid, None)
        .await
        .expect_err("not theirs");
    assert_eq!(api_status(&e), 403, "{e}");
    c.requests().accept(&rid, None).await.expect("accepted");
    assert_eq!(role_of(env, &id, &second).await.as_deref(), Some("curator"));
}
