use argon2::Argon2;
use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{
    PasswordHash as PhcHash, PasswordHasher, PasswordVerifier, SaltString,
};
use thiserror::Error;

use crate::domain::{DomainError, PasswordHash};

/// A password as typed: 8 to 128 characters. Never logged, never stored.
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let chars = raw.chars().count();
        if !(8..=128).contains(&chars) {
            return Err(DomainError::new("password must be 8 to 128 characters"));
        }
        Ok(Self(raw.to_owned()))
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(..)")
    }
}

#[derive(Debug, Error)]
#[error("password hashing failed: {0}")]
pub struct PasswordError(String);

/// Hashes with argon2id and a random salt (OWASP's default parameters).
/// CPU-bound: call it from `spawn_blocking`.
pub fn hash_password(password: &Password) -> Result<PasswordHash, PasswordError> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.0.as_bytes(), &salt)
        .map(|hash| PasswordHash::from_phc(hash.to_string()))
        .map_err(|e| PasswordError(e.to_string()))
}

/// Whether `password` matches `hash`. A malformed stored hash never matches.
/// CPU-bound: call it from `spawn_blocking`.
pub fn verify_password(password: &str, hash: &PasswordHash) -> bool {
    match PhcHash::new(hash.as_str()) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_and_verify() {
        let hash = hash_password(&Password::parse("correct horse").unwrap()).unwrap();
        assert!(hash.as_str().starts_with("$argon2id$"));
        assert!(verify_password("correct horse", &hash));
        assert!(!verify_password("wrong horse!", &hash));
        assert!(!verify_password(
            "x",
            &PasswordHash::from_phc("garbage".into())
        ));
    }

    #[test]
    fn password_length_bounds() {
        assert!(Password::parse("short").is_err());
        assert!(Password::parse(&"x".repeat(129)).is_err());
        assert!(Password::parse("long enough").is_ok());
    }
}
