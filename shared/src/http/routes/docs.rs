//! `GET /openapi.json`: the OpenAPI 3 document, generated from the handlers'
//! annotations and rendered once per process.

use std::sync::OnceLock;

use http::{Response, StatusCode};
use lambda_http::Body;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use super::links::Links;
use super::{
    analytics, assistant, auth, forecasts, listings, metrics, orders, reorders, suppliers,
};
use crate::http::error::{ErrorBody, ErrorDetail};
use crate::http::response;

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Stockroom",
        description = "Orders and inventory without overselling. Errors are always \
            `{\"error\": {\"code\", \"message\", \"details\"?}}`; money is a decimal string; \
            timestamps are RFC 3339 UTC; lists are paginated with `limit` and an opaque `cursor`. \
            Any request with a body over 1 MiB is answered 413, and a method a path does not \
            have 405 with `Allow`."
    ),
    paths(
        auth::register, auth::token,
        listings::list, listings::get, listings::put, listings::delete, listings::adjust_stock,
        orders::place, orders::list, orders::get, orders::cancel, orders::preview,
        suppliers::list_suppliers, suppliers::get_supplier, suppliers::put_supplier,
        reorders::list_reorders, reorders::approve, reorders::reject, reorders::receive,
        reorders::cancel,
        metrics::metrics, metrics::order_metrics, analytics::analytics, forecasts::forecast,
        assistant::message,
        openapi,
    ),
    components(schemas(ErrorBody, ErrorDetail)),
    modifiers(&BearerAuth, &Links),
    tags(
        (name = "auth", description = "Accounts and tokens"),
        (name = "listings", description = "The catalogue and its stock"),
        (name = "orders", description = "Placing and following orders"),
        (name = "suppliers", description = "Who restocks what (admin)"),
        (name = "reorders", description = "Reorder requests, their approval, mailing and cancellation (admin)"),
        (name = "metrics", description = "Order metrics and analytics (admin)"),
        (name = "assistant", description = "Questions in plain language, answered from Stockroom's data (admin)"),
        (name = "docs", description = "This document"),
    )
)]
pub struct ApiDoc;

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
    }
}

/// The document as JSON, rendered on first use.
pub fn document() -> &'static str {
    static DOC: OnceLock<String> = OnceLock::new();
    DOC.get_or_init(|| {
        serde_json::to_value(ApiDoc::openapi())
            .map(|mut doc| {
                super::links::camel_case_links(&mut doc);
                super::schemas::blank_query_values(&mut doc);
                doc.to_string()
            })
            .unwrap_or_else(|_| "{}".into())
    })
}

#[utoipa::path(
    get, path = "/openapi.json", tag = "docs", operation_id = "openapi",
    responses((status = 200, description = "The OpenAPI 3 document of this API", content_type = "application/json"))
)]
pub fn openapi() {}

pub fn openapi_json() -> Response<Body> {
    response::raw_json(StatusCode::OK, document().to_owned())
}
