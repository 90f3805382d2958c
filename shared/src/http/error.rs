//! The one mapping from failures to HTTP responses. Every error body is
//! `{"error": {"code", "message", "details"?}}`; internal details are logged
//! here, once, and never sent to the client.

use http::StatusCode;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::app::AppError;
use crate::ports::StoreError;

/// Seconds a client should wait before retrying after a 503.
const RETRY_AFTER_SECONDS: u32 = 2;

#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub message: String,
    /// Boxed: errors travel through every `Result` of the HTTP layer and
    /// should stay small.
    pub details: Option<Box<Value>>,
    /// Extra response headers (e.g. `Allow`, `Retry-After`).
    pub headers: Vec<(&'static str, String)>,
}

/// The error body, as documented in the OpenAPI document.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Machine-readable, snake_case (e.g. `insufficient_stock`).
    #[schema(example = "insufficient_stock")]
    pub code: String,
    /// For humans.
    pub message: String,
    /// Optional structured context (e.g. the SKUs short of stock).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        ApiError {
            status,
            code,
            message: message.into(),
            details: None,
            headers: Vec::new(),
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(Box::new(details));
        self
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::UNAUTHORIZED, code, message);
        e.headers.push(("www-authenticate", "Bearer".into()));
        e
    }

    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "your account is not allowed to do this",
        )
    }

    pub fn unavailable() -> Self {
        let mut e = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "service_unavailable",
            "the service is temporarily unavailable; retry shortly",
        );
        e.headers
            .push(("retry-after", RETRY_AFTER_SECONDS.to_string()));
        e
    }

    fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal_error",
            "something went wrong on our side",
        )
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.to_owned(),
                message: self.message.clone(),
                details: self.details.as_deref().cloned(),
            },
        }
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::InvalidCursor => ApiError::bad_request(
                "invalid_cursor",
                "the cursor is not valid for this list; start again without it",
            ),
            StoreError::Unavailable(_) => {
                tracing::error!(error = %crate::telemetry::chain(&e), "store unavailable");
                ApiError::unavailable()
            }
            StoreError::Corrupt(_) | StoreError::Internal(_) => {
                tracing::error!(error = %crate::telemetry::chain(&e), "store failure");
                ApiError::internal()
            }
        }
    }
}

impl From<AppError> for ApiError {
    fn from(e: AppError) -> Self {
        match e {
            AppError::Invalid {
                code,
                message,
                details,
            } => ApiError {
                details: details.map(Box::new),
                ..ApiError::bad_request(code, message)
            },
            AppError::Unauthorized { code, message } => ApiError::unauthorized(code, message),
            AppError::Forbidden => ApiError::forbidden(),
            AppError::NotFound(what) => ApiError::not_found(what),
            AppError::Conflict {
                code,
                message,
                details,
            } => ApiError {
                details: details.map(Box::new),
                ..ApiError::new(StatusCode::CONFLICT, code, message)
            },
            AppError::Unprocessable {
                code,
                message,
                details,
            } => ApiError {
                details: details.map(Box::new),
                ..ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
            },
            AppError::Store(e) => e.into(),
            e @ AppError::Unavailable { .. } => {
                tracing::error!(error = %crate::telemetry::chain(&e), "dependency unavailable");
                ApiError::unavailable()
            }
            e @ AppError::Internal { .. } => {
                tracing::error!(error = %crate::telemetry::chain(&e), "internal error");
                ApiError::internal()
            }
        }
    }
}
