//! Storage quotas (v13 and v14) and the modification of a published record's files (v14).

use inveniordm::Error;
use inveniordm::api::Quota;
use inveniordm::repo::FileChanges;
use inveniordm::transfer::UploadOptions;

use super::{Env, api_status, id, md5_hex, new_draft, published, second_id, write};

async fn upload(
    env: &Env,
    client: &inveniordm::Client,
    draft: &str,
    key: &str,
    n: usize,
) -> Result<(), Error> {
    let p = write(env, &format!("quota-{key}"), &vec![7u8; n]).await;
    let opts = UploadOptions {
        key: Some(key.to_string()),
        ..Default::default()
    };
    client
        .drafts()
        .file_upload_with(draft, &p, &opts)
        .await
        .map(|_| ())
}

fn refused_with(r: Result<(), Error>, message: &str) {
    match r {
        Err(e) => {
            assert_eq!(api_status(&e), 400, "{e}");
            assert!(e.to_string().contains(message), "{e}");
        }
        Ok(()) => panic!("an upload past the quota was taken (expected {message:?})"),
    }
}

pub async fn quota_limits_uploads(env: &Env) {
    let c = &env.client;
    let d = c
        .drafts()
        .create(&new_draft(&format!("Quota {}", env.tag)))
        .await
        .expect("draft");
    let did = id(&d);
    // Set by an administrator, on the draft: 2 000 bytes in all, 1 000 a file.
    c.records()
        .set_quota(&did, &Quota::new(2_000, 1_000).notes("conformance"))
        .await
        .expect("an administrator sets a quota");
    refused_with(
        upload(env, c, &did, "big.bin", 1_500).await,
        "Maximum file size exceeded.",
    );
    upload(env, c, &did, "a.bin", 900)
        .await
        .expect("within the quota");
    upload(env, c, &did, "b.bin", 900)
        .await
        .expect("within the quota");
    refused_with(
        upload(env, c, &did, "c.bin", 900).await,
        "Bucket quota exceeded.",
    );
    // Not by anyone else.
    let e = env
        .second
        .records()
        .set_quota(&did, &Quota::new(1, 1))
        .await
        .expect_err("not an administrator");
    assert_eq!(api_status(&e), 403, "{e}");

    // A user's quota holds for the drafts they make from now on.
    let second = second_id(env).await;
    c.users()
        .set_quota(&second, &Quota::new(10_000, 3_000))
        .await
        .expect("a user's quota");
    let theirs = id(&env
        .second
        .drafts()
        .create(&new_draft(&format!("User quota {}", env.tag)))
        .await
        .expect("their draft"));
    let r = upload(env, &env.second, &theirs, "big.bin", 4_000).await;
    // Back to the instance's defaults (10 GB) before anything can fail.
    c.users()
        .set_quota(&second, &Quota::new(10_000_000_000, 10_000_000_000))
        .await
        .expect("the default again");
    refused_with(r, "Maximum file size exceeded.");
    let e = c
        .users()
        .set_quota("987654321", &Quota::new(1, 1))
        .await
        .expect_err("no such user");
    assert!(e.is_not_found(), "{e}");

    // Asking for more: v14 only, and a stock instance grants nobody.
    let e = c
        .records()
        .request_quota_increase(&did, 60)
        .await
        .expect_err("refused");
    match env.rdm_version {
        Some(13) => assert_eq!(api_status(&e), 404, "{e}"),
        _ => assert_eq!(api_status(&e), 403, "{e}"),
    }
}

pub async fn file_modification_of_a_published_record(env: &Env) {
    let c = &env.client;
    let (a, b) = (b"a,b\n1,2\n".to_vec(), b"notes\n".to_vec());
    let record = published(
        env,
        &format!("Modify {}", env.tag),
        &[("a.csv", &a), ("notes.txt", &b)],
    )
    .await;
    let rid = id(&record);
    let fixed = b"a,b\n1,3\n".to_vec();
    let path = write(env, "modify-a.csv", &fixed).await;
    let mut changes = FileChanges::default();
    changes.upload = vec![(path, "a.csv".to_string())];
    changes.remove = vec!["notes.txt".to_string()];
    changes.comment = Some("A typo in the second row of the table.".into());
    changes.publish = true;

    // A comment the server would drop is refused before anything is sent.
    let e = c
        .records()
        .file_modification(&rid, Some("typo"))
        .await
        .expect_err("too short");
    assert!(matches!(e, Error::InvalidArgument(_)), "{e}");

    if env.rdm_version == Some(13) {
        let e = c
            .repo()
            .modify_files(&rid, &changes)
            .await
            .expect_err("v13 has no file modification");
        assert_eq!(api_status(&e), 404, "{e}");
        // The edit draft opened for it is gone again; the record is as it was.
        let e = c.drafts().get(&rid).await.expect_err("no edit draft left");
        assert!(e.is_not_found(), "{e}");
        let files = c.records().files(&rid).await.expect("files");
        assert_eq!(files.iter().count(), 2);
        return;
    }
    // Without an edit draft there is nothing to unlock.
    let e = c
        .records()
        .file_modification(&rid, None)
        .await
        .expect_err("no edit draft");
    assert_eq!(api_status(&e), 404, "{e}");
    // An owner on a stock instance may not.
    let theirs = published_by_second(env).await;
    env.second
        .drafts()
        .edit(&theirs)
        .await
        .expect("their edit draft");
    let e = env
        .second
        .records()
        .file_modification(&theirs, None)
        .await
        .expect_err("the policy allows administrators only");
    assert_eq!(api_status(&e), 403, "{e}");

    let done = c
        .repo()
        .modify_files(&rid, &changes)
        .await
        .expect("modified");
    assert_eq!(done.request.kind.as_deref(), Some("file-modification"));
    assert_eq!(
        done.request.status.as_ref().map(|s| s.as_str()),
        Some("accepted")
    );
    assert_eq!(done.removed, ["notes.txt"]);
    assert_eq!(done.uploaded, ["a.csv"]);
    let after = c.records().files(&rid).await.expect("files");
    let keys: Vec<(String, Option<String>)> = after
        .iter()
        .map(|e| {
            (
                e.key.clone().unwrap_or_default(),
                e.md5().map(str::to_string),
            )
        })
        .collect();
    assert_eq!(keys, [("a.csv".to_string(), Some(md5_hex(&fixed)))]);
    // The same record, not a new version.
    let now = c.records().get(&rid).await.expect("record");
    assert_eq!(now.versions.as_ref().and_then(|v| v.index), Some(1));
    let data = c
        .records()
        .file_download(&rid, "a.csv")
        .await
        .expect("download")
        .bytes()
        .await
        .expect("bytes");
    assert_eq!(data, fixed);
}

/// A metadata-only record of the second user's.
async fn published_by_second(env: &Env) -> String {
    let mut d = new_draft(&format!("Theirs {}", env.tag));
    d.files = Some(inveniordm::models::Files::disabled());
    let d = env.second.drafts().create(&d).await.expect("create");
    let rid = id(&d);
    env.second.drafts().publish(&rid).await.expect("publish");
    rid
}
