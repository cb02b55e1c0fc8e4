//! The receiving end of a download: the bytes are written to the partial file and hashed on
//! threads of their own while the body keeps arriving, and the file is flushed to disk as it
//! grows, so that a verified, durable download costs about what its slowest part costs
//! (network, md5 or disk) instead of their sum.

use std::io::Write;
use std::path::{Path, PathBuf};

use bytes::Bytes;
use md5::{Digest, Md5};
use tokio::sync::mpsc;

use crate::{Error, Result};

/// Chunks buffered towards each of the writer and the hasher (the body arrives in chunks of
/// a few KiB to 256 KiB, so a few MiB at most are in memory).
const QUEUE: usize = 16;
/// Bytes written between two background flushes to disk.
const SYNC_EVERY: u64 = 64 * 1024 * 1024;
/// Small chunks are gathered up to this size before they are handed on: a server that sends
/// in pieces of a few KiB (gunicorn does) would otherwise cost two thread hand-offs each.
const BATCH: usize = 256 * 1024;

pub(crate) struct Sink {
    to_writer: mpsc::Sender<Bytes>,
    to_hasher: mpsc::Sender<Bytes>,
    writer: tokio::task::JoinHandle<std::io::Result<std::fs::File>>,
    hasher: tokio::task::JoinHandle<Md5>,
    path: PathBuf,
    /// Small chunks not handed on yet.
    pending: bytes::BytesMut,
}

impl Sink {
    /// Starts writing to `file` (positioned where the bytes go) and hashing from `hasher`'s
    /// state.
    pub(crate) fn start(file: std::fs::File, hasher: Md5, path: &Path) -> Sink {
        let (to_writer, mut writes) = mpsc::channel::<Bytes>(QUEUE);
        let (to_hasher, mut hashes) = mpsc::channel::<Bytes>(QUEUE);
        let writer = tokio::task::spawn_blocking(move || {
            // A second handle flushes what is written so far on a thread of its own.
            let syncer = file.try_clone().ok().map(Syncer::start);
            let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
            let mut since_sync = 0u64;
            while let Some(chunk) = writes.blocking_recv() {
                out.write_all(&chunk)?;
                since_sync += chunk.len() as u64;
                if since_sync >= SYNC_EVERY {
                    out.flush()?;
                    if let Some(s) = &syncer {
                        s.kick();
                    }
                    since_sync = 0;
                }
            }
            out.flush()?;
            if let Some(s) = syncer {
                s.stop();
            }
            out.into_inner().map_err(|e| e.into_error())
        });
        let hasher = tokio::task::spawn_blocking(move || {
            let mut h = hasher;
            while let Some(chunk) = hashes.blocking_recv() {
                h.update(&chunk);
            }
            h
        });
        Sink {
            to_writer,
            to_hasher,
            writer,
            hasher,
            path: path.to_path_buf(),
            pending: bytes::BytesMut::new(),
        }
    }

    /// Hands a chunk to the writer and the hasher (waits while they are a queue behind);
    /// small chunks are gathered first.
    pub(crate) async fn push(&mut self, chunk: Bytes) -> Result<()> {
        if self.pending.is_empty() && chunk.len() >= BATCH {
            return self.hand_on(chunk).await;
        }
        if self.pending.capacity() == 0 {
            self.pending.reserve(BATCH + chunk.len());
        }
        self.pending.extend_from_slice(&chunk);
        if self.pending.len() >= BATCH {
            let batch = self.pending.split().freeze();
            return self.hand_on(batch).await;
        }
        Ok(())
    }

    async fn hand_on(&mut self, chunk: Bytes) -> Result<()> {
        let (w, h) = tokio::join!(
            self.to_writer.send(chunk.clone()),
            self.to_hasher.send(chunk)
        );
        if w.is_err() || h.is_err() {
            // The writer stopped on an error: `finish` reports it.
            return Err(Error::Internal(format!(
                "writing {} stopped",
                self.path.display()
            )));
        }
        Ok(())
    }

    /// Waits for everything pushed to be written and hashed; with `durable`, for it to be on
    /// disk too. Returns the hash state.
    pub(crate) async fn finish(mut self, durable: bool) -> Result<Md5> {
        if !self.pending.is_empty() {
            let rest = self.pending.split().freeze();
            self.hand_on(rest).await?;
        }
        let Sink {
            to_writer,
            to_hasher,
            writer,
            hasher,
            path,
            pending: _,
        } = self;
        drop(to_writer);
        drop(to_hasher);
        let file = writer
            .await
            .map_err(|e| Error::internal(format!("the writer stopped: {e}")))?
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        let h = hasher
            .await
            .map_err(|e| Error::internal(format!("the hasher stopped: {e}")))?;
        if durable {
            tokio::task::spawn_blocking(move || file.sync_all())
                .await
                .map_err(|e| Error::internal(format!("the sync stopped: {e}")))?
                .map_err(|e| Error::io(format!("syncing {}", path.display()), e))?;
        }
        Ok(h)
    }
}

/// Flushes a file's data to disk in the background whenever kicked (kicks that come while a
/// flush runs are merged into the next one).
struct Syncer {
    kick: std::sync::mpsc::SyncSender<()>,
    thread: std::thread::JoinHandle<()>,
}

impl Syncer {
    fn start(file: std::fs::File) -> Syncer {
        let (kick, kicks) = std::sync::mpsc::sync_channel::<()>(1);
        let thread = std::thread::spawn(move || {
            while kicks.recv().is_ok() {
                // A failure here shows again in the final sync, which is checked.
                let _ = file.sync_data();
            }
        });
        Syncer { kick, thread }
    }

    fn kick(&self) {
        let _ = self.kick.try_send(());
    }

    fn stop(self) {
        drop(self.kick);
        let _ = self.thread.join();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md5_of(data: &[u8]) -> [u8; 16] {
        Md5::digest(data).into()
    }

    #[tokio::test]
    async fn chunks_small_and_large_land_in_order_and_are_hashed_as_written() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("part");
        let file = std::fs::File::create(&path).expect("create");
        let mut sink = Sink::start(file, Md5::new(), &path);
        // Small pieces gathered, then a large one that must not overtake them, then more
        // small ones past a batch, and a tail left for `finish`.
        let mut expected = Vec::new();
        let mut chunks: Vec<Vec<u8>> = vec![b"first".to_vec(), vec![1u8; 3 * BATCH / 2]];
        chunks.extend((0..70u8).map(|i| vec![i; 4096]));
        chunks.push(b"tail".to_vec());
        for c in chunks {
            expected.extend_from_slice(&c);
            sink.push(Bytes::from(c)).await.expect("pushed");
        }
        let h = sink.finish(true).await.expect("finished");
        let written = std::fs::read(&path).expect("read");
        assert_eq!(written.len(), expected.len());
        assert!(written == expected, "the bytes in the order they came");
        assert_eq!(<[u8; 16]>::from(h.finalize()), md5_of(&expected));
    }

    #[tokio::test]
    async fn a_hash_carried_over_continues_a_partial_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("part");
        std::fs::write(&path, b"hello ").expect("write");
        let mut before = Md5::new();
        before.update(b"hello ");
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .expect("open");
        let mut sink = Sink::start(file, before, &path);
        sink.push(Bytes::from_static(b"world"))
            .await
            .expect("pushed");
        let h = sink.finish(false).await.expect("finished");
        assert_eq!(std::fs::read(&path).expect("read"), b"hello world");
        assert_eq!(<[u8; 16]>::from(h.finalize()), md5_of(b"hello world"));
    }

    #[tokio::test]
    async fn a_file_that_cannot_be_written_stops_the_pushes_and_is_named() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("part");
        std::fs::write(&path, b"").expect("write");
        // Opened for reading only: every write fails.
        let file = std::fs::File::open(&path).expect("open");
        let mut sink = Sink::start(file, Md5::new(), &path);
        let mut refused = None;
        for i in 0..100 {
            if let Err(e) = sink.push(Bytes::from(vec![0u8; BATCH])).await {
                refused = Some((i, e));
                break;
            }
        }
        // (The writer buffers 1 MiB and the queue holds QUEUE chunks: a few pushes pass.)
        let (_, e) = refused.expect("a push is refused once the writer has stopped");
        assert!(e.to_string().contains("stopped"), "{e}");
        let e = sink.finish(false).await.expect_err("the write error");
        assert!(e.to_string().contains("part"), "{e}");
    }
}
