//! Lambda behind API Gateway: register customers and issue bearer tokens.

use stockroom::http::RouteGroup;
use stockroom::lambda::{LambdaResult, run_http};
use stockroom::wiring::Needs;

#[tokio::main]
async fn main() -> LambdaResult {
    run_http(&[RouteGroup::Auth, RouteGroup::Docs], Needs::NOTHING).await
}
