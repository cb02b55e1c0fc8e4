//! The md5 of a multipart file, computed while its parts arrive: each part is hashed as soon as
//! every part before it is there, on a blocking thread of its own, so that little is left to
//! read after the commit (the server still answers the commit without a checksum, as a real
//! one does, and shows it once the last parts are hashed).

use std::collections::HashMap;
use std::io::{Read, Seek, SeekFrom};
use std::sync::{Arc, Mutex};

use md5::{Digest, Md5};

/// What the hashing needs of the server that stores the parts (the sandbox's app): where the
/// files' hashes are kept, where a blob lies, and whether a part is stored.
pub trait Host: Send + Sync + 'static {
    /// The multipart files being hashed.
    fn prefix_hashes(&self) -> &PrefixHashes;
    /// The path of a blob.
    fn blob_path(&self, blob: &str) -> std::path::PathBuf;
    /// Whether part `n` of the file `row` is stored in `blob` (every part is, once the file is
    /// committed into it).
    fn part_stored(&self, row: &(String, String), n: u32, blob: &str) -> bool;
}

/// Where the hashing of one multipart file stands.
struct Progress {
    hasher: Md5,
    /// The next part to hash (parts are numbered from 1).
    next: u32,
    /// A thread is hashing (it owns the hasher meanwhile).
    busy: bool,
    /// A part already hashed was sent again: what was hashed is stale, and the file is read
    /// whole after the commit.
    dead: bool,
}

/// The multipart files being hashed, by blob.
#[derive(Default)]
pub struct PrefixHashes {
    files: Mutex<HashMap<String, Progress>>,
}

/// What a file's layout is: its row (bucket, key), blob, part size, parts and size.
#[derive(Clone)]
pub struct Layout {
    /// The row's key in the state: (bucket, file key).
    pub row: (String, String),
    /// The blob the parts are written into.
    pub blob: String,
    /// Bytes per part (the last may be shorter).
    pub part_size: u64,
    /// How many parts.
    pub parts: u32,
    /// The file's size.
    pub size: u64,
}

impl PrefixHashes {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Progress>> {
        self.files.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The md5 (hex) when every part has been hashed; forgets the file then.
    pub fn finished(&self, blob: &str, parts: u32) -> Option<String> {
        let mut map = self.lock();
        let done = map
            .get(blob)
            .is_some_and(|p| !p.busy && !p.dead && p.next > parts);
        if !done {
            return None;
        }
        let p = map.remove(blob)?;
        Some(crate::util::hex(&p.hasher.finalize()))
    }

    /// A part that was stored is being sent again: what was hashed (or is being hashed) may
    /// be stale, so the file is read whole after the commit.
    pub fn part_again(&self, blob: &str) {
        self.lock()
            .entry(blob.to_string())
            .or_insert_with(|| Progress {
                hasher: Md5::new(),
                next: 1,
                busy: false,
                dead: true,
            })
            .dead = true;
    }

    /// Every part is there (the file is committed): lets the hashing go on from where it
    /// stands, or start over when it was never begun (parts sent before a restart) or what
    /// was hashed is stale (a part sent again). Returns whether it started over.
    pub fn resume(&self, blob: &str) -> bool {
        let mut map = self.lock();
        let fresh = || Progress {
            hasher: Md5::new(),
            next: 1,
            busy: false,
            dead: false,
        };
        match map.get(blob) {
            Some(p) if !p.dead || p.busy => false,
            _ => {
                map.insert(blob.to_string(), fresh());
                true
            }
        }
    }

    /// Forgets a file (its upload was dropped).
    pub fn forget(&self, blob: &str) {
        self.lock().remove(blob);
    }
}

/// Hashes what can be hashed now (called after each part is stored): starts a thread unless
/// one is at work; the thread goes on while the next part is there.
pub fn advance<H: Host>(app: Arc<H>, layout: Layout) {
    {
        let mut map = app.prefix_hashes().lock();
        let p = map.entry(layout.blob.clone()).or_insert_with(|| Progress {
            hasher: Md5::new(),
            next: 1,
            busy: false,
            dead: false,
        });
        if p.busy || p.dead || p.next > layout.parts {
            return;
        }
        p.busy = true;
    }
    tokio::task::spawn_blocking(move || work(app.as_ref(), &layout));
}

/// Hashes parts in order while they are there; gives the hasher back when the next one is
/// missing (decided under the lock, so that a part stored meanwhile is never left waiting).
fn work<H: Host>(app: &H, layout: &Layout) {
    let path = app.blob_path(&layout.blob);
    let Ok(mut file) = std::fs::File::open(&path) else {
        app.prefix_hashes().forget(&layout.blob);
        return;
    };
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let (mut hasher, next) = {
            let mut map = app.prefix_hashes().lock();
            let Some(p) = map.get_mut(&layout.blob) else {
                return;
            };
            if p.dead
                || p.next > layout.parts
                || !app.part_stored(&layout.row, p.next, &layout.blob)
            {
                p.busy = false;
                return;
            }
            (std::mem::take(&mut p.hasher), p.next)
        };
        let start = u64::from(next - 1) * layout.part_size;
        let len = layout.part_size.min(layout.size.saturating_sub(start));
        let read = (|| -> std::io::Result<()> {
            file.seek(SeekFrom::Start(start))?;
            let mut left = len;
            while left > 0 {
                let want = buf.len().min(left as usize);
                let n = file.read(&mut buf[..want])?;
                if n == 0 {
                    return Err(std::io::ErrorKind::UnexpectedEof.into());
                }
                hasher.update(&buf[..n]);
                left -= n as u64;
            }
            Ok(())
        })();
        let mut map = app.prefix_hashes().lock();
        let Some(p) = map.get_mut(&layout.blob) else {
            return;
        };
        if read.is_err() || p.dead {
            // Stale, or the file is not what it should be: hashed again from the start after
            // the commit.
            p.dead = true;
            p.busy = false;
            return;
        }
        p.hasher = hasher;
        p.next = next + 1;
    }
}
