//! `stock-check`: raises a reorder for every low-stock listing that has no
//! open one, takes back reorder mail claims whose lease lapsed, and
//! re-publishes reorders left QUEUED (`app::procurement::check_stock`).

use super::JobSummary;
use crate::app::procurement::{StockChecked, check_stock};
use crate::app::{App, AppError};

pub async fn run(app: &App) -> Result<JobSummary, AppError> {
    let StockChecked {
        low,
        raised,
        failed,
        republished,
        reclaimed,
        mail_failed,
    } = check_stock(app).await?;
    let summary = JobSummary {
        job: "stock-check",
        examined: low,
        acted: raised,
        failed,
    };
    tracing::info!(
        ?summary,
        republished,
        reclaimed,
        mail_failed,
        "stock check done"
    );
    Ok(summary)
}
