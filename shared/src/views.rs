//! Resource representations: the JSON shapes of the HTTP contract. Field
//! names here are part of the contract; more fields are fine, renames are
//! not. Money is a decimal string, timestamps RFC 3339 UTC.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::domain::{
    Fulfillment, Listing, ListingStatus, MailFailureCause, Order, OrderStatus, Reorder,
    ReorderReason, ReorderStatus, ShippingAddress, ShippingSpeed, Supplier, money_string,
};
use crate::ports::PreviewOption;

/// RFC 3339 in UTC with millisecond precision (`2024-05-01T12:00:00.000Z`).
pub fn timestamp(at: &DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// A listing as an admin sees it: stock, status and the procurement
/// fields (supplier, reorder point and quantity, lead time).
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

/// A listing as a customer sees it in the shop: an ACTIVE listing's
/// title, price and stock, nothing about how it is restocked.
/// `additionalProperties: false` (from `deny_unknown_fields`) keeps it apart
/// from [`ListingView`] in a `oneOf`.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShopListingView {
    #[schema(example = "MUG-BLUE")]
    pub sku: String,
    pub title: String,
    /// Unit price, a decimal string.
    #[schema(example = "12.50")]
    pub price: String,
    #[schema(example = "USD")]
    pub currency: String,
    /// Units that can be ordered now.
    pub available: i64,
    #[schema(example = "2024-05-01T12:00:00.000Z")]
    pub updated_at: String,
}

impl From<&Listing> for ShopListingView {
    fn from(l: &Listing) -> Self {
        ShopListingView {
            sku: l.sku.to_string(),
            title: l.title.as_str().to_owned(),
            price: l.price.to_string(),
            currency: l.currency.to_string(),
            available: l.available.get(),
            updated_at: timestamp(&l.updated_at),
        }
    }
}

/// A listing read: the shop view for customers, the full view for admins.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(untagged)]
pub enum ListingRead {
    Shop(ShopListingView),
    Full(ListingView),
}

impl ListingRead {
    /// The view of `listing` for an admin (`full`) or a customer.
    pub fn of(listing: &Listing, full: bool) -> Self {
        if full {
            ListingRead::Full(ListingView::from(listing))
        } else {
            ListingRead::Shop(ShopListingView::from(listing))
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
    /// Where the order ships; null when placed without one (self-fulfilled).
    pub shipping_address: Option<ShippingAddressView>,
    /// How fast it ships; set with the address.
    pub shipping_speed: Option<ShippingSpeed>,
    /// When Amazon was known to hold the MCF fulfilment order.
    pub fulfillment_submitted_at: Option<String>,
    /// Why a FAILED order failed, when Amazon refused it.
    pub failure_reason: Option<String>,
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
            shipping_address: o.shipping_address.as_ref().map(ShippingAddressView::from),
            shipping_speed: o.shipping_speed,
            fulfillment_submitted_at: o.fulfillment_submitted_at.as_ref().map(timestamp),
            failure_reason: o.failure_reason.clone(),
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

/// A shipping address as stored: trimmed, optional fields null when absent.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShippingAddressView {
    pub name: String,
    pub address_line1: String,
    pub address_line2: Option<String>,
    pub city: Option<String>,
    pub state_or_region: Option<String>,
    pub postal_code: String,
    /// ISO 3166-1 alpha-2.
    #[schema(example = "US")]
    pub country_code: String,
    pub phone: Option<String>,
}

impl From<&ShippingAddress> for ShippingAddressView {
    fn from(a: &ShippingAddress) -> Self {
        ShippingAddressView {
            name: a.name().to_owned(),
            address_line1: a.address_line1().to_owned(),
            address_line2: a.address_line2().map(str::to_owned),
            city: a.city().map(str::to_owned),
            state_or_region: a.state_or_region().map(str::to_owned),
            postal_code: a.postal_code().to_owned(),
            country_code: a.country_code().to_owned(),
            phone: a.phone().map(str::to_owned),
        }
    }
}

/// `POST /orders/preview`: Amazon's shipping options for the items.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShippingPreviewView {
    pub options: Vec<ShippingOptionView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ShippingOptionView {
    pub shipping_speed: ShippingSpeed,
    /// Whether Amazon can ship every item at this speed.
    pub fulfillable: bool,
    pub earliest_arrival: Option<String>,
    pub latest_arrival: Option<String>,
    /// The sum of Amazon's estimated fees; null when it quotes none.
    pub total_fee: Option<FeeView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FeeView {
    /// A decimal string.
    #[schema(example = "5.99")]
    pub amount: String,
    pub currency: String,
}

impl From<&[PreviewOption]> for ShippingPreviewView {
    fn from(options: &[PreviewOption]) -> Self {
        ShippingPreviewView {
            options: options
                .iter()
                .map(|o| ShippingOptionView {
                    shipping_speed: o.shipping_speed,
                    fulfillable: o.fulfillable,
                    earliest_arrival: o.earliest_arrival.as_ref().map(timestamp),
                    latest_arrival: o.latest_arrival.as_ref().map(timestamp),
                    total_fee: o.total_fee.as_ref().map(|fee| FeeView {
                        amount: money_string(fee.amount),
                        currency: fee.currency.to_string(),
                    }),
                })
                .collect(),
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
    /// Times the mailer took it up to send.
    pub mail_attempts: u32,
    /// While SENDING: when the mailer's claim lapses and the stock check
    /// may queue it again.
    pub lease_expires_at: Option<String>,
    /// Why the mail failed for good; set when MAIL_FAILED.
    pub mail_failure: Option<MailFailureView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MailFailureView {
    /// `rejected`: the mail service refused the message for good;
    /// `retry_cap`: every allowed attempt failed.
    pub cause: MailFailureCause,
    /// What happened, for the admin.
    pub detail: String,
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
            mail_attempts: r.mail_attempts,
            lease_expires_at: r.lease_expires_at.as_ref().map(timestamp),
            mail_failure: r.mail_failure.as_ref().map(|f| MailFailureView {
                cause: f.cause,
                detail: f.detail.clone(),
            }),
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
