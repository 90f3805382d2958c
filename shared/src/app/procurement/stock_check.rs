//! The stock check: a reorder for every low-stock listing that has no open
//! one; then the mail claims whose lease lapsed are taken back, and the
//! reorders whose publish was lost are published again.
//!
//! Orders and notifications raise reorders as stock falls; this sweep
//! catches what they could not (a listing whose reorder point was raised,
//! a supplier added later, a failed raise).

use std::pin::pin;

use futures::TryStreamExt;

use super::reorders::{self, Raised};
use crate::app::paging::pages;
use crate::app::{App, AppError};

/// What a stock check found and did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StockChecked {
    /// Listings at or below their reorder point.
    pub low: u64,
    /// Of those, the ones a new reorder was raised for.
    pub raised: u64,
    /// Of those, the ones whose reorder could not be raised; the next run
    /// tries again.
    pub failed: u64,
    /// QUEUED reorders published again.
    pub republished: u64,
    /// SENDING reorders whose lease lapsed, queued and published again.
    pub reclaimed: u64,
    /// SENDING reorders whose lease lapsed on their last attempt: MAIL_FAILED.
    pub mail_failed: u64,
}

/// Raises the missing reorders, reclaims lapsed mail claims (before the
/// raise, so that a reorder failed for good frees its SKU in the same run)
/// and re-publishes the stale QUEUED ones. A
/// listing that cannot be reordered is logged and counted; an outage ends
/// the run with an error, since every other listing would fail the same way.
pub async fn check_stock(app: &App) -> Result<StockChecked, AppError> {
    let mut checked = StockChecked::default();
    let reclaimed = reorders::reclaim_lapsed(app).await?;
    checked.reclaimed = reclaimed.requeued;
    checked.mail_failed = reclaimed.failed;
    let mut low = pin!(pages(|page| async move {
        app.store.low_stock_listings(&page).await
    }));
    while let Some(listings) = low.try_next().await? {
        for listing in &listings {
            checked.low += 1;
            match reorders::check_listing(app, listing).await {
                Ok(Raised::Created(_)) => checked.raised += 1,
                Ok(Raised::AlreadyOpen(_) | Raised::Skipped(_)) => {}
                Err(e) if e.is_transient() => return Err(e),
                Err(e) => {
                    checked.failed += 1;
                    tracing::error!(sku = %listing.sku, error = %crate::telemetry::chain(&e), "reorder not raised");
                }
            }
        }
    }
    checked.republished = reorders::republish_queued(app).await?;
    Ok(checked)
}
