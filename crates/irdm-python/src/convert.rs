//! Documents across the boundary: JSON text, read and written by Python's `json` module, so
//! that every key and number survives both ways.

use pyo3::prelude::*;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// A document as a Python object (`dict`, `list`, …).
pub(crate) fn to_py<T: Serialize>(py: Python<'_>, v: &T) -> PyResult<Py<PyAny>> {
    let text = serde_json::to_string(v).map_err(|e| {
        crate::errors::to_py(inveniordm::Error::Internal(format!(
            "a document could not be written as JSON: {e}"
        )))
    })?;
    Ok(py.import("json")?.call_method1("loads", (text,))?.unbind())
}

/// A Python object as a document of type `T`; `what` names the argument in the error.
pub(crate) fn from_py<T: DeserializeOwned>(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<T> {
    let py = obj.py();
    let text: String = py
        .import("json")?
        .call_method1("dumps", (obj,))
        .map_err(|e| crate::errors::usage(format!("{what} cannot be written as JSON: {e}")))?
        .extract()?;
    serde_json::from_str(&text)
        .map_err(|e| crate::errors::usage(format!("{what} is not what was expected: {e}")))
}
