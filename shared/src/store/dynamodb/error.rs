//! Mapping SDK failures onto `StoreError`, and the retry policy of the
//! adapter's own retries (transaction conflicts, unprocessed batch keys,
//! rounds that met a concurrent change).
//!
//! The SDK's standard retry (configured in [`super::configure`]) has already
//! run when an error reaches this module: what is still transient here
//! (throttling, timeouts, connection failures, 5xx) is the service being
//! unavailable, and the API answers 503; everything else is a bug or a
//! misconfiguration and is `Internal`.

use std::time::Duration;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};

use crate::ports::{BoxError, StoreError};
use crate::retry::RetryPolicy;

/// Error codes that mean "slow down" or "try again later".
const TRANSIENT_CODES: &[&str] = &[
    "ThrottlingException",
    "ProvisionedThroughputExceededException",
    "RequestLimitExceeded",
    "Throttling",
    "ThrottledException",
    "TransactionConflictException",
    "TransactionInProgressException",
    "InternalServerError",
    "ServiceUnavailable",
    "RequestTimeout",
];

/// A failed DynamoDB call, named by operation.
#[derive(Debug, thiserror::Error)]
#[error("DynamoDB {operation} failed")]
pub(crate) struct CallFailed {
    pub(crate) operation: &'static str,
    #[source]
    pub(crate) source: BoxError,
}

/// Whether an SDK error means the service is unavailable (after retries).
pub(crate) fn is_transient<E: ProvideErrorMetadata>(err: &SdkError<E>) -> bool {
    match err {
        SdkError::TimeoutError(_) | SdkError::DispatchFailure(_) => true,
        SdkError::ResponseError(ctx) => ctx.raw().status().is_server_error(),
        SdkError::ServiceError(ctx) => {
            ctx.raw().status().is_server_error()
                || ctx
                    .err()
                    .code()
                    .is_some_and(|code| TRANSIENT_CODES.contains(&code))
        }
        _ => false,
    }
}

/// Maps any SDK error of `operation` onto a `StoreError`.
pub(crate) fn sdk_error<E>(operation: &'static str, err: SdkError<E>) -> StoreError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let transient = is_transient(&err);
    let failed = CallFailed {
        operation,
        source: Box::new(err),
    };
    if transient {
        StoreError::unavailable(failed)
    } else {
        StoreError::internal(failed)
    }
}

/// A failure the adapter itself gave up on (contention, unprocessed keys).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub(crate) struct GaveUp(pub(crate) &'static str);

/// The adapter's own retries: six attempts, full jitter over a ceiling
/// from 20 ms doubling up to 640 ms. Loops that count their own rounds
/// use its [`RetryPolicy::backoff`] only.
pub(crate) const RETRY: RetryPolicy =
    RetryPolicy::attempts(6, Duration::from_millis(20), Duration::from_millis(640));
