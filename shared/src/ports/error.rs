use thiserror::Error;

pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// A store failure that is not a business outcome.
#[derive(Debug, Error)]
pub enum StoreError {
    /// The backend could not be reached or kept refusing (throttling,
    /// timeouts, connection refused) after the client's own retries. The
    /// API answers 503 with `Retry-After`; consumers report the message as
    /// failed so that it is redelivered.
    #[error("the store is unavailable")]
    Unavailable(#[source] BoxError),
    /// A pagination cursor that this store did not issue for this list.
    #[error("the cursor is not valid for this list")]
    InvalidCursor,
    /// A stored item that does not parse into the domain type.
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
    /// Anything else the backend reported.
    #[error("the store failed")]
    Internal(#[source] BoxError),
}

impl StoreError {
    pub fn unavailable(source: impl Into<BoxError>) -> Self {
        StoreError::Unavailable(source.into())
    }

    pub fn internal(source: impl Into<BoxError>) -> Self {
        StoreError::Internal(source.into())
    }

    pub fn is_unavailable(&self) -> bool {
        matches!(self, StoreError::Unavailable(_))
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

/// Why a conditional (optimistic) update did not happen.
#[derive(Debug, Error)]
pub enum UpdateError {
    /// The item changed since it was read: re-read and decide again.
    #[error("the item changed concurrently")]
    Conflict,
    #[error("the item does not exist")]
    NotFound,
    #[error(transparent)]
    Store(#[from] StoreError),
}
