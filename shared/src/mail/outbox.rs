//! The dev server's mailer: keeps every email it is asked to send, for
//! `GET /_dev/outbox`.

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

#[derive(Debug, Default)]
pub struct Outbox {
    sent: Mutex<Vec<SentEmail>>,
}

impl Outbox {
    pub fn new() -> Self {
        Self::default()
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
