//! `stock-check`: raises a reorder for every low-stock listing that has no
//! open one, and re-publishes reorders left QUEUED (a lost publish must not
//! leave a reorder unsent; the mailer sends each reorder once).

use chrono::Duration;

use super::JobSummary;
use crate::app::reorders::{self, Raised};
use crate::app::{App, AppError};
use crate::domain::ReorderStatus;
use crate::ports::PageRequest;

/// QUEUED reorders older than this are published again.
const REPUBLISH_AFTER: Duration = Duration::minutes(2);

pub async fn run(app: &App) -> Result<JobSummary, AppError> {
    let mut summary = JobSummary {
        job: "stock-check",
        ..JobSummary::default()
    };
    let mut cursor = None;
    loop {
        let page = app
            .store
            .low_stock_listings(&PageRequest::after(100, cursor))
            .await?;
        for listing in &page.items {
            summary.examined += 1;
            match reorders::check_listing(app, listing).await {
                Ok(Raised::Created(_)) => summary.acted += 1,
                Ok(_) => {}
                Err(e) if e.is_transient() => return Err(e),
                Err(e) => {
                    summary.failed += 1;
                    tracing::error!(sku = %listing.sku, error = %crate::telemetry::chain(&e), "reorder not raised");
                }
            }
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            break;
        }
    }
    republish_queued(app).await?;
    tracing::info!(?summary, "stock check done");
    Ok(summary)
}

async fn republish_queued(app: &App) -> Result<(), AppError> {
    let cutoff = app.clock.now() - REPUBLISH_AFTER;
    let mut cursor = None;
    loop {
        let page = app
            .store
            .list_reorders(
                Some(ReorderStatus::Queued),
                &PageRequest::after(100, cursor),
            )
            .await?;
        let stale: Vec<_> = page
            .items
            .iter()
            .filter(|r| r.updated_at < cutoff)
            .map(|r| r.reorder_id)
            .collect();
        if !stale.is_empty() {
            tracing::info!(count = stale.len(), "re-publishing reorders left queued");
            reorders::publish(app, &stale).await;
        }
        cursor = page.next_cursor;
        if cursor.is_none() {
            return Ok(());
        }
    }
}
