//! Round trips per store operation, and place-order throughput, on the
//! MongoDB adapter.
//!
//! Round trips are counted with the driver's command monitoring: every
//! `CommandStartedEvent` is one request on the wire (server monitoring
//! heartbeats are not commands and are not counted).
//!
//! ```text
//! MONGODB_URI=mongodb://127.0.0.1:PORT/?directConnection=true \
//!     cargo bench -p stockroom --bench mongodb_calls
//! ```
//!
//! `BENCH_ORDERS` (default 2000) orders per throughput run, `BENCH_TASKS`
//! (default `1,4,16,64`) the concurrent tasks to try, `BENCH_SECONDS`
//! (default 60) the time limit of one run. Each run stops at whichever
//! limit comes first. Works in a fresh database, dropped at the end
//! unless `BENCH_KEEP_DATABASE=1` (to run `explain` on realistic data).

use std::collections::BTreeMap;
use std::error::Error;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use chrono::Utc;
use mongodb::event::EventHandler;
use mongodb::event::command::CommandEvent;
use stockroom::domain::{
    Currency, CustomerId, IdempotencyKey, LineQuantity, ListingDraft, ListingStatus, Order,
    OrderId, OrderLine, OrderStatus, Price, Sku, Stock, Title,
};
use stockroom::ports::{
    IdempotencyRecord, ListingFilter, ListingStore, OrderEffects, OrderStore, OrderUpdate,
    PageRequest, PlaceOrderError,
};
use stockroom::store::mongodb::MongoStore;

type BenchResult<T> = Result<T, Box<dyn Error + Send + Sync>>;

/// Commands started, by name, since the last reset.
#[derive(Debug, Clone, Default)]
struct Commands(Arc<Mutex<BTreeMap<String, u64>>>);

impl Commands {
    fn handler(&self) -> EventHandler<CommandEvent> {
        let counts = self.0.clone();
        EventHandler::callback(move |event| {
            if let CommandEvent::Started(started) = event {
                let mut counts = counts.lock().unwrap_or_else(|p| p.into_inner());
                *counts.entry(started.command_name).or_default() += 1;
            }
        })
    }

    fn take(&self) -> BTreeMap<String, u64> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

fn env_or<T: std::str::FromStr>(name: &str, default: T) -> T {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn sku(raw: &str) -> BenchResult<Sku> {
    Ok(Sku::parse(raw)?)
}

fn draft(name: &str, available: i64, reorder_point: u32) -> BenchResult<ListingDraft> {
    Ok(ListingDraft {
        sku: sku(name)?,
        title: Title::parse(&format!("Item {name}"))?,
        price: Price::parse("2.50")?,
        currency: Currency::parse("USD")?,
        available: Some(Stock::new(available)?),
        status: Some(ListingStatus::Active),
        supplier_id: None,
        reorder_point,
        reorder_quantity: 10,
        lead_time_days: 3,
        auto_reorder_point: false,
        amazon_mfn: None,
    })
}

fn order(lines: &[(&str, i64)]) -> BenchResult<Order> {
    let items = lines
        .iter()
        .map(|(s, q)| {
            Ok(OrderLine {
                sku: sku(s)?,
                quantity: LineQuantity::new(*q)?,
                unit_price: Price::parse("2.50")?,
            })
        })
        .collect::<BenchResult<Vec<_>>>()?;
    let usd = Currency::parse("USD")?;
    Ok(Order::new(
        OrderId::generate(),
        CustomerId::generate(),
        items,
        usd,
        Utc::now(),
    ))
}

fn record(order: &Order) -> BenchResult<IdempotencyRecord> {
    Ok(IdempotencyRecord {
        customer_id: order.customer_id,
        key: IdempotencyKey::parse(&format!("bench-{}", order.order_id))?,
        request_hash: "hash".into(),
        order: order.clone(),
        created_at: order.created_at,
        expires_at: order.created_at + chrono::Duration::hours(24),
    })
}

fn transition(order: &Order, to: OrderStatus) -> BenchResult<Order> {
    order
        .transitioned(to, Utc::now())
        .ok_or_else(|| format!("{:?} cannot move to {to:?}", order.status).into())
}

/// Runs one operation and records its commands as a table row.
async fn row<F: std::future::Future<Output = BenchResult<()>>>(
    rows: &mut Vec<(String, BTreeMap<String, u64>)>,
    commands: &Commands,
    name: &str,
    op: F,
) -> BenchResult<()> {
    commands.take();
    op.await?;
    rows.push((name.to_owned(), commands.take()));
    Ok(())
}

async fn round_trips(store: &MongoStore, commands: &Commands) -> BenchResult<()> {
    for i in 0..30 {
        let available = if i % 3 == 0 { 2 } else { 1_000 };
        store
            .put_listing(&draft(&format!("RT-{i:02}"), available, 5)?, Utc::now())
            .await?;
    }
    let mut rows = Vec::new();
    let one = order(&[("RT-01", 1)])?;
    row(&mut rows, commands, "place order, 1 line", async {
        Ok(store.place_order(&one, None).await?)
    })
    .await?;
    let three = order(&[("RT-01", 1), ("RT-02", 2), ("RT-04", 1)])?;
    let key = record(&three)?;
    row(
        &mut rows,
        commands,
        "place order, 3 lines + idempotency key",
        async { Ok(store.place_order(&three, Some(&key)).await?) },
    )
    .await?;
    row(&mut rows, commands, "  same key again (replay)", async {
        match store.place_order(&three, Some(&key)).await {
            Err(PlaceOrderError::IdempotencyKeyTaken(_)) => Ok(()),
            other => Err(format!("expected the key to be taken, got {other:?}").into()),
        }
    })
    .await?;
    let short = order(&[("RT-03", 5)])?;
    row(&mut rows, commands, "  insufficient stock", async {
        match store.place_order(&short, None).await {
            Err(PlaceOrderError::InsufficientStock(_)) => Ok(()),
            other => Err(format!("expected a shortage, got {other:?}").into()),
        }
    })
    .await?;
    let processing = transition(&three, OrderStatus::Processing)?;
    row(
        &mut rows,
        commands,
        "process: PENDING -> PROCESSING + sales",
        async {
            let effects = OrderEffects {
                release: vec![],
                record_sales_on: Some(Utc::now().date_naive()),
            };
            let update = OrderUpdate {
                previous: three.clone(),
                next: processing.clone(),
                effects,
            };
            Ok(store.update_order(&update).await?)
        },
    )
    .await?;
    row(
        &mut rows,
        commands,
        "process: PROCESSING -> COMPLETED",
        async {
            let next = transition(&processing, OrderStatus::Completed)?;
            let update = OrderUpdate {
                previous: processing.clone(),
                next,
                effects: OrderEffects::default(),
            };
            Ok(store.update_order(&update).await?)
        },
    )
    .await?;
    row(&mut rows, commands, "cancel with release, 1 line", async {
        let next = transition(&one, OrderStatus::Cancelled)?;
        let effects = OrderEffects {
            release: vec![(sku("RT-01")?, 1)],
            record_sales_on: None,
        };
        Ok(store
            .update_order(&OrderUpdate {
                previous: one.clone(),
                next,
                effects,
            })
            .await?)
    })
    .await?;
    row(&mut rows, commands, "get order", async {
        store.get_order(three.order_id).await?;
        Ok(())
    })
    .await?;
    row(&mut rows, commands, "listings page (20 of 30)", async {
        store
            .list_listings(&ListingFilter::default(), &PageRequest::first(20))
            .await?;
        Ok(())
    })
    .await?;
    row(&mut rows, commands, "low-stock page", async {
        store.low_stock_listings(&PageRequest::first(20)).await?;
        Ok(())
    })
    .await?;

    println!("| operation | round trips | commands |");
    println!("| --- | ---: | --- |");
    for (name, counts) in rows {
        let total: u64 = counts.values().sum();
        let detail: Vec<String> = counts.iter().map(|(c, n)| format!("{c} {n}")).collect();
        println!("| {name} | {total} | {} |", detail.join(", "));
    }
    Ok(())
}

/// What one throughput run did.
#[derive(Debug, Default)]
struct Run {
    placed: usize,
    /// Placements that exhausted their retries (`Unavailable`: a 503).
    gave_up: usize,
    elapsed: Duration,
    aborted: u64,
    /// Latency of every placement that succeeded, sorted.
    latencies: Vec<Duration>,
}

impl Run {
    fn percentile(&self, p: f64) -> Duration {
        let last = self.latencies.len().saturating_sub(1);
        let at = ((last as f64) * p).round() as usize;
        self.latencies.get(at).copied().unwrap_or_default()
    }
}

/// Places up to `orders` one-line orders with `tasks` concurrent tasks,
/// spread over `skus` listings, within `limit`.
async fn throughput(
    store: &MongoStore,
    commands: &Commands,
    tag: &str,
    skus: usize,
    tasks: usize,
    orders: usize,
    limit: Duration,
) -> BenchResult<Run> {
    let names: Vec<String> = (0..skus).map(|i| format!("{tag}-{i}")).collect();
    for name in &names {
        store
            .put_listing(&draft(name, Stock::MAX, 0)?, Utc::now())
            .await?;
    }
    commands.take();
    let next = Arc::new(AtomicUsize::new(0));
    let names = Arc::new(names);
    let started = Instant::now();
    let mut handles = Vec::new();
    for _ in 0..tasks {
        let (store, next, names) = (store.clone(), next.clone(), names.clone());
        handles.push(tokio::spawn(async move {
            let mut run = Run::default();
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                if i >= orders || started.elapsed() > limit {
                    return Ok::<Run, String>(run);
                }
                let name = &names[i % names.len()];
                let o = order(&[(name, 1)]).map_err(|e| e.to_string())?;
                let began = Instant::now();
                match store.place_order(&o, None).await {
                    Ok(()) => {
                        run.placed += 1;
                        run.latencies.push(began.elapsed());
                    }
                    Err(PlaceOrderError::Store(e)) if e.is_unavailable() => run.gave_up += 1,
                    Err(e) => return Err(format!("{e:?}")),
                }
            }
        }));
    }
    let mut total = Run::default();
    for handle in handles {
        let run = handle.await??;
        total.placed += run.placed;
        total.gave_up += run.gave_up;
        total.latencies.extend(run.latencies);
    }
    total.elapsed = started.elapsed();
    total.latencies.sort();
    total.aborted = commands
        .take()
        .get("abortTransaction")
        .copied()
        .unwrap_or(0);
    Ok(total)
}

async fn run() -> BenchResult<()> {
    let uri = std::env::var("MONGODB_URI")
        .map_err(|_| "MONGODB_URI is not set (scripts/servers start mongo; eval \"$(scripts/servers env mongo)\")")?;
    let database = format!("stockroom_bench_{}", std::process::id());
    let commands = Commands::default();
    let mut options = MongoStore::client_options(&uri).await?;
    options.command_event_handler = Some(commands.handler());
    options.max_pool_size = Some(64);
    let store = MongoStore::with_options(options, &database)?;
    println!("deployment: {:?}", store.check_deployment().await?);
    store.ensure_indexes().await?;

    round_trips(&store, &commands).await?;

    let orders = env_or("BENCH_ORDERS", 2000usize);
    let limit = Duration::from_secs(env_or("BENCH_SECONDS", 60u64));
    let task_counts: Vec<usize> = std::env::var("BENCH_TASKS")
        .unwrap_or_else(|_| "1,4,16,64".into())
        .split(',')
        .filter_map(|t| t.trim().parse().ok())
        .collect();
    println!();
    println!(
        "| SKUs | tasks | placed | gave up (503) | seconds | orders/s | p50 ms | p99 ms | aborted attempts |"
    );
    println!("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    for (skus, label) in [(100, "TP"), (1, "HOT")] {
        for &tasks in &task_counts {
            let tag = format!("{label}{tasks}");
            let run = throughput(&store, &commands, &tag, skus, tasks, orders, limit).await?;
            let ms = |d: Duration| d.as_secs_f64() * 1000.0;
            println!(
                "| {skus} | {tasks} | {} | {} | {:.1} | {:.0} | {:.1} | {:.1} | {} |",
                run.placed,
                run.gave_up,
                run.elapsed.as_secs_f64(),
                run.placed as f64 / run.elapsed.as_secs_f64(),
                ms(run.percentile(0.5)),
                ms(run.percentile(0.99)),
                run.aborted,
            );
        }
    }
    if std::env::var("BENCH_KEEP_DATABASE").is_ok_and(|v| v == "1") {
        println!("\nkept database {database}");
    } else {
        store.database().drop().await?;
    }
    Ok(())
}

fn main() -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mongodb_calls failed: {e}");
            ExitCode::FAILURE
        }
    }
}
