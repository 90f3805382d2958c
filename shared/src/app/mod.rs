//! Application services: the use cases behind every entry point (HTTP
//! routes, queue consumers, schedules). They speak domain types and ports
//! only; `crate::http` and `crate::consumers` translate at the edges.

mod accounts;
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

use async_trait::async_trait;

pub use accounts::{IssuedToken, ensure_admin, issue_token, register};
pub use error::{AppError, Conflict, Forbidden, Refusal, Resource, StockLimit, Unauthenticated};
pub use listings::{
    ListingInput, adjust_stock, delete_listing, get_listing, list_listings, put_listing,
};
pub use orders::{OrderRequest, Placed, cancel_order, get_order_for, list_orders_for, place_order};

use crate::auth::TokenKeys;
use crate::config::Settings;
use crate::ports::{
    Clock, Email, MailError, Mailer, PublishError, Publisher, QueueName, Store, SystemClock,
};

/// Everything a handler needs, built once per cold start and shared by
/// every invocation.
#[derive(Clone)]
pub struct App {
    pub store: Arc<dyn Store>,
    pub publisher: Arc<dyn Publisher>,
    pub mailer: Arc<dyn Mailer>,
    pub clock: Arc<dyn Clock>,
    pub tokens: TokenKeys,
    pub settings: Settings,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

impl App {
    /// An app with no queue and no mailer configured (each refuses with a
    /// clear error) and the system clock.
    pub fn new(store: Arc<dyn Store>, tokens: TokenKeys, settings: Settings) -> Self {
        App {
            store,
            publisher: Arc::new(Unconfigured),
            mailer: Arc::new(Unconfigured),
            clock: Arc::new(SystemClock),
            tokens,
            settings,
        }
    }

    pub fn with_publisher(mut self, publisher: Arc<dyn Publisher>) -> Self {
        self.publisher = publisher;
        self
    }

    pub fn with_mailer(mut self, mailer: Arc<dyn Mailer>) -> Self {
        self.mailer = mailer;
        self
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }
}

/// Stand-in for a queue or mailer this function was not given.
#[derive(Debug)]
struct Unconfigured;

#[async_trait]
impl Publisher for Unconfigured {
    async fn publish(&self, queue: QueueName, _bodies: &[String]) -> Result<(), PublishError> {
        Err(PublishError::NotConfigured(queue))
    }
}

#[async_trait]
impl Mailer for Unconfigured {
    async fn send(&self, _email: &Email) -> Result<(), MailError> {
        Err(MailError::Rejected(
            "no mailer is configured for this function".into(),
        ))
    }
}
