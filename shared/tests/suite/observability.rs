//! Logs, correlation and metrics end to end on the memory store: one order
//! placed over the API with `x-correlation-id`, processed by the order
//! processor through the in-process queues (which carry SQS's attributes),
//! triggering a reorder that the reorder mailer sends. Every log line of
//! every step is captured at `trace` level, as JSON.
//!
//! * The response echoes the correlation id; the lines of the API, the
//!   processor and the mailer all carry it; the mail carries it as a header.
//! * Every line is one flat JSON object with the keys the issue names.
//! * Every EMF document is valid and the order is counted once.
//! * No password, bearer token, token secret or connection string appears
//!   in any line, at any level.
#![allow(clippy::unwrap_used, clippy::expect_used)] // tests panic on failure by design

use crate::support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use stockroom::app::App;
use stockroom::config::{Config, LogFormat};
use stockroom::consumers;
use stockroom::domain::{Rating, Role, Sku, Supplier, SupplierEmail, SupplierId};
use stockroom::mail::Outbox;
use stockroom::metrics::{MetricsLog, emf};
use stockroom::ports::QueueName;
use stockroom::queue::{Consumer, MemoryQueues, QueueSettings};
use stockroom::telemetry::{self, Invocation, LogSettings};
use support::*;

const REGISTER: &str = include_str!("../../../events/auth-api/register.json");
const TOKEN: &str = include_str!("../../../events/auth-api/token.json");
const PLACE: &str = include_str!("../../../events/orders-api/place-order.json");

const PASSWORD: &str = "tr0ub4dor-and-3-horses";
const MONGODB_URI: &str = "mongodb://stock:hunter2-db-pass@db.example:27017/stockroom";

/// Captured log output.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Captured {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// The consumer of `queue`, run as an invocation of `function`.
fn consumer(
    app: &Arc<App>,
    queue: QueueName,
    function: &'static str,
    metrics: &Arc<MetricsLog>,
) -> Consumer {
    let app = Arc::clone(app);
    let metrics = Arc::clone(metrics);
    Arc::new(move |event| {
        let app = Arc::clone(&app);
        let metrics = Arc::clone(&metrics);
        Box::pin(async move {
            let work = async {
                match queue {
                    QueueName::Orders => consumers::order_processor::handle(&app, event).await,
                    _ => consumers::reorder_mailer::handle(&app, event).await,
                }
            };
            telemetry::invoke(Invocation::local(function), metrics.as_ref(), work).await
        })
    })
}

async fn supplied_listing(app: &App, sku: &str, available: i64) {
    listing(app, sku, available).await;
    let sku = Sku::parse(sku).unwrap();
    let l = app.store.get_listing(&sku).await.unwrap().unwrap();
    let draft = stockroom::domain::ListingDraft {
        sku: l.sku.clone(),
        title: l.title.clone(),
        price: l.price,
        currency: l.currency,
        available: None,
        status: Some(l.status),
        supplier_id: Some(SupplierId::parse("acme").unwrap()),
        reorder_point: l.reorder_point,
        reorder_quantity: 24,
        lead_time_days: l.lead_time_days,
        auto_reorder_point: false,
        amazon_mfn: None,
    };
    app.store
        .put_listing(&draft, chrono::Utc::now())
        .await
        .unwrap();
}

fn lines(text: &str) -> Vec<Value> {
    text.lines()
        .map(|l| {
            serde_json::from_str(l).unwrap_or_else(|e| panic!("not one JSON object ({e}): {l}"))
        })
        .collect()
}

fn sum(docs: &[Value], metric: &str) -> f64 {
    docs.iter()
        .map(|d| match &d[metric] {
            Value::Array(vs) => vs.iter().filter_map(Value::as_f64).sum(),
            v => v.as_f64().unwrap_or(0.0),
        })
        .sum()
}

#[tokio::test]
async fn one_correlation_id_from_the_api_to_the_mail_with_valid_metrics_and_no_secret_logged() {
    let captured = Captured::default();
    let settings = LogSettings::from_lookup(LogFormat::Json, "tests", |name| {
        (name == "RUST_LOG").then(|| "trace".to_owned())
    });
    let _guard =
        tracing::subscriber::set_default(telemetry::subscriber(&settings, captured.clone()));

    let queues = Arc::new(MemoryQueues::new(QueueSettings {
        visibility: Duration::from_millis(20),
        ..QueueSettings::default()
    }));
    let outbox = Arc::new(Outbox::new());
    let metrics = Arc::new(MetricsLog::default());
    let app = Arc::new(
        app()
            .with_publisher(queues.clone())
            .with_mailer(outbox.clone()),
    );
    app.store
        .put_supplier(&Supplier {
            supplier_id: SupplierId::parse("acme").unwrap(),
            name: "Acme Wholesale".into(),
            email: SupplierEmail::parse("orders@acme.example").unwrap(),
            rating: Rating::new(5).unwrap(),
            manual_approval: false,
            updated_at: chrono::Utc::now(),
        })
        .await
        .unwrap();
    supplied_listing(&app, "MUG-BLUE", 3).await; // reorder point 2: the order takes it below
    listing(&app, "NOTE-A5", 100).await;
    let workers = [
        queues.spawn_worker(
            QueueName::Orders,
            consumer(&app, QueueName::Orders, "order-processor", &metrics),
        ),
        queues.spawn_worker(
            QueueName::Reorders,
            consumer(&app, QueueName::Reorders, "reorder-mailer", &metrics),
        ),
    ];

    // A customer registers and signs in (the password and the token pass
    // through the handlers, at trace level).
    let credentials = json!({"username": "carol", "password": PASSWORD}).to_string();
    let api = |function: &'static str, event: Value| {
        let app = Arc::clone(&app);
        let metrics = Arc::clone(&metrics);
        async move {
            telemetry::invoke(
                Invocation::local(function),
                metrics.as_ref(),
                call(&app, &event),
            )
            .await
        }
    };
    let registered = api("auth-api", with_body(event(REGISTER, None), &credentials)).await;
    assert_eq!(registered.status, 201, "{}", registered.body);
    let signed_in = api("auth-api", with_body(event(TOKEN, None), &credentials)).await;
    assert_eq!(signed_in.status, 200, "{}", signed_in.body);
    let bearer = signed_in.body["access_token"].as_str().unwrap().to_owned();
    let wrong = json!({"username": "carol", "password": format!("{PASSWORD}-wrong")}).to_string();
    assert_eq!(
        api("auth-api", with_body(event(TOKEN, None), &wrong))
            .await
            .status,
        401
    );
    let (admin, _) = token(&app, Role::Admin);

    // The order, with a correlation id of the caller's.
    let placed = api(
        "orders-api",
        with_header(
            event(PLACE, Some(&bearer)),
            "x-correlation-id",
            "order-trail-7",
        ),
    )
    .await;
    assert_eq!(placed.status, 201, "{}", placed.body);
    assert_eq!(placed.headers["x-correlation-id"], "order-trail-7");
    // A request without one gets the API Gateway request id back.
    let plain = api("orders-api", event(PLACE, Some(&admin))).await;
    assert_eq!(plain.headers["x-correlation-id"], "JKJaXmPLvHcESHA=");
    // One that sends a line break gets the request id instead of a forged line.
    let forged = api(
        "orders-api",
        with_header(
            event(PLACE, Some(&admin)),
            "x-correlation-id",
            "x\",\"level\":\"ERROR",
        ),
    )
    .await;
    assert_ne!(forged.headers["x-correlation-id"], "x\",\"level\":\"ERROR");

    for _ in 0..300 {
        if !outbox.sent().is_empty() && queues.depth(QueueName::Orders) == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    for w in workers {
        w.abort();
    }
    let mail = outbox.sent();
    assert_eq!(mail.len(), 1, "one reorder mail");
    assert_eq!(
        mail[0].headers,
        [("x-correlation-id".to_owned(), "order-trail-7".to_owned())]
    );

    // A connection string in the configuration, logged as a whole at trace.
    let config = Config::from_lookup(|name| match name {
        "STORE" => Some("mongodb".into()),
        "MONGODB_URI" => Some(MONGODB_URI.into()),
        "TOKEN_SECRET" => Some(SECRET.into()),
        _ => None,
    })
    .unwrap();
    tracing::trace!(?config, "configuration");
    drop(_guard);

    let text = captured.text();
    let logged = lines(&text);
    assert!(logged.len() > 10, "{text}");
    for line in &logged {
        for key in [
            "timestamp",
            "level",
            "message",
            "service",
            "function_name",
            "function_version",
        ] {
            assert!(line[key].is_string(), "{key} missing: {line}");
        }
        assert!(
            line.as_object().unwrap().values().all(|v| !v.is_object()),
            "nested: {line}"
        );
    }
    let trail: Vec<&Value> = logged
        .iter()
        .filter(|l| l["correlation_id"] == "order-trail-7")
        .collect();
    for function in ["orders-api", "order-processor", "reorder-mailer"] {
        let mine: Vec<&&Value> = trail
            .iter()
            .filter(|l| l["function_name"] == function)
            .collect();
        assert!(
            !mine.is_empty(),
            "no {function} line carries the correlation id:\n{text}"
        );
        assert!(
            mine.iter()
                .all(|l| l["request_id"].is_string() && l["cold_start"].is_boolean())
        );
    }
    assert!(
        trail.iter().any(|l| l["function_name"] == "order-processor"
            && l["message_id"].is_string()
            && l["order_id"].is_string()),
        "the processor's lines carry the message and order ids"
    );
    assert!(trail.iter().any(|l| l["message"] == "reorder mailed"));

    for secret in [
        PASSWORD,
        bearer.as_str(),
        admin.as_str(),
        SECRET,
        MONGODB_URI,
        "hunter2-db-pass",
    ] {
        assert!(!text.contains(secret), "a secret was logged: {secret}");
    }

    let emitted = metrics.lines();
    for line in &emitted {
        assert_eq!(emf::validate(line), Ok(()), "{line}");
    }
    let docs: Vec<Value> = emitted
        .iter()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let of = |id: &str| -> Vec<Value> {
        docs.iter()
            .filter(|d| d["correlation_id"] == id)
            .cloned()
            .collect()
    };
    let order = of("order-trail-7");
    assert_eq!(sum(&order, "OrdersPlaced"), 1.0, "{order:?}");
    assert_eq!(sum(&docs, "OrdersPlaced"), 1.0, "placed once in all");
    assert_eq!(sum(&order, "OrderValue"), 37.5);
    assert_eq!(sum(&order, "ReordersRaised"), 1.0);
    assert_eq!(sum(&order, "ReorderMailsSent"), 1.0);
    assert_eq!(sum(&order, "BatchItemFailures"), 0.0);
    assert!(
        order
            .iter()
            .any(|d| d["ProcessingTime"].is_number() && d["function"] == "order-processor")
    );
}

/// Every message published, with what it carried.
#[derive(Default)]
struct Published(Mutex<Vec<(String, Option<String>)>>);

#[async_trait::async_trait]
impl stockroom::ports::Publisher for Published {
    async fn publish(
        &self,
        queue: stockroom::ports::PublishQueue,
        bodies: &[String],
    ) -> Result<(), stockroom::ports::PublishError> {
        self.publish_with(queue, bodies, &stockroom::ports::Propagation::default())
            .await
    }

    async fn publish_with(
        &self,
        _: stockroom::ports::PublishQueue,
        bodies: &[String],
        propagation: &stockroom::ports::Propagation,
    ) -> Result<(), stockroom::ports::PublishError> {
        let mut sent = self.0.lock().unwrap();
        for body in bodies {
            sent.push((body.clone(), propagation.correlation_id.clone()));
        }
        Ok(())
    }
}

/// An order keeps the correlation id of the request that placed it, and
/// recovery re-publishes it under that id (not the recovery run's), so its
/// trail goes on past a lost message; an order stored before the id was
/// kept goes out under the run's own.
#[tokio::test]
async fn recovery_republishes_an_order_under_the_correlation_id_that_placed_it() {
    let captured = Captured::default();
    let settings = LogSettings::from_lookup(LogFormat::Json, "tests", |_| None);
    let _guard =
        tracing::subscriber::set_default(telemetry::subscriber(&settings, captured.clone()));
    let published = Arc::new(Published::default());
    let app = App::new(
        Arc::new(stockroom::store::MemoryStore::new()),
        keys(),
        stockroom::config::Settings {
            order_recovery_age: Duration::ZERO,
            ..stockroom::config::Settings::default()
        },
    )
    .with_publisher(published.clone());
    listing(&app, "MUG-BLUE", 100).await;
    listing(&app, "NOTE-A5", 100).await;
    let (customer, _) = token(&app, Role::Customer);
    let mut placed = Vec::new();
    for trail in ["trail-r1", "trail-r2"] {
        let request = with_header(
            with_header(event(PLACE, Some(&customer)), "x-correlation-id", trail),
            "idempotency-key",
            trail,
        );
        let reply = call(&app, &request).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let id =
            stockroom::domain::OrderId::parse(reply.body["order_id"].as_str().unwrap()).unwrap();
        let stored = app.store.get_order(id).await.unwrap().unwrap();
        assert_eq!(stored.correlation_id.as_deref(), Some(trail));
        assert!(
            !reply.body.to_string().contains(trail),
            "not shown to the customer"
        );
        placed.push((id, trail));
    }
    // An order from before correlation ids were kept.
    let (_, someone) = token(&app, Role::Customer);
    let old = stockroom::domain::Order::new(
        stockroom::domain::OrderId::generate(),
        someone,
        Vec::new(),
        app.settings.currency,
        chrono::Utc::now(),
    );
    app.store.place_order(&old, None).await.unwrap();
    published.0.lock().unwrap().clear();
    tokio::time::sleep(Duration::from_millis(5)).await;

    let metrics = MetricsLog::default();
    let invocation = Invocation::local("order-recovery");
    let run_id = invocation.request_id.clone();
    let summary = telemetry::invoke(
        invocation,
        &metrics,
        stockroom::jobs::order_recovery::run(&app),
    )
    .await
    .unwrap();
    assert_eq!(summary.acted, 3);
    drop(_guard);

    let sent = published.0.lock().unwrap().clone();
    let carried = |id: stockroom::domain::OrderId| -> Option<String> {
        let matching: Vec<&(String, Option<String>)> = sent
            .iter()
            .filter(|(body, _)| body.contains(&id.to_string()))
            .collect();
        assert_eq!(matching.len(), 1, "{sent:?}");
        matching[0].1.clone()
    };
    for (id, trail) in &placed {
        assert_eq!(carried(*id).as_deref(), Some(*trail));
    }
    assert_eq!(carried(old.order_id), Some(run_id));
    // The recovery's own line for the order is on the order's trail.
    let logged = lines(&captured.text());
    let (first, trail) = placed[0];
    assert!(
        logged.iter().any(|l| l["function_name"] == "order-recovery"
            && l["correlation_id"] == trail
            && l["order_id"] == first.to_string()),
        "{logged:?}"
    );
}
