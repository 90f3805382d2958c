//! The one mapping from failures to HTTP responses: [`AppError`] (what a
//! use case says went wrong) and [`StoreError`] become a status, a
//! snake_case error code and optional JSON details here and nowhere else.
//! Every error body is `{"error": {"code", "message", "details"?}}`;
//! internal details are logged here, once, and never sent to the client.

use http::StatusCode;
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::ToSchema;

use crate::app::{AppError, Conflict, Forbidden, Refusal, Unauthenticated};
use crate::domain::{ReorderStatus, Sku};
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

    fn maybe_details(mut self, details: Option<Value>) -> Self {
        self.details = details.map(Box::new);
        self
    }

    /// A 400 `validation_failed` with `{"field": field}` details.
    pub fn validation(message: impl Into<String>, field: &str) -> Self {
        Self::bad_request("validation_failed", message).with_details(json!({ "field": field }))
    }

    pub fn bad_request(code: &'static str, message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, code, message)
    }

    /// A 404 for something that is not a domain resource (the dev
    /// server's queues); use cases say [`AppError::NotFound`].
    pub fn not_found(what: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("{what} not found"),
        )
    }

    /// The 403 for an account that is not an admin.
    pub fn forbidden() -> Self {
        AppError::Forbidden(Forbidden::NotAdmin).into()
    }

    pub fn unauthorized(code: &'static str, message: impl Into<String>) -> Self {
        let mut e = Self::new(StatusCode::UNAUTHORIZED, code, message);
        e.headers.push(("www-authenticate", "Bearer".into()));
        e
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
        let message = e.to_string();
        match e {
            AppError::InvalidField { field, reason } => field_error(&field, &reason),
            AppError::Unauthenticated(why) => ApiError::unauthorized(
                match why {
                    Unauthenticated::WrongCredentials => "invalid_credentials",
                    Unauthenticated::MissingToken => "missing_token",
                    Unauthenticated::TokenExpired => "token_expired",
                    Unauthenticated::NotBearer | Unauthenticated::InvalidToken => "invalid_token",
                },
                message,
            ),
            AppError::Forbidden(_) => ApiError::new(StatusCode::FORBIDDEN, "forbidden", message),
            AppError::NotFound(_) => ApiError::new(StatusCode::NOT_FOUND, "not_found", message),
            AppError::Conflict(conflict) => {
                let (code, details) = conflict_code(&conflict);
                ApiError::new(StatusCode::CONFLICT, code, message).maybe_details(details)
            }
            AppError::Refused(refusal) => {
                let (code, details) = refusal_code(&refusal);
                ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, code, message)
                    .maybe_details(details)
            }
            AppError::TooManyAttempts(limit) => {
                let mut e =
                    ApiError::new(StatusCode::TOO_MANY_REQUESTS, "too_many_attempts", message);
                e.headers
                    .push(("retry-after", limit.retry_after().to_string()));
                e
            }
            AppError::Store(e) => e.into(),
            e @ AppError::Unavailable { .. } => {
                tracing::error!(error = %crate::telemetry::chain(&e), "dependency unavailable");
                ApiError::unavailable()
            }
            AppError::AssistantNotConfigured => ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "assistant_not_configured",
                message,
            ),
            e @ AppError::AssistantUnavailable(_) => {
                tracing::error!(error = %crate::telemetry::chain(&e), "assistant provider failed");
                let mut error = ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "assistant_unavailable",
                    message,
                );
                error
                    .headers
                    .push(("retry-after", RETRY_AFTER_SECONDS.to_string()));
                error
            }
            e @ AppError::Internal { .. } => {
                tracing::error!(error = %crate::telemetry::chain(&e), "internal error");
                ApiError::internal()
            }
        }
    }
}

/// A 400 `validation_failed` naming the field, as `field: reason` with
/// `{"field": ...}` details. Handlers use it for what they parse
/// themselves (path and query parameters, headers, body fields).
pub fn field_error(field: &str, reason: &str) -> ApiError {
    ApiError::validation(format!("{field}: {reason}"), field)
}

fn conflict_code(conflict: &Conflict) -> (&'static str, Option<Value>) {
    match conflict {
        Conflict::InsufficientStock(shortages) => (
            "insufficient_stock",
            Some(json!({
                "items": shortages
                    .iter()
                    .map(|s| json!({ "sku": s.sku.as_str(), "requested": s.requested, "available": s.available }))
                    .collect::<Vec<_>>()
            })),
        ),
        Conflict::OrderNotCancellable { status } => (
            "order_not_cancellable",
            Some(json!({ "status": status.as_str() })),
        ),
        Conflict::UsernameTaken => ("username_taken", None),
        Conflict::ReorderWrongState { status, .. } => (
            "reorder_wrong_state",
            Some(json!({ "status": status.as_str() })),
        ),
        Conflict::ReorderNotCancellable { status } => (
            "reorder_not_cancellable",
            Some(json!({
                "status": status.as_str(),
                "cancellable": ReorderStatus::CANCELLABLE.map(ReorderStatus::as_str),
            })),
        ),
        Conflict::StockOutOfRange { available, .. } => (
            "stock_out_of_range",
            Some(json!({ "available": available })),
        ),
        Conflict::ConcurrentUpdate(_) => ("concurrent_update", None),
        Conflict::NotCancellable { .. } => ("not_cancellable", None),
    }
}

fn refusal_code(refusal: &Refusal) -> (&'static str, Option<Value>) {
    let skus = |skus: &[Sku]| json!({ "skus": skus.iter().map(Sku::as_str).collect::<Vec<_>>() });
    match refusal {
        Refusal::UnknownSkus(unknown) => ("unknown_sku", Some(skus(unknown))),
        Refusal::NotBuyable(unbuyable) => ("sku_unavailable", Some(skus(unbuyable))),
        Refusal::IdempotencyKeyReused => ("idempotency_key_reused", None),
        Refusal::UnsupportedCurrency { .. } => ("unsupported_currency", None),
        Refusal::UnknownSupplier(_) => ("unknown_supplier", None),
        // The listing a reorder restocks was deleted: the same code as an
        // order naming a SKU without a listing.
        Refusal::ListingGone(_) => ("unknown_sku", None),
        Refusal::ShippingAddressRequired => (
            "shipping_address_required",
            Some(json!({ "field": "shipping_address" })),
        ),
        Refusal::McfNotEnabled => ("mcf_not_enabled", None),
        Refusal::AmazonRefused { .. } => ("amazon_refused", None),
    }
}
