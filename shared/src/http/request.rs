//! A routed request: path parameters, query, headers and body, with the
//! parsing every handler shares (JSON bodies, pages, bearer tokens).

use http::{HeaderMap, Method};
use lambda_http::aws_lambda_events::query_map::QueryMap;
use serde::de::DeserializeOwned;

use super::ApiError;
use super::router::PathParams;
use crate::app::{App, AppError, Forbidden, Unauthenticated};
use crate::auth::{Principal, TokenError};
use crate::domain::Role;
use crate::ports::{Cursor, PageLimit, PageRequest};

#[derive(Debug)]
pub struct ApiRequest {
    pub method: Method,
    pub params: PathParams,
    pub query: QueryMap,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    /// The client's address as API Gateway saw it (`requestContext.http.sourceIp`).
    pub source_ip: Option<String>,
}

impl ApiRequest {
    /// The path parameter `{name}` of the route template. Empty when the
    /// route has no such parameter, which the parse that follows refuses.
    pub fn param(&self, name: &str) -> &str {
        self.params.get(name).unwrap_or_default()
    }

    /// A query parameter (the first, if repeated); blank counts as absent.
    pub fn query(&self, key: &str) -> Option<&str> {
        self.query.first(key).filter(|v| !v.is_empty())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Parses the JSON body into `T`. Malformed JSON is `malformed_json`;
    /// a well-formed body of the wrong shape is `validation_failed` naming
    /// the field (`items[2].quantity: ...`).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        // Clients such as `curl -d` label JSON as a form; a body that parses
        // as JSON is accepted whatever its label, and one that does not is
        // refused as the wrong media type when it says it is not JSON.
        let declared_other = self.header("content-type").is_some_and(|content_type| {
            let essence = content_type.split(';').next().unwrap_or("").trim();
            !essence.eq_ignore_ascii_case("application/json")
                && !essence.ends_with("+json")
                && !essence.eq_ignore_ascii_case("application/x-www-form-urlencoded")
        });
        match self.parse_json() {
            Err(e) if declared_other && e.code == "malformed_json" => Err(ApiError::new(
                http::StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "send the body as application/json",
            )),
            other => other,
        }
    }

    fn parse_json<T: DeserializeOwned>(&self) -> Result<T, ApiError> {
        if self.body.iter().all(u8::is_ascii_whitespace) {
            return Err(ApiError::bad_request(
                "malformed_json",
                "a JSON request body is required",
            ));
        }
        let mut de = serde_json::Deserializer::from_slice(&self.body);
        let value = serde_path_to_error::deserialize(&mut de).map_err(|e| {
            let path = e.path().to_string();
            let inner = e.into_inner();
            if inner.is_syntax() || inner.is_eof() {
                return malformed(&inner);
            }
            let field = if path == "." { String::new() } else { path };
            let message = strip_position(&inner.to_string());
            let text = if field.is_empty() {
                message
            } else {
                format!("{field}: {message}")
            };
            ApiError::validation(text, &field)
        })?;
        // Trailing garbage after the value is malformed too.
        de.end().map_err(|e| malformed(&e))?;
        Ok(value)
    }

    /// `limit` and `cursor` from the query.
    pub fn page(&self) -> Result<PageRequest, ApiError> {
        let limit = match self.query("limit") {
            Some(raw) => raw
                .parse::<i64>()
                .ok()
                .and_then(|n| PageLimit::new(n).ok())
                .ok_or_else(|| {
                    ApiError::validation(
                        format!("limit must be a whole number from 1 to {}", PageLimit::MAX),
                        "limit",
                    )
                })?,
            None => PageLimit::default(),
        };
        let cursor = self
            .query("cursor")
            .map(Cursor::from_client)
            .transpose()
            .map_err(|_| {
                ApiError::bad_request(
                    "invalid_cursor",
                    "the cursor is not valid for this list; start again without it",
                )
            })?;
        Ok(PageRequest { limit, cursor })
    }

    /// The caller, from `Authorization: Bearer <token>`.
    pub fn principal(&self, app: &App) -> Result<Principal, ApiError> {
        let unauthenticated = |why| ApiError::from(AppError::Unauthenticated(why));
        let header = self
            .header("authorization")
            .ok_or_else(|| unauthenticated(Unauthenticated::MissingToken))?;
        // The scheme is case-insensitive (RFC 7235 section 2.1).
        let token = header
            .trim_start()
            .split_once(' ')
            .filter(|(scheme, _)| scheme.eq_ignore_ascii_case("bearer"))
            .map(|(_, token)| token.trim())
            .filter(|t| !t.is_empty())
            .ok_or_else(|| unauthenticated(Unauthenticated::NotBearer))?;
        app.token_keys()
            .and_then(|keys| keys.verify(token))
            .map_err(|e| {
                unauthenticated(match e {
                    TokenError::Expired => Unauthenticated::TokenExpired,
                    _ => Unauthenticated::InvalidToken,
                })
            })
    }

    pub fn admin(&self, app: &App) -> Result<Principal, ApiError> {
        let principal = self.principal(app)?;
        if principal.role == Role::Admin {
            Ok(principal)
        } else {
            Err(AppError::Forbidden(Forbidden::NotAdmin).into())
        }
    }

    pub fn customer(&self, app: &App) -> Result<Principal, ApiError> {
        let principal = self.principal(app)?;
        if principal.role == Role::Customer {
            Ok(principal)
        } else {
            Err(AppError::Forbidden(Forbidden::NotCustomer).into())
        }
    }
}

fn malformed(e: &serde_json::Error) -> ApiError {
    ApiError::bad_request("malformed_json", format!("the body is not valid JSON: {e}"))
}

/// serde_json appends " at line 1 column 42" to data errors; the field path
/// already says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(i) => message[..i].to_owned(),
        None => message.to_owned(),
    }
}
