#!/usr/bin/env python3
"""Invokes every Stockroom function with every event in events/ through a
running `cargo lambda watch`, and checks each answer and its effect.

Run by scripts/invoke-all, which builds the functions, starts moto
(DynamoDB; SQS and SES v2), creates the table, queues and sender identity,
bootstraps the admin and starts the watch server. Standard library only.

The events in events/ are templates: HTTP requests carry
`Authorization: Bearer REPLACE_WITH_TOKEN` and fixed ids. Each invocation
writes a filled-in copy (real token, real ids, real queue messages) to the
work directory and invokes it with `cargo lambda invoke --data-file`.
Every file in events/ is invoked at least once (checked at the end).
"""

import argparse
import copy
import datetime
import json
import os
import subprocess
import sys
import time
import urllib.request

CHECKS = 0
USED = set()


class Failed(Exception):
    pass


def check(cond, message, *context):
    global CHECKS
    if not cond:
        detail = "\n".join(json.dumps(c, indent=1)[:3000] if not isinstance(c, str) else c[:3000]
                           for c in context)
        raise Failed(f"{message}\n{detail}".rstrip())
    CHECKS += 1


class Env:
    def __init__(self, args):
        self.port = args.port
        self.work = args.work
        self.events = args.events
        self.sqs = os.environ["AWS_ENDPOINT_URL_SQS"].rstrip("/")
        self.ses = os.environ["AWS_ENDPOINT_URL_SESV2"].rstrip("/")
        self.dynamodb = os.environ["AWS_ENDPOINT_URL_DYNAMODB"].rstrip("/")
        self.table = args.table
        self.queues = json.loads(args.queues)
        self.admin_user = args.admin_user
        self.admin_password = os.environ["INVOKE_ADMIN_PASSWORD"]
        self.sender = args.sender
        self.token_ttl = args.token_ttl
        self.counter = 0
        self.timings = []

    # ----------------------------------------------------------- invoking

    def fixture(self, name):
        path = os.path.join(self.events, name)
        USED.add(name)
        with open(path, encoding="utf-8") as f:
            return json.load(f)

    def invoke(self, function, event, label):
        self.counter += 1
        path = os.path.join(self.work, f"{self.counter:03d}-{function}-{label}.json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump(event, f, indent=1)
        start = time.monotonic()
        proc = subprocess.run(
            ["cargo", "lambda", "invoke", function, "--invoke-address", "127.0.0.1",
             "--invoke-port", str(self.port), "--data-file", path, "--output-format", "json"],
            capture_output=True, text=True, timeout=600,
        )
        self.timings.append((function, label, time.monotonic() - start))
        if proc.returncode != 0:
            return {"__error__": (proc.stderr or proc.stdout).strip()}
        out = proc.stdout.strip()
        try:
            return json.loads(out)
        except json.JSONDecodeError as e:
            raise Failed(f"{function} {label}: answer is not JSON ({e}): {out[:2000]}") from e

    def http(self, function, fixture, label, token=None, path=None, body=None, query=None,
             headers=None):
        event = self.fixture(fixture)
        hdrs = event.setdefault("headers", {})
        if token is None:
            hdrs.pop("authorization", None)
        else:
            hdrs["authorization"] = f"Bearer {token}"
        if path is not None:
            old = event["rawPath"]
            event["rawPath"] = path
            event["requestContext"]["http"]["path"] = path
            if event.get("pathParameters"):
                old_parts, new_parts = old.split("/"), path.split("/")
                for key, value in list(event["pathParameters"].items()):
                    if value in old_parts:
                        event["pathParameters"][key] = new_parts[old_parts.index(value)]
        if body is not None:
            raw = body if isinstance(body, str) else json.dumps(body)
            event["body"] = raw
            hdrs["content-length"] = str(len(raw.encode()))
        if query is not None:
            event["rawQueryString"] = "&".join(f"{k}={v}" for k, v in query.items())
            event["queryStringParameters"] = dict(query)
        for k, v in (headers or {}).items():
            hdrs[k] = v
        answer = self.invoke(function, event, label)
        check("__error__" not in answer, f"{function} {label}: invocation failed", answer)
        check("statusCode" in answer, f"{function} {label}: not an HTTP response", answer)
        raw = answer.get("body") or ""
        if answer.get("isBase64Encoded"):
            import base64
            raw = base64.b64decode(raw).decode()
        try:
            parsed = json.loads(raw) if raw else None
        except json.JSONDecodeError:
            parsed = raw
        return answer["statusCode"], parsed, answer.get("headers", {})

    def sqs_batch(self, function, fixture, label, bodies):
        """The fixture's batch with its record repeated once per body."""
        event = self.fixture(fixture)
        template = event["Records"][0]
        records = []
        for i, body in enumerate(bodies):
            r = copy.deepcopy(template)
            r["messageId"] = f"{label}-{i}"
            r["body"] = body
            records.append(r)
        event["Records"] = records
        answer = self.invoke(function, event, label)
        check("__error__" not in answer, f"{function} {label}: invocation failed", answer)
        return answer

    def failures(self, answer):
        check("batchItemFailures" in answer, "not an SQS batch response", answer)
        return sorted(f["itemIdentifier"] for f in answer["batchItemFailures"])

    # --------------------------------------------------------- AWS (moto)

    def aws_json(self, endpoint, service, target, payload):
        req = urllib.request.Request(
            endpoint + "/",
            data=json.dumps(payload).encode(),
            headers={
                "Content-Type": "application/x-amz-json-1.0",
                "X-Amz-Target": target,
                "Authorization": "AWS4-HMAC-SHA256 Credential=testing/20250101/us-east-1/"
                                 f"{service}/aws4_request, SignedHeaders=host, Signature=0",
            },
        )
        with urllib.request.urlopen(req, timeout=30) as resp:
            return json.loads(resp.read() or b"{}")

    def receive_all(self, queue):
        """Every message now in `queue`, deleted as they are read."""
        url = self.queues[queue]
        bodies = []
        while True:
            out = self.aws_json(self.sqs, "sqs", "AmazonSQS.ReceiveMessage", {
                "QueueUrl": url, "MaxNumberOfMessages": 10, "WaitTimeSeconds": 0,
                "VisibilityTimeout": 60,
            })
            messages = out.get("Messages") or []
            if not messages:
                return bodies
            for m in messages:
                bodies.append(m["Body"])
                self.aws_json(self.sqs, "sqs", "AmazonSQS.DeleteMessage",
                              {"QueueUrl": url, "ReceiptHandle": m["ReceiptHandle"]})

    def get_item(self, pk, sk):
        out = self.aws_json(self.dynamodb, "dynamodb", "DynamoDB_20120810.GetItem", {
            "TableName": self.table, "Key": {"pk": {"S": pk}, "sk": {"S": sk}},
            "ConsistentRead": True,
        })
        return out.get("Item")

    def sent_mail(self):
        with urllib.request.urlopen(self.ses + "/moto-api/data.json", timeout=30) as resp:
            data = json.loads(resp.read())
        return data.get("ses", {}).get("Message", [])


def listing_body(title, available, reorder_point, supplier=None, price="12.50"):
    body = {"title": title, "price": price, "available": available,
            "reorder_point": reorder_point, "reorder_quantity": 20, "lead_time_days": 5}
    if supplier:
        body["supplier_id"] = supplier
    return body


def run(env):
    # ------------------------------------------------------------ auth-api
    status, doc, _ = env.http("auth-api", "auth-api/openapi.json", "openapi")
    check(status == 200 and isinstance(doc, dict) and doc.get("openapi", "").startswith("3"),
          "GET /openapi.json answers an OpenAPI 3 document", status, doc if status != 200 else "")
    check("/orders" in doc.get("paths", {}) and "/auth/token" in doc["paths"],
          "the OpenAPI document lists the routes", list(doc.get("paths", {})))

    status, body, _ = env.http("auth-api", "auth-api/register.json", "register")
    check(status == 201 and body.get("username") == "alice", "register alice: 201", status, body)
    status, body, _ = env.http("auth-api", "auth-api/register.json", "register-again")
    check(status == 409 and body["error"]["code"] == "username_taken",
          "alice exists now: registering again is 409 username_taken", status, body)

    status, body, _ = env.http("auth-api", "auth-api/token.json", "token")
    check(status == 200 and body.get("access_token") and body.get("expires_in") == env.token_ttl,
          "alice signs in: a bearer token with the configured lifetime", status, body)
    alice = body["access_token"]
    status, body, _ = env.http("auth-api", "auth-api/token.json", "token-wrong-password",
                               body={"username": "alice", "password": "not her password"})
    check(status == 401, "a wrong password is 401", status, body)
    status, body, _ = env.http("auth-api", "auth-api/token.json", "token-admin",
                               body={"username": env.admin_user, "password": env.admin_password})
    check(status == 200 and body.get("access_token"),
          "the admin created by stockroom-admin signs in through auth-api", status, body)
    admin = body["access_token"]

    # ----------------------------------------------------------- admin-api
    status, body, _ = env.http("admin-api", "admin-api/put-supplier.json", "put-supplier", admin)
    check(status == 201 and body["supplier_id"] == "acme" and not body["subpar"],
          "PUT /suppliers/acme creates a good supplier", status, body)
    status, body, _ = env.http("admin-api", "admin-api/put-supplier.json", "put-supplier-subpar",
                               admin, path="/suppliers/budget",
                               body={"name": "Budget Bits", "email": "sales@budget.example",
                                     "rating": 2})
    check(status == 201 and body["subpar"], "a supplier rated 2 is subpar", status, body)
    status, body, _ = env.http("admin-api", "admin-api/put-supplier.json",
                               "put-supplier-as-customer", alice)
    check(status == 403, "a customer cannot write suppliers", status, body)
    status, body, _ = env.http("admin-api", "admin-api/get-supplier.json", "get-supplier", admin)
    check(status == 200 and body["supplier_id"] == "acme" and body["rating"] == 4,
          "GET /suppliers/acme", status, body)
    status, body, _ = env.http("admin-api", "admin-api/list-suppliers.json", "list-suppliers", admin)
    check(status == 200 and {s["supplier_id"] for s in body["items"]} == {"acme", "budget"},
          "GET /suppliers lists both", status, body)

    # -------------------------------------------------------- listings-api
    status, body, _ = env.http("listings-api", "listings-api/put-listing.json",
                               "put-listing-as-customer", alice)
    check(status == 403, "a customer cannot write listings", status, body)
    status, body, _ = env.http("listings-api", "listings-api/put-listing.json", "put-listing", admin)
    check(status == 201 and body["sku"] == "LAMP-OAK" and body["available"] == 12,
          "PUT /listings/LAMP-OAK creates it", status, body)
    catalogue = {
        "MUG-BLUE": listing_body("Blue mug", 20, 2, "acme"),
        "NOTE-A5": listing_body("A5 notebook", 10, 2, "acme"),
        "MUG-RED": listing_body("Red mug", 5, 1, "acme"),
        "CANDLE-FIG": listing_body("Fig candle", 3, 1),
        "VASE-TEAL": listing_body("Teal vase", 1, 4, "acme"),
        "BOWL-SLATE": listing_body("Slate bowl", 1, 4, "budget"),
    }
    for sku, listing in catalogue.items():
        status, body, _ = env.http("listings-api", "listings-api/put-listing.json",
                                   f"put-{sku}", admin, path=f"/listings/{sku}", body=listing)
        check(status == 201 and body["sku"] == sku, f"PUT /listings/{sku}", status, body)

    def stock(sku, label):
        status, body, _ = env.http("listings-api", "listings-api/get-listing.json", label, alice,
                                   path=f"/listings/{sku}")
        check(status == 200, f"GET /listings/{sku}", status, body)
        return body

    check(stock("MUG-BLUE", "get-listing")["available"] == 20, "MUG-BLUE has its 20")
    status, body, _ = env.http("listings-api", "listings-api/list-listings.json", "list-listings",
                               alice)
    check(status == 200 and len(body["items"]) == 2 and body["next_cursor"],
          "GET /listings?limit=2: a full page and a cursor", status, body)
    status, body, _ = env.http("listings-api", "listings-api/adjust-stock.json", "adjust-stock",
                               admin)
    check(status == 200 and body["available"] == 18, "stock -2: 18 left", status, body)
    check(stock("MUG-BLUE", "get-after-adjust")["available"] == 18, "the adjustment is stored")
    status, body, _ = env.http("listings-api", "listings-api/delete-listing.json",
                               "delete-listing", admin)
    check(status in (200, 204), "DELETE /listings/CANDLE-FIG", status, body)
    status, body, _ = env.http("listings-api", "listings-api/get-listing.json",
                               "get-deleted", alice, path="/listings/CANDLE-FIG")
    check(status == 404, "the deleted listing is gone", status, body)

    # ---------------------------------------------------------- orders-api
    status, order, _ = env.http("orders-api", "orders-api/place-order.json", "place-order", alice)
    check(status == 201 and order["status"] == "PENDING" and len(order["items"]) == 2,
          "POST /orders: 201 PENDING with two lines", status, order)
    order_id = order["order_id"]
    status, again, _ = env.http("orders-api", "orders-api/place-order.json", "place-order-replay",
                                alice)
    check(status in (200, 201) and again["order_id"] == order_id,
          "the same Idempotency-Key answers the same order", status, again)
    check(stock("MUG-BLUE", "get-after-order")["available"] == 16,
          "the order took 2 MUG-BLUE once (replay took nothing)")
    check(stock("NOTE-A5", "get-note-after-order")["available"] == 9, "and 1 NOTE-A5")
    placed = [json.loads(b) for b in env.receive_all("orders")]
    check([p["order_id"] for p in placed] == [order_id],
          "orders-api published one OrderPlaced to the orders queue", placed)
    order_placed_body = json.dumps(placed[0])

    status, body, _ = env.http("orders-api", "orders-api/list-orders.json", "list-orders", alice)
    check(status == 200 and [o["order_id"] for o in body["items"]] == [order_id],
          "GET /orders: alice's one order", status, body)
    status, body, _ = env.http("orders-api", "orders-api/get-order.json", "get-order", alice,
                               path=f"/orders/{order_id}")
    check(status == 200 and body["order_id"] == order_id and body["status"] == "PENDING",
          "GET /orders/{id}", status, body)
    status, body, _ = env.http("orders-api", "orders-api/get-order.json", "get-order-as-admin",
                               admin, path=f"/orders/{order_id}")
    check(status == 200, "an admin sees any order", status, body)

    status, second, _ = env.http("orders-api", "orders-api/place-order.json", "place-second",
                                 alice, body={"items": [{"sku": "MUG-BLUE", "quantity": 3}]},
                                 headers={"idempotency-key": "invoke-all-second-order"})
    check(status == 201, "a second order", status, second)
    check(stock("MUG-BLUE", "get-after-second")["available"] == 13, "took 3 more")
    status, body, _ = env.http("orders-api", "orders-api/cancel-order.json", "cancel-order", alice,
                               path=f"/orders/{second['order_id']}/cancel")
    check(status == 200 and body["status"] == "CANCELLED", "cancel: CANCELLED", status, body)
    status, body, _ = env.http("orders-api", "orders-api/cancel-order.json", "cancel-again", alice,
                               path=f"/orders/{second['order_id']}/cancel")
    check(stock("MUG-BLUE", "get-after-cancel")["available"] == 16,
          "cancelling released the 3, once", status, body)
    env.receive_all("orders")  # the second order's OrderPlaced

    # ----------------------------------------------------- order-processor
    answer = env.invoke("order-processor", env.fixture("order-processor/order-placed.json"),
                        "fixture-unknown-order")
    check(env.failures(answer) == [],
          "order-processor: an OrderPlaced for an unknown order is dropped, not retried", answer)
    answer = env.sqs_batch("order-processor", "order-processor/order-placed.json", "batch",
                           [order_placed_body, "this is not JSON"])
    check(env.failures(answer) == ["batch-1"],
          "order-processor: the malformed record alone is reported", answer)
    status, body, _ = env.http("orders-api", "orders-api/get-order.json", "get-processed", alice,
                               path=f"/orders/{order_id}")
    check(body["status"] == "COMPLETED", "the processed order is COMPLETED (FULFILLMENT_MODE=self)",
          body)
    status, body, _ = env.http("admin-api", "admin-api/order-metrics.json", "order-metrics", admin,
                               path=f"/metrics/orders/{order_id}")
    check(status == 200 and body["order_id"] == order_id and body["status"] == "COMPLETED"
          and isinstance(body["processing_seconds"], (int, float)) and body["processing_seconds"] >= 0,
          "GET /metrics/orders/{id}: the order's processing time", status, body)

    # ----------------------------------------------- listing-notifications
    answer = env.invoke("listing-notifications",
                        env.fixture("listing-notifications/mfn-quantity-raw.json"), "mfn-raw")
    check(env.failures(answer) == [], "MFN quantity notification applied", answer)
    check(stock("MUG-BLUE", "get-after-mfn")["available"] == 42, "MUG-BLUE is now 42")
    item = env.get_item("LISTING#MUG-BLUE", "LISTING")
    check(item is not None and item["available"]["N"] == "42",
          "the table itself holds MUG-BLUE at 42", item or {})
    answer = env.invoke("listing-notifications",
                        env.fixture("listing-notifications/mfn-quantity-raw.json"), "mfn-raw-again")
    check(env.failures(answer) == [], "the same notification again is no failure", answer)
    event = env.fixture("listing-notifications/mfn-quantity-eventbridge.json")
    envelope = json.loads(event["Records"][0]["body"])
    envelope["detail"]["Payload"]["Sku"] = "NOTE-A5"
    envelope["detail"]["Payload"]["Quantity"] = 7
    event["Records"][0]["body"] = json.dumps(envelope)
    answer = env.invoke("listing-notifications", event, "mfn-eventbridge")
    check(env.failures(answer) == [], "MFN quantity in its EventBridge envelope", answer)
    check(stock("NOTE-A5", "get-after-mfn-eb")["available"] == 7, "NOTE-A5 is now 7")

    answer = env.invoke("listing-notifications",
                        env.fixture("listing-notifications/status-change-raw.json"), "status-raw")
    check(env.failures(answer) == [], "status change applied", answer)
    check(stock("MUG-RED", "get-after-status")["status"] == "INACTIVE",
          "MUG-RED, DISCOVERABLE but not BUYABLE, is INACTIVE")
    event = env.fixture("listing-notifications/status-change-eventbridge.json")
    envelope = json.loads(event["Records"][0]["body"])
    envelope["detail"]["Payload"]["Sku"] = "LAMP-OAK"
    event["Records"][0]["body"] = json.dumps(envelope)
    fulfillment_body = env.fixture("fulfillment-notifications/shipment-complete.json")["Records"][0]["body"]
    event["Records"].append(dict(copy.deepcopy(event["Records"][0]), messageId="wrong-queue",
                                 body=fulfillment_body))
    answer = env.invoke("listing-notifications", event, "status-eventbridge")
    check(env.failures(answer) == ["wrong-queue"],
          "status change in its envelope applied; a fulfillment notice on this queue is reported",
          answer)
    check(stock("LAMP-OAK", "get-after-status-eb")["status"] == "INACTIVE", "LAMP-OAK is INACTIVE")

    # ------------------------------------------- fulfillment-notifications
    def fulfillment(fixture, label):
        event = env.fixture(fixture)
        note = json.loads(event["Records"][0]["body"])
        note["Payload"]["FulfillmentOrderStatusNotification"]["SellerFulfillmentOrderId"] = order_id
        event["Records"][0]["body"] = json.dumps(note)
        return env.invoke("fulfillment-notifications", event, label)

    answer = fulfillment("fulfillment-notifications/shipment-complete.json", "shipment")
    check(env.failures(answer) == [], "shipment notice applied", answer)
    answer = fulfillment("fulfillment-notifications/return-received.json", "return")
    check(env.failures(answer) == [], "return notice applied", answer)
    status, body, _ = env.http("orders-api", "orders-api/get-order.json", "get-fulfilled", alice,
                               path=f"/orders/{order_id}")
    ful = body.get("fulfillment") or {}
    tracking = [p.get("tracking_number") for s in ful.get("shipments", []) for p in s["packages"]]
    check(tracking == ["1Z999AA10123456784"], "the order shows the shipment's tracking number", body)
    check([(r["sku"], r["returned_quantity"]) for r in ful.get("returns", [])] == [("MUG-BLUE", 1)],
          "and the returned item", body)
    answer = env.invoke("fulfillment-notifications",
                        env.fixture("fulfillment-notifications/shipment-complete.json"),
                        "fixture-unknown-order")
    check(env.failures(answer) == [], "a notice about an unknown order is dropped", answer)

    # --------------------------------------------------------- stock-check
    summary = env.invoke("stock-check", env.fixture("stock-check/scheduled.json"), "scheduled")
    check(summary.get("job") == "stock-check" and summary.get("failed") == 0
          and summary.get("acted", 0) >= 2,
          "stock-check raised the two reorders (VASE-TEAL, BOWL-SLATE)", summary)
    queued = [json.loads(b) for b in env.receive_all("reorders")]
    status, reorders, _ = env.http("admin-api", "admin-api/list-reorders.json", "list-all-reorders",
                                   admin, query={"limit": "50"})
    by_sku = {r["sku"]: r for r in reorders["items"]}
    check(by_sku.get("VASE-TEAL", {}).get("status") == "QUEUED"
          and by_sku.get("BOWL-SLATE", {}).get("status") == "PENDING_APPROVAL",
          "VASE-TEAL's reorder is QUEUED; the subpar supplier's waits for approval", reorders)
    check([q["reorder_id"] for q in queued] == [by_sku["VASE-TEAL"]["reorder_id"]],
          "only the QUEUED one was published to the reorders queue", queued)
    vase_message = json.dumps(queued[0])

    status, body, _ = env.http("admin-api", "admin-api/list-reorders.json", "list-reorders", admin)
    check(status == 200 and [r["sku"] for r in body["items"]] == ["BOWL-SLATE"],
          "GET /reorders?status=PENDING_APPROVAL", status, body)
    bowl_id = by_sku["BOWL-SLATE"]["reorder_id"]
    status, body, _ = env.http("admin-api", "admin-api/approve-reorder.json", "approve-reorder",
                               admin, path=f"/reorders/{bowl_id}/approve")
    check(status == 200 and body["status"] == "QUEUED", "approve: QUEUED", status, body)
    approved = [json.loads(b) for b in env.receive_all("reorders")]
    check([q["reorder_id"] for q in approved] == [bowl_id],
          "approving published the reorder", approved)

    # ------------------------------------------------------ reorder-mailer
    answer = env.invoke("reorder-mailer", env.fixture("reorder-mailer/reorder-queued.json"),
                        "fixture-unknown-reorder")
    fixture_id = env.fixture("reorder-mailer/reorder-queued.json")["Records"][0]["messageId"]
    check(env.failures(answer) == [fixture_id],
          "a ReorderQueued for an unknown reorder is reported (it goes to the DLQ)", answer)
    mails_before = len(env.sent_mail())
    answer = env.sqs_batch("reorder-mailer", "reorder-mailer/reorder-queued.json", "batch",
                           [vase_message, json.dumps(approved[0])])
    check(env.failures(answer) == [], "both reorders mailed", answer)
    mails = env.sent_mail()[mails_before:]
    to = sorted(d for m in mails for d in m["destinations"]["ToAddresses"])
    check(to == ["orders@acme.example", "sales@budget.example"],
          "SES (moto) holds one mail to each supplier", mails)
    check(all(m["source"] == env.sender for m in mails), "sent from SENDER_EMAIL", mails)
    check(any("VASE-TEAL" in (m.get("subject", "") + m.get("body", "")) for m in mails),
          "the mail names the SKU", mails)
    answer = env.sqs_batch("reorder-mailer", "reorder-mailer/reorder-queued.json", "batch-again",
                           [vase_message, json.dumps(approved[0])])
    check(env.failures(answer) == [] and len(env.sent_mail()) == mails_before + 2,
          "a redelivered reorder is not mailed twice", answer)
    status, body, _ = env.http("admin-api", "admin-api/list-reorders.json", "list-sent", admin,
                               query={"status": "SENT"})
    check(sorted(r["sku"] for r in body["items"]) == ["BOWL-SLATE", "VASE-TEAL"],
          "both reorders are SENT", body)

    vase_id = by_sku["VASE-TEAL"]["reorder_id"]
    status, body, _ = env.http("admin-api", "admin-api/receive-reorder.json", "receive-reorder",
                               admin, path=f"/reorders/{vase_id}/receive")
    check(status == 200 and body["status"] == "RECEIVED", "receive: RECEIVED", status, body)
    check(stock("VASE-TEAL", "get-after-receive")["available"] == 41,
          "receiving 40 took VASE-TEAL from 1 to 41")
    status, body, _ = env.http("admin-api", "admin-api/receive-reorder.json", "receive-again",
                               admin, path=f"/reorders/{vase_id}/receive")
    check(status == 409 and stock("VASE-TEAL", "get-after-receive-again")["available"] == 41,
          "receiving the same reorder again is 409 and adds nothing", status, body)

    status, body, _ = env.http("listings-api", "listings-api/put-listing.json", "put-TRAY-JUTE",
                               admin, path="/listings/TRAY-JUTE",
                               body=listing_body("Jute tray", 0, 3, "budget"))
    check(status == 201, "PUT /listings/TRAY-JUTE, out of stock, from the subpar supplier",
          status, body)
    summary = env.invoke("stock-check", env.fixture("stock-check/scheduled.json"), "again")
    check(summary.get("failed") == 0 and summary.get("acted") == 1,
          "the second stock check raises TRAY-JUTE's reorder only (BOWL-SLATE's is still open)",
          summary)
    status, body, _ = env.http("admin-api", "admin-api/list-reorders.json", "list-tray", admin)
    tray = [r for r in body["items"] if r["sku"] == "TRAY-JUTE"]
    check(len(tray) == 1, "TRAY-JUTE's reorder waits for approval", status, body)
    status, body, _ = env.http("admin-api", "admin-api/reject-reorder.json", "reject-reorder",
                               admin, path=f"/reorders/{tray[0]['reorder_id']}/reject")
    check(status == 200 and body["status"] == "REJECTED", "reject: REJECTED", status, body)
    check(env.receive_all("reorders") == [], "a rejected reorder is never published")

    # ------------------------------------------------------ order-recovery
    status, third, _ = env.http("orders-api", "orders-api/place-order.json", "place-third",
                                alice, body={"items": [{"sku": "NOTE-A5", "quantity": 1}]},
                                headers={"idempotency-key": "invoke-all-third-order"})
    check(status == 201, "a third order, left PENDING", status, third)
    env.receive_all("orders")  # as if the send had been lost
    time.sleep(2.5)  # ORDER_RECOVERY_AGE_SECONDS=2
    summary = env.invoke("order-recovery", env.fixture("order-recovery/scheduled.json"),
                         "scheduled")
    check(summary.get("job") == "order-recovery" and summary.get("failed") == 0
          and summary.get("acted") == 1, "order-recovery re-published one stale order", summary)
    republished = [json.loads(b)["order_id"] for b in env.receive_all("orders")]
    check(republished == [third["order_id"]], "the third order's OrderPlaced is back", republished)

    # ----------------------------------------------------- demand-forecast
    if os.path.isdir(os.path.join(os.path.dirname(env.events.rstrip("/")), "functions",
                                  "demand-forecast")):
        summary = env.invoke("demand-forecast", env.fixture("demand-forecast/scheduled.json"),
                             "scheduled")
        check(summary.get("job") == "demand-forecast" and summary.get("failed") == 0
              and summary.get("examined", 0) >= 1, "demand-forecast ran", summary)
        status, body, _ = env.http("admin-api", "admin-api/forecast.json", "forecast", admin)
        check(status == 200 and body["sku"] == "MUG-BLUE"
              and len(body["daily"]) == body["horizon_days"] and body["reorder_point"] >= 0,
              "GET /forecasts/MUG-BLUE: the forecast the job wrote", status, body)
    else:
        USED.add("demand-forecast/scheduled.json")
        print("invoke-all: demand-forecast has no crate in functions/ yet: not invoked",
              file=sys.stderr)

    # ----------------------------------------------------------- admin-api
    status, body, _ = env.http("admin-api", "admin-api/metrics.json", "metrics", admin)
    check(status == 200 and body["total_orders"] == 3
          and body["status_counts"].get("COMPLETED") == 1
          and body["status_counts"].get("CANCELLED") == 1
          and body["status_counts"].get("PENDING") == 1,
          "GET /metrics counts the three orders by status", status, body)
    status, body, _ = env.http("admin-api", "admin-api/metrics.json", "metrics-as-customer", alice)
    check(status == 403, "metrics are for admins", status, body)
    today = datetime.datetime.now(datetime.timezone.utc).date()
    status, body, _ = env.http("admin-api", "admin-api/analytics.json", "analytics", admin,
                               query={"from": str(today - datetime.timedelta(days=1)),
                                      "to": str(today), "granularity": "day"})
    check(status == 200 and body["totals"]["order_count"] == 3,
          "GET /analytics/orders: today's three orders", status, body)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--events", required=True)
    ap.add_argument("--table", required=True)
    ap.add_argument("--queues", required=True, help="JSON object: queue name -> URL")
    ap.add_argument("--admin-user", required=True)
    ap.add_argument("--sender", required=True)
    ap.add_argument("--token-ttl", type=int, required=True)
    args = ap.parse_args()
    env = Env(args)
    started = time.monotonic()
    try:
        run(env)
        every = set()
        for root, _, files in os.walk(args.events):
            for f in files:
                if f.endswith(".json"):
                    every.add(os.path.relpath(os.path.join(root, f), args.events))
        check(every <= USED, f"every event file is invoked; not used: {sorted(every - USED)}")
    except Failed as e:
        print(f"invoke-all: FAILED: {e}", file=sys.stderr)
        print(f"{CHECKS} passed, 1 failed")
        sys.exit(1)
    slowest = sorted(env.timings, key=lambda t: -t[2])[:3]
    print(f"invoke-all: {env.counter} invocations in {time.monotonic() - started:.1f} s; slowest: "
          + ", ".join(f"{f} {l} {s:.2f} s" for f, l, s in slowest))
    print(f"{CHECKS} passed, 0 failed")


if __name__ == "__main__":
    main()
