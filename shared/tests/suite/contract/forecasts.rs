//! Forecast cases.

use std::sync::Arc;

use chrono::{Duration, NaiveDate};

use super::fixtures::*;
use stockroom::forecast::{DailySeries, ForecastParams, forecast};
use stockroom::ports::{ForecastRecord, Store};

fn record(sku_name: &str, level: f64) -> ForecastRecord {
    let start = NaiveDate::from_ymd_opt(2025, 1, 1).unwrap();
    let values: Vec<f64> = (0..120).map(|d| level + f64::from(d % 7)).collect();
    let params = ForecastParams::default().with_available(40);
    ForecastRecord {
        sku: sku(sku_name),
        generated_at: now(),
        forecast: forecast(&DailySeries::new(start, values), &params),
    }
}

pub async fn forecasts_round_trip_latest_wins(store: Arc<dyn Store>) {
    let name = unique("FC-");
    assert!(store.get_forecast(&sku(&name)).await.unwrap().is_none());
    let first = record(&name, 3.0);
    store.put_forecast(&first).await.unwrap();
    let got = store.get_forecast(&sku(&name)).await.unwrap().unwrap();
    assert_eq!(got, first, "stored exactly, daily values included");

    let mut second = record(&name, 9.0);
    second.generated_at = first.generated_at + Duration::days(1);
    store.put_forecast(&second).await.unwrap();
    let got = store.get_forecast(&sku(&name)).await.unwrap().unwrap();
    assert_eq!(got.generated_at, second.generated_at);
    assert_eq!(got.forecast, second.forecast);
    assert!(
        store
            .get_forecast(&sku(&unique("NONE-")))
            .await
            .unwrap()
            .is_none()
    );
}
