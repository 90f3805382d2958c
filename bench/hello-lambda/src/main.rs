//! The cold-start baseline for `scripts/bench-coldstart`: the smallest
//! useful Lambda on the same runtime crate, Tokio runtime and release
//! profile as the Stockroom functions, with no configuration, store or SDK.
//! It echoes its event.

use lambda_runtime::{Error, LambdaEvent, service_fn};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Error> {
    lambda_runtime::run(service_fn(|event: LambdaEvent<Value>| async move {
        Ok::<Value, Error>(event.payload)
    }))
    .await
}
