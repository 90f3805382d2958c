//! Placing an order: conditional decrements, the order, the idempotency
//! record and the counters, in one TransactWriteItems, or in two when they
//! exceed its 100 items.
//!
//! An order of up to 96 lines (97 without an idempotency key) is one
//! transaction. A larger one reserves its first lines in a transaction of
//! their own, together with a pending item owing them back (`pending`), then
//! commits the rest of the lines, the order, the record and the counters in
//! a second transaction that also deletes that item. If the second one is
//! refused, the reservation is applied (the units go back); if the process
//! dies in between, the order recovery job applies it once it is old. The
//! deletion is conditional in both paths, so the units are either sold
//! with a stored order or given back, never both and never neither.
//!
//! A cancellation is read back item by item: the idempotency record first
//! (it takes precedence: the caller replays it), then unbuyable listings,
//! then shortages. A line that only failed the low-stock guard (see
//! `low_flag`) is sent again with the flag set.

use std::collections::HashSet;

use super::DynamoStore;
use super::codec::{Item, get_n, get_s, n, s};
use super::error::{GaveUp, RETRY};
use super::expr::{Expr, Update};
use super::items::key;
use super::keys::*;
use super::order_records::{
    counters_update, idempotency_item, merge_lines, order_item, random_stats_shard,
    read_idempotency, read_order,
};
use super::pending::Pending;
use super::txn::{MAX_TXN_ITEMS, Outcome, Reason, Refused, Txn};
use crate::domain::{ListingStatus, Order, Sku};
use crate::ports::{IdempotencyRecord, OrderStore, PlaceOrderError, Shortage, StoreError};

/// Rounds of one placement transaction: a round may learn that a line
/// crosses the reorder point; the last round flags every line so the loop
/// ends.
const PLACE_ROUNDS: u32 = 4;

/// Whether the order is already stored as this call wrote it: an earlier
/// attempt committed but its response was lost (a timeout, a dropped
/// connection) and the call was retried. DynamoDB's ClientRequestToken
/// covers the SDK's own retries for ten minutes; this covers the rest,
/// and emulators that ignore the token.
fn landed_earlier(
    slots: &[PlaceSlot],
    reasons: &[Reason],
    order: &Order,
) -> Result<bool, StoreError> {
    for (i, slot) in slots.iter().enumerate() {
        if let (PlaceSlot::Order, Reason::ConditionFailed(Some(old))) =
            (slot, Outcome::reason(reasons, i)?)
        {
            let stored = read_order(old)?;
            return Ok(stored.customer_id == order.customer_id
                && stored.created_at == order.created_at
                && stored.items == order.items);
        }
    }
    Ok(false)
}

/// Whether a listing item (as returned with a cancellation) is buyable,
/// and its stock. Reads only those two attributes.
fn stock_state(item: &Item) -> Result<(bool, i64), StoreError> {
    let buyable = get_s(item, STATUS)? == ListingStatus::Active.as_str();
    Ok((buyable, get_n(item, AVAILABLE)?))
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum PlaceSlot {
    Line(usize),
    Order,
    Idempotency,
    Stats,
    Reservation,
}

/// Which transaction of a placement is being built.
#[derive(Debug, Clone, Copy)]
enum Phase<'a> {
    /// Everything at once.
    Whole,
    /// Some lines and the reservation owing them back.
    Reserve(&'a Pending),
    /// The other lines, the order, the record and the counters, deleting
    /// the reservation.
    Commit(&'a Pending),
}

/// Items a placement transaction holds besides its lines: the order, two
/// counters and the idempotency record if any.
fn fixed_items(idempotency: Option<&IdempotencyRecord>) -> usize {
    3 + usize::from(idempotency.is_some())
}

impl DynamoStore {
    fn place_txn(
        &self,
        order: &Order,
        idempotency: Option<&IdempotencyRecord>,
        lines: &[(Sku, u32)],
        flag: &HashSet<Sku>,
        phase: Phase<'_>,
    ) -> Result<Txn<'_, PlaceSlot>, StoreError> {
        let mut txn = Txn::new(&self.table);
        for (i, (sku, qty)) in lines.iter().enumerate() {
            let mut e = Expr::new();
            let mut u = Update::default();
            let (pk, st, avail, head, lpk) = (
                e.name(PK),
                e.name(STATUS),
                e.name(AVAILABLE),
                e.name(HEADROOM),
                e.name(LOW_PK),
            );
            let (q, active) = (e.value(n(qty)), e.value(s("ACTIVE")));
            u.set
                .push(format!("{avail} = {avail} - {q}, {head} = {head} - {q}"));
            let mut condition =
                format!("attribute_exists({pk}) AND {st} = {active} AND {avail} >= {q}");
            if flag.contains(sku) {
                let low = e.value(s(LOW_PARTITION));
                u.set.push(format!("{lpk} = {low}"));
            } else {
                condition.push_str(&format!(" AND (attribute_exists({lpk}) OR {head} > {q})"));
            }
            txn.update(
                PlaceSlot::Line(i),
                key(listing_pk(sku), LISTING_SK),
                &u,
                e,
                Some(condition),
            )?;
        }
        match phase {
            Phase::Reserve(reservation) => {
                reservation.put_in(&mut txn, PlaceSlot::Reservation)?;
                return Ok(txn);
            }
            Phase::Commit(reservation) => {
                reservation.delete_in(&mut txn, PlaceSlot::Reservation)?;
            }
            Phase::Whole => {}
        }
        let mut e = Expr::new();
        let condition = format!("attribute_not_exists({})", e.name(PK));
        txn.put(PlaceSlot::Order, order_item(order)?, e, Some(condition))?;
        if let Some(record) = idempotency {
            let mut e = Expr::new();
            let (pk, exp, created) = (
                e.name(PK),
                e.name(EXPIRES_KEY),
                e.value(s(instant_key(record.created_at))),
            );
            let condition = format!("attribute_not_exists({pk}) OR {exp} <= {created}");
            txn.put(
                PlaceSlot::Idempotency,
                idempotency_item(record)?,
                e,
                Some(condition),
            )?;
        }
        let shard = random_stats_shard();
        let (u, e) = counters_update(&[
            ("total_orders".into(), 1),
            (status_count_attr(order.status), 1),
        ]);
        txn.update(
            PlaceSlot::Stats,
            key(stats_pk(shard), STATS_TOTALS_SK),
            &u,
            e,
            None,
        )?;
        let mut e = Expr::new();
        let (count, value) = (e.name("order_count"), e.name("order_value"));
        let (one, amount) = (e.value(n(1)), e.value(n(order.total_amount.normalize())));
        let u = Update {
            add: vec![format!("{count} {one}"), format!("{value} {amount}")],
            ..Update::default()
        };
        let day = stats_day_sk(order.created_at.date_naive());
        txn.update(PlaceSlot::Stats, key(stats_pk(shard), day), &u, e, None)?;
        Ok(txn)
    }

    /// Places `order`: one transaction when it fits, else a reservation and
    /// a commit (module docs).
    pub(crate) async fn place(
        &self,
        order: &Order,
        idempotency: Option<&IdempotencyRecord>,
    ) -> Result<(), PlaceOrderError> {
        let lines = merge_lines(
            order
                .items
                .iter()
                .map(|l| (l.sku.clone(), l.quantity.get())),
        );
        let fixed = fixed_items(idempotency);
        if lines.len() + fixed <= MAX_TXN_ITEMS {
            return self
                .place_phase(order, idempotency, &lines, Phase::Whole)
                .await;
        }
        // The commit holds the reservation's deletion besides the fixed items.
        let committed_lines = MAX_TXN_ITEMS - fixed - 1;
        let (reserved, rest) = lines.split_at(lines.len().saturating_sub(committed_lines));
        let reservation = Pending::new(
            format!("{}#reservation", order.order_id),
            order.created_at,
            reserved,
            &[],
            None,
        );
        self.place_phase(order, idempotency, reserved, Phase::Reserve(&reservation))
            .await?;
        match self
            .place_phase(order, idempotency, rest, Phase::Commit(&reservation))
            .await
        {
            Ok(()) => Ok(()),
            Err(refused) => {
                // Give the reserved units back (a no-op if the commit did
                // land after all, or the recovery released them already).
                self.apply_pending(&reservation).await?;
                Err(refused)
            }
        }
    }

    /// One transaction of a placement, sent again while lines only fail
    /// the low-stock guard or meet concurrent writers.
    async fn place_phase(
        &self,
        order: &Order,
        idempotency: Option<&IdempotencyRecord>,
        lines: &[(Sku, u32)],
        phase: Phase<'_>,
    ) -> Result<(), PlaceOrderError> {
        let idempotency = match phase {
            Phase::Reserve(_) => None,
            Phase::Whole | Phase::Commit(_) => idempotency,
        };
        let mut flag: HashSet<Sku> = HashSet::new();
        for round in 0..PLACE_ROUNDS {
            if round + 1 == PLACE_ROUNDS {
                flag.extend(lines.iter().map(|(sku, _)| sku.clone()));
            }
            let txn = self.place_txn(order, idempotency, lines, &flag, phase)?;
            let reasons = match self.transact(txn.items).await? {
                Outcome::Committed => return Ok(()),
                Outcome::Cancelled(reasons) => reasons,
            };
            if landed_earlier(&txn.slots, &reasons, order)? {
                return Ok(());
            }
            for (i, slot) in txn.slots.iter().enumerate() {
                match (phase, slot, Outcome::reason(&reasons, i)?) {
                    // Our own reservation, written by an attempt whose
                    // response was lost (its id holds the order id).
                    (Phase::Reserve(_), PlaceSlot::Reservation, Reason::ConditionFailed(_)) => {
                        return Ok(());
                    }
                    // Released by the recovery: the reserved units are back.
                    (Phase::Commit(_), PlaceSlot::Reservation, Reason::ConditionFailed(_)) => {
                        return Err(StoreError::unavailable(GaveUp(
                            "the order's reservation was released before it was stored",
                        ))
                        .into());
                    }
                    _ => {}
                }
            }
            let mut not_buyable = Vec::new();
            let mut shortages = Vec::new();
            let mut crossing = Vec::new();
            let mut key_contended = false;
            for (i, slot) in txn.slots.iter().enumerate() {
                match (slot, Outcome::reason(&reasons, i)?) {
                    (_, Reason::Passed) => {}
                    (PlaceSlot::Idempotency, Reason::ConditionFailed(Some(old))) => {
                        return Err(PlaceOrderError::IdempotencyKeyTaken(Box::new(
                            read_idempotency(old)?,
                        )));
                    }
                    (PlaceSlot::Idempotency, Reason::ConditionFailed(None))
                    | (PlaceSlot::Idempotency, Reason::Transient) => {
                        key_contended = true;
                    }
                    (PlaceSlot::Line(l), Reason::ConditionFailed(old)) => {
                        let (sku, qty) = &lines[*l];
                        match old.as_ref().map(stock_state).transpose()? {
                            Some((true, available)) if available < i64::from(*qty) => shortages
                                .push(Shortage {
                                    sku: sku.clone(),
                                    requested: *qty,
                                    available,
                                }),
                            // Buyable with enough stock: only the low-stock guard failed.
                            Some((true, _)) => crossing.push(sku.clone()),
                            _ => not_buyable.push(sku.clone()),
                        }
                    }
                    (PlaceSlot::Order, Reason::ConditionFailed(_)) => {
                        return Err(StoreError::internal(Refused(format!(
                            "order {} already exists",
                            order.order_id
                        )))
                        .into());
                    }
                    (_, Reason::Transient) => {}
                    (_, reason) => {
                        return Err(StoreError::internal(Refused(format!(
                            "unexpected cancellation: {reason:?}"
                        )))
                        .into());
                    }
                }
            }
            if key_contended {
                // Someone else is writing this key right now; its record
                // decides the answer, so look again before anything else.
                if let Some(record) = idempotency
                    && let Some(live) = self
                        .get_idempotency(record.customer_id, &record.key, record.created_at)
                        .await?
                {
                    return Err(PlaceOrderError::IdempotencyKeyTaken(Box::new(live)));
                }
                RETRY.backoff(round).await;
                continue;
            }
            if !not_buyable.is_empty() {
                return Err(PlaceOrderError::NotBuyable(not_buyable));
            }
            if !shortages.is_empty() {
                return Err(PlaceOrderError::InsufficientStock(shortages));
            }
            if crossing.is_empty() {
                RETRY.backoff(round).await;
            }
            flag.extend(crossing);
        }
        Err(StoreError::unavailable(GaveUp("place_order kept meeting concurrent changes")).into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CustomerId, OrderId};
    use chrono::Utc;

    #[test]
    fn an_order_stored_by_an_earlier_attempt_is_recognised() {
        let line = |q| crate::domain::OrderLine {
            sku: Sku::parse("A").unwrap(),
            quantity: crate::domain::LineQuantity::new(q).unwrap(),
            unit_price: crate::domain::Price::parse("1").unwrap(),
        };
        let usd = crate::domain::Currency::parse("USD").unwrap();
        let ours = Order::new(
            OrderId::generate(),
            CustomerId::generate(),
            vec![line(1)],
            usd,
            Utc::now(),
        );
        let slots = [PlaceSlot::Line(0), PlaceSlot::Order];
        let stored = |o: &Order| {
            vec![
                Reason::ConditionFailed(None),
                Reason::ConditionFailed(Some(order_item(o).unwrap())),
            ]
        };
        assert!(landed_earlier(&slots, &stored(&ours), &ours).unwrap());
        let mut other = ours.clone();
        other.items = vec![line(2)];
        assert!(!landed_earlier(&slots, &stored(&other), &ours).unwrap());
        assert!(!landed_earlier(&slots, &[Reason::Passed, Reason::Passed], &ours).unwrap());
    }

    #[test]
    fn a_whole_order_fits_up_to_the_transaction_limit() {
        assert_eq!(MAX_TXN_ITEMS - fixed_items(None), 97);
        // A split commit leaves room for the reservation's deletion.
        assert_eq!(MAX_TXN_ITEMS - fixed_items(None) - 1, 96);
    }
}
