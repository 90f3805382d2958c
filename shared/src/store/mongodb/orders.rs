//! Orders: placement in one transaction, conditional updates with their
//! effects, history pages and idempotency records.
//!
//! Placing an order, in one transaction (four round trips whatever the
//! number of lines: insert, update, insert, commit):
//!
//! 1. insert the idempotency record, if any. Its `_id` is the customer and
//!    key, so a second use fails right here with a duplicate key, before
//!    any stock moved: that is what gives the key precedence. A record that
//!    has expired but not yet been removed by the TTL monitor is replaced,
//!    conditionally on still being expired;
//! 2. insert the order;
//! 3. one batched `update` with a conditional decrement per SKU
//!    (`{_id, status: ACTIVE, available >= q}`): if fewer statements match
//!    than were sent, the transaction is aborted and the listings are read
//!    to say which SKUs were missing, inactive or short.
//!
//! The listings are written last because they are what concurrent
//! placements contend for: a listing written by an uncommitted transaction
//! makes every other writer fail with a write conflict, so the shorter it
//! stays uncommitted (here: one round trip, the commit), the fewer retries.
//!
//! Write conflicts between concurrent placements surface as
//! `TransientTransactionError` and are retried by [`super::txn`].

use std::collections::BTreeMap;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use mongodb::ClientSession;
use mongodb::bson::{Document, doc};

use super::MongoStore;
use super::codec;
use super::collections::{DAILY_SALES, LISTINGS};
use super::errors::{OrStore, is_duplicate_key};
use super::listings::{pipeline, reservable, reserve_pipeline, restock_pipeline};
use super::order_docs::{idempotency_doc, idempotency_from, idempotency_id, order_doc, order_from};
use super::paging::{self, Order as Direction, PageQuery};
use super::stats::sales_id;
use super::txn::{self, Abort, TxnBody, TxnError, statement, update_batch};
use crate::domain::{CustomerId, IdempotencyKey, Order, OrderId, OrderStatus, Sku};
use crate::ports::{
    IdempotencyRecord, ListingStore, OrderFilter, OrderStore, OrderUpdate, Page, PageRequest,
    PlaceOrderError, Shortage, StoreError, StoreResult, UpdateError,
};

const ORDERS: &str = "orders";
const STALE_PENDING: &str = "stale-pending";

/// Rounds of "transaction refused, re-read, try again" that a placement
/// may go through (an expired key being replaced concurrently, stock that
/// came back between the abort and the re-read) before giving up.
const PLACEMENT_ROUNDS: usize = 4;

fn order_page(kind: &str, order: Direction) -> PageQuery<'_, Order, OrderId> {
    PageQuery {
        kind,
        order,
        decode: order_from,
        key: |o| o.order_id,
    }
}

/// The units each SKU of `order` asks for, summed over lines, in the order
/// of first appearance.
fn units_per_sku(lines: impl IntoIterator<Item = (Sku, u32)>) -> Vec<(Sku, u32)> {
    let mut totals: Vec<(Sku, u32)> = Vec::new();
    for (sku, units) in lines {
        match totals.iter_mut().find(|(s, _)| *s == sku) {
            Some((_, total)) => *total = total.saturating_add(units),
            None => totals.push((sku, units)),
        }
    }
    totals
}

/// How the idempotency record is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum KeyWrite {
    Insert,
    /// A stored record has expired: overwrite it while it still is.
    ReplaceExpired,
}

#[derive(Debug)]
enum PlaceRejection {
    /// The key is held by a stored record (live or not: decided after).
    KeyHeld,
    /// Some line could not be reserved.
    Unreservable,
}

/// The idempotency record of a placement, ready to write.
struct KeyRecord<'a> {
    record: &'a IdempotencyRecord,
    doc: Document,
    /// Matches the stored record only while it is expired, as judged at
    /// the new record's creation (as the memory store does).
    expired: Document,
    write: KeyWrite,
}

impl<'a> KeyRecord<'a> {
    fn new(record: &'a IdempotencyRecord) -> StoreResult<Self> {
        Ok(Self {
            record,
            doc: idempotency_doc(record)?,
            expired: doc! {
                "_id": idempotency_id(record.customer_id.as_uuid(), &record.key),
                "expires_at": { "$lte": codec::time_key(record.created_at)? },
            },
            write: KeyWrite::Insert,
        })
    }
}

struct PlaceOrder<'a> {
    store: &'a MongoStore,
    order: Document,
    key: Option<KeyRecord<'a>>,
    reservations: &'a [(Sku, u32)],
}

#[async_trait]
impl TxnBody for PlaceOrder<'_> {
    type Output = ();
    type Rejection = PlaceRejection;

    async fn attempt(&self, session: &mut ClientSession) -> Result<(), Abort<PlaceRejection>> {
        let store = self.store;
        if let Some(key) = &self.key {
            let written = match key.write {
                KeyWrite::Insert => {
                    let insert = store
                        .idempotency
                        .insert_one(&key.doc)
                        .session(&mut *session);
                    match insert.await {
                        Err(err) if is_duplicate_key(&err) => false,
                        other => other.map(|_| true)?,
                    }
                }
                KeyWrite::ReplaceExpired => {
                    let replace = store.idempotency.replace_one(key.expired.clone(), &key.doc);
                    replace.session(&mut *session).await?.matched_count == 1
                }
            };
            if !written {
                return Err(Abort::Rejected(PlaceRejection::KeyHeld));
            }
        }
        // Before the stock: see the module docs on contention.
        store
            .orders
            .insert_one(&self.order)
            .session(&mut *session)
            .await?;
        if !self.reservations.is_empty() {
            let statements = self
                .reservations
                .iter()
                .map(|(sku, units)| {
                    statement(
                        reservable(sku, *units),
                        pipeline(reserve_pipeline(*units)),
                        false,
                    )
                })
                .collect();
            let matched = update_batch(&store.db, session, LISTINGS, statements).await?;
            if matched != self.reservations.len() as u64 {
                return Err(Abort::Rejected(PlaceRejection::Unreservable));
            }
        }
        Ok(())
    }
}

impl MongoStore {
    async fn read_idempotency(
        &self,
        customer_id: CustomerId,
        key: &IdempotencyKey,
    ) -> StoreResult<Option<IdempotencyRecord>> {
        self.idempotency
            .find_one(doc! { "_id": idempotency_id(customer_id.as_uuid(), key) })
            .await
            .or_store()?
            .as_ref()
            .map(idempotency_from)
            .transpose()
    }

    /// Why `reservations` cannot be taken, judged on the committed
    /// listings: missing or inactive SKUs first, then shortages. `None`
    /// when they all fit now (the stock came back meanwhile).
    async fn reservation_failure(
        &self,
        reservations: &[(Sku, u32)],
    ) -> StoreResult<Option<PlaceOrderError>> {
        let skus: Vec<Sku> = reservations.iter().map(|(s, _)| s.clone()).collect();
        let listings: BTreeMap<Sku, _> = self
            .get_listings(&skus)
            .await?
            .into_iter()
            .map(|l| (l.sku.clone(), l))
            .collect();
        let not_buyable: Vec<Sku> = reservations
            .iter()
            .filter(|(sku, _)| listings.get(sku).is_none_or(|l| !l.status.is_buyable()))
            .map(|(sku, _)| sku.clone())
            .collect();
        if !not_buyable.is_empty() {
            return Ok(Some(PlaceOrderError::NotBuyable(not_buyable)));
        }
        let shortages: Vec<Shortage> = reservations
            .iter()
            .filter_map(|(sku, units)| {
                let available = listings.get(sku)?.available.get();
                (available < i64::from(*units)).then(|| Shortage {
                    sku: sku.clone(),
                    requested: *units,
                    available,
                })
            })
            .collect();
        Ok((!shortages.is_empty()).then_some(PlaceOrderError::InsufficientStock(shortages)))
    }
}

#[async_trait]
impl OrderStore for MongoStore {
    async fn place_order(
        &self,
        order: &Order,
        idempotency: Option<&IdempotencyRecord>,
    ) -> Result<(), PlaceOrderError> {
        let reservations = units_per_sku(
            order
                .items
                .iter()
                .map(|line| (line.sku.clone(), line.quantity.get())),
        );
        let mut body = PlaceOrder {
            store: self,
            order: order_doc(order)?,
            key: idempotency.map(KeyRecord::new).transpose()?,
            reservations: &reservations,
        };
        for _ in 0..PLACEMENT_ROUNDS {
            match txn::run(&self.client, &self.retry, &body).await {
                Ok(()) => return Ok(()),
                Err(TxnError::Store(err)) => return Err(err.into()),
                Err(TxnError::Rejected(PlaceRejection::Unreservable)) => {
                    if let Some(failure) = self.reservation_failure(&reservations).await? {
                        return Err(failure);
                    }
                }
                Err(TxnError::Rejected(PlaceRejection::KeyHeld)) => {
                    let Some(key) = body.key.as_mut() else {
                        continue;
                    };
                    let record = key.record;
                    match self
                        .read_idempotency(record.customer_id, &record.key)
                        .await?
                    {
                        Some(existing) if existing.is_live(record.created_at) => {
                            return Err(PlaceOrderError::IdempotencyKeyTaken(Box::new(existing)));
                        }
                        Some(_) => key.write = KeyWrite::ReplaceExpired,
                        None => key.write = KeyWrite::Insert,
                    }
                }
            }
        }
        Err(StoreError::unavailable("the order kept conflicting with concurrent changes").into())
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_summed_per_sku_in_first_seen_order() {
        let s = |raw| Sku::parse(raw).unwrap();
        let totals = units_per_sku([(s("B"), 1), (s("A"), 2), (s("B"), 3)]);
        assert_eq!(totals, vec![(s("B"), 4), (s("A"), 2)]);
    }
}
