//! Driver errors to [`StoreError`], decided on error kinds, server error
//! codes and error labels only (never on message text, which changes
//! between server versions).
//!
//! `Unavailable` (the API answers 503 with `Retry-After`; a queue consumer
//! lets the message be redelivered) is for everything that a later retry
//! can fix: no server selectable, network and pool failures, a primary that
//! stepped down or is shutting down, time limits, and transient
//! transaction failures that outlived our own retries. An unknown commit
//! result also lands here: retrying a `POST /orders` with the same
//! `Idempotency-Key` is safe whichever way the commit went.
//! Everything else is `Internal`.

use mongodb::error::{
    Error, ErrorKind, RETRYABLE_ERROR, RETRYABLE_WRITE_ERROR, SYSTEM_OVERLOADED_ERROR,
    TRANSIENT_TRANSACTION_ERROR, UNKNOWN_TRANSACTION_COMMIT_RESULT, WriteFailure,
};

use crate::ports::StoreError;

/// `E11000 duplicate key`.
pub(super) const DUPLICATE_KEY: i32 = 11000;

/// Server codes that mean "not now" rather than "never".
const UNAVAILABLE_CODES: &[i32] = &[
    6,     // HostUnreachable
    7,     // HostNotFound
    24,    // LockTimeout
    50,    // MaxTimeMSExpired
    64,    // WriteConcernFailed (wtimeout)
    89,    // NetworkTimeout
    91,    // ShutdownInProgress
    112,   // WriteConflict
    189,   // PrimarySteppedDown
    251,   // NoSuchTransaction (aborted under us, e.g. by a failover)
    262,   // ExceededTimeLimit
    9001,  // SocketException
    10058, // LegacyNotPrimary
    10107, // NotWritablePrimary
    11600, // InterruptedAtShutdown
    11602, // InterruptedDueToReplStateChange
    13435, // NotPrimaryNoSecondaryOk
    13436, // NotPrimaryOrSecondary
];

/// Labels the server or driver attaches to errors worth retrying later.
const UNAVAILABLE_LABELS: &[&str] = &[
    TRANSIENT_TRANSACTION_ERROR,
    UNKNOWN_TRANSACTION_COMMIT_RESULT,
    RETRYABLE_WRITE_ERROR,
    RETRYABLE_ERROR,
    SYSTEM_OVERLOADED_ERROR,
];

/// The server error code carried by `err`, if any: a command error, a
/// write error, or a write-concern error.
pub(super) fn code(err: &Error) -> Option<i32> {
    match err.kind.as_ref() {
        ErrorKind::Command(e) => Some(e.code),
        ErrorKind::Write(WriteFailure::WriteError(e)) => Some(e.code),
        ErrorKind::Write(WriteFailure::WriteConcernError(e)) => Some(e.code),
        ErrorKind::InsertMany(e) => e
            .write_errors
            .as_ref()
            .and_then(|errors| errors.first().map(|w| w.code))
            .or_else(|| e.write_concern_error.as_ref().map(|w| w.code)),
        _ => None,
    }
}

pub(super) fn is_duplicate_key(err: &Error) -> bool {
    code(err) == Some(DUPLICATE_KEY)
}

pub(super) fn is_transient_transaction_error(err: &Error) -> bool {
    err.contains_label(TRANSIENT_TRANSACTION_ERROR)
}

pub(super) fn is_unknown_commit_result(err: &Error) -> bool {
    err.contains_label(UNKNOWN_TRANSACTION_COMMIT_RESULT)
}

fn is_unavailable(err: &Error) -> bool {
    let kind_says_so = matches!(
        err.kind.as_ref(),
        ErrorKind::ServerSelection { .. }
            | ErrorKind::Io(_)
            | ErrorKind::ConnectionPoolCleared { .. }
            | ErrorKind::DnsResolve { .. }
            | ErrorKind::Shutdown
    );
    kind_says_so
        || code(err).is_some_and(|c| UNAVAILABLE_CODES.contains(&c))
        || UNAVAILABLE_LABELS.iter().any(|l| err.contains_label(l))
}

/// Classifies a driver error.
pub(super) fn store_error(err: Error) -> StoreError {
    if is_unavailable(&err) {
        return StoreError::unavailable(err);
    }
    match err.kind.as_ref() {
        ErrorKind::BsonDeserialization(e) => StoreError::Corrupt(e.to_string()),
        _ => StoreError::internal(err),
    }
}

/// `?`-friendly conversion for driver results.
pub(super) trait OrStore<T> {
    fn or_store(self) -> Result<T, StoreError>;
}

impl<T> OrStore<T> for Result<T, Error> {
    fn or_store(self) -> Result<T, StoreError> {
        self.map_err(store_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mongodb::bson::doc;

    /// A command error as the driver builds it from a server reply.
    fn command_error(code: i32) -> Error {
        let reply = doc! { "ok": 0, "code": code, "codeName": "X", "errmsg": "m" };
        let command: mongodb::error::CommandError = mongodb::bson::from_document(reply).unwrap();
        Error::from(ErrorKind::Command(command))
    }

    #[test]
    fn codes_decide_not_messages() {
        assert!(matches!(
            store_error(command_error(10107)),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            store_error(command_error(91)),
            StoreError::Unavailable(_)
        ));
        assert!(matches!(
            store_error(command_error(2)),
            StoreError::Internal(_)
        ));
        assert!(is_duplicate_key(&command_error(11000)));
        assert!(!is_duplicate_key(&command_error(112)));
    }

    #[test]
    fn kinds_decide_too() {
        let io = Error::from(std::io::Error::from(std::io::ErrorKind::ConnectionRefused));
        assert!(matches!(store_error(io), StoreError::Unavailable(_)));
        let shutdown = Error::from(ErrorKind::Shutdown);
        assert!(matches!(store_error(shutdown), StoreError::Unavailable(_)));
    }
}
