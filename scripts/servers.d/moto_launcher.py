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
"""

from __future__ import annotations

import argparse
import os
import signal
import sys


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
