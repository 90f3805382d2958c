//! The table layout, and an idempotent `create_table` for tests and local
//! setup (production tables come from infrastructure code with the same
//! definition).

use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::error::ProvideErrorMetadata;
use aws_sdk_dynamodb::operation::create_table::{CreateTableError, CreateTableInput};
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, GlobalSecondaryIndex, KeySchemaElement, KeyType, Projection,
    ProjectionType, ScalarAttributeType, TableStatus, TimeToLiveSpecification,
};

use super::error::{GaveUp, sdk_error};
use super::items::build_error;
use super::keys::*;
use crate::ports::{StoreError, StoreResult};

/// The attribute DynamoDB's TTL deletes items by (epoch seconds).
pub const TTL_ATTRIBUTE: &str = TTL_ATTR;

/// How long `create_table` waits for a new table to become ACTIVE.
const ACTIVE_WAIT: Duration = Duration::from_secs(60);

fn key_element(name: &str, key_type: KeyType) -> StoreResult<KeySchemaElement> {
    KeySchemaElement::builder()
        .attribute_name(name)
        .key_type(key_type)
        .build()
        .map_err(|e| build_error("CreateTable", e))
}

fn index(
    name: &str,
    pk: &str,
    sk: &str,
    projection: Projection,
) -> StoreResult<GlobalSecondaryIndex> {
    GlobalSecondaryIndex::builder()
        .index_name(name)
        .key_schema(key_element(pk, KeyType::Hash)?)
        .key_schema(key_element(sk, KeyType::Range)?)
        .projection(projection)
        .build()
        .map_err(|e| build_error("CreateTable", e))
}

/// The table: `pk`/`sk` strings, on-demand billing, and five global
/// secondary indexes (see `docs/dynamodb.md`):
///
/// | index   | keys            | projection                      | holds |
/// |---------|-----------------|---------------------------------|-------|
/// | gsi1    | g1pk, g1sk      | all                             | a customer's orders |
/// | gsi2    | g2pk, g2sk      | all                             | order shards, reorders |
/// | gsi3    | g3pk, g3sk      | all                             | the same per status |
/// | catalog | cpk, sku        | status, search                  | listings by SKU |
/// | low     | lpk, sku        | keys                            | flagged listings (sparse) |
pub fn table_definition(name: &str) -> StoreResult<CreateTableInput> {
    let all = Projection::builder()
        .projection_type(ProjectionType::All)
        .build();
    let keys_only = Projection::builder()
        .projection_type(ProjectionType::KeysOnly)
        .build();
    let catalog = Projection::builder()
        .projection_type(ProjectionType::Include)
        .non_key_attributes(STATUS)
        .non_key_attributes(SEARCH)
        .build();
    let mut builder = CreateTableInput::builder()
        .table_name(name)
        .billing_mode(BillingMode::PayPerRequest)
        .key_schema(key_element(PK, KeyType::Hash)?)
        .key_schema(key_element(SK, KeyType::Range)?)
        .global_secondary_indexes(index(GSI1, G1PK, G1SK, all.clone())?)
        .global_secondary_indexes(index(GSI2, G2PK, G2SK, all.clone())?)
        .global_secondary_indexes(index(GSI3, G3PK, G3SK, all)?)
        .global_secondary_indexes(index(CATALOG, CATALOG_PK, SKU_ATTR, catalog)?)
        .global_secondary_indexes(index(LOW, LOW_PK, SKU_ATTR, keys_only)?);
    for attr in [
        PK, SK, G1PK, G1SK, G2PK, G2SK, G3PK, G3SK, CATALOG_PK, LOW_PK, SKU_ATTR,
    ] {
        builder = builder.attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(attr)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .map_err(|e| build_error("CreateTable", e))?,
        );
    }
    builder.build().map_err(|e| build_error("CreateTable", e))
}

/// Creates the table if it does not exist, waits until it is ACTIVE and
/// enables TTL on [`TTL_ATTRIBUTE`]. Safe to call again on an existing table.
pub async fn create_table(client: &Client, name: &str) -> StoreResult<()> {
    let def = table_definition(name)?;
    let created = client
        .create_table()
        .table_name(name)
        .set_billing_mode(def.billing_mode().cloned())
        .set_key_schema(Some(def.key_schema().to_vec()))
        .set_attribute_definitions(Some(def.attribute_definitions().to_vec()))
        .set_global_secondary_indexes(Some(def.global_secondary_indexes().to_vec()))
        .send()
        .await;
    match created {
        Ok(_) => {}
        Err(err)
            if matches!(
                err.as_service_error(),
                Some(CreateTableError::ResourceInUseException(_))
            ) => {}
        Err(err) => return Err(sdk_error("CreateTable", err)),
    }
    wait_until_active(client, name).await?;
    let ttl = client
        .describe_time_to_live()
        .table_name(name)
        .send()
        .await
        .map_err(|e| sdk_error("DescribeTimeToLive", e))?;
    let enabled = ttl.time_to_live_description().is_some_and(|d| {
        d.attribute_name() == Some(TTL_ATTRIBUTE)
            && d.time_to_live_status()
                .is_some_and(|s| s.as_str() == "ENABLED")
    });
    if !enabled {
        let spec = TimeToLiveSpecification::builder()
            .attribute_name(TTL_ATTRIBUTE)
            .enabled(true)
            .build()
            .map_err(|e| build_error("UpdateTimeToLive", e))?;
        let updated = client
            .update_time_to_live()
            .table_name(name)
            .time_to_live_specification(spec)
            .send()
            .await;
        match updated {
            Ok(_) => {}
            // dynalite has no TTL; expiry is also checked on every read.
            // Another caller enabled it between our describe and update.
            Err(err)
                if err.code() == Some("ValidationException")
                    && err.message().is_some_and(|m| m.contains("already enabled")) => {}
            Err(err) if err.code() == Some("UnknownOperationException") => {
                tracing::warn!(
                    table = name,
                    "this endpoint has no TTL; expired idempotency records stay until deleted"
                );
            }
            Err(err) => return Err(sdk_error("UpdateTimeToLive", err)),
        }
    }
    Ok(())
}

async fn wait_until_active(client: &Client, name: &str) -> StoreResult<()> {
    let deadline = tokio::time::Instant::now() + ACTIVE_WAIT;
    loop {
        let out = client
            .describe_table()
            .table_name(name)
            .send()
            .await
            .map_err(|e| sdk_error("DescribeTable", e))?;
        if out.table().and_then(|t| t.table_status()) == Some(&TableStatus::Active) {
            return Ok(());
        }
        if tokio::time::Instant::now() > deadline {
            return Err(StoreError::unavailable(GaveUp(
                "the table did not become ACTIVE",
            )));
        }
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
}
