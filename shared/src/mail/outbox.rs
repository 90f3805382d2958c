//! The dev server's mailer: keeps every email it is asked to send, for
//! `GET /_dev/outbox`.

use std::sync::Mutex;

use async_trait::async_trait;
use chrono::{DateTime, Utc};

use crate::ports::{Email, MailError, Mailer};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SentEmail {
    pub to: String,
    pub subject: String,
    pub body: String,
    pub sent_at: DateTime<Utc>,
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
        self.sent
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(SentEmail {
                to: email.to.clone(),
                subject: email.subject.clone(),
                body: email.body.clone(),
                sent_at: Utc::now(),
            });
        Ok(())
    }
}
