//! An in-process Amazon for tests that need MCF mode but not the SP-API
//! stand-in: it keeps every fulfilment order it is given in `RECEIVED`, so
//! orders wait in PROCESSING for notifications and stay cancellable.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use stockroom::app::App;
use stockroom::domain::OrderId;
use stockroom::ports::{
    Amazon, AmazonError, CancelOutcome, FulfillmentOrderRequest, FulfillmentOrderState,
    ListingPatch, PreviewOption, PreviewRequest,
};
use stockroom_dev_server::config::DevConfig;

use super::{Running, dev_config};

/// Fulfilment orders by id, with Amazon's status.
#[derive(Debug, Default)]
pub struct ParkedAmazon {
    orders: Mutex<HashMap<OrderId, String>>,
}

impl ParkedAmazon {
    fn orders(&self) -> std::sync::MutexGuard<'_, HashMap<OrderId, String>> {
        self.orders.lock().unwrap()
    }
}

#[async_trait]
impl Amazon for ParkedAmazon {
    async fn create_fulfillment_order(
        &self,
        request: &FulfillmentOrderRequest,
    ) -> Result<(), AmazonError> {
        let mut orders = self.orders();
        if orders.contains_key(&request.order_id) {
            return Err(AmazonError::Refused {
                status: 400,
                code: "InvalidInput".into(),
                message: "already exists".into(),
                request_id: None,
            });
        }
        orders.insert(request.order_id, "RECEIVED".into());
        Ok(())
    }

    async fn get_fulfillment_order(
        &self,
        order_id: OrderId,
    ) -> Result<Option<FulfillmentOrderState>, AmazonError> {
        Ok(self
            .orders()
            .get(&order_id)
            .map(|status| FulfillmentOrderState {
                order_id,
                status: status.clone(),
            }))
    }

    async fn cancel_fulfillment_order(
        &self,
        order_id: OrderId,
    ) -> Result<CancelOutcome, AmazonError> {
        match self.orders().get_mut(&order_id) {
            Some(status) if status == "RECEIVED" || status == "CANCELLED" => {
                *status = "CANCELLED".into();
                Ok(CancelOutcome::Cancelled)
            }
            _ => Ok(CancelOutcome::Refused {
                reason: "not cancellable".into(),
            }),
        }
    }

    async fn fulfillment_preview(
        &self,
        _request: &PreviewRequest,
    ) -> Result<Vec<PreviewOption>, AmazonError> {
        Ok(Vec::new())
    }

    async fn patch_listing(&self, _patch: &ListingPatch) -> Result<(), AmazonError> {
        Ok(())
    }
}

/// The dev configuration in mcf mode, with `overrides`.
pub fn mcf_config(overrides: &[(&str, &str)]) -> DevConfig {
    let mut all = vec![("FULFILLMENT_MODE", "mcf")];
    all.extend_from_slice(overrides);
    dev_config(&all)
}

/// `app` with a [`ParkedAmazon`].
pub fn parked(app: App) -> App {
    app.with_amazon(Arc::new(ParkedAmazon::default()))
}

impl Running {
    /// A dev server in mcf mode whose Amazon is a [`ParkedAmazon`].
    pub async fn start_mcf_parked() -> Running {
        let dev = mcf_config(&[]);
        stockroom::wiring::ensure_store_ready(&dev.config)
            .await
            .expect("store ready");
        let app = stockroom::wiring::build_local_app(&dev.config)
            .await
            .expect("app");
        Self::start_app(parked(app), dev).await
    }
}
