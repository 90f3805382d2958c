//! A backend outage mid-test: while the store is unreachable the API
//! answers 503 with `Retry-After` (never a 500), no order is half-written,
//! and service resumes when the store comes back.
//!
//! The store is reached through a TCP proxy the test controls: stopping
//! the proxy refuses new connections and cuts the open ones, exactly what
//! clients see when the server process stops. Needs `STORE=dynamodb` or
//! `STORE=mongodb`; `scripts/test` runs it on both.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers panic on failure by design

use crate::common;

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{Running, dev_config, unique_sku};
use serde_json::{Value, json};
use stockroom::app::App;
use stockroom::auth::TokenKeys;
use stockroom::config::StoreConfig;
use stockroom::ports::Store;
use stockroom::wiring::ensure_store_ready;
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A TCP proxy that can be stopped and started on the same port.
struct Proxy {
    addr: SocketAddr,
    upstream: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    async fn new(upstream: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Proxy {
            addr: listener.local_addr().unwrap(),
            upstream,
            tasks: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let upstream = self.upstream;
        let tasks = self.tasks.clone();
        let accept = tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    continue;
                };
                let conn = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().unwrap().push(conn);
            }
        });
        self.tasks.lock().unwrap().push(accept);
    }

    /// The outage: no more connections, and the open ones are cut.
    fn stop(&self) {
        for task in self.tasks.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    async fn start(&self) {
        let listener = loop {
            match TcpListener::bind(self.addr).await {
                Ok(l) => break l,
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        };
        self.serve(listener);
    }
}

fn host_port(url: &str) -> SocketAddr {
    let rest = url.split("://").nth(1).unwrap_or(url);
    let host = rest.split(['/', '?']).next().unwrap();
    host.parse()
        .unwrap_or_else(|_| panic!("expected 127.0.0.1:port in {url}"))
}

/// The configured store, reached through `proxy`.
async fn store_through_proxy() -> (Arc<dyn Store>, Proxy) {
    let dev = dev_config(&[]);
    ensure_store_ready(&dev.config).await.expect("store ready");
    match &dev.config.store {
        StoreConfig::DynamoDb { table } => {
            let endpoint =
                std::env::var("AWS_ENDPOINT_URL_DYNAMODB").expect("AWS_ENDPOINT_URL_DYNAMODB");
            let proxy = Proxy::new(host_port(&endpoint)).await;
            let sdk = aws_config::defaults(aws_config::BehaviorVersion::latest())
                .endpoint_url(format!("http://{}", proxy.addr))
                .load()
                .await;
            let client = stockroom::store::dynamodb::client(&sdk);
            (
                Arc::new(stockroom::store::dynamodb::DynamoStore::new(
                    client,
                    table.clone(),
                )),
                proxy,
            )
        }
        StoreConfig::MongoDb { uri, database } => {
            let original = host_port(uri.expose());
            let proxy = Proxy::new(original).await;
            let through = uri
                .expose()
                .replace(&original.to_string(), &proxy.addr.to_string());
            let store = stockroom::store::mongodb::MongoStore::connect(&through, database)
                .await
                .unwrap();
            (Arc::new(store), proxy)
        }
        StoreConfig::Memory => panic!("the outage test needs STORE=dynamodb or STORE=mongodb"),
    }
}

async fn order(server: &Running, token: &str, sku: &str) -> (u16, Option<String>, Value) {
    let reply = server
        .post_order(token, &json!({ "items": [{ "sku": sku, "quantity": 1 }] }))
        .send()
        .await
        .unwrap();
    let status = reply.status().as_u16();
    let retry_after = reply
        .headers()
        .get("retry-after")
        .map(|v| v.to_str().unwrap().to_owned());
    (
        status,
        retry_after,
        reply.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
#[ignore = "needs STORE=dynamodb or STORE=mongodb and its server; scripts/test runs it"]
async fn an_outage_gives_503s_and_no_partial_orders_then_recovers() {
    let (store, proxy) = store_through_proxy().await;
    let dev = dev_config(&[]);
    let app = App::new(
        store,
        TokenKeys::new(
            dev.config
                .auth
                .as_ref()
                .expect("the dev server has a token secret"),
        ),
        dev.config.settings.clone(),
    );
    let server = Arc::new(Running::start_app(app, dev_config(&[])).await);
    let sku = unique_sku("OUT");
    server.put_listing(&sku, 1000).await;
    let token = server.customer().await;
    let (status, _, _) = order(&server, &token, &sku).await;
    assert_eq!(status, 201);

    // Orders keep coming while the store goes away and comes back.
    let load = {
        let server = server.clone();
        let token = token.clone();
        let sku = sku.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            for _ in 0..6 {
                let batch = (0..8).map(|_| order(&server, &token, &sku));
                seen.extend(futures::future::join_all(batch).await);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            seen
        })
    };
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.stop();
    let mut during = Vec::new();
    for _ in 0..3 {
        during.push(order(&server, &token, &sku).await);
    }
    proxy.start().await;
    let mut replies = load.await.unwrap();
    replies.extend(during.iter().cloned());

    for (status, _, body) in &replies {
        assert!(matches!(status, 201 | 503), "{status}: {body}");
    }
    for (status, retry_after, body) in &during {
        assert_eq!(*status, 503, "the store is down: {body}");
        assert_eq!(body["error"]["code"], "service_unavailable");
        assert!(retry_after.is_some(), "503 carries Retry-After");
    }

    // Recovery: orders succeed again within a few seconds.
    let mut recovered = false;
    for _ in 0..60 {
        if order(&server, &token, &sku).await.0 == 201 {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(recovered, "the API recovers when the store is back");

    // No partial order: every stored order has its unit reserved and every
    // reserved unit belongs to a stored order.
    let mut stored = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut path = "/orders?limit=100".to_owned();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = server.get_json(&path, &token).await;
        stored += page["items"].as_array().unwrap().len() as i64;
        cursor = page["next_cursor"].as_str().map(str::to_owned);
        if cursor.is_none() {
            break;
        }
    }
    let left = server.available(&sku).await;
    assert_eq!(
        stored + left,
        1000,
        "{stored} orders stored, {left} units left"
    );
    let created = replies.iter().filter(|(s, _, _)| *s == 201).count() as i64 + 2;
    assert!(
        stored >= created,
        "every 201 is stored ({stored} < {created})"
    );
}
