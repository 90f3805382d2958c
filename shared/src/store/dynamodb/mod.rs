//! DynamoDB store adapter: every store port on one table.
//!
//! The table design (keys, indexes, item shapes, the sharded counters and
//! the lazy low-stock index) is documented in `docs/dynamodb.md`; the
//! module docs below say why each piece is the way it is.
//!
//! Construction makes no network call: build one [`aws_sdk_dynamodb::Client`]
//! per cold start with [`client`] (which applies the retry and timeout
//! policy) from the `SdkConfig` that `aws_config::defaults(..).load()`
//! returned, then [`DynamoStore::new`]. `create_table` sets up a table for
//! tests and local runs.
//!
//! ```no_run
//! # async fn wiring() -> Result<(), stockroom::ports::StoreError> {
//! use aws_config::BehaviorVersion;
//! use stockroom::store::dynamodb::{self, DynamoStore};
//!
//! let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
//! let store = DynamoStore::new(dynamodb::client(&sdk), "stockroom");
//! # let _ = store; Ok(()) }
//! ```

mod accounts;
mod attempts;
mod codec;
mod error;
mod expr;
mod feed;
mod forecasts;
mod items;
mod keys;
mod listing_pages;
mod listings;
mod low_flag;
mod order_reads;
mod order_records;
mod order_updates;
mod orders;
mod pending;
mod placement;
mod procurement;
mod stats;
mod table;
mod txn;

use std::sync::Arc;
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::retry::RetryConfig;
use aws_sdk_dynamodb::config::timeout::TimeoutConfig;

pub use table::{TTL_ATTRIBUTE, create_table, table_definition};

/// How many times the SDK tries one call (first try included) before the
/// adapter sees the error.
pub const MAX_ATTEMPTS: u32 = 3;
/// Time allowed to open a connection.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);
/// Time allowed for one attempt of one call.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(3);
/// Time allowed for one call, retries included.
pub const OPERATION_TIMEOUT: Duration = Duration::from_secs(8);

/// Applies the adapter's retry and timeout policy to a client config:
/// standard retry mode (exponential backoff with jitter, throttling and
/// transient errors retried) with [`MAX_ATTEMPTS`], and the timeouts above,
/// so that a throttled or unreachable table turns into
/// `StoreError::Unavailable` within a few seconds instead of hanging a
/// Lambda until its own timeout.
pub fn configure(builder: aws_sdk_dynamodb::config::Builder) -> aws_sdk_dynamodb::config::Builder {
    builder
        .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(CONNECT_TIMEOUT)
                .operation_attempt_timeout(ATTEMPT_TIMEOUT)
                .operation_timeout(OPERATION_TIMEOUT)
                .build(),
        )
}

/// A DynamoDB client from the shared SDK config (endpoint, region and
/// credentials come from it, e.g. `AWS_ENDPOINT_URL_DYNAMODB`), with
/// [`configure`] applied. No network call.
pub fn client(sdk: &aws_config::SdkConfig) -> Client {
    Client::from_conf(configure(aws_sdk_dynamodb::config::Builder::from(sdk)).build())
}

/// The store on one table. Cheap to clone; share one per process.
#[derive(Debug, Clone)]
pub struct DynamoStore {
    client: Client,
    table: Arc<str>,
}

impl DynamoStore {
    /// The store on `table`, which must exist with the layout of
    /// [`table_definition`]. Makes no network call.
    pub fn new(client: Client, table: impl Into<String>) -> Self {
        Self {
            client,
            table: Arc::from(table.into()),
        }
    }

    pub fn table(&self) -> &str {
        &self.table
    }

    pub fn client(&self) -> &Client {
        &self.client
    }
}
