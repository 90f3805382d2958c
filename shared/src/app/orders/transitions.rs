//! Moving an order between statuses with the effects each move has
//! (releasing stock, recording sales), retried over concurrent writers.

use std::collections::HashSet;

use crate::app::{App, AppError, Conflict, Resource};
use crate::domain::{Order, OrderId, OrderStatus, Sku};
use crate::ports::{OrderEffects, OrderUpdate, UpdateError};

/// How many times a conditional update is recomputed after a concurrent
/// change before giving up.
pub(super) const MAX_UPDATE_ATTEMPTS: usize = 8;

/// Moves an order to `next` (CANCELLED or FAILED release its stock; to
/// PROCESSING records the day's sales), recomputing from a fresh read when
/// another writer got there first. Returns the order as stored afterwards,
/// or `Ok(None)` when the state machine does not allow the move from the
/// current status (e.g. a duplicate or late message).
pub async fn transition_order(
    app: &App,
    order_id: OrderId,
    next: OrderStatus,
) -> Result<Option<Order>, AppError> {
    transition_order_with(app, order_id, None, next, |_| {}).await
}

/// [`transition_order`], moving the order only while it is in `from` (when
/// given), with `edit` applied to the moved order before it is stored (e.g.
/// the reason an order FAILED), in the same conditional update.
pub(super) async fn transition_order_with(
    app: &App,
    order_id: OrderId,
    from: Option<OrderStatus>,
    next: OrderStatus,
    edit: impl Fn(&mut Order),
) -> Result<Option<Order>, AppError> {
    for _ in 0..MAX_UPDATE_ATTEMPTS {
        let Some(current) = app.store.get_order(order_id).await? else {
            return Err(AppError::NotFound(Resource::Order));
        };
        if from.is_some_and(|from| current.status != from) {
            return Ok(None);
        }
        let now = app.clock.now();
        let Some(mut updated) = current.transitioned(next, now) else {
            return Ok(None);
        };
        edit(&mut updated);
        let effects = effects_of(app, &current, next, now).await?;
        let update = OrderUpdate {
            previous: current,
            next: updated.clone(),
            effects,
        };
        match app.store.update_order(&update).await {
            Ok(()) => {
                let released: Vec<Sku> = update
                    .effects
                    .release
                    .into_iter()
                    .map(|(sku, _)| sku)
                    .collect();
                crate::app::amazon_sync::schedule_skus(app, &released).await;
                return Ok(Some(updated));
            }
            Err(UpdateError::Conflict) => continue,
            Err(UpdateError::NotFound) => return Err(AppError::NotFound(Resource::Order)),
            Err(UpdateError::Store(e)) => return Err(e.into()),
        }
    }
    Err(Conflict::ConcurrentUpdate(Resource::Order).into())
}

/// What a move to `next` does besides changing the status.
pub(crate) async fn effects_of(
    app: &App,
    order: &Order,
    next: OrderStatus,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<OrderEffects, AppError> {
    let mut effects = OrderEffects::default();
    if next.releases_stock() {
        // Stock goes back only to listings that still exist; a deleted
        // listing has nowhere to put it.
        let skus: Vec<Sku> = order.items.iter().map(|l| l.sku.clone()).collect();
        let existing: HashSet<Sku> = app
            .store
            .get_listings(&skus)
            .await?
            .into_iter()
            .map(|l| l.sku)
            .collect();
        effects.release = order
            .items
            .iter()
            .filter(|l| existing.contains(&l.sku))
            .map(|l| (l.sku.clone(), l.quantity.get()))
            .collect();
    }
    if next == OrderStatus::Processing {
        effects.record_sales_on = Some(now.date_naive());
    }
    Ok(effects)
}
