//! Lambda on the listing-status and listing-quantity queues: SP-API listing notifications.

use stockroom::consumers::listing_notifications;
use stockroom::lambda::{LambdaResult, run_sqs};
use stockroom::ports::QueueName;
use stockroom::wiring::Needs;

#[tokio::main]
async fn main() -> LambdaResult {
    run_sqs(
        Needs {
            publishes: &[QueueName::Reorders],
            mailer: false,
        },
        listing_notifications::handle,
    )
    .await
}
