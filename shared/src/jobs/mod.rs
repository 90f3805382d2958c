//! Scheduled jobs (EventBridge schedules in Lambda, timers in the dev
//! server). Each runs to completion and returns a summary that is logged
//! and returned as the invocation's result.

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
    /// Items acted on (reorders raised, messages re-published, forecasts written).
    pub acted: u64,
    /// Items that failed and will be retried on the next run.
    pub failed: u64,
}
