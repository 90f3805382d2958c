//! Why a use case failed, in the domain's words.
//!
//! Every variant says what went wrong (which field, which resource, which
//! kind of conflict) and carries the domain values that explain it (the
//! shortages, the status an order is in). Nothing here knows about HTTP:
//! `crate::http::error` alone turns these into status codes, error codes
//! and JSON details, and consumers only ask [`AppError::is_transient`].
//!
//! The `Display` texts are the human-readable messages; the HTTP edge
//! sends them as the error body's `message`.

use std::fmt;

use thiserror::Error;

use crate::domain::{Currency, OrderStatus, ReorderStatus, Sku, SupplierId};
use crate::ports::{BoxError, ModelError, Shortage, StoreError};

/// A use case's failure, independent of transport.
#[derive(Debug, Error)]
pub enum AppError {
    /// One input field is malformed or out of range.
    #[error("{field}: {reason}")]
    InvalidField { field: String, reason: String },
    /// The caller could not be identified.
    #[error("{0}")]
    Unauthenticated(Unauthenticated),
    /// The caller is known but may not do this.
    #[error("{0}")]
    Forbidden(Forbidden),
    /// The resource does not exist (or is not disclosed to this caller).
    #[error("{0} not found")]
    NotFound(Resource),
    /// The request conflicts with the current state.
    #[error("{0}")]
    Conflict(Conflict),
    /// Well-formed, but refused as asked.
    #[error("{0}")]
    Refused(Refusal),
    /// Too many attempts of one kind from one source: try again later.
    #[error("{0}")]
    TooManyAttempts(Throttled),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A service other than the store (queue, mail) is down: retry later.
    #[error("{service} is unavailable")]
    Unavailable {
        service: &'static str,
        #[source]
        source: BoxError,
    },
    /// The assistant has no language model configured.
    #[error("the assistant is not configured: set ASSISTANT_API_BASE and ASSISTANT_MODEL")]
    AssistantNotConfigured,
    /// The assistant's language model did not answer usably.
    #[error("the assistant's model provider failed: {0}")]
    AssistantUnavailable(#[source] ModelError),
    #[error("internal error: {context}")]
    Internal {
        context: &'static str,
        #[source]
        source: BoxError,
    },
}

/// What was not found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Resource {
    Listing,
    Order,
    Reorder,
    Supplier,
    Customer,
    Forecast,
}

impl Resource {
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Listing => "listing",
            Resource::Order => "order",
            Resource::Reorder => "reorder",
            Resource::Supplier => "supplier",
            Resource::Customer => "customer",
            Resource::Forecast => "forecast",
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the caller is not identified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Unauthenticated {
    #[error("the username or password is wrong")]
    WrongCredentials,
    #[error("sign in and send Authorization: Bearer <token>")]
    MissingToken,
    #[error("the Authorization header must be Bearer <token>")]
    NotBearer,
    #[error("the token has expired; sign in again")]
    TokenExpired,
    #[error("the token is not valid")]
    InvalidToken,
}

/// Which limit was reached, and when it lifts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Throttled {
    #[error("too many failed sign-ins for this username; try again in {retry_after} s")]
    SignIn { retry_after: u64 },
    #[error("too many registrations from this address; try again in {retry_after} s")]
    Registration { retry_after: u64 },
}

impl Throttled {
    /// Seconds until the limit lifts.
    pub fn retry_after(self) -> u64 {
        match self {
            Throttled::SignIn { retry_after } | Throttled::Registration { retry_after } => {
                retry_after
            }
        }
    }
}

/// Why an identified caller is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum Forbidden {
    /// Admin-only work asked for by another account.
    #[error("your account is not allowed to do this")]
    NotAdmin,
    /// Customer-only work (placing orders) asked for by another account.
    #[error("only customer accounts can place orders")]
    NotCustomer,
}

/// Which side of the stock range an adjustment would leave.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StockLimit {
    Zero,
    Maximum,
}

impl StockLimit {
    fn direction(self) -> &'static str {
        match self {
            StockLimit::Zero => "negative",
            StockLimit::Maximum => "past the maximum",
        }
    }
}

/// The named kinds of conflict with the current state.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Conflict {
    /// Some lines could not be reserved; nothing was.
    #[error("not enough stock for {}", short_skus(.0))]
    InsufficientStock(Vec<Shortage>),
    #[error("the order is {} and can no longer be cancelled", .status.as_str())]
    OrderNotCancellable { status: OrderStatus },
    #[error("that username is already registered")]
    UsernameTaken,
    /// The reorder is in `status`, from which it cannot move to `wanted`.
    #[error("the reorder is {} and cannot become {}", .status.as_str(), .wanted.as_str())]
    ReorderWrongState {
        status: ReorderStatus,
        wanted: ReorderStatus,
    },
    /// Only PENDING_APPROVAL, QUEUED and MAIL_FAILED reorders can be
    /// cancelled: the others are on their way, or already closed.
    #[error(
        "the reorder is {} and can no longer be cancelled (only PENDING_APPROVAL, QUEUED or MAIL_FAILED can)",
        .status.as_str()
    )]
    ReorderNotCancellable { status: ReorderStatus },
    /// A stock adjustment would leave the allowed range.
    #[error("stock would go {} (available: {available})", .limit.direction())]
    StockOutOfRange { limit: StockLimit, available: i64 },
    /// The resource kept changing under a conditional update.
    #[error("the {0} kept changing; try again")]
    ConcurrentUpdate(Resource),
    /// Amazon refused to cancel the MCF fulfilment order (typically: it is
    /// already being picked or has shipped); the order is unchanged.
    #[error("Amazon can no longer cancel this order: {reason}")]
    NotCancellable { reason: String },
}

/// Well-formed requests refused as asked.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Refusal {
    /// An order names SKUs with no listing.
    #[error("no such listing: {}", skus(.0))]
    UnknownSkus(Vec<Sku>),
    /// An order names listings that cannot be bought now (inactive, or
    /// priced in another currency).
    #[error("cannot be ordered now: {}", skus(.0))]
    NotBuyable(Vec<Sku>),
    /// An `Idempotency-Key` already used for a different request.
    #[error("this Idempotency-Key was already used with a different request body")]
    IdempotencyKeyReused,
    /// A listing priced in another currency than the store's.
    #[error("listings are priced in {store}")]
    UnsupportedCurrency { store: Currency },
    #[error("no such supplier: {0}")]
    UnknownSupplier(SupplierId),
    /// Goods received for a listing deleted since the reorder was raised.
    #[error("the listing {0} no longer exists")]
    ListingGone(Sku),
    /// In MCF mode Amazon ships every order, so it needs an address.
    #[error("orders are shipped by Amazon: send a shipping_address")]
    ShippingAddressRequired,
    /// Work that only exists when Amazon fulfils orders (a shipping
    /// preview) asked of a deployment that ships orders itself.
    #[error("orders are not fulfilled by Amazon in this deployment")]
    McfNotEnabled,
    /// Amazon refused the request as sent (e.g. an address it cannot ship
    /// to), with its own words.
    #[error("Amazon refused the request: {message}")]
    AmazonRefused { message: String },
}

fn skus(skus: &[Sku]) -> String {
    skus.iter().map(Sku::as_str).collect::<Vec<_>>().join(", ")
}

fn short_skus(shortages: &[Shortage]) -> String {
    shortages
        .iter()
        .map(|s| s.sku.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

impl AppError {
    pub fn invalid_field(field: impl Into<String>, reason: impl fmt::Display) -> Self {
        AppError::InvalidField {
            field: field.into(),
            reason: reason.to_string(),
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
            AppError::Unavailable { .. } | AppError::AssistantUnavailable(_) => true,
            _ => false,
        }
    }
}

impl From<Conflict> for AppError {
    fn from(c: Conflict) -> Self {
        AppError::Conflict(c)
    }
}

impl From<Refusal> for AppError {
    fn from(r: Refusal) -> Self {
        AppError::Refused(r)
    }
}
