//! Resource representations: the JSON shapes of the HTTP contract. Field
//! names here are part of the contract; more fields are fine, renames are
//! not. Money is a decimal string, timestamps RFC 3339 UTC.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{
    Fulfillment, Listing, ListingStatus, Order, OrderStatus, Reorder, ReorderReason, ReorderStatus,
    Supplier, money_string,
};

/// RFC 3339 in UTC with millisecond precision (`2024-05-01T12:00:00.000Z`).
pub fn timestamp(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ListingView {
    #[schema(example = "MUG-BLUE")]
    pub sku: String,
    pub title: String,
    /// Unit price, a decimal string.
    #[schema(example = "12.50")]
    pub price: String,
    #[schema(example = "USD")]
    pub currency: String,
    /// Sellable stock.
    pub available: i64,
    pub status: ListingStatus,
    pub supplier_id: Option<String>,
    pub reorder_point: u32,
    pub reorder_quantity: u32,
    pub lead_time_days: u32,
    /// Whether the daily forecast may set `reorder_point`.
    pub auto_reorder_point: bool,
    /// `available <= reorder_point`.
    pub low_stock: bool,
    /// Also sold on Amazon as a merchant-fulfilled offer, kept at this
    /// stock and price.
    pub amazon_mfn: bool,
    /// The quantity last pushed to Amazon; null before the first push.
    pub amazon_pushed_quantity: Option<i64>,
    #[schema(example = "2024-05-01T12:00:00.000Z")]
    pub updated_at: String,
}

impl From<&Listing> for ListingView {
    fn from(l: &Listing) -> Self {
        ListingView {
            sku: l.sku.to_string(),
            title: l.title.as_str().to_owned(),
            price: l.price.to_string(),
            currency: l.currency.to_string(),
            available: l.available.get(),
            status: l.status,
            supplier_id: l.supplier_id.as_ref().map(ToString::to_string),
            reorder_point: l.reorder_point,
            reorder_quantity: l.reorder_quantity,
            lead_time_days: l.lead_time_days,
            auto_reorder_point: l.auto_reorder_point,
            low_stock: l.is_low_stock(),
            amazon_mfn: l.amazon_mfn,
            amazon_pushed_quantity: l.amazon_pushed_quantity(),
            updated_at: timestamp(&l.updated_at),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderItemView {
    pub sku: String,
    pub quantity: u32,
    /// Price per unit when the order was placed, a decimal string.
    pub unit_price: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderView {
    pub order_id: String,
    pub customer_id: String,
    pub status: OrderStatus,
    pub items: Vec<OrderItemView>,
    /// Exact sum of the lines, a decimal string.
    #[schema(example = "37.50")]
    pub total_amount: String,
    pub currency: String,
    pub created_at: String,
    pub updated_at: String,
    /// Multi-Channel Fulfillment progress; null unless fulfilled by Amazon.
    pub fulfillment: Option<FulfillmentView>,
}

impl From<&Order> for OrderView {
    fn from(o: &Order) -> Self {
        OrderView {
            order_id: o.order_id.to_string(),
            customer_id: o.customer_id.to_string(),
            status: o.status,
            items: o
                .items
                .iter()
                .map(|l| OrderItemView {
                    sku: l.sku.to_string(),
                    quantity: l.quantity.get(),
                    unit_price: l.unit_price.to_string(),
                })
                .collect(),
            total_amount: money_string(o.total_amount),
            currency: o.currency.to_string(),
            created_at: timestamp(&o.created_at),
            updated_at: timestamp(&o.updated_at),
            fulfillment: o.fulfillment.as_ref().map(FulfillmentView::from),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FulfillmentView {
    /// MCF `FulfillmentOrderStatus`, e.g. `PROCESSING`, `COMPLETE`.
    pub status: String,
    pub shipments: Vec<ShipmentView>,
    pub returns: Vec<ReturnView>,
    /// `EventTime` of the last notification applied.
    pub updated_at: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShipmentView {
    pub amazon_shipment_id: String,
    pub status: String,
    pub estimated_arrival: Option<String>,
    pub packages: Vec<PackageView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PackageView {
    pub package_number: Option<i64>,
    pub carrier_code: Option<String>,
    pub tracking_number: Option<String>,
    pub estimated_arrival: Option<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReturnView {
    pub sku: String,
    pub returned_quantity: i64,
    pub received_at: Option<String>,
}

impl From<&Fulfillment> for FulfillmentView {
    fn from(f: &Fulfillment) -> Self {
        FulfillmentView {
            status: f.status.clone(),
            shipments: f
                .shipments
                .iter()
                .map(|s| ShipmentView {
                    amazon_shipment_id: s.amazon_shipment_id.clone(),
                    status: s.status.clone(),
                    estimated_arrival: s.estimated_arrival.as_ref().map(timestamp),
                    packages: s
                        .packages
                        .iter()
                        .map(|p| PackageView {
                            package_number: p.package_number,
                            carrier_code: p.carrier_code.clone(),
                            tracking_number: p.tracking_number.clone(),
                            estimated_arrival: p.estimated_arrival.as_ref().map(timestamp),
                        })
                        .collect(),
                })
                .collect(),
            returns: f
                .returns
                .iter()
                .map(|r| ReturnView {
                    sku: r.sku.clone(),
                    returned_quantity: r.returned_quantity,
                    received_at: r.received_at.as_ref().map(timestamp),
                })
                .collect(),
            updated_at: timestamp(&f.last_event.event_time),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupplierView {
    pub supplier_id: String,
    pub name: String,
    pub email: String,
    /// 1 (poor) to 5 (excellent).
    pub rating: u8,
    pub manual_approval: bool,
    /// Whether its reorders wait for approval (rating below the threshold or flagged).
    pub subpar: bool,
    pub updated_at: String,
}

impl SupplierView {
    pub fn new(s: &Supplier, subpar_below: u8) -> Self {
        SupplierView {
            supplier_id: s.supplier_id.to_string(),
            name: s.name.clone(),
            email: s.email.as_str().to_owned(),
            rating: s.rating.get(),
            manual_approval: s.manual_approval,
            subpar: s.is_subpar(subpar_below),
            updated_at: timestamp(&s.updated_at),
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReorderView {
    pub reorder_id: String,
    pub sku: String,
    pub supplier_id: String,
    pub quantity: u32,
    pub reason: ReorderReason,
    pub status: ReorderStatus,
    pub received_quantity: Option<u32>,
    pub created_at: String,
    pub updated_at: String,
}

impl From<&Reorder> for ReorderView {
    fn from(r: &Reorder) -> Self {
        ReorderView {
            reorder_id: r.reorder_id.to_string(),
            sku: r.sku.to_string(),
            supplier_id: r.supplier_id.to_string(),
            quantity: r.quantity,
            reason: r.reason,
            status: r.status,
            received_quantity: r.received_quantity,
            created_at: timestamp(&r.created_at),
            updated_at: timestamp(&r.updated_at),
        }
    }
}

/// One page of a list. `next_cursor` is null at the end.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PageView<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<String>,
}

/// The latest forecast of a SKU (`GET /forecasts/{sku}`).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ForecastView {
    pub sku: String,
    /// Syntetos-Boylan class: smooth, intermittent, erratic or lumpy.
    #[schema(example = "smooth")]
    pub class: String,
    /// ses, holt, holt_winters, holt_winters_multiplicative, croston_sba,
    /// tsb, or zero without demand.
    #[schema(example = "holt_winters")]
    pub method: String,
    /// Days forecast: lead time plus review period.
    pub horizon_days: u32,
    /// The first forecast day (`YYYY-MM-DD`).
    pub start_date: String,
    /// Expected units per day from `start_date`.
    pub daily: Vec<f64>,
    pub lead_time_days: u32,
    pub service_level: f64,
    pub lead_time_demand: f64,
    /// May be negative: the reorder point is a quantile of lead-time demand.
    pub safety_stock: f64,
    pub reorder_point: f64,
    /// How the safety stock was derived: empirical (quantile of past
    /// lead-time errors), lead_time_normal or daily_normal.
    #[schema(example = "empirical")]
    pub safety_stock_basis: String,
    /// MASE of the method's lead-time forecasts replayed over the history;
    /// null without enough history.
    pub backtest_mase: Option<f64>,
    /// Share of past days whose lead-time demand the reorder point of the
    /// day covered; null without enough history.
    pub coverage: Option<f64>,
    /// Past days the backtest replayed.
    pub backtest_origins: u32,
    /// When stock runs out at the forecast rate; null if not within a year.
    pub projected_stockout: Option<String>,
    /// Days of history used.
    pub history_days: u32,
    pub generated_at: String,
}

impl From<&crate::ports::ForecastRecord> for ForecastView {
    fn from(r: &crate::ports::ForecastRecord) -> Self {
        let f = &r.forecast;
        ForecastView {
            sku: r.sku.to_string(),
            class: serde_name(&f.class),
            method: serde_name(&f.method),
            horizon_days: f.horizon_days,
            start_date: f.start_date.to_string(),
            daily: f.daily.clone(),
            lead_time_days: f.lead_time_days,
            service_level: f.service_level,
            lead_time_demand: f.lead_time_demand,
            safety_stock: f.safety_stock,
            reorder_point: f.reorder_point,
            safety_stock_basis: f.basis.as_str().to_owned(),
            backtest_mase: f.backtest.mase,
            coverage: f.backtest.coverage,
            backtest_origins: f.backtest.origins,
            projected_stockout: f.projected_stockout.map(|d| d.to_string()),
            history_days: f.history_days,
            generated_at: timestamp(&r.generated_at),
        }
    }
}

/// The serde name of a unit enum variant (`smooth`, `holt_winters`, ...).
fn serde_name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}
