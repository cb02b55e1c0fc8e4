//! `irdm_client.Client`: one method per thing Python users do, each a call of the library.

use std::num::NonZeroUsize;
use std::path::PathBuf;

use inveniordm::api::{ExportFormat, Scope, SubmitReview};
use inveniordm::models::{EventPayload, Metadata, Record, SearchQuery};
use inveniordm::repo::{
    DepositOutcome, DepositReport, DepositSpec, DepositTarget, DownloadFilesOptions,
    DownloadOutcome, FilePolicy, FolderRules, NewVersionPlan, UploadFilesOptions, UploadOutcome,
    citation,
};
use pyo3::prelude::*;
use serde_json::{Value, json};

use crate::convert::to_py;
use crate::errors::usage;
use crate::run::{block, block_watching};

/// A connection to one InvenioRDM server. Cheap to share between threads.
#[pyclass(module = "irdm_client._native", frozen)]
pub struct Client {
    inner: inveniordm::Client,
}

impl Client {
    fn c(&self) -> inveniordm::Client {
        self.inner.clone()
    }

    /// Runs `call` with a clone of the client (see [`block`]) and gives its answer to Python.
    fn answer<F, Fut, T>(&self, py: Python<'_>, call: F) -> PyResult<Py<PyAny>>
    where
        F: FnOnce(inveniordm::Client) -> Fut,
        Fut: std::future::Future<Output = inveniordm::Result<T>> + Send,
        T: serde::Serialize + Send,
    {
        let answer = block(py, call(self.c()))?;
        to_py(py, &answer)
    }

    /// Accepts (`accept`) or declines a request, with an optional comment.
    fn respond(
        &self,
        py: Python<'_>,
        request_id: String,
        comment: Option<String>,
        accept: bool,
    ) -> PyResult<Py<PyAny>> {
        self.answer(py, |c| async move {
            let msg = comment.map(|t| EventPayload::text(&t));
            let requests = c.requests();
            if accept {
                requests.accept(&request_id, msg.as_ref()).await
            } else {
                requests.decline(&request_id, msg.as_ref()).await
            }
        })
    }
}

/// A Python object as a document of type `T` (`what` names it in the error).
fn from_py<T: serde::de::DeserializeOwned>(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<T> {
    crate::convert::from_py(obj, what).map_err(crate::errors::to_py)
}

/// The metadata a draft is made from: a whole draft, metadata, or a citation file.
fn draft_from(
    metadata: Option<&Bound<'_, PyAny>>,
    draft: Option<&Bound<'_, PyAny>>,
    cff: Option<PathBuf>,
    codemeta: Option<PathBuf>,
    zenodo: Option<PathBuf>,
) -> PyResult<(Record, Vec<String>)> {
    let given = [
        metadata.is_some(),
        draft.is_some(),
        cff.is_some(),
        codemeta.is_some(),
        zenodo.is_some(),
    ];
    if given.iter().filter(|g| **g).count() != 1 {
        return Err(usage(
            "give the metadata one way: metadata=dict, draft=dict, cff=PATH, codemeta=PATH or zenodo=PATH".into(),
        ));
    }
    if let Some(m) = metadata {
        let metadata: Metadata = from_py(m, "metadata")?;
        let record = Record {
            metadata: Some(metadata),
            ..Record::default()
        };
        return Ok((record, Vec::new()));
    }
    if let Some(d) = draft {
        return Ok((from_py(d, "draft")?, Vec::new()));
    }
    let from = match (cff, codemeta, zenodo) {
        (Some(p), _, _) => citation::read_cff(&p).and_then(|v| citation::from_cff(&v)),
        (_, Some(p), _) => citation::read_structured(&p).and_then(|v| citation::from_codemeta(&v)),
        (_, _, Some(p)) => {
            citation::read_structured(&p).and_then(|v| citation::from_zenodo_json(&v))
        }
        _ => unreachable!("one source was given"),
    }
    .map_err(crate::errors::to_py)?;
    let unmapped = from.unmapped.clone();
    Ok((from.into_draft(), unmapped))
}

fn jobs(n: usize) -> PyResult<NonZeroUsize> {
    NonZeroUsize::new(n).ok_or_else(|| usage("jobs is at least 1".into()))
}

fn outcome_json(r: &DepositReport, unmapped: &[String]) -> Value {
    let (state, record, request) = match &r.outcome {
        DepositOutcome::Published(rec) => ("published", Some(rec), None),
        DepositOutcome::Submitted { draft, request } => ("submitted", Some(draft), Some(request)),
        DepositOutcome::Draft(rec) => ("draft", Some(rec), None),
        _ => ("other", None, None),
    };
    json!({
        "state": state,
        "id": r.id,
        "concept": r.concept,
        "previous": r.previous,
        "created": r.created,
        "adopted": r.adopted,
        "already_done": r.already_done,
        "uploaded": r.uploaded,
        "unverified": r.unverified,
        "already_there": r.already_there,
        "linked": r.linked,
        "removed": r.removed,
        "reserved_doi": r.reserved_doi,
        "not_carried_over": unmapped,
        "record": record,
        "request": request,
    })
}

#[pymethods]
impl Client {
    /// Connects to a server: `url` and `token`, else `INVENIORDM_URL`/`INVENIORDM_TOKEN`, the
    /// nearest `.env` file, or a profile of irdm's config file (the library's rule: a token
    /// only goes with a URL from the same place).
    #[new]
    #[pyo3(signature = (url=None, token=None, *, profile=None, timeout=None, pacing=true, retries=None))]
    pub(crate) fn new(
        url: Option<&str>,
        token: Option<&str>,
        profile: Option<&str>,
        timeout: Option<f64>,
        pacing: bool,
        retries: Option<u32>,
    ) -> PyResult<Self> {
        let found = inveniordm::env::resolve(url, token, profile).map_err(crate::errors::to_py)?;
        let Some(url) = found.url else {
            return Err(usage(format!(
                "no server URL: pass url=…, set INVENIORDM_URL, or add a profile to {}",
                found.config_file.display()
            )));
        };
        let mut b = inveniordm::Client::builder(url.value)
            .user_agent(format!(
                "irdm-client/{0} inveniordm/{0}",
                inveniordm::VERSION
            ))
            .rate_pacing(pacing);
        if let Some(t) = found.token {
            b = b.token(t.value);
        }
        if let Some(n) = retries {
            b = b.retry(inveniordm::RetryConfig {
                max_retries: n,
                ..inveniordm::RetryConfig::default()
            });
        }
        if let Some(secs) = timeout {
            if !(secs.is_finite() && secs > 0.0) {
                return Err(usage(format!(
                    "timeout is a number of seconds above 0, not {secs}"
                )));
            }
            let t = std::time::Duration::from_secs_f64(secs);
            b = b
                .read_timeout(t)
                .connect_timeout(t.min(inveniordm::DEFAULT_CONNECT_TIMEOUT));
        }
        let inner = b.build().map_err(crate::errors::to_py)?;
        Ok(Self { inner })
    }

    /// The API's URL (`…/api/`).
    #[getter]
    fn url(&self) -> String {
        self.inner.api_url().to_string()
    }

    /// Whether requests carry a token.
    #[getter]
    fn has_token(&self) -> bool {
        self.inner.has_token()
    }

    fn __repr__(&self) -> String {
        format!(
            "Client(url={:?}, token={})",
            self.inner.api_url().as_str(),
            if self.inner.has_token() {
                "set"
            } else {
                "none"
            }
        )
    }

    /// Every record matching `q`, as an iterator of dicts, past the search window.
    #[pyo3(signature = (q=None, *, mine=false, community=None, sort=None, size=100, all_versions=false, filters=None, window=10_000))]
    #[allow(clippy::too_many_arguments)]
    fn search(
        &self,
        q: Option<String>,
        mine: bool,
        community: Option<String>,
        sort: Option<String>,
        size: u64,
        all_versions: bool,
        filters: Option<Vec<(String, String)>>,
        window: usize,
    ) -> PyResult<crate::Records> {
        if window == 0 || size == 0 {
            return Err(usage("size and window are at least 1".into()));
        }
        let scope = match (mine, community) {
            (true, Some(_)) => {
                return Err(usage("mine=True and community=… cannot be combined".into()));
            }
            (true, None) => Scope::Mine,
            (false, Some(c)) => Scope::Community(c),
            (false, None) => Scope::Published,
        };
        let mut query = SearchQuery::all();
        query.q = q.filter(|q| !q.trim().is_empty());
        query.sort = sort;
        query.size = Some(size);
        query.all_versions = all_versions;
        query.filters = filters.unwrap_or_default();
        crate::Records::start(self.c(), scope, query, window)
    }

    /// One page of a search, as the server answers it (`hits`, `aggregations`, `links`).
    #[pyo3(signature = (q=None, *, page=1, size=10, sort=None, mine=false))]
    fn search_page(
        &self,
        py: Python<'_>,
        q: Option<String>,
        page: u64,
        size: u64,
        sort: Option<String>,
        mine: bool,
    ) -> PyResult<Py<PyAny>> {
        let mut query = SearchQuery::all();
        query.q = q.filter(|q| !q.trim().is_empty());
        query.page = Some(page);
        query.size = Some(size);
        query.sort = sort;
        let scope = if mine { Scope::Mine } else { Scope::Published };
        self.answer(
            py,
            |c| async move { c.query().records_of(scope, &query).await },
        )
    }

    /// A published record.
    fn record(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
        self.answer(py, |c| async move { c.records().get(&id).await })
    }

    /// A draft.
    fn draft(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
        self.answer(py, |c| async move { c.drafts().get(&id).await })
    }

    /// The versions of a record's concept (the server's first page of them), newest first.
    fn versions(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
        self.answer(py, |c| async move {
            Ok(c.records().versions(&id).await?.items().to_vec())
        })
    }

    /// Creates a draft from `metadata` (a metadata dict) or `draft` (a whole draft: metadata,
    /// access, custom fields, …). Problems the server found are in its `errors` key.
    #[pyo3(signature = (metadata=None, *, draft=None))]
    fn create_draft(
        &self,
        py: Python<'_>,
        metadata: Option<&Bound<'_, PyAny>>,
        draft: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let (record, _) = draft_from(metadata, draft, None, None, None)?;
        self.answer(py, |c| async move { c.drafts().create(&record).await })
    }

    /// Replaces a draft's content with `draft` (as read, changed).
    fn update_draft(
        &self,
        py: Python<'_>,
        id: String,
        draft: &Bound<'_, PyAny>,
    ) -> PyResult<Py<PyAny>> {
        let record: Record = from_py(draft, "draft")?;
        self.answer(py, |c| async move { c.drafts().update(&id, &record).await })
    }

    /// Deletes a draft (a new version's draft, or one never published).
    fn delete_draft(&self, py: Python<'_>, id: String) -> PyResult<()> {
        let c = self.c();
        block(py, async move { c.drafts().delete(&id).await })
    }

    /// Uploads files to a draft, streamed and md5-checked: `files` are paths (a folder's
    /// files get keys relative to it) or `(path, key)` pairs. Returns one dict per file.
    #[pyo3(signature = (draft_id, files, *, progress=None, jobs=4, replace=false))]
    fn upload(
        &self,
        py: Python<'_>,
        draft_id: String,
        files: &Bound<'_, PyAny>,
        progress: Option<Py<PyAny>>,
        jobs: usize,
        replace: bool,
    ) -> PyResult<Py<PyAny>> {
        let given = file_args(files)?;
        let mut opts = UploadFilesOptions::default();
        opts.jobs = self::jobs(jobs)?;
        opts.replace = replace;
        let (progress, failed) = crate::progress::factory(progress);
        opts.progress = progress;
        let c = self.c();
        let results = block_watching(
            py,
            async move {
                let mut all = Vec::new();
                for (path, key) in given {
                    match key {
                        Some(key) => all.push((path, key)),
                        None => all.extend(
                            inveniordm::repo::collect_files(&[path], &FolderRules::default())
                                .await?,
                        ),
                    }
                }
                c.repo().upload_files(&draft_id, &all, &opts).await
            },
            &failed,
        )?;
        let mut out = Vec::new();
        for (key, r) in results {
            let r = r.map_err(crate::errors::to_py)?;
            let sent = matches!(r, UploadOutcome::Uploaded { .. });
            out.push(
                json!({"key": key, "uploaded": sent, "verified": r.verified(), "entry": r.entry()}),
            );
        }
        to_py(py, &out)
    }

    /// Publishes a draft, after checking it is complete (a draft with problems is refused
    /// with the problems, nothing sent).
    fn publish(&self, py: Python<'_>, id: String) -> PyResult<Py<PyAny>> {
        self.answer(py, |c| async move { c.repo().publish(&id).await })
    }

    /// Starts the next version of a record: a draft whose files are the previous version's
    /// (`files="keep"`), none (`"none"`), or a folder's (a path: unchanged files linked, the
    /// rest uploaded). `metadata` is set on the previous version's. With `publish=True` the
    /// version is published at once.
    #[pyo3(signature = (record_id, *, files="keep", metadata=None, publish=false))]
    fn new_version(
        &self,
        py: Python<'_>,
        record_id: String,
        files: &str,
        metadata: Option<&Bound<'_, PyAny>>,
        publish: bool,
    ) -> PyResult<Py<PyAny>> {
        let policy = match files {
            "keep" => FilePolicy::Keep,
            "none" => FilePolicy::Replace,
            folder => FilePolicy::Reconcile(PathBuf::from(folder)),
        };
        let mut plan = NewVersionPlan::with_files(policy);
        plan.publish = publish;
        plan.metadata = metadata.map(|m| from_py(m, "metadata")).transpose()?;
        self.answer(py, |c| async move {
            c.repo().new_version(&record_id, &plan).await
        })
    }

    /// Downloads a record's files (all, or `keys`) below `dest`, each verified against the
    /// server's md5; interrupted downloads resume, unchanged local files are kept. Returns
    /// one dict per file (`key`, `path`, `size`, `md5`, `fetched`).
    #[pyo3(signature = (record_id, dest=None, *, keys=None, draft=false, overwrite=false, progress=None, jobs=4))]
    #[allow(clippy::too_many_arguments)]
    fn download(
        &self,
        py: Python<'_>,
        record_id: String,
        dest: Option<PathBuf>,
        keys: Option<Vec<String>>,
        draft: bool,
        overwrite: bool,
        progress: Option<Py<PyAny>>,
        jobs: usize,
    ) -> PyResult<Py<PyAny>> {
        let mut opts = DownloadFilesOptions::default();
        opts.jobs = self::jobs(jobs)?;
        opts.draft = draft;
        opts.overwrite = overwrite;
        let (progress, failed) = crate::progress::factory(progress);
        opts.progress = progress;
        let dest = dest.unwrap_or_else(|| PathBuf::from("."));
        let c = self.c();
        let results = block_watching(
            py,
            async move {
                c.repo()
                    .download_files(&record_id, keys.as_deref(), &dest, &opts)
                    .await
            },
            &failed,
        )?;
        let mut out = Vec::new();
        for (key, r) in results {
            let v = match r.map_err(crate::errors::to_py)? {
                DownloadOutcome::Downloaded(d) => json!({
                    "key": key, "path": d.path, "size": d.size, "md5": d.md5,
                    "fetched": true, "verified": d.verified, "resumed_from": d.resumed_from,
                }),
                DownloadOutcome::AlreadyThere(path) => {
                    json!({"key": key, "path": path, "fetched": false, "verified": true})
                }
                _ => json!({"key": key}),
            };
            out.push(v);
        }
        to_py(py, &out)
    }

    /// Deposits files with metadata (a `metadata` dict, a whole `draft`, or a `cff`,
    /// `codemeta` or `zenodo` file), journaled in `journal`: killed or failed at any point,
    /// the same call carries on with the same draft and never makes a second one. Run again
    /// with other content it is refused, unless `next_version=True` (or `new_version_of=ID`)
    /// asks for the next version. Returns what was done (a dict).
    #[pyo3(signature = (paths=Vec::new(), *, journal, metadata=None, draft=None, cff=None, codemeta=None, zenodo=None, community=None, publish=true, new_version_of=None, next_version=false, keep_files=false, reserve_doi=false, adopt=None, require_verified=false, exclude=Vec::new(), include_hidden=false, progress=None, jobs=4))]
    #[allow(clippy::too_many_arguments)]
    fn deposit(
        &self,
        py: Python<'_>,
        paths: Vec<PathBuf>,
        journal: PathBuf,
        metadata: Option<&Bound<'_, PyAny>>,
        draft: Option<&Bound<'_, PyAny>>,
        cff: Option<PathBuf>,
        codemeta: Option<PathBuf>,
        zenodo: Option<PathBuf>,
        community: Option<String>,
        publish: bool,
        new_version_of: Option<String>,
        next_version: bool,
        keep_files: bool,
        reserve_doi: bool,
        adopt: Option<String>,
        require_verified: bool,
        exclude: Vec<String>,
        include_hidden: bool,
        progress: Option<Py<PyAny>>,
        jobs: usize,
    ) -> PyResult<Py<PyAny>> {
        let (draft, unmapped) = draft_from(metadata, draft, cff, codemeta, zenodo)?;
        let target = match (new_version_of, next_version) {
            (Some(_), true) => {
                return Err(usage(
                    "new_version_of=… and next_version=True cannot be combined".into(),
                ));
            }
            (Some(x), false) => DepositTarget::NextVersionOf(x),
            (None, true) => DepositTarget::NextVersion,
            (None, false) => DepositTarget::NewRecord,
        };
        let mut upload = UploadFilesOptions::default();
        upload.jobs = self::jobs(jobs)?;
        let (progress, failed) = crate::progress::factory(progress);
        upload.progress = progress;
        let rules = FolderRules {
            include_hidden,
            exclude,
        };
        let c = self.c();
        let report = block_watching(
            py,
            async move {
                let files = if paths.is_empty() {
                    Vec::new()
                } else {
                    inveniordm::repo::collect_files(&paths, &rules).await?
                };
                let community = match community {
                    Some(x) => Some(c.communities().get(&x).await?.require_id()?.to_string()),
                    None => None,
                };
                let spec = DepositSpec {
                    draft,
                    files,
                    community,
                    reserve_doi,
                    publish,
                    target,
                    keep_files,
                    adopt,
                    adopt_wait: None,
                    require_verified,
                };
                c.repo().deposit(&spec, &journal, &upload).await
            },
            &failed,
        )?;
        to_py(py, &outcome_json(&report, &unmapped))
    }

    /// A community, by id or slug.
    fn community(&self, py: Python<'_>, id_or_slug: String) -> PyResult<Py<PyAny>> {
        self.answer(
            py,
            |c| async move { c.communities().get(&id_or_slug).await },
        )
    }

    /// One page of communities matching `q`.
    #[pyo3(signature = (q=None, *, page=1, size=25))]
    fn communities(
        &self,
        py: Python<'_>,
        q: Option<String>,
        page: u64,
        size: u64,
    ) -> PyResult<Py<PyAny>> {
        let mut query = SearchQuery::all();
        query.q = q.filter(|q| !q.trim().is_empty());
        query.page = Some(page);
        query.size = Some(size);
        self.answer(py, |c| async move { c.communities().search(&query).await })
    }

    /// Submits a draft to a community (id or slug) for review; returns the request.
    #[pyo3(signature = (draft_id, community, *, comment=None))]
    fn submit_review(
        &self,
        py: Python<'_>,
        draft_id: String,
        community: String,
        comment: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        self.answer(py, |c| async move {
            let id = c
                .communities()
                .get(&community)
                .await?
                .require_id()?
                .to_string();
            c.drafts().set_review(&draft_id, &id).await?;
            let mut how = SubmitReview::new();
            if let Some(text) = comment {
                how = how.message(EventPayload::text(&text));
            }
            c.drafts().submit_review(&draft_id, &how).await
        })
    }

    /// Accepts a request (a review: the record is published in the community).
    #[pyo3(signature = (request_id, *, comment=None))]
    fn accept(
        &self,
        py: Python<'_>,
        request_id: String,
        comment: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        self.respond(py, request_id, comment, true)
    }

    /// Declines a request.
    #[pyo3(signature = (request_id, *, comment=None))]
    fn decline(
        &self,
        py: Python<'_>,
        request_id: String,
        comment: Option<String>,
    ) -> PyResult<Py<PyAny>> {
        self.respond(py, request_id, comment, false)
    }

    /// A record in an export format (`bibtex`, `datacite-json`, `csl`, `dublincore`, …), as
    /// text.
    fn export(&self, py: Python<'_>, record_id: String, format: &str) -> PyResult<String> {
        let f = ExportFormat::from_name(format).ok_or_else(|| {
            usage(format!(
                "unknown export format {format:?} (known: {})",
                ExportFormat::names().join(", ")
            ))
        })?;
        let c = self.c();
        let e = block(py, async move { c.records().export(&record_id, &f).await })?;
        Ok(e.text())
    }

    /// Any API path (below `/api/`), JSON in and out: `method` is GET, POST, PUT, PATCH or
    /// DELETE.
    #[pyo3(signature = (method, path, body=None))]
    fn api(
        &self,
        py: Python<'_>,
        method: &str,
        path: String,
        body: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Py<PyAny>> {
        let body: Value = match body {
            Some(b) => from_py(b, "body")?,
            None => Value::Object(Default::default()),
        };
        let method = method.to_ascii_uppercase();
        self.answer(py, |c| async move {
            let raw = c.raw();
            match method.as_str() {
                "GET" => raw.get(&path).await,
                "POST" => raw.post(&path, &body).await,
                "PUT" => raw.put(&path, &body).await,
                "PATCH" => raw.patch(&path, &body).await,
                "DELETE" => raw.delete(&path).await,
                m => Err(inveniordm::Error::InvalidArgument(format!(
                    "method {m:?}: GET, POST, PUT, PATCH or DELETE"
                ))),
            }
        })
    }
}

/// `files` of an upload, in the order given: paths (str or `os.PathLike`; a folder stands for
/// its files) without a key, and `(path, key)` pairs with one.
fn file_args(files: &Bound<'_, PyAny>) -> PyResult<Vec<(PathBuf, Option<String>)>> {
    if files.extract::<String>().is_ok() {
        return Err(usage(
            "files is a list of paths or (path, key) pairs, not one string".into(),
        ));
    }
    let mut given = Vec::new();
    for item in files.try_iter()? {
        let item = item?;
        if let Ok((p, k)) = item.extract::<(PathBuf, String)>() {
            given.push((p, Some(k)));
        } else {
            let p = item
                .extract::<PathBuf>()
                .map_err(|_| usage(format!("{item} is neither a path nor a (path, key) pair")))?;
            given.push((p, None));
        }
    }
    Ok(given)
}
