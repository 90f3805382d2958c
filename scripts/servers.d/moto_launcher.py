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
