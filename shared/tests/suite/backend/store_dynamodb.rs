//! The store contract on DynamoDB, against moto (single-threaded: moto's
//! threaded server has no locks and would oversell, which is moto's bug,
//! not the adapter's). Needs `AWS_ENDPOINT_URL_DYNAMODB`; `scripts/test`
//! starts the server and exports it.
//!
//! Every case gets its own table: `metrics_and_daily_totals_count_orders`
//! compares global counters before and after, which other cases running
//! in parallel on a shared table would move. Creating a table on moto
//! takes milliseconds.

use crate::contract::contract_suite;
use crate::support;

use std::sync::Arc;

use stockroom::ports::Store;

async fn store() -> Arc<dyn Store> {
    let client = support::dynamo::client().await;
    Arc::new(support::dynamo::fresh_store(client, "contract").await)
}

// 24 racers: every racing case still races (moto serialises the requests,
// so more racers only add time, not contention).
contract_suite!(store: store(), racers: 24, excluded: {});
