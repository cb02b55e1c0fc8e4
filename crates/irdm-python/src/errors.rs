//! The library's errors as the exceptions of `irdm_client._errors` (defined in Python, so
//! that they carry keyword attributes and can be caught by class).

use inveniordm::Error;
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// The exception class for an error: the most specific that fits.
fn class_of(e: &Error) -> &'static str {
    match e {
        Error::Deleted { .. } => "Gone",
        _ if e.is_not_found() => "NotFound",
        _ if e.is_permission_denied() => "PermissionDenied",
        _ if e.is_rate_limited() => "RateLimited",
        Error::Invalid { .. } => "ValidationError",
        _ if e.is_validation() => "ValidationError",
        Error::Api { .. } => "ApiError",
        Error::Transport { .. } | Error::Stalled { .. } => "NetworkError",
        Error::Checksum { .. } | Error::Unverified { .. } => "ChecksumError",
        Error::Conflict { .. } | Error::WouldOverwrite { .. } => "ConflictError",
        Error::Usage(_)
        | Error::Ambiguous { .. }
        | Error::InvalidArgument(_)
        | Error::Config(_)
        | Error::Journal { .. } => "UsageError",
        Error::Io { .. } => "LocalFileError",
        _ => "InvenioRDMError",
    }
}

fn build(py: Python<'_>, e: &Error) -> PyResult<PyErr> {
    let module = py.import("irdm_client._errors")?;
    let class = module.getattr(class_of(e))?;
    let kw = PyDict::new(py);
    kw.set_item("status", e.status())?;
    kw.set_item(
        "errors",
        crate::convert::to_py(py, &e.field_errors().to_vec())?,
    )?;
    kw.set_item("retryable", e.is_retryable())?;
    kw.set_item("maybe_applied", e.maybe_applied())?;
    match e {
        Error::Api { retry_after, .. } => kw.set_item("retry_after", *retry_after)?,
        Error::Ambiguous { candidates, .. } => kw.set_item("candidates", candidates.clone())?,
        Error::Deleted { tombstone, .. } => {
            kw.set_item("tombstone", crate::convert::to_py(py, tombstone)?)?
        }
        _ => {}
    }
    let instance = class.call((e.to_string(),), Some(&kw))?;
    Ok(PyErr::from_value(instance))
}

/// The exception for a library error.
pub(crate) fn to_py(e: Error) -> PyErr {
    Python::attach(|py| build(py, &e).unwrap_or_else(|failed| failed))
}

/// A `UsageError`: an argument that cannot be used.
pub(crate) fn usage(message: String) -> PyErr {
    to_py(Error::InvalidArgument(message))
}
