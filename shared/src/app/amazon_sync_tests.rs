//! Use-case tests of the Amazon sync, on the memory store with an
//! in-test Amazon that records patches and a publisher that records
//! messages.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use aws_lambda_events::event::sqs::{SqsEvent, SqsMessage};
use chrono::{Duration, TimeZone, Utc};

use super::*;
use crate::app::notifications::{Applied, apply_notification};
use crate::app::{ListingInput, adjust_stock, delete_listing, put_listing};
use crate::config::Settings;
use crate::domain::{FulfillmentChannel, Notification, OrderId, Price, StockDelta, Title};
use crate::ports::{
    Amazon, CancelOutcome, Clock, FulfillmentOrderRequest, FulfillmentOrderState, ManualClock,
    PreviewOption, PreviewRequest, PublishError, Publisher,
};
use crate::store::MemoryStore;

/// What the in-test Amazon answers to the next patch.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Answer {
    Accept,
    Throttle,
    Refuse,
}

#[derive(Default)]
struct FakeAmazon {
    patches: Mutex<Vec<ListingPatch>>,
    answer: Mutex<Option<Answer>>,
}

impl FakeAmazon {
    fn patches(&self) -> Vec<ListingPatch> {
        self.patches.lock().unwrap().clone()
    }
    fn answer(&self, answer: Answer) {
        *self.answer.lock().unwrap() = Some(answer);
    }
}

#[async_trait]
impl Amazon for FakeAmazon {
    async fn create_fulfillment_order(
        &self,
        _: &FulfillmentOrderRequest,
    ) -> Result<(), AmazonError> {
        Err(AmazonError::NotConfigured)
    }
    async fn get_fulfillment_order(
        &self,
        _: OrderId,
    ) -> Result<Option<FulfillmentOrderState>, AmazonError> {
        Err(AmazonError::NotConfigured)
    }
    async fn cancel_fulfillment_order(&self, _: OrderId) -> Result<CancelOutcome, AmazonError> {
        Err(AmazonError::NotConfigured)
    }
    async fn fulfillment_preview(
        &self,
        _: &PreviewRequest,
    ) -> Result<Vec<PreviewOption>, AmazonError> {
        Err(AmazonError::NotConfigured)
    }
    async fn patch_listing(&self, patch: &ListingPatch) -> Result<(), AmazonError> {
        match self.answer.lock().unwrap().unwrap_or(Answer::Accept) {
            Answer::Accept => {
                self.patches.lock().unwrap().push(patch.clone());
                Ok(())
            }
            Answer::Throttle => Err(AmazonError::Throttled { request_id: None }),
            Answer::Refuse => Err(AmazonError::Refused {
                status: 400,
                code: "InvalidInput".into(),
                message: "no such SKU".into(),
                request_id: Some("r-1".into()),
            }),
        }
    }
}

#[derive(Default)]
struct Recorder(Mutex<Vec<(PublishQueue, String)>>);

impl Recorder {
    fn synced(&self) -> Vec<String> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter(|(q, _)| *q == PublishQueue::AmazonSync)
            .map(|(_, b)| b.clone())
            .collect()
    }
    fn clear(&self) {
        self.0.lock().unwrap().clear();
    }
}

#[async_trait]
impl Publisher for Recorder {
    async fn publish(&self, queue: PublishQueue, bodies: &[String]) -> Result<(), PublishError> {
        let mut sent = self.0.lock().unwrap();
        sent.extend(bodies.iter().map(|b| (queue, b.clone())));
        Ok(())
    }
}

struct World {
    app: App,
    amazon: Arc<FakeAmazon>,
    queue: Arc<Recorder>,
    clock: Arc<ManualClock>,
}

fn world() -> World {
    let amazon = Arc::new(FakeAmazon::default());
    let queue = Arc::new(Recorder::default());
    let clock = Arc::new(ManualClock::new(
        Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
    ));
    let app = App::without_tokens(Arc::new(MemoryStore::new()), Settings::default())
        .with_amazon(amazon.clone())
        .with_publisher(queue.clone())
        .with_clock(clock.clone());
    World {
        app,
        amazon,
        queue,
        clock,
    }
}

fn sku(s: &str) -> Sku {
    Sku::parse(s).unwrap()
}

/// A mug at 12.50 with a reorder point of 0; what is not given is kept
/// (or defaulted) by `put_listing`.
fn mug(available: Option<i64>, status: Option<ListingStatus>, mfn: bool) -> ListingInput {
    ListingInput {
        title: Title::parse("Mug").unwrap(),
        price: Price::parse("12.50").unwrap(),
        currency: None,
        available: available.map(|n| Stock::new(n).unwrap()),
        status,
        supplier_id: None,
        reorder_point: Some(0),
        reorder_quantity: None,
        lead_time_days: None,
        auto_reorder_point: None,
        amazon_mfn: Some(mfn),
    }
}

async fn listing(w: &World, name: &str, available: i64, mfn: bool) {
    put_listing(&w.app, sku(name), mug(Some(available), None, mfn))
        .await
        .unwrap();
}

/// Amazon reports `quantity` now (and the clock moves on a second).
async fn amazon_reports(w: &World, name: &str, quantity: i64, id: &str) -> Applied {
    w.clock.advance(Duration::seconds(1));
    let notification = Notification::ListingQuantity {
        stamp: EventStamp {
            event_time: w.clock.now(),
            notification_id: id.into(),
        },
        sku: sku(name),
        channel: FulfillmentChannel::Merchant,
        quantity: Stock::new(quantity).unwrap(),
    };
    let applied = apply_notification(&w.app, &notification).await.unwrap();
    w.clock.advance(Duration::seconds(1));
    applied
}

async fn available(w: &World, name: &str) -> i64 {
    w.app
        .store
        .get_listing(&sku(name))
        .await
        .unwrap()
        .unwrap()
        .available
        .get()
}

#[tokio::test]
async fn an_edit_schedules_a_push_of_the_current_state_once() {
    let w = world();
    listing(&w, "MUG", 10, true).await;
    listing(&w, "TEE", 10, false).await;
    assert_eq!(w.queue.synced(), [r#"{"sku":"MUG"}"#]);

    adjust_stock(&w.app, &sku("MUG"), StockDelta::new(-3).unwrap(), "count")
        .await
        .unwrap();
    adjust_stock(&w.app, &sku("TEE"), StockDelta::new(-3).unwrap(), "count")
        .await
        .unwrap();
    assert_eq!(w.queue.synced().len(), 2, "only the MFN listing schedules");

    assert_eq!(
        sync(&w.app, &sku("MUG")).await.unwrap(),
        Synced::Pushed { quantity: 7 }
    );
    let patches = w.amazon.patches();
    assert_eq!(patches.len(), 1);
    assert_eq!(patches[0].quantity, 7);
    assert_eq!(
        patches[0].price.map(|p| p.0.to_string()),
        Some("12.50".into())
    );
    // Nothing changed since: no second call.
    assert_eq!(sync(&w.app, &sku("MUG")).await.unwrap(), Synced::UpToDate);
    assert_eq!(sync(&w.app, &sku("TEE")).await.unwrap(), Synced::NotSynced);
    assert_eq!(w.amazon.patches().len(), 1);
    let stored = w.app.store.get_listing(&sku("MUG")).await.unwrap().unwrap();
    assert_eq!(stored.amazon_pushed_quantity(), Some(7));
}

#[tokio::test]
async fn the_echo_changes_nothing_and_amazons_sale_is_kept() {
    let w = world();
    listing(&w, "MUG", 10, true).await;
    sync(&w.app, &sku("MUG")).await.unwrap();
    w.queue.clear();

    assert_eq!(
        amazon_reports(&w, "MUG", 10, "echo").await,
        Applied::Ignored("the echo of a push to Amazon")
    );
    assert_eq!(available(&w, "MUG").await, 10);
    assert!(w.queue.synced().is_empty());

    // Stockroom sells 2 (not pushed yet); Amazon sells 3 of its 10.
    adjust_stock(&w.app, &sku("MUG"), StockDelta::new(-2).unwrap(), "sale")
        .await
        .unwrap();
    assert_eq!(amazon_reports(&w, "MUG", 7, "sale").await, Applied::Applied);
    assert_eq!(available(&w, "MUG").await, 5, "10 - 2 here - 3 there");
    assert!(!w.queue.synced().is_empty(), "a push back is scheduled");
    // Redelivered: stale.
    let redelivered = Notification::ListingQuantity {
        stamp: EventStamp {
            event_time: w.clock.now() - Duration::seconds(2),
            notification_id: "sale".into(),
        },
        sku: sku("MUG"),
        channel: FulfillmentChannel::Merchant,
        quantity: Stock::new(7).unwrap(),
    };
    assert_eq!(
        apply_notification(&w.app, &redelivered).await.unwrap(),
        Applied::Stale
    );
    assert_eq!(
        sync(&w.app, &sku("MUG")).await.unwrap(),
        Synced::Pushed { quantity: 5 }
    );
    assert_eq!(
        amazon_reports(&w, "MUG", 5, "echo-2").await,
        Applied::Ignored("the echo of a push to Amazon")
    );
    assert_eq!(available(&w, "MUG").await, 5);
}

#[tokio::test]
async fn a_sale_overwritten_by_our_push_is_counted_once() {
    let w = world();
    listing(&w, "MUG", 10, true).await;
    sync(&w.app, &sku("MUG")).await.unwrap();
    // Amazon sells 1 at t; before its report arrives Stockroom sells 2 and
    // pushes 8, overwriting Amazon's 9.
    let sale_at = w.clock.now() + Duration::seconds(1);
    w.clock.advance(Duration::seconds(2));
    adjust_stock(&w.app, &sku("MUG"), StockDelta::new(-2).unwrap(), "sale")
        .await
        .unwrap();
    sync(&w.app, &sku("MUG")).await.unwrap();
    w.clock.advance(Duration::seconds(2));
    let late = Notification::ListingQuantity {
        stamp: EventStamp {
            event_time: sale_at,
            notification_id: "late".into(),
        },
        sku: sku("MUG"),
        channel: FulfillmentChannel::Merchant,
        quantity: Stock::new(9).unwrap(),
    };
    assert_eq!(
        apply_notification(&w.app, &late).await.unwrap(),
        Applied::Applied
    );
    assert_eq!(available(&w, "MUG").await, 7);
    amazon_reports(&w, "MUG", 8, "echo of 8").await;
    assert_eq!(available(&w, "MUG").await, 7);
    sync(&w.app, &sku("MUG")).await.unwrap();
    assert_eq!(w.amazon.patches().last().map(|p| p.quantity), Some(7));
}

#[tokio::test]
async fn both_channels_selling_the_last_units_floor_at_zero() {
    let w = world();
    listing(&w, "MUG", 3, true).await;
    sync(&w.app, &sku("MUG")).await.unwrap();
    adjust_stock(&w.app, &sku("MUG"), StockDelta::new(-2).unwrap(), "sale")
        .await
        .unwrap();
    // Amazon sold all 3 it showed; only 1 was left.
    assert_eq!(
        amazon_reports(&w, "MUG", 0, "sold out").await,
        Applied::Applied
    );
    assert_eq!(available(&w, "MUG").await, 0);
}

#[tokio::test]
async fn throttling_is_retried_and_a_refusal_dropped() {
    let w = world();
    listing(&w, "MUG", 4, true).await;
    w.amazon.answer(Answer::Throttle);
    let error = sync(&w.app, &sku("MUG")).await.unwrap_err();
    assert!(error.is_transient());
    w.amazon.answer(Answer::Refuse);
    assert_eq!(
        sync(&w.app, &sku("MUG")).await.unwrap(),
        Synced::Refused {
            reason: "InvalidInput: no such SKU".into()
        }
    );
    let stored = w.app.store.get_listing(&sku("MUG")).await.unwrap().unwrap();
    assert_eq!(stored.amazon_pushed_quantity(), None, "nothing recorded");
    // No baseline yet: Amazon's report changes nothing, a push is scheduled.
    w.queue.clear();
    assert_eq!(
        amazon_reports(&w, "MUG", 1, "n").await,
        Applied::Ignored("nothing pushed to Amazon yet to compare with")
    );
    assert_eq!(available(&w, "MUG").await, 4);
    assert_eq!(w.queue.synced().len(), 1);
}

fn message(id: &str, body: &str) -> SqsMessage {
    let mut m = SqsMessage::default();
    m.message_id = Some(id.into());
    m.body = Some(body.into());
    m
}

fn batch(messages: Vec<SqsMessage>) -> SqsEvent {
    let mut event = SqsEvent::default();
    event.records = messages;
    event
}

fn failed_ids(response: &aws_lambda_events::event::sqs::SqsBatchResponse) -> Vec<String> {
    let mut ids: Vec<String> = response
        .batch_item_failures
        .iter()
        .map(|f| f.item_identifier.clone())
        .collect();
    ids.sort();
    ids
}

#[tokio::test]
async fn the_consumer_pushes_each_sku_once_per_batch() {
    let w = world();
    listing(&w, "MUG", 5, true).await;
    listing(&w, "TEE", 6, true).await;
    let event = batch(vec![
        message("1", r#"{"sku":"MUG"}"#),
        message("2", r#"{"sku":"TEE"}"#),
        message("3", r#"{"sku":"MUG"}"#),
        message("4", "not json"),
        message("5", r#"{"sku":"MUG"}"#),
    ]);
    let response = crate::consumers::amazon_sync::handle(&w.app, event).await;
    assert_eq!(failed_ids(&response), ["4"]);
    let mut pushed: Vec<(String, u32)> = w
        .amazon
        .patches()
        .iter()
        .map(|p| (p.sku.to_string(), p.quantity))
        .collect();
    pushed.sort();
    assert_eq!(pushed, [("MUG".into(), 5), ("TEE".into(), 6)]);

    // Throttled: every message of the SKU is retried, together.
    adjust_stock(&w.app, &sku("MUG"), StockDelta::new(-1).unwrap(), "sale")
        .await
        .unwrap();
    w.amazon.answer(Answer::Throttle);
    let event = batch(vec![
        message("6", r#"{"sku":"MUG"}"#),
        message("7", r#"{"sku":"MUG"}"#),
        message("8", r#"{"sku":"TEE"}"#),
    ]);
    let response = crate::consumers::amazon_sync::handle(&w.app, event).await;
    // TEE is up to date (no call), MUG's two messages fail.
    assert_eq!(failed_ids(&response), ["6", "7"]);
}

#[tokio::test]
async fn two_channels_in_turns_lose_no_sale() {
    // Deterministic interleaving: Stockroom sales, Amazon sales reported
    // against what Amazon shows, pushes in between or not.
    let w = world();
    let received = 200;
    listing(&w, "MUG", received, true).await;
    sync(&w.app, &sku("MUG")).await.unwrap();
    let mut amazon_shows = 200;
    let (mut sold_here, mut sold_there) = (0, 0);
    for round in 0..40_i64 {
        let here = 1 + round % 3;
        adjust_stock(&w.app, &sku("MUG"), StockDelta::new(-here).unwrap(), "sale")
            .await
            .unwrap();
        sold_here += here;
        if round % 2 == 0 {
            let there = 1 + round % 2;
            amazon_shows -= there;
            sold_there += there;
            amazon_reports(&w, "MUG", amazon_shows, &format!("sale-{round}")).await;
        }
        if round % 3 == 0 {
            sync(&w.app, &sku("MUG")).await.unwrap();
            if let Some(p) = w.amazon.patches().last() {
                amazon_shows = i64::from(p.quantity);
            }
            amazon_reports(&w, "MUG", amazon_shows, &format!("echo-{round}")).await;
        }
    }
    sync(&w.app, &sku("MUG")).await.unwrap();
    let left = available(&w, "MUG").await;
    assert_eq!(sold_here + sold_there + left, received);
    assert_eq!(
        w.amazon.patches().last().map(|p| i64::from(p.quantity)),
        Some(left)
    );
}

#[tokio::test]
async fn a_listing_not_for_sale_here_is_not_for_sale_on_amazon() {
    let w = world();
    listing(&w, "MUG", 10, true).await;
    listing(&w, "TEE", 10, false).await;
    assert_eq!(
        sync(&w.app, &sku("MUG")).await.unwrap(),
        Synced::Pushed { quantity: 10 }
    );
    w.queue.clear();

    // Made INACTIVE: the edit schedules a push of nothing, price kept.
    let inactive = mug(None, Some(ListingStatus::Inactive), true);
    put_listing(&w.app, sku("MUG"), inactive).await.unwrap();
    assert_eq!(w.queue.synced(), [r#"{"sku":"MUG"}"#]);
    assert_eq!(
        sync(&w.app, &sku("MUG")).await.unwrap(),
        Synced::Pushed { quantity: 0 }
    );
    assert_eq!(available(&w, "MUG").await, 10, "the stock itself is kept");
    // Amazon echoing the 0 changes nothing here.
    assert_eq!(
        amazon_reports(&w, "MUG", 0, "echo-0").await,
        Applied::Ignored("the echo of a push to Amazon")
    );
    assert_eq!(available(&w, "MUG").await, 10);
    assert_eq!(sync(&w.app, &sku("MUG")).await.unwrap(), Synced::UpToDate);
    w.queue.clear();

    // Deleted: scheduled before the listing is gone, then withdrawn at
    // Amazon with quantity 0 and no price. A listing never sold on Amazon
    // schedules nothing when deleted.
    delete_listing(&w.app, &sku("MUG")).await.unwrap();
    delete_listing(&w.app, &sku("TEE")).await.unwrap();
    assert_eq!(w.queue.synced(), [r#"{"sku":"MUG"}"#]);
    assert_eq!(
        sync(&w.app, &sku("MUG")).await.unwrap(),
        Synced::Pushed { quantity: 0 }
    );
    let last = w.amazon.patches().pop().unwrap();
    assert_eq!((last.sku.as_str(), last.quantity), ("MUG", 0));
    assert!(last.price.is_none());
}

#[tokio::test]
async fn pushes_refusals_failures_echoes_and_amazons_changes_are_counted_in_valid_emf() {
    use crate::metrics::{MetricsLog, emf};
    use crate::telemetry::{Invocation, invoke};
    let w = world();
    listing(&w, "MUG", 5, true).await;
    listing(&w, "TEE", 6, true).await;
    let sink = MetricsLog::default();
    let sync_batch = |messages: Vec<SqsMessage>| {
        invoke(
            Invocation::local("amazon-sync"),
            &sink,
            crate::consumers::amazon_sync::handle(&w.app, batch(messages)),
        )
    };
    sync_batch(vec![
        message("1", r#"{"sku":"MUG"}"#),
        message("2", r#"{"sku":"TEE"}"#),
    ])
    .await;
    adjust_stock(&w.app, &sku("MUG"), StockDelta::new(-1).unwrap(), "sale")
        .await
        .unwrap();
    w.amazon.answer(Answer::Throttle);
    sync_batch(vec![message("3", r#"{"sku":"MUG"}"#)]).await;
    w.amazon.answer(Answer::Refuse);
    sync_batch(vec![message("4", r#"{"sku":"MUG"}"#)]).await;
    // TEE's push comes back as an echo, then Amazon sells one.
    invoke(Invocation::local("listing-notifications"), &sink, async {
        amazon_reports(&w, "TEE", 6, "echo").await;
        amazon_reports(&w, "TEE", 5, "sale").await;
    })
    .await;

    let docs: Vec<serde_json::Value> = sink
        .lines()
        .iter()
        .map(|line| {
            assert_eq!(emf::validate(line), Ok(()), "{line}");
            serde_json::from_str(line).unwrap()
        })
        .collect();
    let total = |metric: &str, function: &str| -> f64 {
        docs.iter()
            .filter(|d| d["function"] == function)
            .filter_map(|d| d[metric].as_f64())
            .sum()
    };
    assert_eq!(total("ListingsPushed", "amazon-sync"), 2.0);
    assert_eq!(total("ListingPushesFailed", "amazon-sync"), 1.0);
    assert_eq!(total("ListingPushesRefused", "amazon-sync"), 1.0);
    assert_eq!(total("AmazonEchoesIgnored", "listing-notifications"), 1.0);
    assert_eq!(total("AmazonChangesApplied", "listing-notifications"), 1.0);
    assert_eq!(available(&w, "TEE").await, 5);
}
