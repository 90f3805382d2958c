//! Registration, sign-in and the admin bootstrap, and the two limits that
//! keep them from being abused: failed sign-ins per username
//! (`login_max_failures` within `login_failure_window`) and registrations
//! per source address (`registrations_per_address_per_hour`). The counters
//! live in the store (`AttemptStore`), so every Lambda instance enforces
//! the same limit.

use std::time::Duration;

use super::{App, AppError, Conflict, Resource, Throttled, Unauthenticated};
use crate::auth::{Password, Principal, hash_password, verify_password};
use crate::domain::{Customer, CustomerId, PasswordHash, Role, Username};
use crate::ports::CreateCustomerError;

/// A signed token and its lifetime in seconds.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub access_token: String,
    pub expires_in: u64,
}

async fn hash(password: Password) -> Result<PasswordHash, AppError> {
    // argon2 is deliberately expensive: keep it off the async workers.
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|e| AppError::internal("password hashing task", e))?
        .map_err(|e| AppError::internal("password hashing", e))
}

async fn create(
    app: &App,
    username: Username,
    password: Password,
    role: Role,
) -> Result<Customer, AppError> {
    let customer = Customer {
        customer_id: CustomerId::generate(),
        username,
        password_hash: hash(password).await?,
        role,
        created_at: app.clock.now(),
    };
    match app.store.create_customer(&customer).await {
        Ok(()) => Ok(customer),
        Err(CreateCustomerError::UsernameTaken) => Err(Conflict::UsernameTaken.into()),
        Err(CreateCustomerError::Store(e)) => Err(e.into()),
    }
}

/// The attempt counter of failed sign-ins for one username.
fn sign_in_key(username: &Username) -> String {
    format!("login:{username}")
}

/// The attempt counter of registrations from one address.
fn registration_key(address: &str) -> String {
    format!("register:{address}")
}

const HOUR: Duration = Duration::from_secs(3600);

/// Registers a customer account. `source` is the client's address: each
/// address may register `registrations_per_address_per_hour` accounts an
/// hour (counted before the account is created, so racing requests cannot
/// overshoot; refused attempts count too). Without an address (no API
/// Gateway context) there is nothing to count by.
pub async fn register(
    app: &App,
    username: Username,
    password: Password,
    source: Option<&str>,
) -> Result<Customer, AppError> {
    if let Some(address) = source {
        let now = app.clock.now();
        let window = app
            .store
            .record_attempt(&registration_key(address), HOUR, now)
            .await?;
        if window.count > app.settings.registrations_per_address_per_hour {
            return Err(AppError::TooManyAttempts(Throttled::Registration {
                retry_after: window.retry_after(now),
            }));
        }
    }
    let customer = create(app, username, password, Role::Customer).await?;
    tracing::info!(customer_id = %customer.customer_id, "customer registered");
    Ok(customer)
}

/// Creates the admin account if no account has that username yet; an
/// existing account is left as it is. Used once per deployment (and at
/// every dev-server start).
pub async fn ensure_admin(
    app: &App,
    username: Username,
    password: Password,
) -> Result<Customer, AppError> {
    if let Some(existing) = app.store.get_customer_by_username(&username).await? {
        return Ok(existing);
    }
    match create(app, username.clone(), password, Role::Admin).await {
        Ok(admin) => Ok(admin),
        // Created concurrently by another starter: fine.
        Err(AppError::Conflict(Conflict::UsernameTaken)) => app
            .store
            .get_customer_by_username(&username)
            .await?
            .ok_or(AppError::NotFound(Resource::Customer)),
        Err(e) => Err(e),
    }
}

/// A PHC string that never verifies, hashed once, so that an unknown
/// username costs as much time as a wrong password.
const DECOY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$ZGVjb3lzYWx0ZGVjb3k$Vv9mPNyF8l0rDkQn1W4iPZ3jkVdoBqT8oKZr3mkyS0M";

/// Exchanges a username and password for a bearer token.
///
/// A username with `login_max_failures` failures in its open window is
/// refused with `TooManyAttempts` until the window ends, even with the
/// right password, before the password is looked at. Each failure counts;
/// a success clears that username's counter (and no other). A name that
/// is not a valid username cannot hold an account and is not counted.
pub async fn issue_token(
    app: &App,
    username: &str,
    password: String,
) -> Result<IssuedToken, AppError> {
    let invalid = || AppError::Unauthenticated(Unauthenticated::WrongCredentials);
    let now = app.clock.now();
    let name = Username::parse(username).ok();
    let key = name.as_ref().map(sign_in_key);
    let mut failures = None;
    if let Some(key) = &key {
        failures = app.store.attempts(key, now).await?;
        if let Some(window) = failures
            && window.count >= app.settings.login_max_failures
        {
            return Err(AppError::TooManyAttempts(Throttled::SignIn {
                retry_after: window.retry_after(now),
            }));
        }
    }
    let account = match &name {
        Some(name) => app.store.get_customer_by_username(name).await?,
        None => None,
    };
    let stored = account
        .as_ref()
        .map(|c| c.password_hash.clone())
        .unwrap_or_else(|| PasswordHash::from_phc(DECOY_HASH.into()));
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &stored))
        .await
        .map_err(|e| AppError::internal("password check task", e))?;
    let account = match account {
        Some(account) if matches => account,
        _ => {
            if let Some(key) = &key {
                app.store
                    .record_attempt(key, app.settings.login_failure_window, now)
                    .await?;
            }
            return Err(invalid());
        }
    };
    if let (Some(key), Some(_)) = (&key, failures) {
        app.store.clear_attempts(key).await?;
    }
    let principal = Principal {
        customer_id: account.customer_id,
        role: account.role,
    };
    let keys = app
        .token_keys()
        .map_err(|e| AppError::internal("signing a token", e))?;
    let access_token = keys
        .issue(principal, now)
        .map_err(|e| AppError::internal("signing a token", e))?;
    Ok(IssuedToken {
        access_token,
        expires_in: keys.ttl().as_secs(),
    })
}
