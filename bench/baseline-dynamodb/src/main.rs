//! The first-response baseline for `scripts/bench-coldstart`: the function a
//! competent engineer would write for `GET /orders/{id}` with nothing but
//! `lambda_http`, `aws-config` and `aws-sdk-dynamodb` (the workspace's
//! versions and features), to put the cold start of `orders-api` beside.
//!
//! At init it loads the SDK configuration the default way
//! (`aws_config::load_from_env`: region, endpoint and the standard credential
//! chain) and builds one DynamoDB client. Per request it makes the same call
//! `orders-api` makes for that route: one strongly consistent `GetItem` on
//! `TABLE_NAME` with the key `pk = ORDER#{id}`, `sk = ORDER` (the layout of
//! `stockroom::store::dynamodb`), and answers the item as JSON, or 404.
//!
//! What it does NOT do, and `orders-api` does: read and validate the
//! Stockroom configuration, verify the bearer token (an HS256 signature) and
//! check that the order belongs to the caller, decode the item into an
//! `Order` and render the API's view of it, structured logging, and retries
//! with the store's own policy. Those are part of what the comparison
//! measures.

use std::collections::HashMap;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::AttributeValue;
use lambda_http::http::StatusCode;
use lambda_http::{Body, Error, Request, RequestExt, Response, service_fn};
use serde_json::{Map, Value, json};

#[tokio::main]
async fn main() -> Result<(), Error> {
    let config = aws_config::load_from_env().await;
    let client = Client::new(&config);
    let table = std::env::var("TABLE_NAME")?;
    lambda_http::run(service_fn(|req: Request| get_order(&client, &table, req))).await
}

async fn get_order(client: &Client, table: &str, req: Request) -> Result<Response<Body>, Error> {
    let Some(id) = req.path_parameters().first("id").map(str::to_owned) else {
        return respond(StatusCode::NOT_FOUND, json!({"error": "not found"}));
    };
    let out = client
        .get_item()
        .table_name(table)
        .key("pk", AttributeValue::S(format!("ORDER#{id}")))
        .key("sk", AttributeValue::S("ORDER".into()))
        .consistent_read(true)
        .send()
        .await?;
    match out.item {
        Some(item) => respond(StatusCode::OK, item_to_json(&item)),
        None => respond(StatusCode::NOT_FOUND, json!({"error": "not found"})),
    }
}

fn respond(status: StatusCode, body: Value) -> Result<Response<Body>, Error> {
    Ok(Response::builder()
        .status(status)
        .header("content-type", "application/json")
        .body(Body::from(body.to_string()))?)
}

fn item_to_json(item: &HashMap<String, AttributeValue>) -> Value {
    Value::Object(
        item.iter()
            .map(|(k, v)| (k.clone(), attribute_to_json(v)))
            .collect::<Map<_, _>>(),
    )
}

/// Numbers stay strings (DynamoDB keeps them as decimal text); binary and
/// set types do not occur in an order item and map to null.
fn attribute_to_json(value: &AttributeValue) -> Value {
    match value {
        AttributeValue::S(s) | AttributeValue::N(s) => Value::String(s.clone()),
        AttributeValue::Bool(b) => Value::Bool(*b),
        AttributeValue::L(list) => Value::Array(list.iter().map(attribute_to_json).collect()),
        AttributeValue::M(map) => item_to_json(map),
        _ => Value::Null,
    }
}
