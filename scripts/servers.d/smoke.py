#!/usr/bin/env python3
"""Smoke-test running stand-ins through the endpoints `scripts/servers env` prints.

  eval "$(scripts/servers env)"; python3 scripts/servers.d/smoke.py [dynamodb aws dynalite mongo]

dynamodb  table with a GSI, TTL on, GSI query, TransactWriteItems whose 2nd
          condition fails -> TransactionCanceled with per-item CancellationReasons
          and nothing written
aws       SQS send/receive/delete; SES v2 identity + SendEmail, read back from
          /moto-api/data.json (ses.Message)
dynalite  table + conditional put (a second, stricter opinion on conditions)
mongo     multi-document transaction commit + abort, duplicate key error
          (needs pymongo; skipped with a note when it is not importable)
Needs boto3 (installed with moto). Exits non-zero on the first failed check.
"""

from __future__ import annotations

import json
import os
import sys
import time
import urllib.request
import uuid

RUN = uuid.uuid4().hex[:8]


def check(cond: bool, what: str) -> None:
    if not cond:
        raise SystemExit(f"FAIL: {what}")
    print(f"  ok: {what}")


def client(service: str, endpoint: str):
    import boto3

    return boto3.client(service, endpoint_url=endpoint, region_name=os.environ.get("AWS_REGION", "us-east-1"))


def smoke_dynamodb(endpoint: str, full: bool = True) -> None:
    from botocore.exceptions import ClientError

    ddb = client("dynamodb", endpoint)
    table = f"smoke-{RUN}"
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
            {"AttributeName": "status", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "by-status",
                "KeySchema": [{"AttributeName": "status", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    check(True, f"CreateTable {table} with GSI")
    try:
        ddb.put_item(TableName=table, Item={"pk": {"S": "sku#1"}, "sk": {"S": "stock"}, "qty": {"N": "1"}, "status": {"S": "open"}})
        if full:
            ttl = ddb.update_time_to_live(TableName=table, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiresAt"})
            check(ttl["TimeToLiveSpecification"]["Enabled"], "UpdateTimeToLive accepted")
            desc = ddb.describe_time_to_live(TableName=table)["TimeToLiveDescription"]
            check(desc.get("TimeToLiveStatus") == "ENABLED", f"DescribeTimeToLive: {desc.get('TimeToLiveStatus')}")
            ddb.put_item(TableName=table, Item={"pk": {"S": "hold#1"}, "sk": {"S": "h"}, "expiresAt": {"N": str(int(time.time()) - 3600)}})
            expired = "Item" in ddb.get_item(TableName=table, Key={"pk": {"S": "hold#1"}, "sk": {"S": "h"}})
            print(f"  note: item whose TTL passed an hour ago is {'still returned' if expired else 'gone'} (real DynamoDB: returned until swept, up to days)")
            q = ddb.query(TableName=table, IndexName="by-status", KeyConditionExpression="#s = :s",
                          ExpressionAttributeNames={"#s": "status"}, ExpressionAttributeValues={":s": {"S": "open"}})
            check(q["Count"] == 1, "Query on GSI returns the item")

            try:
                ddb.transact_write_items(
                    TransactItems=[
                        {"Put": {"TableName": table, "Item": {"pk": {"S": "order#1"}, "sk": {"S": "o"}}}},
                        {"Update": {
                            "TableName": table,
                            "Key": {"pk": {"S": "sku#1"}, "sk": {"S": "stock"}},
                            "UpdateExpression": "SET qty = qty - :n",
                            "ConditionExpression": "qty >= :n",
                            "ExpressionAttributeValues": {":n": {"N": "5"}},
                            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                        }},
                    ]
                )
                check(False, "TransactWriteItems with a failing condition must be cancelled")
            except ClientError as e:
                err = e.response
                check(err["Error"]["Code"] == "TransactionCanceledException", f"TransactionCanceledException ({err['Error']['Code']})")
                reasons = err.get("CancellationReasons") or []
                codes = [r.get("Code") for r in reasons]
                check(codes == ["None", "ConditionalCheckFailed"], f"CancellationReasons per item: {codes}")
                check("Item" in reasons[1], "ReturnValuesOnConditionCheckFailure=ALL_OLD item in the reason")
            gone = "Item" not in ddb.get_item(TableName=table, Key={"pk": {"S": "order#1"}, "sk": {"S": "o"}})
            check(gone, "cancelled transaction wrote nothing")
        try:
            ddb.put_item(TableName=table, Item={"pk": {"S": "sku#1"}, "sk": {"S": "stock"}},
                         ConditionExpression="attribute_not_exists(pk)")
            check(False, "conditional put on an existing key must fail")
        except ClientError as e:
            check(e.response["Error"]["Code"] == "ConditionalCheckFailedException", "ConditionalCheckFailedException on existing key")
    finally:
        ddb.delete_table(TableName=table)


def smoke_aws(sqs_endpoint: str, ses_endpoint: str) -> None:
    sqs = client("sqs", sqs_endpoint)
    url = sqs.create_queue(QueueName=f"smoke-{RUN}")["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody=json.dumps({"order": RUN}))
    msgs = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MaxNumberOfMessages=1).get("Messages", [])
    check(len(msgs) == 1 and json.loads(msgs[0]["Body"]) == {"order": RUN}, "SQS send + receive")
    sqs.delete_message(QueueUrl=url, ReceiptHandle=msgs[0]["ReceiptHandle"])
    t = time.perf_counter()
    empty = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1).get("Messages", [])
    check(not empty and time.perf_counter() - t >= 0.9, "SQS long poll on an empty queue waits and returns nothing")
    sqs.delete_queue(QueueUrl=url)

    ses = client("sesv2", ses_endpoint)
    sender = f"orders-{RUN}@stockroom.test"
    ses.create_email_identity(EmailIdentity=sender)
    mid = ses.send_email(
        FromEmailAddress=sender,
        Destination={"ToAddresses": ["customer@example.test"]},
        Content={"Simple": {"Subject": {"Data": f"Order {RUN}"}, "Body": {"Text": {"Data": "Thanks"}}}},
    )["MessageId"]
    with urllib.request.urlopen(f"{ses_endpoint}/moto-api/data.json", timeout=10) as r:
        data = json.load(r)
    sent = [m for m in data.get("ses", {}).get("Message", []) if m.get("id") == mid]
    check(len(sent) == 1 and sent[0].get("source") == sender, "SES v2 SendEmail readable at /moto-api/data.json (ses.Message)")


def smoke_mongo(uri: str) -> None:
    try:
        import pymongo
        from pymongo.errors import DuplicateKeyError
    except ImportError:
        print("  skip: pymongo not importable; only the wire-protocol hello was checked by `servers start`")
        return
    c = pymongo.MongoClient(uri, serverSelectionTimeoutMS=10000)
    db = c[f"smoke_{RUN}"]
    try:
        db.stock.insert_one({"_id": "sku1", "qty": 3})
        with c.start_session() as s, s.start_transaction():
            db.stock.update_one({"_id": "sku1"}, {"$inc": {"qty": -1}}, session=s)
            db.orders.insert_one({"_id": "o1", "sku": "sku1"}, session=s)
        check(db.stock.find_one({"_id": "sku1"})["qty"] == 2 and db.orders.count_documents({}) == 1, "transaction committed")
        try:
            with c.start_session() as s, s.start_transaction():
                db.stock.update_one({"_id": "sku1"}, {"$inc": {"qty": -1}}, session=s)
                db.orders.insert_one({"_id": "o1", "sku": "sku1"}, session=s)  # duplicate _id
            check(False, "duplicate key inside a transaction must fail")
        except DuplicateKeyError:
            check(True, "DuplicateKeyError inside a transaction")
        check(db.stock.find_one({"_id": "sku1"})["qty"] == 2, "aborted transaction rolled back")
    finally:
        c.drop_database(db.name)


def main(argv: list[str]) -> int:
    names = argv or ["dynamodb", "aws", "dynalite", "mongo"]
    env = os.environ
    for n in names:
        print(f"{n}:")
        if n == "dynamodb":
            smoke_dynamodb(env["AWS_ENDPOINT_URL_DYNAMODB"])
        elif n == "aws":
            smoke_aws(env["AWS_ENDPOINT_URL_SQS"], env["AWS_ENDPOINT_URL_SESV2"])
        elif n == "dynalite":
            smoke_dynamodb(env["DYNALITE_ENDPOINT"], full=False)
        elif n == "mongo":
            smoke_mongo(env["MONGODB_URI"])
        else:
            print(f"unknown server {n}", file=sys.stderr)
            return 2
    print("smoke: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
