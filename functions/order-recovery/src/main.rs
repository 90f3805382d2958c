//! Scheduled Lambda: re-publishes orders left PENDING too long.
//!
//! What it needs is its row of `stockroom::functions`.

use stockroom::functions::ORDER_RECOVERY;
use stockroom::jobs::order_recovery;
use stockroom::lambda::{LambdaResult, run_job};

#[tokio::main]
async fn main() -> LambdaResult {
    run_job(&ORDER_RECOVERY, order_recovery::run).await
}
