//! The `OrderStore` port: placement is in `placement`, `update_order` in
//! `order_updates`, the pages in `order_reads`; here the single reads and
//! the recovery of pending stock effects.

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::DynamoStore;
use super::keys::*;
use super::order_records::{read_idempotency, read_order};
use crate::domain::{CustomerId, IdempotencyKey, Order, OrderId};
use crate::ports::{
    IdempotencyRecord, OrderFilter, OrderStore, OrderUpdate, Page, PageRequest, PlaceOrderError,
    StoreResult, UpdateError,
};

#[async_trait]
impl OrderStore for DynamoStore {
    async fn place_order(
        &self,
        order: &Order,
        idempotency: Option<&IdempotencyRecord>,
    ) -> Result<(), PlaceOrderError> {
        self.place(order, idempotency).await
    }

    async fn get_order(&self, order_id: OrderId) -> StoreResult<Option<Order>> {
        self.get_item(order_pk(order_id), ORDER_SK)
            .await?
            .map(|i| read_order(&i))
            .transpose()
    }

    async fn list_orders(
        &self,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Order>> {
        self.order_page(filter, page).await
    }

    async fn update_order(&self, update: &OrderUpdate) -> Result<(), UpdateError> {
        self.update(update).await
    }

    async fn get_idempotency(
        &self,
        customer_id: CustomerId,
        key: &IdempotencyKey,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        let item = self
            .get_item(idempotency_pk(customer_id, key.as_str()), IDEMPOTENCY_SK)
            .await?;
        // TTL deletes lazily (up to days late): an expired record still
        // present is treated as absent.
        Ok(item
            .map(|i| read_idempotency(&i))
            .transpose()?
            .filter(|record| record.is_live(now)))
    }

    async fn stale_pending_orders(
        &self,
        placed_before: DateTime<Utc>,
        page: &PageRequest,
    ) -> StoreResult<Page<Order>> {
        self.stale_pending_page(placed_before, page).await
    }

    async fn settle_pending_effects(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        self.settle_pending(before).await
    }
}
