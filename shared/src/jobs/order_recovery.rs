//! `order-recovery`: re-publishes OrderPlaced for orders left PENDING longer
//! than the configured age (`app::orders::recover_stale_orders`).

use super::JobSummary;
use crate::app::orders::{Recovered, recover_stale_orders};
use crate::app::{App, AppError};

pub async fn run(app: &App) -> Result<JobSummary, AppError> {
    let Recovered {
        stale,
        republished,
        failed,
    } = recover_stale_orders(app).await?;
    let summary = JobSummary {
        job: "order-recovery",
        examined: stale,
        acted: republished,
        failed,
    };
    if summary.examined > 0 {
        // Each is a lost send or a crashed processor worth looking into.
        tracing::warn!(
            ?summary,
            "orders were left pending and have been re-published"
        );
    }
    Ok(summary)
}
