//! Mail adapters behind [`crate::ports::Mailer`].

pub mod outbox;

#[cfg(feature = "ses")]
pub mod ses;

pub use outbox::{Outbox, OutboxRules, SentEmail};
