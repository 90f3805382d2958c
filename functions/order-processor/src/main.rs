//! Lambda on the orders queue: PENDING -> PROCESSING -> COMPLETED, daily sales, reorders at once.
//!
//! What it needs is its row of `stockroom::functions`.

use stockroom::consumers::order_processor;
use stockroom::functions::ORDER_PROCESSOR;
use stockroom::lambda::{LambdaResult, run_sqs};

#[tokio::main]
async fn main() -> LambdaResult {
    run_sqs(&ORDER_PROCESSOR, order_processor::handle).await
}
