//! The daily forecasting run.
//!
//! Pages through the catalogue 100 listings at a time and keeps only one
//! SKU's history per task in memory, so memory does not grow with the
//! catalogue (see `BENCHMARKS.md`).

use std::pin::pin;

use chrono::{Days, NaiveDate};
use futures::{StreamExt, TryStreamExt};

use crate::app::paging::pages;
use crate::app::reorders::{self, Raised};
use crate::app::{App, AppError};
use crate::domain::{Listing, ListingStatus, ReorderReason};
use crate::forecast::{DailySeries, ForecastParams, WorstSkus, forecast};
use crate::ports::{ForecastRecord, ListingFilter};

/// SKUs forecast at once: the work is two store calls and well under a
/// millisecond of arithmetic per SKU.
const CONCURRENCY: usize = 16;

/// How many SKUs the run's summary names as the least accurate and the
/// least well covered.
const WORST_SHOWN: usize = 5;

/// What a forecasting run did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ForecastRun {
    /// Listings forecast (every listing not deleted).
    pub listings: u64,
    /// Of those, the ones a reorder was raised for (a projected stockout
    /// within the supplier lead time).
    pub reordered: u64,
    /// Of those, the ones that could not be forecast; the next run tries
    /// again.
    pub failed: u64,
    /// The SKUs with the highest backtest MASE, worst first.
    pub worst_mase: String,
    /// The SKUs whose past reorder points fell furthest below the service
    /// level, worst first.
    pub worst_coverage: String,
}

/// What forecasting one listing did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    Forecast,
    Reordered,
}

/// For every listing, forecasts demand from its daily sales up to
/// yesterday, stores the forecast, moves the reorder point of listings
/// that opted in, and raises a reorder (reason `forecast`) when the
/// projected stock runs out within the supplier lead time. A listing that
/// fails is logged and counted; an outage ends the run with an error.
pub async fn run_forecasts(app: &App) -> Result<ForecastRun, AppError> {
    let mut run = ForecastRun::default();
    let today = app.clock.now().date_naive();
    // Yesterday is the last complete day of sales.
    let end = today.checked_sub_days(Days::new(1)).unwrap_or(today);
    let history = u64::from(app.settings.forecast_history_days.max(1));
    let from = end.checked_sub_days(Days::new(history - 1)).unwrap_or(end);
    let worst_skus = WorstSkus::new(WORST_SHOWN);
    let worst = &worst_skus;
    let mut catalogue = pin!(pages(|page| async move {
        app.store
            .list_listings(&ListingFilter::default(), &page)
            .await
    }));
    while let Some(listings) = catalogue.try_next().await? {
        let live = listings
            .into_iter()
            .filter(|l| l.status != ListingStatus::Deleted);
        let results: Vec<(String, Result<Outcome, AppError>)> = futures::stream::iter(live)
            .map(|listing| async move {
                let result = forecast_listing(app, &listing, from, end, today, worst).await;
                (listing.sku.to_string(), result)
            })
            .buffer_unordered(CONCURRENCY)
            .collect()
            .await;
        for (sku, result) in results {
            run.listings += 1;
            match result {
                Ok(Outcome::Reordered) => run.reordered += 1,
                Ok(Outcome::Forecast) => {}
                Err(e) if e.is_transient() => return Err(e),
                Err(e) => {
                    run.failed += 1;
                    tracing::error!(sku, error = %crate::telemetry::chain(&e), "forecast failed");
                }
            }
        }
    }
    run.worst_mase = worst.by_mase().to_string();
    run.worst_coverage = worst.by_coverage().to_string();
    Ok(run)
}

async fn forecast_listing(
    app: &App,
    listing: &Listing,
    from: NaiveDate,
    end: NaiveDate,
    today: NaiveDate,
    worst: &WorstSkus,
) -> Result<Outcome, AppError> {
    let sales = app.store.daily_sales(&listing.sku, from, end).await?;
    let series =
        DailySeries::from_points(sales.iter().map(|(day, units)| (*day, *units as f64)), end);
    let params = ForecastParams::new(
        listing.lead_time_days,
        app.settings.forecast_review_period_days,
        app.settings.forecast_service_level,
    )
    .map_err(|e| AppError::internal("forecast settings", e))?
    .with_available(listing.available.get());
    let forecast = forecast(&series, &params);
    worst.add(listing.sku.as_str(), &forecast);

    if listing.auto_reorder_point {
        // Whole units, and never absurd even for a wild forecast.
        let point = forecast.reorder_point.ceil().clamp(0.0, 1_000_000.0) as u32;
        if point != listing.reorder_point {
            app.store
                .set_reorder_point(&listing.sku, point, app.clock.now())
                .await?;
        }
    }
    let runs_out_in_lead_time = forecast.projected_stockout.is_some_and(|day| {
        today
            .checked_add_days(Days::new(u64::from(listing.lead_time_days)))
            .is_none_or(|horizon| day <= horizon)
    });
    let demand: f64 = forecast.daily.iter().sum();
    let shortfall = (demand + forecast.safety_stock - listing.available.get() as f64).ceil();
    app.store
        .put_forecast(&ForecastRecord {
            sku: listing.sku.clone(),
            generated_at: app.clock.now(),
            forecast,
        })
        .await?;
    if !runs_out_in_lead_time {
        return Ok(Outcome::Forecast);
    }
    // Enough to cover the horizon's demand and the safety stock, and never
    // less than the listing's usual reorder.
    let quantity = listing
        .reorder_quantity
        .max(shortfall.clamp(0.0, 1_000_000.0) as u32);
    match reorders::raise(app, listing, ReorderReason::Forecast, quantity).await? {
        Raised::Created(_) => Ok(Outcome::Reordered),
        Raised::AlreadyOpen(_) | Raised::Skipped(_) => Ok(Outcome::Forecast),
    }
}
