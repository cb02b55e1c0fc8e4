//! `irdm upload`: files and folders to a draft, by URL, or linked.

use crate::output;
use crate::progress::ProgressMode;
use crate::progress::*;
use anyhow::{Context, Result, bail};
use clap::Args;
use inveniordm::Client;
use inveniordm::repo::{FolderRules, UploadFilesOptions, UploadOutcome};
use std::path::PathBuf;

/// `irdm upload`.
#[derive(Debug, Args)]
#[command(after_help = "\
Folders: a folder's files get keys relative to the folder. Hidden files and folders (names
starting with '.', such as .git/ or .DS_Store) are skipped unless --include-hidden; paths
matching an --exclude glob or a pattern of a .irdmignore file (gitignore syntax) in the folder
are left out. Files named on the command line are always uploaded. --dry-run lists what
would go.")]
pub struct UploadArgs {
    /// Draft id.
    pub draft_id: String,
    /// Files and folders (a folder's files get keys relative to the folder).
    #[arg(required_unless_present_any = ["from_url", "remote_url"])]
    pub paths: Vec<PathBuf>,
    /// Instead of local files: let the server fetch the file from URL (transfer type F; the
    /// server must allow the URL's domain, and on InvenioRDM only administrators may).
    #[arg(long, value_name = "URL", requires = "key", conflicts_with_all = ["paths", "remote_url"])]
    pub from_url: Option<String>,
    /// Instead of local files: link a remote file (transfer type R): the server keeps no
    /// bytes and redirects downloads to URL (the server must allow the URL's domain; on
    /// InvenioRDM only administrators may link, and only administrators are redirected).
    #[arg(long, value_name = "URL", requires = "key", conflicts_with = "paths")]
    pub remote_url: Option<String>,
    /// The key of the file fetched with --from-url or linked with --remote-url.
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// The md5 (hex) the fetched file must have, or the linked file has.
    #[arg(long, value_name = "HEX")]
    pub md5: Option<String>,
    /// The size of the linked file (--remote-url), recorded so that downloads can be checked.
    #[arg(long, value_name = "SIZE", value_parser = parse_size, requires = "remote_url")]
    pub size: Option<u64>,
    /// How long to wait for the server to fetch the file, in seconds.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 600,
        requires = "from_url"
    )]
    pub wait: u64,
    /// Upload hidden files and folders of folders too.
    #[arg(long)]
    pub include_hidden: bool,
    /// Leave out paths of folders matching GLOB (gitignore syntax; repeatable).
    #[arg(long, value_name = "GLOB")]
    pub exclude: Vec<String>,
    /// List the files and keys that would be uploaded, and send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Parallel uploads.
    #[arg(long, short, default_value_t = inveniordm::transfer::DEFAULT_JOBS)]
    pub jobs: std::num::NonZeroUsize,
    /// Replace files the draft already has with different content.
    #[arg(long)]
    pub replace: bool,
    /// Send files in parts: auto (files of 4 GiB and more), always or never. A server that
    /// refuses parts gets the file in one stream.
    #[arg(long, value_enum, default_value = "auto", value_name = "WHEN")]
    pub multipart: MultipartMode,
    /// Size of each part (64MiB, 8MiB, 1GB, 5000000…; default 64 MiB).
    #[arg(long, value_name = "SIZE", value_parser = parse_size)]
    pub part_size: Option<u64>,
    /// Parts of one file sent at once.
    #[arg(long, default_value_t = inveniordm::transfer::DEFAULT_JOBS, value_name = "N")]
    pub parallel_parts: std::num::NonZeroUsize,
    /// Fail (exit 6) when the server has not reported the md5 of an uploaded file, so that
    /// it could not be compared with the local one.
    #[arg(long)]
    pub require_verified: bool,
    /// How long to wait for the md5 the server computes after a multipart commit, in
    /// seconds (default: 30, and 1 more per 64 MiB of the file).
    #[arg(long, value_name = "SECS")]
    pub checksum_wait: Option<u64>,
}

/// When `irdm upload` sends a file in parts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum MultipartMode {
    /// From 4 GiB on (where resuming part by part outweighs the parts' cost).
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// A size written as a number of bytes with an optional unit: `64MiB`, `8 MiB`, `1GB`, `512k`.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !c.is_ascii_digit() && c != '.')
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("{s:?} is not a size (write it like 64MiB or 5000000)"))?;
    let k: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "k" | "kb" => 1e3,
        "kib" => 1024.0,
        "m" | "mb" => 1e6,
        "mib" => 1024.0 * 1024.0,
        "g" | "gb" => 1e9,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {s:?} (use KiB, MiB, GiB, kB, MB, GB)"
            ));
        }
    };
    let bytes = (n * k).round();
    if !(1.0..=u64::MAX as f64).contains(&bytes) {
        return Err(format!("{s:?} is not a size of at least one byte"));
    }
    Ok(bytes as u64)
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
                .file_remote(
                    &a.draft_id,
                    key,
                    url,
                    &inveniordm::transfer::RemoteFile {
                        size: a.size,
                        md5: a.md5.clone(),
                    },
                )
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
                    &inveniordm::transfer::FetchOptions {
                        md5: a.md5.clone(),
                        wait: std::time::Duration::from_secs(a.wait),
                    },
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
            MultipartMode::Auto => inveniordm::transfer::Multipart::Auto,
            MultipartMode::Always => inveniordm::transfer::Multipart::Always,
            MultipartMode::Never => inveniordm::transfer::Multipart::Never,
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
