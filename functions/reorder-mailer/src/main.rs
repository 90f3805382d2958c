//! Lambda on the reorders queue: emails suppliers their reorder requests through SES v2, once each.
//!
//! What it needs is its row of `stockroom::functions`.

use stockroom::consumers::reorder_mailer;
use stockroom::functions::REORDER_MAILER;
use stockroom::lambda::{LambdaResult, run_sqs};

#[tokio::main]
async fn main() -> LambdaResult {
    run_sqs(&REORDER_MAILER, reorder_mailer::handle).await
}
