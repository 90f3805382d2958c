//! Lambda behind API Gateway: the web console. Serves `GET /` and the
//! assets embedded in this binary; reads no configuration and no store.

use std::convert::Infallible;

use lambda_http::{Error, service_fn};

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_http::run(service_fn(|req: lambda_http::Request| async move {
        Ok::<_, Infallible>(stockroom_console::handle(&req))
    }))
    .await
}
