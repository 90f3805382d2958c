//! MongoDB store adapter, on the official `mongodb` driver.
//!
//! One [`MongoStore`] holds one driver `Client` (a connection pool plus
//! background monitoring) and is meant to be built once per Lambda
//! execution environment and reused across invocations; building it does
//! no I/O (see [`MongoStore::connect`]).
//!
//! How the ports map onto MongoDB (collections, indexes, the reasoning
//! behind each; `docs/mongodb.md` has the full picture):
//!
//! - Placing an order is one multi-document transaction: the idempotency
//!   record is inserted first (its unique `_id` makes a duplicate fail
//!   before any stock moves, which gives the key precedence), then the
//!   order, then one batched conditional decrement per SKU. Transactions
//!   are retried on `TransientTransactionError` /
//!   `UnknownTransactionCommitResult` with bounded, jittered backoff
//!   ([`TRANSACTION_RETRY`]).
//! - Status transitions of orders and reorders are conditional replaces on
//!   `version`; their side effects (stock release, daily sales, receiving)
//!   join them in a transaction only when there are any.
//! - Uniqueness (usernames, idempotency keys, one open reorder per SKU) is
//!   enforced by unique keys (a unique index, or `_id` for keys and the
//!   open-reorder marker), never by read-then-write.
//! - `low_stock` is a stored flag recomputed by every pipeline update that
//!   changes stock or the reorder point, because a partial index filter
//!   cannot compare two fields; the partial index on it makes the
//!   low-stock page cost what the low-stock listings cost.
//!
//! - Attempt counters (sign-in failures, registrations per address) are
//!   one document per key, counted by atomic updates, under a TTL index.
//!
//! Multi-document transactions need a replica set or a sharded cluster:
//! [`MongoStore::check_deployment`] refuses a standalone server with a
//! clear message instead of failing on the first order.

mod accounts;
mod attempts;
mod codec;
mod deployment;
mod documents;
mod error;
mod forecasts;
mod indexes;
mod listing_pages;
mod listings;
mod order_records;
mod orders;
mod paging;
mod placement;
mod procurement;
mod setup;
mod stats;
mod txn;

use mongodb::bson::Document;
use mongodb::{Client, Collection, Database};

use crate::retry::RetryPolicy;

pub use deployment::{Deployment, DeploymentError, MIN_WIRE_VERSION, classify_hello};
pub use indexes::{IndexSpec, index_specs};
pub use setup::{
    APP_NAME, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_IDLE_TIME, DEFAULT_MAX_POOL_SIZE,
    DEFAULT_SERVER_SELECTION_TIMEOUT, SetupError,
};
pub use txn::{COMMIT_RETRY, TRANSACTION_RETRY};

/// Collection names, shared by the adapter, the index set-up and the docs.
pub mod collections {
    pub const LISTINGS: &str = "listings";
    pub const ORDERS: &str = "orders";
    pub const IDEMPOTENCY: &str = "idempotency";
    pub const CUSTOMERS: &str = "customers";
    pub const SUPPLIERS: &str = "suppliers";
    pub const REORDERS: &str = "reorders";
    pub const OPEN_REORDERS: &str = "open_reorders";
    pub const DAILY_SALES: &str = "daily_sales";
    pub const FORECASTS: &str = "forecasts";
    pub const ATTEMPTS: &str = "attempts";

    pub const ALL: [&str; 10] = [
        LISTINGS,
        ORDERS,
        IDEMPOTENCY,
        CUSTOMERS,
        SUPPLIERS,
        REORDERS,
        OPEN_REORDERS,
        DAILY_SALES,
        FORECASTS,
        ATTEMPTS,
    ];
}

/// The MongoDB implementation of every store port.
#[derive(Debug, Clone)]
pub struct MongoStore {
    client: Client,
    db: Database,
    listings: Collection<Document>,
    orders: Collection<Document>,
    idempotency: Collection<Document>,
    customers: Collection<Document>,
    suppliers: Collection<Document>,
    reorders: Collection<Document>,
    open_reorders: Collection<Document>,
    daily_sales: Collection<Document>,
    forecasts: Collection<Document>,
    attempts: Collection<Document>,
    retry: RetryPolicy,
}

impl MongoStore {
    fn from_client(client: Client, database: &str) -> Self {
        let db = client.database(database);
        let collection = |name| db.collection::<Document>(name);
        Self {
            listings: collection(collections::LISTINGS),
            orders: collection(collections::ORDERS),
            idempotency: collection(collections::IDEMPOTENCY),
            customers: collection(collections::CUSTOMERS),
            suppliers: collection(collections::SUPPLIERS),
            reorders: collection(collections::REORDERS),
            open_reorders: collection(collections::OPEN_REORDERS),
            daily_sales: collection(collections::DAILY_SALES),
            forecasts: collection(collections::FORECASTS),
            attempts: collection(collections::ATTEMPTS),
            retry: TRANSACTION_RETRY,
            client,
            db,
        }
    }

    /// Replaces the transaction retry policy.
    pub fn with_transaction_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The driver client, e.g. to share its pool with other code.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// The database this store works in.
    pub fn database(&self) -> &Database {
        &self.db
    }
}
