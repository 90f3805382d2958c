//! Parsing Amazon Selling Partner API notifications: the bodies that arrive
//! on the listing and fulfillment-status queues become domain
//! [`Notification`]s here, and nowhere else.
//!
//! This is input parsing, so it lives with the consumers that read those
//! queues, as `crate::http::request` lives with the routes: the use cases in
//! `crate::app::notifications` see only domain values, never SP-API JSON.
//!
//! Two envelopes arrive: the raw SP-API notification (SQS destinations)
//! and the EventBridge event that wraps it under `detail` (how Amazon
//! delivers LISTINGS_* notifications). Both spellings of the listing status
//! type are accepted (`LISTINGS_ITEM_STATUS_CHANGE` and the `..._CHANGED`
//! of Amazon's schema file).

use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde_json::Value;
use thiserror::Error;

use crate::domain::{
    EventStamp, FulfillmentChannel, FulfillmentNotice, ListingStatus, Notification, ReturnNotice,
    ShipmentNotice, ShipmentPackage, Sku, Stock,
};

/// Why a message is not a notification we can apply. Such a message is
/// reported as failed and ends in the dead-letter queue.
#[derive(Debug, Error, PartialEq, Eq)]
pub enum NotificationError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("not an SP-API notification: {0}")]
    Envelope(String),
    #[error("unsupported notification type {0:?}")]
    UnknownType(String),
    #[error("invalid {kind} payload: {reason}")]
    Payload { kind: &'static str, reason: String },
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Envelope {
    notification_type: String,
    event_time: DateTime<Utc>,
    payload: Value,
    notification_metadata: Metadata,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Metadata {
    notification_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct StatusPayload {
    sku: String,
    status: Vec<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct QuantityPayload {
    sku: String,
    fulfillment_channel_code: String,
    quantity: i64,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct FulfillmentPayload {
    fulfillment_order_status_notification: RawFulfillment,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawFulfillment {
    #[serde(default)]
    event_type: Option<String>,
    #[serde(default)]
    status_updated_date_time: Option<DateTime<Utc>>,
    seller_fulfillment_order_id: String,
    fulfillment_order_status: String,
    #[serde(default)]
    fulfillment_shipment: Option<RawShipment>,
    #[serde(default)]
    fulfillment_return_item: Option<RawReturn>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawShipment {
    fulfillment_shipment_status: String,
    amazon_shipment_id: String,
    #[serde(default)]
    estimated_arrival_date_time: Option<DateTime<Utc>>,
    #[serde(default)]
    fulfillment_shipment_packages: Vec<RawPackage>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawPackage {
    #[serde(default)]
    package_number: Option<i64>,
    #[serde(default)]
    carrier_code: Option<String>,
    #[serde(default)]
    tracking_number: Option<String>,
    #[serde(default)]
    estimated_arrival_date_time: Option<DateTime<Utc>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
struct RawReturn {
    #[serde(default)]
    received_date_time: Option<DateTime<Utc>>,
    returned_quantity: i64,
    #[serde(rename = "SellerSKU")]
    seller_sku: String,
}

fn payload<T: serde::de::DeserializeOwned>(
    kind: &'static str,
    value: Value,
) -> Result<T, NotificationError> {
    serde_json::from_value(value).map_err(|e| NotificationError::Payload {
        kind,
        reason: e.to_string(),
    })
}

fn sku(kind: &'static str, raw: &str) -> Result<Sku, NotificationError> {
    Sku::parse(raw).map_err(|e| NotificationError::Payload {
        kind,
        reason: format!("Sku: {e}"),
    })
}

/// Parses a queue message body: a raw SP-API notification, or an
/// EventBridge event carrying one under `detail`.
pub fn parse(body: &str) -> Result<Notification, NotificationError> {
    let value: Value =
        serde_json::from_str(body).map_err(|e| NotificationError::NotJson(e.to_string()))?;
    let inner = match value {
        Value::Object(mut map) if map.contains_key("detail") && map.contains_key("detail-type") => {
            map.remove("detail").unwrap_or(Value::Null)
        }
        other => other,
    };
    let envelope: Envelope =
        serde_json::from_value(inner).map_err(|e| NotificationError::Envelope(e.to_string()))?;
    let id = envelope.notification_metadata.notification_id.trim();
    if id.is_empty() || id.len() > 256 {
        return Err(NotificationError::Envelope(
            "NotificationId must be 1 to 256 characters".into(),
        ));
    }
    let stamp = EventStamp {
        event_time: envelope.event_time,
        notification_id: id.to_owned(),
    };
    match envelope.notification_type.as_str() {
        "LISTINGS_ITEM_STATUS_CHANGE" | "LISTINGS_ITEM_STATUS_CHANGED" => {
            const KIND: &str = "LISTINGS_ITEM_STATUS_CHANGE";
            let p: StatusPayload = payload(KIND, envelope.payload)?;
            Ok(Notification::ListingStatus {
                stamp,
                sku: sku(KIND, &p.sku)?,
                status: ListingStatus::from_sp_api(&p.status),
            })
        }
        "LISTINGS_ITEM_MFN_QUANTITY_CHANGE" => {
            const KIND: &str = "LISTINGS_ITEM_MFN_QUANTITY_CHANGE";
            let p: QuantityPayload = payload(KIND, envelope.payload)?;
            let quantity = Stock::new(p.quantity).map_err(|e| NotificationError::Payload {
                kind: KIND,
                reason: format!("Quantity: {e}"),
            })?;
            Ok(Notification::ListingQuantity {
                stamp,
                sku: sku(KIND, &p.sku)?,
                channel: FulfillmentChannel::from_code(&p.fulfillment_channel_code),
                quantity,
            })
        }
        "FULFILLMENT_ORDER_STATUS" => {
            const KIND: &str = "FULFILLMENT_ORDER_STATUS";
            let p: FulfillmentPayload = payload(KIND, envelope.payload)?;
            let raw = p.fulfillment_order_status_notification;
            Ok(Notification::FulfillmentOrderStatus {
                stamp,
                notice: FulfillmentNotice {
                    seller_fulfillment_order_id: raw.seller_fulfillment_order_id,
                    event_type: raw.event_type.unwrap_or_default(),
                    fulfillment_order_status: raw.fulfillment_order_status.to_ascii_uppercase(),
                    status_updated_at: raw.status_updated_date_time,
                    shipment: raw.fulfillment_shipment.map(|s| ShipmentNotice {
                        amazon_shipment_id: s.amazon_shipment_id,
                        status: s.fulfillment_shipment_status,
                        estimated_arrival: s.estimated_arrival_date_time,
                        packages: s
                            .fulfillment_shipment_packages
                            .into_iter()
                            .map(|p| ShipmentPackage {
                                package_number: p.package_number,
                                carrier_code: p.carrier_code,
                                tracking_number: p.tracking_number,
                                estimated_arrival: p.estimated_arrival_date_time,
                            })
                            .collect(),
                    }),
                    return_item: raw.fulfillment_return_item.map(|r| ReturnNotice {
                        sku: r.seller_sku,
                        returned_quantity: r.returned_quantity,
                        received_at: r.received_date_time,
                    }),
                },
            })
        }
        other => Err(NotificationError::UnknownType(other.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const STATUS: &str = r#"{"NotificationVersion":"1.0","NotificationType":"LISTINGS_ITEM_STATUS_CHANGE","PayloadVersion":"1.0","EventTime":"2024-03-01T10:00:00Z","Payload":{"SellerId":"A3TH9S8BH6GOGM","MarketplaceId":"ATVPDKIKX0DER","Asin":"B0TEST1234","Sku":"MUG-BLUE","CreatedDate":"2024-01-01T00:00:00Z","Status":["DISCOVERABLE"]},"NotificationMetadata":{"ApplicationId":"amzn1.sellerapps.app.1","SubscriptionId":"s-1","PublishTime":"2024-03-01T10:00:01Z","NotificationId":"n-1"}}"#;

    #[test]
    fn raw_and_wrapped_envelopes_parse_alike() {
        let raw = parse(STATUS).unwrap();
        let wrapped = format!(
            r#"{{"version":"0","id":"e-1","detail-type":"LISTINGS_ITEM_STATUS_CHANGE","source":"aws.partner/sellingpartnerapi.amazon/x","account":"1","time":"2024-03-01T10:00:01Z","region":"us-east-1","resources":[],"detail":{STATUS}}}"#
        );
        assert_eq!(parse(&wrapped).unwrap(), raw);
        match raw {
            Notification::ListingStatus { sku, status, stamp } => {
                assert_eq!(sku.as_str(), "MUG-BLUE");
                assert_eq!(status, ListingStatus::Inactive);
                assert_eq!(stamp.notification_id, "n-1");
            }
            other => panic!("{other:?}"),
        }
        let changed = STATUS.replace("STATUS_CHANGE\"", "STATUS_CHANGED\"");
        assert!(matches!(
            parse(&changed).unwrap(),
            Notification::ListingStatus { .. }
        ));
    }

    #[test]
    fn malformed_and_unknown_messages_are_errors() {
        assert!(matches!(parse("nope"), Err(NotificationError::NotJson(_))));
        assert!(matches!(parse("{}"), Err(NotificationError::Envelope(_))));
        let unknown = STATUS.replace("LISTINGS_ITEM_STATUS_CHANGE", "ANY_OFFER_CHANGED");
        assert_eq!(
            parse(&unknown),
            Err(NotificationError::UnknownType("ANY_OFFER_CHANGED".into()))
        );
        let bad_sku = STATUS.replace("MUG-BLUE", "has space");
        assert!(matches!(
            parse(&bad_sku),
            Err(NotificationError::Payload { .. })
        ));
        let quantity = r#"{"NotificationType":"LISTINGS_ITEM_MFN_QUANTITY_CHANGE","EventTime":"2024-03-01T10:00:00Z","Payload":{"SellerId":"S","FulfillmentChannelCode":"DEFAULT","Sku":"A","Quantity":-4},"NotificationMetadata":{"NotificationId":"q"}}"#;
        assert!(matches!(
            parse(quantity),
            Err(NotificationError::Payload { .. })
        ));
    }
}
