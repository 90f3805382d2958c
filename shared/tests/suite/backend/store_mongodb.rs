//! The store contract on MongoDB, plus what only a real server can show:
//! failures map to the right errors, the deployment check, the indexes.
//!
//! Needs a server: `MONGODB_URI` (the local one: `scripts/servers start
//! mongo`, then `eval "$(scripts/servers env mongo)"`). Without it every
//! test fails, on purpose: a suite that passes without its backend proves
//! nothing.
//!
//! Every contract case gets a database of its own, as every case gets its
//! own `MemoryStore`: the metrics case compares global order counts before
//! and after, which other cases placing orders concurrently would disturb.
//! The names are `<prefix>_<run>_<pid>_<n>`; databases left by runs more
//! than an hour old are dropped when a run starts (on the local server they
//! go with its data directory anyway).

// Helpers outside `#[test]` functions panic on set-up failures on purpose.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use mongodb::bson::{Document, doc};
use mongodb::event::EventHandler;
use mongodb::event::cmap::CmapEvent;
use mongodb::event::command::CommandEvent;
use stockroom::domain::{
    Currency, CustomerId, LineQuantity, ListingDraft, ListingStatus, Order, OrderId, OrderLine,
    Price, Sku, Stock, Title,
};
use stockroom::ports::{
    ListingFilter, ListingStore, OrderStore, PageRequest, PlaceOrderError, PutOutcome, SearchTerm,
    Store, StoreError,
};
use stockroom::store::mongodb::{
    Deployment, DeploymentError, MongoStore, SetupError, TRANSACTION_RETRY, index_specs,
};
use tokio::sync::OnceCell;

use crate::contract::contract_suite;

/// Racing tasks per concurrency case. The contract's default (64) suits
/// the fast local server; `MONGODB_RACERS` lowers it for slow ones.
fn racers() -> usize {
    std::env::var("MONGODB_RACERS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(64)
}

fn uri() -> String {
    std::env::var("MONGODB_URI").unwrap_or_else(|_| {
        panic!(
            "MONGODB_URI is not set. Start the local MongoDB-compatible server with \
             `scripts/servers start mongo` and export its address with \
             `eval \"$(scripts/servers env mongo)\"`, or point MONGODB_URI at a replica set."
        )
    })
}

/// `MONGODB_DATABASE` or `stockroom_test`: the prefix of this run's databases.
fn prefix() -> String {
    std::env::var("MONGODB_DATABASE").unwrap_or_else(|_| "stockroom_test".to_owned())
}

/// Seconds since the epoch at process start: names this run's databases
/// and tells old runs' databases apart.
fn run_id() -> u64 {
    static RUN: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *RUN.get_or_init(|| {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default()
    })
}

/// Databases of earlier runs are dropped once they are this old; a run
/// takes seconds, so only abandoned ones qualify.
const STALE_RUN_SECS: u64 = 3600;

/// Drops this prefix's databases of runs older than [`STALE_RUN_SECS`],
/// once per process. Best effort: hygiene, not the subject of any test, so
/// a user without the privilege only gets a warning.
async fn sweep_old_runs(store: &MongoStore) {
    static SWEPT: OnceCell<()> = OnceCell::const_new();
    SWEPT
        .get_or_init(|| async {
            let prefix = format!("{}_", prefix());
            let names = match store.client().list_database_names().await {
                Ok(names) => names,
                Err(e) => return eprintln!("not sweeping old test databases: {e}"),
            };
            for name in names {
                let Some(rest) = name.strip_prefix(&prefix) else {
                    continue;
                };
                let Some(Ok(started)) = rest.split('_').next().map(str::parse::<u64>) else {
                    continue;
                };
                if started + STALE_RUN_SECS < run_id()
                    && let Err(e) = store.client().database(&name).drop().await
                {
                    eprintln!("could not drop old test database {name}: {e}");
                }
            }
        })
        .await;
}

/// A store on a fresh database of this run, with its indexes.
async fn fresh_store() -> MongoStore {
    static N: AtomicU64 = AtomicU64::new(0);
    let n = N.fetch_add(1, Ordering::Relaxed);
    let database = format!("{}_{}_{}_{n}", prefix(), run_id(), std::process::id());
    let store = MongoStore::connect(&uri(), &database)
        .await
        .expect("connect");
    sweep_old_runs(&store).await;
    store.ensure_indexes().await.expect("ensure indexes");
    store
}

async fn store() -> Arc<dyn Store> {
    Arc::new(fresh_store().await)
}

contract_suite!(store: store(), racers: racers(), excluded: {});

/// A port on this machine with nothing listening.
fn closed_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port();
    drop(listener);
    port
}

#[tokio::test]
async fn an_unreachable_server_is_unavailable_quickly() {
    let uri = format!(
        "mongodb://127.0.0.1:{}/?directConnection=true",
        closed_port()
    );
    let started = Instant::now();
    // Building the store does no I/O, so it succeeds without a server.
    let store = MongoStore::connect(&uri, "unreachable")
        .await
        .expect("connect is lazy");
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "connect waited on the network"
    );

    let read = store.get_listing(&Sku::parse("X").unwrap()).await;
    assert!(matches!(read, Err(StoreError::Unavailable(_))), "{read:?}");
    let line = OrderLine {
        sku: Sku::parse("X").unwrap(),
        quantity: LineQuantity::new(1).unwrap(),
        unit_price: Price::parse("1").unwrap(),
    };
    let usd = Currency::parse("USD").unwrap();
    let order = Order::new(
        OrderId::generate(),
        CustomerId::generate(),
        vec![line],
        usd,
        Utc::now(),
    );
    let write = store.place_order(&order, None).await;
    assert!(
        matches!(
            write,
            Err(PlaceOrderError::Store(StoreError::Unavailable(_)))
        ),
        "{write:?}"
    );
    // Two server selections of the default timeout, plus slack.
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
}

/// The constructor opens no pooled connection and sends no command; the
/// first operation does. (The driver's server monitor does connect in the
/// background right away: it is not part of the pool and sends `hello`
/// heartbeats only, which are not commands.)
#[tokio::test]
async fn pooled_connections_open_on_first_use() {
    let connections = Arc::new(AtomicU64::new(0));
    let commands = Arc::new(AtomicU64::new(0));
    let mut options = MongoStore::client_options(&uri()).await.expect("options");
    let seen = connections.clone();
    options.cmap_event_handler = Some(EventHandler::callback(move |event| {
        if matches!(event, CmapEvent::ConnectionCreated(_)) {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    }));
    let seen = commands.clone();
    options.command_event_handler = Some(EventHandler::callback(move |event| {
        if matches!(event, CommandEvent::Started(_)) {
            seen.fetch_add(1, Ordering::SeqCst);
        }
    }));
    let store = MongoStore::with_options(options, &prefix()).expect("store");
    // Time for the background monitor to discover the server.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        connections.load(Ordering::SeqCst),
        0,
        "no pooled connection before use"
    );
    assert_eq!(commands.load(Ordering::SeqCst), 0, "no command before use");

    store
        .get_listing(&Sku::parse("ANY").unwrap())
        .await
        .expect("read");
    assert_eq!(
        connections.load(Ordering::SeqCst),
        1,
        "one connection for one read"
    );
    assert_eq!(commands.load(Ordering::SeqCst), 1, "one find");
}

#[tokio::test]
async fn the_local_deployment_supports_transactions() {
    let store = MongoStore::connect(&uri(), &prefix())
        .await
        .expect("connect");
    let deployment = store
        .check_deployment()
        .await
        .expect("a replica set or sharded cluster");
    assert!(
        matches!(
            deployment,
            Deployment::ReplicaSet { .. } | Deployment::Sharded
        ),
        "{deployment:?}"
    );
}

/// A standalone server is refused with the message that says what to do.
/// Needs one, which CI does not start: a `mongod` without `--replSet`, or
/// `secantusd-rs --standalone --port 27018 --storage-path DIR`, with
/// `MONGODB_STANDALONE_URI=mongodb://127.0.0.1:27018/?directConnection=true`;
/// then `cargo test -p stockroom --test suite backend::store_mongodb:: -- --ignored`. The
/// classification itself is unit-tested on synthetic `hello` replies.
#[tokio::test]
#[ignore = "needs a standalone server at MONGODB_STANDALONE_URI"]
async fn a_standalone_server_is_refused() {
    let uri = std::env::var("MONGODB_STANDALONE_URI").expect("MONGODB_STANDALONE_URI");
    let store = MongoStore::connect(&uri, &prefix()).await.expect("connect");
    let refused = store.check_deployment().await;
    assert!(
        matches!(
            refused,
            Err(SetupError::Deployment(DeploymentError::Standalone))
        ),
        "{refused:?}"
    );
}

/// Arms the server's `failCommand` fail point (`off` when `mode` is null).
async fn fail_point(store: &MongoStore, mode: mongodb::bson::Bson, data: Document) {
    let command = doc! { "configureFailPoint": "failCommand", "mode": mode, "data": data };
    store
        .client()
        .database("admin")
        .run_command(command)
        .await
        .expect("configureFailPoint (start the server with --enable-test-commands)");
}

/// The transaction retry paths, driven by server fail points: transient
/// errors rerun the body, an unknown commit result retries the commit,
/// and a persistent failure ends as `Unavailable` within the budget. In
/// every case the stock moves once at most. Needs a server started with
/// test commands, e.g. `secantusd-rs --enable-test-commands --port 27019
/// --storage-path DIR`, at `MONGODB_FAILPOINT_URI`; fail points are
/// server-wide, so it gets a server of its own.
#[tokio::test]
#[ignore = "needs a server with test commands at MONGODB_FAILPOINT_URI"]
async fn transactions_retry_through_fail_points() {
    let uri = std::env::var("MONGODB_FAILPOINT_URI").expect("MONGODB_FAILPOINT_URI");
    let database = format!("{}_failpoints_{}", prefix(), run_id());
    let store = MongoStore::connect(&uri, &database)
        .await
        .expect("connect")
        .with_transaction_retry(TRANSACTION_RETRY.with_budget(Duration::from_secs(2)));
    store.ensure_indexes().await.expect("indexes");
    let sku = Sku::parse("FP-1").unwrap();
    let draft = ListingDraft {
        sku: sku.clone(),
        title: Title::parse("Fail point").unwrap(),
        price: Price::parse("1").unwrap(),
        currency: Currency::parse("USD").unwrap(),
        available: Some(Stock::new(10).unwrap()),
        status: Some(ListingStatus::Active),
        supplier_id: None,
        reorder_point: 0,
        reorder_quantity: 1,
        lead_time_days: 1,
        auto_reorder_point: false,
        amazon_mfn: None,
    };
    store.put_listing(&draft, Utc::now()).await.unwrap();
    let order = || {
        let line = OrderLine {
            sku: sku.clone(),
            quantity: LineQuantity::new(1).unwrap(),
            unit_price: Price::parse("1").unwrap(),
        };
        let usd = Currency::parse("USD").unwrap();
        Order::new(
            OrderId::generate(),
            CustomerId::generate(),
            vec![line],
            usd,
            Utc::now(),
        )
    };
    let stock = || async {
        store
            .get_listing(&sku)
            .await
            .unwrap()
            .unwrap()
            .available
            .get()
    };
    let transient = |code: i32, commands: &[&str]| {
        doc! {
            "failCommands": commands,
            "errorCode": code,
            "errorLabels": ["TransientTransactionError"],
        }
    };

    // Two write conflicts on the order insert: the third attempt commits.
    fail_point(
        &store,
        doc! { "times": 2 }.into(),
        transient(112, &["insert"]),
    )
    .await;
    let first = order();
    store
        .place_order(&first, None)
        .await
        .expect("placed after retries");
    assert_eq!(stock().await, 9);
    assert!(store.get_order(first.order_id).await.unwrap().is_some());

    // The commit's outcome is unknown twice (MaxTimeMSExpired, which the
    // driver does not retry itself): the third commit lands, once.
    let unknown = doc! {
        "failCommands": ["commitTransaction"],
        "errorCode": 50,
        "errorLabels": ["UnknownTransactionCommitResult"],
    };
    fail_point(&store, doc! { "times": 2 }.into(), unknown).await;
    let second = order();
    store
        .place_order(&second, None)
        .await
        .expect("committed after commit retries");
    assert_eq!(stock().await, 8);

    // A conflict that never clears: Unavailable within the budget.
    fail_point(&store, "alwaysOn".into(), transient(112, &["update"])).await;
    let started = Instant::now();
    let third = order();
    let outcome = store.place_order(&third, None).await;
    fail_point(&store, "off".into(), Document::new()).await;
    assert!(
        matches!(
            outcome,
            Err(PlaceOrderError::Store(StoreError::Unavailable(_)))
        ),
        "{outcome:?}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(stock().await, 8, "nothing reserved by the failed placement");
    assert!(store.get_order(third.order_id).await.unwrap().is_none());
    store.database().drop().await.expect("drop");
}

#[tokio::test]
async fn ensure_indexes_is_idempotent_and_complete() {
    let store = fresh_store().await;
    store.ensure_indexes().await.expect("second run is a no-op");
    for spec in index_specs() {
        let names = store
            .database()
            .collection::<Document>(spec.collection)
            .list_index_names()
            .await
            .expect("list indexes");
        assert!(
            names.iter().any(|n| n == spec.name),
            "{} lacks {}",
            spec.collection,
            spec.name
        );
    }
}

/// Search terms and titles reach the server as data: no field paths
/// (`$price`), no regular expressions (`.`), and case folds like Rust's.
#[tokio::test]
async fn search_and_titles_are_taken_literally() {
    let store = fresh_store().await;
    let title = |raw: &str| Title::parse(raw).unwrap();
    for (sku, name) in [
        ("$A-1", "$price (Blue) Mug"),
        ("B-2", "Ärger.Tasse"),
        ("C-3", "plain"),
    ] {
        let draft = ListingDraft {
            sku: Sku::parse(sku).unwrap(),
            title: title(name),
            price: Price::parse("1").unwrap(),
            currency: Currency::parse("EUR").unwrap(),
            available: Some(Stock::new(1).unwrap()),
            status: Some(ListingStatus::Active),
            supplier_id: None,
            reorder_point: 0,
            reorder_quantity: 1,
            lead_time_days: 1,
            auto_reorder_point: false,
            amazon_mfn: None,
        };
        store.put_listing(&draft, Utc::now()).await.unwrap();
    }
    let stored = store
        .get_listing(&Sku::parse("$A-1").unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.title, title("$price (Blue) Mug"));

    let found = |q: &str| {
        let store = store.clone();
        let filter = ListingFilter {
            q: Some(SearchTerm::parse(q).unwrap()),
            ..ListingFilter::default()
        };
        async move {
            let page = store
                .list_listings(&filter, &PageRequest::first(10))
                .await
                .unwrap();
            page.items
                .into_iter()
                .map(|l| l.sku.as_str().to_owned())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(found("$PRICE (blue)").await, ["$A-1"]);
    assert_eq!(found("$a-").await, ["$A-1"]);
    assert_eq!(found("ärger.").await, ["B-2"]);
    assert_eq!(
        found(".").await,
        ["B-2"],
        "a dot is a dot, not any character"
    );
    assert_eq!(found("(").await, ["$A-1"]);
}

/// Concurrent puts of one new SKU (an upsert race, which may surface as a
/// duplicate key) create it exactly once and all succeed.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_puts_create_a_listing_once() {
    let store = fresh_store().await;
    let draft = ListingDraft {
        sku: Sku::parse("NEW-1").unwrap(),
        title: Title::parse("New").unwrap(),
        price: Price::parse("1").unwrap(),
        currency: Currency::parse("USD").unwrap(),
        available: None,
        status: Some(ListingStatus::Active),
        supplier_id: None,
        reorder_point: 0,
        reorder_quantity: 1,
        lead_time_days: 1,
        auto_reorder_point: false,
        amazon_mfn: None,
    };
    let mut tasks = Vec::new();
    for _ in 0..racers().min(16) {
        let (store, draft) = (store.clone(), draft.clone());
        tasks.push(tokio::spawn(async move {
            store.put_listing(&draft, Utc::now()).await.unwrap()
        }));
    }
    let mut created = 0;
    for task in tasks {
        created += usize::from(matches!(task.await.unwrap(), PutOutcome::Created(_)));
    }
    assert_eq!(created, 1);
}

#[tokio::test]
async fn a_corrupt_document_is_reported_not_panicked_on() {
    let store = fresh_store().await;
    store
        .database()
        .collection::<Document>("listings")
        .insert_one(doc! { "_id": "BROKEN", "title": 42 })
        .await
        .expect("insert");
    let read = store.get_listing(&Sku::parse("BROKEN").unwrap()).await;
    assert!(matches!(read, Err(StoreError::Corrupt(_))), "{read:?}");
    let page = store
        .list_listings(&Default::default(), &PageRequest::first(10))
        .await;
    assert!(matches!(page, Err(StoreError::Corrupt(_))), "{page:?}");
}
