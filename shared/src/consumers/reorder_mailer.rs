//! `reorder-mailer`: parses ReorderQueued and mails the reorder
//! (`app::reorders::mail`: claims it under a lease, emails the supplier and
//! marks it SENT, or MAIL_FAILED when the mail service refuses it for good
//! or the attempts run out). Only an outage fails the message, so that it
//! is delivered again. Counts `ReorderMailsSent` and `ReorderMailsFailed`. A reorder that does not exist can never be mailed,
//! so its message is reported malformed rather than retried.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};

use super::{MessageError, body, process_batch};
use crate::app::reorders::Mailed;
use crate::app::{App, AppError, reorders};
use crate::messages::ReorderQueued;
use crate::metrics::{self, Metric};

pub async fn handle(app: &App, event: SqsEvent) -> SqsBatchResponse {
    process_batch("reorder-mailer", event, |message| async move {
        let queued: ReorderQueued = serde_json::from_str(body(&message)?)
            .map_err(|e| MessageError::Malformed(format!("not a ReorderQueued message: {e}")))?;
        let outcome = reorders::mail(app, queued.reorder_id).await;
        match &outcome {
            Ok(Mailed::Sent) => metrics::count(Metric::ReorderMailsSent, 1),
            Ok(_) => {}
            Err(_) => metrics::count(Metric::ReorderMailsFailed, 1),
        }
        match outcome {
            Ok(outcome) => {
                tracing::info!(reorder_id = %queued.reorder_id, ?outcome, "reorder message handled");
                Ok(())
            }
            Err(AppError::NotFound(what)) => Err(MessageError::Malformed(format!(
                "reorder {}: {what} not found",
                queued.reorder_id
            ))),
            Err(e) => Err(e.into()),
        }
    })
    .await
}
