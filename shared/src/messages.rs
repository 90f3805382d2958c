//! Messages Stockroom itself puts on its queues. Each carries a `type` tag
//! and a version so that consumers can refuse what they do not understand
//! (it goes to the dead-letter queue) instead of guessing.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{Order, OrderId, ReorderId};

/// Published when an order is stored; consumed by `order-processor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "OrderPlaced")]
pub struct OrderPlaced {
    pub version: u32,
    pub order_id: OrderId,
    pub placed_at: DateTime<Utc>,
}

impl OrderPlaced {
    pub fn for_order(order: &Order) -> Self {
        OrderPlaced {
            version: 1,
            order_id: order.order_id,
            placed_at: order.created_at,
        }
    }

    pub fn to_body(&self) -> String {
        // Serialising plain ids and a timestamp cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Published when a reorder is ready to be mailed; consumed by `reorder-mailer`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename = "ReorderQueued")]
pub struct ReorderQueued {
    pub version: u32,
    pub reorder_id: ReorderId,
}

impl ReorderQueued {
    pub fn new(reorder_id: ReorderId) -> Self {
        ReorderQueued {
            version: 1,
            reorder_id,
        }
    }

    pub fn to_body(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_placed_round_trips_with_its_tag() {
        let m = OrderPlaced {
            version: 1,
            order_id: OrderId::generate(),
            placed_at: Utc::now(),
        };
        let body = m.to_body();
        assert!(body.contains("\"type\":\"OrderPlaced\""));
        assert_eq!(serde_json::from_str::<OrderPlaced>(&body).unwrap(), m);
        assert!(
            serde_json::from_str::<OrderPlaced>(
                &ReorderQueued::new(ReorderId::generate()).to_body()
            )
            .is_err()
        );
    }
}
