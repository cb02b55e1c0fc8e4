//! Record revisions: every stored state of a published record, for administrators.

use super::{Env, api_status, id, new_draft};

pub async fn record_revisions_for_administrators(env: &Env) {
    let c = &env.client;
    let mut d = new_draft(&format!("Revised {}", env.tag));
    d.files = Some(inveniordm::models::Files::disabled());
    let d = c.drafts().create(&d).await.expect("create");
    let rid = id(&d);
    c.drafts().publish(&rid).await.expect("publish");
    // An edit that changes the title, published.
    let mut edit = c.drafts().edit(&rid).await.expect("edit");
    let new_title = format!("Revised again {}", env.tag);
    edit.metadata.as_mut().expect("metadata").title = Some(new_title.clone());
    c.drafts().update(&rid, &edit).await.expect("update");
    c.drafts().publish(&rid).await.expect("publish the edit");

    let revs = c.records().revisions(&rid).await.expect("revisions");
    assert!(revs.len() >= 2, "{} revisions", revs.len());
    let numbers: Vec<u64> = revs.iter().filter_map(|r| r.revision_id).collect();
    assert_eq!(numbers.len(), revs.len(), "each has its number");
    assert!(
        numbers.windows(2).all(|w| w[0] > w[1]),
        "newest first: {numbers:?}"
    );
    let title = |r: &inveniordm::models::Revision| {
        r.json
            .as_ref()
            .and_then(|j| j.get("metadata"))
            .and_then(|m| m.get("title"))
            .and_then(|t| t.as_str())
            .map(str::to_string)
    };
    assert_eq!(title(&revs[0]).as_deref(), Some(new_title.as_str()));
    assert!(
        revs.iter()
            .any(|r| title(r).as_deref() == Some(format!("Revised {}", env.tag).as_str())),
        "an older state keeps the first title"
    );
    let one = c
        .records()
        .revision(&rid, numbers[0])
        .await
        .expect("one revision");
    assert_eq!(one.revision_id, Some(numbers[0]));
    assert_eq!(title(&one).as_deref(), Some(new_title.as_str()));
    // Administrators only.
    for who in [&env.second, &env.anon] {
        let e = who
            .records()
            .revisions(&rid)
            .await
            .expect_err("not an administrator");
        assert_eq!(api_status(&e), 403, "{e}");
    }
}
