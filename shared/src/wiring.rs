//! Building the [`App`] from [`Config`]: one store, one queue publisher and
//! one mailer per process, created once per cold start and shared by every
//! invocation. Nothing here waits on the network: AWS clients connect (and
//! load their TLS roots, see [`crate::aws`]) on first use, and the MongoDB
//! driver starts monitoring the deployment in the background when its
//! client is created, which the cold start does not wait for (it warms the
//! connection for the first invocation).
//!
//! A Lambda's app is built from its row of the function table
//! ([`build_app`]): a publisher for exactly the queues it publishes to, a
//! mailer if it mails, the token keys if it serves HTTP, and nothing else;
//! a dependency the row names but the configuration lacks stops the start,
//! naming the setting. The dev server and tools build a local app
//! ([`build_local_app`]) and add their own queues and outbox.

use std::sync::Arc;

use thiserror::Error;

use crate::app::App;
use crate::auth::TokenKeys;
use crate::config::{AmazonConfig, Config, ConfigError, FulfillmentMode, StoreConfig};
use crate::functions::Function;
use crate::http::RouteGroup;
use crate::ports::Store;
use crate::queue::QueueUrls;
use crate::store::MemoryStore;

#[derive(Debug, Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0} is not available in this build (enable the cargo feature `{0}`)")]
    NotBuilt(&'static str),
    #[error("the assistant's model client could not be built")]
    Assistant(#[source] crate::ports::BoxError),
    #[error("the store could not be set up")]
    Store(#[source] crate::ports::BoxError),
    #[error("the SP-API client could not be set up")]
    Amazon(#[source] crate::ports::BoxError),
    /// A binary started the wrong entry point for its row (say `run_sqs`
    /// for an HTTP function).
    #[error("{function} is not triggered by {entry}")]
    WrongEntryPoint {
        function: &'static str,
        entry: &'static str,
    },
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
            use crate::store::mongodb::{MongoStore, TRANSACTION_RETRY};
            let mut store = MongoStore::connect(uri.expose(), database)
                .await
                .map_err(|e| StartupError::Store(Box::new(e)))?;
            if let Some(timeout) = config.store_timeout {
                // Slow stand-ins get as many write-conflict retries as fit
                // in the whole call's time (a hot SKU under test load).
                store = store.with_transaction_retry(TRANSACTION_RETRY.within(timeout * 3));
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

/// Builds the app of a Lambda function from its row: the configured store,
/// an SQS publisher for the queues it publishes to, the SES mailer if it
/// mails, the token keys if it serves HTTP, the SP-API client if it calls
/// Amazon in mcf mode. Fails, naming the setting,
/// when the configuration lacks one of them.
pub async fn build_app(function: &Function, config: &Config) -> Result<App, StartupError> {
    // Everything the row needs is checked before any client is built.
    let tokens = if function.needs_token_secret() {
        Some(TokenKeys::new(config.require_auth()?))
    } else {
        None
    };
    let mut urls = QueueUrls::new();
    for queue in function.publishes {
        urls = urls.with(*queue, config.require_queue_url(*queue)?);
    }
    let sender = if function.mails {
        Some(config.require_sender_email()?.to_owned())
    } else {
        None
    };
    let amazon = if function.amazon && config.settings.fulfillment_mode == FulfillmentMode::Mcf {
        Some(config.require_amazon()?)
    } else {
        None
    };
    let sdk = Sdk::default();
    let store = build_store_with(config, &sdk).await?;
    let mut app = App::without_tokens(store, config.settings.clone());
    app.tokens = tokens;
    if !function.publishes.is_empty() {
        app = with_sqs(app, urls, &sdk).await?;
    }
    if let Some(sender) = sender {
        app = with_ses(app, sender, &sdk).await?;
    }
    if let Some(amazon) = amazon {
        app = with_amazon(app, amazon)?;
    }
    if function.routes().contains(&RouteGroup::Admin) {
        app = with_assistant(app, config)?;
    }
    Ok(app)
}

/// Adds the SP-API client (`crate::amazon`) built from `config`. The dev
/// server calls it too when `SPAPI_ENDPOINT` is set.
#[cfg(feature = "amazon")]
pub fn with_amazon(app: App, config: &AmazonConfig) -> Result<App, StartupError> {
    let client = crate::amazon::SpApi::new(config, crate::amazon::Options::default())
        .map_err(|e| StartupError::Amazon(Box::new(e)))?;
    Ok(app.with_amazon(Arc::new(client)))
}

#[cfg(not(feature = "amazon"))]
pub fn with_amazon(_app: App, _config: &AmazonConfig) -> Result<App, StartupError> {
    Err(StartupError::NotBuilt("amazon"))
}

/// Builds the app of the dev server or a tool: the configured store, the
/// token keys if `TOKEN_SECRET` is set and the SP-API client if
/// `SPAPI_ENDPOINT` is; the caller adds queues and a
/// mailer of its own.
pub async fn build_local_app(config: &Config) -> Result<App, StartupError> {
    let store = build_store(config).await?;
    let mut app = App::without_tokens(store, config.settings.clone());
    app.tokens = config.auth.as_ref().map(TokenKeys::new);
    if let Some(amazon) = &config.amazon {
        app = with_amazon(app, amazon)?;
    }
    with_assistant(app, config)
}

/// Adds the assistant's model client when one is configured; without one
/// the assistant route answers 503 `assistant_not_configured`.
#[cfg(feature = "assistant")]
fn with_assistant(app: App, config: &Config) -> Result<App, StartupError> {
    let Some(assistant) = &config.assistant else {
        return Ok(app);
    };
    let client = crate::assistant::openai::OpenAiChat::new(assistant)
        .map_err(|e| StartupError::Assistant(Box::new(e)))?;
    Ok(app.with_assistant(Arc::new(client)))
}

#[cfg(not(feature = "assistant"))]
fn with_assistant(app: App, config: &Config) -> Result<App, StartupError> {
    match config.assistant {
        Some(_) => Err(StartupError::NotBuilt("assistant")),
        None => Ok(app),
    }
}

#[cfg(feature = "sqs")]
async fn with_sqs(app: App, urls: QueueUrls, sdk: &Sdk) -> Result<App, StartupError> {
    use crate::queue::sqs::{self, SqsPublisher};
    Ok(app.with_publisher(Arc::new(SqsPublisher::new(
        sqs::client(sdk.get().await),
        urls,
    ))))
}

#[cfg(not(feature = "sqs"))]
async fn with_sqs(_app: App, _urls: QueueUrls, _sdk: &Sdk) -> Result<App, StartupError> {
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
    use crate::functions::{AMAZON_SYNC, AUTH_API, ORDERS_API, REORDER_MAILER, STOCK_CHECK};
    use crate::ports::PublishQueue;

    fn local(pairs: &[(&str, &str)]) -> Config {
        let map: std::collections::HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned()).unwrap()
    }

    const SECRET: (&str, &str) = ("TOKEN_SECRET", "0123456789abcdef0123456789abcdef");

    #[tokio::test]
    async fn a_missing_dependency_of_the_row_is_named_at_start() {
        let err = build_app(&ORDERS_API, &local(&[SECRET])).await.unwrap_err();
        assert!(err.to_string().contains("ORDERS_QUEUE_URL"), "{err}");
        let err = build_app(&STOCK_CHECK, &local(&[])).await.unwrap_err();
        assert!(err.to_string().contains("REORDERS_QUEUE_URL"), "{err}");
        let err = build_app(&REORDER_MAILER, &local(&[])).await.unwrap_err();
        assert!(err.to_string().contains("SENDER_EMAIL"), "{err}");
        let err = build_app(&AUTH_API, &local(&[])).await.unwrap_err();
        assert!(err.to_string().contains("TOKEN_SECRET"), "{err}");
    }

    #[tokio::test]
    async fn a_function_gets_what_its_row_names_and_nothing_else() {
        let app = build_app(&AMAZON_SYNC, &local(&[SECRET])).await.unwrap();
        assert!(app.publisher.is_none() && app.mailer.is_none());
        assert!(app.tokens.is_none(), "a consumer holds no token keys");
        assert!(matches!(
            app.publish(PublishQueue::Orders, &["x".into()]).await,
            Err(crate::ports::PublishError::NotConfigured(
                PublishQueue::Orders
            ))
        ));

        let app = build_app(&AUTH_API, &local(&[SECRET])).await.unwrap();
        assert!(app.tokens.is_some());
        assert!(app.publisher.is_none() && app.mailer.is_none());

        let app = build_local_app(&local(&[])).await.unwrap();
        assert!(app.tokens.is_none() && app.publisher.is_none());
    }

    #[cfg(feature = "amazon")]
    #[tokio::test]
    async fn a_function_that_calls_amazon_gets_the_client_in_mcf_mode_only() {
        use crate::functions::ORDER_PROCESSOR;
        let queue = ("REORDERS_QUEUE_URL", "http://127.0.0.1:1/q");
        let sync = ("AMAZON_SYNC_QUEUE_URL", "http://127.0.0.1:1/s");
        let spapi = [
            ("SPAPI_ENDPOINT", "http://127.0.0.1:1"),
            ("LWA_ENDPOINT", "http://127.0.0.1:1/auth/o2/token"),
            ("LWA_CLIENT_ID", "id"),
            ("LWA_CLIENT_SECRET", "secret"),
            ("LWA_REFRESH_TOKEN", "refresh"),
            ("SPAPI_MARKETPLACE_ID", "ATVPDKIKX0DER"),
            ("SPAPI_SELLER_ID", "A2SELLER"),
        ];
        let err = build_app(
            &ORDER_PROCESSOR,
            &local(&[queue, sync, ("FULFILLMENT_MODE", "mcf")]),
        )
        .await
        .unwrap_err();
        assert!(err.to_string().contains("SPAPI_ENDPOINT"), "{err}");

        let mut pairs = vec![queue, sync, ("FULFILLMENT_MODE", "mcf")];
        pairs.extend(spapi);
        let app = build_app(&ORDER_PROCESSOR, &local(&pairs)).await.unwrap();
        assert!(app.amazon.is_some());
        // Self-fulfilled: no client, even with the settings present.
        pairs[2] = ("FULFILLMENT_MODE", "self");
        let app = build_app(&ORDER_PROCESSOR, &local(&pairs)).await.unwrap();
        assert!(app.amazon.is_none());
        assert!(
            build_local_app(&local(&spapi))
                .await
                .unwrap()
                .amazon
                .is_some()
        );
    }

    #[cfg(feature = "sqs")]
    #[tokio::test]
    async fn a_publishing_function_gets_a_publisher() {
        let config = local(&[
            SECRET,
            ("ORDERS_QUEUE_URL", "http://127.0.0.1:1/q"),
            ("AMAZON_SYNC_QUEUE_URL", "http://127.0.0.1:1/s"),
        ]);
        let app = build_app(&ORDERS_API, &config).await.unwrap();
        assert!(app.publisher.is_some() && app.tokens.is_some());
        assert!(app.mailer.is_none());
    }
}
