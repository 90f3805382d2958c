//! The dev server's configuration: the Lambda configuration plus local
//! defaults, so that `scripts/dev` works with no environment at all.

use stockroom::config::{Config, ConfigError};

/// Token secret used when `TOKEN_SECRET` is unset. Local use only: the
/// Lambdas refuse to start without a real one.
pub const DEV_TOKEN_SECRET: &str = "stockroom-dev-server-secret-not-for-deployment";
pub const DEFAULT_ADMIN_USERNAME: &str = "admin";
pub const DEFAULT_ADMIN_PASSWORD: &str = "stockroom-admin";
pub const DEFAULT_PORT: u16 = 3000;

#[derive(Debug, Clone)]
pub struct DevConfig {
    pub config: Config,
    pub port: u16,
    pub admin_username: String,
    pub admin_password: String,
    /// Whether the demo catalogue is loaded at start (`SEED=false` skips it).
    pub seed: bool,
}

impl DevConfig {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let config = Config::from_lookup(|name| {
            get(name).or_else(|| match name {
                "TOKEN_SECRET" => Some(DEV_TOKEN_SECRET.to_owned()),
                "LOG_FORMAT" => Some("text".to_owned()),
                _ => None,
            })
        })?;
        let port = match get("PORT") {
            Some(raw) => raw
                .trim()
                .parse()
                .map_err(|_| ConfigError::new("PORT", format!("not a port number: {raw:?}")))?,
            None => DEFAULT_PORT,
        };
        let seed = match get("SEED").as_deref() {
            None | Some("true") | Some("1") => true,
            Some("false") | Some("0") => false,
            Some(other) => {
                return Err(ConfigError::new(
                    "SEED",
                    format!("expected true or false, got {other:?}"),
                ));
            }
        };
        Ok(DevConfig {
            config,
            port,
            admin_username: get("ADMIN_USERNAME").unwrap_or_else(|| DEFAULT_ADMIN_USERNAME.into()),
            admin_password: get("ADMIN_PASSWORD").unwrap_or_else(|| DEFAULT_ADMIN_PASSWORD.into()),
            seed,
        })
    }
}
