use serde_json::Value;
use thiserror::Error;

use crate::ports::{BoxError, StoreError};

/// A use case's failure, independent of transport. `crate::http` maps it to
/// a status and the error body; consumers map it to "retry" or "drop".
#[derive(Debug, Error)]
pub enum AppError {
    /// The input is malformed or out of range (400).
    #[error("{message}")]
    Invalid {
        code: &'static str,
        message: String,
        details: Option<Value>,
    },
    #[error("missing or invalid credentials")]
    Unauthorized { code: &'static str, message: String },
    #[error("not allowed")]
    Forbidden,
    #[error("{0} not found")]
    NotFound(&'static str),
    /// The request conflicts with the current state (409).
    #[error("{message}")]
    Conflict {
        code: &'static str,
        message: String,
        details: Option<Value>,
    },
    /// Well-formed but cannot be processed as asked (422).
    #[error("{message}")]
    Unprocessable {
        code: &'static str,
        message: String,
        details: Option<Value>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A service other than the store (queue, mail) is down: retry later (503).
    #[error("{service} is unavailable")]
    Unavailable {
        service: &'static str,
        #[source]
        source: BoxError,
    },
    #[error("internal error: {context}")]
    Internal {
        context: &'static str,
        #[source]
        source: BoxError,
    },
}

impl AppError {
    pub fn invalid(message: impl Into<String>) -> Self {
        AppError::Invalid {
            code: "validation_failed",
            message: message.into(),
            details: None,
        }
    }

    pub fn invalid_field(field: &str, message: impl std::fmt::Display) -> Self {
        AppError::Invalid {
            code: "validation_failed",
            message: format!("{field}: {message}"),
            details: Some(serde_json::json!({ "field": field })),
        }
    }

    pub fn conflict(code: &'static str, message: impl Into<String>) -> Self {
        AppError::Conflict {
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn unprocessable(
        code: &'static str,
        message: impl Into<String>,
        details: Option<Value>,
    ) -> Self {
        AppError::Unprocessable {
            code,
            message: message.into(),
            details,
        }
    }

    pub fn internal(context: &'static str, source: impl Into<BoxError>) -> Self {
        AppError::Internal {
            context,
            source: source.into(),
        }
    }

    /// Whether retrying the same work later may succeed (backend outage).
    pub fn is_transient(&self) -> bool {
        match self {
            AppError::Store(e) => e.is_unavailable(),
            AppError::Unavailable { .. } => true,
            _ => false,
        }
    }
}
