//! `stockroom-spapi-stub`: a local stand-in for Amazon's Selling Partner
//! API and Login with Amazon, for tests and `FULFILLMENT_MODE=mcf
//! scripts/dev`. No internet is needed.
//!
//! One HTTP endpoint serves:
//!
//! * `POST /auth/o2/token`: the LWA token exchange (form-encoded,
//!   `grant_type=refresh_token` with `refresh_token`, `client_id`,
//!   `client_secret`). Answers a fresh access token that expires after
//!   `--expires-in` seconds (per client id: see `/_stub/tokens`), and
//!   counts exchanges per client id.
//! * Every SP-API path. Each request is first sent to the Prism mock of
//!   its model (`/fba/outbound/2020-07-01/...` to Fulfillment Outbound,
//!   `/listings/2021-08-01/...` to Listings Items; `prism mock --errors`,
//!   request validation on). If Prism refuses it (any 4xx), that refusal
//!   is the answer (HTTP 400, Prism's violations in `errors[0].message`)
//!   and the refusal is counted: a request that does not validate against
//!   Amazon's model fails the caller and shows in `/_stub/refused`.
//!   Otherwise an injected fault applies if one matches, then the access
//!   token is checked (403 `Unauthorized` when unknown or expired), then
//!   the stub's own state answers (see [`state`]).
//!
//! ## Test hooks (`/_stub/...`, stable)
//!
//! | request | effect / answer |
//! | --- | --- |
//! | `GET /_stub/health` | `{"ok": true}` |
//! | `GET /_stub/tokens` | `{"exchanges": n, "by_client": {client_id: n}}` |
//! | `POST /_stub/tokens` `{"client_id", "expires_in"}` | tokens issued to that client id from now on expire after `expires_in` seconds |
//! | `POST /_stub/faults` `{"path", "method"?, "body_contains"?, "kind", "count", "status"?, "code"?, "message"?, "delay_ms"?, "rate_limit"?}` | the next `count` matching requests: `kind` `status` answers `status` (429 by default) with Amazon's error body (`code`/`message` if given) and `x-amzn-RateLimit-Limit: rate_limit` if given; `garbage` answers 200 with a body that is not JSON; `delay` waits `delay_ms` and then answers normally. `path` is matched exactly, or as a prefix when it ends with `*`; `body_contains` is a substring of the body (e.g. an order id). Answers `{"id": n}` |
//! | `GET /_stub/orders` | every fulfilment order: `[{"seller_fulfillment_order_id", "status", "create_calls", "cancel_calls", "request"}]` |
//! | `GET /_stub/orders/{id}` | one of them, or 404 |
//! | `POST /_stub/orders/{id}/status` `{"status"}` | sets its `fulfillmentOrderStatus` (e.g. `PROCESSING`, `COMPLETE`); cancel is refused (400) once it is `PROCESSING`, `COMPLETE` or `COMPLETE_PARTIALLED` |
//! | `GET /_stub/patches` | `{"<sku>": {"count", "seller_id", "quantity", "price", "last"}}`, the last patch per SKU |
//! | `GET /_stub/patches/{sku}` | one SKU's entry, or 404 |
//! | `POST /_stub/unfulfillable` `{"sku"}` | previews that include this SKU are not fulfillable |
//! | `GET /_stub/refused` | `{"count": n, "last": [{"method", "path", "status", "violations", "body"}]}`: requests Prism refused (the last 200; `body` cut at 4000 bytes) (tests assert the count stays 0 for their own calls) |
//! | `POST /_stub/reset` | forgets everything (orders, patches, faults, tokens, counts) |
//!
//! Tests that share one stub keep apart by what they name: their own LWA
//! client id, order ids and SKUs (faults matched by `body_contains` or an
//! order's own path).

mod hooks;
pub mod state;

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

pub use state::{Stub, StubOptions};

/// Serves the stub on `listener` until the process ends.
pub async fn serve(listener: TcpListener, stub: Arc<Stub>) -> std::io::Result<()> {
    loop {
        let (stream, _) = listener.accept().await?;
        let stub = Arc::clone(&stub);
        tokio::spawn(async move {
            let service = service_fn(move |request| handle(Arc::clone(&stub), request));
            // A client hanging up mid-request is not the stub's business.
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}

/// Binds 127.0.0.1:`port` (0: any free port) and serves in the background;
/// returns the bound address. For tests that run the stub in-process.
pub async fn spawn(port: u16, stub: Arc<Stub>) -> std::io::Result<SocketAddr> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(serve(listener, stub));
    Ok(addr)
}

async fn handle(
    stub: Arc<Stub>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let (parts, body) = request.into_parts();
    let body = match body.collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(_) => Bytes::new(),
    };
    let answer = stub.answer(&parts, body).await;
    Ok(answer.into_response())
}
