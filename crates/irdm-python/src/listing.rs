//! Listings as Python iterators: a task on the runtime walks the library's stream and hands
//! records over a bounded channel, so memory stays bounded and a listing given up (the
//! iterator dropped) stops asking the server.

use futures_util::StreamExt;
use inveniordm::api::Scope;
use inveniordm::models::{Record, SearchQuery};
use pyo3::prelude::*;
use tokio::sync::{Mutex, mpsc};

/// Records read ahead of the caller, at most.
const AHEAD: usize = 100;

/// An iterator of records (`dict`s), page after page and past the search window.
#[pyclass(module = "irdm_client._native", frozen)]
pub struct Records {
    rx: Mutex<mpsc::Receiver<inveniordm::Result<Record>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Records {
    /// Starts listing the records of `scope` that match `query`, split into searches of at
    /// most `window` results.
    pub(crate) fn start(
        client: inveniordm::Client,
        scope: Scope,
        query: SearchQuery,
        window: usize,
    ) -> PyResult<Self> {
        let (tx, rx) = mpsc::channel(AHEAD);
        let task = crate::run::runtime()?.spawn(async move {
            let stream = client.query().records_split(scope, query, window);
            let mut stream = std::pin::pin!(stream);
            while let Some(item) = stream.next().await {
                let failed = item.is_err();
                if tx.send(item).await.is_err() || failed {
                    break;
                }
            }
        });
        Ok(Self {
            rx: Mutex::new(rx),
            task,
        })
    }
}

impl Drop for Records {
    fn drop(&mut self) {
        self.task.abort();
    }
}

#[pymethods]
impl Records {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self, py: Python<'_>) -> PyResult<Option<Py<PyAny>>> {
        let next = crate::run::block(py, async { Ok(self.rx.lock().await.recv().await) })?;
        match next {
            None => Ok(None),
            Some(Ok(record)) => crate::convert::to_py(py, &record).map(Some),
            Some(Err(e)) => Err(crate::errors::to_py(e)),
        }
    }
}
