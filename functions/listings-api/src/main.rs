//! Lambda behind API Gateway: read listings; admin writes and stock adjustments.

use stockroom::http::RouteGroup;
use stockroom::lambda::{LambdaResult, run_http};
use stockroom::wiring::Needs;

#[tokio::main]
async fn main() -> LambdaResult {
    run_http(&[RouteGroup::Listings, RouteGroup::Docs], Needs::NOTHING).await
}
