"""Type stubs of the native part of irdm_client (written in Rust)."""

import os
from types import TracebackType
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Type, Union, final

__all__ = ["Client", "Records", "Sandbox", "__version__"]
__version__: str

_PathLike = Union[str, "os.PathLike[str]"]
#: ``progress(key, done, total)``: called when a file starts (``done == 0``), at most every
#: 100 ms, and when all its bytes are through. An exception it raises stops the call.
_Progress = Callable[[str, int, int], Any]
_Document = Dict[str, Any]

@final
class Records(Iterator[_Document]):
    """Records matching a search, fetched page by page as they are iterated (past the search
    window of 10 000 results). Dropping the iterator stops the listing."""

    def __iter__(self) -> "Records": ...
    def __next__(self) -> _Document: ...

@final
class Client:
    """A connection to one InvenioRDM server. Share it between threads freely."""

    def __new__(
        cls,
        url: Optional[str] = None,
        token: Optional[str] = None,
        *,
        profile: Optional[str] = None,
        timeout: Optional[float] = None,
        pacing: bool = True,
        retries: Optional[int] = None,
    ) -> "Client":
        """Connects to ``url`` with ``token``; without them, ``INVENIORDM_URL`` and
        ``INVENIORDM_TOKEN``, the nearest ``.env`` file, or ``profile`` (or the default
        profile) of irdm's config file. A token is only sent to a URL from the same place.
        ``timeout`` is the read timeout in seconds; ``pacing`` keeps within the server's
        announced rate limits; ``retries`` is how often a failed request that may be sent
        again is retried (default 4, with backoff, honouring ``Retry-After``)."""
    @property
    def url(self) -> str:
        """The API's URL."""
    @property
    def has_token(self) -> bool:
        """Whether requests carry a token."""
    def search(
        self,
        q: Optional[str] = None,
        *,
        mine: bool = False,
        community: Optional[str] = None,
        sort: Optional[str] = None,
        size: int = 100,
        all_versions: bool = False,
        filters: Optional[Sequence[Tuple[str, str]]] = None,
        window: int = 10000,
    ) -> Records:
        """Every record matching ``q`` (published ones, ``mine=True`` for your own drafts and
        records, or a community's). Searches past ``window`` results are split by record
        id, so every record comes exactly once."""
    def search_page(
        self,
        q: Optional[str] = None,
        *,
        page: int = 1,
        size: int = 10,
        sort: Optional[str] = None,
        mine: bool = False,
    ) -> _Document:
        """One page of a search, as the server answers it."""
    def record(self, id: str) -> _Document:
        """A published record."""
    def draft(self, id: str) -> _Document:
        """A draft."""
    def versions(self, id: str) -> List[_Document]:
        """The versions of a record's concept, newest first."""
    def create_draft(
        self, metadata: Optional[_Document] = None, *, draft: Optional[_Document] = None
    ) -> _Document:
        """Creates a draft from a metadata dict, or a whole draft (metadata, access, custom
        fields). Problems the server found are in the result's ``errors``."""
    def update_draft(self, id: str, draft: _Document) -> _Document:
        """Replaces a draft's content (send it back as read, changed)."""
    def delete_draft(self, id: str) -> None:
        """Deletes a draft."""
    def upload(
        self,
        draft_id: str,
        files: Sequence[Union[_PathLike, Tuple[_PathLike, str]]],
        *,
        progress: Optional[_Progress] = None,
        jobs: int = 4,
        replace: bool = False,
    ) -> List[_Document]:
        """Uploads files (paths, folders, or ``(path, key)`` pairs) to a draft, streamed and
        md5-checked. Each result has ``key``, ``uploaded`` (False: the draft had it already),
        ``verified`` and ``entry``."""
    def publish(self, id: str) -> _Document:
        """Publishes a draft after checking it is complete; returns the record."""
    def new_version(
        self,
        record_id: str,
        *,
        files: Union[str, _PathLike] = "keep",
        metadata: Optional[_Document] = None,
        publish: bool = False,
    ) -> _Document:
        """The next version of a record: its files kept (``"keep"``), none (``"none"``), or
        a folder's (unchanged files linked, the rest uploaded); ``metadata`` set on the
        previous version's."""
    def download(
        self,
        record_id: str,
        dest: Optional[_PathLike] = None,
        *,
        keys: Optional[Sequence[str]] = None,
        draft: bool = False,
        overwrite: bool = False,
        progress: Optional[_Progress] = None,
        jobs: int = 4,
    ) -> List[_Document]:
        """Downloads a record's files (all, or ``keys``) below ``dest`` (default: the current
        folder), verified against the
        server's md5 and resumed when interrupted. A file is only ever seen under its name
        once it is whole. Each result has ``key``, ``path``, ``fetched`` and, when fetched,
        ``size`` and ``md5``."""
    def deposit(
        self,
        paths: Sequence[_PathLike] = ...,
        *,
        journal: _PathLike,
        metadata: Optional[_Document] = None,
        draft: Optional[_Document] = None,
        cff: Optional[_PathLike] = None,
        codemeta: Optional[_PathLike] = None,
        zenodo: Optional[_PathLike] = None,
        community: Optional[str] = None,
        publish: bool = True,
        new_version_of: Optional[str] = None,
        next_version: bool = False,
        keep_files: bool = False,
        reserve_doi: bool = False,
        adopt: Optional[str] = None,
        require_verified: bool = False,
        exclude: Sequence[str] = ...,
        include_hidden: bool = False,
        progress: Optional[_Progress] = None,
        jobs: int = 4,
    ) -> _Document:
        """Deposits files with metadata, journaled: the same call again after a crash carries
        on with the same draft and never makes a second record. With other content it is
        refused unless ``next_version=True`` (or ``new_version_of=ID``). The result has
        ``state`` (``published``, ``submitted``, ``draft``), ``id``, ``concept``,
        ``already_done``, ``uploaded``, ``linked``, ``record``, ``request``, and
        ``not_carried_over`` (citation keys with no place in the metadata)."""
    def community(self, id_or_slug: str) -> _Document:
        """A community."""
    def communities(self, q: Optional[str] = None, *, page: int = 1, size: int = 25) -> _Document:
        """One page of communities."""
    def submit_review(
        self, draft_id: str, community: str, *, comment: Optional[str] = None
    ) -> _Document:
        """Submits a draft to a community for review; returns the request."""
    def accept(self, request_id: str, *, comment: Optional[str] = None) -> _Document:
        """Accepts a request."""
    def decline(self, request_id: str, *, comment: Optional[str] = None) -> _Document:
        """Declines a request."""
    def export(self, record_id: str, format: str) -> str:
        """A record in an export format (``bibtex``, ``datacite-json``, ``csl``, …)."""
    def api(self, method: str, path: str, body: Optional[Any] = None) -> Any:
        """Any API path, JSON in and out."""

@final
class Sandbox:
    """A local InvenioRDM-compatible server in this process (see ``irdm_client.sandbox``)."""

    def __new__(cls, **options: Any) -> "Sandbox": ...
    @property
    def url(self) -> str:
        """The server's URL."""
    @property
    def token(self) -> str:
        """The token of its user."""
    def client(self) -> Client:
        """A client for this sandbox."""
    def close(self) -> None:
        """Stops the server."""
    def __enter__(self) -> "Sandbox": ...
    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> bool: ...
