//! Route handlers, one small module per route group. Each handler is a
//! plain async fn from the app and the parsed request to a response; the
//! `#[utoipa::path]` on it is its entry in the OpenAPI document.

pub mod admin;
pub mod auth;
pub mod docs;
pub mod listings;
pub mod metrics;
pub mod orders;

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
        ListOrders => orders::list(app, req).await,
        GetOrder => orders::get(app, req).await,
        CancelOrder => orders::cancel(app, req).await,
        ListSuppliers => admin::list_suppliers(app, req).await,
        GetSupplier => admin::get_supplier(app, req).await,
        PutSupplier => admin::put_supplier(app, req).await,
        ListReorders => admin::list_reorders(app, req).await,
        ApproveReorder => admin::approve(app, req).await,
        RejectReorder => admin::reject(app, req).await,
        ReceiveReorder => admin::receive(app, req).await,
        Metrics => metrics::metrics(app, req).await,
        OrderMetrics => metrics::order_metrics(app, req).await,
        Analytics => metrics::analytics(app, req).await,
        Forecast => metrics::forecast(app, req).await,
        OpenApi => Ok(docs::openapi_json()),
    }
}
