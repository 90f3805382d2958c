//! `demand-forecast`: once a day, forecasts every listing's demand, moves
//! reorder points and raises reorders for projected stockouts
//! (`app::forecasts::run_forecasts`).

use super::JobSummary;
use crate::app::forecasts::{ForecastRun, run_forecasts};
use crate::app::{App, AppError};

pub async fn run(app: &App) -> Result<JobSummary, AppError> {
    let ForecastRun {
        listings,
        reordered,
        failed,
        worst_mase,
        worst_coverage,
    } = run_forecasts(app).await?;
    let summary = JobSummary {
        job: "demand-forecast",
        examined: listings,
        acted: reordered,
        failed,
    };
    tracing::info!(?summary, %worst_mase, %worst_coverage, "demand forecast done");
    Ok(summary)
}
