//! Shared setup for the DynamoDB tests: a client per test (each
//! `#[tokio::test]` has its own runtime, and an SDK client's connection
//! pool belongs to the runtime that opened it) and a fresh table per call.

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::Client;
use stockroom::store::dynamodb::{self, DynamoStore};

/// A client for the endpoint in `AWS_ENDPOINT_URL_DYNAMODB`, configured
/// exactly as in production (`dynamodb::client`).
pub async fn client() -> Client {
    super::endpoint("AWS_ENDPOINT_URL_DYNAMODB", "dynamodb");
    let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
    dynamodb::client(&sdk)
}

/// A store on a new table of its own.
pub async fn fresh_store(client: Client, prefix: &str) -> DynamoStore {
    let table = format!("{prefix}-{}", uuid::Uuid::new_v4().simple());
    if let Err(e) = dynamodb::create_table(&client, &table).await {
        panic!("could not create table {table}: {e:?}");
    }
    DynamoStore::new(client, table)
}
