//! In-process queues with SQS's delivery semantics, for the dev server and
//! tests: batches of up to 10, partial batch failures, a visibility delay
//! before a failed message is delivered again, and a dead-letter list after
//! the configured number of receives.
//!
//! Consumers are the very handlers the Lambdas run
//! (`async fn(&App, SqsEvent) -> SqsBatchResponse`); a worker task per
//! queue feeds them `SqsEvent`s shaped like Lambda's, with the
//! `correlation_id` message attribute and the `AWSTraceHeader` system
//! attribute a publisher's [`Propagation`] put there.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use async_trait::async_trait;
use aws_lambda_events::event::sqs::{SqsBatchResponse, SqsEvent, SqsMessage, SqsMessageAttribute};
use futures::future::BoxFuture;
use tokio::sync::Notify;
use tokio::time::Instant;

use crate::ports::{
    CORRELATION_ATTRIBUTE, Propagation, PublishError, PublishQueue, Publisher, QueueName,
    TRACE_ATTRIBUTE,
};

/// How the queues redeliver.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueSettings {
    /// How long a failed message stays invisible before it is delivered again.
    pub visibility: Duration,
    /// After this many receives, a message that failed again is dead-lettered.
    pub max_receives: u32,
    /// Messages per delivered batch (SQS allows 1 to 10).
    pub batch_size: usize,
}

impl Default for QueueSettings {
    fn default() -> Self {
        QueueSettings {
            visibility: Duration::from_secs(2),
            max_receives: 3,
            batch_size: 10,
        }
    }
}

/// A message that failed `max_receives` times.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct DeadLetter {
    pub message_id: String,
    pub body: String,
    pub receive_count: u32,
}

#[derive(Debug, Clone)]
struct Message {
    id: String,
    body: String,
    receive_count: u32,
    visible_at: Instant,
    sent_at_ms: i64,
    propagation: Propagation,
}

#[derive(Debug, Default)]
struct Queue {
    ready: VecDeque<Message>,
    in_flight: usize,
    dead: Vec<DeadLetter>,
}

#[derive(Debug, Default)]
struct Slot {
    queue: Mutex<Queue>,
    notify: Notify,
}

impl Slot {
    fn lock(&self) -> MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// A consumer: the Lambda handler of the queue, bound to its app.
pub type Consumer = Arc<dyn Fn(SqsEvent) -> BoxFuture<'static, SqsBatchResponse> + Send + Sync>;

/// The dev server's queues.
#[derive(Debug)]
pub struct MemoryQueues {
    slots: HashMap<QueueName, Arc<Slot>>,
    settings: QueueSettings,
}

impl MemoryQueues {
    pub fn new(settings: QueueSettings) -> Self {
        MemoryQueues {
            slots: QueueName::ALL
                .into_iter()
                .map(|q| (q, Arc::new(Slot::default())))
                .collect(),
            settings,
        }
    }

    pub fn settings(&self) -> QueueSettings {
        self.settings
    }

    fn slot(&self, queue: QueueName) -> Arc<Slot> {
        // Every name has a slot from `new`.
        self.slots.get(&queue).cloned().unwrap_or_default()
    }

    /// Enqueues one raw body, as SQS's SendMessage would; returns its id.
    pub fn send(&self, queue: impl Into<QueueName>, body: String) -> String {
        self.send_with(queue, body, Propagation::default())
    }

    /// Enqueues one raw body carrying `propagation`; returns its id.
    pub fn send_with(
        &self,
        queue: impl Into<QueueName>,
        body: String,
        propagation: Propagation,
    ) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        let slot = self.slot(queue.into());
        slot.lock().ready.push_back(Message {
            id: id.clone(),
            body,
            receive_count: 0,
            visible_at: Instant::now(),
            sent_at_ms: chrono::Utc::now().timestamp_millis(),
            propagation,
        });
        slot.notify.notify_one();
        id
    }

    pub fn dead_letters(&self, queue: impl Into<QueueName>) -> Vec<DeadLetter> {
        self.slot(queue.into()).lock().dead.clone()
    }

    /// Messages waiting or being processed.
    pub fn depth(&self, queue: impl Into<QueueName>) -> usize {
        let slot = self.slot(queue.into());
        let q = slot.lock();
        q.ready.len() + q.in_flight
    }

    /// Takes up to a batch of visible messages, counting the receive.
    fn receive(&self, slot: &Slot) -> (Vec<Message>, Option<Instant>) {
        let now = Instant::now();
        let mut q = slot.lock();
        let mut batch = Vec::new();
        let mut keep = VecDeque::with_capacity(q.ready.len());
        let mut next_visible: Option<Instant> = None;
        while let Some(mut m) = q.ready.pop_front() {
            if batch.len() < self.settings.batch_size && m.visible_at <= now {
                m.receive_count += 1;
                batch.push(m);
            } else {
                if m.visible_at > now {
                    next_visible = Some(next_visible.map_or(m.visible_at, |t| t.min(m.visible_at)));
                }
                keep.push_back(m);
            }
        }
        q.ready = keep;
        q.in_flight += batch.len();
        (batch, next_visible)
    }

    /// Deletes the messages that succeeded; delays or dead-letters the rest.
    fn settle(&self, slot: &Slot, batch: Vec<Message>, failed: &HashSet<String>) {
        let mut q = slot.lock();
        q.in_flight = q.in_flight.saturating_sub(batch.len());
        for mut m in batch {
            if !failed.contains(&m.id) {
                continue;
            }
            if m.receive_count >= self.settings.max_receives {
                q.dead.push(DeadLetter {
                    message_id: m.id,
                    body: m.body,
                    receive_count: m.receive_count,
                });
            } else {
                m.visible_at = Instant::now() + self.settings.visibility;
                q.ready.push_back(m);
            }
        }
    }

    /// Delivers `queue` to `consumer` until the returned task is aborted.
    pub fn spawn_worker(
        self: &Arc<Self>,
        queue: QueueName,
        consumer: Consumer,
    ) -> tokio::task::JoinHandle<()> {
        let queues = Arc::clone(self);
        tokio::spawn(async move {
            let slot = queues.slot(queue);
            loop {
                let (batch, next_visible) = queues.receive(&slot);
                if batch.is_empty() {
                    let wait = next_visible
                        .map(|t| t.saturating_duration_since(Instant::now()))
                        .unwrap_or(Duration::from_secs(3600));
                    let _ = tokio::time::timeout(wait, slot.notify.notified()).await;
                    continue;
                }
                let event = sqs_event(queue, &batch);
                let response = consumer(event).await;
                let failed: HashSet<String> = response
                    .batch_item_failures
                    .into_iter()
                    .map(|f| f.item_identifier)
                    .collect();
                // An empty identifier means "retry the whole batch", as in Lambda.
                let failed = if failed.contains("") {
                    batch.iter().map(|m| m.id.clone()).collect()
                } else {
                    failed
                };
                queues.settle(&slot, batch, &failed);
            }
        })
    }
}

/// The SQS event Lambda would deliver for this batch.
fn sqs_event(queue: QueueName, batch: &[Message]) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = batch
        .iter()
        .map(|m| {
            let mut record = SqsMessage::default();
            record.message_id = Some(m.id.clone());
            record.receipt_handle = Some(format!("{}#{}", m.id, m.receive_count));
            record.body = Some(m.body.clone());
            record.attributes = HashMap::from([
                (
                    "ApproximateReceiveCount".to_owned(),
                    m.receive_count.to_string(),
                ),
                ("SentTimestamp".to_owned(), m.sent_at_ms.to_string()),
            ]);
            if let Some(header) = &m.propagation.trace_header {
                record
                    .attributes
                    .insert(TRACE_ATTRIBUTE.to_owned(), header.clone());
            }
            if let Some(id) = &m.propagation.correlation_id {
                let mut attribute = SqsMessageAttribute::default();
                attribute.data_type = Some("String".to_owned());
                attribute.string_value = Some(id.clone());
                record
                    .message_attributes
                    .insert(CORRELATION_ATTRIBUTE.to_owned(), attribute);
            }
            record.event_source = Some("aws:sqs".to_owned());
            record.event_source_arn = Some(format!(
                "arn:aws:sqs:us-east-1:000000000000:stockroom-{queue}"
            ));
            record.aws_region = Some("us-east-1".to_owned());
            record
        })
        .collect();
    event
}

#[async_trait]
impl Publisher for MemoryQueues {
    async fn publish(&self, queue: PublishQueue, bodies: &[String]) -> Result<(), PublishError> {
        self.publish_with(queue, bodies, &Propagation::default())
            .await
    }

    async fn publish_with(
        &self,
        queue: PublishQueue,
        bodies: &[String],
        propagation: &Propagation,
    ) -> Result<(), PublishError> {
        for body in bodies {
            self.send_with(queue, body.clone(), propagation.clone());
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_lambda_events::event::sqs::BatchItemFailure;

    fn settings() -> QueueSettings {
        QueueSettings {
            visibility: Duration::from_millis(20),
            max_receives: 3,
            batch_size: 10,
        }
    }

    #[tokio::test]
    async fn failed_messages_are_retried_then_dead_lettered() {
        let queues = Arc::new(MemoryQueues::new(settings()));
        let seen = Arc::new(Mutex::new(Vec::<(String, String)>::new()));
        let log = seen.clone();
        let consumer: Consumer = Arc::new(move |event: SqsEvent| {
            let log = log.clone();
            Box::pin(async move {
                let mut response = SqsBatchResponse::default();
                for r in event.records {
                    let body = r.body.unwrap_or_default();
                    log.lock().unwrap().push((
                        body.clone(),
                        r.attributes["ApproximateReceiveCount"].clone(),
                    ));
                    if body == "poison" {
                        let mut f = BatchItemFailure::default();
                        f.item_identifier = r.message_id.unwrap_or_default();
                        response.batch_item_failures.push(f);
                    }
                }
                response
            })
        });
        let worker = queues.spawn_worker(QueueName::Orders, consumer);
        queues.send(QueueName::Orders, "poison".into());
        for i in 0..5 {
            queues.send(QueueName::Orders, format!("good-{i}"));
        }
        for _ in 0..200 {
            if !queues.dead_letters(QueueName::Orders).is_empty()
                && queues.depth(QueueName::Orders) == 0
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        worker.abort();
        let dead = queues.dead_letters(QueueName::Orders);
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].body, "poison");
        assert_eq!(dead[0].receive_count, 3);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.iter().filter(|(b, _)| b == "poison").count(), 3);
        assert_eq!(
            seen.iter().filter(|(b, _)| b.starts_with("good")).count(),
            5,
            "good messages once each"
        );
        assert!(seen.contains(&("poison".into(), "3".into())));
    }
}
