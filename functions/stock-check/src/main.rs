//! Scheduled Lambda: raises reorders for low-stock listings.

use stockroom::jobs::stock_check;
use stockroom::lambda::{LambdaResult, run_job};
use stockroom::wiring::Needs;

#[tokio::main]
async fn main() -> LambdaResult {
    run_job(
        Needs {
            publisher: true,
            mailer: false,
        },
        stock_check::run,
    )
    .await
}
