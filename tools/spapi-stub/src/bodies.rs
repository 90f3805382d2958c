//! The bodies the stub answers SP-API operations with, shaped as in
//! Amazon's models (`GetFulfillmentOrderResponse`,
//! `GetFulfillmentPreviewResponse`, `ErrorList`).

use chrono::Utc;
use serde_json::{Value, json};

use crate::state::{Answer, Order};

pub fn not_found(id: &str) -> Answer {
    Answer::error(
        404,
        "NotFound",
        &format!("No fulfillment order with sellerFulfillmentOrderId {id}."),
    )
}

/// getFulfillmentOrder's payload for a stored order.
pub fn order_view(id: &str, order: &Order) -> Value {
    let r = &order.request;
    let items: Vec<Value> = r["items"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|i| {
            json!({
                "sellerSku": i["sellerSku"],
                "sellerFulfillmentOrderItemId": i["sellerFulfillmentOrderItemId"],
                "quantity": i["quantity"],
                "cancelledQuantity": if order.status == "CANCELLED" { i["quantity"].clone() } else { json!(0) },
                "unfulfillableQuantity": 0,
            })
        })
        .collect();
    json!({"payload": {
        "fulfillmentOrder": {
            "sellerFulfillmentOrderId": id,
            "marketplaceId": r["marketplaceId"].as_str().unwrap_or("ATVPDKIKX0DER"),
            "displayableOrderId": r["displayableOrderId"],
            "displayableOrderDate": r["displayableOrderDate"],
            "displayableOrderComment": r["displayableOrderComment"],
            "shippingSpeedCategory": r["shippingSpeedCategory"],
            "destinationAddress": r["destinationAddress"],
            "receivedDate": order.received,
            "fulfillmentOrderStatus": order.status,
            "statusUpdatedDate": order.updated,
        },
        "fulfillmentOrderItems": items,
        "fulfillmentShipments": [],
        "returnItems": [],
        "returnAuthorizations": [],
    }})
}

/// getFulfillmentPreview's answer: one preview per requested speed.
pub fn preview(body: &Value, fulfillable: bool) -> Value {
    let requested: Vec<&str> = body["shippingSpeedCategories"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let speeds = if requested.is_empty() {
        vec!["Standard", "Expedited", "Priority"]
    } else {
        requested
    };
    let marketplace = body["marketplaceId"].as_str().unwrap_or("ATVPDKIKX0DER");
    let now = Utc::now();
    let day = |d: i64| {
        (now + chrono::Duration::days(d)).to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    };
    let previews: Vec<Value> = speeds
        .iter()
        .map(|speed| {
            let (earliest, latest, fee) = match *speed {
                "Priority" => (1, 2, "8.75"),
                "Expedited" => (2, 3, "5.40"),
                _ => (3, 5, "3.22"),
            };
            let mut preview = json!({
                "shippingSpeedCategory": speed,
                "isFulfillable": fulfillable,
                "isCODCapable": false,
                "marketplaceId": marketplace,
            });
            if fulfillable {
                preview["estimatedFees"] = json!([
                    {"name": "FBAPerUnitFulfillmentFee", "amount": {"currencyCode": "USD", "value": fee}}
                ]);
                preview["fulfillmentPreviewShipments"] = json!([{
                    "earliestShipDate": day(0),
                    "latestShipDate": day(1),
                    "earliestArrivalDate": day(earliest),
                    "latestArrivalDate": day(latest),
                    "fulfillmentPreviewItems": [],
                }]);
            } else {
                preview["orderUnfulfillableReasons"] = json!(["InventoryUnavailable"]);
            }
            preview
        })
        .collect();
    json!({"payload": {"fulfillmentPreviews": previews}})
}
