//! The daily forecast job on the memory store: forecasts from recorded
//! sales, auto reorder points, reorders for projected stockouts, and
//! `GET /forecasts/{sku}`.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use crate::support;

use std::sync::Arc;

use chrono::{Duration, TimeZone, Utc};
use serde_json::json;
use stockroom::domain::{
    CustomerId, LineQuantity, ListingDraft, ListingStatus, Order, OrderId, OrderLine, OrderStatus,
    Price, Rating, ReorderReason, Sku, Stock, Supplier, SupplierEmail, SupplierId, Title,
};
use stockroom::jobs::demand_forecast;
use stockroom::ports::{ManualClock, OrderEffects, OrderUpdate, PageRequest};
use support::*;

async fn shop() -> (stockroom::app::App, Arc<ManualClock>, Arc<Recorder>) {
    let clock = Arc::new(ManualClock::new(
        Utc.with_ymd_and_hms(2025, 6, 1, 6, 0, 0).unwrap(),
    ));
    let queue = Arc::new(Recorder::default());
    let app = app()
        .with_clock(clock.clone())
        .with_publisher(queue.clone());
    app.store
        .put_supplier(&Supplier {
            supplier_id: SupplierId::parse("acme").unwrap(),
            name: "Acme".into(),
            email: SupplierEmail::parse("orders@acme.example").unwrap(),
            rating: Rating::new(5).unwrap(),
            manual_approval: false,
            updated_at: Utc::now(),
        })
        .await
        .unwrap();
    for (sku, available) in [("FAST", 200), ("IDLE", 5)] {
        app.store
            .put_listing(
                &ListingDraft {
                    sku: Sku::parse(sku).unwrap(),
                    title: Title::parse(sku).unwrap(),
                    price: Price::parse("2.00").unwrap(),
                    currency: app.settings.currency,
                    available: Some(Stock::new(available).unwrap()),
                    status: Some(ListingStatus::Active),
                    supplier_id: Some(SupplierId::parse("acme").unwrap()),
                    reorder_point: 1,
                    reorder_quantity: 30,
                    lead_time_days: 7,
                    auto_reorder_point: true,
                    amazon_mfn: None,
                },
                Utc::now(),
            )
            .await
            .unwrap();
    }
    (app, clock, queue)
}

/// Records `units` sold of `sku` on each of the 120 days before the clock,
/// the way the processor does: an order moved to PROCESSING on that day.
async fn sell_daily(app: &stockroom::app::App, sku: &str, units: impl Fn(i64) -> i64) {
    let today = app.clock.now();
    for back in 1..=120 {
        let day = today - Duration::days(back);
        let quantity = units(back);
        if quantity == 0 {
            continue;
        }
        let order = Order::new(
            OrderId::generate(),
            CustomerId::generate(),
            vec![OrderLine {
                sku: Sku::parse(sku).unwrap(),
                quantity: LineQuantity::new(quantity).unwrap(),
                unit_price: Price::parse("2.00").unwrap(),
            }],
            app.settings.currency,
            day,
        );
        // Put the units back first so placing never runs out.
        app.store
            .adjust_stock(
                &Sku::parse(sku).unwrap(),
                stockroom::domain::StockDelta::new(quantity).unwrap(),
                day,
            )
            .await
            .unwrap();
        app.store.place_order(&order, None).await.unwrap();
        app.store
            .update_order(&OrderUpdate {
                next: order.transitioned(OrderStatus::Processing, day).unwrap(),
                previous: order,
                effects: OrderEffects {
                    release: vec![],
                    record_sales_on: Some(day.date_naive()),
                },
            })
            .await
            .unwrap();
    }
}

#[tokio::test]
async fn forecasts_set_reorder_points_and_reorder_before_stockouts() {
    let (app, _clock, queue) = shop().await;
    // About 40 a day, a little more at weekends: 200 on hand runs out in
    // about five days, inside the seven-day lead time.
    sell_daily(&app, "FAST", |back| 38 + (back % 7) / 3).await;

    let summary = demand_forecast::run(&app).await.unwrap();
    assert_eq!(summary.examined, 2);
    assert_eq!(
        summary.acted, 1,
        "one reorder: FAST runs out, IDLE does not sell"
    );

    let fast = app
        .store
        .get_forecast(&Sku::parse("FAST").unwrap())
        .await
        .unwrap()
        .unwrap();
    let daily_mean = fast.forecast.daily.iter().sum::<f64>() / fast.forecast.daily.len() as f64;
    assert!(
        (35.0..45.0).contains(&daily_mean),
        "mean forecast {daily_mean}"
    );
    assert_eq!(
        fast.forecast.horizon_days, 14,
        "lead time 7 + review period 7"
    );
    assert!(fast.forecast.projected_stockout.is_some());
    let listing = app
        .store
        .get_listing(&Sku::parse("FAST").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        listing.reorder_point,
        fast.forecast.reorder_point.ceil() as u32,
        "auto reorder point"
    );
    assert!(
        listing.reorder_point > 7 * 35,
        "covers the lead time's demand"
    );

    let reorders = app
        .store
        .list_reorders(None, &PageRequest::first(10))
        .await
        .unwrap()
        .items;
    assert_eq!(reorders.len(), 1);
    assert_eq!(reorders[0].reason, ReorderReason::Forecast);
    assert_eq!(reorders[0].sku.as_str(), "FAST");
    assert!(
        reorders[0].quantity >= 30,
        "at least the usual reorder quantity"
    );
    assert_eq!(queue.take(stockroom::ports::QueueName::Reorders).len(), 1);

    let idle = app
        .store
        .get_forecast(&Sku::parse("IDLE").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert!(idle.forecast.daily.iter().all(|d| *d == 0.0));

    // A second run raises nothing new: the reorder is still open.
    assert_eq!(demand_forecast::run(&app).await.unwrap().acted, 0);
}

#[tokio::test]
async fn the_latest_forecast_is_served_to_admins() {
    let (app, _clock, _queue) = shop().await;
    sell_daily(&app, "FAST", |back| if back % 3 == 0 { 6 } else { 0 }).await;
    demand_forecast::run(&app).await.unwrap();
    let (admin, _) = token(&app, stockroom::domain::Role::Admin);
    let get = include_str!("../../../events/listings-api/get-listing.json");
    let reply = call(
        &app,
        &with_path(event(get, Some(&admin)), "/forecasts/FAST"),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let f = &reply.body;
    assert_eq!(f["sku"], "FAST");
    assert_eq!(f["class"], "intermittent");
    assert!(
        ["croston_sba", "tsb", "ses"].contains(&f["method"].as_str().unwrap()),
        "{}",
        f["method"]
    );
    assert_eq!(f["horizon_days"], 14);
    assert_eq!(f["daily"].as_array().unwrap().len(), 14);
    for field in [
        "safety_stock",
        "reorder_point",
        "safety_stock_basis",
        "backtest_origins",
        "generated_at",
        "start_date",
    ] {
        assert!(!f[field].is_null(), "{field}");
    }
    assert_eq!(f["start_date"], json!("2025-06-01"));
    let reply = call(
        &app,
        &with_path(event(get, Some(&admin)), "/forecasts/NOPE"),
    )
    .await;
    assert_eq!(reply.status, 404);
    let (customer, _) = token(&app, stockroom::domain::Role::Customer);
    let reply = call(
        &app,
        &with_path(event(get, Some(&customer)), "/forecasts/FAST"),
    )
    .await;
    assert_eq!(reply.status, 403);
}
