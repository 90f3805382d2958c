#!/usr/bin/env python3
"""One-shot readiness probes for scripts/lib/servers.sh (stdlib only).

  probe.py free-port            print a free TCP port on 127.0.0.1
  probe.py http URL             exit 0 if URL answers with any HTTP status
  probe.py dynamodb URL         exit 0 if a DynamoDB ListTables call succeeds
                                (also warms moto's lazily loaded backend)
  probe.py mongo HOST PORT      exit 0 if a MongoDB `hello` returns ok: 1

The mongo probe speaks the wire protocol itself (one OP_MSG), so pymongo is
not needed; it fails if the server accepts TCP but does not answer `hello`.
"""

from __future__ import annotations

import socket
import struct
import sys
import urllib.error
import urllib.request

TIMEOUT = 2.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:
            resp.read(1)
        return True
    except urllib.error.HTTPError:
        return True  # it answered, with an error status: still up
    except (OSError, ValueError):
        return False


def dynamodb_ok(url: str) -> bool:
    # moto routes on the SigV4 credential scope but does not check signatures;
    # dynalite needs the header present. The keys are the fake ones we export.
    auth = (
        "AWS4-HMAC-SHA256 Credential=testing/20200101/us-east-1/dynamodb/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64
    )
    req = urllib.request.Request(
        url.rstrip("/") + "/",
        data=b"{}",
        method="POST",
        headers={
            "Content-Type": "application/x-amz-json-1.0",
            "X-Amz-Target": "DynamoDB_20120810.ListTables",
            "X-Amz-Date": "20200101T000000Z",
            "Authorization": auth,
        },
    )
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return b"TableNames" in resp.read()
    except (OSError, ValueError):
        return False


def _bson_cstring(s: str) -> bytes:
    return s.encode() + b"\x00"


def _hello_doc() -> bytes:
    body = b"\x10" + _bson_cstring("hello") + struct.pack("<i", 1)
    db = _bson_cstring("admin")
    body += b"\x02" + _bson_cstring("$db") + struct.pack("<i", len(db)) + db
    return struct.pack("<i", len(body) + 5) + body + b"\x00"


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = b""
    while len(buf) < n:
        chunk = sock.recv(n - len(buf))
        if not chunk:
            raise ConnectionError("connection closed")
        buf += chunk
    return buf


def mongo_ok(host: str, port: int) -> bool:
    op_msg = 2013
    payload = struct.pack("<I", 0) + b"\x00" + _hello_doc()
    msg = struct.pack("<iiii", 16 + len(payload), 1, 0, op_msg) + payload
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT) as sock:
            sock.settimeout(TIMEOUT)
            sock.sendall(msg)
            length, _req, _resp_to, opcode = struct.unpack("<iiii", _recv_exact(sock, 16))
            reply = _recv_exact(sock, length - 16)
    except (OSError, ConnectionError, struct.error):
        return False
    if opcode != op_msg:
        return False
    # reply = flagBits(4) + kind(1) + BSON document; look for the double `ok`.
    idx = reply.find(b"\x01ok\x00")
    if idx < 0:
        return False
    (ok,) = struct.unpack("<d", reply[idx + 4 : idx + 12])
    return ok == 1.0


def main(argv: list[str]) -> int:
    probes = {
        ("free-port", 0): lambda: print(free_port()) or True,
        ("http", 1): lambda url: http_ok(url),
        ("dynamodb", 1): lambda url: dynamodb_ok(url),
        ("mongo", 2): lambda host, port: mongo_ok(host, int(port)),
    }
    probe = probes.get((argv[0], len(argv) - 1)) if argv else None
    if probe is None:
        print(__doc__, file=sys.stderr)
        return 2
    return 0 if probe(*argv[1:]) else 1

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
