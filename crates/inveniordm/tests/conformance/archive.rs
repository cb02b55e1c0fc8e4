//! The files archive: every file of a record (or a draft) in one ZIP, each member checked
//! against the record's md5s.

use inveniordm::Error;
use inveniordm::repo::ArchiveOptions;

use super::{Env, api_status, id, md5_hex, new_draft, published};

pub async fn files_archive_is_whole_and_checked(env: &Env) {
    let c = &env.client;
    let a: Vec<u8> = b"a,b\n1,2\n".to_vec();
    let b: Vec<u8> = (0..70_000u32).map(|i| (i % 251) as u8).collect();
    let record = published(
        env,
        &format!("Archive {}", env.tag),
        &[("a.csv", &a), ("b.bin", &b)],
    )
    .await;
    let rid = id(&record);
    let dir = env.dir.join(format!("archive-{}", env.tag));
    let archive = c
        .repo()
        .download_archive(&rid, &dir, &ArchiveOptions::default())
        .await
        .expect("the archive, checked");
    assert_eq!(archive.path, dir.join(format!("{rid}.zip")));
    let mut got: Vec<(String, u64, String)> = archive
        .files
        .iter()
        .map(|f| (f.key.clone(), f.size, f.md5.clone()))
        .collect();
    got.sort();
    assert_eq!(
        got,
        vec![
            ("a.csv".to_string(), a.len() as u64, md5_hex(&a)),
            ("b.bin".to_string(), b.len() as u64, md5_hex(&b)),
        ]
    );
    assert!(archive.path.exists());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with("part"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
    // Not replaced unless asked.
    let e = c
        .repo()
        .download_archive(&rid, &dir, &ArchiveOptions::default())
        .await
        .expect_err("the archive exists");
    assert!(matches!(e, Error::WouldOverwrite { .. }), "{e}");
    c.repo()
        .download_archive(
            &rid,
            &dir,
            &ArchiveOptions {
                overwrite: true,
                ..Default::default()
            },
        )
        .await
        .expect("replaced when asked");
    // Anyone who may read the files may take the archive.
    env.anon
        .repo()
        .download_archive(
            &rid,
            &env.dir.join(format!("archive-anon-{}", env.tag)),
            &ArchiveOptions::default(),
        )
        .await
        .expect("a public record's archive, anonymously");
    // A draft's archive, by its owner only.
    let d = c
        .drafts()
        .create(&new_draft(&format!("Archive draft {}", env.tag)))
        .await
        .expect("draft");
    let did = id(&d);
    let p = env.dir.join(format!("draft-archive-{}.txt", env.tag));
    std::fs::write(&p, b"draft bytes").expect("write");
    c.drafts().file_upload(&did, &p).await.expect("upload");
    let draft_dir = env.dir.join(format!("archive-draft-{}", env.tag));
    let archive = c
        .repo()
        .download_archive(
            &did,
            &draft_dir,
            &ArchiveOptions {
                draft: true,
                ..Default::default()
            },
        )
        .await
        .expect("the draft's archive");
    assert_eq!(archive.files.len(), 1);
    assert_eq!(archive.files[0].md5, md5_hex(b"draft bytes"));
    let e = env
        .second
        .drafts()
        .files_archive(&did)
        .await
        .expect_err("another user's draft");
    assert!(matches!(api_status(&e), 403 | 404), "{e}");
}
