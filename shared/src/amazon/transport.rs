//! One SP-API call: the access token, a per-attempt timeout, retries of
//! what may pass (429, 5xx, timeouts, connection failures), and the
//! sorting of the rest into an [`AmazonError`] kind.
//!
//! The answer of the last attempt is handed back as an [`Answer`] whatever
//! its status, because what a status means is the operation's business
//! (getFulfillmentOrder's 404 is "no such order", cancelFulfillmentOrder's
//! 400 is a refusal to report, not an error). Every failure that leaves
//! this module is logged once here, at `warn`, with the operation, the
//! status and Amazon's `x-amzn-RequestId`; never a token or a body that
//! could hold one.

use std::fmt;
use std::time::Duration;

use reqwest::Method;
use serde::Serialize;
use serde::de::DeserializeOwned;
use thiserror::Error;

use super::Options;
use super::lwa::TokenSource;
use super::models::ErrorList;
use crate::ports::AmazonError;

/// The header Amazon sends its request id in.
pub const REQUEST_ID: &str = "x-amzn-RequestId";
/// The header holding the operation's rate limit, in requests per second.
pub const RATE_LIMIT: &str = "x-amzn-RateLimit-Limit";
/// The header carrying the LWA access token.
pub const ACCESS_TOKEN: &str = "x-amz-access-token";
/// The longest pause a rate limit header may impose between two attempts.
const MAX_RATE_WAIT: Duration = Duration::from_secs(5);

/// What went wrong below an [`AmazonError`]: the `source` of `Unavailable`.
#[derive(Debug, Error)]
pub enum CallError {
    #[error("HTTP {status} from {operation}: {code}: {message}")]
    Status {
        operation: &'static str,
        status: u16,
        code: String,
        message: String,
    },
    #[error("{operation} answered a body that does not parse: {what}")]
    Unreadable {
        operation: &'static str,
        what: String,
    },
    #[error("{operation} could not be sent")]
    Http {
        operation: &'static str,
        #[source]
        source: reqwest::Error,
    },
}

/// The last answer of a call, whatever its status.
pub struct Answer {
    pub operation: &'static str,
    pub status: u16,
    pub request_id: Option<String>,
    pub body: bytes::Bytes,
}

impl fmt::Debug for Answer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Answer")
            .field("operation", &self.operation)
            .field("status", &self.status)
            .field("request_id", &self.request_id)
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl Answer {
    /// Amazon's first error (`errors[0]`): code and message, or the status
    /// when the body holds none.
    pub fn first_error(&self) -> (String, String) {
        let list: ErrorList = serde_json::from_slice(&self.body).unwrap_or_default();
        match list.errors.into_iter().next() {
            Some(e) => (e.code, e.message),
            None => (format!("HTTP{}", self.status), String::new()),
        }
    }

    /// Itself when the status is 2xx; otherwise a refusal (4xx) with
    /// Amazon's first error, logged.
    pub fn success(&self) -> Result<&Self, AmazonError> {
        if (200..300).contains(&self.status) {
            return Ok(self);
        }
        let (code, message) = self.first_error();
        Err(self.refused(code, message))
    }

    /// A refusal of this call, logged once.
    pub fn refused(&self, code: String, message: String) -> AmazonError {
        tracing::warn!(
            operation = self.operation,
            status = self.status,
            request_id = self.request_id.as_deref(),
            code = %code,
            message = %message,
            "Amazon refused the request"
        );
        AmazonError::Refused {
            status: self.status,
            code,
            message,
            request_id: self.request_id.clone(),
        }
    }

    /// The body as `T`; an unreadable body makes Amazon unavailable (a
    /// garbled answer is not something the caller could fix).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, AmazonError> {
        serde_json::from_slice(&self.body).map_err(|e| self.garbage(e.to_string()))
    }

    /// An answer that does not say what it should, logged once.
    pub fn garbage(&self, what: impl Into<String>) -> AmazonError {
        let what = what.into();
        tracing::warn!(
            operation = self.operation,
            status = self.status,
            request_id = self.request_id.as_deref(),
            error = %what,
            "Amazon answered an unreadable body"
        );
        AmazonError::Unavailable {
            request_id: self.request_id.clone(),
            source: Box::new(CallError::Unreadable {
                operation: self.operation,
                what,
            }),
        }
    }
}

/// Percent-encodes one path segment (a SKU may hold `/` or spaces).
pub fn path_segment(raw: &str) -> String {
    const SEGMENT: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~');
    percent_encoding::utf8_percent_encode(raw, SEGMENT).to_string()
}

/// The pause a `x-amzn-RateLimit-Limit` value (requests per second) asks
/// for between two requests, capped.
pub fn rate_limit_pause(header: Option<&str>) -> Option<Duration> {
    let rate: f64 = header?.trim().parse().ok()?;
    (rate.is_finite() && rate > 0.0)
        .then(|| Duration::from_secs_f64((1.0 / rate).min(5.0)).min(MAX_RATE_WAIT))
}

/// Sends SP-API calls with a token, a timeout and retries.
pub struct Transport {
    http: reqwest::Client,
    endpoint: String,
    tokens: TokenSource,
    options: Options,
}

impl fmt::Debug for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Transport")
            .field("endpoint", &self.endpoint)
            .field("tokens", &self.tokens)
            .field("options", &self.options)
            .finish()
    }
}

/// What one attempt came to.
enum Attempt {
    Answered(Answer, Option<Duration>),
    Failed(reqwest::Error),
}

impl Transport {
    pub fn new(
        http: reqwest::Client,
        endpoint: String,
        tokens: TokenSource,
        options: Options,
    ) -> Self {
        Transport {
            http,
            endpoint,
            tokens,
            options,
        }
    }

    pub fn tokens(&self) -> &TokenSource {
        &self.tokens
    }

    async fn attempt<B: Serialize + ?Sized>(
        &self,
        operation: &'static str,
        method: &Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&B>,
        token: &crate::config::Secret,
    ) -> Attempt {
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.endpoint))
            .timeout(self.options.attempt_timeout)
            .header(ACCESS_TOKEN, token.expose())
            .header("accept", "application/json");
        if !query.is_empty() {
            request = request.query(query);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = match request.send().await {
            Ok(response) => response,
            Err(e) => return Attempt::Failed(e),
        };
        let status = response.status().as_u16();
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let request_id = header(REQUEST_ID);
        let pause = rate_limit_pause(header(RATE_LIMIT).as_deref());
        match response.bytes().await {
            Ok(body) => Attempt::Answered(
                Answer {
                    operation,
                    status,
                    request_id,
                    body,
                },
                pause,
            ),
            Err(e) => Attempt::Failed(e),
        }
    }

    /// Calls `method path` (relative to `SPAPI_ENDPOINT`) with the query
    /// and JSON body given. Returns the last answer unless it was a 429, a
    /// 5xx or no answer at all after the retries.
    pub async fn call<B: Serialize + ?Sized>(
        &self,
        operation: &'static str,
        method: Method,
        path: &str,
        query: &[(&str, &str)],
        body: Option<&B>,
    ) -> Result<Answer, AmazonError> {
        let mut attempts = self.options.retry.start();
        let mut token_renewed = false;
        loop {
            let token = self.tokens.token().await?;
            let (failure, pause) = match self
                .attempt(operation, &method, path, query, body, &token)
                .await
            {
                Attempt::Answered(answer, pause) => {
                    if matches!(answer.status, 401 | 403) && !token_renewed {
                        // Amazon may expire a token before its stated end:
                        // one fresh token, once, before calling it a refusal.
                        token_renewed = true;
                        self.tokens.invalidate(&token).await;
                        continue;
                    }
                    if answer.status != 429 && answer.status < 500 {
                        return Ok(answer);
                    }
                    (Err(answer), pause)
                }
                Attempt::Failed(e) => (Ok(e), None),
            };
            if let Some(delay) = attempts.next_delay() {
                let delay = pause.map_or(delay, |p| delay.max(p));
                tracing::debug!(
                    operation,
                    attempt = attempts.made(),
                    ?delay,
                    "retrying an SP-API call"
                );
                tokio::time::sleep(delay).await;
                continue;
            }
            return Err(give_up(operation, failure, attempts.made()));
        }
    }
}

/// The error of a call whose retries are spent, logged once.
fn give_up(
    operation: &'static str,
    failure: Result<reqwest::Error, Answer>,
    attempts: u32,
) -> AmazonError {
    match failure {
        Err(answer) if answer.status == 429 => {
            tracing::warn!(
                operation,
                status = 429,
                request_id = answer.request_id.as_deref(),
                attempts,
                "Amazon throttled the request"
            );
            AmazonError::Throttled {
                request_id: answer.request_id,
            }
        }
        Err(answer) => {
            let (code, message) = answer.first_error();
            tracing::warn!(
                operation,
                status = answer.status,
                request_id = answer.request_id.as_deref(),
                attempts,
                code = %code,
                "Amazon is unavailable"
            );
            AmazonError::Unavailable {
                request_id: answer.request_id,
                source: Box::new(CallError::Status {
                    operation,
                    status: answer.status,
                    code,
                    message,
                }),
            }
        }
        Ok(e) => {
            tracing::warn!(
                operation,
                attempts,
                timeout = e.is_timeout(),
                error = %crate::telemetry::chain(&e),
                "Amazon could not be reached"
            );
            AmazonError::Unavailable {
                request_id: None,
                source: Box::new(CallError::Http {
                    operation,
                    source: e,
                }),
            }
        }
    }
}
