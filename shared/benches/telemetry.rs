//! The cost of logs and metrics per invocation: `POST /orders` (one line,
//! on the memory store, as the Lambda runtime calls it) bare, with no
//! subscriber and no invocation scope, against the same call inside
//! `telemetry::invoke` with the production log layer (flat JSON at `info`,
//! the level the template deploys) and the EMF documents written.
//!
//! Where the lines go matters, so the instrumented call is measured twice:
//!
//! * `post_orders_logs_and_metrics`: logs and EMF documents written to a
//!   pipe that a thread drains, which is what a function's stdout is in
//!   Lambda (the runtime reads it); each line is one `write(2)`.
//! * `post_orders_logs_and_metrics_dev_null`: written to `/dev/null`, one
//!   `write(2)` per line with no reader to wake: the system call alone.
//! * `post_orders_logs_and_metrics_no_io`: the same lines built but written
//!   to `io::sink` and a discarding metrics sink: Stockroom's own work.
//!
//! Each variant has an app (and store) of its own, so no variant runs
//! against a store the others have filled.
//!
//! `TELEMETRY_BENCH_STORE=dynamodb` (with `AWS_ENDPOINT_URL_DYNAMODB`, moto
//! locally) puts each variant's app on a DynamoDB table of its own instead
//! of the memory store: the invocation a deployed `orders-api` makes, where
//! the store's calls (request signing, HTTP, the transaction) are part of
//! every call's cost, in CPU time as in wall time.
//!
//! With `TELEMETRY_AB_ROUNDS=<n>` the binary skips criterion and runs the
//! variants interleaved instead: `n` rounds, each one block of calls of
//! every variant in an order that rotates from round to round, and prints
//! per variant the median time per call, in CPU time of the calling thread
//! and in wall time, and the median and spread (10th to 90th percentile)
//! of its overhead on bare's block of the same round, with the load
//! average before and after. On a shared machine this is the fairer
//! comparison: a burst of load lands on every variant alike rather than
//! on whichever criterion happened to be running, and CPU time leaves out
//! the time other processes took.
#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark panics on setup failure

use std::fs::File;
use std::io::{PipeWriter, Read, Write};
use std::sync::Arc;
use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::Utc;
use criterion::Criterion;
use serde_json::{Value, json};
use stockroom::app::App;
use stockroom::auth::{Principal, TokenKeys};
use stockroom::config::{AuthConfig, LogFormat, Secret, Settings};
use stockroom::domain::{CustomerId, ListingDraft, ListingStatus, Price, Role, Sku, Stock, Title};
use stockroom::http::{ALL_GROUPS, handle};
use stockroom::metrics::{Discard, MetricsSink};
use stockroom::ports::{PublishError, PublishQueue, Publisher, Store};
use stockroom::store::MemoryStore;
use stockroom::telemetry::{self, Invocation, LogSettings};

const PLACE: &str = include_str!("../../events/orders-api/place-order.json");

/// Accepts every message and keeps none.
struct NoQueue;

#[async_trait]
impl Publisher for NoQueue {
    async fn publish(&self, _: PublishQueue, _: &[String]) -> Result<(), PublishError> {
        Ok(())
    }
}

/// A file descriptor both the log layer and the metrics sink write to,
/// one `write(2)` per line as on stdout.
struct Fd<T>(Arc<T>);

impl<T> Clone for Fd<T> {
    fn clone(&self) -> Self {
        Fd(Arc::clone(&self.0))
    }
}

impl Fd<PipeWriter> {
    /// A function's stdout as Lambda gives it: a pipe, read on the other
    /// end (here by a thread that drains it).
    fn drained_pipe() -> Self {
        let (mut reader, writer) = std::io::pipe().unwrap();
        std::thread::spawn(move || {
            let mut buffer = vec![0u8; 64 * 1024];
            while matches!(reader.read(&mut buffer), Ok(n) if n > 0) {}
        });
        Fd(Arc::new(writer))
    }
}

impl Fd<File> {
    /// The system call alone, with no reader to wake.
    fn dev_null() -> Self {
        Fd(Arc::new(File::create("/dev/null").unwrap()))
    }
}

impl<'a, T: 'static> tracing_subscriber::fmt::MakeWriter<'a> for Fd<T>
where
    &'a T: Write,
{
    type Writer = &'a T;
    fn make_writer(&'a self) -> &'a T {
        &self.0
    }
}

impl<T: Send + Sync> MetricsSink for Fd<T>
where
    for<'a> &'a T: Write,
{
    /// As `metrics::Stdout` writes: the document and its newline at once.
    fn emit(&self, line: &str) {
        let mut buffer = Vec::with_capacity(line.len() + 1);
        buffer.extend_from_slice(line.as_bytes());
        buffer.push(b'\n');
        let _ = (&*self.0).write_all(&buffer);
    }
}

/// How one variant is called.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Variant {
    Bare,
    Piped,
    DevNull,
    NoIo,
}

impl Variant {
    const ALL: [Variant; 4] = [
        Variant::Bare,
        Variant::Piped,
        Variant::DevNull,
        Variant::NoIo,
    ];

    fn name(self) -> &'static str {
        match self {
            Variant::Bare => "post_orders_bare",
            Variant::Piped => "post_orders_logs_and_metrics",
            Variant::DevNull => "post_orders_logs_and_metrics_dev_null",
            Variant::NoIo => "post_orders_logs_and_metrics_no_io",
        }
    }
}

/// One variant's app, request template and output.
struct Setup {
    variant: Variant,
    app: App,
    template: String,
    /// The subscriber and metrics sink; none when bare.
    output: Option<(tracing::Dispatch, Box<dyn MetricsSink>)>,
    calls: u64,
}

impl Setup {
    fn new(variant: Variant, runtime: &tokio::runtime::Runtime) -> Setup {
        let app = app(runtime);
        let customer = app
            .token_keys()
            .unwrap()
            .issue(
                Principal {
                    customer_id: CustomerId::generate(),
                    role: Role::Customer,
                },
                Utc::now(),
            )
            .unwrap();
        let mut event: Value = serde_json::from_str(PLACE).unwrap();
        event["headers"]["authorization"] = json!(format!("Bearer {customer}"));
        event["headers"]["x-correlation-id"] = json!("bench-correlation");
        event["body"] = json!(r#"{"items":[{"sku":"SKU-0001","quantity":1}]}"#);
        // The production log settings: JSON, no level set, so `info`.
        let settings = LogSettings::from_lookup(LogFormat::Json, "orders-api", |_| None);
        let output: Option<(tracing::Dispatch, Box<dyn MetricsSink>)> = match variant {
            Variant::Bare => None,
            Variant::Piped => {
                let pipe = Fd::drained_pipe();
                let logs = telemetry::subscriber(&settings, pipe.clone());
                Some((tracing::Dispatch::new(logs), Box::new(pipe)))
            }
            Variant::DevNull => {
                let null = Fd::dev_null();
                let logs = telemetry::subscriber(&settings, null.clone());
                Some((tracing::Dispatch::new(logs), Box::new(null)))
            }
            Variant::NoIo => {
                let logs = telemetry::subscriber(&settings, std::io::sink);
                Some((tracing::Dispatch::new(logs), Box::new(Discard)))
            }
        };
        Setup {
            variant,
            app,
            template: event.to_string(),
            output,
            calls: 0,
        }
    }

    /// One `POST /orders`, with a fresh Idempotency-Key.
    fn call(&mut self, runtime: &tokio::runtime::Runtime) {
        self.calls += 1;
        let raw = self.template.replace(
            "3f0c9a52-8d1e-4a7b-9c55-0e2d6f4b1a77",
            &format!("bench-{}", self.calls),
        );
        let request = lambda_http::request::from_str(&raw).unwrap();
        let work = handle(&self.app, ALL_GROUPS, request);
        let response = match &self.output {
            None => runtime.block_on(work),
            Some((dispatch, sink)) => {
                // What `Invocation::from_lambda` copies out of the
                // runtime's context.
                let invocation = Invocation {
                    function_name: "stockroom-orders-api".to_owned(),
                    function_version: "$LATEST".to_owned(),
                    request_id: format!("bench-request-{}", self.calls),
                    trace_header: None,
                };
                tracing::dispatcher::with_default(dispatch, || {
                    runtime.block_on(telemetry::invoke(invocation, sink.as_ref(), work))
                })
            }
        };
        assert_eq!(response.status(), 201);
    }
}

/// The store of one variant: the memory store, or with
/// `TELEMETRY_BENCH_STORE=dynamodb` a new DynamoDB table.
fn store(runtime: &tokio::runtime::Runtime) -> Arc<dyn Store> {
    match std::env::var("TELEMETRY_BENCH_STORE").as_deref() {
        Ok("dynamodb") => dynamodb_store(runtime),
        Ok("memory") | Err(_) => Arc::new(MemoryStore::new()),
        Ok(other) => panic!("TELEMETRY_BENCH_STORE must be memory or dynamodb, not {other}"),
    }
}

#[cfg(feature = "dynamodb")]
fn dynamodb_store(runtime: &tokio::runtime::Runtime) -> Arc<dyn Store> {
    use stockroom::store::dynamodb::{self, DynamoStore};
    assert!(
        std::env::var_os("AWS_ENDPOINT_URL_DYNAMODB").is_some(),
        "TELEMETRY_BENCH_STORE=dynamodb needs AWS_ENDPOINT_URL_DYNAMODB"
    );
    runtime.block_on(async {
        let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
            .load()
            .await;
        let client = dynamodb::client(&sdk);
        let table = format!("bench-telemetry-{}", uuid::Uuid::new_v4().simple());
        dynamodb::create_table(&client, &table).await.unwrap();
        Arc::new(DynamoStore::new(client, table)) as Arc<dyn Store>
    })
}

#[cfg(not(feature = "dynamodb"))]
fn dynamodb_store(_: &tokio::runtime::Runtime) -> Arc<dyn Store> {
    panic!("TELEMETRY_BENCH_STORE=dynamodb needs the dynamodb feature")
}

/// Calls per variant per round of the interleaved run: fewer on DynamoDB,
/// where a call takes milliseconds rather than microseconds.
fn block() -> u32 {
    match std::env::var("TELEMETRY_BENCH_STORE").as_deref() {
        Ok("dynamodb") => 20,
        _ => 500,
    }
}

fn app(runtime: &tokio::runtime::Runtime) -> App {
    let app = App::new(
        store(runtime),
        TokenKeys::new(&AuthConfig {
            token_secret: Secret::new("benchmark-secret-0123456789abcdef0123"),
            token_ttl: Duration::from_secs(3600),
        }),
        Settings::default(),
    )
    .with_publisher(Arc::new(NoQueue));
    runtime.block_on(async {
        let draft = ListingDraft {
            sku: Sku::parse("SKU-0001").unwrap(),
            title: Title::parse("Item 1").unwrap(),
            price: Price::parse("9.99").unwrap(),
            currency: app.settings.currency,
            available: Some(Stock::new(Stock::MAX).unwrap()),
            status: Some(ListingStatus::Active),
            supplier_id: None,
            reorder_point: 0,
            reorder_quantity: 10,
            lead_time_days: 7,
            auto_reorder_point: false,
            amazon_mfn: None,
        };
        app.store.put_listing(&draft, Utc::now()).await.unwrap();
    });
    app
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn benches(c: &mut Criterion) {
    let runtime = runtime();
    let mut group = c.benchmark_group("telemetry");
    for variant in Variant::ALL {
        let mut setup = Setup::new(variant, &runtime);
        group.bench_function(variant.name(), |b| b.iter(|| setup.call(&runtime)));
    }
    group.finish();
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

/// Nanoseconds this thread has run on a CPU, the kernel's count
/// (`/proc/thread-self/schedstat`): time the thread waited while other
/// processes ran is not in it, which is what makes a comparison on a
/// loaded machine possible. The write system calls are in it; the pipe's
/// reader (Lambda's own process, in Lambda) is not.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// The `p`-th percentile (0 to 100) of `values`, sorted in place.
fn percentile(values: &mut [f64], p: usize) -> f64 {
    values.sort_by(f64::total_cmp);
    values[(values.len() - 1) * p / 100]
}

/// The interleaved comparison (see the module docs).
fn interleaved(rounds: usize) {
    let block = block();
    let runtime = runtime();
    let mut setups: Vec<Setup> = Variant::ALL
        .iter()
        .map(|v| Setup::new(*v, &runtime))
        .collect();
    for setup in &mut setups {
        for _ in 0..4 * block {
            setup.call(&runtime);
        }
    }
    let n = setups.len();
    println!("load average before: {}", load_average());
    println!("{rounds} rounds of {block} calls per variant, the order rotating per round");
    // Per variant: wall and CPU µs per call of each round, and their
    // overheads on bare's of the same round.
    let mut wall: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut cpu: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut wall_over: Vec<Vec<f64>> = vec![Vec::new(); n];
    let mut cpu_over: Vec<Vec<f64>> = vec![Vec::new(); n];
    for round in 0..rounds {
        let mut this = vec![(0.0, 0.0); n];
        for k in 0..n {
            let i = (round + k) % n;
            let (started, cpu_started) = (Instant::now(), thread_cpu_ns());
            for _ in 0..block {
                setups[i].call(&runtime);
            }
            let per_call = |total: f64| total / f64::from(block);
            this[i] = (
                per_call(started.elapsed().as_secs_f64() * 1e6),
                per_call((thread_cpu_ns() - cpu_started) as f64 / 1e3),
            );
        }
        for i in 0..n {
            wall[i].push(this[i].0);
            cpu[i].push(this[i].1);
            wall_over[i].push((this[i].0 / this[0].0 - 1.0) * 100.0);
            cpu_over[i].push((this[i].1 / this[0].1 - 1.0) * 100.0);
        }
    }
    println!("load average after: {}", load_average());
    println!(
        "variant | CPU µs/call median | CPU overhead median (p10 to p90) | wall µs/call median | wall overhead median (p10 to p90)"
    );
    for (i, setup) in setups.iter().enumerate() {
        let spread = |o: &mut Vec<f64>| {
            if i == 0 {
                "-".to_owned()
            } else {
                format!(
                    "{:+.1}% ({:+.1}% to {:+.1}%)",
                    percentile(o, 50),
                    percentile(o, 10),
                    percentile(o, 90)
                )
            }
        };
        let (cpu_spread, wall_spread) = (spread(&mut cpu_over[i]), spread(&mut wall_over[i]));
        println!(
            "{} | {:.1} | {cpu_spread} | {:.1} | {wall_spread}",
            setup.variant.name(),
            percentile(&mut cpu[i], 50),
            percentile(&mut wall[i], 50),
        );
    }
}

criterion::criterion_group!(telemetry_overhead, benches);

fn main() {
    match std::env::var("TELEMETRY_AB_ROUNDS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
    {
        Some(rounds) if rounds > 0 => interleaved(rounds),
        _ => {
            telemetry_overhead();
            Criterion::default().configure_from_args().final_summary();
        }
    }
}
