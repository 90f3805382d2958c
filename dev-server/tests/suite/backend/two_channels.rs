//! Two channels selling one MFN SKU, over HTTP on the dev server in mcf
//! mode, against the SP-API stand-in (the stub forwarding to Prism on
//! Amazon's models): concurrent Stockroom orders interleaved with
//! LISTINGS_ITEM_MFN_QUANTITY_CHANGE notifications that report Amazon's
//! own sales. In the end, per SKU, units sold on both channels plus units
//! left equal units received, and the last quantity pushed to Amazon
//! equals Stockroom's count; Prism refused none of the requests.
//!
//! The test plays Amazon. Amazon's count is the last quantity pushed
//! (read from the stub) less Amazon's sales since; a sale is reported
//! with an event time after which no push is unrecorded (the amazon-sync
//! queue was idle after it) and before which every push the test saw was
//! sent, so the test's Amazon and Stockroom agree on which push a sale
//! followed, as they would on Amazon (see the race windows in
//! `stockroom::app::amazon_sync`).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{SecondsFormat, SubsecRound, Utc};
use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::Mutex;

use crate::common::{Running, unique_sku};

const SKUS: usize = 3;
const RECEIVED: i64 = 100;
const RECEIPT: i64 = 10;
const ORDERS: usize = 36;
const AMAZON_ROUNDS: usize = 24;

fn stub() -> String {
    std::env::var("SPAPI_STUB_ENDPOINT").unwrap_or_else(|_| {
        panic!(
            "SPAPI_STUB_ENDPOINT is not set: start the SP-API stand-in (scripts/servers start spapi; eval \"$(scripts/servers env spapi)\")"
        )
    })
}

/// A small deterministic generator: the interleaving varies with timing,
/// the choices do not.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (self.0 >> 33) % below
    }
}

struct World {
    server: Running,
    stub: String,
    hooks: reqwest::Client,
    skus: Vec<String>,
}

impl World {
    async fn depth(&self, queue: &str) -> i64 {
        let reply = self
            .server
            .client
            .get(self.server.url(&format!("/_dev/queues/{queue}")))
            .bearer_auth(&self.server.admin_token)
            .send()
            .await
            .unwrap();
        assert!(reply.status().is_success(), "{queue}: {}", reply.status());
        let body: Value = reply.json().await.unwrap();
        body["depth"].as_i64().unwrap()
    }

    /// The stub's last patch of `sku`: (patches so far, quantity).
    async fn pushed(&self, sku: &str) -> (u64, Option<i64>) {
        let reply = self
            .hooks
            .get(format!("{}/_stub/patches/{sku}", self.stub))
            .send()
            .await
            .unwrap();
        if reply.status() == 404 {
            return (0, None);
        }
        let body: Value = reply.json().await.unwrap();
        (body["count"].as_u64().unwrap(), body["quantity"].as_i64())
    }

    async fn notify(&self, sku: &str, quantity: i64, at: chrono::DateTime<Utc>) {
        let body = json!({
            "NotificationVersion": "1.0",
            "NotificationType": "LISTINGS_ITEM_MFN_QUANTITY_CHANGE",
            "PayloadVersion": "1.0",
            "EventTime": at.to_rfc3339_opts(SecondsFormat::Millis, true),
            "Payload": {
                "SellerId": "A2TESTSELLER",
                "FulfillmentChannelCode": "DEFAULT",
                "Sku": sku,
                "Quantity": quantity,
            },
            "NotificationMetadata": {"NotificationId": uuid::Uuid::new_v4().to_string()},
        });
        let reply = self
            .server
            .client
            .post(self.server.url("/_dev/queues/listing-quantity"))
            .bearer_auth(&self.server.admin_token)
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        assert!(reply.status().is_success(), "{}", reply.status());
    }

    /// Waits until every queue that moves stock or pushes is idle, twice
    /// in a row (a notification may schedule a push as it finishes).
    async fn quiet(&self) {
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut idle_in_a_row = 0;
        while idle_in_a_row < 2 {
            assert!(Instant::now() < deadline, "the queues never drained");
            let mut idle = true;
            for queue in ["orders", "listing-quantity", "amazon-sync"] {
                idle &= self.depth(queue).await == 0;
            }
            idle_in_a_row = if idle { idle_in_a_row + 1 } else { 0 };
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// Amazon's side: its count per SKU and the push it follows.
#[derive(Debug, Default)]
struct AmazonSide {
    /// SKU -> (stub patch count seen, Amazon's count now).
    shows: BTreeMap<String, (u64, i64)>,
    sold: BTreeMap<String, i64>,
    rounds_done: usize,
}

/// One Amazon sale (or, when `units` is 0, a report of Amazon's count:
/// the echo of the last push), retried until it can be placed exactly.
async fn amazon_round(world: &World, side: &Mutex<AmazonSide>, sku: &str, units: i64) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        assert!(Instant::now() < deadline, "never found a quiet moment");
        let (seen, quantity) = world.pushed(sku).await;
        // Every push counted in `seen` was sent before this instant, by
        // more than the millisecond the event time is rounded to.
        tokio::time::sleep(Duration::from_millis(2)).await;
        let at = Utc::now().trunc_subsecs(3);
        tokio::time::sleep(Duration::from_millis(2)).await;
        let idle = world.depth("amazon-sync").await == 0;
        let (again, _) = world.pushed(sku).await;
        if !idle || again != seen || quantity.is_none() {
            // A push was under way: every push sent before `at` must be
            // known, so try again.
            tokio::time::sleep(Duration::from_millis(20)).await;
            continue;
        }
        let mut side = side.lock().await;
        let entry = side.shows.entry(sku.to_owned()).or_insert((0, 0));
        if entry.0 != seen {
            // A push replaced Amazon's count.
            *entry = (seen, quantity.unwrap_or_default());
        }
        let units = units.min(entry.1);
        entry.1 -= units;
        let now_shows = entry.1;
        *side.sold.entry(sku.to_owned()).or_default() += units;
        side.rounds_done += 1;
        drop(side);
        world.notify(sku, now_shows, at).await;
        return;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_channels_selling_mfn_skus_lose_no_sale() {
    let stub = stub();
    let client_id = format!(
        "amzn1.application-oa2-client.two-channels-{}",
        uuid::Uuid::new_v4()
    );
    let lwa = format!("{stub}/auth/o2/token");
    let server = Running::start_with(&[
        ("FULFILLMENT_MODE", "mcf"),
        ("SPAPI_ENDPOINT", &stub),
        ("LWA_ENDPOINT", &lwa),
        ("LWA_CLIENT_ID", &client_id),
        ("LWA_CLIENT_SECRET", "two-channels-secret"),
        ("LWA_REFRESH_TOKEN", "Atzr|two-channels-refresh"),
        ("SPAPI_MARKETPLACE_ID", "ATVPDKIKX0DER"),
        ("SPAPI_SELLER_ID", "A2TESTSELLER"),
    ])
    .await;
    let skus: Vec<String> = (0..SKUS).map(|_| unique_sku("MFN")).collect();
    for sku in &skus {
        let reply = server
            .client
            .put(server.url(&format!("/listings/{sku}")))
            .bearer_auth(&server.admin_token)
            .json(&json!({
                "title": format!("Two channels {sku}"), "price": "9.99",
                "available": RECEIVED, "amazon_mfn": true, "reorder_point": 0,
            }))
            .send()
            .await
            .unwrap();
        assert!(
            reply.status().is_success(),
            "{}",
            reply.text().await.unwrap()
        );
    }
    let world = Arc::new(World {
        server,
        stub,
        hooks: reqwest::Client::new(),
        skus,
    });
    // The first push of each listing, then Amazon's report of it.
    world.quiet().await;
    let side = Arc::new(Mutex::new(AmazonSide::default()));
    for sku in &world.skus {
        assert_eq!(world.pushed(sku).await.1, Some(RECEIVED), "{sku} pushed");
        amazon_round(&world, &side, sku, 0).await;
    }

    let customers = [world.server.customer().await, world.server.customer().await];
    let sold_here: Arc<Mutex<BTreeMap<String, i64>>> = Arc::default();
    let stockroom = {
        let (world, sold_here) = (world.clone(), sold_here.clone());
        async move {
            let mut rng = Lcg(7);
            let plan: Vec<(usize, usize, i64)> = (0..ORDERS)
                .map(|i| (i, rng.next(SKUS as u64) as usize, 1 + rng.next(3) as i64))
                .collect();
            futures::stream::iter(plan)
                .for_each_concurrent(6, |(i, sku, units)| {
                    let (world, sold_here) = (world.clone(), sold_here.clone());
                    let token = customers[i % customers.len()].clone();
                    async move {
                        let sku = world.skus[sku].clone();
                        if i == ORDERS / 2 {
                            // A receipt half-way, on every SKU.
                            for s in &world.skus {
                                let reply = world
                                    .server
                                    .client
                                    .post(world.server.url(&format!("/listings/{s}/stock")))
                                    .bearer_auth(&world.server.admin_token)
                                    .json(&json!({"delta": RECEIPT, "reason": "received"}))
                                    .send()
                                    .await
                                    .unwrap();
                                assert!(reply.status().is_success(), "{}", reply.status());
                            }
                        }
                        let body = json!({
                            "items": [{"sku": sku, "quantity": units}],
                            "shipping_address": {
                                "name": "Ada Buyer", "address_line1": "1 Main St",
                                "city": "Seattle", "state_or_region": "WA",
                                "postal_code": "98101", "country_code": "US",
                            },
                            "shipping_speed": "Standard",
                        });
                        let reply = world.server.post_order(&token, &body).send().await.unwrap();
                        let status = reply.status();
                        let text = reply.text().await.unwrap();
                        assert_eq!(status, 201, "order {i}: {text}");
                        *sold_here.lock().await.entry(sku).or_default() += units;
                    }
                })
                .await;
        }
    };
    let amazon = {
        let (world, side) = (world.clone(), side.clone());
        async move {
            let mut rng = Lcg(11);
            for _ in 0..AMAZON_ROUNDS {
                let sku = world.skus[rng.next(SKUS as u64) as usize].clone();
                // Mostly sales, now and then a plain report of the count.
                let units = [0, 1, 1, 2, 2, 3][rng.next(6) as usize];
                amazon_round(&world, &side, &sku, units).await;
                tokio::time::sleep(Duration::from_millis(rng.next(30))).await;
            }
        }
    };
    tokio::join!(stockroom, amazon);
    world.quiet().await;

    let side = side.lock().await;
    assert_eq!(side.rounds_done, AMAZON_ROUNDS + SKUS);
    let sold_here = sold_here.lock().await;
    let mut total_there = 0;
    for sku in &world.skus {
        let here = sold_here.get(sku).copied().unwrap_or_default();
        let there = side.sold.get(sku).copied().unwrap_or_default();
        total_there += there;
        let left = world.server.available(sku).await;
        assert_eq!(
            here + there + left,
            RECEIVED + RECEIPT,
            "{sku}: sold {here} here and {there} on Amazon, {left} left"
        );
        let (seen, pushed) = world.pushed(sku).await;
        assert_eq!(
            pushed,
            Some(left),
            "{sku}: Amazon was last told Stockroom's count"
        );
        let shows = side.shows.get(sku).copied();
        assert!(
            shows.is_none_or(|(at, count)| at != seen || count == left),
            "{sku}: Amazon shows {shows:?} after push {seen}"
        );
        let listing = world
            .server
            .get_json(&format!("/listings/{sku}"), &world.server.admin_token)
            .await;
        assert_eq!(listing["amazon_mfn"], true);
        assert_eq!(listing["amazon_pushed_quantity"], json!(left));
    }
    assert!(total_there > 0, "Amazon sold something");

    let refused: Value = world
        .hooks
        .get(format!("{}/_stub/refused", world.stub))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let ours: Vec<&Value> = refused["last"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|r| {
            let path = r["path"].as_str().unwrap_or_default();
            world.skus.iter().any(|s| path.contains(s.as_str()))
        })
        .collect();
    assert!(ours.is_empty(), "Prism refused our requests: {ours:?}");
    let dead = world
        .server
        .get_json(
            "/_dev/queues/amazon-sync/dead-letters",
            &world.server.admin_token,
        )
        .await;
    assert_eq!(
        dead["items"],
        json!([]),
        "no amazon-sync message dead-lettered"
    );
}
