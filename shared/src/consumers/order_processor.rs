//! `order-processor`: parses OrderPlaced and processes the order
//! (`app::orders::process_order`: PENDING -> PROCESSING -> COMPLETED, or
//! left to MCF notifications).

use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent};

use super::{MessageError, body, process_batch};
use crate::app::App;
use crate::app::orders::process_order;
use crate::messages::OrderPlaced;

pub async fn handle(app: &App, event: SqsEvent) -> SqsBatchResponse {
    process_batch("order-processor", event, |message| async move {
        let placed: OrderPlaced = serde_json::from_str(body(&message)?)
            .map_err(|e| MessageError::Malformed(format!("not an OrderPlaced message: {e}")))?;
        process_order(app, placed.order_id).await?;
        Ok(())
    })
    .await
}
