#!/usr/bin/env python3
"""Rough throughput of the local stand-ins (numbers in docs/local-servers.md).

  bench.py dynamodb URL [--concurrency N]   needs boto3 (installed with moto)
  bench.py mongo URI [--concurrency N]      needs pymongo (not a project requirement:
                                            pip install pymongo into a throwaway venv)

DynamoDB: 200 sequential UpdateItem, then N concurrent conditional decrements
of a stock of N/2 (exactly N/2 must succeed: the oversell check).
MongoDB: 200 sequential update_one, 50 sequential small transactions, N
concurrent order transactions on distinct documents, then N concurrent order
transactions on ONE hot document with stock N/2 (write conflicts + retries).
Every loop is bounded; it only talks to the URL/URI given (use loopback).
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
import uuid


def bench_dynamodb(url: str, n: int) -> bool:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError

    ddb = boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        config=Config(max_pool_connections=n + 10, retries={"max_attempts": 1}),
    )
    table = f"bench-{uuid.uuid4().hex[:8]}"
    ddb.create_table(
        TableName=table,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.get_waiter("table_exists").wait(TableName=table, WaiterConfig={"Delay": 0.2, "MaxAttempts": 50})
    try:
        t = time.perf_counter()
        for _ in range(200):
            ddb.update_item(
                TableName=table,
                Key={"pk": {"S": "counter"}},
                UpdateExpression="ADD n :one",
                ExpressionAttributeValues={":one": {"N": "1"}},
            )
        dt = time.perf_counter() - t
        print(f"dynamodb: 200 sequential UpdateItem: {dt:.2f}s ({200 / dt:.0f}/s)")

        stock = n // 2
        ddb.put_item(TableName=table, Item={"pk": {"S": "sku"}, "qty": {"N": str(stock)}})
        ok, rejected, errors = [0], [0], []
        lock = threading.Lock()

        def decrement() -> None:
            try:
                ddb.update_item(
                    TableName=table,
                    Key={"pk": {"S": "sku"}},
                    UpdateExpression="SET qty = qty - :one",
                    ConditionExpression="qty >= :one",
                    ExpressionAttributeValues={":one": {"N": "1"}},
                )
                with lock:
                    ok[0] += 1
            except ClientError as e:
                with lock:
                    if e.response["Error"]["Code"] == "ConditionalCheckFailedException":
                        rejected[0] += 1
                    else:
                        errors.append(e.response["Error"]["Code"])
            except Exception as e:  # noqa: BLE001 - report, do not hang
                with lock:
                    errors.append(repr(e)[:120])

        threads = [threading.Thread(target=decrement) for _ in range(n)]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join(timeout=120)
        dt = time.perf_counter() - t
        left = int(ddb.get_item(TableName=table, Key={"pk": {"S": "sku"}})["Item"]["qty"]["N"])
        correct = ok[0] == stock and left == 0 and not errors
        print(
            f"dynamodb: {n} concurrent conditional decrements of stock {stock}: {dt:.2f}s "
            f"ok={ok[0]} rejected={rejected[0]} errors={len(errors)} left={left} correct={correct}"
        )
        for e in errors[:3]:
            print("  error:", e)
        return correct
    finally:
        ddb.delete_table(TableName=table)


def bench_mongo(uri: str, n: int) -> bool:
    import pymongo

    client = pymongo.MongoClient(uri, serverSelectionTimeoutMS=10000, maxPoolSize=n + 10)
    db = client[f"bench_{uuid.uuid4().hex[:8]}"]
    try:
        db.stock.insert_one({"_id": "counter", "n": 0})
        t = time.perf_counter()
        for _ in range(200):
            db.stock.update_one({"_id": "counter"}, {"$inc": {"n": 1}})
        dt = time.perf_counter() - t
        print(f"mongo: 200 sequential update_one: {dt:.2f}s ({200 / dt:.0f}/s)")

        db.stock.insert_one({"_id": "big", "qty": 10**6})
        t = time.perf_counter()
        for i in range(50):
            with client.start_session() as s, s.start_transaction():
                db.stock.update_one({"_id": "big"}, {"$inc": {"qty": -1}}, session=s)
                db.orders.insert_one({"sku": "big", "i": i}, session=s)
        dt = time.perf_counter() - t
        print(f"mongo: 50 sequential transactions (update + insert): {dt:.2f}s ({50 / dt:.0f}/s)")

        def run(label: str, body, count: int) -> tuple[float, int, list[str]]:
            oks, errs = [0], []
            lock = threading.Lock()

            def one(i: int) -> None:
                try:
                    with client.start_session() as s:
                        res = s.with_transaction(lambda s: body(s, i))
                    with lock:
                        oks[0] += 1 if res else 0
                except Exception as e:  # noqa: BLE001
                    with lock:
                        errs.append(repr(e)[:160])

            threads = [threading.Thread(target=one, args=(i,)) for i in range(count)]
            t0 = time.perf_counter()
            for th in threads:
                th.start()
            for th in threads:
                th.join(timeout=300)
            return time.perf_counter() - t0, oks[0], errs

        db.items.insert_many([{"_id": i, "qty": 5} for i in range(n)])

        def distinct(s, i):
            db.items.update_one({"_id": i, "qty": {"$gte": 1}}, {"$inc": {"qty": -1}}, session=s)
            db.orders.insert_one({"item": i}, session=s)
            return True

        dt, oks, errs = run("distinct", distinct, n)
        print(f"mongo: {n} concurrent transactions on distinct docs: {dt:.2f}s ({n / dt:.0f}/s) ok={oks} errors={len(errs)}")
        good = not errs

        stock = n // 2
        db.stock.insert_one({"_id": "hot", "qty": stock})

        def hot(s, i):
            r = db.stock.update_one({"_id": "hot", "qty": {"$gte": 1}}, {"$inc": {"qty": -1}}, session=s)
            if r.modified_count != 1:
                return False
            db.orders.insert_one({"sku": "hot", "i": i}, session=s)
            return True

        dt, oks, errs2 = run("hot", hot, n)
        left = db.stock.find_one({"_id": "hot"})["qty"]
        orders = db.orders.count_documents({"sku": "hot"})
        correct = oks == stock and left == 0 and orders == stock and not errs2
        print(
            f"mongo: {n} concurrent order transactions on ONE doc, stock {stock}: {dt:.2f}s "
            f"ok={oks} errors={len(errs2)} left={left} orders={orders} correct={correct}"
        )
        for e in (errs + errs2)[:3]:
            print("  error:", e)
        return good and correct
    finally:
        client.drop_database(db.name)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("target", choices=["dynamodb", "mongo"])
    p.add_argument("endpoint")
    p.add_argument("--concurrency", type=int, default=200)
    a = p.parse_args()
    fn = bench_dynamodb if a.target == "dynamodb" else bench_mongo
    return 0 if fn(a.endpoint, a.concurrency) else 1


if __name__ == "__main__":
    sys.exit(main())
