use async_trait::async_trait;
use chrono::NaiveDate;

use super::StoreResult;
use crate::domain::Sku;

/// Daily units sold per SKU, recorded once per order when it starts
/// processing (see `OrderEffects::record_sales_on`). The forecast reads it.
#[async_trait]
pub trait SalesStore: Send + Sync {
    /// Units sold per day from `from` to `to` inclusive, in date order;
    /// days without sales may be omitted.
    async fn daily_sales(
        &self,
        sku: &Sku,
        from: NaiveDate,
        to: NaiveDate,
    ) -> StoreResult<Vec<(NaiveDate, u64)>>;
}
