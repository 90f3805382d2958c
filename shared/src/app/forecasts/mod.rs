//! Demand forecasts: reading the latest forecast of a SKU, and the daily
//! forecasting run that sets reorder points and raises reorders.

mod run;

pub use run::{ForecastRun, run_forecasts};

use crate::app::{App, AppError, Resource};
use crate::domain::Sku;
use crate::ports::ForecastRecord;

/// The latest forecast stored for `sku`; not found until the daily run has
/// forecast it once.
pub async fn latest(app: &App, sku: &Sku) -> Result<ForecastRecord, AppError> {
    app.store
        .get_forecast(sku)
        .await?
        .ok_or(AppError::NotFound(Resource::Forecast))
}
