//! Ports: the small traits through which the application reaches storage,
//! queues, mail, Amazon and time. Domain types go in and come out; adapters
//! (`crate::store`, `crate::queue`, `crate::mail`) sit behind them.
//!
//! Every store adapter implements all the store traits and is used as one
//! `Arc<dyn Store>`; the same contract suite (`shared/tests/suite/contract`)
//! runs against each.

mod accounts;
mod amazon;
mod assistant;
mod attempts;
mod clock;
mod error;
mod forecasts;
mod listings;
mod messaging;
mod orders;
mod page;
mod procurement;
mod sales;

pub use accounts::{CreateCustomerError, CustomerStore};
pub use amazon::{
    Amazon, AmazonError, CancelOutcome, Fee, FulfillmentItem, FulfillmentOrderRequest,
    FulfillmentOrderState, ListingPatch, PreviewOption, PreviewRequest,
};
pub use assistant::{ChatMessage, ChatModel, ModelError, ModelTurn, ToolCall, ToolSpec};
pub use attempts::{AttemptStore, AttemptWindow, window_end};
pub use clock::{Clock, ManualClock, SystemClock};
pub use error::{BoxError, StoreError, StoreResult, UpdateError};
pub use forecasts::{ForecastRecord, ForecastStore};
pub use listings::{
    AdjustStockError, AmazonStateError, ListingFilter, ListingStore, MIN_LISTING_SCAN,
    NotificationOutcome, PutOutcome, SearchTerm, listing_scan_budget,
};
pub use messaging::{CORRELATION_ATTRIBUTE, CORRELATION_HEADER, Propagation, TRACE_ATTRIBUTE};
pub use messaging::{
    Email, InboundQueue, MailError, Mailer, PublishError, PublishQueue, Publisher, QueueName,
};
pub use orders::{
    DayTotals, IdempotencyRecord, OrderEffects, OrderFilter, OrderMetrics, OrderStats, OrderStore,
    OrderUpdate, PlaceOrderError, Shortage,
};
pub use page::{Cursor, Page, PageLimit, PageRequest};
pub use procurement::{CreateReorderError, ReorderStore, ReorderUpdate, SupplierStore};
pub use sales::SalesStore;

/// Everything a store backend provides. Implemented automatically for any
/// type that implements every store trait.
pub trait Store:
    ListingStore
    + OrderStore
    + OrderStats
    + CustomerStore
    + SupplierStore
    + ReorderStore
    + SalesStore
    + ForecastStore
    + AttemptStore
{
}

impl<T> Store for T where
    T: ListingStore
        + OrderStore
        + OrderStats
        + CustomerStore
        + SupplierStore
        + ReorderStore
        + SalesStore
        + ForecastStore
        + AttemptStore
{
}
