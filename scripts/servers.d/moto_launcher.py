#!/usr/bin/env python3
"""Run a moto server on a loopback port, single-threaded by default.

Usage: moto_launcher.py [--host 127.0.0.1] --port PORT [--threaded]

Why not moto's own `moto_server`: it always runs werkzeug with threaded=True,
and moto's backends take no locks, so concurrent conditional writes race
(200 concurrent conditional decrements oversold in 3 of 43 runs). Serving one
request at a time makes every DynamoDB call atomic, like the real service.

`--threaded` is for the SQS/SES instance: a single-threaded server would be
blocked by one SQS long poll (ReceiveMessage with WaitTimeSeconds).

The WSGI app is built exactly as moto.server.main() builds it:
DomainDispatcherApplication(create_backend_app), debug on.

One cost of moto's SQS is removed (`_fast_sqs_retention_check`): for every
message it hands out, ReceiveMessage checks the retention period by
computing *all* of the queue's attributes, and three of them
(ApproximateNumberOf*) walk every message on the queue. Receiving from a
queue of n messages therefore costs O(n) per message received and draining
it O(n^2): with 500 to 2,000 messages on the queue one ReceiveMessage of 10
took 1.1 to 3.1 s, holding the GIL, so every other request to the server
waited behind it (docs/local-servers.md). The replacement reads the same
MessageRetentionPeriod directly and decides exactly as moto does.

And one of moto's DynamoDB (`_cheap_transaction_snapshots`): before a
TransactWriteItems, moto deep-copies the whole table, once per item of the
transaction, to roll back to if the transaction is cancelled. That is
O(items in the table) per transaction item: a 5-item transaction took
0.27 s on a table of 500 items and 6.3 s on one of 4,000, so a test that
keeps writing to one table slows to a crawl. The snapshot is instead a
copy of the table's item index (shared items) in which only the items the
transaction names are deep copies: the transaction changes no other item,
so rolling back to it restores the same state as moto's own.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys


def _fast_sqs_retention_check() -> None:
    """Make moto's per-message retention check O(1), with the same answer."""
    from moto.core.utils import unix_time
    from moto.sqs.models import SQSBackend

    original = SQSBackend.is_message_valid_based_on_retention_period

    def is_message_valid_based_on_retention_period(self, queue_name, message):  # type: ignore[no-untyped-def]
        period = getattr(self.get_queue(queue_name), "message_retention_period", None)
        if period is None:  # another moto version: keep its own check
            return original(self, queue_name, message)
        return int(period) + message.sent_timestamp / 1000 > unix_time()

    SQSBackend.is_message_valid_based_on_retention_period = is_message_valid_based_on_retention_period


def _cheap_transaction_snapshots() -> None:
    """Roll DynamoDB transactions back from snapshots of the items they name."""
    import copy
    import threading
    import types

    import moto.dynamodb.models as ddb
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    original = ddb.DynamoDBBackend.transact_write_items
    if getattr(ddb, "copy", None) is not copy:  # another moto version: leave it
        return
    local = threading.local()

    def touched_keys(backend, transact_items):  # type: ignore[no-untyped-def]
        keys: dict[str, list[dict]] = {}
        for item in transact_items:
            for op_type, op in item.items():
                table = backend.tables.get(op.get("TableName"))
                if table is None:
                    continue
                source = op.get("Item") if op_type == "Put" else op.get("Key")
                keys.setdefault(table.name, []).append(source or {})
        return keys

    def snapshot(table: Table):  # type: ignore[no-untyped-def]
        cached = local.snapshots.get(id(table))
        if cached is not None:
            return cached
        snap = copy.copy(table)
        snap.items = type(table.items)(dict)
        for hash_key, value in table.items.items():
            snap.items[hash_key] = dict(value) if table.range_key_attr else value
        for key in local.keys.get(table.name, []):
            hash_value = key.get(table.hash_key_attr)
            if hash_value is None:
                continue
            hash_key = DynamoType(hash_value)
            if table.range_key_attr:
                range_value = key.get(table.range_key_attr)
                rows = table.items.get(hash_key, {})
                if range_value is not None and DynamoType(range_value) in rows:
                    range_key = DynamoType(range_value)
                    snap.items[hash_key][range_key] = copy.deepcopy(rows[range_key])
            elif hash_key in table.items:
                snap.items[hash_key] = copy.deepcopy(table.items[hash_key])
        local.snapshots[id(table)] = snap
        return snap

    def deepcopy(value, memo=None):  # type: ignore[no-untyped-def]
        if isinstance(value, Table) and getattr(local, "keys", None) is not None:
            return snapshot(value)
        return copy.deepcopy(value, memo)

    proxy = types.SimpleNamespace(**{k: getattr(copy, k) for k in dir(copy) if not k.startswith("__")})
    proxy.deepcopy = deepcopy
    ddb.copy = proxy

    def transact_write_items(self, transact_items):  # type: ignore[no-untyped-def]
        local.keys = touched_keys(self, transact_items)
        local.snapshots = {}
        try:
            return original(self, transact_items)
        finally:
            local.keys = None
            local.snapshots = {}

    ddb.DynamoDBBackend.transact_write_items = transact_write_items


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument(
        "--threaded",
        action="store_true",
        help="serve requests concurrently (moto's default; NOT safe for DynamoDB conditions)",
    )
    parser.add_argument(
        "--backlog",
        type=int,
        default=1024,
        help="listen backlog (werkzeug's default is 128; tests open hundreds of connections at once)",
    )
    args = parser.parse_args(argv)

    # moto uses MOTO_PORT when it has to call itself (e.g. presigned URLs).
    os.environ.setdefault("MOTO_PORT", str(args.port))

    from werkzeug import serving
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        create_backend_app,
    )

    # Applies to both BaseWSGIServer and ThreadedWSGIServer (read in server_activate).
    serving.BaseWSGIServer.request_queue_size = args.backlog

    def _exit(signum, frame):  # noqa: ARG001
        sys.exit(0)

    signal.signal(signal.SIGTERM, _exit)
    signal.signal(signal.SIGINT, _exit)

    _fast_sqs_retention_check()
    _cheap_transaction_snapshots()
    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True  # type: ignore[attr-defined]  # as moto.server.main does

    mode = "threaded" if args.threaded else "single-threaded"
    print(f"moto_launcher: {mode} moto on http://{args.host}:{args.port}", flush=True)
    # Single-threaded werkzeug speaks HTTP/1.0 and closes each connection after
    # its response, so one idle keep-alive client cannot stall the others.
    serving.run_simple(
        args.host,
        args.port,
        app,
        threaded=args.threaded,
        use_reloader=False,
        use_debugger=False,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
