//! Reorders raised, approved, mailed, received and rejected; order
//! recovery, the forecast job, metrics and analytics.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use super::super::{Env, failures};
use super::{ids, listing, listing_body};

pub async fn procurement(env: &Env, alice: &str, admin: &str) {
    let scheduled = env.fixture("stock-check/scheduled.json");
    let summary = env.invoke("stock-check", &scheduled, "scheduled").await;
    env.check(
        summary["job"] == "stock-check"
            && summary["failed"] == 0
            && summary["acted"].as_u64() >= Some(2),
        "stock-check raised the two reorders (VASE-TEAL, BOWL-SLATE)",
        &summary,
    );
    let queued = env.receive_json("REORDERS_QUEUE_URL").await;
    let req = env.req("admin-api/list-reorders.json").token(admin);
    let (_, reorders) = env
        .http(
            "admin-api",
            "list-all-reorders",
            req.query(&[("limit", "50")]),
        )
        .await;
    let items = reorders["items"].as_array().cloned().unwrap_or_default();
    let of = |sku: &str| {
        items
            .iter()
            .find(|r| r["sku"] == sku)
            .cloned()
            .unwrap_or_default()
    };
    let (vase, bowl) = (of("VASE-TEAL"), of("BOWL-SLATE"));
    env.check(
        vase["status"] == "QUEUED" && bowl["status"] == "PENDING_APPROVAL",
        "VASE-TEAL's reorder is QUEUED; the subpar supplier's waits for approval",
        &reorders,
    );
    let vase_id = vase["reorder_id"].as_str().unwrap_or_default().to_owned();
    let bowl_id = bowl["reorder_id"].as_str().unwrap_or_default().to_owned();
    env.check(
        ids(&json!(queued), "reorder_id") == [vase_id.clone()],
        "only the QUEUED one was published to the reorders queue",
        &queued,
    );
    let vase_message = queued[0].to_string();

    let req = env.req("admin-api/list-reorders.json").token(admin);
    let (status, body) = env.http("admin-api", "list-reorders", req).await;
    env.check(
        status == 200 && ids(&body["items"], "sku") == ["BOWL-SLATE"],
        "GET /reorders?status=PENDING_APPROVAL",
        (status, &body),
    );
    let req = env.req("admin-api/approve-reorder.json").token(admin);
    let req = req.path(&format!("/reorders/{bowl_id}/approve"));
    let (status, body) = env.http("admin-api", "approve-reorder", req).await;
    env.check(
        status == 200 && body["status"] == "QUEUED",
        "approve: QUEUED",
        (status, &body),
    );
    let approved = env.receive_json("REORDERS_QUEUE_URL").await;
    env.check(
        ids(&json!(approved), "reorder_id") == [bowl_id.clone()],
        "approving published the reorder",
        &approved,
    );

    let fixture = env.fixture("reorder-mailer/reorder-queued.json");
    let answer = env
        .invoke("reorder-mailer", &fixture, "fixture-unknown-reorder")
        .await;
    let fixture_id = fixture["Records"][0]["messageId"]
        .as_str()
        .unwrap_or_default();
    env.check(
        failures(&answer) == [fixture_id],
        "a ReorderQueued for an unknown reorder is reported (it goes to the DLQ)",
        &answer,
    );
    let mails_before = env.sent_mail().await.len();
    let bodies = [vase_message, approved[0].to_string()];
    let mailer = "reorder-mailer/reorder-queued.json";
    let answer = env
        .sqs_batch("reorder-mailer", mailer, "batch", &bodies)
        .await;
    env.check(
        failures(&answer).is_empty(),
        "both reorders mailed",
        &answer,
    );
    let mails = env.sent_mail().await.split_off(mails_before);
    let mut to: Vec<String> = mails
        .iter()
        .flat_map(|m| {
            m["destinations"]["ToAddresses"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|a| a.as_str().map(str::to_owned))
        .collect();
    to.sort();
    env.check(
        to == ["orders@acme.example", "sales@budget.example"],
        "SES (moto) holds one mail to each supplier",
        &mails,
    );
    let sender = env.setting("SENDER_EMAIL");
    env.check(
        mails.iter().all(|m| m["source"] == sender),
        "sent from SENDER_EMAIL",
        &mails,
    );
    let names_sku = |m: &Value| {
        let text = format!(
            "{}{}",
            m["subject"].as_str().unwrap_or_default(),
            m["body"].as_str().unwrap_or_default()
        );
        text.contains("VASE-TEAL")
    };
    env.check(
        mails.iter().any(names_sku),
        "the mail names the SKU",
        &mails,
    );
    let answer = env
        .sqs_batch("reorder-mailer", mailer, "batch-again", &bodies)
        .await;
    let mails_now = env.sent_mail().await.len();
    env.check(
        failures(&answer).is_empty() && mails_now == mails_before + 2,
        "a redelivered reorder is not mailed twice",
        (&answer, mails_now),
    );
    let req = env.req("admin-api/list-reorders.json").token(admin);
    let (_, body) = env
        .http("admin-api", "list-sent", req.query(&[("status", "SENT")]))
        .await;
    let mut sent = ids(&body["items"], "sku");
    sent.sort();
    env.check(
        sent == ["BOWL-SLATE", "VASE-TEAL"],
        "both reorders are SENT",
        &body,
    );

    let receive = format!("/reorders/{vase_id}/receive");
    let req = env.req("admin-api/receive-reorder.json").token(admin);
    let (status, body) = env
        .http("admin-api", "receive-reorder", req.path(&receive))
        .await;
    env.check(
        status == 200 && body["status"] == "RECEIVED",
        "receive: RECEIVED",
        (status, &body),
    );
    let vase = listing(env, alice, "VASE-TEAL", "get-after-receive").await;
    env.check(
        vase["available"] == 41,
        "receiving 40 took VASE-TEAL from 1 to 41",
        &vase,
    );
    let req = env.req("admin-api/receive-reorder.json").token(admin);
    let (status, body) = env
        .http("admin-api", "receive-again", req.path(&receive))
        .await;
    let vase = listing(env, alice, "VASE-TEAL", "get-after-receive-again").await;
    env.check(
        status == 409 && vase["available"] == 41,
        "receiving the same reorder again is 409 and adds nothing",
        (status, &body, &vase),
    );

    // A reorder already mailed cannot be cancelled: the supplier has it.
    let cancel = format!("/reorders/{bowl_id}/cancel");
    let req = env.req("admin-api/cancel-reorder.json").token(admin);
    let (status, body) = env
        .http("admin-api", "cancel-reorder", req.path(&cancel))
        .await;
    env.check(
        status == 409 && body["error"]["code"] == "reorder_not_cancellable",
        "cancelling a SENT reorder: 409 reorder_not_cancellable",
        (status, &body),
    );

    let req = env.req("listings-api/put-listing.json").token(admin);
    let req = req
        .path("/listings/TRAY-JUTE")
        .body(listing_body("Jute tray", 0, 3, Some("budget")));
    let (status, body) = env.http("listings-api", "put-TRAY-JUTE", req).await;
    env.check(
        status == 201,
        "PUT /listings/TRAY-JUTE, out of stock, from the subpar supplier",
        (status, &body),
    );
    let summary = env.invoke("stock-check", &scheduled, "again").await;
    env.check(
        summary["failed"] == 0 && summary["acted"] == 1,
        "the second stock check raises TRAY-JUTE's reorder only (BOWL-SLATE's is still open)",
        &summary,
    );
    let req = env.req("admin-api/list-reorders.json").token(admin);
    let (status, body) = env.http("admin-api", "list-tray", req).await;
    let items = body["items"].as_array().cloned().unwrap_or_default();
    let tray: Vec<_> = items.iter().filter(|r| r["sku"] == "TRAY-JUTE").collect();
    env.check(
        tray.len() == 1,
        "TRAY-JUTE's reorder waits for approval",
        (status, &body),
    );
    let reject = format!(
        "/reorders/{}/reject",
        tray[0]["reorder_id"].as_str().unwrap_or_default()
    );
    let req = env.req("admin-api/reject-reorder.json").token(admin);
    let (status, body) = env
        .http("admin-api", "reject-reorder", req.path(&reject))
        .await;
    env.check(
        status == 200 && body["status"] == "REJECTED",
        "reject: REJECTED",
        (status, &body),
    );
    let published = env.receive_all("REORDERS_QUEUE_URL").await;
    env.check(
        published.is_empty(),
        "a rejected reorder is never published",
        &published,
    );
}

pub async fn recovery_forecast_and_metrics(env: &Env, alice: &str, admin: &str) {
    let req = env.req("orders-api/place-order.json").token(alice);
    let req = req
        .body(json!({"items": [{"sku": "NOTE-A5", "quantity": 1}]}))
        .header("idempotency-key", "invoke-all-third-order");
    let (status, third) = env.http("orders-api", "place-third", req).await;
    env.check(
        status == 201,
        "a third order, left PENDING",
        (status, &third),
    );
    env.receive_all("ORDERS_QUEUE_URL").await; // as if the send had been lost
    let age: u64 = env.setting("ORDER_RECOVERY_AGE_SECONDS").parse().unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(age * 1000 + 500)).await;
    let fixture = env.fixture("order-recovery/scheduled.json");
    let summary = env.invoke("order-recovery", &fixture, "scheduled").await;
    env.check(
        summary["job"] == "order-recovery" && summary["failed"] == 0 && summary["acted"] == 1,
        "order-recovery re-published one stale order",
        &summary,
    );
    let republished = env.receive_json("ORDERS_QUEUE_URL").await;
    env.check(
        ids(&json!(republished), "order_id") == [third["order_id"].as_str().unwrap_or_default()],
        "the third order's OrderPlaced is back",
        &republished,
    );

    let fixture = env.fixture("demand-forecast/scheduled.json");
    let summary = env.invoke("demand-forecast", &fixture, "scheduled").await;
    env.check(
        summary["job"] == "demand-forecast"
            && summary["failed"] == 0
            && summary["examined"].as_u64() >= Some(1),
        "demand-forecast ran",
        &summary,
    );
    let req = env.req("admin-api/forecast.json").token(admin);
    let (status, body) = env.http("admin-api", "forecast", req).await;
    env.check(
        status == 200
            && body["sku"] == "MUG-BLUE"
            && body["daily"].as_array().map(|d| d.len() as u64) == body["horizon_days"].as_u64()
            && body["reorder_point"].as_f64().is_some_and(|r| r >= 0.0),
        "GET /forecasts/MUG-BLUE: the forecast the job wrote",
        (status, &body),
    );

    // The deployment has no model provider: the assistant says so, and
    // nothing else is affected.
    let req = env.req("admin-api/assistant-message.json").token(admin);
    let (status, body) = env.http("admin-api", "assistant-message", req).await;
    env.check(
        status == 503 && body["error"]["code"] == "assistant_not_configured",
        "POST /assistant/messages without a provider: 503 assistant_not_configured",
        (status, &body),
    );

    let req = env.req("admin-api/metrics.json").token(admin);
    let (status, body) = env.http("admin-api", "metrics", req).await;
    let counts = &body["status_counts"];
    env.check(
        status == 200
            && body["total_orders"] == 3
            && counts["COMPLETED"] == 1
            && counts["CANCELLED"] == 1
            && counts["PENDING"] == 1,
        "GET /metrics counts the three orders by status",
        (status, &body),
    );
    let req = env.req("admin-api/metrics.json").token(alice);
    let (status, body) = env.http("admin-api", "metrics-as-customer", req).await;
    env.check(status == 403, "metrics are for admins", (status, &body));
    let today = Utc::now().date_naive();
    let (from, to) = ((today - Duration::days(1)).to_string(), today.to_string());
    let req = env.req("admin-api/analytics.json").token(admin);
    let req = req.query(&[("from", &from), ("to", &to), ("granularity", "day")]);
    let (status, body) = env.http("admin-api", "analytics", req).await;
    env.check(
        status == 200 && body["totals"]["order_count"] == 3,
        "GET /analytics/orders: today's three orders",
        (status, &body),
    );
}
