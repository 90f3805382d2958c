//! Lambda on the fulfillment-status queue: SP-API FULFILLMENT_ORDER_STATUS for MCF orders.
//!
//! What it needs is its row of `stockroom::functions`.

use stockroom::consumers::fulfillment_notifications;
use stockroom::functions::FULFILLMENT_NOTIFICATIONS;
use stockroom::lambda::{LambdaResult, run_sqs};

#[tokio::main]
async fn main() -> LambdaResult {
    run_sqs(
        &FULFILLMENT_NOTIFICATIONS,
        fulfillment_notifications::handle,
    )
    .await
}
