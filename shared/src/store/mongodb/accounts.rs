//! Customer accounts: `_id` is the customer id; the unique index
//! `username_unique` makes a taken username fail the insert itself, so two
//! racing registrations cannot both succeed.

use async_trait::async_trait;
use mongodb::bson::doc;

use super::MongoStore;
use super::codec;
use super::documents::{customer_doc, customer_from};
use super::error::{OrStore, is_duplicate_key, store_error};
use crate::domain::{Customer, CustomerId, Username};
use crate::ports::{CreateCustomerError, CustomerStore, StoreResult};

#[async_trait]
impl CustomerStore for MongoStore {
    async fn create_customer(&self, customer: &Customer) -> Result<(), CreateCustomerError> {
        match self.customers.insert_one(customer_doc(customer)?).await {
            Ok(_) => Ok(()),
            // The only other unique key is a fresh UUIDv7: a duplicate means
            // the username (or this very account) is already there.
            Err(err) if is_duplicate_key(&err) => Err(CreateCustomerError::UsernameTaken),
            Err(err) => Err(store_error(err).into()),
        }
    }

    async fn get_customer_by_username(&self, username: &Username) -> StoreResult<Option<Customer>> {
        self.customers
            .find_one(doc! { "username": username.as_str() })
            .await
            .or_store()?
            .as_ref()
            .map(customer_from)
            .transpose()
    }

    async fn get_customer(&self, customer_id: CustomerId) -> StoreResult<Option<Customer>> {
        self.customers
            .find_one(doc! { "_id": codec::uuid(customer_id.as_uuid()) })
            .await
            .or_store()?
            .as_ref()
            .map(customer_from)
            .transpose()
    }
}
