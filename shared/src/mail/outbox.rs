//! The dev server's mailer: keeps every email it is asked to send, for
//! `GET /_dev/outbox`.
//!
//! [`OutboxRules`] make it fail for chosen recipients the way SES can: a
//! permanent refusal ([`MailError::Rejected`], like SES's
//! `MessageRejected`) or an outage ([`MailError::Unavailable`], like
//! throttling after the retries), so that the reorder mail's end states
//! (MAIL_FAILED, the retry cap) can be tried over HTTP without AWS.

use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::ports::{CORRELATION_HEADER, Email, MailError, Mailer, Propagation};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SentEmail {
    pub to: String,
    pub subject: String,
    pub body: String,
    pub sent_at: DateTime<Utc>,
    /// Headers beyond From/To/Subject (`x-correlation-id`).
    pub headers: Vec<(String, String)>,
}

/// Recipients the outbox does not deliver to. Addresses compare without
/// regard to case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OutboxRules {
    /// Refused for good.
    pub reject: Vec<String>,
    /// Answered as if the mail service were down.
    pub unavailable: Vec<String>,
}

impl OutboxRules {
    fn names(list: &[String], to: &str) -> bool {
        list.iter()
            .any(|a| a.trim().eq_ignore_ascii_case(to.trim()))
    }
}

#[derive(Debug, Default)]
pub struct Outbox {
    sent: Mutex<Vec<SentEmail>>,
    rules: OutboxRules,
}

impl Outbox {
    pub fn new() -> Self {
        Self::default()
    }

    /// An outbox that fails for the recipients `rules` name.
    pub fn with_rules(rules: OutboxRules) -> Self {
        Self {
            sent: Mutex::default(),
            rules,
        }
    }

    pub fn sent(&self) -> Vec<SentEmail> {
        self.sent.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

#[async_trait]
impl Mailer for Outbox {
    async fn send(&self, email: &Email) -> Result<(), MailError> {
        self.send_with(email, &Propagation::default()).await
    }

    async fn send_with(&self, email: &Email, propagation: &Propagation) -> Result<(), MailError> {
        let headers = propagation
            .correlation_id
            .iter()
            .map(|id| (CORRELATION_HEADER.to_owned(), id.clone()))
            .collect();
        if OutboxRules::names(&self.rules.reject, &email.to) {
            return Err(MailError::Rejected(
                format!("the outbox is set to reject mail to {}", email.to).into(),
            ));
        }
        if OutboxRules::names(&self.rules.unavailable, &email.to) {
            return Err(MailError::Unavailable(
                format!("the outbox is set to be unavailable for {}", email.to).into(),
            ));
        }
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(SentEmail {
                to: email.to.clone(),
                subject: email.subject.clone(),
                body: email.body.clone(),
                sent_at: Utc::now(),
                headers,
            });
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn email(to: &str) -> Email {
        Email {
            to: to.into(),
            subject: "s".into(),
            body: "b".into(),
        }
    }

    #[tokio::test]
    async fn rules_refuse_their_recipients_and_keep_the_rest() {
        let outbox = Outbox::with_rules(OutboxRules {
            reject: vec!["bad@suppliers.example".into()],
            unavailable: vec!["down@suppliers.example".into()],
        });
        assert!(matches!(
            outbox.send(&email("BAD@suppliers.example")).await,
            Err(MailError::Rejected(_))
        ));
        assert!(matches!(
            outbox.send(&email("down@suppliers.example")).await,
            Err(MailError::Unavailable(_))
        ));
        outbox.send(&email("good@suppliers.example")).await.unwrap();
        let sent = outbox.sent();
        assert_eq!(sent.len(), 1, "refused mail is not kept");
        assert_eq!(sent[0].to, "good@suppliers.example");
    }
}
