//! The one error type of the library.

use inveniordm_models::FieldError;

/// Result alias used throughout the library.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong talking to an InvenioRDM server.
///
/// Validation problems returned with a successfully saved draft are *not* errors: they are in
/// [`Record::errors`](crate::models::Record::errors).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with an error status (4xx/5xx).
    #[error("{method} {path}: the server answered {status}: {message}{}{}", fmt_fields(.errors), fmt_wait(*.status, *.retry_after))]
    Api {
        /// HTTP status.
        status: u16,
        /// The server's message (from the JSON error body, or the start of the body).
        message: String,
        /// Field errors from the body (validation).
        errors: Vec<FieldError>,
        /// HTTP method of the request.
        method: String,
        /// API path of the request (no query string, never a token).
        path: String,
        /// `Retry-After` seconds, when the server sent it.
        retry_after: Option<u64>,
    },
    /// The record was deleted (410 "Record deleted"): the tombstone says why, when and by
    /// whom, and how to cite what was there.
    #[error("{method} {path}: the record was deleted{}", fmt_tombstone(tombstone))]
    Deleted {
        /// HTTP method of the request.
        method: String,
        /// API path of the request.
        path: String,
        /// Why and when.
        tombstone: Box<inveniordm_models::Tombstone>,
    },
    /// The request could not be sent or the response could not be read.
    #[error("{method} {path}: {message}")]
    Transport {
        /// HTTP method.
        method: String,
        /// API path.
        path: String,
        /// What failed, in words.
        message: String,
        /// Which kind of failure it was.
        reason: TransportReason,
        /// The underlying error (of the HTTP stack, never carrying a URL).
        #[source]
        source: BoxError,
    },
    /// The server sent nothing (no answer, or no next bytes of a body) or took none of an
    /// upload's bytes for the read timeout.
    #[error(
        "{method} {path}: the server sent nothing for {seconds} s (it stalled; a longer timeout can be set)"
    )]
    Stalled {
        /// HTTP method.
        method: String,
        /// API path.
        path: String,
        /// The read timeout, in seconds.
        seconds: u64,
    },
    /// The server's answer breaks the protocol although it was read: a document without the
    /// id it must have, a count of part URLs that does not match the parts, content where a
    /// redirect was expected. Another server version or a proxy in between; nothing the caller
    /// can change.
    #[error("{context}: unexpected answer from the server: {message}")]
    UnexpectedAnswer {
        /// What was being done (method and path, or the operation).
        context: String,
        /// What was wrong with the answer.
        message: String,
    },
    /// The response body is not the JSON document expected.
    #[error(
        "{context}: could not decode the response at `{path}`: {message}; body starts with: {snippet}"
    )]
    Decode {
        /// What was being decoded (method and path).
        context: String,
        /// JSON path of the problem (`.` for the root).
        path: String,
        /// The decoder's message.
        message: String,
        /// The first characters of the body.
        snippet: String,
    },
    /// The server answered in Zenodo's legacy JSON layout instead of RDM JSON.
    #[error(
        "{context}: the server answered in its legacy JSON layout, not InvenioRDM JSON; use RecordFormat::Rdm (Accept: application/vnd.inveniordm.v1+json)"
    )]
    LegacyFormat {
        /// Method and path.
        context: String,
    },
    /// A transferred file's checksum does not match the server's.
    #[error("checksum mismatch for {key}: server says {expected}, the bytes give {actual}")]
    Checksum {
        /// File key.
        key: String,
        /// Checksum the server reported.
        expected: String,
        /// Checksum computed from the bytes.
        actual: String,
    },
    /// An uploaded file whose md5 the server has not reported, when verification was
    /// required: the bytes arrived, but nobody compared them. The file stays in the draft.
    #[error(
        "{key} was uploaded to {id}, but the server has not reported its md5, so it could not be verified; run the command again later (nothing is sent again once the server reports it)"
    )]
    Unverified {
        /// File key.
        key: String,
        /// The draft.
        id: String,
    },
    /// The server reported a failed file transfer (and dropped the file entry).
    #[error("uploading {key} failed on the server: {message}")]
    TransferFailed {
        /// File key.
        key: String,
        /// The server's message.
        message: String,
    },
    /// A file exists with other content and replacing it was not allowed (on the server: a
    /// draft's completed file; locally: a file in the download folder).
    #[error("{what} already exists with other content (replacing it must be asked for)")]
    WouldOverwrite {
        /// What would have been replaced: a file key, or a local path.
        what: String,
    },
    /// A record or draft has no file with this key.
    #[error("{id} has no file {key:?} (it has: {})", if available.is_empty() { "no files".to_string() } else { available.join(", ") })]
    NoSuchFile {
        /// Record or draft id.
        id: String,
        /// The key asked for.
        key: String,
        /// The keys it has.
        available: Vec<String>,
    },
    /// Someone else changed the draft since it was read, in parts the caller changed too:
    /// nothing was written.
    #[error("{id} was changed on the server since it was read ({}): your changes to {} were not saved; read it again and redo them", changed.join(", "), clash.join(", "))]
    Conflict {
        /// Draft id.
        id: String,
        /// What changed on the server (JSON pointers such as `/metadata/title`).
        changed: Vec<String>,
        /// The caller's changes that touch those parts.
        clash: Vec<String>,
    },
    /// The call cannot be carried out as it was made, and going on would mean guessing: the
    /// message says what was found and what to change (a finished deposit asked again with
    /// other content, a record that has no published version to follow, …). Nothing was
    /// changed.
    #[error("{0}")]
    Usage(String),
    /// More than one thing fits what was asked for, and picking one would be a guess (drafts an
    /// interrupted create may have made, users matching a name): the candidates are listed.
    /// Nothing was changed.
    #[error("{message}")]
    Ambiguous {
        /// What was looked for, what was found and how to choose.
        message: String,
        /// The ids that fit.
        candidates: Vec<String>,
    },
    /// A document has problems the server would refuse it for, found before sending it (a
    /// draft not ready to publish): the field errors are listed. Nothing was published.
    #[error("{message}{}", fmt_fields(.errors))]
    Invalid {
        /// What was being checked and what to do.
        message: String,
        /// The problems, by field.
        errors: Vec<FieldError>,
    },
    /// A journal (of a deposit or an upload) cannot be used for this call: it belongs to
    /// another server, is not a journal, or names a record that is gone. Nothing was changed.
    #[error("journal {}: {message}", .path.display())]
    Journal {
        /// The journal file.
        path: std::path::PathBuf,
        /// What is wrong and what to do.
        message: String,
    },
    /// The client is misconfigured (missing URL, bad header, …).
    #[error("configuration: {0}")]
    Config(String),
    /// An argument the caller gave cannot be used (a file key that no URL can carry, a part
    /// size of 0, an invalid glob, a CITATION.cff that is not a mapping, …).
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A fault inside the library or the process: a worker thread that ended unexpectedly, a
    /// lock poisoned by a panic, a value that cannot be serialised. Not the caller's mistake
    /// and not the server's; worth a bug report.
    #[error("internal error: {0}")]
    Internal(String),
    /// A local file operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl From<inveniordm_models::MissingId> for Error {
    /// A document without an id: the server's answer lacked one (documents the caller builds
    /// are checked before they are sent).
    fn from(e: inveniordm_models::MissingId) -> Self {
        Error::unexpected("reading the answer", e.to_string())
    }
}

/// An error of another library, boxed so that its type is not part of this API.
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// What kind of failure an [`Error::Transport`] was.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransportReason {
    /// The connection could not be made: the request never reached the server.
    Connect,
    /// A total timeout ran out.
    Timeout,
    /// The connection broke while a body was sent or read.
    Body,
    /// Anything else (too many redirects, a protocol error, …).
    Other,
}

/// A status that leaves open whether the server acted: a gateway timeout or error, or a
/// server error after the request arrived.
pub(crate) fn gateway_failure(status: u16) -> bool {
    matches!(status, 500 | 502 | 503 | 504)
}

fn fmt_tombstone(t: &inveniordm_models::Tombstone) -> String {
    let mut out = String::new();
    if let Some(d) = &t.removal_date {
        out.push_str(&format!(" on {}", d.get(..10).unwrap_or(d)));
    }
    if let Some(r) = t.reason_id() {
        out.push_str(&format!(" ({r})"));
    }
    if let Some(n) = t.note.as_deref().filter(|n| !n.is_empty()) {
        out.push_str(&format!(": {n}"));
    }
    out
}

/// The server's own wait, when it asked for one with a rate limit or an outage.
fn fmt_wait(status: u16, retry_after: Option<u64>) -> String {
    match retry_after {
        Some(s) if matches!(status, 429 | 503) => {
            format!(" (the server asks to wait {s} s before trying again)")
        }
        _ => String::new(),
    }
}

fn fmt_fields(errors: &[FieldError]) -> String {
    if errors.is_empty() {
        return String::new();
    }
    let parts: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    format!(" ({})", parts.join("; "))
}

impl Error {
    /// The HTTP status, for server errors.
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::Deleted { .. } => Some(410),
            _ => None,
        }
    }

    /// The tombstone of a deleted record.
    pub fn tombstone(&self) -> Option<&inveniordm_models::Tombstone> {
        match self {
            Error::Deleted { tombstone, .. } => Some(tombstone),
            _ => None,
        }
    }

    /// 404 (or 410: deleted), or a file key the record does not have.
    pub fn is_not_found(&self) -> bool {
        matches!(self.status(), Some(404 | 410)) || matches!(self, Error::NoSuchFile { .. })
    }

    /// Whether the failed request was a read (GET or HEAD): the server changed nothing, so it
    /// can simply be run again.
    pub fn was_read(&self) -> bool {
        match self {
            Error::Transport { method, .. }
            | Error::Api { method, .. }
            | Error::Deleted { method, .. }
            | Error::Stalled { method, .. } => method == "GET" || method == "HEAD",
            _ => false,
        }
    }

    /// Whether it is a timeout (the server sent nothing for the read timeout, or a total
    /// timeout ran out).
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::Stalled { .. })
            || matches!(
                self,
                Error::Transport {
                    reason: TransportReason::Timeout,
                    ..
                }
            )
    }

    /// 403 (InvenioRDM answers 403 for a missing or invalid token too).
    pub fn is_permission_denied(&self) -> bool {
        matches!(self.status(), Some(401 | 403))
    }

    /// 412: the `If-Match` revision is stale.
    pub fn is_precondition_failed(&self) -> bool {
        self.status() == Some(412)
    }

    /// 400 with field errors.
    pub fn is_validation(&self) -> bool {
        matches!(self, Error::Api { status: 400, errors, .. } if !errors.is_empty())
    }

    /// 429.
    pub fn is_rate_limited(&self) -> bool {
        self.status() == Some(429)
    }

    /// Whether trying again later may succeed (429, 502–504, network failures).
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Api { status, .. } => matches!(status, 408 | 429 | 500 | 502 | 503 | 504),
            Error::Transport { .. } | Error::Stalled { .. } | Error::TransferFailed { .. } => true,
            _ => false,
        }
    }

    /// Whether the request never reached the server (the connection could not be made), so
    /// the server cannot have acted on it.
    pub fn never_sent(&self) -> bool {
        matches!(
            self,
            Error::Transport {
                reason: TransportReason::Connect,
                ..
            }
        )
    }

    /// Whether the request may have been carried out although it failed: a gateway error
    /// (500, 502, 503, 504), or a connection that broke or stalled after it was sent.
    pub fn maybe_applied(&self) -> bool {
        match self {
            Error::Api { status, .. } => gateway_failure(*status),
            Error::Transport { .. } => !self.never_sent(),
            Error::Stalled { .. } => true,
            _ => false,
        }
    }

    /// The field errors of a server error or of a document checked before sending (empty
    /// otherwise).
    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            Error::Api { errors, .. } | Error::Invalid { errors, .. } => errors,
            _ => &[],
        }
    }

    /// Whether the caller has to change something before the same call can succeed (an
    /// argument, a journal, a choice among candidates, the metadata): running it again as it
    /// is would fail the same way.
    pub fn needs_change(&self) -> bool {
        matches!(
            self,
            Error::InvalidArgument(_)
                | Error::Usage(_)
                | Error::Ambiguous { .. }
                | Error::Journal { .. }
                | Error::Invalid { .. }
                | Error::Config(_)
        ) || self.is_validation()
    }

    pub(crate) fn unexpected(context: impl Into<String>, message: impl Into<String>) -> Self {
        Error::UnexpectedAnswer {
            context: context.into(),
            message: message.into(),
        }
    }

    pub(crate) fn internal(what: impl std::fmt::Display) -> Self {
        Error::Internal(what.to_string())
    }

    pub(crate) fn journal(path: &std::path::Path, message: impl Into<String>) -> Self {
        Error::Journal {
            path: path.to_path_buf(),
            message: message.into(),
        }
    }

    pub(crate) fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}
