//! `stockroom-order-worker`: the `order-processor` Lambda's handler fed
//! from a real SQS queue, the way Lambda's event source mapping feeds it,
//! as an ordinary process that can be killed at any instant.
//!
//! It builds the app exactly as the Lambda does (`ORDER_PROCESSOR`'s row
//! of the function table: the configured store and a publisher for the
//! reorders queue), then each poller polls `ORDERS_QUEUE_URL` for up to
//! ten messages, hands them to `consumers::order_processor::handle` as
//! one `SqsEvent` and deletes the messages the handler did not report as
//! failed (`ReportBatchItemFailures`). Failed messages, and every message
//! of a batch in flight when the process dies, reappear once the queue's
//! visibility timeout runs out: that redelivery is what the crash test
//! (`tests/suite/backend/crash/`) relies on, so the worker never deletes a
//! message before its handler has finished.
//!
//! Settings: the order processor's (`STORE` and its store settings,
//! `REORDERS_QUEUE_URL`, ...), `ORDERS_QUEUE_URL` (the queue consumed) and
//! `WORKER_POLLERS` (concurrent batches, default 2, like concurrent Lambda
//! instances). On stdout, one line as each batch is received and one as it
//! is done, so whoever kills the process can tell whether a batch was in
//! flight. Each line ends with the time of day (UTC), so that a stall can be
//! placed against the test's own output.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use aws_sdk_sqs::Client;
use aws_sdk_sqs::types::{DeleteMessageBatchRequestEntry, Message};
use stockroom::app::App;
use stockroom::config::Config;
use stockroom::consumers::order_processor;
use stockroom::functions::ORDER_PROCESSOR;
use stockroom::telemetry;
use stockroom::wiring::build_app;

/// Messages per batch: SQS's maximum for one receive, Lambda's default.
const BATCH_SIZE: i32 = 10;
/// Pause after an empty or failed receive. Short polls with a pause rather
/// than long polls: moto's threaded SQS spins through a long poll while
/// messages it will not hand out (delayed, in flight) sit on the queue,
/// and a few such polls starve every other request it serves.
const RECEIVE_PAUSE: Duration = Duration::from_millis(200);

#[tokio::main]
async fn main() -> ExitCode {
    match run().await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("stockroom-order-worker: {}", telemetry::chain(e.as_ref()));
            ExitCode::FAILURE
        }
    }
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let queue_url = std::env::var("ORDERS_QUEUE_URL")
        .map_err(|_| "ORDERS_QUEUE_URL (the queue to consume) is not set")?;
    let pollers: usize = match std::env::var("WORKER_POLLERS") {
        Ok(raw) => raw
            .parse()
            .ok()
            .filter(|n| *n > 0)
            .ok_or("WORKER_POLLERS must be a positive whole number")?,
        Err(_) => 2,
    };
    let config = Config::for_function(&ORDER_PROCESSOR)?;
    telemetry::init(config.log_format, "order-processor");
    let app = Arc::new(build_app(&ORDER_PROCESSOR, &config).await?);
    let sqs = stockroom::queue::sqs::client(&stockroom::aws::load().await);
    println!("worker started with {pollers} pollers");
    let tasks: Vec<_> = (0..pollers)
        .map(|poller| {
            let (app, sqs, url) = (Arc::clone(&app), sqs.clone(), queue_url.clone());
            tokio::spawn(async move { poll(poller, &app, &sqs, &url).await })
        })
        .collect();
    for task in tasks {
        task.await?;
    }
    Ok(())
}

/// Receives, processes and acknowledges batches until the process ends.
async fn poll(poller: usize, app: &App, sqs: &Client, queue_url: &str) {
    let mut batch = 0u64;
    loop {
        let received = sqs
            .receive_message()
            .queue_url(queue_url)
            .max_number_of_messages(BATCH_SIZE)
            .wait_time_seconds(0)
            .send()
            .await;
        let messages = match received {
            Ok(out) => out.messages.unwrap_or_default(),
            Err(e) => {
                tracing::warn!(error = %telemetry::chain(&e), "receive failed");
                Vec::new()
            }
        };
        if messages.is_empty() {
            tokio::time::sleep(RECEIVE_PAUSE).await;
            continue;
        }
        batch += 1;
        let id = format!("{poller}.{batch}");
        println!("batch {id} received {} at {}", messages.len(), now());
        let event = sqs_event(&messages, queue_url);
        let response = order_processor::handle(app, event).await;
        let failed: Vec<&str> = response
            .batch_item_failures
            .iter()
            .map(|f| f.item_identifier.as_str())
            .collect();
        let done: Vec<DeleteMessageBatchRequestEntry> = messages
            .iter()
            .filter(|m| m.message_id().is_some_and(|id| !failed.contains(&id)))
            .enumerate()
            .filter_map(|(i, m)| {
                DeleteMessageBatchRequestEntry::builder()
                    .id(i.to_string())
                    .set_receipt_handle(m.receipt_handle().map(str::to_owned))
                    .build()
                    .ok()
            })
            .collect();
        let deleted = done.len();
        if !done.is_empty()
            && let Err(e) = sqs
                .delete_message_batch()
                .queue_url(queue_url)
                .set_entries(Some(done))
                .send()
                .await
        {
            // The messages come back after the visibility timeout and are
            // processed again, which is harmless: processing is idempotent.
            tracing::warn!(error = %telemetry::chain(&e), "delete failed");
        }
        println!(
            "batch {id} done {deleted} failed {} at {}",
            failed.len(),
            now()
        );
    }
}

fn now() -> String {
    chrono::Utc::now().format("%H:%M:%S%.3f").to_string()
}

/// The batch as Lambda would deliver it.
fn sqs_event(messages: &[Message], queue_url: &str) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = messages
        .iter()
        .map(|m| {
            let mut record = SqsMessage::default();
            record.message_id = m.message_id().map(str::to_owned);
            record.receipt_handle = m.receipt_handle().map(str::to_owned);
            record.body = m.body().map(str::to_owned);
            record.md5_of_body = m.md5_of_body().map(str::to_owned);
            record.event_source = Some("aws:sqs".to_owned());
            record.event_source_arn = Some(queue_url.to_owned());
            record
        })
        .collect();
    event
}
