//! Deleting published records: an administrator's deletion with a tombstone, what readers
//! then get, restoring, a hidden tombstone, and an owner's deletion request (v14).

use inveniordm::Error;
use inveniordm::api::{DeletionRequest, Removal};
use inveniordm::models::Record;

use super::{Env, api_status, id, new_draft};

/// A published record of `client`'s user.
async fn publish(client: &inveniordm::Client, title: &str) -> String {
    let mut d = new_draft(title);
    d.files = Some(inveniordm::models::Files::disabled());
    let d = client.drafts().create(&d).await.expect("create");
    let did = id(&d);
    client.drafts().publish(&did).await.expect("publish");
    did
}

/// The tombstone of a record read as `client`, which must be deleted.
async fn tombstone_of(client: &inveniordm::Client, rid: &str) -> inveniordm::models::Tombstone {
    match client.records().get(rid).await {
        Err(Error::Deleted { tombstone, .. }) => *tombstone,
        other => panic!("{rid} should read as deleted: {other:?}"),
    }
}

pub async fn record_deletion_and_tombstone(env: &Env) {
    let c = &env.client;
    let rid = publish(c, &format!("Deleted {}", env.tag)).await;
    // Only administrators delete: the second user may not, even their own record.
    let theirs = publish(
        &env.second,
        &format!("Not deleted by its owner {}", env.tag),
    )
    .await;
    let e = env
        .second
        .records()
        .delete(&theirs, &Removal::because("spam"))
        .await
        .expect_err("an owner is no administrator");
    assert_eq!(api_status(&e), 403, "{e}");
    // An unknown reason is refused before anything is sent: the record is untouched.
    let e = c
        .records()
        .delete(&rid, &Removal::because("not-a-reason"))
        .await
        .expect_err("an unknown reason");
    assert!(
        matches!(&e, Error::InvalidArgument(m) if m.contains("spam")),
        "the known reasons are named: {e}"
    );
    c.records().get(&rid).await.expect("still there");

    c.records()
        .delete(&rid, &Removal::because("spam").note("Advertising."))
        .await
        .expect("an administrator deletes");
    // Everyone reading it gets the tombstone, the record's files too.
    let t = tombstone_of(&env.anon, &rid).await;
    assert_eq!(t.reason_id(), Some("spam"));
    assert_eq!(t.note.as_deref(), Some("Advertising."));
    assert_eq!(t.is_visible, Some(true));
    assert!(t.removed_by_user().is_some(), "{t:?}");
    assert!(
        t.citation_text
            .as_deref()
            .is_some_and(|c| c.contains("Deleted")),
        "the citation of what was there: {t:?}"
    );
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    assert!(
        t.removal_date
            .as_deref()
            .is_some_and(|d| d.starts_with(&today)),
        "{t:?}"
    );
    let e = env
        .anon
        .records()
        .files(&rid)
        .await
        .expect_err("the files of a deleted record");
    assert!(matches!(e, Error::Deleted { .. }), "{e}");
    assert!(e.is_not_found());
    // An administrator reads it whole, with the tombstone.
    let whole: Record = c
        .records()
        .get_including_deleted(&rid)
        .await
        .expect("read with deleted records included");
    assert_eq!(
        whole.deletion_status.as_ref().and_then(|s| s.is_deleted),
        Some(true)
    );
    assert_eq!(
        whole.tombstone.as_ref().and_then(|t| t.reason_id()),
        Some("spam")
    );
    // Deleting it again is refused before anything is sent (v13 would answer 500, v14 400);
    // restoring brings it back.
    let e = c
        .records()
        .delete(&rid, &Removal::because("spam"))
        .await
        .expect_err("already deleted");
    assert!(matches!(e, Error::Usage(_)), "{e}");
    let back = c.records().restore(&rid).await.expect("restore");
    assert_eq!(back.id(), Some(rid.as_str()));
    let read = env.anon.records().get(&rid).await.expect("readable again");
    assert_eq!(
        read.deletion_status.as_ref().and_then(|s| s.is_deleted),
        Some(false)
    );
    let e = c
        .records()
        .restore(&rid)
        .await
        .expect_err("nothing to restore");
    assert!(matches!(e, Error::Usage(_)), "{e}");

    // A hidden tombstone: the record answers 404, as if it never was.
    let hidden = publish(c, &format!("Hidden {}", env.tag)).await;
    c.records()
        .delete(&hidden, &Removal::because("personal-data").hidden())
        .await
        .expect("delete with a hidden tombstone");
    let e = env.anon.records().get(&hidden).await.expect_err("hidden");
    assert_eq!(api_status(&e), 404, "{e}");
    assert!(e.tombstone().is_none(), "{e}");

    // An owner's deletion request: no such route on v13; on v14 refused on a stock instance,
    // carried out at once where owners may delete within the grace period.
    let asked = env
        .second
        .records()
        .request_deletion(
            &theirs,
            &DeletionRequest {
                reason: "test-record".into(),
                comment: Some("A test record, made by the conformance suite.".into()),
            },
        )
        .await;
    match (env.rdm_version, env.immediate_deletion, asked) {
        (Some(13), _, Err(e)) => assert_eq!(api_status(&e), 404, "{e}"),
        (Some(14) | None, Some(false) | None, Err(e)) if api_status(&e) == 403 => {}
        (Some(14) | None, Some(true) | None, Ok(request)) => {
            assert_eq!(
                request.status.as_ref().map(|s| s.as_str()),
                Some("accepted")
            );
            let t = tombstone_of(&env.anon, &theirs).await;
            assert_eq!(t.reason_id(), Some("test-record"));
            assert_eq!(
                t.deletion_policy.as_ref().and_then(|p| p.id.as_deref()),
                Some("grace-period-v1")
            );
            let me = env
                .second
                .users()
                .resolve(&env.second_username)
                .await
                .expect("the second user");
            assert_eq!(t.removed_by_user(), me.id(), "removed by its owner");
        }
        (v, immediate, other) => {
            panic!("request-deletion on v{v:?} (immediate {immediate:?}): {other:?}")
        }
    }
}
