use chrono::{DateTime, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::money::decimal_string;
use super::{
    Currency, CustomerId, EventStamp, LineQuantity, OrderId, Price, ShippingAddress, ShippingSpeed,
    Sku,
};

/// Where an order is in its life. Status only moves forward:
/// `PENDING -> PROCESSING -> COMPLETED`, or to `CANCELLED` / `FAILED` from
/// either of the first two. Every store applies a transition only if the
/// order is still in the state the transition was computed from.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum OrderStatus {
    Pending,
    Processing,
    Completed,
    Cancelled,
    Failed,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 5] = [
        OrderStatus::Pending,
        OrderStatus::Processing,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
        OrderStatus::Failed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Pending => "PENDING",
            OrderStatus::Processing => "PROCESSING",
            OrderStatus::Completed => "COMPLETED",
            OrderStatus::Cancelled => "CANCELLED",
            OrderStatus::Failed => "FAILED",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    pub fn is_terminal(self) -> bool {
        matches!(
            self,
            OrderStatus::Completed | OrderStatus::Cancelled | OrderStatus::Failed
        )
    }

    /// The forward-only state machine.
    pub fn can_move_to(self, next: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, next),
            (Pending, Processing | Cancelled | Failed)
                | (Processing, Completed | Cancelled | Failed)
        )
    }

    /// Whether reaching this status gives the reserved stock back: nothing
    /// was (or will be) shipped.
    pub fn releases_stock(self) -> bool {
        matches!(self, OrderStatus::Cancelled | OrderStatus::Failed)
    }
}

/// One line of an order, with the price it was sold at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrderLine {
    pub sku: Sku,
    pub quantity: LineQuantity,
    pub unit_price: Price,
}

impl OrderLine {
    pub fn line_total(&self) -> Decimal {
        self.unit_price.amount() * Decimal::from(self.quantity.get())
    }
}

/// An order as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Order {
    pub order_id: OrderId,
    pub customer_id: CustomerId,
    pub status: OrderStatus,
    pub items: Vec<OrderLine>,
    #[serde(with = "decimal_string")]
    pub total_amount: Decimal,
    pub currency: Currency,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When the processor picked the order up (PENDING -> PROCESSING).
    pub processing_started_at: Option<DateTime<Utc>>,
    /// When the order reached COMPLETED.
    pub completed_at: Option<DateTime<Utc>>,
    /// Multi-Channel Fulfillment progress, when fulfilled by Amazon.
    pub fulfillment: Option<Fulfillment>,
    /// Where the order ships; required in MCF mode. Orders stored before
    /// shipping details existed read as `None`.
    #[serde(default)]
    pub shipping_address: Option<ShippingAddress>,
    /// How fast it ships; set with the address.
    #[serde(default)]
    pub shipping_speed: Option<ShippingSpeed>,
    /// When Amazon was known to hold the MCF fulfilment order (created, or
    /// found on a retry). Redeliveries see it and do not call Amazon again.
    #[serde(default)]
    pub fulfillment_submitted_at: Option<DateTime<Utc>>,
    /// Why the order FAILED, when something outside said so (Amazon's
    /// refusal of the fulfilment order).
    #[serde(default)]
    pub failure_reason: Option<String>,
    /// The correlation id of the request that placed the order, kept so
    /// that work done for the order later (recovery re-publishing it)
    /// carries it too and one Logs Insights query finds the order's whole
    /// life. Orders stored before it was kept read as `None`; never shown
    /// to customers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub correlation_id: Option<String>,
    /// Optimistic-concurrency version: 1 at creation, +1 per update.
    pub version: u64,
}

impl Order {
    pub fn new(
        order_id: OrderId,
        customer_id: CustomerId,
        items: Vec<OrderLine>,
        currency: Currency,
        now: DateTime<Utc>,
    ) -> Self {
        let total_amount = items.iter().map(OrderLine::line_total).sum();
        Order {
            order_id,
            customer_id,
            status: OrderStatus::Pending,
            items,
            total_amount,
            currency,
            created_at: now,
            updated_at: now,
            processing_started_at: None,
            completed_at: None,
            fulfillment: None,
            shipping_address: None,
            shipping_speed: None,
            fulfillment_submitted_at: None,
            failure_reason: None,
            correlation_id: None,
            version: 1,
        }
    }

    /// The same order, placed by the request correlated as `id`.
    pub fn with_correlation_id(mut self, id: Option<String>) -> Self {
        self.correlation_id = id;
        self
    }

    /// The same order, shipping to `address` at `speed`.
    pub fn with_shipping(
        mut self,
        address: Option<ShippingAddress>,
        speed: Option<ShippingSpeed>,
    ) -> Self {
        self.shipping_address = address;
        self.shipping_speed = speed;
        self
    }

    /// Seconds from placement to completion, once completed.
    pub fn processing_seconds(&self) -> Option<f64> {
        self.completed_at
            .map(|done| (done - self.created_at).num_milliseconds() as f64 / 1000.0)
    }

    /// The order moved to `next` at `at`, or `None` when the state machine
    /// does not allow it from the current status.
    pub fn transitioned(&self, next: OrderStatus, at: DateTime<Utc>) -> Option<Order> {
        if !self.status.can_move_to(next) {
            return None;
        }
        let mut order = self.edited(at);
        order.status = next;
        match next {
            OrderStatus::Processing => order.processing_started_at = Some(at),
            OrderStatus::Completed => order.completed_at = Some(at),
            _ => {}
        }
        Some(order)
    }

    /// The next version of the order, changed at `at`, whatever its status;
    /// the caller edits fields other than the status and stores it with a
    /// version-checked update.
    pub fn edited(&self, at: DateTime<Utc>) -> Order {
        let mut order = self.clone();
        order.updated_at = at;
        order.version += 1;
        order
    }
}

/// MCF fulfillment state recorded on an order from FULFILLMENT_ORDER_STATUS
/// notifications.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Fulfillment {
    /// The MCF `FulfillmentOrderStatus` last applied (e.g. `PROCESSING`, `COMPLETE`).
    pub status: String,
    pub shipments: Vec<FulfillmentShipment>,
    pub returns: Vec<FulfillmentReturn>,
    pub last_event: EventStamp,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FulfillmentShipment {
    pub amazon_shipment_id: String,
    pub status: String,
    pub estimated_arrival: Option<DateTime<Utc>>,
    pub packages: Vec<ShipmentPackage>,
    /// The notification this shipment was last updated from: each shipment
    /// keeps its newest report, whatever order reports arrive in.
    #[serde(default)]
    pub last_event: Option<EventStamp>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShipmentPackage {
    pub package_number: Option<i64>,
    pub carrier_code: Option<String>,
    pub tracking_number: Option<String>,
    pub estimated_arrival: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FulfillmentReturn {
    pub sku: String,
    pub returned_quantity: i64,
    pub received_at: Option<DateTime<Utc>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_only_moves_forward() {
        use OrderStatus::*;
        assert!(Pending.can_move_to(Processing));
        assert!(Pending.can_move_to(Cancelled));
        assert!(Processing.can_move_to(Completed));
        assert!(!Processing.can_move_to(Pending));
        assert!(!Completed.can_move_to(Cancelled));
        assert!(!Cancelled.can_move_to(Processing));
        assert!(!Pending.can_move_to(Pending));
        for s in OrderStatus::ALL {
            assert_eq!(OrderStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn total_is_exact() {
        let line = |sku: &str, q: i64, p: &str| OrderLine {
            sku: Sku::parse(sku).unwrap(),
            quantity: LineQuantity::new(q).unwrap(),
            unit_price: Price::parse(p).unwrap(),
        };
        let order = Order::new(
            OrderId::generate(),
            CustomerId::generate(),
            vec![line("A", 3, "0.10"), line("B", 1, "0.20")],
            Currency::parse("USD").unwrap(),
            Utc::now(),
        );
        assert_eq!(crate::domain::money_string(order.total_amount), "0.50");
    }
}
