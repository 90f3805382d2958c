//! Demand forecasting.
