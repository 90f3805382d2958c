//! The catalogue: reading listings (anyone signed in) and the admin's
//! writes (create or replace, delete, stock adjustments).

use chrono::Utc;

use super::{App, AppError, Conflict, Refusal, Resource, StockLimit, amazon_sync};
use crate::domain::{
    Currency, Listing, ListingDraft, ListingStatus, Price, Sku, Stock, StockDelta, SupplierId,
    Title,
};
use crate::ports::{AdjustStockError, ListingFilter, Page, PageRequest, PutOutcome};

/// A page of listings matching `filter`, in SKU order.
pub async fn list_listings(
    app: &App,
    filter: &ListingFilter,
    page: &PageRequest,
) -> Result<Page<Listing>, AppError> {
    Ok(app.store.list_listings(filter, page).await?)
}

pub async fn get_listing(app: &App, sku: &Sku) -> Result<Listing, AppError> {
    app.store
        .get_listing(sku)
        .await?
        .ok_or(AppError::NotFound(Resource::Listing))
}

/// The parsed body of `PUT /listings/{sku}`; absent optional fields take
/// the configured defaults.
#[derive(Debug, Clone)]
pub struct ListingInput {
    pub title: Title,
    pub price: Price,
    pub currency: Option<Currency>,
    pub available: Option<Stock>,
    pub status: Option<ListingStatus>,
    pub supplier_id: Option<SupplierId>,
    pub reorder_point: Option<u32>,
    pub reorder_quantity: Option<u32>,
    pub lead_time_days: Option<u32>,
    pub auto_reorder_point: Option<bool>,
    /// Absent keeps the stored flag (false for a new listing).
    pub amazon_mfn: Option<bool>,
}

/// Creates or updates a listing. Returns it and whether it was created.
pub async fn put_listing(
    app: &App,
    sku: Sku,
    input: ListingInput,
) -> Result<(Listing, bool), AppError> {
    let currency = input.currency.unwrap_or(app.settings.currency);
    if currency != app.settings.currency {
        return Err(Refusal::UnsupportedCurrency {
            store: app.settings.currency,
        }
        .into());
    }
    if let Some(supplier_id) = &input.supplier_id
        && app.store.get_supplier(supplier_id).await?.is_none()
    {
        return Err(Refusal::UnknownSupplier(supplier_id.clone()).into());
    }
    let s = &app.settings;
    let draft = ListingDraft {
        sku,
        title: input.title,
        price: input.price,
        currency,
        available: input.available,
        status: input.status,
        supplier_id: input.supplier_id,
        reorder_point: input.reorder_point.unwrap_or(s.default_reorder_point),
        reorder_quantity: input.reorder_quantity.unwrap_or(s.default_reorder_quantity),
        lead_time_days: input.lead_time_days.unwrap_or(s.default_lead_time_days),
        auto_reorder_point: input.auto_reorder_point.unwrap_or(false),
        amazon_mfn: input.amazon_mfn,
    };
    let (listing, created) = match app.store.put_listing(&draft, app.clock.now()).await? {
        PutOutcome::Created(listing) => (listing, true),
        PutOutcome::Updated(listing) => (listing, false),
    };
    // An edit may change the price or the stock, or mark the listing for
    // Amazon: the sync skips it if Amazon already shows this.
    amazon_sync::schedule(app, [&listing]).await;
    Ok((listing, created))
}

/// Adds `delta` to the stock atomically; [`Conflict::StockOutOfRange`]
/// when it would go negative (or past the maximum).
pub async fn adjust_stock(
    app: &App,
    sku: &Sku,
    delta: StockDelta,
    reason: &str,
) -> Result<Listing, AppError> {
    match app.store.adjust_stock(sku, delta, app.clock.now()).await {
        Ok(listing) => {
            tracing::info!(sku = %sku, delta = delta.get(), reason, available = listing.available.get(), "stock adjusted");
            amazon_sync::schedule(app, [&listing]).await;
            Ok(listing)
        }
        Err(AdjustStockError::NotFound) => Err(AppError::NotFound(Resource::Listing)),
        Err(AdjustStockError::OutOfRange { available }) => Err(Conflict::StockOutOfRange {
            limit: if delta.get() < 0 {
                StockLimit::Zero
            } else {
                StockLimit::Maximum
            },
            available: available.get(),
        }
        .into()),
        Err(AdjustStockError::Store(e)) => Err(e.into()),
    }
}

pub async fn delete_listing(app: &App, sku: &Sku) -> Result<(), AppError> {
    // Read first: once deleted, only this copy says whether Amazon sells it
    // too and must be told that it has none left.
    let before = app.store.get_listing(sku).await?;
    if app.store.delete_listing(sku).await? {
        tracing::info!(sku = %sku, at = %Utc::now(), "listing deleted");
        amazon_sync::schedule(app, before.iter()).await;
        Ok(())
    } else {
        Err(AppError::NotFound(Resource::Listing))
    }
}
