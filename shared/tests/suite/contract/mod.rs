//! The store contract: one behavioural suite that every adapter must pass.
//!
//! Each case takes a fresh `Arc<dyn Store>` and uses names (SKUs, users,
//! dates) unique to the run, so adapters may share one table or database
//! between cases. [`store_contract_tests!`](crate::store_contract_tests)
//! expands to one `#[tokio::test]` per case for a given store factory:
//!
//! ```ignore
//! stockroom::store_contract_tests!(async {
//!     std::sync::Arc::new(stockroom::store::MemoryStore::new()) as std::sync::Arc<dyn stockroom::ports::Store>
//! });
//! ```
//!
//! Concurrency cases race many tasks through the real adapter; they are the
//! proof that stock is never oversold and retries never duplicate.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod accounts;
mod fixtures;
mod forecasts;
mod listings;
mod orders;
mod procurement;

pub use accounts::*;
pub use forecasts::*;
pub use listings::*;
pub use orders::*;
pub use procurement::*;

/// Expands to one test per contract case. Optional second argument: the
/// number of concurrent tasks the racing cases use (default 64), for slow
/// emulators.
#[macro_export]
macro_rules! store_contract_tests {
    ($factory:expr) => {
        $crate::store_contract_tests!($factory, 64);
    };
    ($factory:expr, $racers:expr) => {
        $crate::store_contract_tests!(@plain $factory;
            listing_round_trip_keeps_stock,
            listing_delete,
            adjust_stock_stays_in_range,
            listings_page_in_sku_order_with_filters,
            foreign_and_junk_cursors_are_refused,
            low_stock_listings_are_exactly_the_low_ones,
            place_order_is_all_or_nothing,
            place_order_refuses_unbuyable_listings,
            idempotency_record_is_written_with_the_order,
            idempotency_key_expires,
            update_order_is_conditional_on_version,
            update_order_applies_effects_atomically,
            orders_are_listed_newest_first_per_customer,
            stale_pending_orders_are_found,
            metrics_and_daily_totals_count_orders,
            status_notifications_apply_only_when_newer,
            quantity_notifications_apply_only_when_newer,
            set_reorder_point_updates_listing,
            usernames_are_unique,
            suppliers_round_trip_and_page,
            one_open_reorder_per_sku,
            receiving_a_reorder_adds_stock_once,
            forecasts_round_trip_latest_wins,
        );
        $crate::store_contract_tests!(@racing $factory, $racers;
            racing_orders_never_oversell,
            racing_multi_line_orders_conserve_stock,
            racing_duplicate_idempotency_keys_create_one_order,
            racing_cancels_release_stock_once,
            racing_registrations_take_a_username_once,
            racing_reorders_open_one_per_sku,
        );
    };
    (@plain $factory:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $case() {
                let store = $factory.await;
                $crate::store::contract::$case(store).await;
            }
        )*
    };
    (@racing $factory:expr, $racers:expr; $($case:ident),* $(,)?) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $case() {
                let store = $factory.await;
                $crate::store::contract::$case(store, $racers).await;
            }
        )*
    };
}
