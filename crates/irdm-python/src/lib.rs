//! The native part of the `irdm_client` Python module: a synchronous facade over the
//! `inveniordm` library and the embedded sandbox, for Python programs.
//!
//! Every call runs the library's async code on one shared Tokio runtime with the GIL
//! released, so other Python threads go on meanwhile, and checks for pending signals every
//! 50 ms: Ctrl-C stops a call by dropping its future, which is how the library cancels (a
//! download stops writing into its hidden partial file and leaves no file that looks
//! complete). Values cross the boundary as JSON: records and other documents become `dict`s
//! and come back from them losslessly.
//!
//! The Python-facing documentation is in `python/irdm_client/_native.pyi`.

use pyo3::prelude::*;

mod client;
mod convert;
mod errors;
mod listing;
mod progress;
mod run;
mod sandbox;

pub use client::Client;
pub use listing::Records;
pub use sandbox::Sandbox;

/// The module `irdm_client._native`.
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Client>()?;
    m.add_class::<Records>()?;
    m.add_class::<Sandbox>()?;
    m.add("__version__", inveniordm::VERSION)?;
    Ok(())
}
