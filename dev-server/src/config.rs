//! The dev server's configuration: the Lambda configuration plus local
//! defaults, so that `scripts/dev` works with no environment at all.
//!
//! The defaults that make a demo (the demo catalogue, an admin with the
//! published password [`DEFAULT_ADMIN_PASSWORD`]) apply to the memory store
//! only. On a real store (`STORE=dynamodb` or `mongodb`) the catalogue is
//! loaded only with `SEED=true`, and the admin's password must come from
//! `ADMIN_PASSWORD` and differ from the published one: a store that outlives
//! the process must never hold a known admin password.

use std::time::Duration;

use stockroom::config::{Config, ConfigError, StoreConfig};
use stockroom::mail::OutboxRules;
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
    /// Whether the demo catalogue is loaded at start: by default on the
    /// memory store, only with `SEED=true` on a real one.
    pub seed: bool,
    pub queues: QueueSettings,
    pub schedule: Schedule,
    /// Recipients the outbox fails for (`DEV_MAIL_REJECT`,
    /// `DEV_MAIL_UNAVAILABLE`: comma-separated addresses), to try the
    /// reorder mail's end states.
    pub outbox: OutboxRules,
}

/// A comma-separated list of addresses.
fn addresses(raw: Option<String>) -> Vec<String> {
    raw.map(|r| {
        r.split(',')
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_owned)
            .collect()
    })
    .unwrap_or_default()
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
        let memory = config.store == StoreConfig::Memory;
        let seed = match get("SEED").as_deref() {
            None => memory,
            Some("true") | Some("1") => true,
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
        let admin_password = match get("ADMIN_PASSWORD") {
            Some(password) if memory || password != DEFAULT_ADMIN_PASSWORD => password,
            None if memory => DEFAULT_ADMIN_PASSWORD.into(),
            Some(_) | None => {
                return Err(ConfigError::new(
                    "ADMIN_PASSWORD",
                    format!(
                        "on STORE={} set a password of your own: the default one is published \
                         and only for the memory store",
                        config.store.kind()
                    ),
                ));
            }
        };
        Ok(DevConfig {
            config,
            queues,
            schedule: Schedule { intervals },
            port,
            admin_username: get("ADMIN_USERNAME").unwrap_or_else(|| DEFAULT_ADMIN_USERNAME.into()),
            admin_password,
            seed,
            outbox: OutboxRules {
                reject: addresses(get("DEV_MAIL_REJECT")),
                unavailable: addresses(get("DEV_MAIL_UNAVAILABLE")),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(vars: &[(&str, &str)]) -> Result<DevConfig, ConfigError> {
        DevConfig::from_lookup(|name| {
            vars.iter()
                .find(|(k, _)| *k == name)
                .map(|(_, v)| (*v).to_owned())
        })
    }

    const DYNAMODB: [(&str, &str); 2] = [("STORE", "dynamodb"), ("TABLE_NAME", "t")];

    #[test]
    fn the_memory_store_seeds_the_demo_with_the_default_admin() {
        let dev = parse(&[]).unwrap();
        assert!(dev.seed);
        assert_eq!(dev.admin_password, DEFAULT_ADMIN_PASSWORD);
        assert!(!parse(&[("SEED", "false")]).unwrap().seed);
    }

    #[test]
    fn a_real_store_needs_an_admin_password_of_its_own() {
        for vars in [
            DYNAMODB.to_vec(),
            [
                DYNAMODB.as_slice(),
                &[("ADMIN_PASSWORD", DEFAULT_ADMIN_PASSWORD)],
            ]
            .concat(),
            [
                DYNAMODB.as_slice(),
                &[("SEED", "true"), ("ADMIN_PASSWORD", " ")],
            ]
            .concat(),
            vec![
                ("STORE", "mongodb"),
                ("MONGODB_URI", "mongodb://127.0.0.1:1"),
            ],
        ] {
            let err = parse(&vars)
                .err()
                .unwrap_or_else(|| panic!("{vars:?} accepted"));
            assert!(err.to_string().contains("ADMIN_PASSWORD"), "{err}");
        }
    }

    #[test]
    fn a_real_store_is_seeded_only_on_request() {
        let own = [
            DYNAMODB.as_slice(),
            &[("ADMIN_PASSWORD", "a password of mine")],
        ]
        .concat();
        let dev = parse(&own).unwrap();
        assert!(!dev.seed, "no demo data without SEED=true");
        assert_eq!(dev.admin_password, "a password of mine");
        let dev = parse(&[own.as_slice(), &[("SEED", "true")]].concat()).unwrap();
        assert!(dev.seed);
    }

    #[test]
    fn the_outbox_fails_for_the_listed_recipients() {
        assert_eq!(parse(&[]).unwrap().outbox, OutboxRules::default());
        let dev = parse(&[
            ("DEV_MAIL_REJECT", " a@x.example, b@x.example ,"),
            ("DEV_MAIL_UNAVAILABLE", "c@x.example"),
        ])
        .unwrap();
        assert_eq!(dev.outbox.reject, ["a@x.example", "b@x.example"]);
        assert_eq!(dev.outbox.unavailable, ["c@x.example"]);
    }
}
