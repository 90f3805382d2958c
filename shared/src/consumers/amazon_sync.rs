//! `amazon-sync`: pushes `amazon_mfn` listings to Amazon
//! (`app::amazon_sync::sync`), one push per SKU per batch however many
//! messages name it: each push reads the listing's current state, so the
//! extra messages add nothing.
//!
//! The queue is FIFO grouped by SKU, so no two batches hold the same SKU
//! at once. When a SKU's push fails transiently every message naming it
//! is reported failed (they are redelivered together, in order); a body
//! that is not `{"sku"}` fails alone and reaches the dead-letter queue.
//!
//! Metrics, per SKU pushed: `ListingsPushed`, `ListingPushesRefused` (Amazon
//! refused for good; dropped) and `ListingPushesFailed` (retried).

use std::collections::BTreeMap;

use aws_lambda_events::event::sqs::{BatchItemFailure, SqsBatchResponse, SqsEvent};
use futures::StreamExt;

use super::{MessageError, body};
use crate::app::App;
use crate::app::amazon_sync::{self, SyncRequested, Synced};
use crate::domain::Sku;
use crate::metrics::{self, Metric};

const CONSUMER: &str = "amazon-sync";

/// How many SKUs are pushed at once.
const CONCURRENCY: usize = 4;

pub async fn handle(app: &App, event: SqsEvent) -> SqsBatchResponse {
    let mut by_sku: BTreeMap<Sku, Vec<String>> = BTreeMap::new();
    let mut failed: Vec<String> = Vec::new();
    for message in event.records {
        let id = message.message_id.clone().unwrap_or_default();
        let parsed = body(&message).and_then(|b| {
            serde_json::from_str::<SyncRequested>(b)
                .map_err(|e| MessageError::Malformed(format!("not an amazon-sync message: {e}")))
        });
        match parsed {
            Ok(request) => by_sku.entry(request.sku).or_default().push(id),
            Err(error) => {
                tracing::error!(consumer = CONSUMER, message_id = %id, error = %error, "malformed message");
                failed.push(id);
            }
        }
    }
    let outcomes: Vec<(Sku, Vec<String>, bool)> = futures::stream::iter(by_sku)
        .map(|(sku, ids)| async move {
            let ok = match amazon_sync::sync(app, &sku).await {
                Ok(Synced::Pushed { .. }) => {
                    metrics::count(Metric::ListingsPushed, 1);
                    true
                }
                Ok(Synced::Refused { .. }) => {
                    metrics::count(Metric::ListingPushesRefused, 1);
                    true
                }
                Ok(Synced::NotConfigured) => {
                    tracing::info!(consumer = CONSUMER, sku = %sku, "no SP-API settings (self mode): listing not pushed");
                    true
                }
                Ok(outcome) => {
                    tracing::debug!(consumer = CONSUMER, sku = %sku, messages = ids.len(), ?outcome, "listing synced");
                    true
                }
                Err(error) => {
                    metrics::count(Metric::ListingPushesFailed, 1);
                    tracing::warn!(consumer = CONSUMER, sku = %sku, messages = ids.len(), transient = error.is_transient(), error = %crate::telemetry::chain(&error), "listing not synced; will be retried");
                    false
                }
            };
            (sku, ids, ok)
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    for (_, ids, ok) in outcomes {
        if !ok {
            failed.extend(ids);
        }
    }
    let mut response = SqsBatchResponse::default();
    for id in failed {
        let mut failure = BatchItemFailure::default();
        failure.item_identifier = id;
        response.batch_item_failures.push(failure);
    }
    response
}
