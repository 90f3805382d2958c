//! Ports: the small traits through which the application reaches storage,
//! queues, mail and time. Domain types go in and come out; adapters
//! (`crate::store`, `crate::queue`, `crate::mail`) sit behind them.
//!
//! Every store adapter implements all the store traits and is used as one
//! `Arc<dyn Store>`; the same contract suite (`shared/tests/suite/contract`)
//! runs against each.

mod clock;
mod customers;
mod error;
mod forecasts;
mod listings;
mod messaging;
mod orders;
mod page;
mod reorders;
mod sales;

pub use clock::{Clock, ManualClock, SystemClock};
pub use customers::{CreateCustomerError, CustomerStore};
pub use error::{BoxError, StoreError, StoreResult, UpdateError};
pub use forecasts::{ForecastRecord, ForecastStore};
pub use listings::{
    AdjustStockError, ListingFilter, ListingStore, NotificationOutcome, PutOutcome, SearchTerm,
};
pub use messaging::{Email, MailError, Mailer, PublishError, Publisher, QueueName};
pub use orders::{
    DayTotals, IdempotencyRecord, OrderEffects, OrderFilter, OrderMetrics, OrderStats, OrderStore,
    OrderUpdate, PlaceOrderError, Shortage,
};
pub use page::{Cursor, Page, PageLimit, PageRequest};
pub use reorders::{CreateReorderError, ReorderStore, ReorderUpdate, SupplierStore};
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
{
}
