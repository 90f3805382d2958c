//! Collections and indexes: created by a set-up step, never on a cold
//! start (index builds take locks and time that no request should pay).
//!
//! Every index exists for a named query or invariant; `docs/mongodb.md`
//! explains each one. `createIndexes` with an identical specification is a
//! no-op, so [`MongoStore::ensure_indexes`] is idempotent; a different
//! specification under the same name fails loudly instead of being
//! silently dropped and rebuilt.

use std::time::Duration;

use mongodb::IndexModel;
use mongodb::bson::{Document, doc};
use mongodb::options::IndexOptions;

use super::MongoStore;
use super::collections::{self, ATTEMPTS, CUSTOMERS, IDEMPOTENCY, LISTINGS, ORDERS, REORDERS};
use super::error::{code, store_error};
use super::setup::SetupError;

/// One secondary index.
#[derive(Debug, Clone)]
pub struct IndexSpec {
    pub collection: &'static str,
    pub name: &'static str,
    pub keys: Document,
    pub unique: bool,
    pub partial: Option<Document>,
    pub expire_after: Option<Duration>,
}

impl IndexSpec {
    fn new(collection: &'static str, name: &'static str, keys: Document) -> Self {
        Self {
            collection,
            name,
            keys,
            unique: false,
            partial: None,
            expire_after: None,
        }
    }

    fn model(&self) -> IndexModel {
        let options = IndexOptions::builder()
            .name(self.name.to_owned())
            .unique(self.unique.then_some(true))
            .partial_filter_expression(self.partial.clone())
            .expire_after(self.expire_after)
            .build();
        IndexModel::builder()
            .keys(self.keys.clone())
            .options(options)
            .build()
    }
}

/// The full index set, in the order they are created.
pub fn index_specs() -> Vec<IndexSpec> {
    vec![
        // Low-stock page: only low listings are in this index, in SKU order.
        IndexSpec {
            partial: Some(doc! { "low_stock": true }),
            ..IndexSpec::new(
                LISTINGS,
                "low_stock_by_sku",
                doc! { "low_stock": 1, "_id": 1 },
            )
        },
        // `GET /listings?status=`: one status, in SKU order.
        IndexSpec::new(LISTINGS, "status_by_sku", doc! { "status": 1, "_id": 1 }),
        // A customer's order history, newest first.
        IndexSpec::new(
            ORDERS,
            "customer_newest",
            doc! { "customer_id": 1, "_id": -1 },
        ),
        // Orders in one status by id: admin filter (newest first) and the
        // stale-PENDING sweep (oldest first) walk it in either direction.
        IndexSpec::new(ORDERS, "status_by_id", doc! { "status": 1, "_id": 1 }),
        // Per-status counts and completed processing time, covered.
        IndexSpec::new(
            ORDERS,
            "status_metrics",
            doc! { "status": 1, "processing_ms": 1 },
        ),
        // Daily totals for a date range, covered.
        IndexSpec::new(ORDERS, "daily_totals", doc! { "day": 1, "total_amount": 1 }),
        // Expired idempotency records go away on their own; reads still
        // compare `expires_at`, since the TTL monitor runs once a minute.
        IndexSpec {
            expire_after: Some(Duration::ZERO),
            ..IndexSpec::new(IDEMPOTENCY, "ttl", doc! { "expire_at": 1 })
        },
        // Ended attempt windows go away on their own (reads compare
        // `ends_at` too).
        IndexSpec {
            expire_after: Some(Duration::ZERO),
            ..IndexSpec::new(ATTEMPTS, "ttl", doc! { "ends_at": 1 })
        },
        IndexSpec {
            unique: true,
            ..IndexSpec::new(CUSTOMERS, "username_unique", doc! { "username": 1 })
        },
        // `GET /reorders?status=`, newest first.
        IndexSpec::new(REORDERS, "status_newest", doc! { "status": 1, "_id": -1 }),
    ]
}

/// `NamespaceExists`: the collection is already there.
const NAMESPACE_EXISTS: i32 = 48;

impl MongoStore {
    /// Creates the collections and indexes. Idempotent; a set-up step.
    ///
    /// Collections are created explicitly because a transaction's first
    /// write into a missing collection is refused by older servers and by
    /// sharded clusters.
    pub async fn ensure_indexes(&self) -> Result<(), SetupError> {
        for name in collections::ALL {
            match self.db.create_collection(name).await {
                Err(err) if code(&err) == Some(NAMESPACE_EXISTS) => {}
                other => other.map_err(store_error)?,
            }
        }
        for spec in index_specs() {
            self.db
                .collection::<Document>(spec.collection)
                .create_index(spec.model())
                .await
                .map_err(|e| SetupError::Index {
                    collection: spec.collection,
                    index: spec.name,
                    source: store_error(e),
                })?;
        }
        Ok(())
    }
}
