use async_trait::async_trait;

use super::{StoreError, StoreResult};
use crate::domain::{Customer, CustomerId, Username};

#[derive(Debug, thiserror::Error)]
pub enum CreateCustomerError {
    #[error("the username is taken")]
    UsernameTaken,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Accounts.
#[async_trait]
pub trait CustomerStore: Send + Sync {
    /// Creates the account; usernames are unique.
    async fn create_customer(&self, customer: &Customer) -> Result<(), CreateCustomerError>;

    async fn get_customer_by_username(&self, username: &Username) -> StoreResult<Option<Customer>>;

    async fn get_customer(&self, customer_id: CustomerId) -> StoreResult<Option<Customer>>;
}
