//! Listings: one document per SKU (`_id` is the SKU).
//!
//! Every write is a single atomic server-side update, conditional where
//! the port asks for a condition (stock range, notification staleness), so
//! concurrent reservations are never lost and no write needs a
//! transaction. Updates that touch `available` or `reorder_point` are
//! aggregation pipelines ending in [`low_stock_stage`], which keeps the
//! `low_stock` flag exact.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use futures::TryStreamExt;
use mongodb::bson::{Bson, Document, doc};
use mongodb::options::ReturnDocument;

use super::MongoStore;
use super::codec::{self, int, lit};
use super::documents::{
    amazon_state_doc, listing_draft_stage, listing_from, low_stock_stage, older_stamp_filter, stamp,
};
use super::error::{OrStore, is_duplicate_key};
use super::listing_pages::split_filter;
use super::paging::{self, Order, PageQuery};
use crate::domain::{
    AmazonState, EventStamp, Listing, ListingDraft, ListingStatus, Sku, Stock, StockDelta,
};
use crate::ports::{
    AdjustStockError, AmazonStateError, ListingFilter, ListingStore, NotificationOutcome, Page,
    PageRequest, PutOutcome, StoreResult,
};

const LISTINGS: &str = "listings";
const LOW_STOCK: &str = "low-stock";

/// An upsert that races another upsert of the same new `_id` may fail
/// with a duplicate key; the second try finds the document.
const UPSERT_TRIES: usize = 2;

fn sku_page(kind: &str) -> PageQuery<'_, Listing, Sku> {
    PageQuery {
        kind,
        order: Order::Ascending,
        decode: listing_from,
        key: |l| l.sku.clone(),
    }
}

/// Case-insensitive substring search on SKU and title, against the
/// lower-cased copies stored under `search`. `$indexOfCP` takes the term
/// literally (no regular-expression escaping to get wrong).
fn search_filter(term: &str) -> Document {
    let contains = |field: &str| {
        doc! { "$ne": [{ "$indexOfCP": [field, lit(term)] }, -1] }
    };
    doc! { "$expr": { "$or": [contains("$search.sku"), contains("$search.title")] } }
}

impl MongoStore {
    /// A pipeline update on one listing returning the new document, or
    /// `None` when `filter` matched nothing.
    async fn update_listing(
        &self,
        filter: Document,
        set: Document,
    ) -> StoreResult<Option<Listing>> {
        self.listings
            .find_one_and_update(filter, vec![doc! { "$set": set }, low_stock_stage()])
            .return_document(ReturnDocument::After)
            .await
            .or_store()?
            .as_ref()
            .map(listing_from)
            .transpose()
    }

    async fn listing_exists(&self, sku: &Sku) -> StoreResult<bool> {
        let found = self
            .listings
            .find_one(doc! { "_id": sku.as_str() })
            .projection(doc! { "_id": 1 })
            .await
            .or_store()?;
        Ok(found.is_some())
    }

    /// What a conditional notification update that matched nothing means.
    async fn not_applied(&self, sku: &Sku) -> StoreResult<NotificationOutcome> {
        Ok(if self.listing_exists(sku).await? {
            NotificationOutcome::Stale
        } else {
            NotificationOutcome::UnknownListing
        })
    }
}

#[async_trait]
impl ListingStore for MongoStore {
    async fn get_listing(&self, sku: &Sku) -> StoreResult<Option<Listing>> {
        self.listings
            .find_one(doc! { "_id": sku.as_str() })
            .await
            .or_store()?
            .as_ref()
            .map(listing_from)
            .transpose()
    }

    async fn get_listings(&self, skus: &[Sku]) -> StoreResult<Vec<Listing>> {
        if skus.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<&str> = skus.iter().map(Sku::as_str).collect();
        let docs: Vec<Document> = self
            .listings
            .find(doc! { "_id": { "$in": ids } })
            .await
            .or_store()?
            .try_collect()
            .await
            .or_store()?;
        docs.iter().map(listing_from).collect()
    }

    async fn put_listing(
        &self,
        draft: &ListingDraft,
        now: DateTime<Utc>,
    ) -> StoreResult<PutOutcome> {
        let pipeline = vec![listing_draft_stage(draft, now)?, low_stock_stage()];
        let mut tries = 0;
        let before = loop {
            tries += 1;
            // The document before the update says whether this created the
            // listing; the new state is the draft applied to it, exactly as
            // the pipeline applied it.
            let result = self
                .listings
                .find_one_and_update(doc! { "_id": draft.sku.as_str() }, pipeline.clone())
                .upsert(true)
                .return_document(ReturnDocument::Before)
                .await;
            match result {
                Err(err) if is_duplicate_key(&err) && tries < UPSERT_TRIES => continue,
                other => break other.or_store()?,
            }
        };
        Ok(match before {
            None => PutOutcome::Created(Listing::from_draft(draft, now)),
            Some(doc) => {
                let mut listing = listing_from(&doc)?;
                listing.apply_draft(draft, now);
                PutOutcome::Updated(listing)
            }
        })
    }

    async fn delete_listing(&self, sku: &Sku) -> StoreResult<bool> {
        let result = self
            .listings
            .delete_one(doc! { "_id": sku.as_str() })
            .await
            .or_store()?;
        Ok(result.deleted_count > 0)
    }

    async fn adjust_stock(
        &self,
        sku: &Sku,
        delta: StockDelta,
        now: DateTime<Utc>,
    ) -> Result<Listing, AdjustStockError> {
        // The stock may move only while the result stays in 0..=MAX; the
        // server checks the range and applies the change in one step.
        let delta = delta.get();
        let lowest = (-delta).max(0);
        let highest = (Stock::MAX - delta).min(Stock::MAX);
        let filter = doc! {
            "_id": sku.as_str(),
            "available": { "$gte": lowest, "$lte": highest },
        };
        let set = doc! {
            "available": { "$add": ["$available", int(delta)] },
            "updated_at": lit(codec::time(now)?),
        };
        if let Some(listing) = self.update_listing(filter, set).await? {
            return Ok(listing);
        }
        match self.get_listing(sku).await? {
            None => Err(AdjustStockError::NotFound),
            Some(listing) => Err(AdjustStockError::OutOfRange {
                available: listing.available,
            }),
        }
    }

    async fn list_listings(
        &self,
        filter: &ListingFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Listing>> {
        let after: Option<Sku> = paging::position(page, LISTINGS)?;
        let (indexed, mut rest) = split_filter(filter);
        if let Some(term) = &filter.q {
            rest.extend(search_filter(term.as_str()));
        }
        let after = after.map(|sku| Bson::String(sku.as_str().to_owned()));
        self.bounded_listing_page(indexed, rest, after, page.limit.get(), LISTINGS)
            .await
    }

    async fn low_stock_listings(&self, page: &PageRequest) -> StoreResult<Page<Listing>> {
        let after: Option<Sku> = paging::position(page, LOW_STOCK)?;
        let after = after.map(|sku| Bson::String(sku.as_str().to_owned()));
        let query = doc! { "low_stock": true };
        paging::fetch(&self.listings, query, after, page, sku_page(LOW_STOCK)).await
    }

    async fn apply_status_notification(
        &self,
        sku: &Sku,
        status: ListingStatus,
        event: &EventStamp,
        now: DateTime<Utc>,
    ) -> StoreResult<NotificationOutcome> {
        let mut filter = older_stamp_filter("status_event", event)?;
        filter.insert("_id", sku.as_str());
        let update = doc! { "$set": {
            "status": status.as_str(),
            "status_event": stamp(event)?,
            "updated_at": codec::time(now)?,
        }};
        let applied = self
            .listings
            .find_one_and_update(filter, update)
            .return_document(ReturnDocument::After)
            .await
            .or_store()?;
        match applied {
            Some(doc) => Ok(NotificationOutcome::Applied(listing_from(&doc)?)),
            None => self.not_applied(sku).await,
        }
    }

    async fn apply_quantity_notification(
        &self,
        sku: &Sku,
        available: Stock,
        event: &EventStamp,
        now: DateTime<Utc>,
    ) -> StoreResult<NotificationOutcome> {
        let mut filter = older_stamp_filter("quantity_event", event)?;
        filter.insert("_id", sku.as_str());
        let set = doc! {
            "available": lit(available.get()),
            "quantity_event": lit(stamp(event)?),
            "updated_at": lit(codec::time(now)?),
        };
        match self.update_listing(filter, set).await? {
            Some(listing) => Ok(NotificationOutcome::Applied(listing)),
            None => self.not_applied(sku).await,
        }
    }

    async fn update_amazon_state(
        &self,
        sku: &Sku,
        expected_revision: u32,
        next: &AmazonState,
        stock_delta: i64,
        now: DateTime<Utc>,
    ) -> Result<Listing, AmazonStateError> {
        // Compare-and-set on the state's revision, with the stock range
        // checked and the stock moved in the same server-side update.
        let lowest = (-stock_delta).max(0);
        let highest = (Stock::MAX - stock_delta).min(Stock::MAX);
        let mut filter = doc! {
            "_id": sku.as_str(),
            "available": { "$gte": lowest, "$lte": highest },
        };
        if expected_revision == 0 {
            filter.insert("amazon", Bson::Null);
        } else {
            filter.insert("amazon.revision", int(expected_revision));
        }
        let set = doc! {
            "amazon": lit(amazon_state_doc(next)?),
            "available": { "$add": ["$available", int(stock_delta)] },
            "updated_at": lit(codec::time(now)?),
        };
        if let Some(listing) = self.update_listing(filter, set).await? {
            return Ok(listing);
        }
        match self.get_listing(sku).await? {
            None => Err(AmazonStateError::NotFound),
            Some(listing) if listing.amazon_revision() != expected_revision => {
                Err(AmazonStateError::Conflict)
            }
            Some(listing) => Err(AmazonStateError::OutOfRange {
                available: listing.available,
            }),
        }
    }

    async fn set_reorder_point(
        &self,
        sku: &Sku,
        reorder_point: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let pipeline = vec![
            doc! { "$set": {
                "reorder_point": int(reorder_point),
                "updated_at": lit(codec::time(now)?),
            }},
            low_stock_stage(),
        ];
        let result = self
            .listings
            .update_one(doc! { "_id": sku.as_str() }, pipeline)
            .await
            .or_store()?;
        Ok(result.matched_count > 0)
    }
}

/// The pipeline stages that give `units` back to a listing (a released
/// reservation or a received reorder). Saturates at the maximum stock:
/// the goods exist either way.
pub(super) fn restock_pipeline(units: u32, now: DateTime<Utc>) -> StoreResult<Vec<Document>> {
    Ok(vec![
        doc! { "$set": {
            "available": { "$min": [{ "$add": ["$available", int(units)] }, Stock::MAX] },
            "updated_at": lit(codec::time(now)?),
        }},
        low_stock_stage(),
    ])
}

/// The pipeline that takes `units` from a listing; its filter has already
/// checked there are enough.
pub(super) fn reserve_pipeline(units: u32) -> Vec<Document> {
    vec![
        doc! { "$set": { "available": { "$subtract": ["$available", int(units)] } } },
        low_stock_stage(),
    ]
}

/// The condition under which a line may be reserved.
pub(super) fn reservable(sku: &Sku, units: u32) -> Document {
    doc! {
        "_id": sku.as_str(),
        "status": ListingStatus::Active.as_str(),
        "available": { "$gte": int(units) },
    }
}

/// Pipelines as a BSON array, for batched update statements.
pub(super) fn pipeline(stages: Vec<Document>) -> Bson {
    Bson::Array(stages.into_iter().map(Bson::Document).collect())
}
