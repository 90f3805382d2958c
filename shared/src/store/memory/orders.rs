use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;

use super::{MemoryStore, State, take_page};
use crate::domain::{CustomerId, IdempotencyKey, Order, OrderId, OrderStatus, Sku, Stock};
use crate::ports::{
    Cursor, DayTotals, IdempotencyRecord, OrderFilter, OrderMetrics, OrderStats, OrderStore,
    OrderUpdate, Page, PageRequest, PlaceOrderError, SalesStore, Shortage, StoreResult,
    UpdateError,
};

const ORDERS: &str = "orders";
const STALE_PENDING: &str = "stale-pending";

fn order_page(
    orders: impl Iterator<Item = Order>,
    page: &PageRequest,
    kind: &str,
) -> StoreResult<Page<Order>> {
    let (items, next) = take_page(orders, page.limit.get(), |o| o.order_id);
    Ok(Page {
        items,
        next_cursor: next.map(|id| Cursor::encode(kind, &id)).transpose()?,
    })
}

impl State {
    /// Checks every line against the catalogue without changing anything.
    fn check_reservation(&self, order: &Order) -> Result<(), PlaceOrderError> {
        let not_buyable: Vec<Sku> = order
            .items
            .iter()
            .filter(|line| {
                self.listings
                    .get(&line.sku)
                    .is_none_or(|l| !l.status.is_buyable())
            })
            .map(|line| line.sku.clone())
            .collect();
        if !not_buyable.is_empty() {
            return Err(PlaceOrderError::NotBuyable(not_buyable));
        }
        // Sum per SKU first: the API refuses repeated SKUs, but the store
        // must not oversell if a caller sends them anyway.
        let mut wanted: Vec<(&Sku, u32)> = Vec::new();
        for line in &order.items {
            match wanted.iter_mut().find(|(sku, _)| *sku == &line.sku) {
                Some((_, total)) => *total = total.saturating_add(line.quantity.get()),
                None => wanted.push((&line.sku, line.quantity.get())),
            }
        }
        let shortages: Vec<Shortage> = wanted
            .into_iter()
            .filter_map(|(sku, requested)| {
                let available = self.listings.get(sku)?.available.get();
                (available < i64::from(requested)).then(|| Shortage {
                    sku: sku.clone(),
                    requested,
                    available,
                })
            })
            .collect();
        if shortages.is_empty() {
            Ok(())
        } else {
            Err(PlaceOrderError::InsufficientStock(shortages))
        }
    }
}

#[async_trait]
impl OrderStore for MemoryStore {
    async fn place_order(
        &self,
        order: &Order,
        idempotency: Option<&IdempotencyRecord>,
    ) -> Result<(), PlaceOrderError> {
        let mut state = self.lock();
        if let Some(record) = idempotency {
            let slot = (record.customer_id, record.key.as_str().to_owned());
            if let Some(existing) = state.idempotency.get(&slot)
                && existing.is_live(record.created_at)
            {
                return Err(PlaceOrderError::IdempotencyKeyTaken(Box::new(
                    existing.clone(),
                )));
            }
        }
        state.check_reservation(order)?;
        for line in &order.items {
            if let Some(listing) = state.listings.get_mut(&line.sku) {
                // Checked above under the same lock.
                listing.available = listing.available.take(line.quantity).unwrap_or(Stock::ZERO);
            }
        }
        state
            .orders_by_customer
            .insert((order.customer_id, order.order_id));
        state.orders.insert(order.order_id, order.clone());
        if let Some(record) = idempotency {
            state.idempotency.insert(
                (record.customer_id, record.key.as_str().to_owned()),
                record.clone(),
            );
        }
        Ok(())
    }

    async fn get_order(&self, order_id: OrderId) -> StoreResult<Option<Order>> {
        Ok(self.lock().orders.get(&order_id).cloned())
    }

    async fn list_orders(
        &self,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Order>> {
        let before: Option<OrderId> = page.cursor.as_ref().map(|c| c.decode(ORDERS)).transpose()?;
        let state = self.lock();
        let status_ok = |o: &&Order| filter.status.is_none_or(|s| o.status == s);
        match filter.customer_id {
            Some(customer) => {
                let upper = before.unwrap_or(OrderId::from(uuid::Uuid::max()));
                let ids = state
                    .orders_by_customer
                    .range((customer, OrderId::from(uuid::Uuid::nil()))..(customer, upper))
                    .rev()
                    .filter_map(|(_, id)| state.orders.get(id))
                    .filter(status_ok)
                    .cloned();
                order_page(ids, page, ORDERS)
            }
            None => {
                let iter = state
                    .orders
                    .values()
                    .rev()
                    .filter(|o| before.is_none_or(|b| o.order_id < b))
                    .filter(status_ok)
                    .cloned();
                order_page(iter, page, ORDERS)
            }
        }
    }

    async fn update_order(&self, update: &OrderUpdate) -> Result<(), UpdateError> {
        let mut state = self.lock();
        let stored = state
            .orders
            .get(&update.previous.order_id)
            .ok_or(UpdateError::NotFound)?;
        if stored.version != update.previous.version {
            return Err(UpdateError::Conflict);
        }
        // Validate every effect before applying any.
        let mut released = Vec::with_capacity(update.effects.release.len());
        for (sku, units) in &update.effects.release {
            let listing = state.listings.get(sku).ok_or(UpdateError::Conflict)?;
            let total = (listing.available.get() + i64::from(*units)).min(Stock::MAX);
            released.push((sku.clone(), Stock::new(total).unwrap_or(listing.available)));
        }
        for (sku, available) in released {
            if let Some(listing) = state.listings.get_mut(&sku) {
                listing.available = available;
                listing.updated_at = update.next.updated_at;
            }
        }
        if let Some(day) = update.effects.record_sales_on {
            for line in &update.next.items {
                *state.sales.entry((line.sku.clone(), day)).or_default() +=
                    u64::from(line.quantity.get());
            }
        }
        state
            .orders
            .insert(update.next.order_id, update.next.clone());
        Ok(())
    }

    async fn get_idempotency(
        &self,
        customer_id: CustomerId,
        key: &IdempotencyKey,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        let state = self.lock();
        Ok(state
            .idempotency
            .get(&(customer_id, key.as_str().to_owned()))
            .filter(|r| r.is_live(now))
            .cloned())
    }

    async fn stale_pending_orders(
        &self,
        placed_before: DateTime<Utc>,
        page: &PageRequest,
    ) -> StoreResult<Page<Order>> {
        let after: Option<OrderId> = page
            .cursor
            .as_ref()
            .map(|c| c.decode(STALE_PENDING))
            .transpose()?;
        let state = self.lock();
        let iter = state
            .orders
            .values()
            .filter(|o| after.is_none_or(|a| o.order_id > a))
            .filter(|o| o.status == OrderStatus::Pending && o.created_at < placed_before)
            .cloned();
        order_page(iter, page, STALE_PENDING)
    }
}

#[async_trait]
impl OrderStats for MemoryStore {
    async fn order_metrics(&self) -> StoreResult<OrderMetrics> {
        let state = self.lock();
        let mut metrics = OrderMetrics {
            total_orders: 0,
            status_counts: BTreeMap::new(),
            processing_seconds_sum: 0.0,
            completed_orders: 0,
        };
        for order in state.orders.values() {
            metrics.total_orders += 1;
            *metrics.status_counts.entry(order.status).or_default() += 1;
            if let Some(seconds) = order.processing_seconds() {
                metrics.processing_seconds_sum += seconds;
                metrics.completed_orders += 1;
            }
        }
        Ok(metrics)
    }

    async fn daily_order_totals(
        &self,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<DayTotals>> {
        let state = self.lock();
        let mut days: BTreeMap<NaiveDate, (u64, Decimal)> = BTreeMap::new();
        for order in state.orders.values() {
            let day = order.created_at.date_naive();
            if day >= from && day <= to {
                let entry = days.entry(day).or_default();
                entry.0 += 1;
                entry.1 += order.total_amount;
            }
        }
        Ok(days
            .into_iter()
            .map(|(date, (order_count, order_value))| DayTotals {
                date,
                order_count,
                order_value,
            })
            .collect())
    }
}

#[async_trait]
impl SalesStore for MemoryStore {
    async fn daily_sales(
        &self,
        sku: &Sku,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(NaiveDate, u64)>> {
        let state = self.lock();
        Ok(state
            .sales
            .range((sku.clone(), from)..=(sku.clone(), to))
            .map(|((_, day), units)| (*day, *units))
            .collect())
    }
}
