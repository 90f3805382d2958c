//! The store contract: one behavioural suite that every adapter must pass.
//!
//! Each case takes a fresh `Arc<dyn Store>` and uses names (SKUs, users,
//! dates) unique to the run, so adapters may share one table or database
//! between cases. The cases live in this test suite only: the library
//! ships no test code.
//!
//! [`contract_cases!`] is the one registry of cases. An adapter's module
//! runs them all with [`contract_suite!`], which expands to one
//! `#[tokio::test]` per registered case, so a case can never be left off an
//! adapter's run. An adapter that cannot run a case names it under
//! `excluded` with the reason; that case then runs *expecting failure*, and
//! passes only while it still fails (an exclusion that stops being needed
//! fails the run until it is removed). A case function missing from the
//! registry is dead code, which the lint step (`-D warnings`) refuses.
//!
//! Concurrency cases race many tasks through the real adapter; they are the
//! proof that stock is never oversold and retries never duplicate.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

mod accounts;
mod amazon;
mod attempts;
mod fixtures;
mod forecasts;
mod large_orders;
mod listing_scan;
mod listings;
mod order_correlation;
mod orders;
mod procurement;

pub use accounts::*;
pub use amazon::*;
pub use attempts::*;
pub use forecasts::*;
pub use large_orders::*;
pub use listing_scan::*;
pub use listings::*;
pub use order_correlation::*;
pub use orders::*;
pub use procurement::*;

/// Every contract case, once: `plain` cases take a store, `racing` ones a
/// store and the number of concurrent tasks. Calls `$then!` with the two
/// lists appended to its arguments.
macro_rules! contract_cases {
    ($then:ident! { $($args:tt)* }) => {
        $then! {
            $($args)*
            plain: [
                listing_round_trip_keeps_stock,
                listing_delete,
                adjust_stock_stays_in_range,
                listings_page_in_sku_order_with_filters,
                foreign_and_junk_cursors_are_refused,
                listing_scans_are_bounded_and_resumable,
                low_stock_listings_are_exactly_the_low_ones,
                place_order_is_all_or_nothing,
                place_order_refuses_unbuyable_listings,
                hundred_line_orders_are_placed_cancelled_and_sold,
                hundred_line_orders_short_anywhere_reserve_nothing,
                idempotency_record_is_written_with_the_order,
                idempotency_key_expires,
                update_order_is_conditional_on_version,
                update_order_applies_effects_atomically,
                shipping_details_are_kept_through_updates,
                correlation_id_is_kept_with_the_order,
                orders_are_listed_newest_first_per_customer,
                stale_pending_orders_are_found,
                metrics_and_daily_totals_count_orders,
                status_notifications_apply_only_when_newer,
                quantity_notifications_apply_only_when_newer,
                set_reorder_point_updates_listing,
                usernames_are_unique,
                attempts_count_within_a_window_per_key,
                suppliers_round_trip_and_page,
                one_open_reorder_per_sku,
                receiving_a_reorder_adds_stock_once,
                reorder_mail_states_round_trip_and_free_the_sku,
                forecasts_round_trip_latest_wins,
                amazon_mfn_is_kept_by_edits_that_omit_it,
                amazon_state_is_written_over_its_revision_with_the_stock,
            ],
            racing: [
                racing_orders_never_oversell,
                racing_multi_line_orders_conserve_stock,
                racing_duplicate_idempotency_keys_create_one_order,
                racing_cancels_release_stock_once,
                racing_registrations_take_a_username_once,
                racing_attempts_are_all_counted,
                racing_reorders_open_one_per_sku,
                racing_amazon_state_writes_apply_each_once,
            ],
        }
    };
}
pub(crate) use contract_cases;

/// The registered case names (for checking exclusions against).
macro_rules! case_names {
    (plain: [$($plain:ident),* $(,)?], racing: [$($racing:ident),* $(,)?] $(,)?) => {
        &[$(stringify!($plain),)* $(stringify!($racing),)*]
    };
}
pub const CASES: &[&str] = contract_cases!(case_names! {});

/// One test per registered case, on the store that `store` (an
/// expression evaluating to a future of `Arc<dyn Store>`) builds afresh for
/// each case; `racers` concurrent tasks in the racing cases. `excluded`
/// names the cases this adapter cannot pass, each with its reason.
///
/// ```ignore
/// contract_suite!(
///     store: store(),
///     racers: 24,
///     excluded: { place_order_is_all_or_nothing: "no TransactWriteItems" },
/// );
/// ```
macro_rules! contract_suite {
    (
        store: $store:expr,
        racers: $racers:expr,
        excluded: { $($case:ident: $why:expr),* $(,)? } $(,)?
    ) => {
        /// This adapter's exclusions: (case, reason).
        const EXCLUDED: &[(&str, &str)] = &[$((stringify!($case), $why)),*];

        #[test]
        fn exclusions_name_registered_cases() {
            $crate::contract::check_exclusions(EXCLUDED);
        }

        $crate::contract::contract_cases!(contract_suite! { @tests [$store] [$racers] });
    };
    (
        @tests [$store:expr] [$racers:expr]
        plain: [$($plain:ident),* $(,)?],
        racing: [$($racing:ident),* $(,)?] $(,)?
    ) => {
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn $plain() {
                $crate::contract::run(stringify!($plain), EXCLUDED, async {
                    $crate::contract::$plain($store.await).await
                })
                .await;
            }
        )*
        $(
            #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
            async fn $racing() {
                $crate::contract::run(stringify!($racing), EXCLUDED, async {
                    $crate::contract::$racing($store.await, $racers).await
                })
                .await;
            }
        )*
    };
}
pub(crate) use contract_suite;

/// Runs one case: it must pass, or, if `excluded` names it, it must fail.
pub async fn run(
    case: &str,
    excluded: &[(&str, &str)],
    body: impl std::future::Future<Output = ()>,
) {
    use futures::FutureExt as _;

    let Some((_, why)) = excluded.iter().find(|(name, _)| *name == case) else {
        return body.await;
    };
    let outcome = std::panic::AssertUnwindSafe(body).catch_unwind().await;
    assert!(
        outcome.is_err(),
        "{case} is excluded on this adapter ({why}) but now passes: remove the exclusion"
    );
    eprintln!("{case}: fails as expected on this adapter ({why})");
}

/// Fails on an exclusion that names no registered case (a renamed or
/// removed case would otherwise leave a stale exclusion behind).
pub fn check_exclusions(excluded: &[(&str, &str)]) {
    let unknown: Vec<_> = excluded
        .iter()
        .map(|(name, _)| *name)
        .filter(|name| !CASES.contains(name))
        .collect();
    assert!(
        unknown.is_empty(),
        "exclusions name no registered contract case: {unknown:?}"
    );
}
