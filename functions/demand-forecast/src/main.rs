//! Scheduled Lambda: daily demand forecasts, reorder points, and reorders for projected stockouts.

use stockroom::jobs::demand_forecast;
use stockroom::lambda::{LambdaResult, run_job};
use stockroom::ports::QueueName;
use stockroom::wiring::Needs;

#[tokio::main]
async fn main() -> LambdaResult {
    run_job(
        Needs {
            publishes: &[QueueName::Reorders],
            mailer: false,
        },
        demand_forecast::run,
    )
    .await
}
