//! Pending stock effects: what a change owes but could not fit in its own
//! transaction.
//!
//! TransactWriteItems takes at most 100 items, and an order may hold 100
//! lines. Stock additions (releases, receipts of a reservation) and daily
//! sales are plain increments: they need no condition to decide anything,
//! so they may land a moment after the change that owes them, as long as
//! they land exactly once. A pending item (`PENDING#<id>`) records them and
//! is written *in the same transaction* as that change, so it exists if and
//! only if the change committed. Applying it is one transaction that makes
//! the additions and deletes the item under `attribute_exists`: whoever
//! applies it (the call that wrote it, right after its commit, or the order
//! recovery job for an item a crash left behind, via [`DynamoStore::settle_pending`])
//! applies it once, and a second applier finds it gone.
//!
//! Placement uses the same item as its reservation: the lines reserved by
//! the first of two transactions are owed back unless the second one (which
//! deletes the item) commits, so an abandoned reservation is released by the
//! same recovery.

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::DynamoStore;
use super::codec::{Item, from_item, n, s, to_item};
use super::error::{GaveUp, RETRY, sdk_error};
use super::expr::{Expr, Update};
use super::items::key;
use super::keys::*;
use super::order_records::{addition_needs_flip, stock_addition};
use super::txn::{MAX_TXN_ITEMS, Outcome, Reason, Txn};
use crate::domain::Sku;
use crate::ports::{StoreError, StoreResult};

/// Effects one pending item may hold: applying it takes one transaction
/// item per effect plus the item's own deletion.
pub(crate) const MAX_PENDING_EFFECTS: usize = MAX_TXN_ITEMS - 1;

/// Rounds of `apply_pending` (an addition past the stock maximum is sent
/// again as a saturating set; a listing deleted meanwhile is skipped).
const APPLY_ROUNDS: u32 = 4;

/// Units of one SKU.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Units {
    pub(crate) sku: Sku,
    pub(crate) units: u32,
}

/// Stock additions and daily sales owed by a committed change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Pending {
    /// Unique per change (e.g. `<order_id>#v<version>`).
    pub(crate) id: String,
    pub(crate) created_at: DateTime<Utc>,
    /// Units given back to listings.
    #[serde(default)]
    pub(crate) additions: Vec<Units>,
    /// Units added to the daily sales of `sales_day`.
    #[serde(default)]
    pub(crate) sales: Vec<Units>,
    #[serde(default)]
    pub(crate) sales_day: Option<NaiveDate>,
}

fn units(lines: &[(Sku, u32)]) -> Vec<Units> {
    lines
        .iter()
        .map(|(sku, units)| Units {
            sku: sku.clone(),
            units: *units,
        })
        .collect()
}

impl Pending {
    pub(crate) fn new(
        id: String,
        created_at: DateTime<Utc>,
        additions: &[(Sku, u32)],
        sales: &[(Sku, u32)],
        sales_day: Option<NaiveDate>,
    ) -> Self {
        Self {
            id,
            created_at,
            additions: units(additions),
            sales: units(sales),
            sales_day,
        }
    }

    fn effects(&self) -> usize {
        self.additions.len() + self.sales.len()
    }

    fn key(&self) -> Item {
        key(pending_pk(&self.id), PENDING_SK)
    }

    fn item(&self) -> StoreResult<Item> {
        let mut item = to_item(self)?;
        item.extend(self.key());
        item.insert(G3PK.into(), s(PENDING_FEED_PK));
        item.insert(
            G3SK.into(),
            s(format!("{}#{}", instant_key(self.created_at), self.id)),
        );
        Ok(item)
    }

    /// Adds the item's creation (`attribute_not_exists`) to a transaction.
    pub(crate) fn put_in<T>(&self, txn: &mut Txn<'_, T>, slot: T) -> StoreResult<()> {
        if self.effects() > MAX_PENDING_EFFECTS {
            return Err(StoreError::internal(super::txn::Refused(format!(
                "{} pending effects exceed {MAX_PENDING_EFFECTS}",
                self.effects()
            ))));
        }
        let mut e = Expr::new();
        let condition = format!("attribute_not_exists({})", e.name(PK));
        txn.put(slot, self.item()?, e, Some(condition))
    }

    /// Adds the item's deletion (`attribute_exists`) to a transaction: the
    /// transaction commits only if nobody applied the item before.
    pub(crate) fn delete_in<T>(&self, txn: &mut Txn<'_, T>, slot: T) -> StoreResult<()> {
        let mut e = Expr::new();
        let condition = format!("attribute_exists({})", e.name(PK));
        txn.delete(slot, self.key(), e, Some(condition))
    }
}

#[derive(Debug, Clone, Copy)]
enum ApplySlot {
    Item,
    Addition(usize),
    Sale,
}

impl DynamoStore {
    fn apply_txn(
        &self,
        pending: &Pending,
        saturate: &HashSet<Sku>,
        missing: &HashSet<Sku>,
    ) -> StoreResult<Txn<'_, ApplySlot>> {
        let mut txn = Txn::new(&self.table);
        pending.delete_in(&mut txn, ApplySlot::Item)?;
        for (i, add) in pending.additions.iter().enumerate() {
            if missing.contains(&add.sku) {
                continue;
            }
            let (k, u, e, condition) = stock_addition(
                &add.sku,
                add.units,
                saturate.contains(&add.sku),
                pending.created_at,
            );
            txn.update(ApplySlot::Addition(i), k, &u, e, Some(condition))?;
        }
        if let Some(day) = pending.sales_day {
            for sale in &pending.sales {
                let mut e = Expr::new();
                let (name, value) = (e.name("units"), e.value(n(sale.units)));
                let u = Update {
                    add: vec![format!("{name} {value}")],
                    ..Update::default()
                };
                txn.update(
                    ApplySlot::Sale,
                    key(sales_pk(&sale.sku), day_key(day)),
                    &u,
                    e,
                    None,
                )?;
            }
        }
        Ok(txn)
    }

    /// Applies a pending item once: its additions (saturating at the stock
    /// maximum; a listing deleted since is skipped, there is no stock left
    /// to give back to) and sales, deleting the item in the same
    /// transaction. `false` when the item was already applied.
    pub(crate) async fn apply_pending(&self, pending: &Pending) -> StoreResult<bool> {
        let mut saturate = HashSet::new();
        let mut missing = HashSet::new();
        for round in 0..APPLY_ROUNDS {
            let txn = self.apply_txn(pending, &saturate, &missing)?;
            let reasons = match self.transact(txn.items).await? {
                Outcome::Committed => return Ok(true),
                Outcome::Cancelled(reasons) => reasons,
            };
            let mut changed = false;
            for (i, slot) in txn.slots.iter().enumerate() {
                match (slot, Outcome::reason(&reasons, i)?) {
                    (ApplySlot::Item, Reason::ConditionFailed(_)) => return Ok(false),
                    (ApplySlot::Addition(a), Reason::ConditionFailed(old)) => {
                        let add = &pending.additions[*a];
                        changed = true;
                        match old {
                            None => {
                                missing.insert(add.sku.clone());
                            }
                            Some(old) if addition_needs_flip(old, add.units)? => {
                                saturate.insert(add.sku.clone());
                            }
                            Some(_) => {
                                saturate.remove(&add.sku);
                            }
                        }
                    }
                    _ => {}
                }
            }
            if !changed {
                RETRY.backoff(round).await;
            }
        }
        Err(StoreError::unavailable(GaveUp(
            "applying pending stock effects kept meeting concurrent changes",
        )))
    }

    /// Applies every pending item created before `before` (left behind by
    /// a crash between a change and its follow-up, or an abandoned
    /// reservation); returns how many this call applied.
    pub(crate) async fn settle_pending(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let mut e = Expr::new();
        let (pk, sk) = (e.name(G3PK), e.name(G3SK));
        let (pv, cut) = (e.value(s(PENDING_FEED_PK)), e.value(s(instant_key(before))));
        let condition = format!("{pk} = {pv} AND {sk} < {cut}");
        let mut applied = 0;
        let mut start = None;
        loop {
            let out = self
                .client
                .query()
                .table_name(self.table.as_ref())
                .index_name(GSI3)
                .key_condition_expression(&condition)
                .set_expression_attribute_names(e.names())
                .set_expression_attribute_values(e.values())
                .set_exclusive_start_key(start)
                .send()
                .await
                .map_err(|err| sdk_error("Query", err))?;
            for item in out.items.unwrap_or_default() {
                let pending: Pending = from_item(&item, "pending effects")?;
                if self.apply_pending(&pending).await? {
                    applied += 1;
                }
            }
            start = out.last_evaluated_key.filter(|k| !k.is_empty());
            if start.is_none() {
                return Ok(applied);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pending_item_round_trips() {
        let sku = Sku::parse("A-1").unwrap();
        let pending = Pending::new(
            "o#v2".into(),
            Utc::now(),
            &[(sku.clone(), 3)],
            &[(sku, 4)],
            NaiveDate::from_ymd_opt(2024, 5, 1),
        );
        let item = pending.item().unwrap();
        assert_eq!(from_item::<Pending>(&item, "pending").unwrap(), pending);
    }
}
