//! Lambda behind API Gateway: suppliers, reorders, metrics and analytics (admin).

use stockroom::http::RouteGroup;
use stockroom::lambda::{LambdaResult, run_http};
use stockroom::ports::QueueName;
use stockroom::wiring::Needs;

#[tokio::main]
async fn main() -> LambdaResult {
    // Approving a reorder publishes it for the mailer.
    run_http(
        &[RouteGroup::Admin, RouteGroup::Docs],
        Needs {
            publishes: &[QueueName::Reorders],
            mailer: false,
        },
    )
    .await
}
