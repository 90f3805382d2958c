//! Every function invoked with every event in `events/`, through a running
//! `cargo lambda watch` (its invoke endpoint,
//! `POST /2015-03-31/functions/NAME/invocations`), against moto for
//! DynamoDB, SQS and SES v2; each answer and its effect is checked
//! ([`flow`] holds the story, this module the harness).
//!
//! The events are templates: HTTP requests carry
//! `Authorization: Bearer REPLACE_WITH_TOKEN` and fixed ids, so each
//! invocation sends a filled-in copy (real token, real ids, real queue
//! messages). Every file in `events/` is invoked at least once, checked at
//! the end.
//!
//! `scripts/invoke-all` builds the functions, starts moto, creates the
//! table, queues, sender identity and admin with `stockroom-admin`, starts
//! the watch server and runs this test with:
//!
//! - `INVOKE_ALL_ENDPOINT`: the watch server, `http://127.0.0.1:PORT`;
//! - `INVOKE_ALL_ENV_FILE`: the settings file the functions run with
//!   (`TABLE_NAME`, queue URLs, `SENDER_EMAIL`, `TOKEN_TTL_SECONDS`);
//! - `INVOKE_ADMIN_USER`, `INVOKE_ADMIN_PASSWORD`: the bootstrapped admin;
//! - the `AWS_ENDPOINT_URL_*` of the moto servers.
//!
//! Ignored in ordinary runs (it needs all of that running).

mod flow;

use std::cell::{Cell, RefCell};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Debug;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use aws_config::BehaviorVersion;
use base64::Engine as _;
use serde_json::{Value, json};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs cargo lambda watch and moto: run scripts/invoke-all"]
async fn every_function_with_every_event() {
    let env = Env::from_environment().await;
    let started = Instant::now();
    flow::run(&env).await;
    env.every_event_was_used();
    env.report(started.elapsed());
}

/// A variable `scripts/invoke-all` sets, or a loud failure saying so.
fn required(var: &str) -> String {
    match std::env::var(var) {
        Ok(value) if !value.is_empty() => value,
        _ => panic!("{var} is not set: this test runs through `scripts/invoke-all`"),
    }
}

fn events_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../events")
}

/// The run's connections and bookkeeping. Methods take `&self` so that
/// building an event and invoking it can share one expression.
pub struct Env {
    http: reqwest::Client,
    invoke_base: String,
    sqs: aws_sdk_sqs::Client,
    dynamodb: aws_sdk_dynamodb::Client,
    ses_endpoint: String,
    settings: HashMap<String, String>,
    pub admin_user: String,
    pub admin_password: String,
    used: RefCell<BTreeSet<String>>,
    checks: Cell<usize>,
    timings: RefCell<Vec<(String, String, Duration)>>,
}

impl Env {
    async fn from_environment() -> Self {
        let invoke_base = required("INVOKE_ALL_ENDPOINT");
        let env_file = required("INVOKE_ALL_ENV_FILE");
        let settings = std::fs::read_to_string(&env_file)
            .unwrap_or_else(|e| panic!("cannot read {env_file}: {e}"))
            .lines()
            .filter_map(|line| line.split_once('='))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect();
        // The SDK reads AWS_ENDPOINT_URL_DYNAMODB / _SQS from the environment.
        required("AWS_ENDPOINT_URL_DYNAMODB");
        required("AWS_ENDPOINT_URL_SQS");
        let sdk = aws_config::defaults(BehaviorVersion::latest()).load().await;
        Env {
            // Generous: the first invocation of a function starts its process.
            http: reqwest::Client::builder()
                .timeout(Duration::from_secs(600))
                .build()
                .unwrap(),
            invoke_base: invoke_base.trim_end_matches('/').to_owned(),
            sqs: aws_sdk_sqs::Client::new(&sdk),
            dynamodb: aws_sdk_dynamodb::Client::new(&sdk),
            ses_endpoint: required("AWS_ENDPOINT_URL_SESV2")
                .trim_end_matches('/')
                .to_owned(),
            settings,
            admin_user: required("INVOKE_ADMIN_USER"),
            admin_password: required("INVOKE_ADMIN_PASSWORD"),
            used: RefCell::default(),
            checks: Cell::new(0),
            timings: RefCell::default(),
        }
    }

    /// A setting the functions run with.
    pub fn setting(&self, key: &str) -> &str {
        self.settings
            .get(key)
            .unwrap_or_else(|| panic!("{key} is missing from INVOKE_ALL_ENV_FILE"))
    }

    /// Counts a passed check, or fails the run saying what and showing `context`.
    pub fn check(&self, ok: bool, what: &str, context: impl Debug) {
        assert!(
            ok,
            "invoke-all: FAILED after {} checks: {what}\n{context:#?}",
            self.checks.get()
        );
        self.checks.set(self.checks.get() + 1);
    }

    /// The event file `events/<name>`, recorded as used.
    pub fn fixture(&self, name: &str) -> Value {
        let path = events_dir().join(name);
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        self.used.borrow_mut().insert(name.to_owned());
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{name} is not JSON: {e}"))
    }

    /// An HTTP event from `events/<name>`, without a token until given one.
    pub fn req(&self, name: &str) -> Req {
        let mut event = self.fixture(name);
        if let Some(headers) = event["headers"].as_object_mut() {
            headers.remove("authorization");
        }
        Req(event)
    }

    /// Invokes `function` with `event`; its answer, as JSON.
    pub async fn invoke(&self, function: &str, event: &Value, label: &str) -> Value {
        let url = format!(
            "{}/2015-03-31/functions/{function}/invocations",
            self.invoke_base
        );
        let started = Instant::now();
        let response = self
            .http
            .post(&url)
            .json(event)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{function} {label}: invoke failed: {e}"));
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        self.timings
            .borrow_mut()
            .push((function.to_owned(), label.to_owned(), started.elapsed()));
        assert!(
            status.is_success(),
            "{function} {label}: invocation failed ({status}): {text}"
        );
        let answer: Value = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("{function} {label}: answer is not JSON ({e}): {text}"));
        assert!(
            answer.get("errorType").is_none(),
            "{function} {label}: the function failed: {answer:#}"
        );
        answer
    }

    /// Invokes an HTTP function: its status code and body (JSON if it is).
    pub async fn http(&self, function: &str, label: &str, req: Req) -> (u64, Value) {
        let answer = self.invoke(function, &req.0, label).await;
        let Some(status) = answer["statusCode"].as_u64() else {
            panic!("{function} {label}: not an HTTP response: {answer:#}");
        };
        let mut raw = answer["body"].as_str().unwrap_or_default().to_owned();
        if answer["isBase64Encoded"].as_bool() == Some(true) {
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(&raw)
                .unwrap();
            raw = String::from_utf8(bytes).unwrap();
        }
        let body = match serde_json::from_str(&raw) {
            Ok(json) => json,
            Err(_) if raw.is_empty() => Value::Null,
            Err(_) => Value::String(raw),
        };
        (status, body)
    }

    /// The fixture's SQS batch with its record repeated once per body, the
    /// message ids `<label>-<index>`.
    pub async fn sqs_batch(
        &self,
        function: &str,
        fixture: &str,
        label: &str,
        bodies: &[String],
    ) -> Value {
        let mut event = self.fixture(fixture);
        let template = event["Records"][0].clone();
        let records = bodies
            .iter()
            .enumerate()
            .map(|(i, body)| {
                let mut record = template.clone();
                record["messageId"] = json!(format!("{label}-{i}"));
                record["body"] = json!(body);
                record
            })
            .collect();
        event["Records"] = Value::Array(records);
        self.invoke(function, &event, label).await
    }

    /// Every message now in the queue whose URL is setting `queue_url`,
    /// deleted as it is read.
    pub async fn receive_all(&self, queue_url: &str) -> Vec<String> {
        let url = self.setting(queue_url).to_owned();
        let mut bodies = Vec::new();
        loop {
            let out = self
                .sqs
                .receive_message()
                .queue_url(&url)
                .max_number_of_messages(10)
                .wait_time_seconds(0)
                .visibility_timeout(60)
                .send()
                .await
                .unwrap();
            let messages = out.messages.unwrap_or_default();
            if messages.is_empty() {
                return bodies;
            }
            for m in messages {
                bodies.extend(m.body);
                if let Some(handle) = m.receipt_handle {
                    let delete = self.sqs.delete_message().queue_url(&url);
                    delete.receipt_handle(handle).send().await.unwrap();
                }
            }
        }
    }

    /// The messages in that queue, parsed as JSON.
    pub async fn receive_json(&self, queue_url: &str) -> Vec<Value> {
        let bodies = self.receive_all(queue_url).await;
        let parse = |b: &String| serde_json::from_str(b).unwrap_or(Value::String(b.clone()));
        bodies.iter().map(parse).collect()
    }

    /// The `available` attribute of an item of the table, read consistently.
    pub async fn stored_available(&self, pk: &str, sk: &str) -> Option<String> {
        use aws_sdk_dynamodb::types::AttributeValue;
        let out = self
            .dynamodb
            .get_item()
            .table_name(self.setting("TABLE_NAME"))
            .key("pk", AttributeValue::S(pk.to_owned()))
            .key("sk", AttributeValue::S(sk.to_owned()))
            .consistent_read(true)
            .send()
            .await
            .unwrap();
        let available = out.item?.remove("available")?;
        available.as_n().ok().cloned()
    }

    /// The mail moto's SES has accepted so far.
    pub async fn sent_mail(&self) -> Vec<Value> {
        let url = format!("{}/moto-api/data.json", self.ses_endpoint);
        let data: Value = self
            .http
            .get(url)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        data["ses"]["Message"]
            .as_array()
            .cloned()
            .unwrap_or_default()
    }

    fn every_event_was_used(&self) {
        let mut every = BTreeSet::new();
        for dir in std::fs::read_dir(events_dir()).unwrap() {
            let dir = dir.unwrap().path();
            let Ok(files) = std::fs::read_dir(&dir) else {
                continue;
            };
            for file in files {
                let file = file.unwrap().path();
                if file.extension().is_some_and(|e| e == "json") {
                    let name = file.strip_prefix(events_dir()).unwrap();
                    every.insert(name.to_string_lossy().into_owned());
                }
            }
        }
        let unused: Vec<_> = every.difference(&self.used.borrow()).cloned().collect();
        self.check(unused.is_empty(), "every event file is invoked", unused);
    }

    fn report(&self, elapsed: Duration) {
        let mut timings = self.timings.borrow().clone();
        timings.sort_by_key(|t| std::cmp::Reverse(t.2));
        let slowest: Vec<_> = timings
            .iter()
            .take(3)
            .map(|(f, l, d)| format!("{f} {l} {:.2} s", d.as_secs_f64()))
            .collect();
        eprintln!(
            "invoke-all: {} invocations, {} checks passed in {:.1} s; slowest: {}",
            timings.len(),
            self.checks.get(),
            elapsed.as_secs_f64(),
            slowest.join(", ")
        );
    }
}

/// The `itemIdentifier`s of an SQS batch response's failures, sorted.
pub fn failures(answer: &Value) -> Vec<String> {
    let Some(items) = answer["batchItemFailures"].as_array() else {
        panic!("not an SQS batch response: {answer:#}");
    };
    let mut ids: Vec<String> = items
        .iter()
        .filter_map(|f| f["itemIdentifier"].as_str().map(str::to_owned))
        .collect();
    ids.sort();
    ids
}

/// An API Gateway event being filled in.
pub struct Req(Value);

impl Req {
    pub fn token(mut self, token: &str) -> Self {
        self.0["headers"]["authorization"] = json!(format!("Bearer {token}"));
        self
    }

    /// Another path of the same route: path parameters follow the segments
    /// they were taken from.
    pub fn path(mut self, path: &str) -> Self {
        let old = self.0["rawPath"].as_str().unwrap_or_default().to_owned();
        self.0["rawPath"] = json!(path);
        self.0["requestContext"]["http"]["path"] = json!(path);
        let (old_parts, new_parts): (Vec<_>, Vec<_>) =
            (old.split('/').collect(), path.split('/').collect());
        if let Some(params) = self.0["pathParameters"].as_object_mut() {
            for value in params.values_mut() {
                let position = value
                    .as_str()
                    .and_then(|v| old_parts.iter().position(|p| *p == v));
                if let Some(new) = position.and_then(|i| new_parts.get(i)) {
                    *value = json!(new);
                }
            }
        }
        self
    }

    pub fn body(mut self, body: Value) -> Self {
        let raw = body.to_string();
        self.0["headers"]["content-length"] = json!(raw.len().to_string());
        self.0["body"] = json!(raw);
        self
    }

    pub fn query(mut self, pairs: &[(&str, &str)]) -> Self {
        let raw: Vec<_> = pairs.iter().map(|(k, v)| format!("{k}={v}")).collect();
        self.0["rawQueryString"] = json!(raw.join("&"));
        let map: serde_json::Map<_, _> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), json!(v)))
            .collect();
        self.0["queryStringParameters"] = Value::Object(map);
        self
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.0["headers"][name] = json!(value);
        self
    }
}
