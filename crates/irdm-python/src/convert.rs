//! Documents across the boundary: JSON text, read and written by Python's `json` module, so
//! that every key and number survives both ways.

use pyo3::exceptions::PyRuntimeError;
use pyo3::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A document as a Python object (`dict`, `list`, …).
pub(crate) fn to_py<T: Serialize>(py: Python<'_>, v: &T) -> PyResult<Py<PyAny>> {
    let text = serde_json::to_string(v).map_err(|e| {
        PyRuntimeError::new_err(format!("a document could not be written as JSON: {e}"))
    })?;
    Ok(py.import("json")?.call_method1("loads", (text,))?.unbind())
}

/// A Python object as a document of type `T`; `what` names the argument in the error, an
/// [`InvalidArgument`](inveniordm::Error::InvalidArgument).
pub(crate) fn from_py<T: DeserializeOwned>(
    obj: &Bound<'_, PyAny>,
    what: &str,
) -> inveniordm::Result<T> {
    let refused = |why: String| inveniordm::Error::InvalidArgument(format!("{what} {why}"));
    let text: String = obj
        .py()
        .import("json")
        .and_then(|json| json.call_method1("dumps", (obj,)))
        .and_then(|t| t.extract())
        .map_err(|e| refused(format!("cannot be written as JSON: {e}")))?;
    serde_json::from_str(&text).map_err(|e| refused(format!("is not what was expected: {e}")))
}
