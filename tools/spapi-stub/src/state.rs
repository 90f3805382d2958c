//! The stub's state and its answers: tokens, injected faults, Prism's
//! verdict, then fulfilment orders and listing patches as Amazon would
//! keep them. Hooks (`/_stub/...`) are in [`crate::hooks`].

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use chrono::Utc;
use http_body_util::Full;
use hyper::http::request::Parts;
use hyper::{Method, Response, StatusCode};
use serde_json::{Value, json};

pub use crate::hooks::Fault;

const OUTBOUND: &str = "/fba/outbound/2020-07-01/";
const LISTINGS: &str = "/listings/2021-08-01/";
const ORDERS: &str = "/fba/outbound/2020-07-01/fulfillmentOrders";
/// Statuses after which Amazon will not cancel.
const NOT_CANCELLABLE: [&str; 3] = ["PROCESSING", "COMPLETE", "COMPLETE_PARTIALLED"];

#[derive(Debug, Clone)]
pub struct StubOptions {
    pub outbound_prism: String,
    pub listings_prism: String,
    /// Default lifetime of issued access tokens, in seconds.
    pub expires_in: u64,
}

/// A stub answer.
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub body: Bytes,
    pub rate_limit: Option<String>,
    pub request_id: String,
}

impl Answer {
    pub fn json(status: u16, body: &Value) -> Self {
        Answer {
            status,
            body: Bytes::from(body.to_string()),
            rate_limit: None,
            request_id: String::new(),
        }
    }

    /// Amazon's `ErrorList` body.
    pub fn error(status: u16, code: &str, message: &str) -> Self {
        Self::json(
            status,
            &json!({"errors": [{"code": code, "message": message}]}),
        )
    }

    pub fn into_response(self) -> Response<Full<Bytes>> {
        let mut builder = Response::builder()
            .status(StatusCode::from_u16(self.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR))
            .header("content-type", "application/json");
        if !self.request_id.is_empty() {
            builder = builder.header("x-amzn-RequestId", &self.request_id);
        }
        if let Some(rate) = &self.rate_limit {
            builder = builder.header("x-amzn-RateLimit-Limit", rate);
        }
        builder
            .body(Full::new(self.body))
            .unwrap_or_else(|_| Response::new(Full::new(Bytes::new())))
    }
}

#[derive(Debug, Clone)]
pub struct Order {
    pub request: Value,
    pub status: String,
    pub create_calls: u32,
    pub cancel_calls: u32,
    pub received: String,
    pub updated: String,
}

#[derive(Debug, Clone)]
pub struct Patch {
    pub seller_id: String,
    pub count: u32,
    pub last: Value,
}

#[derive(Debug, Default)]
pub struct Inner {
    pub exchanges: BTreeMap<String, u64>,
    pub expires_in: BTreeMap<String, u64>,
    /// Issued access tokens and when they expire.
    pub tokens: BTreeMap<String, Instant>,
    pub faults: Vec<Fault>,
    pub next_fault: u64,
    pub orders: BTreeMap<String, Order>,
    pub patches: BTreeMap<String, Patch>,
    pub unfulfillable: BTreeSet<String>,
    pub refused: u64,
    pub refusals: Vec<Value>,
    pub requests: u64,
}

/// The stub: options, an HTTP client for Prism, and the state.
#[derive(Debug)]
pub struct Stub {
    pub options: StubOptions,
    prism: reqwest::Client,
    inner: Mutex<Inner>,
}

impl Stub {
    pub fn new(options: StubOptions) -> Self {
        Stub {
            options,
            prism: reqwest::Client::new(),
            inner: Mutex::new(Inner::default()),
        }
    }

    /// The state; a panic elsewhere never wedges the stub.
    pub fn inner(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub async fn answer(&self, parts: &Parts, body: Bytes) -> Answer {
        let path = parts.uri.path().to_owned();
        let request_id = {
            let mut inner = self.inner();
            inner.requests += 1;
            format!("stub-{:08}", inner.requests)
        };
        let mut answer = if let Some(hook) = path.strip_prefix("/_stub/") {
            crate::hooks::answer(self, &parts.method, hook, &body)
        } else {
            self.amazon(parts, &path, body).await
        };
        answer.request_id = request_id;
        answer
    }

    async fn amazon(&self, parts: &Parts, path: &str, body: Bytes) -> Answer {
        let prism = if path.starts_with(OUTBOUND) {
            Some(&self.options.outbound_prism)
        } else if path.starts_with(LISTINGS) {
            Some(&self.options.listings_prism)
        } else {
            None
        };
        if let Some(prism) = prism
            && let Some(refusal) = self.validate(prism, parts, &body).await
        {
            return refusal;
        }
        let fault = crate::hooks::take_fault(&mut self.inner(), &parts.method, path, &body);
        if let Some(fault) = fault {
            match fault.kind.as_str() {
                "delay" => tokio::time::sleep(Duration::from_millis(fault.delay_ms)).await,
                "garbage" => {
                    return Answer {
                        status: 200,
                        body: Bytes::from_static(b"<html>not json"),
                        rate_limit: None,
                        request_id: String::new(),
                    };
                }
                _ => {
                    let status = fault.status.unwrap_or(429);
                    let (code, message) = match status {
                        429 => (
                            "QuotaExceeded",
                            "You exceeded your quota for the requested resource.",
                        ),
                        s if s >= 500 => (
                            "InternalFailure",
                            "We encountered an internal error. Please try again.",
                        ),
                        _ => ("InvalidInput", "The request was refused."),
                    };
                    let mut answer = Answer::error(
                        status,
                        fault.code.as_deref().unwrap_or(code),
                        fault.message.as_deref().unwrap_or(message),
                    );
                    answer.rate_limit = fault.rate_limit.clone();
                    return answer;
                }
            }
        }
        if path == "/auth/o2/token" && parts.method == Method::POST {
            return self.token(&body);
        }
        if prism.is_none() {
            return Answer::error(404, "NotFound", "No such resource.");
        }
        if !self.authorised(parts) {
            return Answer::error(
                403,
                "Unauthorized",
                "Access to requested resource is denied.",
            );
        }
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        self.operation(&parts.method, path, &body)
    }

    /// Prism's verdict on the request: `None` when it validates.
    async fn validate(&self, prism: &str, parts: &Parts, body: &Bytes) -> Option<Answer> {
        let target = format!(
            "{}{}",
            prism.trim_end_matches('/'),
            parts.uri.path_and_query().map_or("/", |p| p.as_str())
        );
        let mut request = self
            .prism
            .request(parts.method.clone(), target)
            .timeout(Duration::from_secs(30))
            .body(body.clone());
        if let Some(content_type) = parts.headers.get("content-type") {
            request = request.header("content-type", content_type.as_bytes());
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => {
                eprintln!("stockroom-spapi-stub: Prism at {prism} unreachable: {e}");
                return Some(Answer::error(
                    500,
                    "InternalFailure",
                    "Prism is unreachable.",
                ));
            }
        };
        let status = response.status().as_u16();
        if !(400..500).contains(&status) {
            return None;
        }
        let violations = response
            .headers()
            .get("sl-violations")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_owned();
        let messages: Vec<String> = serde_json::from_str::<Vec<Value>>(&violations)
            .unwrap_or_default()
            .iter()
            .filter_map(|v| v["message"].as_str().map(str::to_owned))
            .collect();
        let message = if messages.is_empty() {
            format!("Prism refused the request (HTTP {status})")
        } else {
            messages.join("; ")
        };
        let mut inner = self.inner();
        inner.refused += 1;
        inner.refusals.push(json!({
            "method": parts.method.as_str(),
            "path": parts.uri.path(),
            "status": status,
            "violations": message,
            "body": String::from_utf8_lossy(&body[..body.len().min(4000)]),
        }));
        if inner.refusals.len() > 200 {
            inner.refusals.remove(0);
        }
        Some(Answer::error(400, "InvalidInput", &message))
    }

    fn token(&self, body: &Bytes) -> Answer {
        let form: BTreeMap<String, String> = form_urlencoded::parse(body).into_owned().collect();
        let field = |name: &str| form.get(name).filter(|v| !v.is_empty());
        let (Some(grant), Some(_), Some(client_id), Some(_)) = (
            field("grant_type"),
            field("refresh_token"),
            field("client_id"),
            field("client_secret"),
        ) else {
            return Answer::json(
                400,
                &json!({"error": "invalid_request", "error_description": "grant_type, refresh_token, client_id and client_secret are required"}),
            );
        };
        if grant != "refresh_token" {
            return Answer::json(400, &json!({"error": "unsupported_grant_type"}));
        }
        let mut inner = self.inner();
        *inner.exchanges.entry(client_id.clone()).or_default() += 1;
        let expires_in = inner
            .expires_in
            .get(client_id)
            .copied()
            .unwrap_or(self.options.expires_in);
        let token = format!("Atza|stub-{}-{}", inner.requests, client_id.len());
        inner.tokens.insert(
            token.clone(),
            Instant::now() + Duration::from_secs(expires_in),
        );
        Answer::json(
            200,
            &json!({"access_token": token, "token_type": "bearer", "expires_in": expires_in}),
        )
    }

    fn authorised(&self, parts: &Parts) -> bool {
        let Some(token) = parts
            .headers
            .get("x-amz-access-token")
            .and_then(|v| v.to_str().ok())
        else {
            return false;
        };
        self.inner()
            .tokens
            .get(token)
            .is_some_and(|expires| Instant::now() < *expires)
    }

    fn operation(&self, method: &Method, path: &str, body: &Value) -> Answer {
        let now = Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        if let Some(rest) = path
            .strip_prefix(LISTINGS)
            .and_then(|r| r.strip_prefix("items/"))
        {
            return match (method, rest.split_once('/')) {
                (&Method::PATCH, Some((seller, sku))) => self.patch(seller, sku, body),
                _ => Answer::error(400, "InvalidInput", "Only patchListingsItem is simulated."),
            };
        }
        let rest = path.strip_prefix(ORDERS).unwrap_or("");
        let mut inner = self.inner();
        match (method, rest) {
            (&Method::POST, "") => {
                let id = body["sellerFulfillmentOrderId"]
                    .as_str()
                    .unwrap_or("")
                    .to_owned();
                if let Some(order) = inner.orders.get_mut(&id) {
                    order.create_calls += 1;
                    return Answer::error(
                        400,
                        "InvalidInput",
                        &format!(
                            "A fulfillment order with sellerFulfillmentOrderId {id} already exists."
                        ),
                    );
                }
                inner.orders.insert(
                    id,
                    Order {
                        request: body.clone(),
                        status: "RECEIVED".into(),
                        create_calls: 1,
                        cancel_calls: 0,
                        received: now.clone(),
                        updated: now,
                    },
                );
                Answer::json(200, &json!({}))
            }
            (&Method::POST, "/preview") => {
                let skus: BTreeSet<String> = body["items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .filter_map(|i| i["sellerSku"].as_str().map(str::to_owned))
                    .collect();
                let fulfillable = skus.is_disjoint(&inner.unfulfillable);
                Answer::json(200, &preview(body, fulfillable))
            }
            (&Method::GET, id) if id.starts_with('/') && !id[1..].contains('/') => {
                match inner.orders.get(&id[1..]) {
                    Some(order) => Answer::json(200, &order_view(&id[1..], order)),
                    None => not_found(&id[1..]),
                }
            }
            (&Method::PUT, id) if id.ends_with("/cancel") => {
                let id = id.trim_start_matches('/').trim_end_matches("/cancel");
                let Some(order) = inner.orders.get_mut(id) else {
                    return not_found(id);
                };
                order.cancel_calls += 1;
                if NOT_CANCELLABLE.contains(&order.status.as_str()) {
                    return Answer::error(
                        400,
                        "InvalidInput",
                        &format!(
                            "Fulfillment order {id} cannot be cancelled: it is {}.",
                            order.status
                        ),
                    );
                }
                order.status = "CANCELLED".into();
                order.updated = now;
                Answer::json(200, &json!({}))
            }
            _ => Answer::error(400, "InvalidInput", "This operation is not simulated."),
        }
    }

    fn patch(&self, seller: &str, sku: &str, body: &Value) -> Answer {
        let sku = percent_encoding::percent_decode_str(sku)
            .decode_utf8_lossy()
            .into_owned();
        let mut inner = self.inner();
        let entry = inner.patches.entry(sku.clone()).or_insert_with(|| Patch {
            seller_id: seller.to_owned(),
            count: 0,
            last: Value::Null,
        });
        entry.count += 1;
        entry.seller_id = seller.to_owned();
        entry.last = body.clone();
        let submission = format!("stub-submission-{}", inner.requests);
        Answer::json(
            200,
            &json!({"sku": sku, "status": "ACCEPTED", "submissionId": submission, "issues": []}),
        )
    }
}

fn not_found(id: &str) -> Answer {
    Answer::error(
        404,
        "NotFound",
        &format!("No fulfillment order with sellerFulfillmentOrderId {id}."),
    )
}

/// getFulfillmentOrder's payload for a stored order.
fn order_view(id: &str, order: &Order) -> Value {
    let r = &order.request;
    let items: Vec<Value> = r["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            json!({
                "sellerSku": i["sellerSku"],
                "sellerFulfillmentOrderItemId": i["sellerFulfillmentOrderItemId"],
                "quantity": i["quantity"],
                "cancelledQuantity": if order.status == "CANCELLED" { i["quantity"].clone() } else { json!(0) },
                "unfulfillableQuantity": 0,
            })
        })
        .collect();
    json!({"payload": {
        "fulfillmentOrder": {
            "sellerFulfillmentOrderId": id,
            "marketplaceId": r["marketplaceId"].as_str().unwrap_or("ATVPDKIKX0DER"),
            "displayableOrderId": r["displayableOrderId"],
            "displayableOrderDate": r["displayableOrderDate"],
            "displayableOrderComment": r["displayableOrderComment"],
            "shippingSpeedCategory": r["shippingSpeedCategory"],
            "destinationAddress": r["destinationAddress"],
            "receivedDate": order.received,
            "fulfillmentOrderStatus": order.status,
            "statusUpdatedDate": order.updated,
        },
        "fulfillmentOrderItems": items,
        "fulfillmentShipments": [],
        "returnItems": [],
        "returnAuthorizations": [],
    }})
}

/// getFulfillmentPreview's answer: one preview per requested speed.
fn preview(body: &Value, fulfillable: bool) -> Value {
    let requested: Vec<&str> = body["shippingSpeedCategories"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let speeds = if requested.is_empty() {
        vec!["Standard", "Expedited", "Priority"]
    } else {
        requested
    };
    let marketplace = body["marketplaceId"].as_str().unwrap_or("ATVPDKIKX0DER");
    let now = Utc::now();
    let day = |d: i64| {
        (now + chrono::Duration::days(d)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let previews: Vec<Value> = speeds
        .iter()
        .map(|speed| {
            let (earliest, latest, fee) = match *speed {
                "Priority" => (1, 2, "8.75"),
                "Expedited" => (2, 3, "5.40"),
                _ => (3, 5, "3.22"),
            };
            let mut preview = json!({
                "shippingSpeedCategory": speed,
                "isFulfillable": fulfillable,
                "isCODCapable": false,
                "marketplaceId": marketplace,
            });
            if fulfillable {
                preview["estimatedFees"] = json!([
                    {"name": "FBAPerUnitFulfillmentFee", "amount": {"currencyCode": "USD", "value": fee}}
                ]);
                preview["fulfillmentPreviewShipments"] = json!([{
                    "earliestShipDate": day(0),
                    "latestShipDate": day(1),
                    "earliestArrivalDate": day(earliest),
                    "latestArrivalDate": day(latest),
                    "fulfillmentPreviewItems": [],
                }]);
            } else {
                preview["orderUnfulfillableReasons"] = json!(["InventoryUnavailable"]);
            }
            preview
        })
        .collect();
    json!({"payload": {"fulfillmentPreviews": previews}})
}
