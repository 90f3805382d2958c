//! `stock-check`: raises a reorder for every low-stock listing that has no
//! open one, and re-publishes reorders left QUEUED
//! (`app::procurement::check_stock`).

use super::JobSummary;
use crate::app::procurement::{StockChecked, check_stock};
use crate::app::{App, AppError};

pub async fn run(app: &App) -> Result<JobSummary, AppError> {
    let StockChecked {
        low,
        raised,
        failed,
        republished,
    } = check_stock(app).await?;
    let summary = JobSummary {
        job: "stock-check",
        examined: low,
        acted: raised,
        failed,
    };
    tracing::info!(?summary, republished, "stock check done");
    Ok(summary)
}
