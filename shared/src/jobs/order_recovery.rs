//! `order-recovery`: re-publishes OrderPlaced for orders left PENDING longer
//! than the configured age, and for orders left PROCESSING with their
//! processing unfinished longer than the processing age
//! (`app::orders::recover_stale_orders`), counted as `OrdersRecovered`.

use super::JobSummary;
use crate::app::orders::{Recovered, recover_stale_orders};
use crate::app::{App, AppError};
use crate::metrics::{self, Metric};

pub async fn run(app: &App) -> Result<JobSummary, AppError> {
    let Recovered {
        stale,
        stuck,
        republished,
        failed,
    } = recover_stale_orders(app).await?;
    metrics::count(Metric::OrdersRecovered, republished);
    let summary = JobSummary {
        job: "order-recovery",
        examined: stale + stuck,
        acted: republished,
        failed,
    };
    if summary.examined > 0 {
        // Each is a lost send or a crashed processor worth looking into.
        tracing::warn!(
            ?summary,
            "orders were left pending or processing and have been re-published"
        );
    }
    Ok(summary)
}
