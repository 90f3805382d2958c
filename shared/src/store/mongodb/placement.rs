//! Placing an order: one transaction (four round trips whatever the
//! number of lines: insert, insert, update, commit; three without a key):
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
//! The order of the steps does not change how often placements of the same
//! SKU conflict: under snapshot isolation a placement fails if another one
//! commits a listing it will write between its own first operation and
//! that write, or holds that listing uncommitted when it writes; the two
//! windows add up to the transaction's round trips either way. Fewer round
//! trips is the only lever, hence the batched update.
//!
//! Write conflicts between concurrent placements surface as
//! `TransientTransactionError` and are retried by [`super::txn`].

use std::collections::BTreeMap;

use async_trait::async_trait;
use mongodb::ClientSession;
use mongodb::bson::{Document, doc};

use super::MongoStore;
use super::codec;
use super::collections::LISTINGS;
use super::error::{OrStore, is_duplicate_key};
use super::listings::{pipeline, reservable, reserve_pipeline};
use super::order_records::{idempotency_doc, idempotency_from, idempotency_id, order_doc};
use super::txn::{self, Abort, TxnBody, TxnError, statement, update_batch};
use crate::domain::{CustomerId, IdempotencyKey, Order, Sku};
use crate::ports::{
    IdempotencyRecord, ListingStore, PlaceOrderError, Shortage, StoreError, StoreResult,
};

/// Rounds of "transaction refused, re-read, try again" that a placement
/// may go through (an expired key being replaced concurrently, stock that
/// came back between the abort and the re-read) before giving up.
const PLACEMENT_ROUNDS: usize = 4;

/// The units each SKU of `order` asks for, summed over lines, in the order
/// of first appearance.
pub(super) fn units_per_sku(lines: impl IntoIterator<Item = (Sku, u32)>) -> Vec<(Sku, u32)> {
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
    pub(super) async fn read_idempotency(
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

    /// [`crate::ports::OrderStore::place_order`].
    pub(super) async fn place(
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
