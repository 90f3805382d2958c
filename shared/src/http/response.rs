//! Building responses.

use http::{Response, StatusCode, header};
use lambda_http::Body;
use serde::Serialize;

use super::ApiError;

fn builder(status: StatusCode) -> http::response::Builder {
    Response::builder()
        .status(status)
        .header(header::CACHE_CONTROL, "no-store")
}

/// A JSON response from an already-serialised body.
pub fn raw_json(status: StatusCode, body: String) -> Response<Body> {
    builder(status)
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::Text(body))
        .unwrap_or_else(|_| fallback())
}

pub fn json<T: Serialize>(status: StatusCode, value: &T) -> Response<Body> {
    match serde_json::to_string(value) {
        Ok(body) => raw_json(status, body),
        Err(e) => {
            tracing::error!(error = %e, "response serialisation failed");
            fallback()
        }
    }
}

pub fn no_content() -> Response<Body> {
    builder(StatusCode::NO_CONTENT)
        .body(Body::Empty)
        .unwrap_or_else(|_| fallback())
}

pub fn html(body: String) -> Response<Body> {
    builder(StatusCode::OK)
        .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
        .body(Body::Text(body))
        .unwrap_or_else(|_| fallback())
}

pub fn error(e: &ApiError) -> Response<Body> {
    let mut response = json(e.status, &e.body());
    for (name, value) in &e.headers {
        if let Ok(value) = http::HeaderValue::from_str(value) {
            response.headers_mut().insert(*name, value);
        }
    }
    response
}

/// Only reachable if a static header were invalid.
fn fallback() -> Response<Body> {
    let mut response = Response::new(Body::Text(
        r#"{"error":{"code":"internal_error","message":"something went wrong on our side"}}"#
            .into(),
    ));
    *response.status_mut() = StatusCode::INTERNAL_SERVER_ERROR;
    response
}
