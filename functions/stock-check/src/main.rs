//! Scheduled Lambda: raises reorders for low-stock listings.
//!
//! What it needs is its row of `stockroom::functions`.

use stockroom::functions::STOCK_CHECK;
use stockroom::jobs::stock_check;
use stockroom::lambda::{LambdaResult, run_job};

#[tokio::main]
async fn main() -> LambdaResult {
    run_job(&STOCK_CHECK, stock_check::run).await
}
