//! Forecasts: one document per SKU (`_id` = SKU), replaced by each daily
//! run. Stored through serde: the record is read whole and only by `_id`.

use async_trait::async_trait;
use mongodb::bson::{self, doc};

use super::MongoStore;
use super::error::OrStore;
use crate::domain::Sku;
use crate::ports::{ForecastRecord, ForecastStore, StoreError, StoreResult};

#[async_trait]
impl ForecastStore for MongoStore {
    async fn put_forecast(&self, record: &ForecastRecord) -> StoreResult<()> {
        let mut document = bson::to_document(record)
            .map_err(|e| StoreError::Corrupt(format!("forecast {}: {e}", record.sku)))?;
        document.insert("_id", record.sku.as_str());
        self.forecasts
            .replace_one(doc! { "_id": record.sku.as_str() }, document)
            .upsert(true)
            .await
            .or_store()?;
        Ok(())
    }

    async fn get_forecast(&self, sku: &Sku) -> StoreResult<Option<ForecastRecord>> {
        let found = self
            .forecasts
            .find_one(doc! { "_id": sku.as_str() })
            .await
            .or_store()?;
        found
            .map(|d| {
                bson::from_document(d)
                    .map_err(|e| StoreError::Corrupt(format!("forecast {sku}: {e}")))
            })
            .transpose()
    }
}
