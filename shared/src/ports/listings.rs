use async_trait::async_trait;
use chrono::{DateTime, Utc};

use super::{Page, PageRequest, StoreError, StoreResult};
use crate::domain::{
    AmazonState, DomainError, EventStamp, Listing, ListingDraft, ListingStatus, Sku, Stock,
    StockDelta,
};

/// A case-insensitive search term for `GET /listings?q=`: 1 to 100
/// characters, stored lower-case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchTerm(String);

impl SearchTerm {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.chars().count() > 100 {
            return Err(DomainError::new("q must be 1 to 100 characters"));
        }
        Ok(Self(trimmed.to_lowercase()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Whether the listing's SKU or title contains the term.
    pub fn matches(&self, listing: &Listing) -> bool {
        listing.sku.as_str().to_lowercase().contains(&self.0)
            || listing.title.as_str().to_lowercase().contains(&self.0)
    }
}

/// The fewest listings one page of `list_listings` may examine.
pub const MIN_LISTING_SCAN: usize = 200;

/// How many listings one page of `list_listings` may examine (read and test
/// against the filter) before it answers: ten times the page size, at least
/// [`MIN_LISTING_SCAN`]. A filter that matches little (a `q` with no match,
/// `low_stock=false` over a low catalogue) then returns a short page, even
/// an empty one, with a cursor that resumes right after the last listing
/// examined, instead of reading the whole catalogue in one request.
pub fn listing_scan_budget(limit: usize) -> usize {
    limit.saturating_mul(10).max(MIN_LISTING_SCAN)
}

#[derive(Debug, Clone, Default)]
pub struct ListingFilter {
    pub status: Option<ListingStatus>,
    pub low_stock: Option<bool>,
    pub q: Option<SearchTerm>,
}

impl ListingFilter {
    pub fn matches(&self, listing: &Listing) -> bool {
        self.status.is_none_or(|s| listing.status == s)
            && self
                .low_stock
                .is_none_or(|low| listing.is_low_stock() == low)
            && self.q.as_ref().is_none_or(|q| q.matches(listing))
    }
}

#[derive(Debug, Clone)]
pub enum PutOutcome {
    Created(Listing),
    Updated(Listing),
}

#[derive(Debug, thiserror::Error)]
pub enum AdjustStockError {
    #[error("no such listing")]
    NotFound,
    /// The change would take stock below zero (or past the maximum).
    #[error("stock would leave its range; available is {available:?}")]
    OutOfRange { available: Stock },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Why [`ListingStore::update_amazon_state`] wrote nothing.
#[derive(Debug, thiserror::Error)]
pub enum AmazonStateError {
    #[error("no such listing")]
    NotFound,
    /// The stored Amazon state is no longer at the revision the new one
    /// was computed from: read again and recompute.
    #[error("the Amazon state changed since it was read")]
    Conflict,
    /// The stock change would take stock below zero (or past the maximum).
    #[error("stock would leave its range; available is {available:?}")]
    OutOfRange { available: Stock },
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What happened to an SP-API notification.
// Returned once per notification, never stored in bulk: boxing the listing
// would cost an allocation for nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq)]
pub enum NotificationOutcome {
    Applied(Listing),
    /// Older than (or the same as) the last one applied: no effect.
    Stale,
    /// The SKU is not in the catalogue: nothing to change.
    UnknownListing,
}

/// Listings and their stock.
#[async_trait]
pub trait ListingStore: Send + Sync {
    async fn get_listing(&self, sku: &Sku) -> StoreResult<Option<Listing>>;

    /// The listings that exist among `skus`, in any order.
    async fn get_listings(&self, skus: &[Sku]) -> StoreResult<Vec<Listing>>;

    /// Creates the listing or updates its writable fields. Stock changes only
    /// when `draft.available` is set; concurrent reservations are never lost.
    /// The status changes only when `draft.status` is set (a new listing
    /// without it is ACTIVE), in the same atomic write. Notification stamps
    /// are kept.
    async fn put_listing(
        &self,
        draft: &ListingDraft,
        now: DateTime<Utc>,
    ) -> StoreResult<PutOutcome>;

    /// Removes the listing; `false` when there was none.
    async fn delete_listing(&self, sku: &Sku) -> StoreResult<bool>;

    /// Atomically adds `delta` to the stock, refusing to leave `0..=Stock::MAX`.
    async fn adjust_stock(
        &self,
        sku: &Sku,
        delta: StockDelta,
        now: DateTime<Utc>,
    ) -> Result<Listing, AdjustStockError>;

    /// Listings in SKU order, filtered. A page examines at most
    /// [`listing_scan_budget`] listings: it may come back short (even
    /// empty) with a `next_cursor` where the scan stopped; following the
    /// cursors finds every match exactly once.
    async fn list_listings(
        &self,
        filter: &ListingFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Listing>>;

    /// Listings at or below their reorder point. Costs in proportion to the
    /// low-stock listings, not the catalogue.
    async fn low_stock_listings(&self, page: &PageRequest) -> StoreResult<Page<Listing>>;

    /// Sets the status from an SP-API notification if `stamp` supersedes
    /// the last applied status stamp.
    async fn apply_status_notification(
        &self,
        sku: &Sku,
        status: ListingStatus,
        stamp: &EventStamp,
        now: DateTime<Utc>,
    ) -> StoreResult<NotificationOutcome>;

    /// Sets the available stock from an SP-API MFN quantity notification if
    /// `stamp` supersedes the last applied quantity stamp.
    async fn apply_quantity_notification(
        &self,
        sku: &Sku,
        available: Stock,
        stamp: &EventStamp,
        now: DateTime<Utc>,
    ) -> StoreResult<NotificationOutcome>;

    /// Replaces the Amazon state of an `amazon_mfn` listing with `next` and
    /// adds `stock_delta` to its stock, in one atomic write, only while the
    /// stored state is still at `expected_revision` (0: no state yet) and
    /// the stock stays in `0..=Stock::MAX`. Refusals are checked in the
    /// order `NotFound`, `Conflict`, `OutOfRange`.
    async fn update_amazon_state(
        &self,
        sku: &Sku,
        expected_revision: u32,
        next: &AmazonState,
        stock_delta: i64,
        now: DateTime<Utc>,
    ) -> Result<Listing, AmazonStateError>;

    /// Sets the reorder point (from the forecast); `false` when there is no
    /// such listing.
    async fn set_reorder_point(
        &self,
        sku: &Sku,
        reorder_point: u32,
        now: DateTime<Utc>,
    ) -> StoreResult<bool>;
}
