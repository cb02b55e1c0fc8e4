//! The writer thread: the state's changes written through to the store in batches.

use super::*;
use crate::model::State;
use crate::store::{Op, Store};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};

/// The one thread that writes to SQLite. Handlers change the state in memory under the lock
/// and hand the changes over; the commits (with their fsync) happen on this thread, several
/// batches in one transaction when they queue up, so no async worker and no other request
/// waits for the disk. A request is answered only once its own changes are committed.
pub(super) struct Writer {
    tx: Mutex<std::sync::mpsc::Sender<Batch>>,
    next: AtomicU64,
    done: tokio::sync::watch::Sender<u64>,
    failed: Mutex<BTreeSet<u64>>,
}

struct Batch {
    seq: u64,
    ops: Vec<Op>,
}

impl Writer {
    pub(super) fn start(store: Arc<Store>, app: Weak<App>) -> Self {
        let (tx, rx) = std::sync::mpsc::channel::<Batch>();
        let (done, _) = tokio::sync::watch::channel(0u64);
        let done_tx = done.clone();
        let spawned = std::thread::Builder::new()
            .name("sandbox-writer".into())
            .spawn(move || {
                while let Ok(first) = rx.recv() {
                    let mut batches = vec![first];
                    while batches.len() < 256 {
                        match rx.try_recv() {
                            Ok(b) => batches.push(b),
                            Err(_) => break,
                        }
                    }
                    commit(&store, &app, &batches);
                    let last = batches.iter().map(|b| b.seq).max().unwrap_or(0);
                    done_tx.send_replace(last);
                }
            });
        if let Err(e) = spawned {
            tracing::error!(error = %e, "the writer thread did not start; changes will not be saved");
        }
        Self {
            tx: Mutex::new(tx),
            next: AtomicU64::new(1),
            done,
            failed: Mutex::new(BTreeSet::new()),
        }
    }

    /// Hands changes over; returns their commit number. Called with the state lock held, so
    /// commits keep the order of the changes.
    pub(super) fn submit(&self, ops: Vec<Op>) -> u64 {
        let seq = self.next.fetch_add(1, Ordering::SeqCst);
        let tx = self.tx.lock().unwrap_or_else(|e| e.into_inner());
        if tx.send(Batch { seq, ops }).is_err() {
            tracing::error!("the writer thread is gone; a change was not saved");
            self.failed
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert(seq);
            self.done.send_replace(seq);
        }
        seq
    }

    /// Waits until commit `seq` is done; false when it failed.
    pub(super) async fn wait(&self, seq: u64) -> bool {
        let mut rx = self.done.subscribe();
        if rx.wait_for(|d| *d >= seq).await.is_err() {
            return false;
        }
        !self
            .failed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .contains(&seq)
    }
}

/// Commits batches in one transaction (on the writer thread); then removes the content blobs
/// no file uses any more, or, when the commit failed, reloads the state from the store.
fn commit(store: &Store, app: &Weak<App>, batches: &[Batch]) {
    let ops: Vec<Op> = batches.iter().flat_map(|b| b.ops.iter().cloned()).collect();
    let result = store.apply(&ops);
    let Some(app) = app.upgrade() else { return };
    match result {
        Ok(()) => {
            let blobs: Vec<&String> = ops
                .iter()
                .filter_map(|op| match op {
                    Op::DropBlob(b) => Some(b),
                    _ => None,
                })
                .collect();
            if !blobs.is_empty() {
                let st = app.st.lock().unwrap_or_else(|e| e.into_inner());
                for b in blobs {
                    if !st.blob_in_use(b) {
                        let _ = std::fs::remove_file(store.blob_path(b));
                    }
                }
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "store commit failed; reloading the state from the store");
            {
                let mut failed = app.writer.failed.lock().unwrap_or_else(|e| e.into_inner());
                if failed.len() > 10_000 {
                    failed.clear();
                }
                failed.extend(batches.iter().map(|b| b.seq));
            }
            let mut st = app.st.lock().unwrap_or_else(|e| e.into_inner());
            match State::load(store) {
                Ok(fresh) => *st = fresh,
                Err(e) => tracing::error!(error = %e, "reloading the state failed"),
            }
        }
    }
}
