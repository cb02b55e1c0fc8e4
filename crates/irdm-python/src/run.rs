//! One runtime for every call, and the way a call waits for its future: GIL released,
//! signals checked.

use std::future::Future;
use std::sync::OnceLock;
use std::time::Duration;

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;

static RUNTIME: OnceLock<tokio::runtime::Runtime> = OnceLock::new();

/// How often a waiting call looks for a pending signal (Ctrl-C).
const SIGNAL_CHECK: Duration = Duration::from_millis(50);

/// The shared runtime, made on first use.
pub(crate) fn runtime() -> PyResult<&'static tokio::runtime::Runtime> {
    if let Some(rt) = RUNTIME.get() {
        return Ok(rt);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_name("irdm-client")
        .build()
        .map_err(|e| PyRuntimeError::new_err(format!("cannot start the runtime: {e}")))?;
    Ok(RUNTIME.get_or_init(|| rt))
}

/// Runs `fut` to its end with the GIL released. A signal whose Python handler raises (Ctrl-C
/// raises `KeyboardInterrupt`) stops it: the future is dropped, and the exception returned.
pub(crate) fn block<F, T>(py: Python<'_>, fut: F) -> PyResult<T>
where
    F: Future<Output = inveniordm::Result<T>> + Send,
    T: Send,
{
    block_watching(py, fut, &crate::progress::Failed::default())
}

/// [`block`], also stopped by the first exception a progress callback raised.
pub(crate) fn block_watching<F, T>(
    py: Python<'_>,
    fut: F,
    callback_failed: &crate::progress::Failed,
) -> PyResult<T>
where
    F: Future<Output = inveniordm::Result<T>> + Send,
    T: Send,
{
    let rt = runtime()?;
    let taken = || callback_failed.lock().ok().and_then(|mut f| f.take());
    let out = py.detach(|| {
        rt.block_on(async move {
            let mut fut = std::pin::pin!(fut);
            let mut tick = tokio::time::interval(SIGNAL_CHECK);
            loop {
                tokio::select! {
                    r = &mut fut => return taken().map_or(Ok(r), Err),
                    _ = tick.tick() => {
                        if let Some(e) = taken() {
                            return Err(e);
                        }
                        Python::attach(|py| py.check_signals())?;
                    }
                }
            }
        })
    });
    match out {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(crate::errors::to_py(e)),
        Err(interrupted) => Err(interrupted),
    }
}
