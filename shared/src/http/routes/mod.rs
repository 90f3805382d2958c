//! Route handlers, one module per resource, named for its routes
//! (`/suppliers*` in `suppliers`, `/forecasts/{sku}` in `forecasts`). Each
//! handler is a plain async fn from the app and the parsed request to a
//! response: it parses, calls one use case of `crate::app` and renders;
//! none touches the store. The `#[utoipa::path]` on it is its entry in the
//! OpenAPI document; `schemas` (the documented constraints of request
//! values), `responses` (the error responses routes share) and `links`
//! fill it in.

pub mod analytics;
pub mod assistant;
pub mod auth;
pub mod docs;
pub mod forecasts;
pub mod links;
pub mod listings;
pub mod metrics;
pub mod orders;
pub mod reorders;
pub mod responses;
pub mod schemas;
pub mod suppliers;

use http::Response;
use lambda_http::Body;

use super::router::RouteId;
use super::{ApiError, ApiRequest};
use crate::app::App;

pub(super) async fn dispatch(
    app: &App,
    route: RouteId,
    req: &ApiRequest,
) -> Result<Response<Body>, ApiError> {
    use RouteId::*;
    match route {
        Register => auth::register(app, req).await,
        Token => auth::token(app, req).await,
        ListListings => listings::list(app, req).await,
        GetListing => listings::get(app, req).await,
        PutListing => listings::put(app, req).await,
        DeleteListing => listings::delete(app, req).await,
        AdjustStock => listings::adjust_stock(app, req).await,
        PlaceOrder => orders::place(app, req).await,
        PreviewOrder => orders::preview(app, req).await,
        ListOrders => orders::list(app, req).await,
        GetOrder => orders::get(app, req).await,
        CancelOrder => orders::cancel(app, req).await,
        ListSuppliers => suppliers::list_suppliers(app, req).await,
        GetSupplier => suppliers::get_supplier(app, req).await,
        PutSupplier => suppliers::put_supplier(app, req).await,
        ListReorders => reorders::list_reorders(app, req).await,
        ApproveReorder => reorders::approve(app, req).await,
        RejectReorder => reorders::reject(app, req).await,
        ReceiveReorder => reorders::receive(app, req).await,
        CancelReorder => reorders::cancel(app, req).await,
        Metrics => metrics::metrics(app, req).await,
        OrderMetrics => metrics::order_metrics(app, req).await,
        Analytics => analytics::analytics(app, req).await,
        Forecast => forecasts::forecast(app, req).await,
        AssistantMessage => assistant::message(app, req).await,
        OpenApi => Ok(docs::openapi_json()),
    }
}
