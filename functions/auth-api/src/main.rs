//! Lambda behind API Gateway: register customers and issue bearer tokens.
//!
//! What it needs is its row of `stockroom::functions`.

use stockroom::functions::AUTH_API;
use stockroom::lambda::{LambdaResult, run_http};

#[tokio::main]
async fn main() -> LambdaResult {
    run_http(&AUTH_API).await
}
