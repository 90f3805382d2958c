//! The contract cases that need no transaction, on dynalite: a second
//! opinion on single-item conditions, update expressions, GSIs and
//! pagination (dynalite answers TransactWriteItems with
//! UnknownOperationException, so the order, account and reorder cases run
//! on moto only, in `store_dynamodb.rs`). Needs `DYNALITE_ENDPOINT`.
#![cfg(feature = "dynamodb")]

mod support;

use std::sync::Arc;

use aws_config::BehaviorVersion;
use stockroom::ports::Store;
use stockroom::store::contract;
use stockroom::store::dynamodb;

async fn store() -> Arc<dyn Store> {
    let endpoint = support::endpoint("DYNALITE_ENDPOINT", "dynalite");
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .load()
        .await;
    let client = dynamodb::client(&sdk);
    Arc::new(support::dynamo::fresh_store(client, "dynalite").await)
}

macro_rules! on_dynalite {
    ($($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                contract::$case(store().await).await;
            }
        )*
    };
}

on_dynalite!(
    listing_round_trip_keeps_stock,
    listing_delete,
    adjust_stock_stays_in_range,
    listings_page_in_sku_order_with_filters,
    foreign_and_junk_cursors_are_refused,
    low_stock_listings_are_exactly_the_low_ones,
    status_notifications_apply_only_when_newer,
    quantity_notifications_apply_only_when_newer,
    set_reorder_point_updates_listing,
    suppliers_round_trip_and_page,
);
