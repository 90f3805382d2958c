//! Orders: reads, history pages, idempotency records, and conditional
//! updates with their effects. Placement is in [`super::placement`].
//!
//! An update replaces the order on `{_id, version: previous.version}`;
//! without effects that single write is the whole update. With effects
//! (stock released to listings, daily sales recorded) the replace and the
//! effects share one transaction: a batched `update` per collection, so
//! the round trips do not grow with the number of lines.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::ClientSession;
use mongodb::bson::{Document, doc};

use super::MongoStore;
use super::codec;
use super::collections::{DAILY_SALES, LISTINGS};
use super::error::OrStore;
use super::listings::{pipeline, restock_pipeline};
use super::order_records::{order_doc, order_from};
use super::paging::{self, Order as Direction, PageQuery};
use super::placement::units_per_sku;
use super::stats::sales_id;
use super::txn::{self, Abort, TxnBody, TxnError, statement, update_batch};
use crate::domain::{CustomerId, IdempotencyKey, Order, OrderId, OrderStatus};
use crate::ports::{
    IdempotencyRecord, OrderFilter, OrderStore, OrderUpdate, Page, PageRequest, PlaceOrderError,
    StoreResult, UpdateError,
};

const ORDERS: &str = "orders";
const STALE_PENDING: &str = "stale-pending";

fn order_page(kind: &str, order: Direction) -> PageQuery<'_, Order, OrderId> {
    PageQuery {
        kind,
        order,
        decode: order_from,
        key: |o| o.order_id,
    }
}

#[async_trait]
impl OrderStore for MongoStore {
    async fn place_order(
        &self,
        order: &Order,
        idempotency: Option<&IdempotencyRecord>,
    ) -> Result<(), PlaceOrderError> {
        self.place(order, idempotency).await
    }

    async fn get_order(&self, order_id: OrderId) -> StoreResult<Option<Order>> {
        self.orders
            .find_one(doc! { "_id": codec::uuid(order_id.as_uuid()) })
            .await
            .or_store()?
            .as_ref()
            .map(order_from)
            .transpose()
    }

    async fn list_orders(
        &self,
        filter: &OrderFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Order>> {
        let before: Option<OrderId> = paging::position(page, ORDERS)?;
        let mut query = Document::new();
        if let Some(customer) = filter.customer_id {
            query.insert("customer_id", codec::uuid(customer.as_uuid()));
        }
        if let Some(status) = filter.status {
            query.insert("status", status.as_str());
        }
        let before = before.map(|id| codec::uuid(id.as_uuid()));
        let newest_first = order_page(ORDERS, Direction::Descending);
        paging::fetch(&self.orders, query, before, page, newest_first).await
    }

    async fn update_order(&self, update: &OrderUpdate) -> Result<(), UpdateError> {
        let body = UpdateOrder::new(self, update)?;
        let outcome = if body.has_effects() {
            txn::run(&self.client, &self.retry, &body).await
        } else {
            txn::single(body.replace(None).await)
        };
        match outcome {
            Ok(()) => Ok(()),
            Err(TxnError::Store(err)) => Err(err.into()),
            Err(TxnError::Rejected(UpdateRejection::MissingListing)) => Err(UpdateError::Conflict),
            Err(TxnError::Rejected(UpdateRejection::VersionMoved)) => {
                match self.get_order(update.previous.order_id).await? {
                    Some(_) => Err(UpdateError::Conflict),
                    None => Err(UpdateError::NotFound),
                }
            }
        }
    }

    async fn get_idempotency(
        &self,
        customer_id: CustomerId,
        key: &IdempotencyKey,
        now: DateTime<Utc>,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        Ok(self
            .read_idempotency(customer_id, key)
            .await?
            .filter(|r| r.is_live(now)))
    }

    async fn stale_pending_orders(
        &self,
        placed_before: DateTime<Utc>,
        page: &PageRequest,
    ) -> StoreResult<Page<Order>> {
        let after: Option<OrderId> = paging::position(page, STALE_PENDING)?;
        let query = doc! {
            "status": OrderStatus::Pending.as_str(),
            "created_at": { "$lt": codec::time_key(placed_before)? },
        };
        let after = after.map(|id| codec::uuid(id.as_uuid()));
        let oldest_first = order_page(STALE_PENDING, Direction::Ascending);
        paging::fetch(&self.orders, query, after, page, oldest_first).await
    }
}

#[derive(Debug)]
enum UpdateRejection {
    /// The stored order is not at `previous.version` (or is gone).
    VersionMoved,
    /// A listing to release stock to does not exist.
    MissingListing,
}

/// A conditional order replacement and its effects.
struct UpdateOrder<'a> {
    store: &'a MongoStore,
    filter: Document,
    next: Document,
    releases: Vec<Document>,
    sales: Vec<Document>,
}

impl<'a> UpdateOrder<'a> {
    fn new(store: &'a MongoStore, update: &OrderUpdate) -> StoreResult<Self> {
        let filter = doc! {
            "_id": codec::uuid(update.previous.order_id.as_uuid()),
            "version": codec::counter(update.previous.version)?,
        };
        let releases = units_per_sku(update.effects.release.iter().cloned())
            .into_iter()
            .map(|(sku, units)| {
                let stages = restock_pipeline(units, update.next.updated_at)?;
                Ok(statement(
                    doc! { "_id": sku.as_str() },
                    pipeline(stages),
                    false,
                ))
            })
            .collect::<StoreResult<_>>()?;
        let sales = match update.effects.record_sales_on {
            None => Vec::new(),
            Some(day) => {
                let day = codec::day_key(day)?;
                let lines = update
                    .next
                    .items
                    .iter()
                    .map(|l| (l.sku.clone(), l.quantity.get()));
                units_per_sku(lines)
                    .into_iter()
                    .map(|(sku, units)| {
                        let id = sales_id(&sku, &day);
                        let change = doc! {
                            "$inc": { "units": codec::int(units) },
                            "$setOnInsert": { "sku": sku.as_str(), "day": day.as_str() },
                        };
                        statement(doc! { "_id": id }, change, true)
                    })
                    .collect()
            }
        };
        Ok(Self {
            store,
            filter,
            next: order_doc(&update.next)?,
            releases,
            sales,
        })
    }

    fn has_effects(&self) -> bool {
        !self.releases.is_empty() || !self.sales.is_empty()
    }

    async fn replace(
        &self,
        session: Option<&mut ClientSession>,
    ) -> Result<(), Abort<UpdateRejection>> {
        let replace = self
            .store
            .orders
            .replace_one(self.filter.clone(), &self.next);
        let result = match session {
            Some(session) => replace.session(session).await?,
            None => replace.await?,
        };
        if result.matched_count == 1 {
            Ok(())
        } else {
            Err(Abort::Rejected(UpdateRejection::VersionMoved))
        }
    }
}

#[async_trait]
impl TxnBody for UpdateOrder<'_> {
    type Output = ();
    type Rejection = UpdateRejection;

    async fn attempt(&self, session: &mut ClientSession) -> Result<(), Abort<UpdateRejection>> {
        self.replace(Some(&mut *session)).await?;
        let db = &self.store.db;
        if !self.releases.is_empty() {
            let matched = update_batch(db, session, LISTINGS, self.releases.clone()).await?;
            if matched != self.releases.len() as u64 {
                return Err(Abort::Rejected(UpdateRejection::MissingListing));
            }
        }
        if !self.sales.is_empty() {
            update_batch(db, session, DAILY_SALES, self.sales.clone()).await?;
        }
        Ok(())
    }
}
