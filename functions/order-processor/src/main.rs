//! Lambda on the orders queue: PENDING -> PROCESSING -> COMPLETED, daily sales, reorders at once.

use stockroom::consumers::order_processor;
use stockroom::lambda::{LambdaResult, run_sqs};
use stockroom::ports::QueueName;
use stockroom::wiring::Needs;

#[tokio::main]
async fn main() -> LambdaResult {
    run_sqs(
        Needs {
            publishes: &[QueueName::Reorders],
            mailer: false,
        },
        order_processor::handle,
    )
    .await
}
