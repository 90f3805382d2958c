use async_trait::async_trait;

use super::MemoryStore;
use crate::domain::{Customer, CustomerId, Username};
use crate::ports::{CreateCustomerError, CustomerStore, StoreResult};

#[async_trait]
impl CustomerStore for MemoryStore {
    async fn create_customer(&self, customer: &Customer) -> Result<(), CreateCustomerError> {
        let mut state = self.lock();
        if state.usernames.contains_key(&customer.username) {
            return Err(CreateCustomerError::UsernameTaken);
        }
        state
            .usernames
            .insert(customer.username.clone(), customer.customer_id);
        state
            .customers
            .insert(customer.customer_id, customer.clone());
        Ok(())
    }

    async fn get_customer_by_username(&self, username: &Username) -> StoreResult<Option<Customer>> {
        let state = self.lock();
        Ok(state
            .usernames
            .get(username)
            .and_then(|id| state.customers.get(id))
            .cloned())
    }

    async fn get_customer(&self, customer_id: CustomerId) -> StoreResult<Option<Customer>> {
        Ok(self.lock().customers.get(&customer_id).cloned())
    }
}
