//! Lambda behind API Gateway: place, list, get and cancel orders.

use stockroom::http::RouteGroup;
use stockroom::lambda::{LambdaResult, run_http};
use stockroom::wiring::Needs;

#[tokio::main]
async fn main() -> LambdaResult {
    run_http(
        &[RouteGroup::Orders, RouteGroup::Docs],
        Needs {
            publisher: true,
            mailer: false,
        },
    )
    .await
}
