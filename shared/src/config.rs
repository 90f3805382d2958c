//! Typed configuration, read once per cold start from the environment.
//!
//! Every setting is parsed here; a missing or malformed one fails start-up
//! with an error that names the variable. Nothing else in the crate reads
//! the environment. The README's configuration table lists the same
//! variables with the same defaults.
//!
//! Two readings: [`Config::for_function`] is a Lambda's, and reads what its
//! row of the function table ([`crate::functions`]) calls for: `STORE` is
//! required (no silent memory store in a deployment), `TOKEN_SECRET` is
//! read by the API functions only and required there, each queue URL it
//! publishes to and `SENDER_EMAIL` if it mails are required. The local
//! reading ([`Config::from_lookup`], for the dev server, tools and tests)
//! defaults `STORE` to the memory store and takes every other
//! dependency as optional.

use std::fmt;
use std::time::Duration;

use thiserror::Error;

use crate::domain::{Currency, ShippingSpeed};
use crate::functions::Function;
use crate::http::RouteGroup;
use crate::ports::PublishQueue;
use crate::queue::QueueUrls;

/// Why the configuration could not be read.
#[derive(Debug, Error, PartialEq, Eq)]
#[error("configuration: {var}: {reason}")]
pub struct ConfigError {
    pub var: &'static str,
    pub reason: String,
}

impl ConfigError {
    pub fn new(var: &'static str, reason: impl Into<String>) -> Self {
        Self {
            var,
            reason: reason.into(),
        }
    }
}

/// Which backend holds listings, orders and the rest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StoreConfig {
    Memory,
    DynamoDb { table: String },
    MongoDb { uri: Secret, database: String },
}

impl StoreConfig {
    pub fn kind(&self) -> &'static str {
        match self {
            StoreConfig::Memory => "memory",
            StoreConfig::DynamoDb { .. } => "dynamodb",
            StoreConfig::MongoDb { .. } => "mongodb",
        }
    }
}

/// Who completes orders: the processor itself, or Amazon MCF through
/// FULFILLMENT_ORDER_STATUS notifications.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FulfillmentMode {
    SelfFulfilled,
    Mcf,
}

/// A value that must not appear in logs.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(..)")
    }
}

/// Business rules and defaults.
#[derive(Debug, Clone, PartialEq)]
pub struct Settings {
    /// The one currency listings are priced in and orders are totalled in.
    pub currency: Currency,
    pub default_reorder_point: u32,
    pub default_reorder_quantity: u32,
    pub default_lead_time_days: u32,
    /// Suppliers rated below this (or flagged) need manual approval.
    pub subpar_rating: u8,
    pub fulfillment_mode: FulfillmentMode,
    pub idempotency_ttl: Duration,
    /// PENDING orders older than this are re-published by `order-recovery`.
    pub order_recovery_age: Duration,
    /// Orders PROCESSING for longer than this, with their processing
    /// unfinished, are re-published by `order-recovery`: longer than the
    /// queue's own redelivery (receives times visibility timeout).
    pub order_processing_recovery_age: Duration,
    pub forecast_service_level: f64,
    pub forecast_review_period_days: u32,
    pub forecast_history_days: u32,
    /// `MCF_SHIPPING_SPEED`: the speed an MCF order ships at when the
    /// customer named none.
    pub mcf_shipping_speed: ShippingSpeed,
    /// Mail attempts per reorder before it is MAIL_FAILED.
    pub reorder_mail_max_attempts: u32,
    /// How long the mailer's claim on a reorder holds (SENDING) before the
    /// stock check may take it back: longer than a mailer run can last.
    pub reorder_mail_lease: Duration,
    /// Failed sign-ins for one username within `login_failure_window`
    /// after which `POST /auth/token` answers 429 until the window ends.
    pub login_max_failures: u32,
    pub login_failure_window: Duration,
    /// Registrations accepted from one source address per hour.
    pub registrations_per_address_per_hour: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            currency: Currency::USD,
            default_reorder_point: 10,
            default_reorder_quantity: 50,
            default_lead_time_days: 7,
            subpar_rating: 3,
            fulfillment_mode: FulfillmentMode::SelfFulfilled,
            idempotency_ttl: Duration::from_secs(24 * 3600),
            order_recovery_age: Duration::from_secs(300),
            order_processing_recovery_age: Duration::from_secs(1800),
            forecast_service_level: 0.95,
            forecast_review_period_days: 7,
            forecast_history_days: 365,
            mcf_shipping_speed: ShippingSpeed::Standard,
            reorder_mail_max_attempts: 5,
            reorder_mail_lease: Duration::from_secs(300),
            login_max_failures: 5,
            login_failure_window: Duration::from_secs(900),
            registrations_per_address_per_hour: 20,
        }
    }
}

/// Bearer token signing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuthConfig {
    pub token_secret: Secret,
    pub token_ttl: Duration,
}

/// The assistant's language model: any OpenAI-compatible chat-completions
/// endpoint. Read wherever `ASSISTANT_API_BASE` is set; without it the
/// assistant route answers 503 `assistant_not_configured`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssistantConfig {
    /// `ASSISTANT_API_BASE`, e.g. `https://api.together.xyz/v1`.
    pub api_base: String,
    /// `ASSISTANT_MODEL`: required with the base.
    pub model: String,
    /// `ASSISTANT_API_KEY`: optional (self-hosted servers may need none).
    pub api_key: Option<Secret>,
    /// `ASSISTANT_TIMEOUT_SECONDS` (default 20): one provider call.
    pub timeout: Duration,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Json,
    Text,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub store: StoreConfig,
    /// Overrides the store client's per-attempt timeout (the adapters'
    /// defaults suit AWS; slow local stand-ins under heavy test load need
    /// more). The whole call, retries included, may take three times this.
    pub store_timeout: Option<Duration>,
    /// Present in the API functions (and locally when `TOKEN_SECRET` is set).
    pub auth: Option<AuthConfig>,
    /// The URLs of the queues this process may publish to.
    pub queues: QueueUrls,
    pub sender_email: Option<String>,
    /// Present in mcf mode in the functions that call Amazon (and locally
    /// when `SPAPI_ENDPOINT` is set).
    pub amazon: Option<AmazonConfig>,
    pub settings: Settings,
    pub log_format: LogFormat,
    pub assistant: Option<AssistantConfig>,
}

/// The shortest token secret accepted: 256 bits for HS256.
pub const MIN_SECRET_LEN: usize = 32;

impl Config {
    /// A Lambda function's configuration, from the process environment.
    pub fn for_function(function: &Function) -> Result<Self, ConfigError> {
        Self::for_function_from(function, |name| std::env::var(name).ok())
    }

    /// A Lambda function's configuration, read through `lookup`.
    pub fn for_function_from(
        function: &Function,
        lookup: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, ConfigError> {
        read(&lookup, Scope::Function(function))
    }

    /// The local configuration (dev server, tools), from the process
    /// environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|name| std::env::var(name).ok())
    }

    /// The local configuration, read through `lookup` (the environment, or
    /// a map in tests).
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        read(&lookup, Scope::Local)
    }

    /// The sender address, for functions that mail.
    pub fn require_sender_email(&self) -> Result<&str, ConfigError> {
        self.sender_email
            .as_deref()
            .ok_or_else(|| ConfigError::new("SENDER_EMAIL", "is required by this function"))
    }

    /// The token signing settings, for functions that sign or check tokens.
    pub fn require_auth(&self) -> Result<&AuthConfig, ConfigError> {
        self.auth
            .as_ref()
            .ok_or_else(|| ConfigError::new("TOKEN_SECRET", "is required by this function"))
    }

    /// The SP-API settings, for functions that call Amazon.
    pub fn require_amazon(&self) -> Result<&AmazonConfig, ConfigError> {
        self.amazon
            .as_ref()
            .ok_or_else(|| ConfigError::new("SPAPI_ENDPOINT", "is required by this function"))
    }

    /// The URL of `queue`, for functions that publish to it.
    pub fn require_queue_url(&self, queue: PublishQueue) -> Result<&str, ConfigError> {
        self.queues
            .get(queue)
            .ok_or_else(|| ConfigError::new(queue.url_variable(), "is required by this function"))
    }
}

/// Whose configuration is read.
#[derive(Clone, Copy)]
enum Scope<'a> {
    /// The dev server, tools and tests: memory store by default, every
    /// other dependency optional.
    Local,
    /// A Lambda function: `STORE` and exactly what its row needs, required.
    Function(&'a Function),
}

fn read(lookup: &dyn Fn(&str) -> Option<String>, scope: Scope<'_>) -> Result<Config, ConfigError> {
    let env = Env(lookup);
    let store = match scope {
        Scope::Local => env.get("STORE").unwrap_or_else(|| "memory".into()),
        Scope::Function(_) => env.required("STORE")?,
    };
    let store = match store.as_str() {
        "memory" => StoreConfig::Memory,
        "dynamodb" => StoreConfig::DynamoDb {
            table: env.required("TABLE_NAME")?,
        },
        "mongodb" => StoreConfig::MongoDb {
            uri: Secret::new(env.required("MONGODB_URI")?),
            database: env
                .get("MONGODB_DATABASE")
                .unwrap_or_else(|| "stockroom".into()),
        },
        other => {
            return Err(ConfigError::new(
                "STORE",
                format!("expected memory, dynamodb or mongodb, got {other:?}"),
            ));
        }
    };
    let auth = match scope {
        Scope::Function(f) if f.needs_token_secret() => {
            Some(auth(&env, env.required("TOKEN_SECRET")?)?)
        }
        // Not read at all: the function is not given the secret.
        Scope::Function(_) => None,
        Scope::Local => match env.get("TOKEN_SECRET") {
            Some(secret) => Some(auth(&env, secret)?),
            None => None,
        },
    };
    let mut queues = QueueUrls::new();
    let mut sender_email = None;
    match scope {
        Scope::Function(f) => {
            for queue in f.publishes {
                queues = queues.with(*queue, env.required(queue.url_variable())?);
            }
            if f.mails {
                sender_email = Some(env.required("SENDER_EMAIL")?);
            }
        }
        Scope::Local => {
            for queue in PublishQueue::ALL {
                if let Some(url) = env.get(queue.url_variable()) {
                    queues = queues.with(queue, url);
                }
            }
            sender_email = env.get("SENDER_EMAIL");
        }
    }
    let defaults = Settings::default();
    let currency = match env.get("CURRENCY") {
        Some(raw) => {
            Currency::parse(&raw).map_err(|e| ConfigError::new("CURRENCY", e.message()))?
        }
        None => defaults.currency,
    };
    let fulfillment_mode = match env.get("FULFILLMENT_MODE").as_deref().unwrap_or("self") {
        "self" => FulfillmentMode::SelfFulfilled,
        "mcf" => FulfillmentMode::Mcf,
        other => {
            return Err(ConfigError::new(
                "FULFILLMENT_MODE",
                format!("expected self or mcf, got {other:?}"),
            ));
        }
    };
    let service_level: f64 =
        env.parsed("FORECAST_SERVICE_LEVEL", defaults.forecast_service_level)?;
    if !(0.5..=0.9999).contains(&service_level) {
        return Err(ConfigError::new(
            "FORECAST_SERVICE_LEVEL",
            "must be between 0.5 and 0.9999",
        ));
    }
    let subpar_rating: u8 = env.parsed("SUBPAR_RATING", defaults.subpar_rating)?;
    if !(1..=6).contains(&subpar_rating) {
        return Err(ConfigError::new("SUBPAR_RATING", "must be from 1 to 6"));
    }
    let reorder_mail_max_attempts: u32 = env.parsed(
        "REORDER_MAIL_MAX_ATTEMPTS",
        defaults.reorder_mail_max_attempts,
    )?;
    if !(1..=100).contains(&reorder_mail_max_attempts) {
        return Err(ConfigError::new(
            "REORDER_MAIL_MAX_ATTEMPTS",
            "must be from 1 to 100",
        ));
    }
    let reorder_mail_lease: u64 = env.parsed(
        "REORDER_MAIL_LEASE_SECONDS",
        defaults.reorder_mail_lease.as_secs(),
    )?;
    if !(1..=86_400).contains(&reorder_mail_lease) {
        return Err(ConfigError::new(
            "REORDER_MAIL_LEASE_SECONDS",
            "must be from 1 to 86400",
        ));
    }
    let settings = Settings {
        currency,
        default_reorder_point: env
            .parsed("DEFAULT_REORDER_POINT", defaults.default_reorder_point)?,
        default_reorder_quantity: env.parsed(
            "DEFAULT_REORDER_QUANTITY",
            defaults.default_reorder_quantity,
        )?,
        default_lead_time_days: env
            .parsed("DEFAULT_LEAD_TIME_DAYS", defaults.default_lead_time_days)?,
        subpar_rating,
        fulfillment_mode,
        idempotency_ttl: Duration::from_secs(
            3600 * env.parsed::<u64>("IDEMPOTENCY_TTL_HOURS", 24)?,
        ),
        order_recovery_age: Duration::from_secs(env.parsed("ORDER_RECOVERY_AGE_SECONDS", 300)?),
        order_processing_recovery_age: Duration::from_secs(env.parsed(
            "ORDER_PROCESSING_RECOVERY_AGE_SECONDS",
            defaults.order_processing_recovery_age.as_secs(),
        )?),
        forecast_service_level: service_level,
        forecast_review_period_days: env.parsed(
            "FORECAST_REVIEW_PERIOD_DAYS",
            defaults.forecast_review_period_days,
        )?,
        forecast_history_days: env
            .parsed("FORECAST_HISTORY_DAYS", defaults.forecast_history_days)?,
        mcf_shipping_speed: match env.get("MCF_SHIPPING_SPEED") {
            Some(raw) => ShippingSpeed::parse(raw.trim())
                .map_err(|e| ConfigError::new("MCF_SHIPPING_SPEED", e.message()))?,
            None => defaults.mcf_shipping_speed,
        },
        reorder_mail_max_attempts,
        reorder_mail_lease: Duration::from_secs(reorder_mail_lease),
        login_max_failures: at_least_one(
            "LOGIN_MAX_FAILURES",
            env.parsed("LOGIN_MAX_FAILURES", defaults.login_max_failures)?,
        )?,
        login_failure_window: Duration::from_secs(u64::from(at_least_one(
            "LOGIN_FAILURE_WINDOW_SECONDS",
            env.parsed("LOGIN_FAILURE_WINDOW_SECONDS", 900)?,
        )?)),
        registrations_per_address_per_hour: at_least_one(
            "REGISTRATIONS_PER_ADDRESS_PER_HOUR",
            env.parsed(
                "REGISTRATIONS_PER_ADDRESS_PER_HOUR",
                defaults.registrations_per_address_per_hour,
            )?,
        )?,
    };
    let amazon = match scope {
        // Only mcf mode speaks to Amazon; a self-fulfilling deployment is
        // not given the SP-API secrets.
        Scope::Function(f) if f.amazon && fulfillment_mode == FulfillmentMode::Mcf => {
            Some(amazon::read(&env)?)
        }
        Scope::Function(_) => None,
        Scope::Local if env.get("SPAPI_ENDPOINT").is_some() => Some(amazon::read(&env)?),
        Scope::Local => None,
    };
    let log_format = match env.get("LOG_FORMAT").as_deref().unwrap_or("json") {
        "json" => LogFormat::Json,
        "text" => LogFormat::Text,
        other => {
            return Err(ConfigError::new(
                "LOG_FORMAT",
                format!("expected json or text, got {other:?}"),
            ));
        }
    };
    let store_timeout = match env.get("STORE_TIMEOUT_SECONDS") {
        Some(raw) => Some(
            raw.trim()
                .parse::<f64>()
                .ok()
                .filter(|s| s.is_finite() && *s > 0.0 && *s <= 600.0)
                .map(Duration::from_secs_f64)
                .ok_or_else(|| {
                    ConfigError::new(
                        "STORE_TIMEOUT_SECONDS",
                        format!("expected seconds, got {raw:?}"),
                    )
                })?,
        ),
        None => None,
    };
    // Only the function that serves the admin routes talks to the model.
    let assistant = match scope {
        Scope::Function(f) if !f.routes().contains(&RouteGroup::Admin) => None,
        _ => assistant(&env)?,
    };
    Ok(Config {
        assistant,
        store,
        store_timeout,
        auth,
        queues,
        sender_email,
        amazon,
        settings,
        log_format,
    })
}

/// A limit that must let at least one attempt through.
fn at_least_one(name: &'static str, value: u32) -> Result<u32, ConfigError> {
    if value == 0 {
        return Err(ConfigError::new(name, "must be at least 1"));
    }
    Ok(value)
}

/// The token settings around a secret that was read.
fn auth(env: &Env<'_>, token_secret: String) -> Result<AuthConfig, ConfigError> {
    if token_secret.len() < MIN_SECRET_LEN {
        return Err(ConfigError::new(
            "TOKEN_SECRET",
            format!("must be at least {MIN_SECRET_LEN} bytes"),
        ));
    }
    Ok(AuthConfig {
        token_secret: Secret::new(token_secret),
        token_ttl: Duration::from_secs(env.parsed("TOKEN_TTL_SECONDS", 3600)?),
    })
}

fn assistant(env: &Env<'_>) -> Result<Option<AssistantConfig>, ConfigError> {
    let Some(api_base) = env.get("ASSISTANT_API_BASE") else {
        return Ok(None);
    };
    let api_base = api_base.trim().to_owned();
    if !(api_base.starts_with("https://") || api_base.starts_with("http://")) {
        return Err(ConfigError::new(
            "ASSISTANT_API_BASE",
            "must be an http:// or https:// URL",
        ));
    }
    let timeout: u64 = env.parsed("ASSISTANT_TIMEOUT_SECONDS", 20)?;
    if !(1..=25).contains(&timeout) {
        return Err(ConfigError::new(
            "ASSISTANT_TIMEOUT_SECONDS",
            "must be from 1 to 25 (API Gateway gives up at 30)",
        ));
    }
    Ok(Some(AssistantConfig {
        api_base,
        model: env.required("ASSISTANT_MODEL")?,
        api_key: env.get("ASSISTANT_API_KEY").map(Secret::new),
        timeout: Duration::from_secs(timeout),
    }))
}

struct Env<'a>(&'a dyn Fn(&str) -> Option<String>);

impl Env<'_> {
    /// A set, non-blank value.
    fn get(&self, name: &str) -> Option<String> {
        (self.0)(name).filter(|v| !v.trim().is_empty())
    }

    fn required(&self, name: &'static str) -> Result<String, ConfigError> {
        self.get(name)
            .ok_or_else(|| ConfigError::new(name, "is required"))
    }

    fn parsed<T: std::str::FromStr>(&self, name: &'static str, default: T) -> Result<T, ConfigError>
    where
        T::Err: fmt::Display,
    {
        match self.get(name) {
            Some(raw) => raw
                .trim()
                .parse()
                .map_err(|e| ConfigError::new(name, format!("{e} (got {raw:?})"))),
            None => Ok(default),
        }
    }
}

mod amazon;

pub use amazon::AmazonConfig;

#[cfg(test)]
mod tests;
