use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::{Page, PageRequest, StoreError, StoreResult, UpdateError};
use crate::domain::{CustomerId, IdempotencyKey, Order, OrderId, OrderStatus, Sku};

/// What a `POST /orders` with an `Idempotency-Key` did, written atomically
/// with the order it created, so that a retry with the same key and body
/// gets the same answer.
///
/// The record keeps the order *as placed* (a domain [`Order`]), not a
/// rendered response: the store holds no HTTP, each adapter persists it with
/// the codec it already has for orders, and the HTTP edge renders a replay
/// exactly as it rendered the new order. The order stored here never
/// changes afterwards (unlike the order itself, which moves on through its
/// statuses), so the replayed body is byte-for-byte the first one.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct IdempotencyRecord {
    pub customer_id: CustomerId,
    pub key: IdempotencyKey,
    /// SHA-256 (hex) of the canonical request; a reuse with another body is refused.
    pub request_hash: String,
    /// The order this request created, as it was when placed.
    pub order: Order,
    pub created_at: DateTime<Utc>,
    /// After this the key may be used again (stores also expire it, e.g. by TTL).
    pub expires_at: DateTime<Utc>,
}

impl IdempotencyRecord {
    pub fn is_live(&self, now: DateTime<Utc>) -> bool {
        self.expires_at > now
    }
}

/// One line that could not be reserved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shortage {
    pub sku: Sku,
    pub requested: u32,
    /// What was left when the reservation was attempted.
    pub available: i64,
}

#[derive(Debug, thiserror::Error)]
pub enum PlaceOrderError {
    /// A live record already holds this customer's key. Takes precedence
    /// over every other outcome: the caller replays it.
    #[error("the idempotency key is already used")]
    IdempotencyKeyTaken(Box<IdempotencyRecord>),
    /// Listings that no longer exist or are not buyable at write time.
    #[error("some listings cannot be ordered")]
    NotBuyable(Vec<Sku>),
    #[error("not enough stock")]
    InsufficientStock(Vec<Shortage>),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What an order update does besides replacing the order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct OrderEffects {
    /// Give these units back to their listings (cancel, failure). Each
    /// listing must still exist; otherwise the update is a `Conflict`.
    pub release: Vec<(Sku, u32)>,
    /// Add every line's quantity to the daily sales of this date.
    pub record_sales_on: Option<NaiveDate>,
}

/// A conditional replacement of an order: applied only while the stored
/// order still has `previous.version`, together with its effects, or not at
/// all.
#[derive(Debug, Clone)]
pub struct OrderUpdate {
    pub previous: Order,
    pub next: Order,
    pub effects: OrderEffects,
}

#[derive(Debug, Clone, Default)]
pub struct OrderFilter {
    pub customer_id: Option<CustomerId>,
    pub status: Option<OrderStatus>,
}

/// Orders and their idempotency records.
#[async_trait]
pub trait OrderStore: Send + Sync {
    /// In one atomic step: reserve every line (listing exists, is ACTIVE and
    /// has the quantity), store the order and, if given, the idempotency
    /// record (unless a live one exists). All or nothing.
    async fn place_order(
        &self,
        order: &Order,
        idempotency: Option<&IdempotencyRecord>,
    ) -> Result<(), PlaceOrderError>;

    async fn get_order(&self, order_id: OrderId) -> StoreResult<Option<Order>>;

    /// Newest first.
    async fn list_orders(
        &self,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Order>>;

    /// Applies `update` if the stored order is still at `update.previous.version`.
    async fn update_order(&self, update: &OrderUpdate) -> Result<(), UpdateError>;

    /// The live idempotency record for this customer and key, if any.
    async fn get_idempotency(
        &self,
        customer_id: CustomerId,
        key: &IdempotencyKey,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<IdempotencyRecord>>;

    /// Orders still PENDING that were placed before `placed_before`, oldest first.
    async fn stale_pending_orders(
        &self,
        placed_before: DateTime<Utc>,
        page: &PageRequest,
    ) -> StoreResult<Page<Order>>;

    /// Applies the stock effects that a change owed but could not write in
    /// its own atomic step and that are still outstanding since before
    /// `before` (a crash between the two steps, an abandoned reservation of
    /// a large order); returns how many such changes were settled. Stores
    /// that write every change in one step have none.
    async fn settle_pending_effects(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let _ = before;
        Ok(0)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct OrderMetrics {
    pub total_orders: u64,
    pub status_counts: BTreeMap<OrderStatus, u64>,
    /// Sum and count of `processing_seconds` over completed orders.
    pub processing_seconds_sum: f64,
    pub completed_orders: u64,
}

impl OrderMetrics {
    pub fn average_processing_seconds(&self) -> Option<f64> {
        (self.completed_orders > 0)
            .then(|| self.processing_seconds_sum / self.completed_orders as f64)
    }
}

/// Orders placed on one UTC day.
#[derive(Debug, Clone, PartialEq)]
pub struct DayTotals {
    pub date: NaiveDate,
    pub order_count: u64,
    pub order_value: Decimal,
}

/// Aggregates over orders.
#[async_trait]
pub trait OrderStats: Send + Sync {
    async fn order_metrics(&self) -> StoreResult<OrderMetrics>;

    /// Per-day totals of orders placed from `from` to `to` inclusive; days
    /// without orders may be omitted.
    async fn daily_order_totals(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<DayTotals>>;
}
