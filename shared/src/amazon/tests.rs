use super::transport::{path_segment, rate_limit_pause};
use super::*;
use crate::config::Secret;

fn config() -> AmazonConfig {
    AmazonConfig {
        endpoint: "http://127.0.0.1:1".into(),
        lwa_endpoint: "http://127.0.0.1:1/auth/o2/token".into(),
        client_id: "amzn1.application-oa2-client.test".into(),
        client_secret: Secret::new("the-client-secret"),
        refresh_token: Secret::new("Atzr|the-refresh-token"),
        marketplace_id: "ATVPDKIKX0DER".into(),
        seller_id: "A2SELLER".into(),
    }
}

#[test]
fn debug_output_holds_no_secret() {
    let client = SpApi::new(&config(), Options::default()).unwrap();
    let shown = format!("{client:?}");
    assert!(shown.contains("A2SELLER"), "{shown}");
    assert!(!shown.contains("the-client-secret"), "{shown}");
    assert!(!shown.contains("the-refresh-token"), "{shown}");
}

#[test]
fn sku_path_segments_are_encoded() {
    assert_eq!(path_segment("ABC-1.2_x~"), "ABC-1.2_x~");
    assert_eq!(path_segment("A/B C"), "A%2FB%20C");
}

#[test]
fn rate_limit_headers_space_retries() {
    assert_eq!(
        rate_limit_pause(Some("2")),
        Some(Duration::from_millis(500))
    );
    assert_eq!(
        rate_limit_pause(Some("0.0167")),
        Some(Duration::from_secs(5))
    );
    assert_eq!(rate_limit_pause(Some("0")), None);
    assert_eq!(rate_limit_pause(Some("many")), None);
    assert_eq!(rate_limit_pause(None), None);
}

#[test]
fn a_preview_sums_fees_and_spans_shipments() {
    let preview: models::FulfillmentPreview = serde_json::from_value(serde_json::json!({
        "shippingSpeedCategory": "Expedited",
        "isFulfillable": true,
        "isCODCapable": false,
        "marketplaceId": "ATVPDKIKX0DER",
        "estimatedFees": [
            {"name": "FBAPerUnitFulfillmentFee", "amount": {"currencyCode": "USD", "value": "3.20"}},
            {"name": "FBATransportationFee", "amount": {"currencyCode": "USD", "value": "0.05"}}
        ],
        "fulfillmentPreviewShipments": [
            {"earliestArrivalDate": "2026-01-03T00:00:00Z", "latestArrivalDate": "2026-01-05T00:00:00Z", "fulfillmentPreviewItems": []},
            {"earliestArrivalDate": "2026-01-02T00:00:00Z", "latestArrivalDate": "2026-01-06T00:00:00Z", "fulfillmentPreviewItems": []}
        ]
    }))
    .unwrap();
    let option = preview_option(&preview).unwrap();
    assert_eq!(option.shipping_speed, ShippingSpeed::Expedited);
    assert!(option.fulfillable);
    let fee = option.total_fee.unwrap();
    assert_eq!(fee.amount, Decimal::new(325, 2));
    assert_eq!(fee.currency.as_str(), "USD");
    assert_eq!(
        option.earliest_arrival.unwrap().to_rfc3339(),
        "2026-01-02T00:00:00+00:00"
    );
    assert_eq!(
        option.latest_arrival.unwrap().to_rfc3339(),
        "2026-01-06T00:00:00+00:00"
    );

    let scheduled = models::FulfillmentPreview {
        shipping_speed_category: "ScheduledDelivery".into(),
        ..preview
    };
    assert!(preview_option(&scheduled).is_none());
}
