//! Recovering orders left PENDING: a lost queue send or a crashed processor
//! must not strand an order, so OrderPlaced is published again for every
//! order PENDING longer than the configured age, under the correlation id
//! of the request that placed it. Processing is idempotent
//! (`super::processing`), so a duplicate message is harmless. The same run
//! settles stock effects a crash left owed (`OrderStore::settle_pending_effects`:
//! a large order's abandoned reservation, releases or sales past one
//! DynamoDB transaction), once they are as old as a stale order.

use std::collections::BTreeMap;
use std::pin::pin;

use chrono::Duration;
use futures::TryStreamExt;

use crate::app::paging::pages;
use crate::app::{App, AppError};
use crate::domain::Order;
use crate::messages::OrderPlaced;
use crate::ports::PublishQueue;
use crate::telemetry::{self, Narrowing};

/// What a recovery run found and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recovered {
    /// Orders PENDING for longer than the recovery age.
    pub stale: u64,
    /// Of those, the ones whose OrderPlaced was published again.
    pub republished: u64,
    /// Of those, the ones the queue refused; the next run tries again.
    pub failed: u64,
}

/// Re-publishes OrderPlaced for every order left PENDING too long. A queue
/// that refuses a page is logged and counted, not fatal: the orders stay
/// PENDING and the next run finds them again. A store failure ends the run.
pub async fn recover_stale_orders(app: &App) -> Result<Recovered, AppError> {
    let age = Duration::from_std(app.settings.order_recovery_age).unwrap_or(Duration::minutes(5));
    let cutoff = app.clock.now() - age;
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
        let (republished, failed) = republish(app, &orders).await;
        recovered.republished += republished;
        recovered.failed += failed;
    }
    Ok(recovered)
}

/// Publishes OrderPlaced again for `orders`, each under the correlation id
/// of the request that placed it (so the processor's lines for it, and
/// this run's, join the order's trail), in one batch per correlation id;
/// orders stored without one go out under the run's own. Returns how many
/// were published and how many the queue refused (logged).
async fn republish(app: &App, orders: &[Order]) -> (u64, u64) {
    let mut by_correlation: BTreeMap<Option<&str>, Vec<&Order>> = BTreeMap::new();
    for order in orders {
        by_correlation
            .entry(order.correlation_id.as_deref())
            .or_default()
            .push(order);
    }
    let (mut republished, mut failed) = (0, 0);
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
                    Ok(()) => tracing::info!(order_id = %order.order_id, "stale order re-published"),
                    Err(e) => tracing::error!(order_id = %order.order_id, error = %telemetry::chain(e), "could not re-publish stale order"),
                }
            }
            published.is_ok()
        })
        .await;
        if published {
            republished += bodies.len() as u64;
        } else {
            failed += bodies.len() as u64;
        }
    }
    (republished, failed)
}
