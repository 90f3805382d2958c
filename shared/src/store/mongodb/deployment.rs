//! Does the deployment support what the adapter needs?
//!
//! Multi-document transactions exist on replica sets and sharded clusters
//! only; a standalone `mongod` rejects `startTransaction`. Rather than
//! emulate atomic order placement with compensating writes (which can
//! oversell or strand reservations when a Lambda dies between two writes),
//! the adapter refuses a standalone server up front, at set-up and at
//! dev-server start, with a message that says how to fix it. Pipeline
//! updates (which keep `low_stock` exact) need MongoDB 4.2, wire version 8.
//!
//! [`classify_hello`] is a pure function of the `hello` reply so that
//! every topology can be tested without running it.

use mongodb::bson::{Bson, Document, doc};
use thiserror::Error;

use super::MongoStore;
use super::codec::integer;
use super::error::{OrStore, code};
use super::setup::SetupError;

/// MongoDB 4.2: transactions on replica sets and sharded clusters, and
/// aggregation-pipeline updates.
pub const MIN_WIRE_VERSION: i64 = 8;

/// A deployment the adapter can use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Deployment {
    /// A replica set (a single node is enough).
    ReplicaSet { set_name: String },
    /// A sharded cluster, reached through `mongos`.
    Sharded,
}

/// A deployment the adapter cannot use, and what to do about it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DeploymentError {
    #[error(
        "MongoDB is running as a standalone server, which has no multi-document transactions; \
         Stockroom places orders in transactions and needs a replica set or a sharded cluster. \
         Start mongod with --replSet NAME and run rs.initiate() once (a one-node replica set is \
         enough), or use a MongoDB Atlas cluster"
    )]
    Standalone,
    #[error(
        "MongoDB was started with --replSet but the replica set is not initiated: run rs.initiate() once"
    )]
    ReplicaSetNotInitiated,
    #[error(
        "MongoDB wire version {found} is too old: Stockroom needs MongoDB 4.2 or later (wire version {MIN_WIRE_VERSION})"
    )]
    TooOld { found: i64 },
    #[error("the server's hello reply lacks {0}")]
    UnexpectedReply(&'static str),
}

/// Classifies a `hello` (or legacy `isMaster`) reply.
pub fn classify_hello(reply: &Document) -> Result<Deployment, DeploymentError> {
    let wire = reply
        .get("maxWireVersion")
        .and_then(integer)
        .ok_or(DeploymentError::UnexpectedReply("maxWireVersion"))?;
    if wire < MIN_WIRE_VERSION {
        return Err(DeploymentError::TooOld { found: wire });
    }
    if reply.get_str("msg").is_ok_and(|m| m == "isdbgrid") {
        return Ok(Deployment::Sharded);
    }
    if let Ok(set_name) = reply.get_str("setName") {
        return Ok(Deployment::ReplicaSet {
            set_name: set_name.to_owned(),
        });
    }
    if matches!(reply.get("isreplicaset"), Some(Bson::Boolean(true))) {
        return Err(DeploymentError::ReplicaSetNotInitiated);
    }
    Err(DeploymentError::Standalone)
}

/// `CommandNotFound`: a server older than 4.4.2 has no `hello`.
const COMMAND_NOT_FOUND: i32 = 59;

impl MongoStore {
    /// Asks the server what it is and refuses deployments without
    /// transactions. One round trip; call it from the set-up step and at
    /// dev-server start, not on every cold start.
    pub async fn check_deployment(&self) -> Result<Deployment, SetupError> {
        let admin = self.client.database("admin");
        let reply = match admin.run_command(doc! { "hello": 1 }).await {
            Err(err) if code(&err) == Some(COMMAND_NOT_FOUND) => {
                admin.run_command(doc! { "isMaster": 1 }).await
            }
            other => other,
        }
        .or_store()?;
        Ok(classify_hello(&reply)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topologies() {
        let rs =
            doc! { "isWritablePrimary": true, "setName": "rs0", "maxWireVersion": 21, "ok": 1.0 };
        assert_eq!(
            classify_hello(&rs),
            Ok(Deployment::ReplicaSet {
                set_name: "rs0".into()
            })
        );
        let mongos = doc! { "isWritablePrimary": true, "msg": "isdbgrid", "maxWireVersion": 21 };
        assert_eq!(classify_hello(&mongos), Ok(Deployment::Sharded));
        let standalone = doc! { "isWritablePrimary": true, "maxWireVersion": 21_i64, "ok": 1.0 };
        assert_eq!(
            classify_hello(&standalone),
            Err(DeploymentError::Standalone)
        );
        let ghost = doc! { "isWritablePrimary": false, "isreplicaset": true, "maxWireVersion": 21 };
        assert_eq!(
            classify_hello(&ghost),
            Err(DeploymentError::ReplicaSetNotInitiated)
        );
        let old = doc! { "ismaster": true, "setName": "rs0", "maxWireVersion": 7 };
        assert_eq!(
            classify_hello(&old),
            Err(DeploymentError::TooOld { found: 7 })
        );
        assert_eq!(
            classify_hello(&doc! { "ok": 1.0 }),
            Err(DeploymentError::UnexpectedReply("maxWireVersion"))
        );
    }

    #[test]
    fn the_standalone_message_says_what_to_do() {
        let message = DeploymentError::Standalone.to_string();
        assert!(message.contains("replica set") && message.contains("rs.initiate()"));
    }
}
