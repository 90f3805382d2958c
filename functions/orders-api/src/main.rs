//! Lambda behind API Gateway: place, list, get and cancel orders.

use stockroom::http::RouteGroup;
use stockroom::lambda::{LambdaResult, run_http};
use stockroom::ports::QueueName;
use stockroom::wiring::Needs;

#[tokio::main]
async fn main() -> LambdaResult {
    run_http(
        &[RouteGroup::Orders, RouteGroup::Docs],
        Needs {
            publishes: &[QueueName::Orders],
            mailer: false,
        },
    )
    .await
}
