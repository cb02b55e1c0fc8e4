//! md5 of local files, on a thread of their own, stoppable.

use std::path::Path;
use std::sync::atomic::Ordering;

use md5::{Digest, Md5};

use crate::{Error, Result};

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The md5 state and length of a local file, read in one pass on a thread of its own.
pub(crate) async fn hash_file(path: &Path) -> Result<(Md5, u64)> {
    let p = path.to_path_buf();
    tokio::task::spawn_blocking(move || hash_path(&p))
        .await
        .map_err(|e| Error::internal(format!("hashing stopped: {e}")))?
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))
}

/// The md5 state and length of a local file, read in 1 MiB blocks (blocking).
pub(crate) fn hash_path(path: &Path) -> std::io::Result<(Md5, u64)> {
    hash_path_until(path, &std::sync::atomic::AtomicBool::new(false))
}

/// The hex md5 of a local file (blocking), given up as soon as `stop` is set.
pub(crate) fn md5_until(
    path: &Path,
    stop: &std::sync::atomic::AtomicBool,
) -> std::io::Result<String> {
    hash_path_until(path, stop).map(|(h, _)| hex(&h.finalize()))
}

/// [`hash_path`], stopped (with an error) as soon as `stop` is set: an upload that failed
/// does not read the rest of its file.
pub(crate) fn hash_path_until(
    path: &Path,
    stop: &std::sync::atomic::AtomicBool,
) -> std::io::Result<(Md5, u64)> {
    use std::io::Read;
    let mut f = std::fs::File::open(path)?;
    let mut h = Md5::new();
    let mut len = 0u64;
    let mut buf = vec![0u8; 1 << 20];
    loop {
        if stop.load(Ordering::Relaxed) {
            return Err(std::io::Error::new(
                std::io::ErrorKind::Interrupted,
                "the upload stopped",
            ));
        }
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok((h, len));
        }
        h.update(&buf[..n]);
        len += n as u64;
    }
}
