//! Scheduled Lambda: re-publishes orders left PENDING too long.

use stockroom::jobs::order_recovery;
use stockroom::lambda::{LambdaResult, run_job};
use stockroom::ports::QueueName;
use stockroom::wiring::Needs;

#[tokio::main]
async fn main() -> LambdaResult {
    run_job(
        Needs {
            publishes: &[QueueName::Orders],
            mailer: false,
        },
        order_recovery::run,
    )
    .await
}
