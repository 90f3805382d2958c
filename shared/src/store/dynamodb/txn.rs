//! TransactWriteItems with its failure modes told apart.
//!
//! A cancelled transaction says, per item, why: `ConditionalCheckFailed`
//! (with the old item, as every item here asks for `ALL_OLD`) is a
//! business answer the caller interprets; `TransactionConflict` (another
//! transaction held one of the items) and throttling are transient, and
//! the whole transaction is retried with jittered backoff, a bounded number
//! of times, before giving up as `StoreError::Unavailable`. The SDK does not
//! retry either: to it a cancellation is an ordinary 400.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{
    CancellationReason, ConditionCheck, Delete, Put, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update,
};

use super::DynamoStore;
use super::codec::Item;
use super::error::{GaveUp, RETRY, sdk_error};
use super::expr::{Expr, Update as UpdateExpr};
use super::items::build_error;
use crate::ports::{StoreError, StoreResult};

/// DynamoDB's limit on items per transaction.
pub(crate) const MAX_TXN_ITEMS: usize = 100;

const TRANSIENT_REASONS: &[&str] = &[
    "TransactionConflict",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
    "RequestLimitExceeded",
];

/// Why one item of a cancelled transaction failed.
#[derive(Debug, Clone)]
pub(crate) enum Reason {
    /// This item was fine; another one cancelled the transaction.
    Passed,
    /// Its condition failed; the item as it was, if it existed.
    ConditionFailed(Option<Item>),
    /// A conflict or throttling: worth trying again.
    Transient,
    /// Anything else (validation, size limits): a bug.
    Other(String),
}

impl Reason {
    fn from_sdk(reason: &CancellationReason) -> Self {
        match reason.code() {
            None | Some("None") => Reason::Passed,
            Some("ConditionalCheckFailed") => {
                Reason::ConditionFailed(reason.item().cloned().filter(|i| !i.is_empty()))
            }
            Some(code) if TRANSIENT_REASONS.contains(&code) => Reason::Transient,
            Some(code) => {
                Reason::Other(format!("{code}: {}", reason.message().unwrap_or_default()))
            }
        }
    }

    pub(crate) fn is_transient(&self) -> bool {
        matches!(self, Reason::Transient)
    }
}

#[derive(Debug)]
pub(crate) enum Outcome {
    Committed,
    /// One reason per item, in the order the items were given.
    Cancelled(Vec<Reason>),
}

/// A transaction's failure that is neither business nor transient.
#[derive(Debug, thiserror::Error)]
#[error("transaction refused: {0}")]
pub(crate) struct Refused(pub(crate) String);

impl Outcome {
    /// The reason of item `i`, or an `Internal` error when the service did
    /// not give one per item.
    pub(crate) fn reason(reasons: &[Reason], i: usize) -> StoreResult<&Reason> {
        reasons.get(i).ok_or_else(|| {
            StoreError::internal(Refused(
                "cancellation reasons do not match the items".into(),
            ))
        })
    }
}

/// Builds the items of a transaction, each tagged with what it stands for.
#[derive(Debug)]
pub(crate) struct Txn<'a, T> {
    table: &'a str,
    pub(crate) items: Vec<TransactWriteItem>,
    pub(crate) slots: Vec<T>,
}

impl<'a, T> Txn<'a, T> {
    pub(crate) fn new(table: &'a str) -> Self {
        Self {
            table,
            items: Vec::new(),
            slots: Vec::new(),
        }
    }

    pub(crate) fn put(
        &mut self,
        slot: T,
        item: Item,
        expr: Expr,
        condition: Option<String>,
    ) -> StoreResult<()> {
        let expr = expr.used_in(&[condition.as_deref().unwrap_or_default()]);
        let put = Put::builder()
            .table_name(self.table)
            .set_item(Some(item))
            .set_condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| build_error("TransactWriteItems", e))?;
        self.push(slot, TransactWriteItem::builder().put(put).build());
        Ok(())
    }

    pub(crate) fn update(
        &mut self,
        slot: T,
        key: Item,
        update: &UpdateExpr,
        expr: Expr,
        condition: Option<String>,
    ) -> StoreResult<()> {
        let rendered = update.render();
        let expr = expr.used_in(&[&rendered, condition.as_deref().unwrap_or_default()]);
        let update = Update::builder()
            .table_name(self.table)
            .set_key(Some(key))
            .update_expression(rendered)
            .set_condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| build_error("TransactWriteItems", e))?;
        self.push(slot, TransactWriteItem::builder().update(update).build());
        Ok(())
    }

    pub(crate) fn delete(
        &mut self,
        slot: T,
        key: Item,
        expr: Expr,
        condition: Option<String>,
    ) -> StoreResult<()> {
        let expr = expr.used_in(&[condition.as_deref().unwrap_or_default()]);
        let delete = Delete::builder()
            .table_name(self.table)
            .set_key(Some(key))
            .set_condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| build_error("TransactWriteItems", e))?;
        self.push(slot, TransactWriteItem::builder().delete(delete).build());
        Ok(())
    }

    pub(crate) fn check(
        &mut self,
        slot: T,
        key: Item,
        expr: Expr,
        condition: String,
    ) -> StoreResult<()> {
        let expr = expr.used_in(&[&condition]);
        let check = ConditionCheck::builder()
            .table_name(self.table)
            .set_key(Some(key))
            .condition_expression(condition)
            .set_expression_attribute_names(expr.names())
            .set_expression_attribute_values(expr.values())
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
            .build()
            .map_err(|e| build_error("TransactWriteItems", e))?;
        self.push(
            slot,
            TransactWriteItem::builder().condition_check(check).build(),
        );
        Ok(())
    }

    fn push(&mut self, slot: T, item: TransactWriteItem) {
        self.items.push(item);
        self.slots.push(slot);
    }
}

impl DynamoStore {
    /// Runs the transaction, retrying while it only meets conflicts or
    /// throttling. A cancellation with any other reason is returned for the
    /// caller to interpret; a reason that is neither business nor transient
    /// is `Internal`.
    pub(crate) async fn transact(&self, items: Vec<TransactWriteItem>) -> StoreResult<Outcome> {
        if items.len() > MAX_TXN_ITEMS {
            return Err(StoreError::internal(Refused(format!(
                "{} items exceed the {MAX_TXN_ITEMS}-item transaction limit",
                items.len()
            ))));
        }
        let mut attempts = RETRY.start();
        loop {
            // One token per attempt of ours, shared by the SDK's own
            // retries of it: when an attempt times out after DynamoDB
            // committed it, the SDK's retry returns success instead of
            // failing its own conditions and reading as a conflict. (Our
            // next attempt follows a cancellation, which wrote nothing, so
            // it takes a new token.)
            let token = uuid::Uuid::new_v4().to_string();
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(items.clone()))
                .client_request_token(token)
                .send()
                .await;
            let err = match result {
                Ok(_) => return Ok(Outcome::Committed),
                Err(err) => err,
            };
            let Some(TransactWriteItemsError::TransactionCanceledException(cancelled)) =
                err.as_service_error()
            else {
                return Err(sdk_error("TransactWriteItems", err));
            };
            let reasons: Vec<Reason> = cancelled
                .cancellation_reasons()
                .iter()
                .map(Reason::from_sdk)
                .collect();
            if let Some(Reason::Other(why)) = reasons.iter().find(|r| matches!(r, Reason::Other(_)))
            {
                return Err(StoreError::internal(Refused(why.clone())));
            }
            if reasons
                .iter()
                .any(|r| matches!(r, Reason::ConditionFailed(_)))
            {
                return Ok(Outcome::Cancelled(reasons));
            }
            if !reasons.iter().any(Reason::is_transient) {
                return Err(sdk_error("TransactWriteItems", err));
            }
            tracing::debug!(attempt = attempts.made(), "transaction conflict");
            if !attempts.wait().await {
                break;
            }
        }
        Err(StoreError::unavailable(GaveUp(
            "the transaction kept conflicting",
        )))
    }
}
