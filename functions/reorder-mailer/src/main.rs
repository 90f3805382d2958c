//! Lambda on the reorders queue: emails suppliers their reorder requests through SES v2, once each.

use stockroom::consumers::reorder_mailer;
use stockroom::lambda::{LambdaResult, run_sqs};
use stockroom::wiring::Needs;

#[tokio::main]
async fn main() -> LambdaResult {
    run_sqs(
        Needs {
            publishes: &[],
            mailer: true,
        },
        reorder_mailer::handle,
    )
    .await
}
