//! Building the store: client options suited to Lambda, and set-up errors.
//!
//! A Lambda execution environment serves one request at a time, is frozen
//! between invocations and may be reused for hours. So the pool is small
//! (a handler rarely has more than a few operations in flight, and every
//! connection costs the cluster memory across hundreds of environments),
//! and timeouts are short: a primary that cannot be selected within a few
//! seconds should turn into a 503 with `Retry-After`, not into an API
//! Gateway timeout. Anything the URI sets explicitly wins over these
//! defaults, including `directConnection`.

use std::time::Duration;

use mongodb::Client;
use mongodb::options::ClientOptions;
use thiserror::Error;

use super::MongoStore;
use super::deployment::DeploymentError;
use crate::ports::StoreError;

/// Connections per client unless the URI says otherwise.
pub const DEFAULT_MAX_POOL_SIZE: u32 = 8;
/// How long an operation waits for a suitable server unless the URI says
/// otherwise.
pub const DEFAULT_SERVER_SELECTION_TIMEOUT: Duration = Duration::from_secs(3);
/// How long opening one connection may take unless the URI says otherwise.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(3);
/// Idle connections are closed after this; a thawed Lambda then opens a
/// fresh one instead of finding a socket the network silently dropped.
pub const DEFAULT_MAX_IDLE_TIME: Duration = Duration::from_secs(120);
/// Reported to the server, visible in its logs and `currentOp`.
pub const APP_NAME: &str = "stockroom";

/// Why the store could not be built or set up.
#[derive(Debug, Error)]
pub enum SetupError {
    #[error("the MongoDB connection string is not valid")]
    InvalidUri(#[source] mongodb::error::Error),
    #[error("the MongoDB client options are not valid")]
    InvalidOptions(#[source] mongodb::error::Error),
    #[error(
        "{0:?} is not a valid MongoDB database name: 1 to 63 bytes, none of / \\ . \" $ * < > : | ? or spaces"
    )]
    InvalidDatabase(String),
    #[error(transparent)]
    Deployment(#[from] DeploymentError),
    #[error("index {index} on {collection} could not be created")]
    Index {
        collection: &'static str,
        index: &'static str,
        #[source]
        source: StoreError,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
}

fn check_database_name(name: &str) -> Result<(), SetupError> {
    let valid = !name.is_empty()
        && name.len() < 64
        && !name
            .chars()
            .any(|c| c.is_whitespace() || c == '\0' || "/\\.\"$*<>:|?".contains(c));
    if valid {
        Ok(())
    } else {
        Err(SetupError::InvalidDatabase(name.to_owned()))
    }
}

impl MongoStore {
    /// Parses `uri`, applies the Lambda defaults and builds the store.
    ///
    /// No connection is opened here and nothing waits on the network: the
    /// driver starts monitoring in the background and the first operation
    /// waits (up to the server selection timeout) for a usable server. The
    /// one exception is a `mongodb+srv://` URI, whose DNS records are
    /// resolved while parsing. Must be called inside a Tokio runtime.
    pub async fn connect(uri: &str, database: &str) -> Result<MongoStore, SetupError> {
        let options = Self::client_options(uri).await?;
        Self::with_options(options, database)
    }

    /// The options [`MongoStore::connect`] uses, for callers that add their
    /// own (e.g. a command monitor) before [`MongoStore::with_options`].
    pub async fn client_options(uri: &str) -> Result<ClientOptions, SetupError> {
        let mut options = ClientOptions::parse(uri)
            .await
            .map_err(SetupError::InvalidUri)?;
        apply_defaults(&mut options);
        Ok(options)
    }

    /// Builds the store from ready options. No I/O.
    pub fn with_options(options: ClientOptions, database: &str) -> Result<MongoStore, SetupError> {
        check_database_name(database)?;
        let client = Client::with_options(options).map_err(SetupError::InvalidOptions)?;
        Ok(Self::from_client(client, database))
    }
}

fn apply_defaults(options: &mut ClientOptions) {
    options.max_pool_size.get_or_insert(DEFAULT_MAX_POOL_SIZE);
    options
        .server_selection_timeout
        .get_or_insert(DEFAULT_SERVER_SELECTION_TIMEOUT);
    options
        .connect_timeout
        .get_or_insert(DEFAULT_CONNECT_TIMEOUT);
    options.max_idle_time.get_or_insert(DEFAULT_MAX_IDLE_TIME);
    options.app_name.get_or_insert_with(|| APP_NAME.to_owned());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn defaults_fill_in_but_the_uri_wins() {
        let defaulted = MongoStore::client_options("mongodb://127.0.0.1:1/?directConnection=true")
            .await
            .unwrap();
        assert_eq!(defaulted.max_pool_size, Some(DEFAULT_MAX_POOL_SIZE));
        assert_eq!(
            defaulted.server_selection_timeout,
            Some(DEFAULT_SERVER_SELECTION_TIMEOUT)
        );
        assert_eq!(defaulted.direct_connection, Some(true));
        assert_eq!(defaulted.app_name.as_deref(), Some(APP_NAME));

        let explicit = MongoStore::client_options(
            "mongodb://127.0.0.1:1/?maxPoolSize=2&serverSelectionTimeoutMS=500&appName=x",
        )
        .await
        .unwrap();
        assert_eq!(explicit.max_pool_size, Some(2));
        assert_eq!(
            explicit.server_selection_timeout,
            Some(Duration::from_millis(500))
        );
        assert_eq!(explicit.app_name.as_deref(), Some("x"));
    }

    #[tokio::test]
    async fn bad_input_is_refused() {
        assert!(matches!(
            MongoStore::client_options("http://nope").await,
            Err(SetupError::InvalidUri(_))
        ));
        for bad in ["", "a.b", "a b", "a/b", &"x".repeat(64)] {
            let err = MongoStore::connect("mongodb://127.0.0.1:1/", bad)
                .await
                .unwrap_err();
            assert!(matches!(err, SetupError::InvalidDatabase(_)), "{bad:?}");
        }
    }
}
