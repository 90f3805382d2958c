use async_trait::async_trait;

use super::MemoryStore;
use crate::domain::Sku;
use crate::ports::{ForecastRecord, ForecastStore, StoreResult};

#[async_trait]
impl ForecastStore for MemoryStore {
    async fn put_forecast(&self, record: &ForecastRecord) -> StoreResult<()> {
        self.lock()
            .forecasts
            .insert(record.sku.clone(), record.clone());
        Ok(())
    }

    async fn get_forecast(&self, sku: &Sku) -> StoreResult<Option<ForecastRecord>> {
        Ok(self.lock().forecasts.get(sku).cloned())
    }
}
