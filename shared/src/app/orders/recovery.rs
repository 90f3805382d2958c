//! Recovering orders left PENDING: a lost queue send or a crashed processor
//! must not strand an order, so OrderPlaced is published again for every
//! order PENDING longer than the configured age. Processing is idempotent
//! (`super::processing`), so a duplicate message is harmless. The same run
//! settles stock effects a crash left owed (`OrderStore::settle_pending_effects`:
//! a large order's abandoned reservation, releases or sales past one
//! DynamoDB transaction), once they are as old as a stale order.

use std::pin::pin;

use chrono::Duration;
use futures::TryStreamExt;

use crate::app::paging::pages;
use crate::app::{App, AppError};
use crate::messages::OrderPlaced;
use crate::ports::PublishQueue;

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
        if orders.is_empty() {
            continue;
        }
        let bodies: Vec<String> = orders
            .iter()
            .map(|o| OrderPlaced::for_order(o).to_body())
            .collect();
        match app.publish(PublishQueue::Orders, &bodies).await {
            Ok(()) => recovered.republished += bodies.len() as u64,
            Err(e) => {
                recovered.failed += bodies.len() as u64;
                tracing::error!(error = %crate::telemetry::chain(&e), "could not re-publish stale orders");
            }
        }
    }
    Ok(recovered)
}
