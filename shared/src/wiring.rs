//! Building the [`App`] from [`Config`]: one store, one queue publisher and
//! one mailer per process, created once per cold start and shared by every
//! invocation. Nothing here makes a network call: AWS clients and the
//! MongoDB driver connect lazily on first use.

use std::sync::Arc;

use thiserror::Error;

use crate::app::App;
use crate::auth::TokenKeys;
use crate::config::{Config, ConfigError, StoreConfig};
use crate::ports::Store;
use crate::store::MemoryStore;

#[derive(Debug, Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("STORE={0} is not available in this build (enable the cargo feature `{0}`)")]
    BackendNotBuilt(&'static str),
    #[error("the store could not be set up: {0}")]
    Store(String),
}

/// What a function uses besides the store.
#[derive(Debug, Clone, Copy, Default)]
pub struct Needs {
    /// Publishes to SQS (orders, reorders).
    pub publisher: bool,
    /// Sends email (SES).
    pub mailer: bool,
}

/// Builds the store named by the configuration.
pub async fn build_store(config: &Config) -> Result<Arc<dyn Store>, StartupError> {
    match &config.store {
        StoreConfig::Memory => Ok(Arc::new(MemoryStore::new())),
        StoreConfig::DynamoDb { .. } => Err(StartupError::BackendNotBuilt("dynamodb")),
        StoreConfig::MongoDb { .. } => Err(StartupError::BackendNotBuilt("mongodb")),
    }
}

/// Builds the app for a Lambda function.
pub async fn build_app(config: &Config, needs: Needs) -> Result<App, StartupError> {
    let store = build_store(config).await?;
    let app = App::new(store, TokenKeys::new(&config.auth), config.settings.clone());
    let _ = needs;
    Ok(app)
}
