//! Lambda on the fulfillment-status queue: SP-API FULFILLMENT_ORDER_STATUS for MCF orders.

use stockroom::consumers::fulfillment_notifications;
use stockroom::lambda::{LambdaResult, run_sqs};
use stockroom::wiring::Needs;

#[tokio::main]
async fn main() -> LambdaResult {
    run_sqs(Needs::NOTHING, fulfillment_notifications::handle).await
}
