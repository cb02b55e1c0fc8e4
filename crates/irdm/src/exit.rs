//! Exit codes, and the one table that maps every error to its code (also in `irdm --help`
//! and the README).

use inveniordm::Error;

/// Success.
pub const OK: u8 = 0;
/// Anything else (local I/O, configuration, an answer that breaks the protocol, an
/// internal fault).
pub const OTHER: u8 = 1;
/// Bad usage: clap's own code, a wrong argument, an unusable journal, an ambiguous choice,
/// a call that would need guessing.
pub const USAGE: u8 = 2;
/// Refused: by the server (4xx other than 404/410, 5xx), a conflict with a change made
/// meanwhile, a file that would be overwritten, metadata the server would refuse.
pub const REFUSED: u8 = 3;
/// Not found (404, 410, a file key the record lacks).
pub const NOT_FOUND: u8 = 4;
/// Network or transfer failure (cannot connect, broken connection, timeout, a fetch the
/// server reported failed).
pub const NETWORK: u8 = 5;
/// A checksum did not match, or the server has not verified an upload.
pub const CHECKSUM: u8 = 6;
/// The reader of the output went away (`irdm … | head`), as a process ended by SIGPIPE.
pub const BROKEN_PIPE: u8 = 141;

/// The exit code an error maps to, without printing: the one table of the tool (the same as in
/// `irdm --help`).
pub fn code_of(e: &anyhow::Error) -> u8 {
    e.chain()
        .find_map(|c| c.downcast_ref::<Error>())
        .map_or(OTHER, code_of_error)
}

/// The exit code of a library error.
pub fn code_of_error(e: &Error) -> u8 {
    match e {
        Error::Api {
            status: 404 | 410, ..
        }
        | Error::Deleted { .. }
        | Error::NoSuchFile { .. } => NOT_FOUND,
        Error::Api { .. }
        | Error::Conflict { .. }
        | Error::WouldOverwrite { .. }
        | Error::Invalid { .. } => REFUSED,
        Error::Transport { .. } | Error::Stalled { .. } | Error::TransferFailed { .. } => NETWORK,
        Error::Checksum { .. } | Error::Unverified { .. } => CHECKSUM,
        Error::InvalidArgument(_)
        | Error::Usage(_)
        | Error::Ambiguous { .. }
        | Error::Journal { .. } => USAGE,
        // Configuration, local I/O, an answer that breaks the protocol, an internal fault.
        _ => OTHER,
    }
}

/// Of several exit codes, the worst: a corrupt transfer first, then a refusal, then not found,
/// then a network failure, then anything else; 0 when there are none.
pub fn worst_code(codes: &[u8]) -> u8 {
    let rank = |c: u8| match c {
        CHECKSUM => 0,
        REFUSED => 1,
        NOT_FOUND => 2,
        NETWORK => 3,
        _ => 4,
    };
    codes.iter().copied().min_by_key(|c| rank(*c)).unwrap_or(OK)
}

#[cfg(test)]
mod code_tests {
    use super::*;

    fn api(status: u16) -> Error {
        Error::Api {
            status,
            message: String::new(),
            errors: Vec::new(),
            method: "GET".into(),
            path: "/x".into(),
            retry_after: None,
        }
    }

    /// Every variant of the library's error, with the code of its row in the table.
    #[test]
    fn each_error_maps_to_its_code_in_the_table() {
        let s = String::new;
        let rows: Vec<(Error, u8)> = vec![
            (api(404), NOT_FOUND),
            (api(410), NOT_FOUND),
            (api(400), REFUSED),
            (api(403), REFUSED),
            (api(503), REFUSED),
            (
                Error::NoSuchFile {
                    id: s(),
                    key: s(),
                    available: vec![],
                },
                NOT_FOUND,
            ),
            (
                Error::Conflict {
                    id: s(),
                    changed: vec![],
                    clash: vec![],
                },
                REFUSED,
            ),
            (Error::WouldOverwrite { what: s() }, REFUSED),
            (
                Error::Invalid {
                    message: s(),
                    errors: vec![],
                },
                REFUSED,
            ),
            (
                Error::Transport {
                    method: s(),
                    path: s(),
                    message: s(),
                    reason: inveniordm::TransportReason::Connect,
                    source: "refused".into(),
                },
                NETWORK,
            ),
            (
                Error::Stalled {
                    method: s(),
                    path: s(),
                    seconds: 1,
                },
                NETWORK,
            ),
            (
                Error::TransferFailed {
                    key: s(),
                    message: s(),
                },
                NETWORK,
            ),
            (
                Error::Checksum {
                    key: s(),
                    expected: s(),
                    actual: s(),
                },
                CHECKSUM,
            ),
            (Error::Unverified { key: s(), id: s() }, CHECKSUM),
            (Error::InvalidArgument(s()), USAGE),
            (Error::Usage(s()), USAGE),
            (
                Error::Ambiguous {
                    message: s(),
                    candidates: vec![],
                },
                USAGE,
            ),
            (
                Error::Journal {
                    path: "j".into(),
                    message: s(),
                },
                USAGE,
            ),
            (Error::Config(s()), OTHER),
            (Error::Internal(s()), OTHER),
            (
                Error::UnexpectedAnswer {
                    context: s(),
                    message: s(),
                },
                OTHER,
            ),
            (
                Error::Decode {
                    context: s(),
                    path: s(),
                    message: s(),
                    snippet: s(),
                },
                OTHER,
            ),
            (Error::LegacyFormat { context: s() }, OTHER),
            (
                Error::Deleted {
                    method: s(),
                    path: s(),
                    tombstone: Box::default(),
                },
                NOT_FOUND,
            ),
            (
                Error::Io {
                    context: s(),
                    source: std::io::Error::other("disk"),
                },
                OTHER,
            ),
        ];
        for (e, code) in rows {
            assert_eq!(code_of_error(&e), code, "{e:?}");
            // Through anyhow, with context on top, the same.
            let wrapped = anyhow::Error::from(e).context("doing something");
            assert_eq!(code_of(&wrapped), code);
        }
        assert_eq!(code_of(&anyhow::anyhow!("not a library error")), OTHER);
    }
}
