//! Routes only the dev server has, never a Lambda: inspect and feed the
//! in-process queues, read the outbox, read the metrics the invocations
//! would have emitted (`GET /_dev/metrics`: the EMF documents, parsed), run
//! a scheduled job now. All need an admin token and answer
//! `{"items": [...]}` (or the job's summary).

use http::{Method, StatusCode};
use serde_json::json;
use stockroom::http::{ApiError, response};
use stockroom::ports::QueueName;

use crate::DevServer;
use crate::background::Job;

/// Handles `/_dev/*`; `None` for any other path.
pub async fn handle(
    server: &DevServer,
    method: &Method,
    path: &str,
    headers: &http::HeaderMap,
    body: &[u8],
) -> Option<http::Response<lambda_http::Body>> {
    let rest = path.strip_prefix("/_dev/")?;
    let segments: Vec<&str> = rest.trim_end_matches('/').split('/').collect();
    Some(
        match route(server, method, &segments, headers, body).await {
            Ok(response) => response,
            Err(e) => response::error(&e),
        },
    )
}

fn admin(server: &DevServer, headers: &http::HeaderMap) -> Result<(), ApiError> {
    let token = headers
        .get(http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or_else(|| {
            ApiError::unauthorized("missing_token", "send Authorization: Bearer <admin token>")
        })?;
    let principal = server
        .app
        .token_keys()
        .and_then(|keys| keys.verify(token.trim()))
        .map_err(|_| ApiError::unauthorized("invalid_token", "the token is not valid"))?;
    if principal.is_admin() {
        Ok(())
    } else {
        Err(ApiError::forbidden())
    }
}

fn queue(name: &str) -> Result<QueueName, ApiError> {
    QueueName::parse(name).ok_or_else(|| {
        let names: Vec<&str> = QueueName::ALL.iter().map(|q| q.as_str()).collect();
        ApiError::not_found("queue").with_details(json!({ "queues": names }))
    })
}

async fn route(
    server: &DevServer,
    method: &Method,
    segments: &[&str],
    headers: &http::HeaderMap,
    body: &[u8],
) -> Result<http::Response<lambda_http::Body>, ApiError> {
    admin(server, headers)?;
    match (method, segments) {
        (&Method::POST, ["queues", name]) => {
            let queue = queue(name)?;
            let text = std::str::from_utf8(body).map_err(|_| {
                ApiError::bad_request("validation_failed", "a message body must be UTF-8 text")
            })?;
            if text.is_empty() {
                return Err(ApiError::bad_request(
                    "validation_failed",
                    "the message body is empty",
                ));
            }
            let message_id = server.queues.send(queue, text.to_owned());
            Ok(response::json(
                StatusCode::ACCEPTED,
                &json!({ "message_id": message_id, "queue": queue.as_str() }),
            ))
        }
        // Messages waiting or being handled: 0 once the queue is idle.
        (&Method::GET, ["queues", name]) => {
            let queue = queue(name)?;
            Ok(response::json(
                StatusCode::OK,
                &json!({ "queue": queue.as_str(), "depth": server.queues.depth(queue) }),
            ))
        }
        (&Method::GET, ["queues", name, "dead-letters"]) => {
            let queue = queue(name)?;
            Ok(response::json(
                StatusCode::OK,
                &json!({ "items": server.queues.dead_letters(queue) }),
            ))
        }
        (&Method::GET, ["outbox"]) => {
            let items: Vec<_> = server
                .outbox
                .sent()
                .into_iter()
                .map(|m| {
                    json!({
                        "to": m.to,
                        "subject": m.subject,
                        "body": m.body,
                        "sent_at": stockroom::views::timestamp(&m.sent_at),
                        "headers": m.headers.iter().map(|(k, v)| (k.clone(), json!(v))).collect::<serde_json::Map<String, serde_json::Value>>(),
                    })
                })
                .collect();
            Ok(response::json(StatusCode::OK, &json!({ "items": items })))
        }
        (&Method::GET, ["metrics"]) => {
            let items: Vec<serde_json::Value> = server
                .metrics
                .lines()
                .iter()
                .filter_map(|line| serde_json::from_str(line).ok())
                .collect();
            Ok(response::json(StatusCode::OK, &json!({ "items": items })))
        }
        (&Method::POST, ["schedules", name]) => {
            let job = Job::parse(name).ok_or_else(|| {
                let names: Vec<&str> = Job::ALL.iter().map(|j| j.name()).collect();
                ApiError::not_found("scheduled function")
                    .with_details(json!({ "functions": names }))
            })?;
            let summary = job.run(&server.app, &server.metrics).await?;
            Ok(response::json(StatusCode::OK, &summary))
        }
        _ => Err(ApiError::not_found("dev route")),
    }
}
