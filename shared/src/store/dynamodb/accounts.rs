//! Accounts. A customer is two items written in one transaction: the
//! account under its id and a copy under its username, whose
//! `attribute_not_exists` condition is what makes usernames unique (there
//! is no unique index in DynamoDB). Accounts are never updated, so the
//! copy cannot drift, and a login reads one item.

use async_trait::async_trait;

use super::DynamoStore;
use super::codec::{Item, from_item, to_item};
use super::expr::Expr;
use super::items::key;
use super::keys::*;
use super::txn::{Outcome, Reason, Refused, Txn};
use crate::domain::{Customer, CustomerId, Username};
use crate::ports::{CreateCustomerError, CustomerStore, StoreError, StoreResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slot {
    Account,
    Username,
}

fn read_customer(item: &Item) -> StoreResult<Customer> {
    from_item(item, "customer")
}

#[async_trait]
impl CustomerStore for DynamoStore {
    async fn create_customer(&self, customer: &Customer) -> Result<(), CreateCustomerError> {
        let body = to_item(customer)?;
        let mut txn = Txn::new(&self.table);
        for (slot, pk, sk) in [
            (
                Slot::Account,
                customer_pk(customer.customer_id),
                CUSTOMER_SK,
            ),
            (Slot::Username, username_pk(&customer.username), USERNAME_SK),
        ] {
            let mut item = body.clone();
            item.extend(key(pk, sk));
            let mut e = Expr::new();
            let condition = format!("attribute_not_exists({})", e.name(PK));
            txn.put(slot, item, e, Some(condition))?;
        }
        let reasons = match self.transact(txn.items).await? {
            Outcome::Committed => return Ok(()),
            Outcome::Cancelled(reasons) => reasons,
        };
        for (i, slot) in txn.slots.iter().enumerate() {
            if let Reason::ConditionFailed(_) = Outcome::reason(&reasons, i)? {
                return Err(match slot {
                    Slot::Username => CreateCustomerError::UsernameTaken,
                    Slot::Account => {
                        StoreError::internal(Refused("customer id already exists".into())).into()
                    }
                });
            }
        }
        Err(StoreError::internal(Refused(
            "account creation cancelled without a reason".into(),
        ))
        .into())
    }

    async fn get_customer_by_username(&self, username: &Username) -> StoreResult<Option<Customer>> {
        self.get_item(username_pk(username), USERNAME_SK)
            .await?
            .map(|i| read_customer(&i))
            .transpose()
    }

    async fn get_customer(&self, customer_id: CustomerId) -> StoreResult<Option<Customer>> {
        self.get_item(customer_pk(customer_id), CUSTOMER_SK)
            .await?
            .map(|i| read_customer(&i))
            .transpose()
    }
}
