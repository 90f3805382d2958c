//! Lambda behind API Gateway: place, list, get and cancel orders.
//!
//! What it needs is its row of `stockroom::functions`.

use stockroom::functions::ORDERS_API;
use stockroom::lambda::{LambdaResult, run_http};

#[tokio::main]
async fn main() -> LambdaResult {
    run_http(&ORDERS_API).await
}
