//! Single-item and batch reads shared by every port.

use std::collections::{HashMap, HashSet};

use aws_sdk_dynamodb::types::{AttributeValue, KeysAndAttributes};

use super::DynamoStore;
use super::codec::{Item, s};
use super::error::{CallFailed, GaveUp, RETRY, sdk_error};
use super::keys::{PK, SK};
use crate::ports::{StoreError, StoreResult};

/// BatchGetItem takes at most this many keys.
const BATCH_GET_MAX: usize = 100;

pub(crate) fn key(pk: impl Into<String>, sk: impl Into<String>) -> Item {
    HashMap::from([(PK.to_owned(), s(pk)), (SK.to_owned(), s(sk))])
}

fn key_of(item: &Item) -> Option<(String, String)> {
    match (item.get(PK), item.get(SK)) {
        (Some(AttributeValue::S(pk)), Some(AttributeValue::S(sk))) => {
            Some((pk.clone(), sk.clone()))
        }
        _ => None,
    }
}

pub(crate) fn build_error(
    operation: &'static str,
    err: impl std::error::Error + Send + Sync + 'static,
) -> StoreError {
    StoreError::internal(CallFailed {
        operation,
        source: Box::new(err),
    })
}

impl DynamoStore {
    /// A strongly consistent read of one item.
    pub(crate) async fn get_item(
        &self,
        pk: impl Into<String>,
        sk: impl Into<String>,
    ) -> StoreResult<Option<Item>> {
        let out = self
            .client
            .get_item()
            .table_name(self.table.as_ref())
            .set_key(Some(key(pk, sk)))
            .consistent_read(true)
            .send()
            .await
            .map_err(|e| sdk_error("GetItem", e))?;
        Ok(out.item)
    }

    /// Strongly consistent reads of many items, in the order of `keys`
    /// (missing ones left out). Duplicates are asked for once.
    pub(crate) async fn batch_get(&self, keys: &[(String, String)]) -> StoreResult<Vec<Item>> {
        let mut seen = HashSet::new();
        let unique: Vec<&(String, String)> = keys.iter().filter(|k| seen.insert(*k)).collect();
        let mut found: HashMap<(String, String), Item> = HashMap::with_capacity(unique.len());
        for chunk in unique.chunks(BATCH_GET_MAX) {
            let mut pending: Vec<Item> = chunk
                .iter()
                .map(|(pk, sk)| key(pk.clone(), sk.clone()))
                .collect();
            // Unprocessed keys are asked for again under the adapter's
            // retry policy.
            let mut attempts = RETRY.start();
            while !pending.is_empty() {
                let request = KeysAndAttributes::builder()
                    .set_keys(Some(std::mem::take(&mut pending)))
                    .consistent_read(true)
                    .build()
                    .map_err(|e| build_error("BatchGetItem", e))?;
                let out = self
                    .client
                    .batch_get_item()
                    .request_items(self.table.as_ref(), request)
                    .send()
                    .await
                    .map_err(|e| sdk_error("BatchGetItem", e))?;
                for item in out
                    .responses
                    .and_then(|mut r| r.remove(self.table.as_ref()))
                    .unwrap_or_default()
                {
                    if let Some(k) = key_of(&item) {
                        found.insert(k, item);
                    }
                }
                pending = out
                    .unprocessed_keys
                    .and_then(|mut u| u.remove(self.table.as_ref()))
                    .map(|k| k.keys)
                    .unwrap_or_default();
                if !pending.is_empty() && !attempts.wait().await {
                    return Err(StoreError::unavailable(GaveUp(
                        "BatchGetItem left keys unprocessed",
                    )));
                }
            }
        }
        Ok(keys.iter().filter_map(|k| found.remove(k)).collect())
    }
}
