//! Forecasts: one item per SKU (`FORECAST#<sku>` / `FORECAST`), replaced by
//! each daily run. Read by key only.

use async_trait::async_trait;

use super::DynamoStore;
use super::codec::{from_item, to_item};
use super::error::sdk_error;
use super::items::key;
use crate::domain::Sku;
use crate::ports::{ForecastRecord, ForecastStore, StoreResult};

const FORECAST_SK: &str = "FORECAST";

fn forecast_pk(sku: &Sku) -> String {
    format!("FORECAST#{sku}")
}

#[async_trait]
impl ForecastStore for DynamoStore {
    async fn put_forecast(&self, record: &ForecastRecord) -> StoreResult<()> {
        let mut item = to_item(record)?;
        item.extend(key(forecast_pk(&record.sku), FORECAST_SK));
        self.client
            .put_item()
            .table_name(self.table.as_ref())
            .set_item(Some(item))
            .send()
            .await
            .map_err(|e| sdk_error("PutItem", e))?;
        Ok(())
    }

    async fn get_forecast(&self, sku: &Sku) -> StoreResult<Option<ForecastRecord>> {
        self.get_item(forecast_pk(sku), FORECAST_SK)
            .await?
            .map(|item| from_item(&item, "forecast"))
            .transpose()
    }
}
