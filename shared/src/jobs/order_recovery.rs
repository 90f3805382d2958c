//! `order-recovery`: re-publishes OrderPlaced for orders left PENDING longer
//! than the configured age (a lost queue send, a crashed processor). The
//! processor is idempotent, so a duplicate message is harmless.

use chrono::Duration;

use super::JobSummary;
use crate::app::{App, AppError};
use crate::messages::OrderPlaced;
use crate::ports::{PageRequest, PublishQueue};

pub async fn run(app: &App) -> Result<JobSummary, AppError> {
    let mut summary = JobSummary {
        job: "order-recovery",
        ..JobSummary::default()
    };
    let age = Duration::from_std(app.settings.order_recovery_age).unwrap_or(Duration::minutes(5));
    let cutoff = app.clock.now() - age;
    let mut cursor = None;
    loop {
        let page = app
            .store
            .stale_pending_orders(cutoff, &PageRequest::after(100, cursor))
            .await?;
        summary.examined += page.items.len() as u64;
        let bodies: Vec<String> = page
            .items
            .iter()
            .map(|o| OrderPlaced::for_order(o).to_body())
            .collect();
        if !bodies.is_empty() {
            match app.publish(PublishQueue::Orders, &bodies).await {
                Ok(()) => summary.acted += bodies.len() as u64,
                Err(e) => {
                    summary.failed += bodies.len() as u64;
                    tracing::error!(error = %crate::telemetry::chain(&e), "could not re-publish stale orders");
                }
            }
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    if summary.examined > 0 {
        tracing::warn!(
            ?summary,
            "orders were left pending and have been re-published"
        );
    }
    Ok(summary)
}
