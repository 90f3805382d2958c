//! The SP-API settings (`crate::amazon`): read together, all required once
//! one is, in mcf mode by the functions whose row says `amazon` (and
//! locally when `SPAPI_ENDPOINT` is set).

use super::{ConfigError, Env, Secret};

/// Where and as whom Stockroom calls Amazon's Selling Partner API
/// (`crate::amazon`). The client secret and the refresh token are
/// [`Secret`]s: a deployment resolves them from Secrets Manager into the
/// environment, like `MONGODB_URI`, and they never reach a log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AmazonConfig {
    /// `SPAPI_ENDPOINT`: the regional SP-API base URL.
    pub endpoint: String,
    /// `LWA_ENDPOINT`: the Login with Amazon token URL.
    pub lwa_endpoint: String,
    /// `LWA_CLIENT_ID`: the application's LWA client id (not a secret).
    pub client_id: String,
    /// `LWA_CLIENT_SECRET`.
    pub client_secret: Secret,
    /// `LWA_REFRESH_TOKEN`: the seller's authorisation of the application.
    pub refresh_token: Secret,
    /// `SPAPI_MARKETPLACE_ID`.
    pub marketplace_id: String,
    /// `SPAPI_SELLER_ID`: the merchant token listings are patched under.
    pub seller_id: String,
}

/// The SP-API settings, all required once any is read.
const AMAZON_VARIABLES: [&str; 7] = [
    "SPAPI_ENDPOINT",
    "LWA_ENDPOINT",
    "LWA_CLIENT_ID",
    "LWA_CLIENT_SECRET",
    "LWA_REFRESH_TOKEN",
    "SPAPI_MARKETPLACE_ID",
    "SPAPI_SELLER_ID",
];

/// The SP-API settings: every one required.
pub(super) fn read(env: &Env<'_>) -> Result<AmazonConfig, ConfigError> {
    let [
        endpoint,
        lwa_endpoint,
        client_id,
        client_secret,
        refresh_token,
        marketplace_id,
        seller_id,
    ] = AMAZON_VARIABLES.map(|var| env.required(var));
    let url = |var: &'static str, value: String| {
        if value.starts_with("https://") || value.starts_with("http://") {
            Ok(value.trim_end_matches('/').to_owned())
        } else {
            Err(ConfigError::new(var, "must be an http(s) URL"))
        }
    };
    Ok(AmazonConfig {
        endpoint: url("SPAPI_ENDPOINT", endpoint?)?,
        lwa_endpoint: url("LWA_ENDPOINT", lwa_endpoint?)?,
        client_id: client_id?,
        client_secret: Secret::new(client_secret?),
        refresh_token: Secret::new(refresh_token?),
        marketplace_id: marketplace_id?,
        seller_id: seller_id?,
    })
}
