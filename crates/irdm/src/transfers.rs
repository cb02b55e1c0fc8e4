//! `irdm upload` and `irdm download`: parallel, verified, with progress bars.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use inveniordm::Client;
use inveniordm::repo::{DownloadFilesOptions, DownloadOutcome, UploadFilesOptions, UploadOutcome};

/// A safe local path for a file key below a folder (the library's rules).
pub use inveniordm::repo::local_path;

use crate::{DownloadArgs, ProgressMode, UploadArgs, output};

pub(crate) fn bars(mode: ProgressMode) -> MultiProgress {
    let target = if mode != ProgressMode::Bars || !std::io::stderr().is_terminal() {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    MultiProgress::with_draw_target(target)
}

fn bar(mp: &MultiProgress, label: &str, len: u64) -> ProgressBar {
    let pb = mp.add(ProgressBar::new(len));
    let style = ProgressStyle::with_template(
        "{prefix:30!} [{bar:24}] {bytes:>10} / {total_bytes:<10} {bytes_per_sec:>12} ETA {eta}",
    )
    .unwrap_or_else(|_| ProgressStyle::default_bar())
    .progress_chars("=> ");
    pb.set_style(style);
    pb.set_prefix(label.to_string());
    pb
}

pub use inveniordm::repo::FolderRules;

/// The local files to upload and their keys (the library's one folder walker).
pub async fn collect(paths: &[PathBuf], rules: &FolderRules) -> Result<Vec<(PathBuf, String)>> {
    Ok(inveniordm::repo::collect_files(paths, rules).await?)
}

/// One JSON event on stderr.
fn event(v: serde_json::Value) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{v}");
}

/// Progress as JSON events: `started` when a file's transfer starts, `progress` at most twice
/// a second with the bytes so far and the rate, `finished` when all its bytes are through.
fn json_factory(direction: &'static str) -> inveniordm::repo::ProgressFactory {
    Arc::new(move |key: &str, len: u64| {
        let key = key.to_string();
        let started = std::time::Instant::now();
        event(
            serde_json::json!({"event": "started", "direction": direction, "key": key, "size": len}),
        );
        if len == 0 {
            event(
                serde_json::json!({"event": "finished", "direction": direction, "key": key, "bytes": 0, "size": 0, "seconds": 0.0, "rate_bytes_per_sec": 0}),
            );
        }
        let state = std::sync::Mutex::new((0u64, started));
        Arc::new(move |n: u64| {
            let Ok(mut s) = state.lock() else { return };
            let now = std::time::Instant::now();
            s.0 += n;
            let secs = now.duration_since(started).as_secs_f64().max(1e-3);
            let rate = (s.0 as f64 / secs) as u64;
            if s.0 >= len {
                event(
                    serde_json::json!({"event": "finished", "direction": direction, "key": key, "bytes": s.0, "size": len, "seconds": secs, "rate_bytes_per_sec": rate}),
                );
            } else if now.duration_since(s.1).as_millis() >= 500 {
                s.1 = now;
                event(
                    serde_json::json!({"event": "progress", "direction": direction, "key": key, "bytes": s.0, "size": len, "rate_bytes_per_sec": rate}),
                );
            }
        }) as inveniordm::transfer::Progress
    })
}

/// The progress reporting of a mode.
pub(crate) fn reporter(
    mode: ProgressMode,
    mp: &MultiProgress,
    direction: &'static str,
) -> Option<inveniordm::repo::ProgressFactory> {
    match mode {
        ProgressMode::Bars => Some(bar_factory(mp)),
        ProgressMode::Json => Some(json_factory(direction)),
        ProgressMode::None => None,
    }
}

/// A progress bar per file, removed when its bytes are all through.
fn bar_factory(mp: &MultiProgress) -> inveniordm::repo::ProgressFactory {
    let mp = mp.clone();
    Arc::new(move |key: &str, len: u64| {
        let pb = bar(&mp, key, len);
        Arc::new(move |n: u64| {
            pb.inc(n);
            if pb.position() >= pb.length().unwrap_or(u64::MAX) {
                pb.finish_and_clear();
            }
        }) as inveniordm::transfer::Progress
    })
}

/// `irdm upload`.
pub async fn upload(c: &Client, a: &UploadArgs, json: bool, mode: ProgressMode) -> Result<u8> {
    if a.md5.is_some() && a.from_url.is_none() && a.remote_url.is_none() {
        bail!("--md5 goes with --from-url or --remote-url (local files are hashed as they go)");
    }
    let by_url = match (&a.remote_url, &a.from_url, &a.key) {
        (Some(url), _, Some(key)) => Some((
            key,
            "linked as a remote file",
            c.drafts()
                .file_remote(&a.draft_id, key, url, a.size, a.md5.as_deref())
                .await
                .with_context(|| format!("linking {key}"))?,
        )),
        (None, Some(url), Some(key)) => Some((
            key,
            "fetched by the server",
            c.drafts()
                .file_fetch(
                    &a.draft_id,
                    key,
                    url,
                    a.md5.as_deref(),
                    std::time::Duration::from_secs(a.wait),
                )
                .await
                .with_context(|| format!("fetching {key}"))?,
        )),
        _ => None,
    };
    if let Some((key, done, e)) = by_url {
        if json {
            output::json_line(&e)?;
        } else {
            eprintln!(
                "{key}: {done}, {} {}",
                output::size(e.size.unwrap_or(0)),
                e.checksum.as_deref().unwrap_or("(no checksum)")
            );
        }
        return Ok(crate::exit::OK);
    }
    let rules = FolderRules {
        include_hidden: a.include_hidden,
        exclude: a.exclude.clone(),
    };
    let files = collect(&a.paths, &rules).await?;
    if files.is_empty() {
        bail!(
            "nothing to upload: the folders are empty (hidden files are skipped unless --include-hidden)"
        );
    }
    if a.dry_run {
        for (path, key) in &files {
            let size = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
            if json {
                println!(
                    "{}",
                    serde_json::json!({"key": key, "path": path.display().to_string(), "size": size})
                );
            } else {
                println!("{key}  {}  ({})", output::size(size), path.display());
            }
        }
        if !json {
            eprintln!(
                "{} files would be uploaded (dry run: nothing sent)",
                files.len()
            );
        }
        return Ok(crate::exit::OK);
    }
    let mp = bars(mode);
    let opts = UploadFilesOptions {
        jobs: a.jobs,
        replace: a.replace,
        progress: reporter(mode, &mp, "upload"),
        multipart: match a.multipart {
            crate::MultipartMode::Auto => inveniordm::transfer::Multipart::Auto,
            crate::MultipartMode::Always => inveniordm::transfer::Multipart::Always,
            crate::MultipartMode::Never => inveniordm::transfer::Multipart::Never,
        },
        part_size: a.part_size,
        parallel_parts: a.parallel_parts,
        journal_dir: journal_dir(c),
        checksum_wait: a.checksum_wait.map(std::time::Duration::from_secs),
    };
    let results = c
        .repo()
        .upload_files(&a.draft_id, &files, &opts)
        .await
        .map_err(|e| hint(e, "pass --replace to replace it"))?;
    let _ = mp.clear();
    let mut failed = Vec::new();
    for (key, r) in results {
        match r {
            Ok(UploadOutcome::AlreadyThere(e)) => {
                if mode == ProgressMode::Json {
                    event(
                        serde_json::json!({"event": "skipped", "direction": "upload", "key": key, "reason": "same checksum"}),
                    );
                }
                if json {
                    output::json_line(&e)?;
                } else {
                    eprintln!("{key}: already uploaded, same checksum");
                }
            }
            Ok(UploadOutcome::Uploaded { entry: e, verified }) => {
                if json {
                    output::json_line(&e)?;
                } else if verified {
                    eprintln!(
                        "{key}: uploaded and verified, {} {}",
                        output::size(e.size.unwrap_or(0)),
                        e.checksum.as_deref().unwrap_or("")
                    );
                } else {
                    eprintln!(
                        "{key}: uploaded, {}, not yet verified by the server (it reported no md5)",
                        output::size(e.size.unwrap_or(0)),
                    );
                }
                if !verified && a.require_verified {
                    failed.push(anyhow::Error::from(inveniordm::Error::Unverified {
                        key: key.clone(),
                        id: a.draft_id.clone(),
                    }));
                }
            }
            Ok(_) => {}
            Err(e) => {
                if mode == ProgressMode::Json {
                    event(
                        serde_json::json!({"event": "failed", "direction": "upload", "key": key, "error": e.to_string()}),
                    );
                }
                let kept = opts.journal_dir.as_ref().is_some_and(|d| {
                    inveniordm::repo::journal_path(d, &a.draft_id, &key).is_file()
                });
                let e = anyhow::Error::from(e).context(format!("uploading {key}"));
                failed.push(if kept {
                    e.context(crate::output::Hint(
                        "the parts already sent stay on the server: run the same command again to send the rest".into(),
                    ))
                } else {
                    e
                })
            }
        }
    }
    Ok(report_failures(failed, json))
}

/// Where multipart uploads to this server keep their journals.
pub(crate) fn journal_dir(c: &Client) -> Option<std::path::PathBuf> {
    state_dir(c, "uploads")
}

/// A folder of state kept per server: `IRDM_STATE_DIR`, or the platform's state (or local
/// data) folder, under `irdm/<kind>/<server>`.
pub(crate) fn state_dir(c: &Client, kind: &str) -> Option<std::path::PathBuf> {
    use md5::Digest;
    let base = std::env::var_os("IRDM_STATE_DIR")
        .map(std::path::PathBuf::from)
        .or_else(|| {
            dirs::state_dir()
                .or_else(dirs::data_local_dir)
                .map(|d| d.join("irdm"))
        })?;
    let server: String = md5::Md5::digest(c.api_url().as_str().as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    Some(base.join(kind).join(server))
}

/// `irdm download`.
pub async fn download(c: &Client, a: &DownloadArgs, json: bool, mode: ProgressMode) -> Result<u8> {
    let mp = bars(mode);
    let opts = DownloadFilesOptions {
        jobs: a.jobs,
        draft: a.draft,
        overwrite: a.force,
        progress: reporter(mode, &mp, "download"),
    };
    let keys = (!a.keys.is_empty()).then_some(a.keys.as_slice());
    let results = c
        .repo()
        .download_files(&a.id, keys, &a.output, &opts)
        .await
        .map_err(|e| hint(e, "pass --force to replace it"))?;
    let _ = mp.clear();
    if results.is_empty() && !json {
        eprintln!("{} has no files", a.id);
    }
    let mut failed = Vec::new();
    for (key, r) in results {
        match r {
            Ok(DownloadOutcome::AlreadyThere(path)) => {
                if mode == ProgressMode::Json {
                    event(
                        serde_json::json!({"event": "skipped", "direction": "download", "key": key, "reason": "same checksum"}),
                    );
                }
                if json {
                    println!(
                        "{}",
                        serde_json::json!({"key": key, "path": path.display().to_string(), "skipped": true})
                    );
                } else {
                    eprintln!("{key}: already there, same checksum");
                }
            }
            Ok(DownloadOutcome::Downloaded(d)) => {
                if json {
                    println!(
                        "{}",
                        serde_json::json!({"key": key, "path": d.path.display().to_string(), "size": d.size, "checksum": format!("md5:{}", d.md5), "verified": d.verified})
                    );
                } else {
                    let how = if d.verified {
                        "verified"
                    } else {
                        "NOT verified (the server reported no md5)"
                    };
                    eprintln!(
                        "{key}: {} {how} md5:{} -> {}",
                        output::size(d.size),
                        d.md5,
                        d.path.display()
                    );
                }
            }
            Ok(_) => {}
            Err(e) => {
                if mode == ProgressMode::Json {
                    event(
                        serde_json::json!({"event": "failed", "direction": "download", "key": key, "error": e.to_string()}),
                    );
                }
                failed.push(anyhow::Error::from(e).context(format!("downloading {key}")))
            }
        }
    }
    Ok(report_failures(failed, json))
}

/// Adds what to do to a refusal to replace a file.
fn hint(e: inveniordm::Error, what: &str) -> anyhow::Error {
    match e {
        e @ inveniordm::Error::WouldOverwrite { .. } => anyhow::anyhow!("{e}; {what}"),
        e => e.into(),
    }
}

/// Reports every failure of a batch (each with its own advice), then a count; returns the
/// exit code of the worst one (0 when none failed).
fn report_failures(failed: Vec<anyhow::Error>, json: bool) -> u8 {
    let n = failed.len();
    let codes: Vec<u8> = failed.iter().map(output::report_error).collect();
    if n > 1 && !json {
        eprintln!("{n} files failed");
    }
    output::worst_code(&codes)
}
