//! Application services: the use cases behind every entry point (HTTP
//! routes, queue consumers, schedules). They speak domain types and ports
//! only; `crate::http` and `crate::consumers` translate at the edges.

mod accounts;
pub mod amazon_sync;
pub mod analytics;
mod error;
pub mod forecasts;
mod listings;
pub mod notifications;
pub mod orders;
mod paging;
pub mod procurement;

pub use procurement::{reorders, suppliers};

use std::sync::Arc;

pub use accounts::{IssuedToken, ensure_admin, issue_token, register};
pub use error::{
    AppError, Conflict, Forbidden, Refusal, Resource, StockLimit, Throttled, Unauthenticated,
};
pub use listings::{
    ListingInput, adjust_stock, delete_listing, get_listing, list_listings, put_listing,
};
pub use orders::{
    OrderRequest, Placed, cancel_order, get_order_for, list_orders_for, place_order,
    preview_shipping,
};

use crate::auth::{TokenError, TokenKeys};
use crate::config::Settings;
use crate::ports::{
    Amazon, AmazonError, ChatModel, Clock, Email, MailError, Mailer, PublishError, PublishQueue,
    Publisher, Store, SystemClock,
};

/// Everything a handler needs, built once per cold start and shared by
/// every invocation.
///
/// What a function was given is explicit: a function that publishes
/// nothing has no publisher, one that mails nothing no mailer, and only
/// the API functions hold token keys. `crate::wiring::build_app` builds it
/// from the function's row of the function table and refuses to start
/// when a dependency the row names is not configured, so a use case that
/// finds one missing is running in a function it was not wired into.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub publisher: Option<Arc<dyn Publisher>>,
    pub mailer: Option<Arc<dyn Mailer>>,
    /// Amazon SP-API, in functions that call it (MCF mode).
    pub amazon: Option<Arc<dyn Amazon>>,
    /// The assistant's language model, where one is configured.
    pub assistant: Option<Arc<dyn ChatModel>>,
    pub clock: Arc<dyn Clock>,
    pub tokens: Option<TokenKeys>,
    pub settings: Settings,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("publisher", &self.publisher.is_some())
            .field("mailer", &self.mailer.is_some())
            .field("amazon", &self.amazon.is_some())
            .field("assistant", &self.assistant.is_some())
            .field("tokens", &self.tokens.is_some())
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl App {
    /// An app that signs and checks tokens, with no queue and no mailer,
    /// and the system clock.
    pub fn new(store: Arc<dyn Store>, tokens: TokenKeys, settings: Settings) -> Self {
        App {
            tokens: Some(tokens),
            ..Self::without_tokens(store, settings)
        }
    }

    /// An app with the store alone (and the system clock).
    pub fn without_tokens(store: Arc<dyn Store>, settings: Settings) -> Self {
        App {
            store,
            publisher: None,
            mailer: None,
            amazon: None,
            assistant: None,
            clock: Arc::new(SystemClock),
            tokens: None,
            settings,
        }
    }

    pub fn with_publisher(mut self, publisher: Arc<dyn Publisher>) -> Self {
        self.publisher = Some(publisher);
        self
    }

    pub fn with_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = Some(mailer);
        self
    }

    pub fn with_assistant(mut self, model: Arc<dyn ChatModel>) -> Self {
        self.assistant = Some(model);
        self
    }

    pub fn with_amazon(mut self, amazon: Arc<dyn Amazon>) -> Self {
        self.amazon = Some(amazon);
        self
    }

    /// The SP-API client; `NotConfigured` in a function that has none.
    pub fn amazon(&self) -> Result<&dyn Amazon, AmazonError> {
        self.amazon.as_deref().ok_or(AmazonError::NotConfigured)
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Publishes to `queue`; `NotConfigured` in a function that has no
    /// publisher.
    pub async fn publish(
        &self,
        queue: PublishQueue,
        bodies: &[String],
    ) -> Result<(), PublishError> {
        match &self.publisher {
            // The correlation id and trace header of the invocation go
            // along, so the consumer's logs and trace join this one.
            Some(publisher) => {
                publisher
                    .publish_with(queue, bodies, &crate::telemetry::propagation())
                    .await
            }
            None => Err(PublishError::NotConfigured(queue)),
        }
    }

    /// Sends `email`; refused in a function that has no mailer.
    pub async fn send_mail(&self, email: &Email) -> Result<(), MailError> {
        match &self.mailer {
            Some(mailer) => {
                mailer
                    .send_with(email, &crate::telemetry::propagation())
                    .await
            }
            None => Err(MailError::Rejected(
                "no mailer is configured for this function".into(),
            )),
        }
    }

    /// The token keys; `NotConfigured` in a function that is not given the
    /// token secret.
    pub fn token_keys(&self) -> Result<&TokenKeys, TokenError> {
        self.tokens.as_ref().ok_or(TokenError::NotConfigured)
    }
}
