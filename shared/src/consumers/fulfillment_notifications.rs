//! `fulfillment-notifications`: FULFILLMENT_ORDER_STATUS for MCF orders
//! (status, shipments and tracking, returns).

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};

use super::{MessageError, body, notifications, process_batch};
use crate::app::App;
use crate::app::notifications::{Applied, apply_notification};
use crate::domain::Notification;
use crate::metrics::{self, Metric};

pub async fn handle(app: &App, event: SqsEvent) -> SqsBatchResponse {
    process_batch("fulfillment-notifications", event, |message| async move {
        let notification = notifications::parse(body(&message)?)
            .map_err(|e| MessageError::Malformed(e.to_string()))?;
        if !matches!(notification, Notification::FulfillmentOrderStatus { .. }) {
            return Err(MessageError::Malformed(format!(
                "{} belongs on a listing queue",
                notification.kind()
            )));
        }
        let outcome = apply_notification(app, &notification).await?;
        let metric = match outcome {
            Applied::Applied => Metric::NotificationsApplied,
            Applied::Stale => Metric::NotificationsStale,
            Applied::Ignored(_) => Metric::NotificationsIgnored,
        };
        metrics::count_by(metric, notification.kind(), 1);
        tracing::info!(
            message_id = message.message_id.as_deref().unwrap_or(""),
            notification_id = %notification.stamp().notification_id,
            ?outcome,
            "fulfillment notification handled"
        );
        Ok(())
    })
    .await
}
