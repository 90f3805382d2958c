//! The dev server's configuration: the Lambda configuration plus local
//! defaults, so that `scripts/dev` works with no environment at all.

use std::time::Duration;

use stockroom::config::{Config, ConfigError};
use stockroom::queue::QueueSettings;

use crate::background::{Job, Schedule};

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
    pub queues: QueueSettings,
    pub schedule: Schedule,
}

fn seconds(
    get: &dyn Fn(&str) -> Option<String>,
    name: &'static str,
    default: f64,
) -> Result<Duration, ConfigError> {
    let value = match get(name) {
        Some(raw) => raw
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite() && *v >= 0.0 && *v <= 7.0 * 86_400.0)
            .ok_or_else(|| ConfigError::new(name, format!("expected seconds, got {raw:?}")))?,
        None => default,
    };
    Ok(Duration::from_secs_f64(value))
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
        let max_receives = match get("DEV_QUEUE_MAX_RECEIVES") {
            Some(raw) => raw
                .trim()
                .parse::<u32>()
                .ok()
                .filter(|n| *n >= 1)
                .ok_or_else(|| {
                    ConfigError::new(
                        "DEV_QUEUE_MAX_RECEIVES",
                        format!("expected a count of 1 or more, got {raw:?}"),
                    )
                })?,
            None => 3,
        };
        let queues = QueueSettings {
            visibility: seconds(&get, "DEV_QUEUE_VISIBILITY_SECONDS", 2.0)?,
            max_receives,
            batch_size: 10,
        };
        let mut intervals = Vec::new();
        for (job, var, default) in [
            (Job::StockCheck, "STOCK_CHECK_INTERVAL_SECONDS", 60.0),
            (Job::OrderRecovery, "ORDER_RECOVERY_INTERVAL_SECONDS", 60.0),
            (
                Job::DemandForecast,
                "DEMAND_FORECAST_INTERVAL_SECONDS",
                86_400.0,
            ),
        ] {
            let every = seconds(&get, var, default)?;
            // 0 turns the timer off; the job can still be run through /_dev/schedules.
            if !every.is_zero() {
                intervals.push((job, every));
            }
        }
        Ok(DevConfig {
            config,
            queues,
            schedule: Schedule { intervals },
            port,
            admin_username: get("ADMIN_USERNAME").unwrap_or_else(|| DEFAULT_ADMIN_USERNAME.into()),
            admin_password: get("ADMIN_PASSWORD").unwrap_or_else(|| DEFAULT_ADMIN_PASSWORD.into()),
            seed,
        })
    }
}
