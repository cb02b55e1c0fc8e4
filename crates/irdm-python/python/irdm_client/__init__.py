"""A Python API for InvenioRDM repositories, over the Rust core of the inveniordm toolkit.

Connect with :class:`Client` (a URL and token, the environment, a ``.env`` file or a profile),
or start a local server with :func:`sandbox`. Records and other documents are ``dict``s, as
the server writes them; listings are iterators; errors are :class:`InvenioRDMError` and its
subclasses. Every call releases the GIL while it waits, and Ctrl-C stops it.
"""

from typing import Any, Callable, Dict, Optional

from ._errors import (
    ApiError,
    ChecksumError,
    ConflictError,
    Gone,
    InvenioRDMError,
    LocalFileError,
    NetworkError,
    NotFound,
    PermissionDenied,
    RateLimited,
    UsageError,
    ValidationError,
)
from ._native import Client, Records, Sandbox, __version__

__all__ = [
    "ApiError",
    "ChecksumError",
    "Client",
    "ConflictError",
    "Gone",
    "InvenioRDMError",
    "LocalFileError",
    "NetworkError",
    "NotFound",
    "PermissionDenied",
    "RateLimited",
    "Records",
    "Sandbox",
    "UsageError",
    "ValidationError",
    "__version__",
    "sandbox",
    "tqdm_progress",
]


def sandbox(**options: Any) -> Sandbox:
    """Starts a local InvenioRDM-compatible server in this process, on a free loopback port.

    The options are those of ``inveniordm-sandbox --help`` with ``_`` for ``-``, e.g.
    ``rdm_version=14``, ``profile="zenodo"``, ``rate_limit=100``, ``fault_429=0.1``,
    ``fault_drop_first=1``, ``latency_ms=50``. Use it as a context manager::

        with irdm_client.sandbox() as s:
            c = s.client()
    """
    return Sandbox(**options)


def tqdm_progress(**tqdm_options: Any) -> Callable[[str, int, int], None]:
    """A progress callback that shows one tqdm bar per file (tqdm must be installed)."""
    from tqdm import tqdm  # imported here: tqdm is optional

    bars: Dict[str, Any] = {}

    def progress(key: str, done: int, total: int) -> None:
        bar: Optional[Any] = bars.get(key)
        if bar is None:
            bar = tqdm(total=total, desc=key, unit="B", unit_scale=True, **tqdm_options)
            bars[key] = bar
        bar.update(done - bar.n)
        if done >= total:
            bar.close()

    return progress
