use async_trait::async_trait;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::StoreResult;
use crate::domain::Sku;
use crate::forecast::Forecast;

/// The latest forecast of a SKU, as the daily job wrote it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastRecord {
    pub sku: Sku,
    pub generated_at: DateTime<Utc>,
    pub forecast: Forecast,
}

/// Forecasts, one (the latest) per SKU.
#[async_trait]
pub trait ForecastStore: Send + Sync {
    /// Stores the record, replacing any earlier forecast of the SKU.
    async fn put_forecast(&self, record: &ForecastRecord) -> StoreResult<()>;

    async fn get_forecast(&self, sku: &Sku) -> StoreResult<Option<ForecastRecord>>;
}
