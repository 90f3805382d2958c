//! The in-test Amazon of the MCF order tests: it keeps fulfilment orders
//! and can throttle, refuse, fail and hold the first create half-way.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use chrono::{Duration, Utc};
use stockroom::domain::{Currency, OrderId, ShippingSpeed};
use stockroom::ports::{
    Amazon, AmazonError, CancelOutcome, Fee, FulfillmentOrderRequest, FulfillmentOrderState,
    ListingPatch, PreviewOption, PreviewRequest,
};
use tokio::sync::Notify;

/// What the in-test Amazon holds and how it misbehaves.
#[derive(Default)]
pub struct Counter {
    /// Fulfilment orders by id: the request and Amazon's status.
    pub orders: HashMap<OrderId, (FulfillmentOrderRequest, String)>,
    pub create_calls: usize,
    pub cancel_calls: usize,
    /// The next this-many creates answer 429.
    pub throttle_creates: usize,
    /// Every create is refused with this message.
    pub refuse_creates: Option<String>,
    /// Every call answers as an outage.
    pub down: bool,
}

#[derive(Default)]
pub struct FakeAmazon {
    state: Mutex<Counter>,
    /// When set, the first create waits for this before it lands.
    pub gate: Mutex<Option<Arc<Notify>>>,
}

impl FakeAmazon {
    pub fn with<R>(&self, f: impl FnOnce(&mut Counter) -> R) -> R {
        f(&mut self.state.lock().unwrap())
    }

    fn outage() -> AmazonError {
        AmazonError::Unavailable {
            request_id: Some("req-outage".into()),
            source: "connection reset".into(),
        }
    }

    pub fn status_of(&self, id: OrderId) -> Option<String> {
        self.with(|s| s.orders.get(&id).map(|(_, status)| status.clone()))
    }
}

#[async_trait]
impl Amazon for FakeAmazon {
    async fn create_fulfillment_order(
        &self,
        request: &FulfillmentOrderRequest,
    ) -> Result<(), AmazonError> {
        let gate = self.gate.lock().unwrap().take();
        if let Some(gate) = gate {
            gate.notified().await;
        }
        self.with(|s| {
            s.create_calls += 1;
            if s.down {
                return Err(Self::outage());
            }
            if s.throttle_creates > 0 {
                s.throttle_creates -= 1;
                return Err(AmazonError::Throttled {
                    request_id: Some("req-429".into()),
                });
            }
            if let Some(message) = &s.refuse_creates {
                return Err(AmazonError::Refused {
                    status: 400,
                    code: "InvalidInput".into(),
                    message: message.clone(),
                    request_id: None,
                });
            }
            if s.orders.contains_key(&request.order_id) {
                return Err(AmazonError::Refused {
                    status: 400,
                    code: "InvalidInput".into(),
                    message: "a fulfillment order with this id already exists".into(),
                    request_id: None,
                });
            }
            s.orders
                .insert(request.order_id, (request.clone(), "RECEIVED".into()));
            Ok(())
        })
    }

    async fn get_fulfillment_order(
        &self,
        order_id: OrderId,
    ) -> Result<Option<FulfillmentOrderState>, AmazonError> {
        self.with(|s| {
            if s.down {
                return Err(Self::outage());
            }
            Ok(s.orders
                .get(&order_id)
                .map(|(_, status)| FulfillmentOrderState {
                    order_id,
                    status: status.clone(),
                }))
        })
    }

    async fn cancel_fulfillment_order(
        &self,
        order_id: OrderId,
    ) -> Result<CancelOutcome, AmazonError> {
        self.with(|s| {
            s.cancel_calls += 1;
            if s.down {
                return Err(Self::outage());
            }
            match s.orders.get_mut(&order_id) {
                Some((_, status)) if status == "RECEIVED" || status == "PLANNING" => {
                    *status = "CANCELLED".into();
                    Ok(CancelOutcome::Cancelled)
                }
                Some((_, status)) => Ok(CancelOutcome::Refused {
                    reason: format!("the order is {status}"),
                }),
                None => Ok(CancelOutcome::Refused {
                    reason: "no such fulfillment order".into(),
                }),
            }
        })
    }

    async fn fulfillment_preview(
        &self,
        request: &PreviewRequest,
    ) -> Result<Vec<PreviewOption>, AmazonError> {
        self.with(|s| {
            if s.down {
                return Err(Self::outage());
            }
            if request.address.country_code() == "ZZ" {
                return Err(AmazonError::Refused {
                    status: 400,
                    code: "InvalidInput".into(),
                    message: "cannot ship to ZZ".into(),
                    request_id: None,
                });
            }
            let now = Utc::now();
            Ok(ShippingSpeed::ALL
                .iter()
                .enumerate()
                .map(|(i, speed)| PreviewOption {
                    shipping_speed: *speed,
                    fulfillable: *speed != ShippingSpeed::Priority,
                    earliest_arrival: Some(now + Duration::days(5 - i as i64)),
                    latest_arrival: Some(now + Duration::days(7 - i as i64)),
                    total_fee: Some(Fee {
                        amount: rust_decimal::Decimal::new(599 + 300 * i as i64, 2),
                        currency: Currency::USD,
                    }),
                })
                .collect())
        })
    }

    async fn patch_listing(&self, _patch: &ListingPatch) -> Result<(), AmazonError> {
        Ok(())
    }
}
