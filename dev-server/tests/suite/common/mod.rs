//! Starts a dev server in-process on an ephemeral loopback port and talks
//! to it over real HTTP.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod amazon;

use std::time::Duration;

use serde_json::{Value, json};
use stockroom::app::App;
use stockroom::wiring::{build_local_app, ensure_store_ready};
use stockroom_dev_server::config::DevConfig;
use stockroom_dev_server::{DevServer, seed, serve};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub struct Running {
    pub base: String,
    pub client: reqwest::Client,
    pub admin_token: String,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// A dev server on the store named by the environment (`STORE`, default
    /// memory), with only the admin account seeded.
    pub async fn start() -> Running {
        Self::start_with(&[]).await
    }

    /// Like `start`, with some settings overridden (e.g. `FULFILLMENT_MODE`).
    pub async fn start_with(overrides: &[(&str, &str)]) -> Running {
        let dev = dev_config(overrides);
        // Once per test binary: the table (or indexes) for every test.
        static READY: tokio::sync::OnceCell<()> = tokio::sync::OnceCell::const_new();
        READY
            .get_or_init(|| async { ensure_store_ready(&dev.config).await.expect("store ready") })
            .await;
        let app = build_local_app(&dev.config).await.expect("app");
        Self::start_app(app, dev).await
    }

    /// A dev server around an app the test built itself (e.g. on a store
    /// reached through a proxy).
    pub async fn start_app(app: App, dev: DevConfig) -> Running {
        seed::admin(&app, &dev.admin_username, &dev.admin_password)
            .await
            .expect("admin");
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let outbox = stockroom::mail::Outbox::with_rules(dev.outbox);
            let server = DevServer::start_with_outbox(app, dev.queues, &dev.schedule, outbox);
            serve(server, listener, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
        });
        let client = reqwest::Client::builder()
            .pool_max_idle_per_host(600)
            .timeout(Duration::from_secs(300))
            .build()
            .unwrap();
        let mut running = Running {
            base,
            client,
            admin_token: String::new(),
            stop: Some(stop),
            task: Some(task),
        };
        running.admin_token = running
            .token(&dev.admin_username, &dev.admin_password)
            .await;
        running
    }
}

/// The admin's password in every suite (any store).
pub const ADMIN_PASSWORD: &str = "suite-admin-password";

/// The dev server configuration from the environment, with test defaults
/// and `overrides`.
pub fn dev_config(overrides: &[(&str, &str)]) -> DevConfig {
    let overrides: Vec<(String, String)> = overrides
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    DevConfig::from_lookup(|name| {
        if let Some((_, v)) = overrides.iter().find(|(k, _)| k == name) {
            return Some(v.clone());
        }
        match name {
            "SEED" => Some("false".into()),
            // Not the published default, which only the memory store takes.
            "ADMIN_PASSWORD" => Some(ADMIN_PASSWORD.into()),
            "LOG_FORMAT" => Some("text".into()),
            // Every test registers from the loopback address, into one
            // store per run on DynamoDB and MongoDB.
            "REGISTRATIONS_PER_ADDRESS_PER_HOUR" => Some("100000".into()),
            // Fast redelivery and no timers: tests run jobs explicitly.
            "DEV_QUEUE_VISIBILITY_SECONDS" => Some("0.2".into()),
            "STOCK_CHECK_INTERVAL_SECONDS"
            | "ORDER_RECOVERY_INTERVAL_SECONDS"
            | "DEMAND_FORECAST_INTERVAL_SECONDS" => Some("0".into()),
            other => std::env::var(other).ok(),
        }
    })
    .expect("dev config")
}

impl Running {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub async fn token(&self, username: &str, password: &str) -> String {
        let reply = self
            .client
            .post(self.url("/auth/token"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 200);
        let body: Value = reply.json().await.unwrap();
        body["access_token"].as_str().unwrap().to_owned()
    }

    /// Registers a fresh customer and returns its token.
    pub async fn customer(&self) -> String {
        let username = format!("c{}", &uuid::Uuid::new_v4().simple().to_string()[..16]);
        let reply = self
            .client
            .post(self.url("/auth/register"))
            .json(&json!({ "username": username, "password": "customer password" }))
            .send()
            .await
            .unwrap();
        assert_eq!(reply.status(), 201);
        self.token(&username, "customer password").await
    }

    pub async fn put_listing(&self, sku: &str, available: i64) {
        let reply = self
            .client
            .put(self.url(&format!("/listings/{sku}")))
            .bearer_auth(&self.admin_token)
            .json(
                &json!({ "title": format!("Item {sku}"), "price": "3.00", "available": available }),
            )
            .send()
            .await
            .unwrap();
        assert!(
            reply.status().is_success(),
            "{}",
            reply.text().await.unwrap()
        );
    }

    pub async fn available(&self, sku: &str) -> i64 {
        let listing = self
            .get_json(&format!("/listings/{sku}"), &self.admin_token)
            .await;
        listing["available"].as_i64().unwrap()
    }

    /// Polls `GET path` as the admin until `done` holds (at most 15 s),
    /// for what the background consumers finish after a request returns.
    pub async fn eventually(&self, path: &str, done: impl Fn(&Value) -> bool) -> Value {
        let started = std::time::Instant::now();
        loop {
            let body = self.get_json(path, &self.admin_token).await;
            if done(&body) {
                return body;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(15),
                "{path} never reached the expected state: {body}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }

    /// `GET path` as the holder of `token`; the answer must be a success,
    /// and its JSON body is returned.
    pub async fn get_json(&self, path: &str, token: &str) -> Value {
        let reply = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        assert!(reply.status().is_success(), "{path}: {}", reply.status());
        reply.json().await.unwrap()
    }

    /// `POST /orders` with `body` as the holder of `token`, ready for more
    /// headers (an `Idempotency-Key`) and `.send()`.
    pub fn post_order(&self, token: &str, body: &Value) -> reqwest::RequestBuilder {
        self.client
            .post(self.url("/orders"))
            .bearer_auth(token)
            .json(body)
    }

    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(task) = self.task.take() {
            task.await.unwrap();
        }
    }
}

pub fn unique_sku(prefix: &str) -> String {
    format!(
        "{prefix}-{}",
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
    .to_uppercase()
}
