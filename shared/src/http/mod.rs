//! The HTTP edge: turns a `lambda_http` request (from API Gateway, or from
//! the dev server, which builds the same event) into a call of an app
//! service and its result into a response.
//!
//! Every failure becomes the contract's error body through
//! [`ApiError`]; nothing a client sends can panic a handler or produce a
//! 5xx other than a backend outage (503).
//!
//! Every request is correlated: the `x-correlation-id` header it sent (if
//! it is a plain id, `telemetry::scope::accept_correlation_id`), else the
//! API Gateway request id, is logged on every line the request causes,
//! carried to the queues and the mail it triggers, and echoed in the
//! response's `x-correlation-id` header.

pub mod error;
mod request;
pub mod response;
pub mod router;
pub mod routes;

use std::time::Instant;

use http::{Response, StatusCode};
use lambda_http::{Body, RequestExt};
use tracing::Instrument;

pub use error::ApiError;
pub use request::ApiRequest;
pub use router::{ROUTES, RouteGroup};

use crate::app::App;
use crate::ports::CORRELATION_HEADER;
use crate::telemetry::{self, Narrowing};

/// Request bodies larger than this are refused with 413.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Every route group: what the dev server serves.
pub const ALL_GROUPS: &[RouteGroup] = &[
    RouteGroup::Auth,
    RouteGroup::Listings,
    RouteGroup::Orders,
    RouteGroup::Admin,
    RouteGroup::Docs,
];

/// Handles one API Gateway (HTTP API, payload v2) request for the routes
/// of `groups`.
pub async fn handle(app: &App, groups: &[RouteGroup], req: lambda_http::Request) -> Response<Body> {
    let method = req.method().clone();
    let path = match req.raw_http_path() {
        "" => req.uri().path().to_owned(),
        raw => raw.to_owned(),
    };
    let request_id = req
        .request_context_ref()
        .and_then(|ctx| match ctx {
            lambda_http::request::RequestContext::ApiGatewayV2(c) => c.request_id.clone(),
            #[allow(unreachable_patterns)]
            _ => None,
        })
        .unwrap_or_default();
    let correlation_id = req
        .headers()
        .get(CORRELATION_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(telemetry::scope::accept_correlation_id)
        .or_else(|| (!request_id.is_empty()).then(|| request_id.clone()))
        .unwrap_or_else(|| uuid::Uuid::new_v4().to_string());
    let echoed = http::HeaderValue::from_str(&correlation_id).ok();
    let span = tracing::info_span!("http", %method, %path, api_request_id = %request_id);
    let narrowing = Narrowing {
        correlation_id: Some(correlation_id),
        ..Narrowing::default()
    };
    let mut response = telemetry::narrow(
        narrowing,
        async move {
            let started = Instant::now();
            let response = route(app, groups, &method, &path, req).await;
            let status = response.status().as_u16();
            let millis = started.elapsed().as_secs_f64() * 1000.0;
            if status >= 500 {
                tracing::warn!(status, millis, "request failed");
            } else {
                tracing::info!(status, millis, "request");
            }
            response
        }
        .instrument(span),
    )
    .await;
    if let Some(value) = echoed {
        response.headers_mut().insert(CORRELATION_HEADER, value);
    }
    response
}

/// The client address from the API Gateway request context, if any.
fn source_ip(req: &lambda_http::Request) -> Option<String> {
    match req.request_context_ref()? {
        lambda_http::request::RequestContext::ApiGatewayV2(c) => c.http.source_ip.clone(),
        #[allow(unreachable_patterns)]
        _ => None,
    }
}

async fn route(
    app: &App,
    groups: &[RouteGroup],
    method: &http::Method,
    path: &str,
    req: lambda_http::Request,
) -> Response<Body> {
    match router::resolve(method, path, groups) {
        router::Matched::Found(route, params) => {
            let query = req.query_string_parameters();
            let source_ip = source_ip(&req);
            let (parts, body) = req.into_parts();
            let body = match body {
                Body::Empty => Vec::new(),
                Body::Text(text) => text.into_bytes(),
                Body::Binary(bytes) => bytes,
                _ => Vec::new(),
            };
            if body.len() > MAX_BODY_BYTES {
                return response::error(&ApiError::new(
                    StatusCode::PAYLOAD_TOO_LARGE,
                    "payload_too_large",
                    format!("the request body must be at most {MAX_BODY_BYTES} bytes"),
                ));
            }
            let api_request = ApiRequest {
                method: parts.method,
                params,
                query,
                headers: parts.headers,
                body,
                source_ip,
            };
            match routes::dispatch(app, route.id, &api_request).await {
                Ok(response) => response,
                Err(e) => response::error(&e),
            }
        }
        router::Matched::WrongMethod(allowed) => {
            let allow: Vec<&str> = allowed.iter().map(http::Method::as_str).collect();
            let mut e = ApiError::new(
                StatusCode::METHOD_NOT_ALLOWED,
                "method_not_allowed",
                format!("{method} is not allowed here; use {}", allow.join(", ")),
            );
            e.headers.push(("allow", allow.join(", ")));
            response::error(&e)
        }
        router::Matched::NotFound => response::error(&ApiError::new(
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no route for {method} {path}"),
        )),
    }
}
