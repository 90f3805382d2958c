//! Lambda on the amazon-sync queue: pushes merchant-fulfilled listings' stock and price to Amazon (patchListingsItem), once per SKU per batch.
//!
//! What it needs is its row of `stockroom::functions`.

use stockroom::consumers::amazon_sync;
use stockroom::functions::AMAZON_SYNC;
use stockroom::lambda::{LambdaResult, run_sqs};

#[tokio::main]
async fn main() -> LambdaResult {
    run_sqs(&AMAZON_SYNC, amazon_sync::handle).await
}
