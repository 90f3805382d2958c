//! What the customers and the admin do, drawn from the seeded generator:
//! the catalogue, and orders placed by concurrent customers through the
//! HTTP handlers with the faults of a real deployment mixed in (idempotent
//! retries racing each other, lost sends, duplicate and delayed OrderPlaced
//! messages, cancellations, stock deliveries).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::{DateTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{Value, json};
use stockroom::domain::{CustomerId, OrderId, Role};
use stockroom::messages::OrderPlaced;
use tokio::task::JoinSet;

use super::harness::{Reply, Setup, call, token};

/// Customers placing orders at once.
const PLACERS: usize = 8;
/// Distinct customers (each placer picks one per order).
const CUSTOMERS: usize = 40;
/// A delivery of stock arrives every this many attempts.
const DELIVERY_EVERY: u64 = 40;
const DELIVERY_UNITS: i64 = 5;

/// The listings: most with plenty of stock, a few scarce ones that run out
/// and are topped up by deliveries, so that some orders are refused.
pub struct Catalogue {
    pub skus: Vec<Listing>,
}

pub struct Listing {
    pub sku: String,
    pub initial: i64,
    pub scarce: bool,
}

impl Catalogue {
    pub async fn create(setup: &Setup, rng: &mut StdRng) -> Catalogue {
        let mut skus = Vec::new();
        for i in 0..16 {
            let scarce = i >= 12;
            let initial = if scarce {
                rng.random_range(20..=30)
            } else {
                rng.random_range(600..=700)
            };
            let sku = format!("CRASH-{}{i:02}", if scarce { "S" } else { "P" });
            let price = format!(
                "{}.{:02}",
                rng.random_range(1..40),
                rng.random_range(0..100)
            );
            let body =
                json!({ "title": format!("Crash item {i}"), "price": price, "available": initial });
            let reply = call(
                &setup.app,
                "PUT",
                &format!("/listings/{sku}"),
                &setup.admin,
                Some(&body),
                None,
            )
            .await;
            assert!(reply.status < 300, "PUT /listings/{sku}: {}", reply.body);
            skus.push(Listing {
                sku,
                initial,
                scarce,
            });
        }
        Catalogue { skus }
    }
}

/// One attempt to place an order, and what happens around it.
struct Attempt {
    number: u64,
    customer: usize,
    /// (index into the catalogue, quantity)
    lines: Vec<(usize, u32)>,
    key: Option<String>,
    /// Sent twice at once with the same key.
    retry: bool,
    /// Placed through the app whose publish is lost.
    lost_send: bool,
    /// OrderPlaced sent again, after this many seconds (0: at once).
    duplicate: Option<i32>,
    cancel_after: Option<Duration>,
}

impl Attempt {
    fn draw(rng: &mut StdRng, number: u64, catalogue: &Catalogue) -> Attempt {
        let mut lines: Vec<(usize, u32)> = Vec::new();
        for _ in 0..rng.random_range(1..=3) {
            let scarce = rng.random_bool(0.1);
            let candidates: Vec<usize> = (0..catalogue.skus.len())
                .filter(|i| catalogue.skus[*i].scarce == scarce)
                .collect();
            let sku = candidates[rng.random_range(0..candidates.len())];
            if lines.iter().all(|(s, _)| *s != sku) {
                lines.push((sku, rng.random_range(1..=3)));
            }
        }
        let key = rng
            .random_bool(0.7)
            .then(|| format!("crash-{number}-{}", rng.random::<u32>()));
        let retry = key.is_some() && rng.random_bool(0.1);
        let lost_send = rng.random_bool(0.08);
        let duplicate = rng.random_bool(0.2).then(|| {
            if rng.random_bool(0.5) {
                0
            } else {
                rng.random_range(1..=8)
            }
        });
        let cancel_after = rng
            .random_bool(0.1)
            .then(|| Duration::from_millis(rng.random_range(0..1500)));
        Attempt {
            number,
            customer: rng.random_range(0..CUSTOMERS),
            lines,
            key,
            retry,
            lost_send,
            duplicate,
            cancel_after,
        }
    }

    fn body(&self, catalogue: &Catalogue) -> Value {
        let items: Vec<Value> = self
            .lines
            .iter()
            .map(|(sku, quantity)| json!({ "sku": catalogue.skus[*sku].sku, "quantity": quantity }))
            .collect();
        json!({ "items": items })
    }
}

/// What became of an acknowledged order's cancellation, if one was asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Never asked to cancel: the processor must complete it.
    Open,
    /// Cancelled (200): it must end CANCELLED, its stock given back.
    Cancelled,
    /// Refused (409): the processor had completed it first.
    NotCancellable,
}

pub struct Acked {
    pub lines: Vec<(usize, u32)>,
    pub outcome: Outcome,
}

/// Everything placed, by order id, and what the plan did on the way.
#[derive(Default)]
pub struct Placement {
    pub acknowledged: HashMap<String, Acked>,
    pub refused: usize,
    pub retries: usize,
    pub lost_sends: usize,
    pub duplicates: usize,
    pub delayed: usize,
    /// Units delivered per catalogue index, on top of the initial stock.
    pub delivered: Vec<i64>,
}

struct Shared {
    rng: StdRng,
    attempts: u64,
    placement: Placement,
}

impl Placement {
    /// Places orders from [`PLACERS`] concurrent customers until `target`
    /// are acknowledged, then waits for the cancellations.
    pub async fn run(
        setup: &Arc<Setup>,
        catalogue: &Arc<Catalogue>,
        seed: u64,
        target: usize,
    ) -> Placement {
        let shared = Arc::new(Mutex::new(Shared {
            rng: StdRng::seed_from_u64(seed),
            attempts: 0,
            placement: Placement {
                delivered: vec![0; catalogue.skus.len()],
                ..Placement::default()
            },
        }));
        let customers: Arc<Vec<String>> = Arc::new(
            (0..CUSTOMERS)
                .map(|_| token(&setup.app, Role::Customer, CustomerId::generate()))
                .collect(),
        );
        let cancels = Arc::new(Mutex::new(JoinSet::new()));
        let mut placers = JoinSet::new();
        for _ in 0..PLACERS {
            let (setup, catalogue, shared) = (
                Arc::clone(setup),
                Arc::clone(catalogue),
                Arc::clone(&shared),
            );
            let (customers, cancels) = (Arc::clone(&customers), Arc::clone(&cancels));
            placers.spawn(async move {
                loop {
                    let attempt = {
                        let mut s = shared.lock().unwrap();
                        if s.placement.acknowledged.len() >= target {
                            break;
                        }
                        s.attempts += 1;
                        let number = s.attempts;
                        Attempt::draw(&mut s.rng, number, &catalogue)
                    };
                    if attempt.number % 100 == 0 {
                        let s = shared.lock().unwrap();
                        println!(
                            "placing: {} acknowledged, {} refused after {} attempts",
                            s.placement.acknowledged.len(),
                            s.placement.refused,
                            attempt.number
                        );
                    }
                    if attempt.number % DELIVERY_EVERY == 0 {
                        deliver(&setup, &catalogue, &shared, attempt.number, seed).await;
                    }
                    place(
                        &setup, &catalogue, &shared, &customers, &cancels, attempt, seed,
                    )
                    .await;
                }
            });
        }
        while let Some(done) = placers.join_next().await {
            done.expect("placer");
        }
        let mut cancels = std::mem::take(&mut *cancels.lock().unwrap());
        let mut shared = Arc::try_unwrap(shared)
            .ok()
            .expect("placers done")
            .into_inner()
            .unwrap();
        while let Some(done) = cancels.join_next().await {
            let (id, outcome): (String, Outcome) = done.expect("cancel");
            if let Some(acked) = shared.placement.acknowledged.get_mut(&id) {
                acked.outcome = outcome;
            }
        }
        shared.placement
    }
}

/// Stock delivered to a scarce SKU, as an admin records a delivery.
async fn deliver(
    setup: &Setup,
    catalogue: &Catalogue,
    shared: &Mutex<Shared>,
    number: u64,
    seed: u64,
) {
    let scarce: Vec<usize> = (0..catalogue.skus.len())
        .filter(|i| catalogue.skus[*i].scarce)
        .collect();
    let sku = scarce[number as usize / DELIVERY_EVERY as usize % scarce.len()];
    let body = json!({ "delta": DELIVERY_UNITS, "reason": "crash test delivery" });
    let path = format!("/listings/{}/stock", catalogue.skus[sku].sku);
    let reply = call(&setup.app, "POST", &path, &setup.admin, Some(&body), None).await;
    assert_eq!(
        reply.status, 200,
        "seed {seed}: POST {path}: {}",
        reply.body
    );
    shared.lock().unwrap().placement.delivered[sku] += DELIVERY_UNITS;
}

async fn place(
    setup: &Arc<Setup>,
    catalogue: &Catalogue,
    shared: &Mutex<Shared>,
    customers: &Arc<Vec<String>>,
    cancels: &Mutex<JoinSet<(String, Outcome)>>,
    attempt: Attempt,
    seed: u64,
) {
    let app = if attempt.lost_send {
        &setup.lossy
    } else {
        &setup.app
    };
    let body = attempt.body(catalogue);
    let customer = &customers[attempt.customer];
    let key = attempt.key.as_deref();
    let post = || call(app, "POST", "/orders", customer, Some(&body), key);
    let replies: Vec<Reply> = if attempt.retry {
        let (a, b) = tokio::join!(post(), post());
        vec![a, b]
    } else {
        vec![post().await]
    };
    let mut placed: Option<(String, String)> = None;
    for reply in &replies {
        match reply.status {
            200 | 201 => {
                let id = reply.body["order_id"]
                    .as_str()
                    .expect("order_id")
                    .to_owned();
                let created = reply.body["created_at"]
                    .as_str()
                    .expect("created_at")
                    .to_owned();
                if let Some((first, _)) = &placed {
                    assert_eq!(
                        first, &id,
                        "seed {seed}: one Idempotency-Key placed two orders"
                    );
                }
                placed = Some((id, created));
            }
            409 if reply.body["error"]["code"] == "insufficient_stock" => {}
            status => panic!(
                "seed {seed}: POST /orders answered {status}: {}",
                reply.body
            ),
        }
    }
    let Some((id, created)) = placed else {
        shared.lock().unwrap().placement.refused += 1;
        return;
    };
    {
        let mut s = shared.lock().unwrap();
        let p = &mut s.placement;
        p.retries += usize::from(attempt.retry);
        p.lost_sends += usize::from(attempt.lost_send);
        p.acknowledged.insert(
            id.clone(),
            Acked {
                lines: attempt.lines.clone(),
                outcome: Outcome::Open,
            },
        );
    }
    if let Some(delay) = attempt.duplicate
        && send_again(setup, &id, &created, delay).await
    {
        let mut s = shared.lock().unwrap();
        s.placement.duplicates += 1;
        s.placement.delayed += usize::from(delay > 0);
    }
    if let Some(after) = attempt.cancel_after {
        let (setup, customers) = (Arc::clone(setup), Arc::clone(customers));
        let customer = attempt.customer;
        cancels.lock().unwrap().spawn(async move {
            tokio::time::sleep(after).await;
            let path = format!("/orders/{id}/cancel");
            let reply = call(&setup.app, "POST", &path, &customers[customer], None, None).await;
            let outcome = match reply.status {
                200 => Outcome::Cancelled,
                409 => Outcome::NotCancellable,
                status => panic!("seed {seed}: POST {path} answered {status}: {}", reply.body),
            };
            (id, outcome)
        });
    }
}

/// The OrderPlaced message of an order, sent to the queue once more; false
/// if the (overloaded) stand-in refused it: a duplicate is a fault the test
/// injects, not one it depends on.
async fn send_again(setup: &Setup, id: &str, created: &str, delay: i32) -> bool {
    let message = OrderPlaced {
        version: 1,
        order_id: OrderId::parse(id).expect("order id"),
        placed_at: DateTime::parse_from_rfc3339(created)
            .expect("created_at")
            .with_timezone(&Utc),
    };
    let sent = setup
        .sqs
        .send_message()
        .queue_url(&setup.orders_url)
        .message_body(message.to_body())
        .delay_seconds(delay)
        .send()
        .await;
    if let Err(e) = &sent {
        eprintln!("duplicate of {id} not sent: {e}");
    }
    sent.is_ok()
}
