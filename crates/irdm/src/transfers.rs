//! `irdm upload` and `irdm download`: parallel, verified, with progress bars.

use std::io::IsTerminal;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, bail};
use futures_util::StreamExt;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use inveniordm::Client;
use inveniordm::models::{FileEntry, Files};
use inveniordm::transfer::{DownloadOptions, UploadOptions};
use md5::{Digest, Md5};

use crate::{DownloadArgs, UploadArgs, exit, output};

fn bars(quiet: bool) -> MultiProgress {
    let target = if quiet || !std::io::stderr().is_terminal() {
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

/// The local files to upload and their keys: a file's key is its name; a folder's files get
/// keys relative to the folder (with `/`).
pub fn collect(paths: &[PathBuf]) -> Result<Vec<(PathBuf, String)>> {
    let mut out = Vec::new();
    for p in paths {
        let meta = std::fs::metadata(p).with_context(|| format!("cannot read {}", p.display()))?;
        if meta.is_file() {
            let name = p
                .file_name()
                .and_then(|n| n.to_str())
                .with_context(|| format!("{} has no usable file name", p.display()))?;
            out.push((p.clone(), name.to_string()));
        } else if meta.is_dir() {
            let mut stack = vec![p.clone()];
            let mut n = 0usize;
            let mut seen_dirs = std::collections::BTreeSet::new();
            while let Some(dir) = stack.pop() {
                // Links are followed; a folder reached twice (a link loop) is read once.
                if let Ok(canon) = std::fs::canonicalize(&dir)
                    && !seen_dirs.insert(canon)
                {
                    continue;
                }
                let mut entries: Vec<_> = std::fs::read_dir(&dir)
                    .with_context(|| format!("cannot list {}", dir.display()))?
                    .filter_map(|e| e.ok())
                    .collect();
                entries.sort_by_key(|e| e.file_name());
                for e in entries {
                    n += 1;
                    if n > 100_000 {
                        bail!("{} holds more than 100 000 entries", p.display());
                    }
                    let path = e.path();
                    let ft = std::fs::metadata(&path).with_context(|| {
                        format!("cannot read {} (a broken link?)", path.display())
                    })?;
                    if ft.is_dir() {
                        stack.push(path);
                    } else if ft.is_file() {
                        let rel = path.strip_prefix(p).unwrap_or(&path);
                        let key: Vec<String> = rel
                            .components()
                            .filter_map(|c| match c {
                                Component::Normal(s) => s.to_str().map(str::to_string),
                                _ => None,
                            })
                            .collect();
                        if key.len() != rel.components().count() {
                            bail!("{} has a name that is not valid UTF-8", path.display());
                        }
                        out.push((path, key.join("/")));
                    }
                }
            }
        } else {
            bail!("{} is neither a file nor a folder", p.display());
        }
    }
    let mut seen = std::collections::BTreeSet::new();
    for (p, k) in &out {
        if !seen.insert(k.clone()) {
            bail!(
                "two files would get the key {k:?} (one is {}); upload them separately",
                p.display()
            );
        }
    }
    Ok(out)
}

fn md5_of(path: &Path) -> Result<String> {
    let mut f =
        std::fs::File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
    let mut h = Md5::new();
    let mut buf = vec![0u8; 256 * 1024];
    loop {
        let n = std::io::Read::read(&mut f, &mut buf)
            .with_context(|| format!("cannot read {}", path.display()))?;
        if n == 0 {
            break;
        }
        h.update(&buf[..n]);
    }
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// `irdm upload`.
pub async fn upload(c: &Client, a: &UploadArgs, json: bool, quiet: bool) -> Result<u8> {
    let files = collect(&a.paths)?;
    if files.is_empty() {
        bail!("nothing to upload: the folders are empty");
    }
    let existing: Files = c.drafts().files(&a.draft_id).await?;
    // Decide per file: skip (same content already there), replace, or upload.
    let mut todo = Vec::new();
    let mut replace = Vec::new();
    for (path, key) in files {
        if let Some(e) = existing.get(&key) {
            let local_size = std::fs::metadata(&path)?.len();
            if e.is_completed()
                && e.size == Some(local_size)
                && e.md5().map(str::to_string) == Some(md5_of(&path)?)
            {
                if !json {
                    eprintln!("{key}: already uploaded, same checksum");
                } else {
                    output::json_line(e)?;
                }
                continue;
            }
            if e.is_completed() && !a.replace {
                bail!(
                    "the draft already has {key} with other content; pass --replace to replace it"
                );
            }
            replace.push(key.clone());
        }
        todo.push((path, key));
    }
    // Every local check passed: only now touch the draft.
    for key in &replace {
        c.drafts()
            .file_delete(&a.draft_id, key)
            .await
            .with_context(|| format!("removing the old {key}"))?;
    }
    // Register every key in one request (concurrent registrations race on the server's
    // bucket), then send the contents in parallel.
    for chunk in todo.chunks(100) {
        let entries: Vec<FileEntry> = chunk
            .iter()
            .map(|(_, k)| FileEntry::init(k.clone()))
            .collect();
        c.drafts()
            .file_upload_start_many(&a.draft_id, &entries)
            .await
            .context("registering the files on the draft")?;
    }
    let mp = bars(quiet);
    let client = c.clone();
    let draft = a.draft_id.clone();
    let results: Vec<Result<FileEntry>> =
        futures_util::stream::iter(todo.into_iter().map(|(path, key)| {
            let client = client.clone();
            let draft = draft.clone();
            let mp = mp.clone();
            async move {
                let len = tokio::fs::metadata(&path)
                    .await
                    .map(|m| m.len())
                    .unwrap_or(0);
                let pb = bar(&mp, &key, len);
                let p2 = pb.clone();
                let opts = UploadOptions {
                    key: Some(key.clone()),
                    progress: Some(Arc::new(move |n| p2.inc(n))),
                    registered: true,
                    ..UploadOptions::default()
                };
                let r = client
                    .drafts()
                    .file_upload_with(&draft, &path, &opts)
                    .await
                    .with_context(|| format!("uploading {}", path.display()));
                pb.finish_and_clear();
                r
            }
        }))
        .buffer_unordered(a.jobs.max(1))
        .collect()
        .await;
    let mut failed = Vec::new();
    for r in results {
        match r {
            Ok(e) => {
                if json {
                    output::json_line(&e)?;
                } else {
                    eprintln!(
                        "{}: uploaded, {} {}",
                        e.key.as_deref().unwrap_or("?"),
                        output::size(e.size.unwrap_or(0)),
                        e.checksum.as_deref().unwrap_or("")
                    );
                }
            }
            Err(e) => {
                failed.push(e);
            }
        }
    }
    match output::worst(failed) {
        Some(e) => Err(e),
        None => Ok(exit::OK),
    }
}

/// A safe local path for a file key below `root`: no absolute paths, no `..`, no drive
/// prefixes or stream names (`:`), no backslashes or NUL.
pub fn local_path(root: &Path, key: &str) -> Result<PathBuf> {
    let mut p = root.to_path_buf();
    for part in key.split('/') {
        if part.is_empty() || part == "." {
            continue;
        }
        let reserved = cfg!(windows) && {
            let stem = part.split('.').next().unwrap_or("").to_ascii_uppercase();
            ["CON", "PRN", "AUX", "NUL"].contains(&stem.as_str())
                || ((stem.starts_with("COM") || stem.starts_with("LPT")) && stem.len() == 4)
        };
        if part == ".." || part.contains(['\\', '\0', ':']) || reserved {
            bail!(
                "the file key {key:?} cannot be written safely below {}",
                root.display()
            );
        }
        p.push(part);
    }
    if p == root {
        bail!("the file key {key:?} has no file name");
    }
    Ok(p)
}

/// `irdm download`.
pub async fn download(c: &Client, a: &DownloadArgs, json: bool, quiet: bool) -> Result<u8> {
    let listing = if a.draft {
        c.drafts().files(&a.id).await?
    } else {
        c.records().files(&a.id).await?
    };
    let all: Vec<FileEntry> = listing.iter().cloned().collect();
    let chosen: Vec<FileEntry> = if a.keys.is_empty() {
        all
    } else {
        let mut v = Vec::new();
        for k in &a.keys {
            match all.iter().find(|e| e.key.as_deref() == Some(k)) {
                Some(e) => v.push(e.clone()),
                None => bail!(
                    "{} has no file {k:?} (it has: {})",
                    a.id,
                    all.iter()
                        .filter_map(|e| e.key.clone())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            }
        }
        v
    };
    if chosen.is_empty() {
        eprintln!("{} has no files", a.id);
        return Ok(exit::OK);
    }
    let mut todo = Vec::new();
    let mut chosen = chosen;
    chosen.dedup_by(|x, y| x.key == y.key);
    // Two keys must never write the same local file (or one another's partial file).
    let mut claimed: std::collections::BTreeMap<String, String> = std::collections::BTreeMap::new();
    for e in &chosen {
        let key = e.key.clone().unwrap_or_default();
        let dest = local_path(&a.output, &key)?;
        for p in [dest.clone(), inveniordm::transfer::part_path(&dest)] {
            let norm = p.to_string_lossy().to_lowercase();
            if let Some(other) = claimed.insert(norm, key.clone())
                && other != key
            {
                bail!(
                    "the keys {other:?} and {key:?} would be saved to the same local file; download them separately"
                );
            }
        }
    }
    for e in chosen {
        let key = e.key.clone().unwrap_or_default();
        let dest = local_path(&a.output, &key)?;
        if dest.exists() {
            if e.md5().is_some() && e.md5().map(str::to_string) == Some(md5_of(&dest)?) {
                if !json {
                    eprintln!("{key}: already there, same checksum");
                }
                continue;
            }
            if !a.force {
                bail!(
                    "{} exists with other content; pass --force to replace it",
                    dest.display()
                );
            }
        }
        todo.push((e, key, dest));
    }
    let mp = bars(quiet);
    let results: Vec<Result<(String, inveniordm::transfer::Downloaded)>> =
        futures_util::stream::iter(todo.into_iter().map(|(e, key, dest)| {
            let client = c.clone();
            let id = a.id.clone();
            let draft = a.draft;
            let force = a.force;
            let mp = mp.clone();
            async move {
                let pb = bar(&mp, &key, e.size.unwrap_or(0));
                let p2 = pb.clone();
                let opts = DownloadOptions {
                    progress: Some(Arc::new(move |n| p2.inc(n))),
                    resume: true,
                    overwrite: force,
                };
                let r = if draft {
                    client.drafts().download_to(&id, &key, &dest, &opts).await
                } else {
                    client.records().download_to(&id, &key, &dest, &opts).await
                };
                pb.finish_and_clear();
                r.map(|d| (key.clone(), d))
                    .with_context(|| format!("downloading {key}"))
            }
        }))
        .buffer_unordered(a.jobs.max(1))
        .collect()
        .await;
    let mut failed = Vec::new();
    for r in results {
        match r {
            Ok((key, d)) => {
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
            Err(e) => {
                failed.push(e);
            }
        }
    }
    match output::worst(failed) {
        Some(e) => Err(e),
        None => Ok(exit::OK),
    }
}
