//! Demand forecasts: reading the latest forecast of a SKU, and the daily
//! forecasting run that sets reorder points and raises reorders.
