//! Scheduled jobs (EventBridge schedules in Lambda, timers in the dev
//! server). Each is an entry point like a consumer: it calls one use case
//! in [`crate::app`], runs it to completion and reports the outcome as a
//! [`JobSummary`], which is logged and returned as the invocation's result.
//!
//! * [`stock_check`] runs `app::procurement::check_stock`.
//! * [`order_recovery`] runs `app::orders::recover_stale_orders`.
//! * [`demand_forecast`] runs `app::forecasts::run_forecasts`.

pub mod demand_forecast;
pub mod order_recovery;
pub mod stock_check;

use serde::Serialize;

/// What a job did, for the log and the invocation result.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct JobSummary {
    pub job: &'static str,
    /// Items looked at (low-stock listings, stale orders, SKUs).
    pub examined: u64,
    /// Items acted on (reorders raised, orders re-published).
    pub acted: u64,
    /// Items that failed and will be retried on the next run.
    pub failed: u64,
}
