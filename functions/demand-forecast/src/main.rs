//! Scheduled Lambda: daily demand forecasts, reorder points, and reorders for projected stockouts.
//!
//! What it needs is its row of `stockroom::functions`.

use stockroom::functions::DEMAND_FORECAST;
use stockroom::jobs::demand_forecast;
use stockroom::lambda::{LambdaResult, run_job};

#[tokio::main]
async fn main() -> LambdaResult {
    run_job(&DEMAND_FORECAST, demand_forecast::run).await
}
