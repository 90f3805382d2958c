//! The `/_stub/...` test hooks (documented in the crate root) and fault
//! matching.

use bytes::Bytes;
use hyper::Method;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::state::{Answer, Inner, Stub};

/// An injected fault, as posted to `/_stub/faults`.
#[derive(Debug, Clone, Deserialize)]
pub struct Fault {
    #[serde(default)]
    pub id: u64,
    pub path: String,
    pub method: Option<String>,
    pub body_contains: Option<String>,
    /// `status` (default), `garbage` or `delay`.
    #[serde(default = "status_kind")]
    pub kind: String,
    #[serde(default = "one")]
    pub count: u32,
    pub status: Option<u16>,
    pub code: Option<String>,
    pub message: Option<String>,
    #[serde(default)]
    pub delay_ms: u64,
    pub rate_limit: Option<String>,
}

fn status_kind() -> String {
    "status".into()
}

fn one() -> u32 {
    1
}

impl Fault {
    fn matches(&self, method: &Method, path: &str, body: &[u8]) -> bool {
        let path_ok = match self.path.strip_suffix('*') {
            Some(prefix) => path.starts_with(prefix),
            None => path == self.path,
        };
        let method_ok = self
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()));
        let body_ok = self
            .body_contains
            .as_deref()
            .is_none_or(|needle| String::from_utf8_lossy(body).contains(needle));
        path_ok && method_ok && body_ok && self.count > 0
    }
}

/// Takes one use of the first fault matching the request, if any.
pub fn take_fault(inner: &mut Inner, method: &Method, path: &str, body: &[u8]) -> Option<Fault> {
    let index = inner
        .faults
        .iter()
        .position(|f| f.matches(method, path, body))?;
    let fault = &mut inner.faults[index];
    fault.count -= 1;
    let taken = fault.clone();
    if fault.count == 0 {
        inner.faults.remove(index);
    }
    Some(taken)
}

fn parse<T: for<'de> Deserialize<'de>>(body: &Bytes) -> Result<T, Answer> {
    serde_json::from_slice(body)
        .map_err(|e| Answer::json(400, &json!({"error": format!("bad hook body: {e}")})))
}

fn order_json(id: &str, order: &crate::state::Order) -> Value {
    json!({
        "seller_fulfillment_order_id": id,
        "status": order.status,
        "create_calls": order.create_calls,
        "cancel_calls": order.cancel_calls,
        "request": order.request,
    })
}

fn patch_json(patch: &crate::state::Patch) -> Value {
    let patches = patch.last["patches"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let value = |path: &str| {
        patches
            .iter()
            .find(|p| p["path"] == path)
            .map(|p| p["value"][0].clone())
    };
    json!({
        "count": patch.count,
        "seller_id": patch.seller_id,
        "quantity": value("/attributes/fulfillment_availability").map(|v| v["quantity"].clone()),
        "price": value("/attributes/purchasable_offer")
            .map(|v| v["our_price"][0]["schedule"][0]["value_with_tax"].clone()),
        "last": patch.last,
    })
}

/// Answers `/_stub/{hook}`.
pub fn answer(stub: &Stub, method: &Method, hook: &str, body: &Bytes) -> Answer {
    match run(stub, method, hook, body) {
        Ok(answer) | Err(answer) => answer,
    }
}

fn run(stub: &Stub, method: &Method, hook: &str, body: &Bytes) -> Result<Answer, Answer> {
    let segments: Vec<&str> = hook.trim_end_matches('/').split('/').collect();
    let mut inner = stub.inner();
    let answer = match (method, segments.as_slice()) {
        (&Method::GET, ["health"]) => Answer::json(200, &json!({"ok": true})),
        (&Method::GET, ["tokens"]) => {
            let total: u64 = inner.exchanges.values().sum();
            Answer::json(
                200,
                &json!({"exchanges": total, "by_client": inner.exchanges}),
            )
        }
        (&Method::POST, ["tokens"]) => {
            #[derive(Deserialize)]
            struct Lifetime {
                client_id: String,
                expires_in: u64,
            }
            let lifetime: Lifetime = parse(body)?;
            inner
                .expires_in
                .insert(lifetime.client_id, lifetime.expires_in);
            Answer::json(200, &json!({}))
        }
        (&Method::POST, ["faults"]) => {
            let mut fault: Fault = parse(body)?;
            if !matches!(fault.kind.as_str(), "status" | "garbage" | "delay") {
                return Err(Answer::json(
                    400,
                    &json!({"error": "kind must be status, garbage or delay"}),
                ));
            }
            inner.next_fault += 1;
            fault.id = inner.next_fault;
            let id = fault.id;
            inner.faults.push(fault);
            Answer::json(200, &json!({"id": id}))
        }
        (&Method::GET, ["orders"]) => {
            let all: Vec<Value> = inner
                .orders
                .iter()
                .map(|(id, o)| order_json(id, o))
                .collect();
            Answer::json(200, &Value::Array(all))
        }
        (&Method::GET, ["orders", id]) => match inner.orders.get(*id) {
            Some(order) => Answer::json(200, &order_json(id, order)),
            None => Answer::json(404, &json!({"error": "no such order"})),
        },
        (&Method::POST, ["orders", id, "status"]) => {
            #[derive(Deserialize)]
            struct Status {
                status: String,
            }
            let status: Status = parse(body)?;
            let Some(order) = inner.orders.get_mut(*id) else {
                return Err(Answer::json(404, &json!({"error": "no such order"})));
            };
            order.status = status.status;
            order.updated = chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            Answer::json(200, &order_json(id, order))
        }
        (&Method::GET, ["patches"]) => {
            let all: Map<String, Value> = inner
                .patches
                .iter()
                .map(|(sku, p)| (sku.clone(), patch_json(p)))
                .collect();
            Answer::json(200, &Value::Object(all))
        }
        (&Method::GET, ["patches", sku]) => {
            let sku = percent_encoding::percent_decode_str(sku).decode_utf8_lossy();
            match inner.patches.get(sku.as_ref()) {
                Some(patch) => Answer::json(200, &patch_json(patch)),
                None => Answer::json(404, &json!({"error": "no patch for this SKU"})),
            }
        }
        (&Method::POST, ["unfulfillable"]) => {
            #[derive(Deserialize)]
            struct Sku {
                sku: String,
            }
            let sku: Sku = parse(body)?;
            inner.unfulfillable.insert(sku.sku);
            Answer::json(200, &json!({}))
        }
        (&Method::GET, ["refused"]) => Answer::json(
            200,
            &json!({"count": inner.refused, "last": inner.refusals}),
        ),
        (&Method::POST, ["reset"]) => {
            let requests = inner.requests;
            *inner = Inner {
                requests,
                ..Inner::default()
            };
            Answer::json(200, &json!({}))
        }
        _ => Answer::json(404, &json!({"error": "no such hook"})),
    };
    Ok(answer)
}
