//! Lambda on the listing-status and listing-quantity queues: SP-API listing notifications.
//!
//! What it needs is its row of `stockroom::functions`.

use stockroom::consumers::listing_notifications;
use stockroom::functions::LISTING_NOTIFICATIONS;
use stockroom::lambda::{LambdaResult, run_sqs};

#[tokio::main]
async fn main() -> LambdaResult {
    run_sqs(&LISTING_NOTIFICATIONS, listing_notifications::handle).await
}
