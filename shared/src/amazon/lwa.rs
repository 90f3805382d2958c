//! Login with Amazon: the refresh token exchanged for an access token,
//! cached per process.
//!
//! The exchange is a form-encoded POST of `grant_type=refresh_token`, the
//! refresh token, the client id and the client secret to `LWA_ENDPOINT`;
//! the answer's `access_token` is good for `expires_in` seconds (an hour).
//! It is reused until [`EARLY`] before that end (a tenth of the lifetime
//! for short-lived tokens), so that no call leaves with a token that
//! expires on the way.
//!
//! Single flight: the cache sits behind a `tokio::sync::Mutex` held across
//! the exchange. When the token runs out under fifty concurrent calls, the
//! first to take the lock exchanges; the others wait on the lock and find
//! the fresh token. One exchange, never fifty (LWA throttles too).

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Deserialize;
use thiserror::Error;
use tokio::sync::Mutex;
use tokio::time::Instant;

use super::Options;
use super::transport::{REQUEST_ID, rate_limit_pause};
use crate::config::Secret;
use crate::ports::AmazonError;

/// How long before its end a token is replaced.
pub const EARLY: Duration = Duration::from_secs(60);

/// Why a token could not be had: the `source` of `Unavailable`.
#[derive(Debug, Error)]
pub enum TokenError {
    #[error("the LWA token exchange answered HTTP {status}: {error}")]
    Refused { status: u16, error: String },
    #[error("the LWA token exchange answered a body that does not parse")]
    Unreadable(#[source] serde_json::Error),
    #[error("the LWA token exchange could not be sent")]
    Http(#[source] reqwest::Error),
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: String,
    expires_in: u64,
}

#[derive(Deserialize, Default)]
struct TokenRefusal {
    #[serde(default)]
    error: String,
}

struct Cached {
    token: Secret,
    /// When the cache stops handing it out (before Amazon's end).
    renew_at: Instant,
}

/// The access token of this process.
pub struct TokenSource {
    http: reqwest::Client,
    endpoint: String,
    client_id: String,
    client_secret: Secret,
    refresh_token: Secret,
    options: Options,
    cache: Mutex<Option<Cached>>,
    exchanges: AtomicU64,
}

impl fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TokenSource")
            .field("endpoint", &self.endpoint)
            .field("client_id", &self.client_id)
            .field("client_secret", &self.client_secret)
            .field("refresh_token", &self.refresh_token)
            .field("exchanges", &self.exchanges())
            .finish_non_exhaustive()
    }
}

impl TokenSource {
    pub fn new(
        http: reqwest::Client,
        endpoint: String,
        client_id: String,
        client_secret: Secret,
        refresh_token: Secret,
        options: Options,
    ) -> Self {
        TokenSource {
            http,
            endpoint,
            client_id,
            client_secret,
            refresh_token,
            options,
            cache: Mutex::new(None),
            exchanges: AtomicU64::new(0),
        }
    }

    /// Token exchanges this process made (successful or not).
    pub fn exchanges(&self) -> u64 {
        self.exchanges.load(Ordering::Relaxed)
    }

    /// A valid access token: the cached one, or a fresh one exchanged by
    /// this caller while the others wait.
    pub async fn token(&self) -> Result<Secret, AmazonError> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref()
            && Instant::now() < cached.renew_at
        {
            return Ok(cached.token.clone());
        }
        let (token, lifetime) = self.exchange().await?;
        let early = EARLY.min(lifetime / 10);
        *cache = Some(Cached {
            token: token.clone(),
            renew_at: Instant::now() + lifetime.saturating_sub(early),
        });
        Ok(token)
    }

    /// Forgets `stale` if it is still the cached token (Amazon refused it),
    /// so that the next call exchanges again.
    pub async fn invalidate(&self, stale: &Secret) {
        let mut cache = self.cache.lock().await;
        if cache.as_ref().is_some_and(|c| &c.token == stale) {
            *cache = None;
        }
    }

    /// One exchange, retried like an SP-API call.
    async fn exchange(&self) -> Result<(Secret, Duration), AmazonError> {
        let mut attempts = self.options.retry.start();
        loop {
            self.exchanges.fetch_add(1, Ordering::Relaxed);
            let form = [
                ("grant_type", "refresh_token"),
                ("refresh_token", self.refresh_token.expose()),
                ("client_id", self.client_id.as_str()),
                ("client_secret", self.client_secret.expose()),
            ];
            let sent = self
                .http
                .post(&self.endpoint)
                .timeout(self.options.attempt_timeout)
                .form(&form)
                .send()
                .await;
            let (request_id, failure, pause) = match sent {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let header = |name: &str| {
                        response
                            .headers()
                            .get(name)
                            .and_then(|v| v.to_str().ok())
                            .map(str::to_owned)
                    };
                    let request_id = header(REQUEST_ID);
                    let pause = rate_limit_pause(header(super::transport::RATE_LIMIT).as_deref());
                    match response.bytes().await {
                        Ok(body) if (200..300).contains(&status) => {
                            return match serde_json::from_slice::<TokenAnswer>(&body) {
                                Ok(answer) => Ok((
                                    Secret::new(answer.access_token),
                                    Duration::from_secs(answer.expires_in),
                                )),
                                Err(e) => Err(failed(request_id, TokenError::Unreadable(e))),
                            };
                        }
                        Ok(body) => {
                            let refusal: TokenRefusal =
                                serde_json::from_slice(&body).unwrap_or_default();
                            let error = TokenError::Refused {
                                status,
                                error: refusal.error,
                            };
                            if status != 429 && status < 500 {
                                // A bad client id, secret or refresh token:
                                // retrying cannot help.
                                return Err(failed(request_id, error));
                            }
                            (request_id, error, pause)
                        }
                        Err(e) => (request_id, TokenError::Http(e), None),
                    }
                }
                Err(e) => (None, TokenError::Http(e), None),
            };
            match attempts.next_delay() {
                Some(delay) => tokio::time::sleep(pause.map_or(delay, |p| delay.max(p))).await,
                None => return Err(failed(request_id, failure)),
            }
        }
    }
}

/// A token exchange that failed for good, logged once. The form (which
/// holds the secret and the refresh token) is never part of the error.
fn failed(request_id: Option<String>, error: TokenError) -> AmazonError {
    tracing::warn!(
        request_id = request_id.as_deref(),
        error = %crate::telemetry::chain(&error),
        "the LWA token exchange failed"
    );
    AmazonError::Unavailable {
        request_id,
        source: Box::new(error),
    }
}
