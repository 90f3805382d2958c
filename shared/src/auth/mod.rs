//! Who is calling: argon2 password hashes and signed, expiring bearer
//! tokens (HS256).

mod passwords;
mod tokens;

pub use passwords::{Password, PasswordError, hash_password, verify_password};
pub use tokens::{Principal, TokenError, TokenKeys};
