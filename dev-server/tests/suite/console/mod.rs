//! The console in a real browser: headless Chromium (Debian's package),
//! driven over WebDriver, against a dev server on a loopback port.
//!
//! An admin and a customer walk every page the way a person would: the
//! admin creates a supplier and a listing (titled like an HTML injection,
//! which must show as text), the customer places orders (one refused for
//! stock, named by SKU) and cancels one, the admin sees them in the
//! dashboard's counts, cancels another, approves and receives the reorder
//! the order raised, cancels a second reorder, and reads a forecast.
//! Assertions are on visible text, labels and roles. Throughout, the
//! browser console must log no error (apart from the refusals the test
//! provokes) and no request may leave 127.0.0.1. Screenshots of every page at 1280 and 390 pixels wide go to
//! `target/console-screenshots/`; the first-load weight and the time from
//! "Sign in" to a drawn dashboard are printed (see BENCHMARKS.md).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod walk;
mod webdriver;

use serde_json::{Value, json};
use stockroom::wiring::{build_local_app, ensure_store_ready};
use stockroom_dev_server::seed;

use crate::common::{self, ADMIN_PASSWORD, Running};
use walk::{Walk, screenshot_dir};
use webdriver::{Browser, ENTER, TAB};

const ADMIN_PAGES: &[(&str, &str)] = &[
    ("dashboard", "Dashboard"),
    ("orders", "Orders"),
    ("listings", "Listings"),
    ("suppliers", "Suppliers"),
    ("reorders", "Reorders"),
    ("forecasts", "Forecasts"),
    ("assistant", "Assistant"),
];
const CUSTOMER_PAGES: &[(&str, &str)] = &[("shop", "Shop"), ("my-orders", "My orders")];
const XSS_TITLE: &str = "<img src=x onerror=alert(1)>";

async fn start_server() -> Running {
    // MCF mode: orders wait in PROCESSING for Amazon (an in-process one
    // that ships nothing), so they can be cancelled from the console at
    // leisure; the shop sends a shipping address. The assistant talks to a
    // canned model server on loopback.
    let model = canned_model().await;
    let dev = common::dev_config(&[
        ("FULFILLMENT_MODE", "mcf"),
        ("ASSISTANT_API_BASE", model.as_str()),
        ("ASSISTANT_MODEL", "canned"),
    ]);
    ensure_store_ready(&dev.config).await.unwrap();
    let app = common::amazon::parked(build_local_app(&dev.config).await.unwrap());
    seed::catalogue(&app).await.unwrap();
    let server = Running::start_app(app, dev).await;
    // More listings than one page holds, to page through.
    for i in 0..25 {
        server.put_listing(&format!("BULK-{i:02}"), 50).await;
    }
    server
}

/// An OpenAI-compatible chat-completions server that asks for
/// `low_stock_listings` when the last message is the user's and otherwise
/// replies with the SKUs the tool result named: enough to see the console's
/// question travel to the model and the tool's answer come back.
async fn canned_model() -> String {
    use http_body_util::{BodyExt, Full};
    use hyper::body::Bytes;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/v1", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let service = hyper::service::service_fn(
                |req: hyper::Request<hyper::body::Incoming>| async move {
                    let body = req.into_body().collect().await.unwrap().to_bytes();
                    let request: Value = serde_json::from_slice(&body).unwrap();
                    let last = request["messages"]
                        .as_array()
                        .unwrap()
                        .last()
                        .unwrap()
                        .clone();
                    let message = if last["role"] == "tool" {
                        let result: Value =
                            serde_json::from_str(last["content"].as_str().unwrap()).unwrap();
                        let skus: Vec<&str> = result["listings"]
                            .as_array()
                            .unwrap()
                            .iter()
                            .map(|l| l["sku"].as_str().unwrap())
                            .collect();
                        json!({"role": "assistant", "content": format!("Low on stock: {}.", skus.join(", "))})
                    } else {
                        json!({"role": "assistant", "content": null, "tool_calls": [{"id": "c1", "type": "function",
                        "function": {"name": "low_stock_listings", "arguments": "{}"}}]})
                    };
                    let answer = json!({"choices": [{"index": 0, "message": message}]});
                    Ok::<_, std::convert::Infallible>(hyper::Response::new(Full::new(Bytes::from(
                        answer.to_string(),
                    ))))
                },
            );
            tokio::spawn(
                hyper::server::conn::http1::Builder::new()
                    .serve_connection(hyper_util::rt::TokioIo::new(stream), service),
            );
        }
    });
    base
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn admin_and_customer_walk_every_page_in_chromium() {
    let server = start_server().await;
    let shots = screenshot_dir();
    let b = Browser::start(&shots).await;
    let mut w = Walk {
        b,
        base: server.base.clone(),
        shots,
        width: 1280,
        expected_errors: Vec::new(),
    };

    // First load: the sign-in page, its weight, its policy.
    let headers = server.client.get(server.url("/")).send().await.unwrap();
    let csp = headers.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(csp.starts_with("default-src 'self'"), "{csp}");
    w.b.goto(&format!("{}/", w.base)).await;
    w.ready("sign-in").await;
    let weight = w
        .b
        .exec(
            "const nav = performance.getEntriesByType('navigation')[0];
             const assets = performance.getEntriesByType('resource').filter((r) => r.name.includes('/assets/'));
             return nav.decodedBodySize + assets.reduce((sum, r) => sum + r.decodedBodySize, 0);",
            json!([]),
        )
        .await;
    let icon = server.client.get(server.url("/")).send().await.unwrap();
    let html = icon.text().await.unwrap();
    let icon_path = html
        .split("href=\"")
        .nth(1)
        .unwrap()
        .split('"')
        .next()
        .unwrap();
    let icon_bytes = server
        .client
        .get(server.url(icon_path))
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .len();
    let first_load = weight.as_u64().unwrap() + icon_bytes as u64;
    println!("console: first load {first_load} bytes (HTML, scripts, styles, icon; uncompressed)");
    assert!(
        first_load > 10_000,
        "the first load measured nothing: {first_load}"
    );
    w.audit("sign-in").await;
    w.shoot("sign-in").await;

    // The admin signs in with the keyboard alone.
    let focused =
        w.b.exec("return document.activeElement.name;", json!([]))
            .await;
    assert_eq!(focused, "username", "the username field has the focus");
    w.b.keys(&format!("admin{TAB}{ADMIN_PASSWORD}{ENTER}"))
        .await;
    w.ready("dashboard").await;
    let timing = w
        .b
        .exec(
            "return [performance.measure('a', 'stockroom:sign-in', 'stockroom:drawn:dashboard').duration,
                     performance.measure('b', 'stockroom:signed-in', 'stockroom:drawn:dashboard').duration];",
            json!([]),
        )
        .await;
    println!(
        "console: dashboard drawn {:.0} ms after Sign in ({:.0} ms after the token arrived)",
        timing[0].as_f64().unwrap(),
        timing[1].as_f64().unwrap()
    );
    for label in ["From", "To", "Day", "Week", "Month"] {
        w.field(label).await;
    }
    let charts = w.b.all("//main//*[@role='img']").await;
    assert_eq!(charts.len(), 2, "two charts on the dashboard");
    assert!(
        w.b.label(&charts[0])
            .await
            .starts_with("Order count per day")
    );
    assert!(
        w.b.label(&charts[1])
            .await
            .starts_with("Order value per day")
    );
    assert_eq!(w.figure("Orders, all time").await, "0");
    w.audit("dashboard").await;

    // Keyboard navigation: a focused link and Enter open the page, and the
    // focus moves to its heading.
    let link = w.b.find("//nav//a[normalize-space()='Suppliers']").await;
    w.b.exec(
        "arguments[0].focus();",
        json!([{ "element-6066-11e4-a52e-4f735466cecf": link.0 }]),
    )
    .await;
    w.b.keys(ENTER).await;
    w.ready("suppliers").await;
    let active =
        w.b.exec("return document.activeElement.textContent;", json!([]))
            .await;
    assert_eq!(active, "Suppliers");

    // Suppliers: create one that needs approval, then edit it.
    w.press("New supplier").await;
    w.fill("Supplier id", "slowpoke").await;
    w.fill("Name", "Slowpoke Supplies").await;
    w.fill("Email", "orders@slowpoke.example").await;
    w.choose("Rating", "2").await;
    w.press("Save supplier").await;
    w.wait_text("Supplier slowpoke created.").await;
    w.b.find(&format!(
        "{}//*[normalize-space()='Need approval']",
        Walk::row("Slowpoke Supplies")
    ))
    .await;
    w.press("Edit supplier slowpoke").await;
    let manual = w.field("Every reorder needs approval").await;
    w.b.click(&manual).await;
    w.press("Save supplier").await;
    w.wait_text("Supplier slowpoke saved.").await;
    w.audit("suppliers").await;
    w.shoot("suppliers").await;

    // Listings: pages, create (the title stays text), adjust, edit, filter.
    w.open("listings", "Listings").await;
    w.wait_text("BULK-18").await;
    w.b.wait_no_text("MUG-BLUE").await;
    w.press("Next page").await;
    w.wait_text("MUG-BLUE").await;
    w.press("Previous page").await;
    w.wait_text("BAG-TOTE").await;
    w.press("New listing").await;
    w.fill("SKU", "LAMP-TEST").await;
    w.fill("Title", XSS_TITLE).await;
    w.fill("Price", "30.00").await;
    w.fill("Stock", "5").await;
    w.choose("Supplier", "slowpoke").await;
    w.fill("Reorder point", "3").await;
    w.press("Save listing").await;
    w.wait_text("Listing LAMP-TEST created.").await;
    w.fill("Search", "LAMP").await;
    w.press("Search").await;
    let cell = w.b.find(&format!("{}/td[2]", Walk::row("LAMP-TEST"))).await;
    assert_eq!(
        w.b.text(&cell).await,
        XSS_TITLE,
        "the title is shown as text"
    );
    let images =
        w.b.exec(
            "return document.querySelectorAll('main img').length;",
            json!([]),
        )
        .await;
    assert_eq!(images, 0, "no element was made from the title");
    w.press("Adjust stock of LAMP-TEST").await;
    w.fill("Change in units", "1").await;
    w.fill("Reason", "found one in the back").await;
    w.press("Save adjustment").await;
    w.wait_text("Stock of LAMP-TEST adjusted: 6 available.")
        .await;
    w.press("Edit LAMP-TEST").await;
    w.fill("Price", "31.00").await;
    w.press("Save listing").await;
    w.wait_text("Listing LAMP-TEST saved.").await;
    w.wait_text("USD 31.00").await;
    w.fill("Search", "").await;
    let low = w.field("Low stock only").await;
    w.b.click(&low).await;
    w.press("Search").await;
    w.wait_text("PEN-BLK").await;
    w.b.wait_no_text("NOTE-A5").await;
    w.audit("listings").await;
    w.shoot("listings").await;
    w.sign_out().await;

    // A customer creates an account and shops.
    w.fill("Username", "shopper").await;
    w.fill("Password", "shopper password").await;
    w.press("Create account").await;
    w.ready("shop").await;
    let nav = w.b.all("//nav//a").await;
    let mut names = Vec::new();
    for a in &nav {
        names.push(w.b.text(a).await);
    }
    assert_eq!(names, ["Shop", "My orders"]);
    for (label, value) in [
        ("Recipient", "Sam Shopper"),
        ("Address line", "1 Market Street"),
        ("City", "Seattle"),
        ("Postal code", "98101"),
        ("Country code", "US"),
    ] {
        w.fill(label, value).await;
    }
    w.fill("Search", "Red enamel").await;
    w.press("Search").await;
    w.fill("Quantity of Red enamel mug", "99").await;
    w.press("Place order").await;
    w.expected_errors
        .push("/orders - Failed to load resource: the server responded with a status of 409");
    w.wait_text("Not enough stock for MUG-RED (99 requested, 8 available).")
        .await;
    w.console_clean("refused order").await;
    w.fill("Quantity of Red enamel mug", "0").await;
    for (search, label, quantity) in [
        ("LAMP", format!("Quantity of {XSS_TITLE}"), "3"),
        ("notebook", "Quantity of A5 dotted notebook".to_owned(), "1"),
        ("tee", "Quantity of Organic cotton tee, M".to_owned(), "1"),
    ] {
        w.fill("Search", search).await;
        w.press("Search").await;
        w.fill(&label, quantity).await;
        w.press("Place order").await;
        w.wait_text("Follow it in My orders.").await;
        let note = w.b.find("//p[@role='status']").await;
        w.b.exec(
            "arguments[0].textContent = '';",
            json!([{ "element-6066-11e4-a52e-4f735466cecf": note.0 }]),
        )
        .await;
    }
    w.fill("Search", "LAMP").await;
    w.press("Search").await;
    w.wait_text(XSS_TITLE).await;
    w.audit("shop").await;
    w.shoot("shop").await;

    // My orders: three, one cancelled here.
    w.open("my-orders", "My orders").await;
    for item in ["3 × LAMP-TEST", "1 × NOTE-A5", "1 × TEE-M"] {
        w.wait_text(item).await;
    }
    w.b.find(&format!(
        "{}//button[normalize-space()='Cancel']",
        Walk::row("1 × NOTE-A5")
    ))
    .await;
    let cancel =
        w.b.find(&format!(
            "{}//button[normalize-space()='Cancel']",
            Walk::row("1 × NOTE-A5")
        ))
        .await;
    w.b.click(&cancel).await;
    w.press("Yes, cancel").await;
    w.wait_text("cancelled; its stock is back on sale.").await;
    w.b.find(&format!(
        "{}//*[normalize-space()='Cancelled']",
        Walk::row("1 × NOTE-A5")
    ))
    .await;
    w.audit("my-orders").await;
    w.shoot("my-orders").await;
    w.sign_out().await;

    // The order took LAMP-TEST to its reorder point: a reorder waits for
    // approval (its supplier is subpar).
    server
        .eventually("/reorders?status=PENDING_APPROVAL", |v| {
            v["items"].as_array().is_some_and(|i| i.len() == 1)
        })
        .await;

    // The admin sees the orders in the dashboard's counts.
    w.sign_in("admin", ADMIN_PASSWORD, "dashboard").await;
    assert_eq!(w.figure("Orders, all time").await, "3");
    assert_eq!(w.figure("Cancelled").await, "1");
    assert_eq!(w.figure("Reorders awaiting approval").await, "1");
    let analytics = server
        .get_json("/analytics/orders", &server.admin_token)
        .await;
    assert_eq!(
        w.figure("Orders in range").await,
        analytics["totals"]["order_count"].to_string()
    );
    let week = w.field("Week").await;
    w.b.click(&week).await;
    w.press("Show").await;
    w.b.find("//*[@role='img' and starts-with(@aria-label, 'Order count per week')]")
        .await;
    w.audit("dashboard").await;
    w.shoot("dashboard").await;

    // Orders: filter, details, cancel.
    w.open("orders", "Orders").await;
    w.choose("Status", "PROCESSING").await;
    w.press("Filter").await;
    w.wait_text("3 × LAMP-TEST").await;
    w.b.wait_no_text("1 × NOTE-A5").await;
    let details =
        w.b.find(&format!(
            "{}//button[normalize-space()='Details']",
            Walk::row("3 × LAMP-TEST")
        ))
        .await;
    w.b.click(&details).await;
    w.b.find("//*[@role='region' and starts-with(@aria-label, 'Order ')]//td[normalize-space()='LAMP-TEST']")
        .await;
    let cancel =
        w.b.find(&format!(
            "{}//button[normalize-space()='Cancel']",
            Walk::row("1 × TEE-M")
        ))
        .await;
    w.b.click(&cancel).await;
    w.press("Yes, cancel").await;
    w.wait_text("cancelled; its stock is back on sale.").await;
    w.audit("orders").await;
    w.shoot("orders").await;

    // Reorders: approve, then receive once the mailer has sent it.
    w.open("reorders", "Reorders").await;
    w.b.find(&format!(
        "{}//*[normalize-space()='Awaiting approval']",
        Walk::row("LAMP-TEST")
    ))
    .await;
    w.shoot("reorders").await;
    w.press("Approve reorder of LAMP-TEST").await;
    w.wait_text("approved; it is mailed to slowpoke.").await;
    server
        .eventually("/reorders?status=SENT", |v| {
            v["items"].as_array().is_some_and(|i| i.len() == 1)
        })
        .await;
    w.press("Filter").await;
    w.press("Receive reorder of LAMP-TEST").await;
    w.fill("Units received", "40").await;
    w.press("Record delivery").await;
    w.wait_text("40 × LAMP-TEST received and added to stock.")
        .await;
    w.b.find(&format!(
        "{}//*[normalize-space()='Received']",
        Walk::row("LAMP-TEST")
    ))
    .await;
    // A second low listing of the same supplier waits for approval; the
    // admin cancels it instead.
    let reply = server
        .client
        .put(server.url("/listings/CANCEL-TEST"))
        .bearer_auth(&server.admin_token)
        .json(
            &json!({ "title": "Cancelled lamp", "price": "5.00", "available": 1,
                       "reorder_point": 3, "supplier_id": "slowpoke" }),
        )
        .send()
        .await
        .unwrap();
    assert!(reply.status().is_success());
    let reply = server
        .client
        .post(server.url("/_dev/schedules/stock-check"))
        .bearer_auth(&server.admin_token)
        .send()
        .await
        .unwrap();
    assert!(reply.status().is_success());
    w.press("Filter").await;
    w.press("Cancel reorder of CANCEL-TEST").await;
    w.wait_text("Reorder of CANCEL-TEST cancelled; the SKU can be reordered.")
        .await;
    w.b.find(&format!(
        "{}//*[normalize-space()='Cancelled']",
        Walk::row("CANCEL-TEST")
    ))
    .await;
    w.audit("reorders").await;

    // Forecasts, after the daily forecast has run.
    let ran = server
        .client
        .post(server.url("/_dev/schedules/demand-forecast"))
        .bearer_auth(&server.admin_token)
        .send()
        .await
        .unwrap();
    assert!(ran.status().is_success(), "{}", ran.text().await.unwrap());
    w.open("forecasts", "Forecasts").await;
    w.fill("SKU", "LAMP-TEST").await;
    w.press("Show forecast").await;
    let chart = w.b.find("//main//*[@role='img']").await;
    let name = w.b.label(&chart).await;
    assert!(
        name.starts_with("Sales and forecast of LAMP-TEST: 3 units sold"),
        "{name}"
    );
    for figure in ["Reorder point", "Safety stock", "Lead-time demand"] {
        w.figure(figure).await;
    }
    w.audit("forecasts").await;
    w.shoot("forecasts").await;

    // The assistant: a question, the lookup it made, the answer from the
    // store's own data.
    w.open("assistant", "Assistant").await;
    w.fill("Your question", "Which listings are low on stock?")
        .await;
    w.press("Ask").await;
    w.wait_text("Looked up: low_stock_listings.").await;
    let answer =
        w.b.find("//main//li[contains(@class,'assistant')]//p[@class='said']")
            .await;
    let said = w.b.text(&answer).await;
    assert!(said.starts_with("Low on stock: "), "{said}");
    let low = server
        .eventually("/listings?low_stock=true&limit=100", |_| true)
        .await;
    for listing in low["items"].as_array().unwrap() {
        let sku = listing["sku"].as_str().unwrap();
        assert!(
            said.contains(sku),
            "{sku} is low but the answer says: {said}"
        );
    }
    w.audit("assistant").await;
    w.shoot("assistant").await;

    // Every page again at 390 pixels wide.
    w.width = 390;
    w.b.set_size(390, 844).await;
    for (page, _) in ADMIN_PAGES {
        w.b.goto(&format!("{}/#/{page}", w.base)).await;
        w.ready(page).await;
        if *page == "forecasts" {
            w.fill("SKU", "LAMP-TEST").await;
            w.press("Show forecast").await;
            w.b.find("//main//*[@role='img']").await;
        }
        w.audit(page).await;
        w.shoot(page).await;
    }
    w.sign_out().await;
    w.shoot("sign-in").await;
    w.sign_in("shopper", "shopper password", "shop").await;
    for (page, link) in CUSTOMER_PAGES {
        w.open(page, link).await;
        w.audit(page).await;
        w.shoot(page).await;
    }

    // A 401 drops the token and asks to sign in again.
    w.b.exec(
        "const s = JSON.parse(sessionStorage.getItem('stockroom.session'));
         s.token = 'expired'; sessionStorage.setItem('stockroom.session', JSON.stringify(s));
         location.hash = '#/shop'; location.reload();",
        json!([]),
    )
    .await;
    w.expected_errors.push("/listings?");
    w.ready("sign-in").await;
    w.wait_text("Your session has ended. Sign in again.").await;
    let left = w.b.exec("return sessionStorage.length;", json!([])).await;
    assert_eq!(left, 0);
    w.console_clean("expired session").await;

    w.b.quit().await;
    server.stop().await;
}
