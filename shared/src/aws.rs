//! The AWS SDK configuration shared by the DynamoDB, SQS and SES clients,
//! shaped for a Lambda cold start.
//!
//! Two things made the SDK's defaults cost about 7 ms of every init here
//! (BENCHMARKS.md, "Cold start and size"), three times the whole init of a
//! bare `lambda_runtime` function:
//!
//! * The default HTTPS client builds a TLS connector, loading and parsing
//!   the platform's trusted root certificates, each time an SDK client is
//!   constructed (its `validate_base_client_config`), and then throws that
//!   connector away: requests build their own, one per timeout setting.
//!   [`LazyHttpsClient`] skips that step, so the roots are loaded once, by
//!   the first request that needs TLS.
//! * The default credentials chain constructs an STS client (for web
//!   identity) and an instance-metadata client even when the credentials are
//!   in the environment, which in Lambda they always are. Inside Lambda,
//!   [`load`] reads them from there directly.
//!
//! Outside Lambda (the dev server, the tools, tests) the standard chain
//! applies: profiles, SSO and the rest.

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::connector_metadata::ConnectorMetadata;
use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnectorSettings, SharedHttpClient, SharedHttpConnector,
};
use aws_smithy_runtime_api::client::runtime_components::{
    RuntimeComponents, RuntimeComponentsBuilder,
};
use aws_smithy_types::config_bag::ConfigBag;

/// Loads the SDK configuration: region, credentials and endpoints
/// (`AWS_ENDPOINT_URL`, `AWS_ENDPOINT_URL_<SERVICE>`) from the environment,
/// with [`LazyHttpsClient`]. No network call; credentials are resolved on the
/// first request.
pub async fn load() -> SdkConfig {
    let mut loader =
        aws_config::defaults(BehaviorVersion::latest()).http_client(LazyHttpsClient::new());
    if in_lambda() {
        loader = loader.credentials_provider(EnvironmentVariableCredentialsProvider::new());
        if let Some(region) = env_region() {
            loader = loader.region(Region::new(region));
        }
    }
    loader.load().await
}

/// Lambda sets `AWS_LAMBDA_FUNCTION_NAME` and puts the execution role's
/// credentials in `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
/// `AWS_SESSION_TOKEN`.
fn in_lambda() -> bool {
    std::env::var_os("AWS_LAMBDA_FUNCTION_NAME").is_some()
        && std::env::var_os("AWS_ACCESS_KEY_ID").is_some()
}

fn env_region() -> Option<String> {
    ["AWS_REGION", "AWS_DEFAULT_REGION"]
        .into_iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
}

/// The SDK's default HTTPS client (hyper, rustls with AWS-LC, the
/// platform's trusted roots), minus the eager connector construction at
/// client creation; see the module docs. Connectors are still built and
/// cached by the inner client, per connector settings, on first use.
#[derive(Debug, Clone)]
pub struct LazyHttpsClient {
    inner: SharedHttpClient,
}

impl LazyHttpsClient {
    pub fn new() -> Self {
        LazyHttpsClient {
            inner: aws_smithy_http_client::Builder::new()
                .tls_provider(tls::Provider::Rustls(CryptoMode::AwsLc))
                .build_https(),
        }
    }
}

impl Default for LazyHttpsClient {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpClient for LazyHttpsClient {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        components: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.inner.http_connector(settings, components)
    }

    /// Deliberately not delegated: the inner client would build (and drop) a
    /// TLS connector here only to load the trusted roots early.
    fn validate_base_client_config(
        &self,
        _components: &RuntimeComponentsBuilder,
        _cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        Ok(())
    }

    fn validate_final_config(
        &self,
        components: &RuntimeComponents,
        cfg: &ConfigBag,
    ) -> Result<(), BoxError> {
        self.inner.validate_final_config(components, cfg)
    }

    fn connector_metadata(&self) -> Option<ConnectorMetadata> {
        self.inner.connector_metadata()
    }
}
