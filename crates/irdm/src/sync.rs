//! `irdm sync`: make a draft's or a record's files match a folder.

use anyhow::{Context, Result, bail};
use inveniordm::Client;
use inveniordm::repo::{FileAction, FilePolicy, NewVersionPlan, SyncPlan};

use crate::SyncArgs;
use crate::output;

/// Today's date (UTC) as `YYYY-MM-DD`.
pub(crate) fn today() -> String {
    date_of(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0),
    )
}

/// The UTC date of a Unix time, as `YYYY-MM-DD`.
fn date_of(secs: u64) -> String {
    // Days since 1970-01-01 to a civil date (proleptic Gregorian).
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

fn print_plan(plan: &SyncPlan, json: bool) -> Result<()> {
    for a in &plan.actions {
        if json {
            output::json_line(a)?;
            continue;
        }
        match a {
            FileAction::Link { key } => println!("link      {key}"),
            FileAction::Upload { key, changed, .. } => {
                println!(
                    "upload    {key}{}",
                    if *changed { " (changed)" } else { " (new)" }
                )
            }
            FileAction::LeaveOut { key } => println!("leave out {key}"),
        }
    }
    Ok(())
}

/// `irdm sync DIR --record ID`.
pub async fn sync(c: &Client, a: &SyncArgs, json: bool) -> Result<u8> {
    if !a.dir.is_dir() {
        bail!("{} is not a folder", a.dir.display());
    }
    let repo = c.repo();
    if a.new_version {
        let record = repo
            .record(&a.record)
            .await?
            .with_context(|| format!("there is no published record {}", a.record))?;
        let latest = record.latest().await?;
        if latest.id() != record.id() {
            bail!(
                "{} is not the latest version ({} is): sync the latest",
                record.id(),
                latest.id()
            );
        }
        let files = latest.files().await?;
        let plan =
            inveniordm::repo::plan_sync(files.iter().map(|(k, e)| (k.as_str(), e.md5())), &a.dir)
                .await?;
        if plan.is_noop() {
            if !json {
                eprintln!(
                    "{}: the files match {}; nothing to do",
                    latest.id(),
                    a.dir.display()
                );
            }
            return Ok(crate::exit::OK);
        }
        if a.dry_run {
            print_plan(&plan, json)?;
            return Ok(crate::exit::OK);
        }
        let mut draft = latest
            .new_version(&NewVersionPlan {
                files: FilePolicy::Reconcile(a.dir.clone()),
                jobs: a.jobs,
                ..NewVersionPlan::default()
            })
            .await?;
        let m = draft.metadata_mut();
        if m.publication_date.is_none() {
            // The server's copy of the metadata leaves it out (v13); a new version is
            // published today.
            m.publication_date = Some(today());
        }
        draft.save().await?;
        return finish(c, draft, a, json).await;
    }
    let Some(draft) = repo.draft(&a.record).await? else {
        if repo.record(&a.record).await?.is_some() {
            bail!(
                "{} is published: its files change only in a new version (add --new-version)",
                a.record
            );
        }
        bail!("there is no draft or record {}", a.record);
    };
    let plan = draft.plan_sync(&a.dir).await?;
    if a.dry_run {
        print_plan(&plan, json)?;
        return Ok(crate::exit::OK);
    }
    if plan.is_noop() {
        if !json {
            eprintln!(
                "{}: the files match {}; nothing to do",
                draft.id(),
                a.dir.display()
            );
        }
        if !a.publish {
            return Ok(crate::exit::OK);
        }
    } else {
        let n = draft.apply_sync(&plan, a.jobs).await?;
        if !json {
            eprintln!(
                "{}: {n} uploaded, {} removed",
                draft.id(),
                plan.removals().len()
            );
        }
    }
    finish(c, draft, a, json).await
}

async fn finish(
    c: &Client,
    draft: inveniordm::repo::DraftHandle<'_>,
    a: &SyncArgs,
    json: bool,
) -> Result<u8> {
    let id = draft.id().to_string();
    let doc = if a.publish {
        draft.publish().await.context("publishing")?
    } else {
        c.drafts().get(&id).await?
    };
    if json {
        output::json_line(&doc)?;
    } else {
        println!("{}", doc.id.as_deref().unwrap_or(&id));
    }
    Ok(crate::exit::OK)
}

#[cfg(test)]
mod tests {
    #[test]
    fn unix_times_become_calendar_dates() {
        assert_eq!(super::date_of(0), "1970-01-01");
        assert_eq!(super::date_of(951_782_400), "2000-02-29");
        assert_eq!(super::date_of(1_796_256_000), "2026-12-03");
        assert_eq!(super::date_of(4_107_542_399), "2100-02-28");
    }
}
