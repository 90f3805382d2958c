//! Turns a local HTTP request into the API Gateway HTTP API (payload v2)
//! event a Lambda would receive, and parses it with `lambda_http` exactly as
//! the Lambda runtime does, so the handlers cannot tell the difference.

use std::net::SocketAddr;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use http::request::Parts;
use serde_json::{Map, Value, json};

/// The API Gateway event for a request, as JSON.
pub fn event(parts: &Parts, body: &[u8], peer: SocketAddr, host: &str) -> Value {
    let mut headers = Map::new();
    for (name, value) in &parts.headers {
        let value = String::from_utf8_lossy(value.as_bytes()).into_owned();
        // API Gateway joins repeated headers with commas.
        match headers.get_mut(name.as_str()) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            _ => {
                headers.insert(name.as_str().to_owned(), Value::String(value));
            }
        }
    }
    let raw_query = parts.uri.query().unwrap_or("");
    let mut query = Map::new();
    for pair in raw_query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(&s.replace('+', " "))
                .decode_utf8_lossy()
                .into_owned()
        };
        let (k, v) = (decode(k), decode(v));
        match query.get_mut(&k) {
            Some(Value::String(existing)) => {
                existing.push(',');
                existing.push_str(&v);
            }
            _ => {
                query.insert(k, Value::String(v));
            }
        }
    }
    let (body, is_base64) = match std::str::from_utf8(body) {
        Ok(text) => (text.to_owned(), false),
        Err(_) => (STANDARD.encode(body), true),
    };
    let now = Utc::now();
    let user_agent = parts
        .headers
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let mut event = json!({
        "version": "2.0",
        "routeKey": "$default",
        "rawPath": parts.uri.path(),
        "rawQueryString": raw_query,
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": host,
            "domainPrefix": "local",
            "http": {
                "method": parts.method.as_str(),
                "path": parts.uri.path(),
                "protocol": "HTTP/1.1",
                "sourceIp": peer.ip().to_string(),
                "userAgent": user_agent,
            },
            "requestId": uuid::Uuid::new_v4().to_string(),
            "routeKey": "$default",
            "stage": "$default",
            "time": now.format("%d/%b/%Y:%H:%M:%S %z").to_string(),
            "timeEpoch": now.timestamp_millis(),
        },
        "isBase64Encoded": is_base64,
    });
    if !query.is_empty() {
        event["queryStringParameters"] = Value::Object(query);
    }
    if !body.is_empty() {
        event["body"] = Value::String(body);
    }
    event
}

/// The `lambda_http` request the Lambda runtime would build from `event`.
pub fn lambda_request(event: &Value) -> Result<lambda_http::Request, serde_json::Error> {
    lambda_http::request::from_str(&event.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use lambda_http::RequestExt;

    #[test]
    fn builds_the_request_the_lambda_gets() {
        let req = http::Request::builder()
            .method("POST")
            .uri("/orders?limit=5&q=blue+mug")
            .header("content-type", "application/json")
            .header("x-multi", "a")
            .header("x-multi", "b")
            .body(())
            .unwrap();
        let (parts, ()) = req.into_parts();
        let ev = event(
            &parts,
            br#"{"items":[]}"#,
            "127.0.0.1:5000".parse().unwrap(),
            "localhost",
        );
        let lambda = lambda_request(&ev).unwrap();
        assert_eq!(lambda.method(), http::Method::POST);
        assert_eq!(lambda.raw_http_path(), "/orders");
        assert_eq!(lambda.query_string_parameters().first("limit"), Some("5"));
        assert_eq!(
            lambda.query_string_parameters().first("q"),
            Some("blue mug")
        );
        assert_eq!(lambda.headers()["x-multi"], "a,b");
        assert_eq!(lambda.body().as_ref(), br#"{"items":[]}"#);
    }

    #[test]
    fn binary_bodies_travel_base64_encoded() {
        let (parts, ()) = http::Request::builder()
            .method("PUT")
            .uri("/listings/A")
            .body(())
            .unwrap()
            .into_parts();
        let ev = event(
            &parts,
            &[0xff, 0xfe, 0x00],
            "127.0.0.1:1".parse().unwrap(),
            "h",
        );
        assert_eq!(ev["isBase64Encoded"], true);
        let lambda = lambda_request(&ev).unwrap();
        assert_eq!(lambda.body().as_ref(), &[0xff, 0xfe, 0x00]);
    }
}
