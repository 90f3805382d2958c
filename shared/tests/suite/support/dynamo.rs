//! Shared setup for the DynamoDB tests: a client per test (each
//! `#[tokio::test]` has its own runtime, and an SDK client's connection
//! pool belongs to the runtime that opened it) and a fresh table per call.

use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;
use stockroom::store::dynamodb::{self, DynamoStore};

/// A client for the endpoint in `AWS_ENDPOINT_URL_DYNAMODB`, configured as
/// in production (`dynamodb::configure`: retries and timeouts) except for
/// the time one call may take. moto answers one request at a time for
/// every test running in parallel, so a 100-item transaction can wait
/// behind the others' calls for longer than production's budget on a busy
/// machine; what these tests check is the store's behaviour, not moto's
/// speed.
pub async fn client() -> Client {
    super::endpoint("AWS_ENDPOINT_URL_DYNAMODB", "dynamodb");
    let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let conf = dynamodb::configure(aws_sdk_dynamodb::config::Builder::from(&sdk))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(dynamodb::CONNECT_TIMEOUT)
                .operation_attempt_timeout(Duration::from_secs(30))
                .operation_timeout(Duration::from_secs(90))
                .build(),
        )
        .build();
    Client::from_conf(conf)
}

/// A store on a new table of its own.
pub async fn fresh_store(client: Client, prefix: &str) -> DynamoStore {
    let table = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
    if let Err(e) = dynamodb::create_table(&client, &table).await {
        panic!("could not create table {table}: {e:?}");
    }
    DynamoStore::new(client, table)
}
