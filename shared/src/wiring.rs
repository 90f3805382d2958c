//! Building the [`App`] from [`Config`]: one store, one queue publisher and
//! one mailer per process, created once per cold start and shared by every
//! invocation. Nothing here waits on the network: AWS clients connect (and
//! load their TLS roots, see [`crate::aws`]) on first use, and the MongoDB
//! driver starts monitoring the deployment in the background when its
//! client is created, which the cold start does not wait for (it warms the
//! connection for the first invocation).

use std::sync::Arc;

use thiserror::Error;

use crate::app::App;
use crate::auth::TokenKeys;
use crate::config::{Config, ConfigError, StoreConfig};
use crate::ports::{QueueName, Store};
use crate::store::MemoryStore;

#[derive(Debug, Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0} is not available in this build (enable the cargo feature `{0}`)")]
    NotBuilt(&'static str),
    #[error("the store could not be set up")]
    Store(#[source] crate::ports::BoxError),
}

/// What a function uses besides the store.
#[derive(Debug, Clone, Copy, Default)]
pub struct Needs {
    /// Queues the function publishes to; each needs its `*_QUEUE_URL`.
    pub publishes: &'static [QueueName],
    /// Sends email (SES v2; needs `SENDER_EMAIL`).
    pub mailer: bool,
}

impl Needs {
    pub const NOTHING: Needs = Needs {
        publishes: &[],
        mailer: false,
    };
}

/// The SDK configuration, loaded at most once per cold start and shared by
/// every AWS client of the process (store, publisher, mailer).
#[derive(Default)]
struct Sdk {
    #[cfg(feature = "aws")]
    config: tokio::sync::OnceCell<aws_config::SdkConfig>,
}

impl Sdk {
    #[cfg(feature = "aws")]
    async fn get(&self) -> &aws_config::SdkConfig {
        self.config.get_or_init(crate::aws::load).await
    }
}

/// The DynamoDB client with the adapter's retry and timeout policy, and
/// `STORE_TIMEOUT_SECONDS` applied if set.
#[cfg(feature = "dynamodb")]
fn dynamo_client(sdk: &aws_config::SdkConfig, config: &Config) -> aws_sdk_dynamodb::Client {
    use aws_sdk_dynamodb::config::timeout::TimeoutConfig;
    let mut builder =
        crate::store::dynamodb::configure(aws_sdk_dynamodb::config::Builder::from(sdk));
    if let Some(attempt) = config.store_timeout {
        builder = builder.timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(crate::store::dynamodb::CONNECT_TIMEOUT)
                .operation_attempt_timeout(attempt)
                .operation_timeout(attempt * 3)
                .build(),
        );
    }
    let conf = builder.build();
    tracing::debug!(timeouts = ?conf.timeout_config(), "DynamoDB client");
    aws_sdk_dynamodb::Client::from_conf(conf)
}

/// Builds the store named by the configuration.
pub async fn build_store(config: &Config) -> Result<Arc<dyn Store>, StartupError> {
    build_store_with(config, &Sdk::default()).await
}

async fn build_store_with(config: &Config, sdk: &Sdk) -> Result<Arc<dyn Store>, StartupError> {
    #[cfg(not(feature = "dynamodb"))]
    let _ = sdk; // only the DynamoDB store is an AWS client
    match &config.store {
        StoreConfig::Memory => Ok(Arc::new(MemoryStore::new())),
        #[cfg(feature = "dynamodb")]
        StoreConfig::DynamoDb { table } => {
            use crate::store::dynamodb::DynamoStore;
            Ok(Arc::new(DynamoStore::new(
                dynamo_client(sdk.get().await, config),
                table.clone(),
            )))
        }
        #[cfg(not(feature = "dynamodb"))]
        StoreConfig::DynamoDb { .. } => Err(StartupError::NotBuilt("dynamodb")),
        #[cfg(feature = "mongodb")]
        StoreConfig::MongoDb { uri, database } => {
            use crate::store::mongodb::{MongoStore, TransactionRetry};
            let mut store = MongoStore::connect(uri.expose(), database)
                .await
                .map_err(|e| StartupError::Store(Box::new(e)))?;
            if let Some(timeout) = config.store_timeout {
                // A longer budget for write-conflict retries on a hot SKU.
                store = store.with_transaction_retry(TransactionRetry {
                    max_attempts: 10_000,
                    max_elapsed: timeout * 3,
                    ..TransactionRetry::default()
                });
            }
            Ok(Arc::new(store))
        }
        #[cfg(not(feature = "mongodb"))]
        StoreConfig::MongoDb { .. } => Err(StartupError::NotBuilt("mongodb")),
    }
}

/// Prepares the configured store for use: creates the DynamoDB table (with
/// its indexes and TTL) or the MongoDB indexes, if missing, after checking
/// that the MongoDB deployment supports transactions. Idempotent. A setup
/// step for local runs, tests and deployments, never called on a Lambda
/// cold start.
pub async fn ensure_store_ready(config: &Config) -> Result<(), StartupError> {
    match &config.store {
        StoreConfig::Memory => Ok(()),
        #[cfg(feature = "dynamodb")]
        StoreConfig::DynamoDb { table } => {
            use crate::store::dynamodb;
            let sdk = crate::aws::load().await;
            dynamodb::create_table(&dynamo_client(&sdk, config), table)
                .await
                .map_err(|e| StartupError::Store(Box::new(e)))
        }
        #[cfg(not(feature = "dynamodb"))]
        StoreConfig::DynamoDb { .. } => Err(StartupError::NotBuilt("dynamodb")),
        #[cfg(feature = "mongodb")]
        StoreConfig::MongoDb { uri, database } => {
            use crate::store::mongodb::MongoStore;
            let store = MongoStore::connect(uri.expose(), database)
                .await
                .map_err(|e| StartupError::Store(Box::new(e)))?;
            store
                .check_deployment()
                .await
                .map_err(|e| StartupError::Store(Box::new(e)))?;
            store
                .ensure_indexes()
                .await
                .map_err(|e| StartupError::Store(Box::new(e)))
        }
        #[cfg(not(feature = "mongodb"))]
        StoreConfig::MongoDb { .. } => Err(StartupError::NotBuilt("mongodb")),
    }
}

/// The queue URL configured for `queue`, or an error naming its variable.
fn queue_url(config: &Config, queue: QueueName) -> Result<String, ConfigError> {
    let (var, url) = match queue {
        QueueName::Orders => ("ORDERS_QUEUE_URL", &config.queues.orders),
        QueueName::Reorders => ("REORDERS_QUEUE_URL", &config.queues.reorders),
        other => {
            return Err(ConfigError::new(
                "QUEUE",
                format!("{other} is fed by Amazon, not published to by Stockroom"),
            ));
        }
    };
    url.clone()
        .ok_or_else(|| ConfigError::new(var, "is required by this function"))
}

/// Builds the app for a Lambda function: the configured store, an SQS
/// publisher for the queues it publishes to, and the SES mailer if it mails.
pub async fn build_app(config: &Config, needs: Needs) -> Result<App, StartupError> {
    let sdk = Sdk::default();
    let store = build_store_with(config, &sdk).await?;
    let mut app = App::new(store, TokenKeys::new(&config.auth), config.settings.clone());
    if !needs.publishes.is_empty() {
        let mut urls = Vec::new();
        for queue in needs.publishes {
            urls.push((*queue, queue_url(config, *queue)?));
        }
        app = with_sqs(app, urls, &sdk).await?;
    }
    if needs.mailer {
        let sender = config.require_sender_email()?.to_owned();
        app = with_ses(app, sender, &sdk).await?;
    }
    Ok(app)
}

#[cfg(feature = "sqs")]
async fn with_sqs(
    app: App,
    urls: Vec<(QueueName, String)>,
    sdk: &Sdk,
) -> Result<App, StartupError> {
    use crate::queue::sqs::{self, QueueUrls, SqsPublisher};
    let urls = urls
        .into_iter()
        .fold(QueueUrls::new(), |acc, (queue, url)| acc.with(queue, url));
    Ok(app.with_publisher(Arc::new(SqsPublisher::new(
        sqs::client(sdk.get().await),
        urls,
    ))))
}

#[cfg(not(feature = "sqs"))]
async fn with_sqs(
    _app: App,
    _urls: Vec<(QueueName, String)>,
    _sdk: &Sdk,
) -> Result<App, StartupError> {
    Err(StartupError::NotBuilt("sqs"))
}

#[cfg(feature = "ses")]
async fn with_ses(app: App, sender: String, sdk: &Sdk) -> Result<App, StartupError> {
    use crate::mail::ses::{self, SesMailer};
    Ok(app.with_mailer(Arc::new(SesMailer::new(
        ses::client(sdk.get().await),
        sender,
    ))))
}

#[cfg(not(feature = "ses"))]
async fn with_ses(_app: App, _sender: String, _sdk: &Sdk) -> Result<App, StartupError> {
    Err(StartupError::NotBuilt("ses"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Config {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| {
            map.get(k)
                .cloned()
                .or_else(|| (k == "TOKEN_SECRET").then(|| "x".repeat(32)))
        })
        .unwrap()
    }

    #[tokio::test]
    async fn missing_queue_urls_and_sender_are_named() {
        let needs = Needs {
            publishes: &[QueueName::Orders],
            mailer: false,
        };
        let err = build_app(&config(&[]), needs).await.unwrap_err();
        assert!(err.to_string().contains("ORDERS_QUEUE_URL"), "{err}");
        let needs = Needs {
            publishes: &[],
            mailer: true,
        };
        let err = build_app(&config(&[]), needs).await.unwrap_err();
        assert!(err.to_string().contains("SENDER_EMAIL"), "{err}");
        assert!(build_app(&config(&[]), Needs::NOTHING).await.is_ok());
    }
}
