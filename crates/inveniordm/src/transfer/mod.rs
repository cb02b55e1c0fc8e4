//! Streamed, verified file transfers.
//!
//! Uploads hash the file (md5) on a thread of their own while the bytes are sent (a second
//! read, served from the page cache), and the server's checksum after commit must match. Downloads are written to `.<name>.inveniordm-part`, hashed as they
//! arrive, checked against the server's checksum and only then renamed to the final name, so
//! an interrupted or corrupt transfer never leaves a file that looks complete.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::{Error, Result};

mod download;
mod hash;
mod multipart;
mod options;
mod sink;
mod upload;
pub(crate) mod zip;

pub use crate::api::{Download, UploadBody};
pub(crate) use download::download_entry;
pub use download::part_path;
pub(crate) use hash::{hash_file, hex, md5_until};
pub use multipart::{DEFAULT_PART_SIZE, MAX_PARTS, checksum_wait_for, part_size_for};
pub use options::{
    DEFAULT_JOBS, DownloadOptions, Downloaded, FetchOptions, MULTIPART_THRESHOLD, Multipart,
    Progress, RemoteFile, UploadOptions,
};

/// A hidden name beside `path` for a file written before it takes `path`'s name: one of this
/// process's own (never a file of the user's), `.{name}.{pid}-{n}.{ext}`.
pub(crate) fn temp_beside(path: &Path, ext: &str) -> std::path::PathBuf {
    static SEQ: AtomicU64 = AtomicU64::new(0);
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    dir.join(format!(
        ".{name}.{}-{}.{ext}",
        std::process::id(),
        SEQ.fetch_add(1, Ordering::Relaxed)
    ))
}

/// Writes a small file whole or not at all: a temporary file beside it, flushed to disk,
/// renamed over it. Its folder is created when missing.
pub fn write_whole(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
    }
    let tmp = temp_beside(path, "inveniordm-tmp");
    let written = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&tmp)
        .and_then(|mut f| {
            f.write_all(bytes)?;
            f.sync_all()
        })
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(Error::io(format!("cannot write {}", path.display()), e));
    }
    // The rename is durable once the folder is: sync it (where folders can be opened).
    #[cfg(unix)]
    if let Ok(d) = std::fs::File::open(tmp.parent().unwrap_or(Path::new("."))) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// The metadata of a local file that must be a regular file (a folder or a missing path is an
/// error that names it).
pub(crate) async fn file_meta(path: &Path) -> Result<std::fs::Metadata> {
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|e| Error::io(format!("cannot read {}", path.display()), e))?;
    if !meta.is_file() {
        return Err(Error::InvalidArgument(format!(
            "{} is not a file",
            path.display()
        )));
    }
    Ok(meta)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_whole_write_leaves_the_files_beside_it_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("journal.json");
        let users = dir.path().join("journal.tmp");
        std::fs::write(&users, b"the user's own file").expect("write");
        write_whole(&target, b"{}").expect("written");
        write_whole(&target, b"{\"a\": 1}").expect("written again");
        assert_eq!(std::fs::read(&target).expect("read"), b"{\"a\": 1}");
        assert_eq!(std::fs::read(&users).expect("read"), b"the user's own file");
        let left: Vec<_> = std::fs::read_dir(dir.path())
            .expect("list")
            .filter_map(|e| e.ok().map(|e| e.file_name()))
            .collect();
        assert_eq!(left.len(), 2, "no temporary file left: {left:?}");
    }

    #[test]
    fn a_temporary_name_is_hidden_beside_its_file_and_never_the_same_twice() {
        let path = Path::new("out/data/table.csv");
        let a = temp_beside(path, "part");
        let b = temp_beside(path, "part");
        assert_eq!(a.parent(), Some(Path::new("out/data")), "{a:?}");
        let name = a.file_name().expect("name").to_string_lossy().into_owned();
        assert!(
            name.starts_with(".table.csv.") && name.ends_with(".part"),
            "{name}"
        );
        assert!(name.contains(&std::process::id().to_string()), "{name}");
        assert_ne!(a, b);
        // A bare file name: the temporary file is in the current folder too.
        let c = temp_beside(Path::new("table.csv"), "part");
        assert_eq!(c.parent(), Some(Path::new(".")), "{c:?}");
    }
}
