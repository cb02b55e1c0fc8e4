//! How transfers report: progress bars, JSON events, the state folder of journals, and the
//! report of the files that failed.

use crate::output;
use anyhow::Result;
use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};
use inveniordm::Client;
pub use inveniordm::repo::FolderRules;
use std::io::IsTerminal;
use std::path::PathBuf;
use std::sync::Arc;

/// How transfers report progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProgressMode {
    /// Progress bars (shown only on a terminal).
    Bars,
    /// One JSON event per line.
    Json,
    /// Nothing.
    None,
}

pub(crate) fn bars(mode: ProgressMode) -> MultiProgress {
    let target = if mode != ProgressMode::Bars || !std::io::stderr().is_terminal() {
        ProgressDrawTarget::hidden()
    } else {
        ProgressDrawTarget::stderr()
    };
    MultiProgress::with_draw_target(target)
}

pub(crate) fn bar(mp: &MultiProgress, label: &str, len: u64) -> ProgressBar {
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

/// The local files to upload and their keys (the library's one folder walker).
pub async fn collect(paths: &[PathBuf], rules: &FolderRules) -> Result<Vec<(PathBuf, String)>> {
    Ok(inveniordm::repo::collect_files(paths, rules).await?)
}

/// One JSON event on stderr.
pub(crate) fn event(v: serde_json::Value) {
    use std::io::Write;
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "{v}");
}

/// Progress as JSON events: `started` when a file's transfer starts, `progress` at most twice
/// a second with the bytes so far and the rate, `finished` when all its bytes are through.
pub(crate) fn json_factory(direction: &'static str) -> inveniordm::repo::ProgressFactory {
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
pub(crate) fn bar_factory(mp: &MultiProgress) -> inveniordm::repo::ProgressFactory {
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

/// Adds what to do to a refusal to replace a file.
pub(crate) fn hint(e: inveniordm::Error, what: &str) -> anyhow::Error {
    let overwrite = matches!(e, inveniordm::Error::WouldOverwrite { .. });
    let e = anyhow::Error::from(e);
    if overwrite {
        e.context(output::Hint(what.to_string()))
    } else {
        e
    }
}

/// Reports every failure of a batch (each with its own advice), then a count; returns the
/// exit code of the worst one (0 when none failed).
pub(crate) fn report_failures(failed: Vec<anyhow::Error>, json: bool) -> u8 {
    let n = failed.len();
    let codes: Vec<u8> = failed.iter().map(output::report_error).collect();
    if n > 1 && !json {
        eprintln!("{n} files failed");
    }
    crate::exit::worst_code(&codes)
}
