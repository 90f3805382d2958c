use std::ops::Bound;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{MemoryStore, take_page};
use crate::domain::{
    AmazonState, EventStamp, Listing, ListingDraft, ListingStatus, Sku, Stock, StockDelta,
};
use crate::ports::{
    AdjustStockError, AmazonStateError, Cursor, ListingFilter, ListingStore, NotificationOutcome,
    Page, PageRequest, PutOutcome, StoreResult, listing_scan_budget,
};

const LISTINGS: &str = "listings";
const LOW_STOCK: &str = "low-stock";

fn start_after(page: &PageRequest, kind: &str) -> StoreResult<Option<Sku>> {
    page.cursor
        .as_ref()
        .map(|c| c.decode::<Sku>(kind))
        .transpose()
}

fn listing_page(
    listings: impl Iterator<Item = Listing>,
    page: &PageRequest,
    kind: &str,
) -> StoreResult<Page<Listing>> {
    let (items, next) = take_page(listings, page.limit.get(), |l| l.sku.clone());
    Ok(Page {
        items,
        next_cursor: next.map(|sku| Cursor::encode(kind, &sku)).transpose()?,
    })
}

/// A page of the listings matching `filter` among `listings` (in SKU
/// order), examining at most `listing_scan_budget` of them: a scan cut
/// short returns what it found with a cursor at the last listing examined.
fn bounded_page<'a>(
    listings: impl Iterator<Item = &'a Listing>,
    filter: &ListingFilter,
    limit: usize,
) -> StoreResult<Page<Listing>> {
    let mut budget = listing_scan_budget(limit);
    let mut items: Vec<Listing> = Vec::new();
    let mut listings = listings.peekable();
    while let Some(listing) = listings.next() {
        budget -= 1;
        if filter.matches(listing) {
            if let Some(last) = items.get(limit.saturating_sub(1)) {
                // A match beyond a full page: there is a next page.
                let next_cursor = Some(Cursor::encode(LISTINGS, &last.sku)?);
                return Ok(Page { items, next_cursor });
            }
            items.push(listing.clone());
        }
        if budget == 0 && listings.peek().is_some() {
            let next_cursor = Some(Cursor::encode(LISTINGS, &listing.sku)?);
            return Ok(Page { items, next_cursor });
        }
    }
    Ok(Page {
        items,
        next_cursor: None,
    })
}

#[async_trait]
impl ListingStore for MemoryStore {
    async fn get_listing(&self, sku: &Sku) -> StoreResult<Option<Listing>> {
        Ok(self.lock().listings.get(sku).cloned())
    }

    async fn get_listings(&self, skus: &[Sku]) -> StoreResult<Vec<Listing>> {
        let state = self.lock();
        Ok(skus
            .iter()
            .filter_map(|sku| state.listings.get(sku).cloned())
            .collect())
    }

    async fn put_listing(
        &self,
        draft: &ListingDraft,
        now: DateTime<Utc>,
    ) -> StoreResult<PutOutcome> {
        let mut state = self.lock();
        match state.listings.get_mut(&draft.sku) {
            Some(listing) => {
                listing.apply_draft(draft, now);
                Ok(PutOutcome::Updated(listing.clone()))
            }
            None => {
                let listing = Listing::from_draft(draft, now);
                state.listings.insert(draft.sku.clone(), listing.clone());
                Ok(PutOutcome::Created(listing))
            }
        }
    }

    async fn delete_listing(&self, sku: &Sku) -> StoreResult<bool> {
        Ok(self.lock().listings.remove(sku).is_some())
    }

    async fn adjust_stock(
        &self,
        sku: &Sku,
        delta: StockDelta,
        now: DateTime<Utc>,
    ) -> Result<Listing, AdjustStockError> {
        let mut state = self.lock();
        let listing = state
            .listings
            .get_mut(sku)
            .ok_or(AdjustStockError::NotFound)?;
        let available = listing
            .available
            .apply(delta)
            .ok_or(AdjustStockError::OutOfRange {
                available: listing.available,
            })?;
        listing.available = available;
        listing.updated_at = now;
        Ok(listing.clone())
    }

    async fn list_listings(
        &self,
        filter: &ListingFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Listing>> {
        let after = start_after(page, LISTINGS)?;
        let state = self.lock();
        let from = match &after {
            Some(sku) => Bound::Excluded(sku),
            None => Bound::Unbounded,
        };
        let listings = state
            .listings
            .range((from, Bound::Unbounded))
            .map(|(_, l)| l);
        bounded_page(listings, filter, page.limit.get())
    }

    async fn low_stock_listings(&self, page: &PageRequest) -> StoreResult<Page<Listing>> {
        let after = start_after(page, LOW_STOCK)?;
        let state = self.lock();
        let iter = state
            .listings
            .values()
            .filter(|l| after.as_ref().is_none_or(|a| &l.sku > a))
            .filter(|l| l.is_low_stock())
            .cloned();
        listing_page(iter, page, LOW_STOCK)
    }

    async fn apply_status_notification(
        &self,
        sku: &Sku,
        status: ListingStatus,
        stamp: &EventStamp,
        now: DateTime<Utc>,
    ) -> StoreResult<NotificationOutcome> {
        let mut state = self.lock();
        let Some(listing) = state.listings.get_mut(sku) else {
            return Ok(NotificationOutcome::UnknownListing);
        };
        if !stamp.supersedes(listing.status_event.as_ref()) {
            return Ok(NotificationOutcome::Stale);
        }
        listing.status = status;
        listing.status_event = Some(stamp.clone());
        listing.updated_at = now;
        Ok(NotificationOutcome::Applied(listing.clone()))
    }

    async fn apply_quantity_notification(
        &self,
        sku: &Sku,
        available: Stock,
        stamp: &EventStamp,
        now: DateTime<Utc>,
    ) -> StoreResult<NotificationOutcome> {
        let mut state = self.lock();
        let Some(listing) = state.listings.get_mut(sku) else {
            return Ok(NotificationOutcome::UnknownListing);
        };
        if !stamp.supersedes(listing.quantity_event.as_ref()) {
            return Ok(NotificationOutcome::Stale);
        }
        listing.available = available;
        listing.quantity_event = Some(stamp.clone());
        listing.updated_at = now;
        Ok(NotificationOutcome::Applied(listing.clone()))
    }

    async fn update_amazon_state(
        &self,
        sku: &Sku,
        expected_revision: u32,
        next: &AmazonState,
        stock_delta: i64,
        now: DateTime<Utc>,
    ) -> Result<Listing, AmazonStateError> {
        let mut state = self.lock();
        let listing = state
            .listings
            .get_mut(sku)
            .ok_or(AmazonStateError::NotFound)?;
        if listing.amazon_revision() != expected_revision {
            return Err(AmazonStateError::Conflict);
        }
        let available = listing
            .available
            .get()
            .checked_add(stock_delta)
            .and_then(|v| Stock::new(v).ok())
            .ok_or(AmazonStateError::OutOfRange {
                available: listing.available,
            })?;
        listing.available = available;
        listing.amazon = Some(next.clone());
        listing.updated_at = now;
        Ok(listing.clone())
    }

    async fn set_reorder_point(
        &self,
        sku: &Sku,
        reorder_point: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let mut state = self.lock();
        match state.listings.get_mut(sku) {
            Some(listing) => {
                listing.reorder_point = reorder_point;
                listing.updated_at = now;
                Ok(true)
            }
            None => Ok(false),
        }
    }
}
