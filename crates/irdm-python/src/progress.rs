//! Progress callbacks: a Python callable `progress(key, done, total)`, called when a file's
//! transfer starts (`done == 0`), then at most every 100 ms, and once all its bytes are
//! through (`done == total`).
//!
//! An exception the callback raises (a `KeyboardInterrupt` while it runs, a bug in it) stops
//! the call: it is kept in the call's [`Failed`] slot, which the waiting call looks at, and
//! the callback is not called again.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use inveniordm::repo::ProgressFactory;
use inveniordm::transfer::Progress;
use pyo3::prelude::*;

/// The least time between two calls for one file (the first and the last always happen).
const EVERY: Duration = Duration::from_millis(100);

/// The first exception a callback raised, for the call waiting on the transfer.
pub(crate) type Failed = Arc<Mutex<Option<PyErr>>>;

/// A Python callback and where its failure goes.
struct Callback {
    function: Py<PyAny>,
    failed: Failed,
}

impl Callback {
    /// Calls `function(key, done, total)`, unless it failed before; keeps its exception.
    fn call(&self, key: &str, done: u64, total: u64) {
        let Ok(mut failed) = self.failed.lock() else {
            return;
        };
        if failed.is_some() {
            return;
        }
        Python::attach(|py| {
            if let Err(e) = self.function.call1(py, (key, done, total)) {
                *failed = Some(e);
            }
        });
    }
}

/// The progress of one file, reported to `callback`.
fn one_file(callback: Arc<Callback>, key: String, total: u64) -> Progress {
    callback.call(&key, 0, total);
    let state = Mutex::new((0u64, Instant::now()));
    Arc::new(move |n: u64| {
        let due = {
            let Ok(mut s) = state.lock() else { return };
            s.0 += n;
            let now = Instant::now();
            let finished = total > 0 && s.0 >= total;
            if finished || now.duration_since(s.1) >= EVERY {
                s.1 = now;
                Some(s.0)
            } else {
                None
            }
        };
        if let Some(done) = due {
            callback.call(&key, done, total);
        }
    })
}

/// The library's per-file progress for a Python callable (`None` without one), and the slot
/// where the callable's exception goes.
pub(crate) fn factory(function: Option<Py<PyAny>>) -> (Option<ProgressFactory>, Failed) {
    let failed: Failed = Arc::default();
    let Some(function) = function else {
        return (None, failed);
    };
    let callback = Arc::new(Callback {
        function,
        failed: failed.clone(),
    });
    let factory: ProgressFactory =
        Arc::new(move |key: &str, total: u64| one_file(callback.clone(), key.to_string(), total));
    (Some(factory), failed)
}
