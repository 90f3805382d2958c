//! `/listings*`: the catalogue. Reads for anyone signed in, writes for admins.
//!
//! Reads come in two views. Admins get every listing in full
//! ([`ListingView`]). Customers get the shop ([`ShopListingView`]): ACTIVE
//! listings only, without the procurement fields (supplier, reorder point
//! and quantity, lead time, low-stock flag); another status is absent from
//! their lists, whatever the filter, and 404 on a single read, as if it
//! did not exist.

use http::{Response, StatusCode};
use lambda_http::Body;
use serde::Deserialize;
use utoipa::ToSchema;

use crate::app::{self, App, AppError, ListingInput, Resource};
use crate::domain::{Currency, ListingStatus, Price, Sku, Stock, StockDelta, SupplierId, Title};
use crate::http::error::{ErrorBody, field_error};
use crate::http::routes::responses::{AdminOnly, JsonBody, Paged, SignedIn};
use crate::http::routes::schemas;
use crate::http::{ApiError, ApiRequest, response};
use crate::ports::{Cursor, ListingFilter, PageLimit, SearchTerm};
use crate::views::{ListingRead, ListingView, PageView, ShopListingView};

fn sku_param(req: &ApiRequest) -> Result<Sku, ApiError> {
    Sku::parse(req.param("sku")).map_err(|e| field_error("sku", e.message()))
}

#[utoipa::path(
    get, path = "/listings", tag = "listings", operation_id = "listListings",
    params(
        ("limit" = inline(Option<PageLimit>), Query, description = "Page size, 1 to 100 (default 20)"),
        ("cursor" = inline(Option<Cursor>), Query, description = "The `next_cursor` of the previous page"),
        ("status" = Option<ListingStatus>, Query, description = "Only this status. Customers only ever see ACTIVE listings: another status gives them an empty page"),
        ("low_stock" = Option<bool>, Query, description = "Admins: only listings at or below (true) / above (false) their reorder point. Ignored for customers, who are not shown reorder points"),
        ("q" = inline(Option<SearchTerm>), Query, description = "Case-insensitive text in the SKU or title"),
    ),
    responses(
        SignedIn, Paged,
        (status = 200, description = "A page of listings in SKU order: `ShopListingView` items for a customer, `ListingView` items for an admin", body = PageView<ListingRead>),
    ),
    security(("bearer" = []))
)]
pub async fn list(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let full = req.principal(app)?.is_admin();
    let page = req.page()?;
    let status = req
        .query("status")
        .map(ListingStatus::parse)
        .transpose()
        .map_err(|e| field_error("status", e.message()))?;
    let low_stock = match req.query("low_stock") {
        None => None,
        Some("true") => Some(true),
        Some("false") => Some(false),
        Some(_) => return Err(field_error("low_stock", "must be true or false")),
    };
    let q = req
        .query("q")
        .map(SearchTerm::parse)
        .transpose()
        .map_err(|e| field_error("q", e.message()))?;
    let filter = if full {
        ListingFilter {
            status,
            low_stock,
            q,
        }
    } else if status.is_none_or(|s| s == ListingStatus::Active) {
        ListingFilter {
            status: Some(ListingStatus::Active),
            low_stock: None,
            q,
        }
    } else {
        return Ok(response::json(
            StatusCode::OK,
            &PageView::<ShopListingView> {
                items: Vec::new(),
                next_cursor: None,
            },
        ));
    };
    let found = app::list_listings(app, &filter, &page).await?;
    Ok(response::json(
        StatusCode::OK,
        &PageView {
            items: found
                .items
                .iter()
                .filter(|l| full || l.status == ListingStatus::Active)
                .map(|l| ListingRead::of(l, full))
                .collect(),
            next_cursor: found.next_cursor.map(|c| c.as_str().to_owned()),
        },
    ))
}

#[utoipa::path(
    get, path = "/listings/{sku}", tag = "listings", operation_id = "getListing",
    params(("sku" = inline(Sku), Path, description = "Seller SKU")),
    responses(
        SignedIn,
        (status = 200, description = "The listing: a `ShopListingView` for a customer, a `ListingView` for an admin", body = ListingRead),
        (status = 400, description = "`validation_failed`: not a SKU", body = ErrorBody),
        (status = 404, description = "No such listing (for a customer, also one that is not ACTIVE)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn get(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let full = req.principal(app)?.is_admin();
    let sku = sku_param(req)?;
    let listing = app::get_listing(app, &sku).await?;
    if !full && listing.status != ListingStatus::Active {
        return Err(AppError::NotFound(Resource::Listing).into());
    }
    Ok(response::json(
        StatusCode::OK,
        &ListingRead::of(&listing, full),
    ))
}

/// The writable fields of a listing.
#[derive(Debug, Deserialize, ToSchema)]
pub struct PutListingBody {
    pub title: Title,
    /// Decimal string, at most 4 decimal places.
    pub price: Price,
    /// Defaults to the store currency; must equal it.
    pub currency: Option<Currency>,
    /// Sets the stock when present; absent keeps it (0 for a new listing).
    pub available: Option<Stock>,
    /// Sets the status when present; absent keeps it (ACTIVE for a new
    /// listing), so an edit never revives an INACTIVE or DELETED listing.
    pub status: Option<ListingStatus>,
    /// An existing supplier (`PUT /suppliers/{id}`).
    pub supplier_id: Option<SupplierId>,
    /// Low-stock threshold, 0 to 1000000.
    #[schema(minimum = 0, maximum = 1_000_000)]
    #[serde(default, deserialize_with = "crate::domain::optional_count")]
    pub reorder_point: Option<u32>,
    /// Units a reorder asks for, 0 to 1000000.
    #[schema(minimum = 0, maximum = 1_000_000)]
    #[serde(default, deserialize_with = "crate::domain::optional_count")]
    pub reorder_quantity: Option<u32>,
    /// The supplier's lead time, 0 to 365 days.
    #[schema(minimum = 0, maximum = 365)]
    #[serde(default, deserialize_with = "crate::domain::optional_count")]
    pub lead_time_days: Option<u32>,
    /// Let the daily forecast set `reorder_point`.
    pub auto_reorder_point: Option<bool>,
    /// Also sold on Amazon as a merchant-fulfilled offer: Stockroom pushes
    /// its stock and price there and reads Amazon's quantity changes as
    /// Amazon's sales. Absent keeps the stored flag (false for a new
    /// listing).
    pub amazon_mfn: Option<bool>,
}

#[utoipa::path(
    put, path = "/listings/{sku}", tag = "listings", operation_id = "putListing",
    params(("sku" = inline(Sku), Path, description = "Seller SKU")),
    request_body = PutListingBody,
    responses(
        AdminOnly, JsonBody,
        (status = 200, description = "Listing updated", body = ListingView),
        (status = 201, description = "Listing created", body = ListingView),
        (status = 422, description = "`unknown_supplier`, or `unsupported_currency` (not the store's)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn put(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let sku = sku_param(req)?;
    let body: PutListingBody = req.json()?;
    let within = |field: &str, value: Option<u32>, max: u32| match value {
        Some(v) if v > max => Err(field_error(field, &format!("must be at most {max}"))),
        _ => Ok(value),
    };
    let input = ListingInput {
        title: body.title,
        price: body.price,
        currency: body.currency,
        available: body.available,
        status: body.status,
        supplier_id: body.supplier_id,
        reorder_point: within("reorder_point", body.reorder_point, 1_000_000)?,
        reorder_quantity: within("reorder_quantity", body.reorder_quantity, 1_000_000)?,
        lead_time_days: within("lead_time_days", body.lead_time_days, 365)?,
        auto_reorder_point: body.auto_reorder_point,
        amazon_mfn: body.amazon_mfn,
    };
    let (listing, created) = app::put_listing(app, sku, input).await?;
    let status = if created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok(response::json(status, &ListingView::from(&listing)))
}

#[utoipa::path(
    delete, path = "/listings/{sku}", tag = "listings", operation_id = "deleteListing",
    params(("sku" = inline(Sku), Path, description = "Seller SKU")),
    responses(
        AdminOnly,
        (status = 204, description = "Listing deleted (its status is DELETED)"),
        (status = 400, description = "`validation_failed`: not a SKU", body = ErrorBody),
        (status = 404, description = "No such listing", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn delete(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let sku = sku_param(req)?;
    app::delete_listing(app, &sku).await?;
    Ok(response::no_content())
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct StockAdjustment {
    /// Units to add (positive) or remove (negative); not zero.
    pub delta: StockDelta,
    /// Why, for the log: 1 to 200 characters after trimming.
    #[schema(schema_with = schemas::reason)]
    pub reason: String,
}

#[utoipa::path(
    post, path = "/listings/{sku}/stock", tag = "listings", operation_id = "adjustStock",
    params(("sku" = inline(Sku), Path, description = "Seller SKU")),
    request_body = StockAdjustment,
    responses(
        AdminOnly, JsonBody,
        (status = 200, description = "Stock adjusted", body = ListingView),
        (status = 404, description = "No such listing", body = ErrorBody),
        (status = 409, description = "`stock_out_of_range`: stock would leave 0 to 1000000000 (details: `available`)", body = ErrorBody),
    ),
    security(("bearer" = []))
)]
pub async fn adjust_stock(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    req.admin(app)?;
    let sku = sku_param(req)?;
    let body: StockAdjustment = req.json()?;
    let reason = body.reason.trim();
    if reason.is_empty() || reason.chars().count() > 200 {
        return Err(field_error("reason", "must be 1 to 200 characters"));
    }
    let listing = app::adjust_stock(app, &sku, body.delta, reason).await?;
    Ok(response::json(StatusCode::OK, &ListingView::from(&listing)))
}
