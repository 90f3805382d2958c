//! Backend calls per store operation, and place-order throughput, against
//! a DynamoDB endpoint (moto locally). Every SDK call is counted by an
//! interceptor, per operation name. Run (see docs/dynamodb.md, "Measured"):
//!
//! ```text
//! eval "$(scripts/servers env dynamodb)"
//! cargo bench -p stockroom --bench dynamodb_calls
//! ```
// A measuring binary: any failure should stop it loudly.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use aws_sdk_dynamodb::config::{ConfigBag, Intercept, RuntimeComponents};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextRef;
use aws_smithy_runtime_api::client::orchestrator::Metadata;
use chrono::Utc;
use stockroom::domain::{
    Currency, CustomerId, LineQuantity, ListingDraft, ListingStatus, Order, OrderId, OrderLine,
    OrderStatus, Price, Sku, Stock, Title,
};
use stockroom::ports::{
    ListingFilter, ListingStore, OrderEffects, OrderFilter, OrderStore, OrderUpdate, PageRequest,
    SearchTerm, Store,
};
use stockroom::store::dynamodb::{self, DynamoStore};

/// Counts calls by operation name.
#[derive(Debug, Clone, Default)]
struct CallCounter(Arc<Mutex<BTreeMap<String, u64>>>);

impl CallCounter {
    fn take(&self) -> BTreeMap<String, u64> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

impl Intercept for CallCounter {
    fn name(&self) -> &'static str {
        "CallCounter"
    }

    // Counted per attempt, i.e. per HTTP request (SDK retries included).
    // Not in `read_before_execution`: a client-level interceptor runs that
    // hook before the operation's config, which holds its name, is applied.
    fn read_before_attempt(
        &self,
        _context: &BeforeTransmitInterceptorContextRef<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let name = cfg
            .load::<Metadata>()
            .map_or("unknown", Metadata::name)
            .to_owned();
        *self
            .0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .entry(name)
            .or_default() += 1;
        Ok(())
    }
}

fn sku(raw: &str) -> Sku {
    Sku::parse(raw).unwrap()
}

fn draft(name: &str, available: i64, reorder_point: u32) -> ListingDraft {
    ListingDraft {
        sku: sku(name),
        title: Title::parse(&format!("Bench item {name}")).unwrap(),
        price: Price::parse("4.20").unwrap(),
        currency: Currency::parse("USD").unwrap(),
        available: Some(Stock::new(available).unwrap()),
        status: Some(ListingStatus::Active),
        supplier_id: None,
        reorder_point,
        reorder_quantity: 50,
        lead_time_days: 7,
        auto_reorder_point: false,
        amazon_mfn: None,
    }
}

fn order(customer: CustomerId, lines: &[(&str, i64)]) -> Order {
    let items = lines
        .iter()
        .map(|(s, q)| OrderLine {
            sku: sku(s),
            quantity: LineQuantity::new(*q).unwrap(),
            unit_price: Price::parse("4.20").unwrap(),
        })
        .collect();
    Order::new(
        OrderId::generate(),
        customer,
        items,
        Currency::parse("USD").unwrap(),
        Utc::now(),
    )
}

/// Every page of `filter`, 20 at a time: the calls made and the pages.
async fn walk(
    s: &dyn Store,
    filter: &ListingFilter,
    counter: &CallCounter,
) -> (BTreeMap<String, u64>, usize) {
    counter.take();
    let mut cursor = None;
    let mut pages = 0;
    loop {
        let page = s
            .list_listings(filter, &PageRequest::after(20, cursor))
            .await
            .unwrap();
        pages += 1;
        cursor = page.next_cursor;
        if cursor.is_none() {
            return (counter.take(), pages);
        }
    }
}

fn render(calls: &BTreeMap<String, u64>) -> String {
    if calls.is_empty() {
        return "none".into();
    }
    calls
        .iter()
        .map(|(op, n)| format!("{n} {op}"))
        .collect::<Vec<_>>()
        .join(" + ")
}

/// Places one-line orders from `tasks` concurrent tasks for `window`;
/// returns orders per second, the median and worst latency of the
/// successful ones and how many failed.
async fn place_throughput(
    store: Arc<DynamoStore>,
    tasks: usize,
    window: Duration,
) -> (f64, Duration, Duration, u32) {
    let started = Instant::now();
    let mut handles = Vec::new();
    for t in 0..tasks {
        let store = store.clone();
        handles.push(tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut failures = 0u32;
            let customer = CustomerId::generate();
            while started.elapsed() < window {
                let name = format!("TP-{}", (t + latencies.len() + failures as usize) % 20);
                let at = Instant::now();
                let placed = order(customer, &[(name.as_str(), 1)]);
                match OrderStore::place_order(store.as_ref(), &placed, None).await {
                    Ok(()) => latencies.push(at.elapsed()),
                    Err(e) => {
                        eprintln!("place_order failed: {e}");
                        failures += 1;
                    }
                }
            }
            (latencies, failures)
        }));
    }
    let mut latencies = Vec::new();
    let mut failures = 0;
    for h in handles {
        let (mine, failed) = h.await.unwrap();
        latencies.extend(mine);
        failures += failed;
    }
    let rate = latencies.len() as f64 / started.elapsed().as_secs_f64();
    latencies.sort();
    let median = latencies
        .get(latencies.len() / 2)
        .copied()
        .unwrap_or_default();
    let worst = latencies.last().copied().unwrap_or_default();
    (rate, median, worst, failures)
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    if std::env::var("AWS_ENDPOINT_URL_DYNAMODB").is_err() {
        eprintln!(
            "AWS_ENDPOINT_URL_DYNAMODB is not set: start moto with `scripts/servers start dynamodb` and \
             `eval \"$(scripts/servers env dynamodb)\"`."
        );
        std::process::exit(2);
    }
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::from_default_env())
        .with_writer(std::io::stderr)
        .init();
    let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
    let counter = CallCounter::default();
    let client = aws_sdk_dynamodb::Client::from_conf(
        dynamodb::configure(aws_sdk_dynamodb::config::Builder::from(&sdk))
            .interceptor(counter.clone())
            .build(),
    );
    let table = format!("bench-{}", uuid::Uuid::new_v4().simple());
    dynamodb::create_table(&client, &table).await.unwrap();
    let store = Arc::new(DynamoStore::new(client, table));
    let s: &dyn Store = store.as_ref();

    // A catalogue of 200 listings, 10 of them low; stock for throughput.
    for i in 0..200 {
        let low = i % 20 == 0;
        s.put_listing(
            &draft(&format!("CAT-{i:03}"), if low { 2 } else { 500 }, 5),
            Utc::now(),
        )
        .await
        .unwrap();
    }
    for i in 0..20 {
        s.put_listing(&draft(&format!("TP-{i}"), 1_000_000, 5), Utc::now())
            .await
            .unwrap();
    }
    s.put_listing(&draft("CROSS", 7, 5), Utc::now())
        .await
        .unwrap();
    counter.take();

    let mut rows: Vec<(&str, BTreeMap<String, u64>)> = Vec::new();
    let customer = CustomerId::generate();

    let placed = order(customer, &[("CAT-001", 1), ("CAT-002", 2)]);
    s.place_order(&placed, None).await.unwrap();
    rows.push(("place_order, 2 lines", counter.take()));

    let crossing = order(customer, &[("CROSS", 3)]);
    s.place_order(&crossing, None).await.unwrap();
    rows.push((
        "place_order, a line crosses its reorder point",
        counter.take(),
    ));

    let now = Utc::now();
    let processing = placed.transitioned(OrderStatus::Processing, now).unwrap();
    s.update_order(&OrderUpdate {
        previous: placed.clone(),
        next: processing.clone(),
        effects: OrderEffects {
            release: vec![],
            record_sales_on: Some(now.date_naive()),
        },
    })
    .await
    .unwrap();
    rows.push(("update_order -> PROCESSING with sales", counter.take()));
    let completed = processing
        .transitioned(OrderStatus::Completed, Utc::now())
        .unwrap();
    s.update_order(&OrderUpdate {
        previous: processing,
        next: completed,
        effects: OrderEffects::default(),
    })
    .await
    .unwrap();
    rows.push(("update_order -> COMPLETED", counter.take()));

    s.get_order(placed.order_id).await.unwrap();
    rows.push(("get_order", counter.take()));

    s.list_listings(&ListingFilter::default(), &PageRequest::first(20))
        .await
        .unwrap();
    rows.push(("list_listings, page of 20", counter.take()));
    let q = ListingFilter {
        q: Some(SearchTerm::parse("cat-19").unwrap()),
        ..ListingFilter::default()
    };
    s.list_listings(&q, &PageRequest::first(20)).await.unwrap();
    rows.push(("list_listings ?q= (10 of 221 match)", counter.take()));

    let low = s.low_stock_listings(&PageRequest::first(20)).await.unwrap();
    let low_count = low.items.len();
    rows.push(("low_stock_listings, page (all low items)", counter.take()));

    let mine = OrderFilter {
        customer_id: Some(customer),
        status: None,
    };
    s.list_orders(&mine, &PageRequest::first(20)).await.unwrap();
    rows.push(("list_orders, a customer's page", counter.take()));
    s.list_orders(&OrderFilter::default(), &PageRequest::first(20))
        .await
        .unwrap();
    rows.push(("list_orders, admin page (all shards)", counter.take()));
    s.order_metrics().await.unwrap();
    rows.push(("order_metrics", counter.take()));
    let today = Utc::now().date_naive();
    s.daily_order_totals(today - chrono::Duration::days(30), today)
        .await
        .unwrap();
    rows.push(("daily_order_totals, 31 days", counter.take()));

    // The scan bound: a search that matches nothing, over 221 listings and
    // then over 1,221.
    let nothing = ListingFilter {
        q: Some(SearchTerm::parse("no-such-listing").unwrap()),
        ..ListingFilter::default()
    };
    let (walk_221, pages_221) = walk(s, &nothing, &counter).await;
    for i in 0..1000 {
        s.put_listing(&draft(&format!("BIG-{i:04}"), 500, 5), Utc::now())
            .await
            .unwrap();
    }
    counter.take();
    let first = s
        .list_listings(&nothing, &PageRequest::first(20))
        .await
        .unwrap();
    assert!(first.items.is_empty() && first.next_cursor.is_some());
    rows.push((
        "list_listings ?q= no match, first page of 20 (1,221 listings)",
        counter.take(),
    ));
    let (walk_1221, pages_1221) = walk(s, &nothing, &counter).await;
    rows.push((
        "list_listings ?q= no match, every page (221 listings)",
        walk_221,
    ));
    rows.push((
        "list_listings ?q= no match, every page (1,221 listings)",
        walk_1221,
    ));

    // An order of the maximum 100 lines (more than one transaction holds)
    // and its cancellation, on a table of their own: moto copies the whole
    // table in every transaction, so a big one would time the calls out.
    let large_table = format!("bench-large-{}", uuid::Uuid::new_v4().simple());
    dynamodb::create_table(store.client(), &large_table)
        .await
        .unwrap();
    let large_store = DynamoStore::new(store.client().clone(), large_table);
    let ls: &dyn Store = &large_store;
    let names: Vec<String> = (0..100).map(|i| format!("LINE-{i:03}")).collect();
    for name in &names {
        ls.put_listing(&draft(name, 500, 5), Utc::now())
            .await
            .unwrap();
    }
    counter.take();
    let lines: Vec<(&str, i64)> = names.iter().map(|n| (n.as_str(), 1)).collect();
    let large = order(customer, &lines);
    ls.place_order(&large, None).await.unwrap();
    rows.push(("place_order, 100 lines", counter.take()));
    let cancelled = large
        .transitioned(OrderStatus::Cancelled, Utc::now())
        .unwrap();
    ls.update_order(&OrderUpdate {
        previous: large.clone(),
        next: cancelled,
        effects: OrderEffects {
            release: names.iter().map(|n| (sku(n), 1)).collect(),
            record_sales_on: None,
        },
    })
    .await
    .unwrap();
    rows.push((
        "update_order -> CANCELLED, 100 lines released",
        counter.take(),
    ));

    println!("\n| operation | backend calls |\n|---|---|");
    for (op, calls) in &rows {
        println!("| {op} | {} |", render(calls));
    }
    println!("\n(low_stock_listings returned {low_count} listings)");
    println!("(no-match walks: {pages_221} pages over 221 listings, {pages_1221} over 1,221)\n");

    // Throughput on a fresh table per run holding only the 20 listings the
    // orders draw from: moto deep-copies the whole table in every
    // transaction, so a growing table would measure moto's copying.
    println!("| concurrent tasks | orders/s (1 line each) | median | worst | failed | calls |");
    println!("|---|---|---|---|---|---|");
    for tasks in [1, 2, 4, 8] {
        let table = format!("bench-tp-{}", uuid::Uuid::new_v4().simple());
        dynamodb::create_table(store.client(), &table)
            .await
            .unwrap();
        let tp = Arc::new(DynamoStore::new(store.client().clone(), table));
        for i in 0..20 {
            tp.put_listing(&draft(&format!("TP-{i}"), 1_000_000, 5), Utc::now())
                .await
                .unwrap();
        }
        counter.take();
        let (rate, median, worst, failed) =
            place_throughput(tp, tasks, Duration::from_secs(5)).await;
        let calls = counter.take();
        println!(
            "| {tasks} | {rate:.1} | {} ms | {} ms | {failed} | {} |",
            median.as_millis(),
            worst.as_millis(),
            render(&calls)
        );
    }
}
