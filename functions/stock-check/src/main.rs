//! Scheduled Lambda: raises reorders for low-stock listings.

use stockroom::jobs::stock_check;
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
        stock_check::run,
    )
    .await
}
