//! Lambda behind API Gateway: suppliers, reorders, metrics and analytics (admin).
//!
//! What it needs is its row of `stockroom::functions`.

use stockroom::functions::ADMIN_API;
use stockroom::lambda::{LambdaResult, run_http};

#[tokio::main]
async fn main() -> LambdaResult {
    run_http(&ADMIN_API).await
}
