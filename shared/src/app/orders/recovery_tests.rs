//! Order recovery on the memory store, with a clock the tests move and a
//! publisher that records what recovery sends: an order whose every
//! delivery died between PROCESSING and COMPLETED (its message dead-lettered)
//! is re-published once it has been PROCESSING longer than the processing
//! age, and completing it again moves nothing twice.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{TimeZone, Utc};

use super::*;
use crate::app::orders::{OrderRequest, Placed, place_order, process_order, transition_order};
use crate::app::{ListingInput, put_listing};
use crate::auth::Principal;
use crate::config::Settings;
use crate::domain::{CustomerId, LineQuantity, OrderId, Price, Role, Sku, Stock, Title};
use crate::ports::{ManualClock, PublishError, Publisher};
use crate::store::MemoryStore;

#[derive(Default)]
struct Recorder(Mutex<Vec<String>>);

impl Recorder {
    /// The orders whose OrderPlaced was sent since the last look.
    fn take(&self) -> Vec<OrderId> {
        std::mem::take(&mut *self.0.lock().unwrap())
            .iter()
            .map(|b| serde_json::from_str::<OrderPlaced>(b).unwrap().order_id)
            .collect()
    }
}

#[async_trait]
impl Publisher for Recorder {
    async fn publish(&self, queue: PublishQueue, bodies: &[String]) -> Result<(), PublishError> {
        if queue == PublishQueue::Orders {
            self.0.lock().unwrap().extend(bodies.iter().cloned());
        }
        Ok(())
    }
}

struct World {
    app: App,
    queue: Arc<Recorder>,
    clock: Arc<ManualClock>,
}

async fn world(mode: FulfillmentMode) -> World {
    let queue = Arc::new(Recorder::default());
    let clock = Arc::new(ManualClock::new(
        Utc.timestamp_opt(1_700_000_000, 0).unwrap(),
    ));
    let settings = Settings {
        fulfillment_mode: mode,
        order_recovery_age: std::time::Duration::from_secs(300),
        order_processing_recovery_age: std::time::Duration::from_secs(1800),
        ..Settings::default()
    };
    let app = App::without_tokens(Arc::new(MemoryStore::new()), settings)
        .with_publisher(queue.clone())
        .with_clock(clock.clone());
    let input = ListingInput {
        title: Title::parse("Mug").unwrap(),
        price: Price::parse("12.50").unwrap(),
        currency: None,
        available: Some(Stock::new(10).unwrap()),
        status: None,
        supplier_id: None,
        reorder_point: Some(0),
        reorder_quantity: None,
        lead_time_days: None,
        auto_reorder_point: None,
        amazon_mfn: None,
    };
    put_listing(&app, Sku::parse("MUG").unwrap(), input)
        .await
        .unwrap();
    World { app, queue, clock }
}

impl World {
    /// An order placed, and its OrderPlaced taken off the queue.
    async fn placed(&self) -> Order {
        let customer = Principal {
            customer_id: CustomerId::generate(),
            role: Role::Customer,
        };
        let request = OrderRequest::new(vec![(
            Sku::parse("MUG").unwrap(),
            LineQuantity::new(2).unwrap(),
        )])
        .unwrap();
        let Placed::New(order) = place_order(&self.app, &customer, &request, None)
            .await
            .unwrap()
        else {
            panic!("a new order");
        };
        assert_eq!(self.queue.take(), [order.order_id]);
        order
    }

    /// Placed, then moved to PROCESSING by a delivery that died before
    /// completing it.
    async fn stranded_processing(&self) -> Order {
        let order = self.placed().await;
        transition_order(&self.app, order.order_id, OrderStatus::Processing)
            .await
            .unwrap()
            .unwrap()
    }

    fn later(&self, seconds: i64) {
        self.clock.advance(Duration::seconds(seconds));
    }
}

#[tokio::test]
async fn an_order_stranded_in_processing_is_republished_after_the_processing_age() {
    let w = world(FulfillmentMode::SelfFulfilled).await;
    let order = w.stranded_processing().await;

    // Younger than the processing age: the queue may still be retrying it.
    w.later(1799);
    let run = recover_stale_orders(&w.app).await.unwrap();
    assert_eq!((run.stale, run.stuck, run.republished), (0, 0, 0));
    assert!(w.queue.take().is_empty());

    w.later(2);
    let run = recover_stale_orders(&w.app).await.unwrap();
    assert_eq!((run.stale, run.stuck, run.republished), (0, 1, 1));
    assert_eq!(w.queue.take(), [order.order_id]);

    // The re-published message completes it; a second copy moves nothing.
    let done = process_order(&w.app, order.order_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(done.status, OrderStatus::Completed);
    let again = process_order(&w.app, order.order_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(again.version, done.version, "completed once");
    let run = recover_stale_orders(&w.app).await.unwrap();
    assert_eq!(run, Recovered::default(), "nothing left to recover");
}

#[tokio::test]
async fn pending_orders_are_republished_after_the_recovery_age() {
    let w = world(FulfillmentMode::SelfFulfilled).await;
    let order = w.placed().await;
    w.later(299);
    assert_eq!(recover_stale_orders(&w.app).await.unwrap().republished, 0);
    w.later(2);
    let run = recover_stale_orders(&w.app).await.unwrap();
    assert_eq!((run.stale, run.stuck, run.republished), (1, 0, 1));
    assert_eq!(w.queue.take(), [order.order_id]);
}

#[test]
fn an_mcf_order_amazon_holds_waits_for_amazon() {
    let now = Utc.timestamp_opt(1_700_000_000, 0).unwrap();
    let mut order = Order::new(
        OrderId::generate(),
        CustomerId::generate(),
        Vec::new(),
        crate::domain::Currency::USD,
        now,
    );
    order.status = OrderStatus::Processing;
    order.processing_started_at = Some(now);
    let later = now + Duration::hours(1);
    assert!(is_stuck(&order, FulfillmentMode::SelfFulfilled, later));
    assert!(
        is_stuck(&order, FulfillmentMode::Mcf, later),
        "not submitted"
    );
    order.fulfillment_submitted_at = Some(now);
    assert!(!is_stuck(&order, FulfillmentMode::Mcf, later), "at Amazon");
    assert!(!is_stuck(&order, FulfillmentMode::SelfFulfilled, now));
    order.status = OrderStatus::Completed;
    assert!(!is_stuck(&order, FulfillmentMode::SelfFulfilled, later));
}
