//! `update_order`: the order on its version and its effects (stock
//! releases, daily sales, counter deltas), in one transaction. When the
//! effects of a large order do not fit in its 100 items, the ones left over
//! go into a pending item written in that same transaction and applied
//! right after (`pending`): they are plain increments, exactly once.

use std::collections::HashSet;

use super::DynamoStore;
use super::codec::n;
use super::error::{GaveUp, RETRY};
use super::expr::{Expr, Update};
use super::items::key;
use super::keys::*;
use super::order_records::{
    addition_needs_flip, counter_deltas, counters_update, merge_lines, order_item,
    random_stats_shard, stock_addition,
};
use super::pending::Pending;
use super::txn::{MAX_TXN_ITEMS, Outcome, Reason, Refused, Txn};
use crate::domain::Sku;
use crate::ports::{OrderUpdate, StoreError, StoreResult, UpdateError};

/// Rounds of `update_order` / `update_reorder` (a release that would pass
/// the stock maximum is retried as a saturating set).
const UPDATE_ROUNDS: u32 = 4;

#[derive(Debug, Clone, Copy)]
enum UpdateSlot {
    Order,
    Release(usize),
    Other,
}

/// An update's effects split between its transaction and a pending item.
#[derive(Debug)]
struct Effects {
    releases: Vec<(Sku, u32)>,
    sales: Vec<(Sku, u32)>,
    pending: Option<Pending>,
}

/// Splits the releases and sales of `update` so that its transaction holds
/// at most `MAX_TXN_ITEMS` items (the order, the counters if any, and the
/// pending item if needed); releases stay in the transaction first, as a
/// missing listing must refuse the update.
fn split_effects(update: &OrderUpdate) -> Effects {
    let next = &update.next;
    let mut releases = merge_lines(update.effects.release.iter().cloned());
    let mut sales = match update.effects.record_sales_on {
        Some(_) => merge_lines(next.items.iter().map(|l| (l.sku.clone(), l.quantity.get()))),
        None => Vec::new(),
    };
    let counters = usize::from(!counter_deltas(&update.previous, next).is_empty());
    let room = MAX_TXN_ITEMS - 1 - counters;
    if releases.len() + sales.len() <= room {
        return Effects {
            releases,
            sales,
            pending: None,
        };
    }
    let room = room - 1;
    let deferred_releases = releases.split_off(releases.len().min(room));
    let deferred_sales = sales.split_off(sales.len().min(room - releases.len()));
    let pending = Pending::new(
        format!("{}#v{}", next.order_id, next.version),
        next.updated_at,
        &deferred_releases,
        &deferred_sales,
        update.effects.record_sales_on,
    );
    Effects {
        releases,
        sales,
        pending: Some(pending),
    }
}

impl DynamoStore {
    fn update_txn(
        &self,
        update: &OrderUpdate,
        effects: &Effects,
        saturate: &HashSet<Sku>,
    ) -> StoreResult<Txn<'_, UpdateSlot>> {
        let releases = &effects.releases;
        let (previous, next) = (&update.previous, &update.next);
        let mut txn = Txn::new(&self.table);
        let mut e = Expr::new();
        let (pk, version, prev) = (e.name(PK), e.name(VERSION), e.value(n(previous.version)));
        let condition = format!("attribute_exists({pk}) AND {version} = {prev}");
        txn.put(UpdateSlot::Order, order_item(next)?, e, Some(condition))?;
        for (i, (sku, units)) in releases.iter().enumerate() {
            let (k, u, e, condition) =
                stock_addition(sku, *units, saturate.contains(sku), next.updated_at);
            txn.update(UpdateSlot::Release(i), k, &u, e, Some(condition))?;
        }
        if let Some(day) = update.effects.record_sales_on {
            for (sku, units) in &effects.sales {
                let mut e = Expr::new();
                let (name, value) = (e.name("units"), e.value(n(units)));
                let u = Update {
                    add: vec![format!("{name} {value}")],
                    ..Update::default()
                };
                txn.update(
                    UpdateSlot::Other,
                    key(sales_pk(sku), day_key(day)),
                    &u,
                    e,
                    None,
                )?;
            }
        }
        if let Some(pending) = &effects.pending {
            pending.put_in(&mut txn, UpdateSlot::Other)?;
        }
        let deltas = counter_deltas(previous, next);
        if !deltas.is_empty() {
            let (u, e) = counters_update(&deltas);
            txn.update(
                UpdateSlot::Other,
                key(stats_pk(random_stats_shard()), STATS_TOTALS_SK),
                &u,
                e,
                None,
            )?;
        }
        Ok(txn)
    }

    pub(crate) async fn update(&self, update: &OrderUpdate) -> Result<(), UpdateError> {
        if update.previous.order_id != update.next.order_id {
            return Err(StoreError::internal(Refused(
                "an order update must keep the order id".into(),
            ))
            .into());
        }
        let effects = split_effects(update);
        let releases = &effects.releases;
        let mut saturate = HashSet::new();
        for round in 0..UPDATE_ROUNDS {
            let txn = self.update_txn(update, &effects, &saturate)?;
            let reasons = match self.transact(txn.items).await? {
                Outcome::Committed => {
                    if let Some(pending) = &effects.pending
                        && let Err(e) = self.apply_pending(pending).await
                    {
                        // The update stands; the order recovery job
                        // applies what is still owed.
                        tracing::warn!(
                            error = %crate::telemetry::chain(&e),
                            "pending stock effects left for the recovery"
                        );
                    }
                    return Ok(());
                }
                Outcome::Cancelled(reasons) => reasons,
            };
            let mut flipped = false;
            for (i, slot) in txn.slots.iter().enumerate() {
                match (slot, Outcome::reason(&reasons, i)?) {
                    (UpdateSlot::Order, Reason::ConditionFailed(None)) => {
                        return Err(UpdateError::NotFound);
                    }
                    (UpdateSlot::Order, Reason::ConditionFailed(Some(_))) => {
                        return Err(UpdateError::Conflict);
                    }
                    _ => {}
                }
            }
            for (i, slot) in txn.slots.iter().enumerate() {
                if let (UpdateSlot::Release(r), Reason::ConditionFailed(old)) =
                    (slot, Outcome::reason(&reasons, i)?)
                {
                    let (sku, units) = &releases[*r];
                    let Some(old) = old else {
                        // The port: a release names a listing that must still exist.
                        return Err(UpdateError::Conflict);
                    };
                    let wants_saturate = addition_needs_flip(old, *units)?;
                    if wants_saturate != saturate.contains(sku) {
                        flipped = true;
                        if wants_saturate {
                            saturate.insert(sku.clone());
                        } else {
                            saturate.remove(sku);
                        }
                    }
                }
            }
            if !flipped {
                RETRY.backoff(round).await;
            }
        }
        Err(StoreError::unavailable(GaveUp("update_order kept meeting concurrent changes")).into())
    }
}
