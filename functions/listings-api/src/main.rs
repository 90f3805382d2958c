//! Lambda behind API Gateway: read listings; admin writes and stock adjustments.
//!
//! What it needs is its row of `stockroom::functions`.

use stockroom::functions::LISTINGS_API;
use stockroom::lambda::{LambdaResult, run_http};

#[tokio::main]
async fn main() -> LambdaResult {
    run_http(&LISTINGS_API).await
}
