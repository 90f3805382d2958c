//! The store contract on dynalite: a second opinion on single-item
//! conditions, update expressions, GSIs and pagination. Dynalite answers
//! TransactWriteItems with UnknownOperationException, so the cases that
//! write through a transaction are excluded here (they run on moto, in
//! `store_dynamodb.rs`) and must keep failing here. Needs
//! `DYNALITE_ENDPOINT`.

use std::sync::Arc;

use aws_config::BehaviorVersion;
use stockroom::ports::Store;
use stockroom::store::dynamodb;

use crate::contract::contract_suite;
use crate::support;

async fn store() -> Arc<dyn Store> {
    let endpoint = support::endpoint("DYNALITE_ENDPOINT", "dynalite");
    let sdk = aws_config::defaults(BehaviorVersion::latest())
        .endpoint_url(endpoint)
        .load()
        .await;
    let client = dynamodb::client(&sdk);
    Arc::new(support::dynamo::fresh_store(client, "dynalite").await)
}

/// Why the transaction cases cannot run here.
macro_rules! no_transactions {
    () => {
        "dynalite has no TransactWriteItems"
    };
}

contract_suite!(
    store: store(),
    racers: 8,
    excluded: {
        place_order_is_all_or_nothing: no_transactions!(),
        place_order_refuses_unbuyable_listings: no_transactions!(),
        hundred_line_orders_are_placed_cancelled_and_sold: no_transactions!(),
        hundred_line_orders_short_anywhere_reserve_nothing: no_transactions!(),
        idempotency_record_is_written_with_the_order: no_transactions!(),
        idempotency_key_expires: no_transactions!(),
        update_order_is_conditional_on_version: no_transactions!(),
        update_order_applies_effects_atomically: no_transactions!(),
        shipping_details_are_kept_through_updates: no_transactions!(),
        correlation_id_is_kept_with_the_order: no_transactions!(),
        orders_are_listed_newest_first_per_customer: no_transactions!(),
        stale_pending_orders_are_found: no_transactions!(),
        metrics_and_daily_totals_count_orders: no_transactions!(),
        usernames_are_unique: no_transactions!(),
        one_open_reorder_per_sku: no_transactions!(),
        receiving_a_reorder_adds_stock_once: no_transactions!(),
        reorder_mail_states_round_trip_and_free_the_sku: no_transactions!(),
        racing_orders_never_oversell: no_transactions!(),
        racing_multi_line_orders_conserve_stock: no_transactions!(),
        racing_duplicate_idempotency_keys_create_one_order: no_transactions!(),
        racing_cancels_release_stock_once: no_transactions!(),
        racing_registrations_take_a_username_once: no_transactions!(),
        racing_reorders_open_one_per_sku: no_transactions!(),
    },
);
