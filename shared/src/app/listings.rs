//! Admin writes to the catalogue.

use chrono::Utc;

use super::{App, AppError};
use crate::domain::{
    Currency, Listing, ListingDraft, ListingStatus, Price, Sku, Stock, StockDelta, SupplierId,
    Title,
};
use crate::ports::{AdjustStockError, PutOutcome};

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
}

/// Creates or updates a listing. Returns it and whether it was created.
pub async fn put_listing(
    app: &App,
    sku: Sku,
    input: ListingInput,
) -> Result<(Listing, bool), AppError> {
    let currency = input.currency.unwrap_or(app.settings.currency);
    if currency != app.settings.currency {
        return Err(AppError::unprocessable(
            "unsupported_currency",
            format!("listings are priced in {}", app.settings.currency),
            None,
        ));
    }
    if let Some(supplier_id) = &input.supplier_id
        && app.store.get_supplier(supplier_id).await?.is_none()
    {
        return Err(AppError::unprocessable(
            "unknown_supplier",
            format!("no such supplier: {supplier_id}"),
            None,
        ));
    }
    let s = &app.settings;
    let draft = ListingDraft {
        sku,
        title: input.title,
        price: input.price,
        currency,
        available: input.available,
        status: input.status.unwrap_or(ListingStatus::Active),
        supplier_id: input.supplier_id,
        reorder_point: input.reorder_point.unwrap_or(s.default_reorder_point),
        reorder_quantity: input.reorder_quantity.unwrap_or(s.default_reorder_quantity),
        lead_time_days: input.lead_time_days.unwrap_or(s.default_lead_time_days),
        auto_reorder_point: input.auto_reorder_point.unwrap_or(false),
    };
    match app.store.put_listing(&draft, app.clock.now()).await? {
        PutOutcome::Created(listing) => Ok((listing, true)),
        PutOutcome::Updated(listing) => Ok((listing, false)),
    }
}

/// Adds `delta` to the stock atomically; 409 when it would go negative.
pub async fn adjust_stock(
    app: &App,
    sku: &Sku,
    delta: StockDelta,
    reason: &str,
) -> Result<Listing, AppError> {
    match app.store.adjust_stock(sku, delta, app.clock.now()).await {
        Ok(listing) => {
            tracing::info!(sku = %sku, delta = delta.get(), reason, available = listing.available.get(), "stock adjusted");
            Ok(listing)
        }
        Err(AdjustStockError::NotFound) => Err(AppError::NotFound("listing")),
        Err(AdjustStockError::OutOfRange { available }) => Err(AppError::Conflict {
            code: "stock_out_of_range",
            message: format!(
                "stock would go {} (available: {})",
                if delta.get() < 0 {
                    "negative"
                } else {
                    "past the maximum"
                },
                available.get()
            ),
            details: Some(serde_json::json!({ "available": available.get() })),
        }),
        Err(AdjustStockError::Store(e)) => Err(e.into()),
    }
}

pub async fn delete_listing(app: &App, sku: &Sku) -> Result<(), AppError> {
    if app.store.delete_listing(sku).await? {
        tracing::info!(sku = %sku, at = %Utc::now(), "listing deleted");
        Ok(())
    } else {
        Err(AppError::NotFound("listing"))
    }
}
