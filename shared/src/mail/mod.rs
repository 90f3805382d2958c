//! Mail adapters behind [`crate::ports::Mailer`].

#[cfg(feature = "ses")]
pub mod ses;
