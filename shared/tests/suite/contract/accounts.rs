//! Account cases.

use std::sync::Arc;

use super::fixtures::*;
use stockroom::domain::{Customer, CustomerId, PasswordHash, Role, Username};
use stockroom::ports::{CreateCustomerError, Store};

fn customer(username: &str) -> Customer {
    Customer {
        customer_id: CustomerId::generate(),
        username: Username::parse(username).unwrap(),
        password_hash: PasswordHash::from_phc(
            "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA".into(),
        ),
        role: Role::Customer,
        created_at: now(),
    }
}

pub async fn usernames_are_unique(store: Arc<dyn Store>) {
    let name = unique("user").to_lowercase();
    let first = customer(&name);
    store.create_customer(&first).await.unwrap();
    let by_name = store
        .get_customer_by_username(&first.username)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(by_name, first);
    assert_eq!(
        store.get_customer(first.customer_id).await.unwrap(),
        Some(first.clone())
    );
    // Usernames compare case-insensitively.
    let shouting = customer(&name.to_uppercase());
    assert!(matches!(
        store.create_customer(&shouting).await,
        Err(CreateCustomerError::UsernameTaken)
    ));
    assert!(
        store
            .get_customer(shouting.customer_id)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .get_customer_by_username(&Username::parse(&unique("nobody")).unwrap())
            .await
            .unwrap()
            .is_none()
    );
}

pub async fn racing_registrations_take_a_username_once(store: Arc<dyn Store>, racers: usize) {
    let name = unique("race").to_lowercase();
    let mut tasks = Vec::new();
    for _ in 0..racers.min(20) {
        let store = store.clone();
        let c = customer(&name);
        tasks.push(tokio::spawn(async move {
            match store.create_customer(&c).await {
                Ok(()) => Some(c.customer_id),
                Err(CreateCustomerError::UsernameTaken) => None,
                Err(other) => panic!("unexpected error: {other:?}"),
            }
        }));
    }
    let mut winners = Vec::new();
    for t in tasks {
        winners.extend(t.await.unwrap());
    }
    assert_eq!(winners.len(), 1);
    let stored = store
        .get_customer_by_username(&Username::parse(&name).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.customer_id, winners[0]);
}
