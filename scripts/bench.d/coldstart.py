#!/usr/bin/env python3
"""Cold-start harness for scripts/bench-coldstart.

Serves the one call of the Lambda Runtime API that a function makes when
its init is done, `GET /2018-06-01/runtime/invocation/next`, and measures,
for each binary, the time from spawning the process to that first call:
reading the configuration, building the app (store, SDK clients) and
starting the runtime client. The call is never answered; the process is
killed and the next run starts. Runs of the binaries are interleaved so
that a change in machine load hits all of them alike.

With --trace-connects, each binary also runs once under strace, and the
addresses it connects or sends to before asking for its first event are
reported: anything but the runtime API itself is a network call during
init (a DNS query included).

Usage: coldstart.py --runs N [--trace-connects] [--env K=V ...] NAME=PATH ...
Prints one JSON object: {name: {"runs_ms": [...], "median_ms", "p90_ms",
"init_connects": [...]}}. Standard library only (plus strace for
--trace-connects).
"""

import argparse
import http.server
import json
import re
import os
import signal
import socketserver
import statistics
import subprocess
import sys
import tempfile
import threading
import time

NEXT = "/2018-06-01/runtime/invocation/next"


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), Handler)
        self.lock = threading.Lock()
        self.first_next = None
        self.arrived = threading.Event()
        self.unexpected = []

    def arm(self):
        with self.lock:
            self.first_next = None
            self.arrived.clear()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        now = time.perf_counter()
        server = self.server
        if self.path == NEXT:
            with server.lock:
                if server.first_next is None:
                    server.first_next = now
                    server.arrived.set()
            # Hold the long poll: the process is killed before an answer.
            time.sleep(30)
            return
        server.unexpected.append(("GET", self.path))
        self.send_error(404)

    def do_POST(self):
        # /init/error: the function failed to start.
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        self.server.unexpected.append(("POST", self.path, body))
        self.send_response(202)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def percentile(values, p):
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def one_run(server, path, env, timeout, prefix=()):
    server.arm()
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        [*prefix, path],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = t0 + timeout
        while not server.arrived.wait(0.005):
            if proc.poll() is not None or time.perf_counter() > deadline:
                break
        if not server.arrived.is_set():
            proc.kill()
            _, err = proc.communicate()
            raise SystemExit(
                f"{path}: exited or made no call to {NEXT} within {timeout}s "
                f"(exit {proc.returncode}); stderr:\n{err.decode(errors='replace')[-2000:]}\n"
                f"other calls: {server.unexpected}"
            )
        return (server.first_next - t0) * 1000.0
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait()
        if proc.stderr:
            proc.stderr.close()


# The address a socket call reaches: connect(2), or sendto(2)/sendmsg(2)
# with an address (UDP, e.g. DNS, needs no connect).
CONNECT = re.compile(
    r'\b(?:connect|sendto|sendmsg)\(\d+, .*?sa_family=(AF_INET6?|AF_UNIX)'
    r'(?:, sin6?_port=htons\((\d+)\))?'
    r'(?:, sin_addr=inet_addr\("([^"]+)"\)|.*?inet_pton\(AF_INET6, "([^"]+)")?'
    r'(?:, sun_path="([^"]+)")?'
)


def init_connects(server, path, env, timeout, runtime_port):
    """Sockets the process connected to before its first /next, except the
    runtime API."""
    with tempfile.NamedTemporaryFile(prefix="coldstart-strace-", suffix=".log") as log:
        one_run(server, path, env, timeout,
                prefix=("strace", "-f", "-qq", "-e", "trace=connect,sendto,sendmsg", "-o", log.name))
        found = []
        for line in open(log.name, encoding="utf-8", errors="replace"):
            m = CONNECT.search(line)
            if not m:
                continue
            family, port, ip4, ip6, unix = m.groups()
            if family == "AF_UNIX":
                found.append(f"unix:{unix}")
                continue
            target = f"{ip4 or ip6}:{port}"
            if target != f"127.0.0.1:{runtime_port}":
                found.append(target)
        return sorted(set(found))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--warmup", type=int, default=2, help="unmeasured runs per binary (page cache)")
    ap.add_argument("--timeout", type=float, default=20.0)
    ap.add_argument("--trace-connects", action="store_true")
    ap.add_argument("--env", action="append", default=[], help="K=V for every function")
    ap.add_argument("binaries", nargs="+", help="NAME=PATH")
    args = ap.parse_args()

    server = Server()
    port = server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()

    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
    for kv in args.env:
        k, _, v = kv.partition("=")
        env[k] = v
    env["AWS_LAMBDA_RUNTIME_API"] = f"127.0.0.1:{port}"

    binaries = []
    for item in args.binaries:
        name, _, path = item.partition("=")
        if not os.access(path, os.X_OK):
            raise SystemExit(f"{name}: {path} is not an executable")
        binaries.append((name, path))

    per_env = {}
    for name, _ in binaries:
        e = dict(env)
        e["AWS_LAMBDA_FUNCTION_NAME"] = name
        per_env[name] = e

    for _ in range(args.warmup):
        for name, path in binaries:
            one_run(server, path, per_env[name], args.timeout)
    samples = {name: [] for name, _ in binaries}
    for _ in range(args.runs):
        for name, path in binaries:
            samples[name].append(one_run(server, path, per_env[name], args.timeout))
    if server.unexpected:
        raise SystemExit(f"unexpected runtime API calls: {server.unexpected}")

    out = {}
    for name, runs in samples.items():
        out[name] = {
            "runs_ms": [round(r, 3) for r in runs],
            "median_ms": round(statistics.median(runs), 3),
            "p90_ms": round(percentile(runs, 90), 3),
        }
    if args.trace_connects:
        for name, path in binaries:
            out[name]["init_connects"] = init_connects(
                server, path, per_env[name], args.timeout * 3, port)
    json.dump(out, sys.stdout, indent=1)
    print()
    server.shutdown()


if __name__ == "__main__":
    main()
