//! The crash test: 1,000 orders flow while the order processor is killed
//! and restarted at random points, and messages are duplicated, delayed and
//! lost, on DynamoDB (moto) and on MongoDB (SecantusDB). Afterwards every
//! acknowledged order reached a final state once, daily sales and order
//! totals count each order once, and for every SKU stock sold plus stock
//! left equals stock received ([`checks`]).
//!
//! How it runs (one seeded random plan, the seed printed first; rerun one
//! with `CRASH_SEED=<seed>`):
//!
//! - [`harness`]: a fresh table or database, the orders and reorders queues
//!   on moto's SQS with a short visibility timeout and a dead-letter queue,
//!   and the API's app, called through the real HTTP handlers.
//! - [`workers`]: two `stockroom-order-worker` processes, each running the
//!   Lambda's handler over batches it polls from the queue, killed
//!   with SIGKILL every few seconds and started again; a killed batch
//!   comes back after the visibility timeout.
//! - Here: customers place orders concurrently (some on SKUs with little
//!   stock, so some are refused; some sent twice at once with one
//!   `Idempotency-Key`; some whose OrderPlaced is lost), stock deliveries
//!   arrive, some orders are cancelled, OrderPlaced is sent again for some
//!   orders at once or after a delay (`DelaySeconds`), and order recovery
//!   runs every ten seconds as its schedule would. When every order is placed
//!   the killing stops, and the test waits for the queue to drain and no
//!   order to be left PENDING or PROCESSING.
//!
//! Order recovery re-publishes orders PENDING longer than
//! [`harness::RECOVERY_AGE_SECONDS`] and orders left PROCESSING longer than
//! [`harness::PROCESSING_RECOVERY_AGE_SECONDS`] (every delivery of their
//! message died between the two transitions and it went to the
//! dead-letter queue); the report line counts both.
//!
//! The test is `#[ignore]`d in plain runs (it takes a minute or two per
//! backend); `scripts/test` runs it in a step of its own, with a new seed
//! each time. To rerun a seed, with the servers it needs:
//!
//! ```sh
//! scripts/servers start aws dynamodb mongo && eval "$(scripts/servers env)"
//! CRASH_SEED=<seed> cargo nextest run -p stockroom-dev-server --run-ignored only \
//!     --no-capture -E 'test(=backend::crash::dynamodb_orders_survive_a_crashing_processor)'
//! ```
//!
//! (`mongodb_orders_survive_a_crashing_processor` for MongoDB;
//! `CRASH_ORDERS=<n>` places fewer orders for a quick look). The workers'
//! logs, one per process started, with the time of each batch, stay under
//! the directory the report line names.

mod checks;
mod harness;
mod plan;
mod workers;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use stockroom::app::orders::{Recovered, recover_stale_orders};
use stockroom::domain::OrderStatus;
use stockroom::ports::{OrderFilter, PageRequest};

use harness::{Backend, Setup, queue_depth};
use plan::{Outcome, Placement};
use workers::Workers;

/// Orders acknowledged before placing stops (`CRASH_ORDERS` lowers it
/// for a quick local run).
const ORDERS: usize = 1000;
/// Worker processes, each with two pollers.
const WORKERS: usize = 2;
/// How long the queue may take to drain once the killing has stopped.
const DRAIN_TIMEOUT: Duration = Duration::from_secs(180);
/// How often order recovery runs, as its schedule would.
const RECOVERY_EVERY: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs moto (SQS, DynamoDB); takes a minute or two. scripts/test runs it"]
async fn dynamodb_orders_survive_a_crashing_processor() {
    run(Backend::DynamoDb).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs moto (SQS) and SecantusDB; takes a minute or two. scripts/test runs it"]
async fn mongodb_orders_survive_a_crashing_processor() {
    run(Backend::MongoDb).await;
}

fn seed() -> u64 {
    match std::env::var("CRASH_SEED") {
        Ok(raw) => raw.parse().expect("CRASH_SEED must be a whole number"),
        Err(_) => rand::random(),
    }
}

async fn run(backend: Backend) {
    let seed = seed();
    // Printed first: the test harness shows it with the failure.
    println!(
        "crash test on {}: seed {seed} (rerun with CRASH_SEED={seed})",
        backend.name()
    );
    let started = Instant::now();
    let setup = Arc::new(harness::setup(backend).await);
    let catalogue =
        Arc::new(plan::Catalogue::create(&setup, &mut StdRng::seed_from_u64(seed)).await);

    let dir = std::path::Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("crash-{}-{seed}", backend.name()));
    let workers = Workers::start(WORKERS, setup.worker_env.clone(), dir.clone());
    let placing = Arc::new(AtomicBool::new(true));
    let chaos = tokio::spawn(chaos(workers, Arc::clone(&placing), seed));
    let recovery = tokio::spawn(recovery(Arc::clone(&setup), Arc::clone(&placing)));

    let orders = std::env::var("CRASH_ORDERS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(ORDERS);
    let placement = Placement::run(&setup, &catalogue, seed, orders).await;
    placing.store(false, Ordering::SeqCst);
    let mut workers = chaos.await.expect("chaos task");
    let mut recovered = recovery.await.expect("recovery task");
    let placed_in = started.elapsed();

    drain(&setup, &mut workers, &mut recovered, seed).await;
    workers.check_alive();
    workers.stop_all();
    let dead_letters = queue_depth(&setup.sqs, &setup.orders_dlq_url)
        .await
        .map_or("?".to_owned(), |n| n.to_string());

    let report = checks::verify(&setup, &catalogue, &placement, seed).await;
    println!(
        "crash test on {} (seed {seed}): {} orders acknowledged, {} refused for stock, \
         {} idempotent retries, {} sends lost, {} duplicates ({} delayed), {} cancelled; \
         {} kills ({} mid-batch), {} re-published by recovery ({} of them left PROCESSING), \
         {} dead-lettered; \
         {} completed; placed in {:.0?}, all done in {:.0?} (worker logs in {})",
        backend.name(),
        placement.acknowledged.len(),
        placement.refused,
        placement.retries,
        placement.lost_sends,
        placement.duplicates,
        placement.delayed,
        report.cancelled,
        workers.kills,
        workers.mid_batch,
        recovered.republished,
        recovered.stuck,
        dead_letters,
        report.completed,
        placed_in,
        started.elapsed(),
        dir.display(),
    );
    // The test must have done what it claims, or its checks prove nothing.
    assert!(
        workers.kills >= 5 && workers.mid_batch >= 1,
        "seed {seed}: only {} kills, {} mid-batch: the workers were not crashed enough",
        workers.kills,
        workers.mid_batch
    );
    assert!(
        placement.lost_sends > 0 && placement.duplicates > 0 && placement.delayed > 0,
        "seed {seed}: the plan lost, duplicated or delayed no message"
    );
    assert!(
        report.cancelled > 0 && placement.refused > 0 && placement.retries > 0,
        "seed {seed}: the plan cancelled, refused or retried no order"
    );
    let outcomes = placement
        .acknowledged
        .values()
        .filter(|o| matches!(o.outcome, Outcome::Cancelled))
        .count();
    assert_eq!(outcomes, report.cancelled, "seed {seed}: cancellations");
}

/// Kills a random worker every 1.5 to 5 s while orders are being placed,
/// starting it again up to 1 s later; then starts every worker and hands
/// them back. A batch takes a second or more on the local stand-ins, so
/// most kills land mid-batch while the workers still make progress.
async fn chaos(mut workers: Workers, placing: Arc<AtomicBool>, seed: u64) -> Workers {
    let mut rng = StdRng::seed_from_u64(seed ^ 0xC4A05);
    while placing.load(Ordering::SeqCst) {
        tokio::time::sleep(Duration::from_millis(rng.random_range(1500..5000))).await;
        workers.check_alive();
        let victim = rng.random_range(0..workers.len());
        workers.kill(victim);
        tokio::time::sleep(Duration::from_millis(rng.random_range(0..1000))).await;
        workers.spawn(victim);
    }
    workers.restart_all();
    workers
}

/// Runs order recovery every [`RECOVERY_EVERY`] while orders are being placed,
/// as its schedule would; returns what it found and re-published.
async fn recovery(setup: Arc<Setup>, placing: Arc<AtomicBool>) -> Recovered {
    let mut recovered = Recovered::default();
    while placing.load(Ordering::SeqCst) {
        tokio::time::sleep(RECOVERY_EVERY).await;
        recover(&setup, &mut recovered).await;
    }
    recovered
}

/// One run of order recovery (the job's use case), added to `total`.
async fn recover(setup: &Setup, total: &mut Recovered) {
    match recover_stale_orders(&setup.app).await {
        Ok(run) => {
            total.stale += run.stale;
            total.stuck += run.stuck;
            total.republished += run.republished;
            total.failed += run.failed;
        }
        // A slow store under load may time a run out: the next run retries.
        Err(e) => eprintln!("order recovery failed: {}", stockroom::telemetry::chain(&e)),
    }
}

/// Waits, with the workers running and recovery still scheduled, until no
/// message is left on the queue and no order is PENDING or PROCESSING.
async fn drain(setup: &Setup, workers: &mut Workers, recovered: &mut Recovered, seed: u64) {
    let deadline = Instant::now() + DRAIN_TIMEOUT;
    let mut last_recovery = Instant::now();
    loop {
        workers.check_alive();
        // On the schedule's pace, not every look: with a backlog, each run
        // re-publishes every order waiting longer than the recovery age.
        if last_recovery.elapsed() >= RECOVERY_EVERY {
            recover(setup, recovered).await;
            last_recovery = Instant::now();
        }
        let depth = queue_depth(&setup.sqs, &setup.orders_url).await;
        let unfinished = unfinished_orders(setup).await;
        if depth == Some(0) && unfinished == 0 {
            return;
        }
        println!(
            "draining at {}: {depth:?} messages queued, {unfinished} orders unfinished",
            chrono::Utc::now().format("%H:%M:%S%.3f")
        );
        assert!(
            Instant::now() < deadline,
            "seed {seed}: after {DRAIN_TIMEOUT:?}, {depth:?} messages are still queued and \
             {unfinished} orders are PENDING or PROCESSING"
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

/// Orders still PENDING or PROCESSING, read from the store, every page
/// (a page may come back short with a cursor).
async fn unfinished_orders(setup: &Setup) -> usize {
    let mut total = 0;
    for status in [OrderStatus::Pending, OrderStatus::Processing] {
        let filter = OrderFilter {
            customer_id: None,
            status: Some(status),
        };
        let mut page = PageRequest::first(100);
        loop {
            let found = setup
                .app
                .store
                .list_orders(&filter, &page)
                .await
                .expect("list unfinished orders");
            total += found.items.len();
            match found.next_cursor {
                Some(cursor) => page = PageRequest::after(100, Some(cursor)),
                None => break,
            }
        }
    }
    total
}
