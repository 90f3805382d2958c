use std::time::Duration;

use chrono::{DateTime, Utc};
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::config::AuthConfig;
use crate::domain::{CustomerId, Role};

const ISSUER: &str = "stockroom";

/// The authenticated caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub customer_id: CustomerId,
    pub role: Role,
}

impl Principal {
    pub fn is_admin(&self) -> bool {
        self.role == Role::Admin
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct Claims {
    sub: CustomerId,
    role: Role,
    iss: String,
    iat: i64,
    exp: i64,
}

#[derive(Debug, Error, PartialEq, Eq)]
pub enum TokenError {
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid")]
    Invalid,
    #[error("the token could not be signed")]
    Signing,
    /// This function is not given the token secret (only the API
    /// functions are).
    #[error("no token secret is configured for this function")]
    NotConfigured,
}

/// Signing and verification keys, derived once from the configured secret.
#[derive(Clone)]
pub struct TokenKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    ttl: Duration,
}

impl std::fmt::Debug for TokenKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenKeys")
            .field("ttl", &self.ttl)
            .finish_non_exhaustive()
    }
}

impl TokenKeys {
    pub fn new(config: &AuthConfig) -> Self {
        let secret = config.token_secret.expose().as_bytes();
        let mut validation = Validation::new(Algorithm::HS256);
        validation.set_issuer(&[ISSUER]);
        validation.set_required_spec_claims(&["exp", "iss", "sub"]);
        validation.leeway = 5;
        TokenKeys {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            ttl: config.token_ttl,
        }
    }

    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// A signed token for `principal`, valid from `now` for the configured TTL.
    pub fn issue(&self, principal: Principal, now: DateTime<Utc>) -> Result<String, TokenError> {
        let claims = Claims {
            sub: principal.customer_id,
            role: principal.role,
            iss: ISSUER.into(),
            iat: now.timestamp(),
            exp: now.timestamp() + self.ttl.as_secs() as i64,
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|_| TokenError::Signing)
    }

    /// The principal a token was issued to, if its signature, issuer and
    /// expiry check out.
    pub fn verify(&self, token: &str) -> Result<Principal, TokenError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                jsonwebtoken::errors::ErrorKind::ExpiredSignature => TokenError::Expired,
                _ => TokenError::Invalid,
            })?;
        Ok(Principal {
            customer_id: data.claims.sub,
            role: data.claims.role,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Secret;

    fn keys(secret: &str, ttl: u64) -> TokenKeys {
        TokenKeys::new(&AuthConfig {
            token_secret: Secret::new(secret),
            token_ttl: Duration::from_secs(ttl),
        })
    }

    #[test]
    fn issue_and_verify() {
        let k = keys("0123456789abcdef0123456789abcdef", 60);
        let p = Principal {
            customer_id: CustomerId::generate(),
            role: Role::Admin,
        };
        let token = k.issue(p, Utc::now()).unwrap();
        assert_eq!(k.verify(&token).unwrap(), p);
    }

    #[test]
    fn forged_expired_and_junk_tokens_fail() {
        let k = keys("0123456789abcdef0123456789abcdef", 60);
        let other = keys("another-secret-another-secret-!!", 60);
        let p = Principal {
            customer_id: CustomerId::generate(),
            role: Role::Customer,
        };
        let forged = other.issue(p, Utc::now()).unwrap();
        assert_eq!(k.verify(&forged), Err(TokenError::Invalid));
        let old = k.issue(p, Utc::now() - chrono::Duration::hours(2)).unwrap();
        assert_eq!(k.verify(&old), Err(TokenError::Expired));
        assert_eq!(k.verify("not.a.token"), Err(TokenError::Invalid));
        assert_eq!(k.verify(""), Err(TokenError::Invalid));
        // "alg": "none" is never accepted.
        let none = "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0.";
        assert_eq!(k.verify(none), Err(TokenError::Invalid));
    }
}
