//! Multi-document transactions with bounded, jittered retries, and the
//! batched `update` command used inside them.
//!
//! The driver's `and_run` helper retries for up to two minutes, a budget
//! that cannot be changed and is longer than an API request may take.
//! This runner makes a bounded number of attempts within a configurable
//! time budget, with full-jitter exponential backoff
//! ([`TRANSACTION_RETRY`], a [`RetryPolicy`]):
//!
//! - an error labelled `TransientTransactionError` (write conflict,
//!   failover, network error before commit) reruns the whole body from
//!   scratch, after aborting;
//! - a commit labelled `UnknownTransactionCommitResult` retries only the
//!   commit (the driver upgrades it to `w: majority`), since the body may
//!   well have been applied;
//! - a business rejection from the body aborts and is returned as is;
//! - anything else aborts and is classified by [`super::error`].
//!
//! A body is an object rather than a closure because it must be replayable
//! and its future must be `Send` while borrowing the session, which
//! `async_trait` expresses directly.

use std::time::Duration;

use async_trait::async_trait;
use mongodb::bson::{Bson, Document, doc};
use mongodb::error::{Error, ErrorKind, WriteError, WriteFailure};
use mongodb::options::{ReadConcern, TransactionOptions, WriteConcern};
use mongodb::{Client, ClientSession, Database};

use super::codec::integer;
use super::error::{is_transient_transaction_error, is_unknown_commit_result, store_error};
use crate::ports::StoreError;
use crate::retry::RetryPolicy;

/// How hard a transaction is retried: 30 attempts within 8 s, backoff
/// ceilings from 4 ms doubling up to 500 ms.
///
/// Contention is what retries are for: placements that reserve the same
/// SKU conflict, one of them commits, the others back off. With full
/// jitter, `n` contenders spread over the backoff ceiling, so the ceiling
/// must grow to a few hundred milliseconds for dozens of buyers of one
/// SKU to get through; the time budget keeps the worst case inside an
/// API request (the caller then answers 503 with `Retry-After`).
pub const TRANSACTION_RETRY: RetryPolicy =
    RetryPolicy::attempts(30, Duration::from_millis(4), Duration::from_millis(500))
        .with_budget(Duration::from_secs(8));

/// Attempts of a commit whose outcome is unknown, the first included.
pub const COMMIT_RETRY: RetryPolicy =
    RetryPolicy::attempts(3, Duration::from_millis(4), Duration::from_millis(500));

/// Why an attempt stopped.
#[derive(Debug)]
pub(super) enum Abort<R> {
    /// A business outcome: abort and report it.
    Rejected(R),
    /// A driver or server error: retried when transient.
    Driver(Error),
}

impl<R> From<Error> for Abort<R> {
    fn from(err: Error) -> Self {
        Abort::Driver(err)
    }
}

/// Why a transaction did not commit.
#[derive(Debug)]
pub(super) enum TxnError<R> {
    Rejected(R),
    Store(StoreError),
}

/// The outcome of a single write run outside any transaction (it is
/// atomic on its own), in the shape [`run`] returns.
pub(super) fn single<T, R>(result: Result<T, Abort<R>>) -> Result<T, TxnError<R>> {
    result.map_err(|abort| match abort {
        Abort::Rejected(rejection) => TxnError::Rejected(rejection),
        Abort::Driver(err) => TxnError::Store(store_error(err)),
    })
}

/// One transaction body. `attempt` may run several times; each run starts
/// from the committed state, so it must not carry anything over.
#[async_trait]
pub(super) trait TxnBody: Send + Sync {
    type Output: Send;
    type Rejection: Send;

    async fn attempt(
        &self,
        session: &mut ClientSession,
    ) -> Result<Self::Output, Abort<Self::Rejection>>;
}

fn options() -> TransactionOptions {
    TransactionOptions::builder()
        .read_concern(ReadConcern::snapshot())
        .write_concern(WriteConcern::majority())
        .build()
}

/// Runs `body` in a transaction, retrying as described in the module docs.
pub(super) async fn run<B: TxnBody>(
    client: &Client,
    retry: &RetryPolicy,
    body: &B,
) -> Result<B::Output, TxnError<B::Rejection>> {
    let mut session = client
        .start_session()
        .await
        .map_err(|e| TxnError::Store(store_error(e)))?;
    let mut attempts = retry.start();
    loop {
        session
            .start_transaction()
            .with_options(options())
            .await
            .map_err(|e| TxnError::Store(start_error(e)))?;
        let failure = match body.attempt(&mut session).await {
            Ok(output) => match commit(&mut session).await {
                Ok(()) => return Ok(output),
                Err(err) => err,
            },
            Err(Abort::Rejected(rejection)) => {
                // Abort errors are ignored by design: the server drops an
                // abandoned transaction on its own.
                let _ = session.abort_transaction().await;
                return Err(TxnError::Rejected(rejection));
            }
            Err(Abort::Driver(err)) => {
                let _ = session.abort_transaction().await;
                err
            }
        };
        if is_transient_transaction_error(&failure) && attempts.wait().await {
            continue;
        }
        tracing::warn!(attempts = attempts.made(), error = %failure, "MongoDB transaction failed");
        return Err(TxnError::Store(store_error(failure)));
    }
}

/// Classifies a failure to start a transaction. The driver decides
/// locally whether the deployment supports transactions, from the last
/// server descriptions it has; while no server is reachable it knows of no
/// session support and answers "not supported" (`ErrorKind::Transaction`)
/// without trying the network. Every deployment this adapter runs on
/// supports transactions (see `MongoStore::check_deployment`), so that
/// answer means the servers are unreachable.
fn start_error(err: Error) -> StoreError {
    match err.kind.as_ref() {
        ErrorKind::Transaction { .. } => StoreError::unavailable(err),
        _ => store_error(err),
    }
}

async fn commit(session: &mut ClientSession) -> Result<(), Error> {
    let mut attempts = COMMIT_RETRY.start();
    loop {
        match session.commit_transaction().await {
            Ok(()) => return Ok(()),
            Err(err) if is_unknown_commit_result(&err) && attempts.wait().await => {}
            Err(err) => return Err(err),
        }
    }
}

/// One statement of a batched `update` command.
pub(super) fn statement(filter: Document, update: impl Into<Bson>, upsert: bool) -> Document {
    doc! { "q": filter, "u": update.into(), "upsert": upsert, "multi": false }
}

/// Runs several single-document updates on one collection in one round
/// trip, inside the session's transaction, and returns how many
/// statements matched (upserts count as matched). The typed API has no
/// multi-statement update short of `Client::bulk_write`, which needs
/// MongoDB 8.0.
pub(super) async fn update_batch(
    db: &Database,
    session: &mut ClientSession,
    collection: &str,
    statements: Vec<Document>,
) -> Result<u64, Error> {
    let command = doc! { "update": collection, "updates": statements, "ordered": true };
    let reply = db.run_command(command).session(session).await?;
    batch_outcome(&reply)
}

/// Reads an `update` reply: write errors become driver errors with their
/// server code (a duplicate key stays recognisable), and `n` the count.
fn batch_outcome(reply: &Document) -> Result<u64, Error> {
    if let Ok(errors) = reply.get_array("writeErrors")
        && let Some(Bson::Document(first)) = errors.first()
    {
        let write_error: WriteError = mongodb::bson::from_document(first.clone())?;
        return Err(ErrorKind::Write(WriteFailure::WriteError(write_error)).into());
    }
    reply
        .get("n")
        .and_then(integer)
        .and_then(|n| u64::try_from(n).ok())
        .ok_or_else(|| Error::custom(String::from("the update reply has no count")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::mongodb::error::{DUPLICATE_KEY, code};

    #[test]
    fn batch_replies() {
        assert_eq!(
            batch_outcome(&doc! { "n": 3, "nModified": 3, "ok": 1 }).unwrap(),
            3
        );
        let dup = doc! { "n": 0, "ok": 1, "writeErrors": [
            { "index": 0, "code": DUPLICATE_KEY, "errmsg": "E11000" }
        ]};
        assert_eq!(code(&batch_outcome(&dup).unwrap_err()), Some(DUPLICATE_KEY));
        assert!(batch_outcome(&doc! { "ok": 1 }).is_err());
    }
}
