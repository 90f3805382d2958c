//! The error responses that routes share, for the OpenAPI document. Each
//! set below is what one property of a route adds to the statuses it can
//! answer; a handler's `#[utoipa::path(responses(...))]` names the sets
//! that apply to it, then its own statuses (which replace a set's entry
//! for the same status, to say more):
//!
//! - [`Anyone`]: every route that reads the store: 503 when it is down.
//! - [`SignedIn`]: a bearer token is required: 401, and 503.
//! - [`AdminOnly`], [`CustomerOnly`]: 401, 403 for the other role, 503.
//! - [`JsonBody`]: a JSON request body: 400, 413, 415.
//! - [`Paged`]: `limit` and `cursor`: 400.
//!
//! Every error has the one body of [`crate::http::error`]; the statuses
//! here are those that mapping and the router produce. The suite's
//! `openapi_contract` tests check that every operation lists its sets.

use std::collections::BTreeMap;

use utoipa::IntoResponses;
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContentBuilder, Ref, RefOr, Response, ResponseBuilder};

use crate::http::MAX_BODY_BYTES;

/// An error response with the error body and `description`.
pub fn error(description: &str) -> ResponseBuilder {
    ResponseBuilder::new().description(description).content(
        "application/json",
        ContentBuilder::new()
            .schema(Some(Ref::from_schema_name("ErrorBody")))
            .build(),
    )
}

fn header(description: &str, schema_type: Type) -> utoipa::openapi::header::Header {
    HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(schema_type))
        .description(Some(description))
        .build()
}

fn unavailable() -> Response {
    error(
        "`service_unavailable`: the store (or another backend) is down; nothing was \
         changed that a retry would repeat. Retry after `Retry-After` seconds",
    )
    .header(
        "Retry-After",
        header("Seconds to wait before retrying", Type::Integer),
    )
    .build()
}

fn unauthorized() -> Response {
    error(
        "`missing_token`, `invalid_token` or `token_expired`: no valid \
         `Authorization: Bearer` token",
    )
    .header("WWW-Authenticate", header("Always `Bearer`", Type::String))
    .build()
}

fn map(entries: Vec<(u16, Response)>) -> BTreeMap<String, RefOr<Response>> {
    entries
        .into_iter()
        .map(|(status, response)| (status.to_string(), RefOr::T(response)))
        .collect()
}

/// 503: every route that reads or writes the store.
#[derive(Debug)]
pub struct Anyone;

impl IntoResponses for Anyone {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        map(vec![(503, unavailable())])
    }
}

/// A route for any signed-in account: 401 and 503.
#[derive(Debug)]
pub struct SignedIn;

impl IntoResponses for SignedIn {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        map(vec![(401, unauthorized()), (503, unavailable())])
    }
}

/// An admin's route: 401, 403 for a customer, 503.
#[derive(Debug)]
pub struct AdminOnly;

impl IntoResponses for AdminOnly {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        map(vec![
            (401, unauthorized()),
            (
                403,
                error("`forbidden`: signed in, but not as an admin").build(),
            ),
            (503, unavailable()),
        ])
    }
}

/// A customer's route: 401, 403 for an admin, 503.
#[derive(Debug)]
pub struct CustomerOnly;

impl IntoResponses for CustomerOnly {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        map(vec![
            (401, unauthorized()),
            (
                403,
                error("`forbidden`: signed in, but not as a customer").build(),
            ),
            (503, unavailable()),
        ])
    }
}

/// A route that reads a JSON body: 400, 413, 415.
#[derive(Debug)]
pub struct JsonBody;

impl IntoResponses for JsonBody {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        map(vec![
            (
                400,
                error(
                    "`malformed_json` (no body, or not JSON), or `validation_failed` \
                     (details name the field)",
                )
                .build(),
            ),
            (
                413,
                error(&format!(
                    "`payload_too_large`: the body is over {MAX_BODY_BYTES} bytes"
                ))
                .build(),
            ),
            (
                415,
                error(
                    "`unsupported_media_type`: the body is not JSON and its \
                     Content-Type says it is something else",
                )
                .build(),
            ),
        ])
    }
}

/// A paginated list: 400 for `limit` or `cursor`.
#[derive(Debug)]
pub struct Paged;

impl IntoResponses for Paged {
    fn responses() -> BTreeMap<String, RefOr<Response>> {
        map(vec![(
            400,
            error(
                "`validation_failed` (a `limit` outside 1 to 100, or a bad filter), or \
                 `invalid_cursor` (a cursor not issued for this list)",
            )
            .build(),
        )])
    }
}
