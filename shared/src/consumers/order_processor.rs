//! `order-processor`: parses OrderPlaced and processes the order
//! (`app::orders::process_order`: PENDING -> PROCESSING -> COMPLETED, or
//! left to MCF notifications). Records `ProcessingTime`: from the order's
//! placement to the processor's finish with it.

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};

use super::{MessageError, body, process_batch};
use crate::app::App;
use crate::app::orders::process_order;
use crate::messages::OrderPlaced;
use crate::metrics::{self, Metric};

pub async fn handle(app: &App, event: SqsEvent) -> SqsBatchResponse {
    process_batch("order-processor", event, |message| async move {
        let placed: OrderPlaced = serde_json::from_str(body(&message)?)
            .map_err(|e| MessageError::Malformed(format!("not an OrderPlaced message: {e}")))?;
        if let Some(order) = process_order(app, placed.order_id).await? {
            let elapsed = app.clock.now() - order.created_at;
            metrics::value(Metric::ProcessingTime, elapsed.num_milliseconds().max(0) as f64);
            tracing::info!(order_id = %order.order_id, status = order.status.as_str(), "order message handled");
        }
        Ok(())
    })
    .await
}
