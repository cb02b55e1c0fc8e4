"""The exceptions of irdm_client: one base class, subclasses by what happened."""

from typing import Any, Dict, List, Optional, Sequence


class InvenioRDMError(Exception):
    """Something went wrong talking to an InvenioRDM server, or with the call's arguments.

    Attributes:
        message: what happened, and what to do about it.
        status: the HTTP status the server answered with, when it answered.
        errors: the server's field errors, each ``{"field": ..., "messages": [...]}``.
        retryable: whether the same call may succeed later (a timeout, a 429, a 503).
        maybe_applied: whether a write may have been carried out although it failed
            (its answer was lost).
    """

    def __init__(
        self,
        message: str,
        *,
        status: Optional[int] = None,
        errors: Sequence[Dict[str, Any]] = (),
        retryable: bool = False,
        maybe_applied: bool = False,
        retry_after: Optional[int] = None,
        candidates: Sequence[str] = (),
        tombstone: Optional[Dict[str, Any]] = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.errors: List[Dict[str, Any]] = list(errors)
        self.retryable = retryable
        self.maybe_applied = maybe_applied
        self.retry_after = retry_after
        self.candidates: List[str] = list(candidates)
        self.tombstone = tombstone

    def field_messages(self) -> Dict[str, List[str]]:
        """The field errors as ``{field: [messages]}``."""
        return {e.get("field", ""): list(e.get("messages", [])) for e in self.errors}


class ApiError(InvenioRDMError):
    """The server answered with an error status."""


class NotFound(ApiError):
    """No such record, draft, file or community (404), or a file key a record lacks."""


class Gone(NotFound):
    """The record was deleted (410); ``tombstone`` says why and when."""


class PermissionDenied(ApiError):
    """The token is missing, wrong, or does not allow this (401/403)."""


class RateLimited(ApiError):
    """The server asks to slow down (429); ``retry_after`` is in seconds when it said."""


class ValidationError(ApiError):
    """The document has problems the server refuses it for; they are in ``errors``."""


class NetworkError(InvenioRDMError):
    """The request could not be sent or its answer not read (connection, timeout, stall)."""


class ChecksumError(InvenioRDMError):
    """A transferred file's md5 does not match the server's, or could not be compared."""


class ConflictError(InvenioRDMError):
    """Replacing something was not asked for (a file with other content), or the draft was
    changed on the server meanwhile."""


class UsageError(InvenioRDMError, ValueError):
    """The call cannot be carried out as made: an argument, a journal, a choice the caller
    must make (``candidates``). Nothing was changed."""


class LocalFileError(InvenioRDMError):
    """A local file could not be read or written."""
