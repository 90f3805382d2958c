//! Recovering stranded orders: a lost queue send or a crashed processor
//! must not strand an order, so OrderPlaced is published again for
//!
//! - every order PENDING longer than the recovery age (its message was
//!   lost, or every delivery of it failed before the order moved);
//! - every order PROCESSING longer than the processing age whose work is
//!   still ours to do: in self mode any of them (completion is a
//!   conditional transition), in MCF mode those not yet recorded as held by
//!   Amazon (`fulfillment_submitted_at` unset: the submission looks Amazon
//!   up before it creates anything). Such an order had its message moved to
//!   the dead-letter queue after the processor died between the two
//!   transitions on every delivery; nothing else would ever look at it.
//!
//! PROCESSING orders are found through the order list by status (newest
//! first, so every page is read): in self mode an order is PROCESSING for
//! moments, in MCF mode until Amazon ships it, so a run reads as many
//! orders as Amazon has in hand.
//!
//! Each is published under the correlation id of the request that placed
//! it, so that its whole life is found by one query. Processing is
//! idempotent (`super::processing`), so a duplicate message is harmless. The processing age is longer than the queue's own
//! redelivery (receives before the dead-letter queue times the visibility
//! timeout), so recovery does not race orders the queue is still retrying.
//!
//! The same run settles stock effects a crash left owed
//! (`OrderStore::settle_pending_effects`: a large order's abandoned
//! reservation, releases or sales past one DynamoDB transaction), once they
//! are as old as a stale order.

use std::collections::BTreeMap;
use std::pin::pin;

use chrono::{DateTime, Duration, Utc};
use futures::TryStreamExt;

use crate::app::paging::pages;
use crate::app::{App, AppError};
use crate::config::FulfillmentMode;
use crate::domain::{Order, OrderStatus};
use crate::messages::OrderPlaced;
use crate::ports::{OrderFilter, PublishQueue};
use crate::telemetry::{self, Narrowing};

/// What a recovery run found and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Orders PENDING for longer than the recovery age.
    pub stale: u64,
    /// Orders PROCESSING for longer than the processing age whose
    /// processing is not finished.
    pub stuck: u64,
    /// Of those, the ones whose OrderPlaced was published again.
    pub republished: u64,
    /// Of those, the ones the queue refused; the next run tries again.
    pub failed: u64,
}

/// Re-publishes OrderPlaced for every order left PENDING or PROCESSING too
/// long. A queue that refuses a page is logged and counted, not fatal: the
/// orders stay where they are and the next run finds them again. A store
/// failure ends the run.
pub async fn recover_stale_orders(app: &App) -> Result<Recovered, AppError> {
    let now = app.clock.now();
    let cutoff = now - age(app.settings.order_recovery_age, 5);
    let settled = app.store.settle_pending_effects(cutoff).await?;
    if settled > 0 {
        tracing::warn!(settled, "owed stock effects were settled");
    }
    let mut recovered = Recovered::default();
    let mut stale = pin!(pages(|page| async move {
        app.store.stale_pending_orders(cutoff, &page).await
    }));
    while let Some(orders) = stale.try_next().await? {
        recovered.stale += orders.len() as u64;
        republish(app, &orders, &mut recovered).await;
    }

    let started_before = now - age(app.settings.order_processing_recovery_age, 30);
    let processing = OrderFilter {
        customer_id: None,
        status: Some(OrderStatus::Processing),
    };
    let filter = &processing;
    let mut listed = pin!(pages(|page| async move {
        app.store.list_orders(filter, &page).await
    }));
    while let Some(orders) = listed.try_next().await? {
        let stuck: Vec<Order> = orders
            .into_iter()
            .filter(|o| is_stuck(o, app.settings.fulfillment_mode, started_before))
            .collect();
        recovered.stuck += stuck.len() as u64;
        republish(app, &stuck, &mut recovered).await;
    }
    Ok(recovered)
}

fn age(setting: std::time::Duration, default_minutes: i64) -> Duration {
    Duration::from_std(setting).unwrap_or(Duration::minutes(default_minutes))
}

/// Whether a PROCESSING order has waited past `started_before` for work
/// this deployment still owes it. An MCF order Amazon holds waits for
/// Amazon's notifications instead, for as long as shipping takes.
fn is_stuck(order: &Order, mode: FulfillmentMode, started_before: DateTime<Utc>) -> bool {
    let started = order.processing_started_at.unwrap_or(order.updated_at);
    order.status == OrderStatus::Processing
        && started < started_before
        && match mode {
            FulfillmentMode::SelfFulfilled => true,
            FulfillmentMode::Mcf => order.fulfillment_submitted_at.is_none(),
        }
}

/// Publishes OrderPlaced again for `orders`, each under the correlation id
/// of the request that placed it (so the processor's lines for it, and
/// this run's, join the order's trail), in one batch per correlation id;
/// orders stored without one go out under the run's own. Counts what was
/// published and what the queue refused (logged).
async fn republish(app: &App, orders: &[Order], recovered: &mut Recovered) {
    let mut by_correlation: BTreeMap<Option<&str>, Vec<&Order>> = BTreeMap::new();
    for order in orders {
        by_correlation
            .entry(order.correlation_id.as_deref())
            .or_default()
            .push(order);
    }
    for (correlation_id, orders) in by_correlation {
        let narrowing = Narrowing {
            correlation_id: correlation_id.map(str::to_owned),
            ..Narrowing::default()
        };
        let bodies: Vec<String> = orders
            .iter()
            .map(|o| OrderPlaced::for_order(o).to_body())
            .collect();
        let published = telemetry::narrow(narrowing, async {
            let published = app.publish(PublishQueue::Orders, &bodies).await;
            for order in &orders {
                match &published {
                    Ok(()) => tracing::info!(order_id = %order.order_id, "stranded order re-published"),
                    Err(e) => tracing::error!(order_id = %order.order_id, error = %telemetry::chain(e), "could not re-publish stranded order"),
                }
            }
            published.is_ok()
        })
        .await;
        if published {
            recovered.republished += bodies.len() as u64;
        } else {
            recovered.failed += bodies.len() as u64;
        }
    }
}

#[cfg(test)]
#[path = "recovery_tests.rs"]
mod tests;
