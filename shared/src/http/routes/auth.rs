//! `/auth/*`: registration and tokens.

use http::{Response, StatusCode};
use lambda_http::Body;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::app::{self, App};
use crate::auth::Password;
use crate::domain::Username;
use crate::http::error::{ErrorBody, field_error};
use crate::http::routes::responses::{Anyone, JsonBody};
use crate::http::routes::schemas;
use crate::http::{ApiError, ApiRequest, response};

#[derive(Debug, Deserialize, ToSchema)]
pub struct Credentials {
    /// 3 to 64 letters, digits, `.`, `_`, `-` or `@`; case-insensitive.
    #[schema(value_type = Username)]
    pub username: String,
    /// 8 to 128 characters.
    #[schema(schema_with = schemas::password)]
    pub password: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    pub customer_id: String,
    pub username: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TokenResponse {
    pub access_token: String,
    #[schema(example = "Bearer")]
    pub token_type: &'static str,
    /// Seconds until the token expires.
    pub expires_in: u64,
}

#[utoipa::path(
    post, path = "/auth/register", tag = "auth", operation_id = "register",
    request_body = Credentials,
    responses(
        Anyone, JsonBody,
        (status = 201, description = "Customer account created", body = Registered),
        (status = 409, description = "Username taken (`username_taken`)", body = ErrorBody),
        (status = 429, description = "Too many registrations from this address within the hour (`too_many_attempts`)", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until the hour's window ends"))),
    )
)]
pub async fn register(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let body: Credentials = req.json()?;
    let username =
        Username::parse(&body.username).map_err(|e| field_error("username", e.message()))?;
    let password =
        Password::parse(&body.password).map_err(|e| field_error("password", e.message()))?;
    let customer = app::register(app, username, password, req.source_ip.as_deref()).await?;
    Ok(response::json(
        StatusCode::CREATED,
        &Registered {
            customer_id: customer.customer_id.to_string(),
            username: customer.username.to_string(),
        },
    ))
}

#[utoipa::path(
    post, path = "/auth/token", tag = "auth", operation_id = "token",
    request_body = Credentials,
    responses(
        Anyone, JsonBody,
        (status = 200, description = "A bearer token", body = TokenResponse),
        (status = 401, description = "`invalid_credentials`: no such account or the wrong password (including a username or password no account could have)", body = ErrorBody,
            headers(("WWW-Authenticate" = String, description = "Always `Bearer`"))),
        (status = 429, description = "Too many failed sign-ins for this username within the window (`too_many_attempts`), whatever the password", body = ErrorBody,
            headers(("Retry-After" = u64, description = "Seconds until the failure window ends"))),
    )
)]
pub async fn token(app: &App, req: &ApiRequest) -> Result<Response<Body>, ApiError> {
    let body: Credentials = req.json()?;
    let issued = app::issue_token(app, &body.username, body.password).await?;
    Ok(response::json(
        StatusCode::OK,
        &TokenResponse {
            access_token: issued.access_token,
            token_type: "Bearer",
            expires_in: issued.expires_in,
        },
    ))
}
