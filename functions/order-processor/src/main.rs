//! Lambda on the orders queue: PENDING -> PROCESSING -> COMPLETED, daily sales, reorders at once.

use stockroom::consumers::order_processor;
use stockroom::lambda::{LambdaResult, run_sqs};
use stockroom::wiring::Needs;

#[tokio::main]
async fn main() -> LambdaResult {
    run_sqs(
        Needs {
            publisher: true,
            mailer: false,
        },
        order_processor::handle,
    )
    .await
}
