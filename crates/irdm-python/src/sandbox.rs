//! The embedded sandbox, started from Python: `irdm_client.sandbox(**options)`.

use std::sync::Mutex;

use clap::Parser;
use inveniordm_sandbox::cli::SandboxArgs;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};

/// A local InvenioRDM-compatible server running inside this process.
#[pyclass(module = "irdm_client._native", frozen)]
pub struct Sandbox {
    url: String,
    token: String,
    running: Mutex<Option<inveniordm_sandbox::Sandbox>>,
}

/// The sandbox's command-line flags for Python keyword options: `fault_429=0.1` is
/// `--fault-429 0.1`, `True` a bare flag, `False` and `None` nothing, a list a repeated flag.
fn flags(options: Option<&Bound<'_, PyDict>>) -> PyResult<Vec<String>> {
    let mut argv = vec![
        "inveniordm-sandbox".to_string(),
        "--listen".to_string(),
        "127.0.0.1:0".to_string(),
    ];
    let Some(options) = options else {
        return Ok(argv);
    };
    for (name, value) in options.iter() {
        let name: String = name.extract()?;
        let flag = format!("--{}", name.replace('_', "-"));
        if value.is_none() {
            continue;
        }
        if let Ok(b) = value.cast::<pyo3::types::PyBool>() {
            if b.is_true() {
                argv.push(flag);
            }
            continue;
        }
        if value.cast::<PyList>().is_ok() || value.cast::<PyTuple>().is_ok() {
            for item in value.try_iter()? {
                argv.push(flag.clone());
                argv.push(item?.str()?.to_string());
            }
            continue;
        }
        argv.push(flag);
        argv.push(value.str()?.to_string());
    }
    Ok(argv)
}

#[pymethods]
impl Sandbox {
    /// Starts a sandbox on a free loopback port; the options are those of
    /// `inveniordm-sandbox --help`, with `_` for `-`.
    #[new]
    #[pyo3(signature = (**options))]
    fn new(py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let argv = flags(options)?;
        let args = SandboxArgs::try_parse_from(&argv)
            .map_err(|e| crate::errors::usage(format!("sandbox options: {}", e.render())))?;
        let config = args
            .serve
            .config()
            .map_err(|e| crate::errors::usage(format!("sandbox options: {e}")))?;
        let sandbox = crate::run::block(py, async move {
            inveniordm_sandbox::Sandbox::start(config)
                .await
                .map_err(|e| inveniordm::Error::Config(format!("the sandbox did not start: {e}")))
        })?;
        Ok(Self {
            url: sandbox.url().to_string(),
            token: sandbox.token().to_string(),
            running: Mutex::new(Some(sandbox)),
        })
    }

    /// The server's URL (`http://127.0.0.1:PORT`).
    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    /// The token of the sandbox's user.
    #[getter]
    fn token(&self) -> &str {
        &self.token
    }

    /// A client for this sandbox, with its token.
    fn client(&self) -> PyResult<crate::Client> {
        crate::Client::new(Some(&self.url), Some(&self.token), None, None, true, None)
    }

    /// Stops the server (again: nothing).
    fn close(&self, py: Python<'_>) -> PyResult<()> {
        let running = self.running.lock().ok().and_then(|mut s| s.take());
        if let Some(s) = running {
            crate::run::block(py, async move {
                s.stop().await;
                Ok(())
            })?;
        }
        Ok(())
    }

    fn __enter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, PyTuple>) -> PyResult<bool> {
        self.close(py)?;
        Ok(false)
    }

    fn __repr__(&self) -> String {
        format!("Sandbox(url={:?})", self.url)
    }
}
