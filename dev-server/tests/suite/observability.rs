//! The "must show", as a user would see it: the `stockroom-dev`
//! binary run with `LOG_FORMAT=json`, its stdout read line by line. One
//! order with `x-correlation-id` gets the id back; the log lines of
//! orders-api, order-processor and (for the reorder the order triggers)
//! reorder-mailer all carry it; the EMF lines on stdout and at
//! `/_dev/metrics` are valid and count the order once.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use stockroom::metrics::emf;

const ADMIN_PASSWORD: &str = "observability-admin-password";

/// The binary, killed (by its own handle) when dropped.
struct Binary(Child);

impl Drop for Binary {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

fn sum(docs: &[&Value], metric: &str) -> f64 {
    docs.iter()
        .map(|d| match &d[metric] {
            Value::Array(vs) => vs.iter().filter_map(Value::as_f64).sum(),
            v => v.as_f64().unwrap_or(0.0),
        })
        .sum()
}

#[tokio::test]
async fn one_correlation_id_through_api_processor_and_mailer_with_json_logs() {
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_stockroom-dev"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("PORT", port.to_string())
        .env("STORE", "memory")
        .env("SEED", "false")
        .env("LOG_FORMAT", "json")
        .env("ADMIN_PASSWORD", ADMIN_PASSWORD)
        .env("DEV_QUEUE_VISIBILITY_SECONDS", "0.2")
        .env("STOCK_CHECK_INTERVAL_SECONDS", "0")
        .env("ORDER_RECOVERY_INTERVAL_SECONDS", "0")
        .env("DEMAND_FORECAST_INTERVAL_SECONDS", "0")
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let _binary = Binary(child);
    let lines = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = Arc::clone(&lines);
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    for _ in 0..600 {
        if lines
            .lock()
            .unwrap()
            .iter()
            .any(|l| l.contains("dev server on http://"))
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let token = |username: &'static str, password: &'static str| {
        let client = client.clone();
        let url = format!("{base}/auth/token");
        async move {
            let reply: Value = client
                .post(url)
                .json(&json!({ "username": username, "password": password }))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            reply["access_token"].as_str().unwrap().to_owned()
        }
    };
    let admin = token("admin", ADMIN_PASSWORD).await;
    let put = |path: String, body: Value| {
        let client = client.clone();
        let admin = admin.clone();
        let url = format!("{base}{path}");
        async move {
            let reply = client
                .put(url)
                .bearer_auth(admin)
                .json(&body)
                .send()
                .await
                .unwrap();
            assert!(
                reply.status().is_success(),
                "{}",
                reply.text().await.unwrap()
            );
        }
    };
    put(
        "/suppliers/acme".into(),
        json!({"name": "Acme", "email": "orders@acme.example", "rating": 5}),
    )
    .await;
    put(
        "/listings/MUG-BLUE".into(),
        json!({"title": "Blue mug", "price": "12.50", "available": 3, "reorder_point": 2,
               "reorder_quantity": 24, "supplier_id": "acme"}),
    )
    .await;
    let registered = client
        .post(format!("{base}/auth/register"))
        .json(&json!({"username": "dora", "password": "dora's password"}))
        .send()
        .await
        .unwrap();
    assert_eq!(registered.status(), 201);
    let customer = token("dora", "dora's password").await;

    let placed = client
        .post(format!("{base}/orders"))
        .bearer_auth(&customer)
        .header("x-correlation-id", "X-must-show-1")
        .json(&json!({"items": [{"sku": "MUG-BLUE", "quantity": 2}]}))
        .send()
        .await
        .unwrap();
    assert_eq!(placed.status(), 201);
    assert_eq!(placed.headers()["x-correlation-id"], "X-must-show-1");

    let mut outbox = Value::Null;
    for _ in 0..300 {
        outbox = client
            .get(format!("{base}/_dev/outbox"))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        if outbox["items"].as_array().is_some_and(|m| !m.is_empty()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let mail = &outbox["items"][0];
    assert_eq!(
        mail["headers"]["x-correlation-id"], "X-must-show-1",
        "{outbox}"
    );
    let served: Value = client
        .get(format!("{base}/_dev/metrics"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    // The mailer's metrics are written when its invocation ends, just
    // after the mail; give stdout a moment.
    tokio::time::sleep(Duration::from_millis(300)).await;

    let stdout = lines.lock().unwrap().clone();
    let json: Vec<Value> = stdout
        .iter()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    let logs: Vec<&Value> = json.iter().filter(|v| v.get("_aws").is_none()).collect();
    let trail: Vec<&&Value> = logs
        .iter()
        .filter(|l| l["correlation_id"] == "X-must-show-1")
        .collect();
    for function in ["orders-api", "order-processor", "reorder-mailer"] {
        assert!(
            trail.iter().any(|l| l["function_name"] == function),
            "no {function} log line carries X:\n{}",
            stdout.join("\n")
        );
    }
    let emf_lines: Vec<&String> = stdout.iter().filter(|l| l.contains("\"_aws\"")).collect();
    assert!(!emf_lines.is_empty());
    for line in &emf_lines {
        assert_eq!(emf::validate(line), Ok(()), "{line}");
    }
    let docs: Vec<&Value> = json
        .iter()
        .filter(|v| v.get("_aws").is_some() && v["correlation_id"] == "X-must-show-1")
        .collect();
    assert_eq!(sum(&docs, "OrdersPlaced"), 1.0, "{docs:?}");
    assert_eq!(sum(&docs, "OrderValue"), 25.0);
    assert_eq!(sum(&docs, "ReordersRaised"), 1.0);
    assert_eq!(sum(&docs, "ReorderMailsSent"), 1.0);
    let served: Vec<&Value> = served["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|d| d["correlation_id"] == "X-must-show-1")
        .collect();
    assert_eq!(
        sum(&served, "OrdersPlaced"),
        1.0,
        "/_dev/metrics: {served:?}"
    );
}
